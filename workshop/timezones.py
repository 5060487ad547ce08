"""Times as people read them: in the session's time zone, named, never as an ISO stamp.

The home page sends the browser's time zone when it creates a session; pages that run
script show times in each viewer's own zone, and what the server renders (the minutes,
the personal-link page without JavaScript) uses the session's, with its name.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workshop.domain.errors import InvalidInput

DEFAULT_ZONE = "UTC"
ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$")


def zone(name: str) -> tzinfo:
    """The time zone of an IANA name; UTC needs no time zone database."""
    return UTC if name == DEFAULT_ZONE else ZoneInfo(name)


def check_zone(name: object) -> str:
    """An IANA time zone name such as 'Europe/Berlin'; none given means UTC."""
    if name is None or name == "":
        return DEFAULT_ZONE
    if isinstance(name, str) and ZONE_NAME.fullmatch(name) and len(name) <= 64:
        try:
            zone(name)
            return name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise InvalidInput(f"time_zone must be a time zone such as 'Europe/Berlin', got {name!r}")


def local(at: float, name: str) -> datetime:
    return datetime.fromtimestamp(at, zone(name))


def moment(at: float, name: str) -> str:
    """'Friday 15 January 2027, 14:30 CET': a day and time a person reads at a glance."""
    when = local(at, name)
    return f"{when:%A} {when.day} {when:%B %Y, %H:%M} {when:%Z}"


def clock(at: float, name: str, since: float | None = None) -> str:
    """'09:00:05' on the day of `since`, else '16 Jan 2027 09:00:05': short in a table."""
    when = local(at, name)
    if since is not None and local(since, name).date() == when.date():
        return f"{when:%H:%M:%S}"
    return f"{when.day} {when:%b %Y %H:%M:%S}"


def machine(at: float, name: str) -> str:
    """The same moment for a `<time datetime>` attribute, with its offset (for scripts)."""
    return local(at, name).isoformat(timespec="seconds")
