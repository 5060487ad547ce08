"""The one time format of the minutes: UTC, ISO 8601, to the second."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(at: float | None) -> str | None:
    """Seconds since the epoch as UTC ISO 8601, the one time format of the minutes."""
    if at is None:
        return None
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
