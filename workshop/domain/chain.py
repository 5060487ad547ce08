"""The goal chain: vision, user and business goals, product goals, sprint goals, and their rules.

Pure: the live server, the chain file, the minutes and the pages all judge a chain here,
so a chain is valid or not in exactly one way.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from workshop.domain.chain_fields import date_problems, length_problems, too_long
from workshop.domain.decided import ordered_decided
from workshop.domain.errors import InvalidInput
from workshop.domain.text import (
    CONTROL,
    DIRECTION_CONTROLS,
    DIRECTION_PROBLEM,
    MARKUP,
    TITLE_MAX,
    is_blank,
    named,
    natural_key,
    one_line,
    shown,
)

FORMAT_VERSION = 1  # the `goalchain:` key every chain document starts with
LEVELS = ("vision", "user", "business", "product", "sprint")
STATUSES = ("proposed", "accepted", "rejected", "achieved", "retired")
PARENT_LEVELS = {
    "user": ("vision",),
    "business": ("vision",),
    "product": ("user", "business"),
    "sprint": ("product",),
}
ID_PREFIX = {"vision": "V", "user": "U", "business": "B", "product": "P", "sprint": "S"}

# What each level serves, said the way a facilitator would say it.
SERVES = {
    "user": "the vision",
    "business": "the vision",
    "product": "one or more user or business goals",
    "sprint": "exactly one product goal",
}

Value = int | float | str | None


@dataclasses.dataclass
class Metric:
    """A KPI that makes a goal measurable; readings are recorded in review sessions."""

    name: str
    baseline: Value = None
    target: Value = None
    unit: str | None = None
    owner: str | None = None
    readings: list[dict[str, Any]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Vision:
    """The one long-term purpose at the top of the chain; may be a stretch goal."""

    id: str
    statement: str
    description: str | None = None
    decided: dict[str, Any] | None = None


@dataclasses.dataclass
class Goal:
    """A user, business, product or sprint goal linked to the goals it serves."""

    id: str
    level: str
    title: str
    description: str | None = None
    parents: list[str] = dataclasses.field(default_factory=list)
    metrics: list[Metric] = dataclasses.field(default_factory=list)
    # The main features a product goal is reached with: the GO roadmap's date, name, goal,
    # features and metrics are a product goal's due, title, description, features, metrics.
    features: list[str] = dataclasses.field(default_factory=list)
    due: str | None = None
    owner: str | None = None
    status: str = "accepted"
    decided: dict[str, Any] | None = None


@dataclasses.dataclass
class Chain:
    """A product's vision and every goal below it."""

    product: str | None = None
    vision: Vision | None = None
    goals: list[Goal] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with a chain, naming the goal and the field so people can fix it."""

    goal_id: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        goal, field = self.goal_id and f"goal {named(self.goal_id)}", self.field
        where = ", ".join(part for part in (goal, field and one_line(field)) if part)
        return f"{where}: {self.message}" if where else self.message


def ordered_goals(chain: Chain) -> list[Goal]:
    """The goals in canonical order: by level, then by id in natural order."""
    return sorted(chain.goals, key=lambda goal: _canonical_key(goal.level, goal.id))


def ordered_ids(chain: Chain, ids: Iterable[str]) -> list[str]:
    """Ids (parents, say) in canonical order: by the level of the goal named, then naturally."""
    levels = {goal_id: goal.level for goal_id, goal in goals_by_id(chain).items()}
    if chain.vision:
        levels[chain.vision.id] = "vision"
    return sorted(ids, key=lambda goal_id: _canonical_key(levels.get(goal_id, ""), goal_id))


def _canonical_key(level: str, goal_id: str) -> tuple[int, tuple[list[str | int], str]]:
    rank = LEVELS.index(level) if level in LEVELS else len(LEVELS)
    return rank, natural_key(goal_id)


def goals_by_id(chain: Chain) -> dict[str, Goal]:
    """Look goals up by id; with duplicate ids (an invalid chain) the first one wins."""
    found: dict[str, Goal] = {}
    for goal in chain.goals:
        found.setdefault(goal.id, goal)
    return found


def children(chain: Chain, goal_id: str) -> list[Goal]:
    """The goals that serve `goal_id`, in canonical order."""
    return [goal for goal in ordered_goals(chain) if goal_id in goal.parents]


def next_goal_id(chain: Chain, level: str) -> str:
    """A fresh id for a goal at `level`: one past the highest number used with its prefix."""
    if level not in ID_PREFIX:
        raise InvalidInput(f"unknown level {shown(level)}: one of {', '.join(LEVELS)}")
    prefix = ID_PREFIX[level]
    ids = [goal.id for goal in chain.goals] + ([chain.vision.id] if chain.vision else [])
    used = [int(match[1]) for match in (re.fullmatch(rf"{prefix}(\d+)", i) for i in ids) if match]
    return f"{prefix}{max(used, default=0) + 1}"


def validate(chain: Chain) -> list[Problem]:
    """Every problem with the chain, not just the first, so one pass fixes them all."""
    problems = _vision_problems(chain) + _duplicate_id_problems(chain)
    problems += _text_problems(None, chain.product, "product")
    if isinstance(chain.product, str) and len(chain.product.strip()) > TITLE_MAX:
        problems.append(Problem(None, "product", too_long(chain.product, TITLE_MAX)))
    if chain.vision is not None:
        problems += _field_problems(chain.vision.id, dataclasses.asdict(chain.vision))
    known = goals_by_id(chain)
    for goal in ordered_goals(chain):
        problems += _goal_problems(chain, goal, known)
        problems += _field_problems(goal.id, dataclasses.asdict(goal))
    return problems


def _field_problems(goal_id: str, fields: dict[str, Any]) -> list[Problem]:
    """What is wrong with the values of a goal's (or the vision's) fields: their text, the
    length of it, their dates."""
    found = length_problems(fields) + date_problems(fields)
    problems = _text_problems(goal_id, fields)
    return problems + [Problem(goal_id, field, message) for field, message in found]


def _text_problems(goal_id: str, fields: Any, where: str = "") -> list[Problem]:
    """Markup or direction controls in any text, and numbers JSON cannot carry, anywhere in a
    goal (provenance too)."""
    if isinstance(fields, str):
        if MARKUP.search(fields):
            return [Problem(goal_id, where, "HTML markup is not allowed in text")]
        if DIRECTION_CONTROLS.search(fields):
            return [Problem(goal_id, where, DIRECTION_PROBLEM)]
        if CONTROL.search(fields):  # ESC would reach the terminal of `chain render`
            return [Problem(goal_id, where, "contains control characters or broken unicode")]
        return []
    if isinstance(fields, float) and not math.isfinite(fields):
        return [Problem(goal_id, where, "not a finite number")]
    if isinstance(fields, Mapping):
        items: Iterable = fields.items()
    elif isinstance(fields, list):
        items = ((f"[{i}]", value) for i, value in enumerate(fields))
    else:
        return []
    problems = []
    for key, value in items:
        path = f"{where}{key}" if str(key).startswith("[") else f"{where}.{key}" if where else key
        problems += _text_problems(goal_id, value, str(path))
    return problems


def _vision_problems(chain: Chain) -> list[Problem]:
    if chain.vision is None:
        return [Problem(None, "vision", "no vision: a chain has exactly one")]
    if is_blank(chain.vision.statement):
        return [Problem(chain.vision.id, "statement", "empty statement")]
    return []


def _duplicate_id_problems(chain: Chain) -> list[Problem]:
    seen = {chain.vision.id} if chain.vision else set()
    problems = []
    for goal in chain.goals:
        if chain.vision and goal.id == chain.vision.id:
            problems.append(
                Problem(goal.id, "id", f"duplicate id {shown(goal.id)}: the vision's id")
            )
        elif goal.id in seen:
            problems.append(Problem(goal.id, "id", f"duplicate id {shown(goal.id)}"))
        seen.add(goal.id)
    return problems


FEATURES_ONLY = "only a product goal lists features (a roadmap entry's)"
FEATURES_MAX = 20  # a roadmap entry names its main features, not a backlog


def _goal_problems(chain: Chain, goal: Goal, known: dict[str, Goal]) -> list[Problem]:
    problems = []
    if is_blank(goal.title):
        problems.append(Problem(goal.id, "title", "empty title"))
    if goal.status not in STATUSES:
        message = f"unknown status {shown(goal.status)}: one of {', '.join(STATUSES)}"
        problems.append(Problem(goal.id, "status", message))
    problems += _metric_problems(goal)
    if goal.features and goal.level != "product":
        problems.append(Problem(goal.id, "features", FEATURES_ONLY))
    for i, feature in enumerate(goal.features):
        if not isinstance(feature, str) or is_blank(feature):
            problems.append(Problem(goal.id, f"features[{i}]", "an empty feature"))
    if len(goal.features) > FEATURES_MAX:
        too_many = f"{len(goal.features)} features, at most {FEATURES_MAX}: the main ones"
        problems.append(Problem(goal.id, "features", too_many))
    for i, feature in enumerate(goal.features):
        if feature in goal.features[:i]:  # as a session refuses it: one line, one feature
            problems.append(Problem(goal.id, f"features[{i}]", f"{shown(feature)} listed twice"))
    if goal.level in PARENT_LEVELS:
        return problems + _parent_problems(chain, goal, known)
    return [*problems, Problem(goal.id, "level", _level_problem(chain, goal.level))]


def _level_problem(chain: Chain, level: str) -> str:
    if level != "vision":
        return f"unknown level {shown(level)}: one of {', '.join(LEVELS[1:])}"
    if chain.vision:
        return f"a second vision: the chain's vision is {chain.vision.id}"
    return "the vision belongs under 'vision', not among the goals"


def _parent_problems(chain: Chain, goal: Goal, known: dict[str, Goal]) -> list[Problem]:
    serves = f"a {goal.level} goal serves {SERVES[goal.level]}"
    if not goal.parents:
        return [Problem(goal.id, "parents", f"no parent: {serves}")]
    problems = []
    if goal.level == "sprint" and len(goal.parents) > 1:
        problems.append(Problem(goal.id, "parents", f"{len(goal.parents)} parents: {serves}"))
    for index, parent in enumerate(goal.parents):
        if parent in goal.parents[:index]:
            message: str | None = f"parent {shown(parent)} listed twice"
        else:
            message = _link_problem(chain, goal, parent, known)
        if message:
            problems.append(Problem(goal.id, "parents", message))
    return problems


def _link_problem(chain: Chain, goal: Goal, parent: str, known: dict[str, Goal]) -> str | None:
    """What is wrong with the link from `goal` up to `parent`, if anything."""
    if parent == goal.id:
        return "a goal cannot be its own parent"
    if chain.vision and parent == chain.vision.id:
        level = "vision"
    elif parent in known:
        level = known[parent].level
    else:
        return f"unknown parent {shown(parent)}"
    if level not in LEVELS:
        return None  # the parent's own level is the problem, named at the parent
    if level in PARENT_LEVELS[goal.level]:
        return None
    what = "the vision" if level == "vision" else f"a {level} goal"
    return f"parent {shown(parent)} is {what}; a {goal.level} goal serves {SERVES[goal.level]}"


def _metric_problems(goal: Goal) -> list[Problem]:
    problems = []
    for index, metric in enumerate(goal.metrics):
        where = f"metrics[{index}]"
        if is_blank(metric.name):
            problems.append(Problem(goal.id, f"{where}.name", "empty metric name"))
    return problems


STANDING = ("proposed", "accepted", "achieved")  # statuses a goal can still serve from
IN_FORCE = ("accepted", "achieved")  # the chain a team holds to (a proposal is not yet)


def lost_parents(chain: Chain) -> list[tuple[Goal, str]]:
    """Each goal still standing with each parent that no longer stands (retired or
    rejected): a goal that serves only such is an orphan in all but name."""
    goals = goals_by_id(chain)

    def stands(parent: str) -> bool:
        if chain.vision is not None and parent == chain.vision.id:
            return True
        return parent in goals and goals[parent].status in STANDING

    return [
        (goal, parent)
        for goal in goals.values()
        if goal.status in STANDING
        for parent in goal.parents
        if not stands(parent)
    ]


def smart_advice(goal: Goal) -> list[str]:
    """Advice towards SMART goals; never an error, and none for the vision or settled goals."""
    if goal.level == "vision" or goal.status not in ("proposed", "accepted"):
        return []
    advice = [] if goal.metrics else ["no metric"]
    advice += [f"metric {shown(m.name)} has no target" for m in goal.metrics if m.target is None]
    if not goal.due:
        advice.append("no due date or timeframe")
    return advice


# The dict form: how a chain travels in events, session state and files (JSON-ready).


def to_dict(chain: Chain) -> dict[str, Any]:
    """The chain as a JSON-ready mapping in canonical order, empty optional fields left out."""
    vision = chain.vision and _compact(dataclasses.asdict(chain.vision))
    goals = [_goal_dict(chain, goal) for goal in ordered_goals(chain)]
    return _compact({"product": chain.product, "vision": vision, "goals": goals})


def _goal_dict(chain: Chain, goal: Goal) -> dict[str, Any]:
    fields = dataclasses.asdict(goal)
    fields["parents"] = ordered_ids(chain, goal.parents)
    fields["metrics"] = [_metric_dict(metric) for metric in goal.metrics]
    return _compact(fields)


def _metric_dict(metric: Metric) -> dict[str, Any]:
    fields = dataclasses.asdict(metric)
    fields["readings"] = [{k: r[k] for k in ("at", "value") if k in r} | r for r in metric.readings]
    return _compact(fields)


REQUIRED = ("id", "level", "title", "statement", "name")  # never left out, even empty


def _compact(fields: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty optional fields (nothing, '', [] or {}: one chain, one form);
    free-form provenance becomes plain JSON data."""
    if fields.get("decided") is not None:
        fields["decided"] = ordered_decided(_plain(fields["decided"]))
    return {key: value for key, value in fields.items() if key in REQUIRED or not _empty(value)}


