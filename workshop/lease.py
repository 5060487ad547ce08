"""Each serving process holds a lease in the database and renews it.

Two things hang on it. A process alone (no message queue) must be the only one on its
database: a second one would never hear the first one's events and would close its people's
attendance. And with a message queue, a process that dies (kill -9, a lost machine) leaves
its connections open in attendance: the live processes end them once its lease lapses, so
its people stop counting as present (and in the next electorate) within LEASE_SECONDS plus
one renewal. A lease whose process is gone from this host is free at once.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from contextlib import suppress

from workshop.domain.errors import Unavailable
from workshop.store import Store

LEASE_SECONDS = 15.0  # a lease not renewed for this long belongs to a dead process
RENEW_SECONDS = 5.0
# Runs a piece of work in a write transaction and returns once it is on disk.
Write = Callable[[Callable[[], None]], None]


class LeaseTaken(Exception):
    """Another live server holds this database."""


class ProcessLease:
    """This process's claim on the database; `shared` when a message queue joins processes."""

    def __init__(
        self, store: Store, clock: Callable[[], float], holder: str, shared: bool, write: Write
    ) -> None:
        """`write` renews it while the server serves: through the writer, whose COMMIT never
        holds up the event loop (taking and giving it back happen when nothing is served)."""
        self.store, self.clock, self.write = store, clock, write
        self.mine = {
            "holder": holder,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "shared": int(shared),
        }
        self.renewed_at = 0.0

    def acquire(self) -> None:
        """Take the lease, or raise LeaseTaken naming the process that serves alone."""
        now = self.clock()
        with self.store.transaction():
            for other in self._others_alive(now):
                if not (self.mine["shared"] and other["shared"]):
                    raise LeaseTaken(
                        f"another workshop server (pid {other['pid']} on {other['host']}) is"
                        " serving this database; stop it first, or join both with"
                        " --message-queue"
                    )
            self._hold(now)
        self.renewed_at = now

    def renew(self) -> None:
        """From the timer loop, every RENEW_SECONDS at most: keep ours, end the dead ones'."""
        now = self.clock()
        if now - self.renewed_at >= RENEW_SECONDS:

            def renewal() -> None:
                self._others_alive(now)
                self._hold(now)

            self.write(renewal)
            self.renewed_at = now

    def release(self) -> None:
        """At a clean stop: our connections end now; if the disk refuses, the lease lapses."""
        with suppress(Unavailable), self.store.transaction():
            self.store.end_process(self.mine["holder"], self.clock())

    def _hold(self, now: float) -> None:
        self.store.hold_process({**self.mine, "renewed_at": now})

    def _others_alive(self, now: float) -> list[dict]:
        """The other live processes; the dead ones' connections are ended on the way."""
        living = []
        for other in self.store.processes():
            if other["holder"] == self.mine["holder"]:
                continue
            if alive(other, now):
                living.append(other)
            else:
                self.store.end_process(other["holder"], other["renewed_at"])
        return living


def alive(lease: dict, now: float) -> bool:
    """Whether the process that holds `lease` still serves (renewed lately, and on this host
    its pid still runs)."""
    if now - lease["renewed_at"] > LEASE_SECONDS:
        return False
    if lease["host"] != socket.gethostname():
        return True
    try:
        os.kill(lease["pid"], 0)
    except ProcessLookupError:
        return False  # killed or crashed on this host: its lease is free at once
    except PermissionError:
        return True  # a process of another user has that pid
    return True
