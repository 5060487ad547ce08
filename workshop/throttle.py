"""Rate limits at the edges: join-code guesses and session creation per client address,
connections opened per person, commands per connection.

Guesses are counted only when they fail, so a whole room joining from one address (a
venue's NAT) never runs into the limit, while someone trying codes does. The counting is a
moving window in this process's memory: each key keeps the times of its last hits, and
nothing runs in the background (the `limits` library's memory storage wakes every 10 ms
to walk every key, which at 1,000 connections took a quarter of the server's CPU).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Mapping

from limits import RateLimitItem, parse_many

from workshop.domain.errors import WorkshopError


class RateLimited(WorkshopError):
    """Too many requests: try again after `retry_after` seconds."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(f"{message}; try again in {retry_after} s")
        self.retry_after = retry_after

    def as_dict(self) -> dict:
        return {**super().as_dict(), "retry_after": self.retry_after}


# What each limit counts, for its refusal message.
WHAT = {
    "CODE_GUESS_RATE": "too many wrong join codes from your address",
    "CREATE_RATE": "too many requests to create a session from your address (refused ones count)",
    "COMMAND_RATE": "too many commands on this connection",
    "CONNECT_RATE": "too many connections opened as this person",
}
SWEEP_SECONDS = 60.0  # how often keys whose windows have emptied are forgotten


class Throttle:
    """Named limits ("10/minute;100/hour"), each counted per key (an address, a connection)."""

    def __init__(self, config: Mapping[str, object]) -> None:
        self._limits = {name: parse_many(str(config[name])) for name in WHAT}
        self._hits: dict[tuple[str, str, int], deque[float]] = {}  # (limit, key, item) -> times
        self._lock = threading.Lock()
        self._swept = time.monotonic()

    def check(self, name: str, key: str) -> None:
        """Refuse with RateLimited when `key` has no room left under limit `name`."""
        with self._lock:
            self._refuse_when_full(name, key, time.monotonic())

    def count(self, name: str, key: str) -> None:
        """One more under limit `name` for `key`."""
        with self._lock:
            self._record(name, key, time.monotonic())

    def take(self, name: str, key: str) -> None:
        """Count one more, or refuse when there is no room: for limits where every attempt
        counts. One step under the lock, so requests handled side by side cannot all slip
        through."""
        with self._lock:
            now = time.monotonic()
            self._refuse_when_full(name, key, now)
            self._record(name, key, now)

    def _window(self, name: str, key: str, i: int, item: RateLimitItem, now: float) -> deque:
        """The hits of `key` still inside item `i`'s window, oldest first."""
        hits = self._hits.get((name, key, i))
        if hits is None:
            hits = self._hits[(name, key, i)] = deque(maxlen=item.amount)
        start = now - item.get_expiry()
        while hits and hits[0] <= start:
            hits.popleft()
        return hits

    def _refuse_when_full(self, name: str, key: str, now: float) -> None:
        for i, item in enumerate(self._limits[name]):
            hits = self._window(name, key, i, item, now)
            if len(hits) >= item.amount:
                retry_after = max(1, math.ceil(hits[0] + item.get_expiry() - now))
                raise RateLimited(WHAT[name], retry_after)

    def _record(self, name: str, key: str, now: float) -> None:
        for i, item in enumerate(self._limits[name]):
            self._window(name, key, i, item, now).append(now)
        if now - self._swept > SWEEP_SECONDS:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        """Forget windows with no hit left in them (connections gone, addresses quiet), so
        memory follows the keys in use."""
        self._swept = now
        for name, key, i in list(self._hits):
            hits = self._hits[(name, key, i)]
            if not hits or hits[-1] <= now - self._limits[name][i].get_expiry():
                del self._hits[(name, key, i)]
