"""Noticing the wall clock step (NTP correcting it, a machine resumed, a date set by hand).

The wall clock less the monotonic one stays put while neither steps, and moves only a little
while NTP slews it: a jump of more than a second is a step, which the turns and stages under
way must not count as time spoken or gone by.
"""

from __future__ import annotations

import threading
import time


class ClockSteps:
    """How far the wall clock stepped since the last look; each step is told once, to
    whichever caller looks first (the timer loop, or a command that came before its look)."""

    TOLERANCE = 1.0  # seconds: more than any slew between two looks, less than a step

    def __init__(self) -> None:
        self._offset = time.time() - time.monotonic()
        self._lock = threading.Lock()

    def step(self) -> float:
        """How far the wall clock stepped since the last look, or 0.0."""
        with self._lock:
            offset = time.time() - time.monotonic()
            by = offset - self._offset
            if abs(by) <= self.TOLERANCE:
                return 0.0
            self._offset = offset
            return by
