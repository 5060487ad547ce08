"""Rate limits at the edges: join-code guesses and session creation per client address,
commands per connection.

Guesses are counted only when they fail, so a whole room joining from one address (a
venue's NAT) never runs into the limit, while someone trying codes does. The counting is
the `limits` library's moving window, in this process's memory.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

from limits import RateLimitItem, parse_many, storage, strategies

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
    "CREATE_RATE": "too many sessions created from your address",
    "COMMAND_RATE": "too many commands on this connection",
}


class Throttle:
    """Named limits ("10/minute;100/hour"), each counted per key (an address, a connection)."""

    def __init__(self, config: Mapping[str, object]) -> None:
        self._limits = {name: parse_many(str(config[name])) for name in WHAT}
        self._window = strategies.MovingWindowRateLimiter(storage.MemoryStorage())

    def check(self, name: str, key: str) -> None:
        """Refuse with RateLimited when `key` has no room left under limit `name`."""
        for item in self._limits[name]:
            if not self._window.test(item, name, key):
                raise self._refusal(name, key, item)

    def count(self, name: str, key: str) -> None:
        """One more under limit `name` for `key`."""
        for item in self._limits[name]:
            self._window.hit(item, name, key)

    def take(self, name: str, key: str) -> None:
        """Count one more, or refuse when there is no room: for limits where every attempt
        counts. One step (`hit`), so requests handled side by side cannot all slip through."""
        for item in self._limits[name]:
            if not self._window.hit(item, name, key):
                raise self._refusal(name, key, item)

    def _refusal(self, name: str, key: str, item: RateLimitItem) -> RateLimited:
        reset = self._window.get_window_stats(item, name, key).reset_time
        return RateLimited(WHAT[name], max(1, math.ceil(reset - time.time())))