def _empty(value: Any) -> bool:
    return value is None or value in ([], {}) or (isinstance(value, str) and not value.strip())


def _plain(value: Any) -> Any:
    """Data as JSON gives it back (keys become text), so every copy of a chain agrees."""
    return json.loads(json.dumps(value, default=str))


def to_document(chain: Chain) -> dict[str, Any]:
    """The chain as a JSON-ready file document in canonical order: the dict form under its
    format version (files, the minutes, and the `chain` of the state). The skeleton every
    version keeps is always there: `product` is null and `goals` empty when there are none
    (the vision, once there is one)."""
    fields = to_dict(chain)
    document: dict[str, Any] = {"goalchain": FORMAT_VERSION, "product": fields.get("product")}
    if "vision" in fields:
        document["vision"] = fields["vision"]
    document["goals"] = fields.get("goals", [])
    return document


def from_dict(doc: Mapping[str, Any]) -> Chain:
    """A chain from its dict form (a file's `goalchain` key is ignored); checks nothing."""
    vision = doc.get("vision")
    return Chain(
        product=doc.get("product"),
        vision=Vision(**_known(Vision, vision)) if vision else None,
        goals=[goal_from_dict(goal) for goal in doc.get("goals") or []],
    )


def goal_from_dict(fields: Mapping[str, Any]) -> Goal:
    """A goal from its dict form (an event, a proposal, a file); unknown keys are ignored."""
    known = _known(Goal, fields)
    known["parents"] = list(known.get("parents", []))
    known["metrics"] = [metric_from_dict(metric) for metric in known.get("metrics", [])]
    return Goal(**known)


def metric_from_dict(fields: Mapping[str, Any]) -> Metric:
    """A metric from its dict form; readings are copied so the chain owns them."""
    known = _known(Metric, fields)
    known["readings"] = [dict(reading) for reading in known.get("readings", [])]
    return Metric(**known)


def _known(kind: type, fields: Mapping[str, Any]) -> dict[str, Any]:
    names = [f.name for f in dataclasses.fields(kind)]
    known = {name: fields[name] for name in names if fields.get(name) is not None}
    if "decided" in known:
        known["decided"] = _plain(known["decided"])
    return known


def put_goal(chain: Chain, goal: Goal) -> None:
    """Add `goal` or replace the goal with its id; a goal at level vision becomes the vision."""
    if goal.level == "vision":
        chain.vision = Vision(goal.id, goal.title, goal.description, goal.decided)
        return
    for index, existing in enumerate(chain.goals):
        if existing.id == goal.id:
            chain.goals[index] = goal
            return
    chain.goals.append(goal)
