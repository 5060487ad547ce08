"""Reading fields out of a command's payload, with errors that name the field and the value."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date

from workshop.domain.chain import FEATURES_MAX
from workshop.domain.errors import InvalidInput
from workshop.domain.text import (
    NAME_MAX,
    TEXT_MAX,
    TITLE_MAX,
    bound_words,
    clean_text,
    is_blank,
    optional_text,
    shown,
)

ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,39}")
TIMEFRAME = re.compile(r"[0-9]{4}(-Q[1-4]|-H[12]|-(0[1-9]|1[0-2]))?")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_LIST = 50


# An id of the kind each field names, for its message (a proposal's, 'pr1', by default).
_PERSON = "'pt2'"
_EXAMPLES = {
    "participant_id": _PERSON,
    "voter": _PERSON,
    "electorate": _PERSON,
    "remote_voters": _PERSON,
    "ballot_id": "'b1'",
    "goal_id": "'U1'",
    "target": "'U1'",
    "turn_id": "'t3'",
}


def _example(name: str) -> str:
    return _EXAMPLES.get(name, "'pr1'")


def ident(payload: Mapping, name: str, required: bool = True) -> str | None:
    """An id such as `pr3` or `U2`: short, letters, digits, `-` and `_`."""
    value = payload.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not ID.fullmatch(value):
        raise InvalidInput(f"{name} must be an id like {_example(name)}, got {shown(value)}")
    return value


def ident_list(payload: Mapping, name: str, required: bool = False) -> list[str]:
    value = payload.get(name)
    if value is None and not required:
        return []
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise InvalidInput(f"{name} must be a list of at most {MAX_LIST} ids, got {shown(value)}")
    return distinct([ident({name: item}, name) or "" for item in value], name)


def distinct(items: list[str], name: str, what: str = "") -> list[str]:
    """`items`, none of them twice; else refused naming the one repeated, so it can be fixed."""
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise InvalidInput(f"{name} lists {what}{shown(item)} twice")
        seen.add(item)
    return items


def flag(payload: Mapping, name: str, default: bool | None = False) -> bool:
    """A boolean; with default None the field is required (a silent default would decide)."""
    if default is None and name not in payload:
        raise InvalidInput(f"{name} is required: true or false")
    value = payload.get(name, default)
    if not isinstance(value, bool):
        raise InvalidInput(f"{name} must be true or false, got {shown(value)}")
    return value


def number(
    payload: Mapping, name: str, low: float, high: float, default: float | None = None
) -> float | None:
    """A number within [low, high]; bools are not numbers here."""
    value = payload.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InvalidInput(f"{name} must be a number, got {shown(value)}")
    if not low <= value <= high:
        raise InvalidInput(
            f"{name} must be between {bound_words(low)} and {bound_words(high)}, got {shown(value)}"
        )
    return value


def choice(
    payload: Mapping, name: str, allowed: tuple[str, ...], default: str | None = None
) -> str:
    value = payload.get(name, default)
    if value not in allowed:
        raise InvalidInput(f"{name} must be one of {', '.join(allowed)}, got {shown(value)}")
    return str(value)


def title(payload: Mapping, name: str = "title", required: bool = True) -> str | None:
    if not required and payload.get(name) is None:
        return None
    return clean_text(payload.get(name), name, TITLE_MAX)


def text(payload: Mapping, name: str, max_len: int = TEXT_MAX) -> str | None:
    return optional_text(payload.get(name), name, max_len)


def features(payload: Mapping, name: str = "features") -> list[str]:
    """The main features a product goal is reached with (the GO roadmap's): short texts."""
    value = payload.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > FEATURES_MAX:
        raise InvalidInput(
            f"{name} must be a list of at most {FEATURES_MAX} features, got {shown(value)}"
        )
    listed = [clean_text(item, f"{name}[{i}]", TITLE_MAX) for i, item in enumerate(value)]
    for i, feature in enumerate(listed):
        if is_blank(feature):  # a zero-width space alone: an empty line to a reader
            raise InvalidInput(f"{name}[{i}] must not be empty: it holds only invisible characters")
    return distinct(listed, name, "the feature ")


def due(payload: Mapping, name: str = "due") -> str | None:
    """A due date (YYYY-MM-DD) or a timeframe (2027, 2027-Q2, 2027-H1, 2027-06)."""
    value = payload.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str) and TIMEFRAME.fullmatch(value):
        return value
    return day(payload, name, "or a timeframe like 2027-Q2")


def day(payload: Mapping, name: str, also: str = "") -> str:
    """A calendar date written YYYY-MM-DD."""
    value = payload.get(name)
    try:
        if isinstance(value, str) and DAY.fullmatch(value):
            return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise InvalidInput(
        f"{name} must be a date like 2027-06-30 {also}, got {shown(value)}".replace(" ,", ",")
    )


def metrics(payload: Mapping, name: str = "metrics") -> list[dict]:
    """Metrics as the chain file has them: name, baseline, target, unit, owner."""
    value = payload.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 10:
        raise InvalidInput(f"{name} must be a list of at most 10 metrics, got {shown(value)}")
    return [_metric(item, f"{name}[{i}]") for i, item in enumerate(value)]


def _metric(item: object, where: str) -> dict:
    if not isinstance(item, Mapping):
        raise InvalidInput(f"{where} must be an object with a name, got {shown(item)}")
    unknown = set(item) - {"name", "baseline", "target", "unit", "owner"}
    if unknown:
        raise InvalidInput(f"{where} has unknown field {shown(sorted(unknown)[0])}")
    metric: dict = {"name": clean_text(item.get("name"), f"{where}.name", TITLE_MAX)}
    for key in ("baseline", "target"):
        amount = item.get(key)
        if amount is None or amount == "":
            continue
        finite = not isinstance(amount, float) or math.isfinite(amount)
        if isinstance(amount, bool) or not isinstance(amount, int | float | str) or not finite:
            raise InvalidInput(f"{where}.{key} must be a number or short text, got {shown(amount)}")
        if isinstance(amount, str):
            amount = _number_or_text(clean_text(amount, f"{where}.{key}", 40))
        metric[key] = amount
    for key in ("unit", "owner"):
        words = optional_text(item.get(key), f"{where}.{key}", NAME_MAX)
        if words:
            metric[key] = words
    return metric


PLAIN_NUMBER = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,15})?")  # exact as a number in any client


def _number_or_text(text: str) -> int | float | str:
    """A value typed as text that is a plain number is that number ("300" is 300, as the page
    sends it): else one metric read "target 300 → 300" after an amendment; "top 3" stays text."""
    if not PLAIN_NUMBER.fullmatch(text):
        return text
    return float(text) if "." in text else int(text)


DEPTH_MAX = 32  # a goal chain needs about 6 levels; far deeper input only makes code recurse


def check_depth(value: object, what: str = "the request body") -> None:
    """Refuse input nested deeper than DEPTH_MAX before any recursive code sees it."""
    level = [value]
    for _depth in range(DEPTH_MAX + 1):
        level = [
            child
            for item in level
            if isinstance(item, Mapping | list)
            for child in (item.values() if isinstance(item, Mapping) else item)
        ]
        if not level:
            return
    raise too_deep(what)


def too_deep(what: str = "the request body") -> InvalidInput:
    """The refusal of input nested deeper than DEPTH_MAX (or than a parser could follow)."""
    return InvalidInput(f"{what} is nested more than {DEPTH_MAX} levels deep", code="invalid_json")
