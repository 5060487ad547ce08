"""External tools some tests need: present, or skipped with a reason (never skipped in CI)."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from tests.live import free_port, poll


def missing(message: str) -> None:
    """Skip on a laptop, but fail in CI, where every tool and permission must be there."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def require(tool: str, why: str) -> str:
    """The tool's path; skip without it on a laptop, but fail in CI, where it must be."""
    path = shutil.which(tool)
    if path:
        return path
    missing(f"{tool} is not installed: {why} (`make test` installs it when CI is set)")
    raise AssertionError("unreachable")


class RedisServer:
    """A real redis-server on a loopback port, which a test may stop and start again."""

    def __init__(self, folder: Path) -> None:
        self.binary = require("redis-server", "these tests need a Redis server")
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--dir", str(self.folder)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        poll(self.pings, timeout=10)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def pings(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url).ping())
        except redis.ConnectionError:
            return False


@contextmanager
def small_disk(folder: Path, size: str = "8m") -> Iterator[Path]:
    """A tmpfs of `size` mounted at `folder`: a disk the test can really fill."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        missing(
            "a full disk is simulated with a small tmpfs, and mounting one is not allowed"
            f" here (run as root): {mounted.stderr.strip()}"
        )
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Write a file until the disk holding `folder` has not one byte left; returns it."""
    filler = folder / "filler"
    handle = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        chunk = 1 << 20
        while chunk:
            try:
                os.write(handle, b"\0" * chunk)
            except OSError as error:
                assert error.errno == errno.ENOSPC, error
                chunk //= 2
    finally:
        os.close(handle)
    return filler
