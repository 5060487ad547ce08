"""The ballot and its result, the rules by name, and each ballot's settings with their defaults."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields

from workshop.domain.errors import InvalidInput
from workshop.domain.rules.words import names
from workshop.domain.text import shown

RULES = ("unanimity", "consent", "majority", "fist_of_five", "dot", "ranked", "decider")
# The rules as people say them, for sentences, pages and minutes.
RULE_NAMES = {
    "unanimity": "unanimity",
    "consent": "consent",
    "majority": "majority",
    "fist_of_five": "fist of five",
    "dot": "dot voting",
    "ranked": "ranked choice",
    "decider": "a decider after advice",
}
YES_NO_RULES = ("unanimity", "consent", "majority", "fist_of_five", "decider")
ADVISORY_RULES = tuple(rule for rule in RULES if rule != "decider")

CHOICES = {
    "unanimity": ("agree", "disagree", "abstain"),
    "majority": ("agree", "disagree", "abstain"),
    "consent": ("consent", "concern", "objection"),
}


@dataclass(frozen=True)
class Ballot:
    """One ballot as stored: the rule, what is voted on, who may vote, and the votes cast.

    `labels` names ids in the reasons people read (a proposal by its title, a voter by
    name); the count itself only ever uses the ids, and an id without a label shows as is.
    """

    rule: str
    options: tuple[str, ...]
    electorate: tuple[str, ...]
    settings: Mapping
    votes: tuple[Mapping, ...]
    decision: Mapping | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    def label(self, key: str) -> str:
        """What a reason calls an option or a voter."""
        return self.labels.get(key, key)

    def labelled(self, keys: Sequence[str]) -> str:
        """'A', 'A and B', 'A, B and C', each by its label."""
        return names([self.label(key) for key in keys])


@dataclass(frozen=True)
class Result:
    """The outcome of a ballot with every number and sentence the minutes need to explain it."""

    rule: str
    passed: bool | None
    winner: str | None
    ranking: tuple[str, ...]
    reasons: tuple[str, ...]
    counts: Mapping
    turnout: int
    electorate_size: int
    low_voters: tuple[str, ...] = ()
    concerns: tuple[Mapping, ...] = ()
    objections: tuple[Mapping, ...] = ()
    ties: tuple[tuple[str, ...], ...] = ()
    awaiting_ruling: tuple[str, ...] = ()  # consent: objectors whose ruling is still due
    advisory: Result | None = None

    def to_dict(self) -> dict:
        """JSON-ready: tuples become lists, mappings plain dicts, the advisory a nested dict."""
        data = {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name != "advisory"}
        data["advisory"] = self.advisory.to_dict() if self.advisory else None
        return data


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def check_rule(rule: object) -> str:
    """The rule if it is one of RULES, else InvalidInput naming it."""
    if rule not in RULES:
        raise InvalidInput(f"rule must be one of {', '.join(RULES)}, got {shown(rule)}")
    return rule


def default_settings(rule: str, options: Sequence[str]) -> dict:
    """The settings a ballot gets when the facilitator sets none."""
    check_rule(rule)
    dots = max(1, math.ceil(len(options) / 3))
    return {
        "quorum": 0.5,
        "supermajority": False,
        "dots": dots,
        "max_per_option": dots,
        "advisory_rule": "consent",
        "decider": None,
    }


def resolve_settings(rule: str, options: Sequence[str], given: object) -> dict:
    """Defaults overlaid with the given settings, each checked; unknown keys are dropped."""
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise InvalidInput(f"settings must be an object, got {shown(given)}")
    settings = default_settings(rule, options)
    if "dots" in given and "max_per_option" not in given:
        settings["max_per_option"] = given["dots"]
    settings.update({key: given[key] for key in settings if key in given})
    for key, check in _SETTING_CHECKS.items():
        if not check(settings[key]):
            raise InvalidInput(
                f"settings.{key} must be {_SETTING_HELP[key]}, got {shown(settings[key])}"
            )
    dots = "dot" in (rule, settings["advisory_rule"] if rule == "decider" else None)
    if dots and settings["max_per_option"] > settings["dots"]:
        raise InvalidInput(
            f"settings.max_per_option ({settings['max_per_option']}) cannot be more than "
            f"settings.dots, the dots each voter has ({settings['dots']})"
        )
    return settings


def is_count(value: object, least: int) -> bool:
    """A whole number (not a boolean) of at least `least`."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _is_share(value: object) -> bool:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return number and 0 <= value <= 1


_SETTING_CHECKS: dict[str, Callable[[object], bool]] = {
    "quorum": _is_share,
    "supermajority": lambda value: isinstance(value, bool),
    "dots": lambda value: is_count(value, 1),
    "max_per_option": lambda value: is_count(value, 1),
    "advisory_rule": lambda value: value in ADVISORY_RULES,
    "decider": lambda value: value is None or (isinstance(value, str) and value.strip() != ""),
}
_SETTING_HELP = {
    "quorum": "a share of the electorate from 0 to 1",
    "supermajority": "true or false",
    "dots": "a whole number 1 or more",
    "max_per_option": "a whole number 1 or more",
    "advisory_rule": "one of " + ", ".join(ADVISORY_RULES),
    "decider": "a voter id",
}
