"""Heavy, pure work (rendering an export, reading a large chain file) away from the one
event loop of a green-thread server, so everybody else keeps being answered meanwhile.

Under gevent and eventlet the work runs in a child process (`workshop.offload_worker`):
a thread would share the interpreter lock with the loop, which then waits for it at every
socket and disk call. One job at a time: heavy jobs queue up rather than take every core.
Only module-level pure functions go there, with arguments that pickle.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from workshop import offload_worker

T = TypeVar("T")
Offload = Callable[..., Any]  # offload(function, *args) -> function(*args)


def direct(function: Callable[..., T], *args: object) -> T:
    """Plain threads (and the command line) run the work where they are."""
    return function(*args)


class Worker:
    """The child process, started on first use and again if it died."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._one = threading.Lock()  # made after monkey-patching: a green-thread lock

    def __call__(self, function: Callable[..., T], *args: object) -> T:
        with self._one:
            process = self._running()
            try:
                offload_worker.send(process.stdin, (function, args))
                ok, value = offload_worker.receive(process.stdout)
            except (OSError, EOFError):
                self._process = None  # gone: the next job starts a new one
                process.kill()
                raise
        if ok:
            return value
        raise value

    def _running(self) -> subprocess.Popen:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "workshop.offload_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        return self._process


def offloader(async_mode: str) -> Offload:
    """A child process under gevent or eventlet; a direct call with plain threads."""
    return Worker() if async_mode in ("gevent", "eventlet") else direct
