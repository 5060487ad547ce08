"""External tools some tests need: present, or skipped with a reason (never skipped in CI)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import redis

from tests.live import free_port, poll


def require(tool: str, why: str) -> str:
    """The tool's path; skip without it on a laptop, but fail in CI, where it must be."""
    path = shutil.which(tool)
    if path:
        return path
    message = f"{tool} is not installed: {why} (`make test` installs it when CI is set)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


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
