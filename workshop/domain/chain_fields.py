"""Checks of a goal's values the schema cannot make: that a date written as one is a real
day, and that text follows the rules typed text follows.

Pure, and on a goal's dict form, so the chain's own rules (`chain.validate`) stay about
ids, levels and links.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from workshop.domain.text import NAME_MAX, TEXT_MAX, TITLE_MAX, shown

DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # a due date, a reading's day
MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T.*")  # decided.at, as the schema allows it


def date_problems(goal: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for each date written like an ISO date that is no real day:
    `due: 2027-13-45` looks like a date; 'Q3 2027' is a timeframe, and stays one."""
    found: list[tuple[str, Any, re.Pattern[str], str]] = [("due", goal.get("due"), DAY, "")]
    for i, metric in enumerate(goal.get("metrics") or []):
        for j, reading in enumerate(metric.get("readings") or []):
            at = reading.get("at") if isinstance(reading, Mapping) else None
            found.append((f"metrics[{i}].readings[{j}].at", at, DAY, ""))
    decided = goal.get("decided")
    if isinstance(decided, Mapping):
        found.append(("decided.at", decided.get("at"), MOMENT, " and time"))
    return [
        (field, f"{shown(value)} is not a real date: an ISO date{time} like {_EXAMPLE[time]}")
        for field, value, pattern, time in found
        if isinstance(value, str) and pattern.fullmatch(value) and not _real(value, bool(time))
    ]


_EXAMPLE = {"": "2027-06-30", " and time": "2027-06-30T14:10:00Z"}


def _real(text: str, with_time: bool) -> bool:
    try:
        datetime.fromisoformat(text) if with_time else date.fromisoformat(text)
    except ValueError:
        return False
    return True


# The length limits of typed text (docs/protocol.md), for the same fields in a chain file.
GOAL_LIMITS = {"title": TITLE_MAX, "statement": TITLE_MAX, "description": TEXT_MAX}
GOAL_LIMITS |= {"owner": NAME_MAX, "due": NAME_MAX}
METRIC_LIMITS = {"name": TITLE_MAX, "unit": NAME_MAX, "owner": NAME_MAX}
METRIC_LIMITS |= {"baseline": 40, "target": 40}  # a value written as text: "top 3"


def length_problems(goal: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for each text of a goal (or the vision) longer than typed text may be."""
    found = [(field, goal.get(field), limit) for field, limit in GOAL_LIMITS.items()]
    for i, metric in enumerate(goal.get("metrics") or []):
        found += [(f"metrics[{i}].{key}", metric.get(key), n) for key, n in METRIC_LIMITS.items()]
    features = enumerate(goal.get("features") or [])
    found += [(f"features[{i}]", feature, TITLE_MAX) for i, feature in features]
    return [
        (field, too_long(value, limit))
        for field, value, limit in found
        if isinstance(value, str) and len(value.strip()) > limit
    ]


def too_long(text: str, limit: int) -> str:
    return f"{len(text.strip())} characters long, at most {limit} allowed"
