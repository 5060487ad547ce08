"""The times of the minutes: UTC ISO 8601 in the record, the session's zone where people read."""

from __future__ import annotations

from datetime import UTC, datetime

from workshop import timezones

STAMP = "%Y-%m-%dT%H:%M:%SZ"


def utc(at: float | None) -> str | None:
    """Seconds since the epoch as UTC ISO 8601: the record's one time format, for tools."""
    if at is None:
        return None
    return datetime.fromtimestamp(at, UTC).strftime(STAMP)


def seconds(stamp: str) -> float:
    return datetime.strptime(stamp, STAMP).replace(tzinfo=UTC).timestamp()


class Clock:
    """A record's times as people read them: in the session's time zone, the date said
    once in the summary and again only for a time on another day."""

    def __init__(self, session: dict) -> None:
        self.zone = session.get("time_zone") or timezones.DEFAULT_ZONE
        self.start = seconds(session["created_at"])

    def __call__(self, stamp: str | None, empty: str = "") -> str:
        if stamp is None:
            return empty
        return timezones.clock(seconds(stamp), self.zone, since=self.start)

    def moment(self, stamp: str) -> str:
        return timezones.moment(seconds(stamp), self.zone)
