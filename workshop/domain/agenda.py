"""Session kinds, roles, phases and the defaults each kind of workshop starts with."""

from __future__ import annotations

from workshop.domain.errors import Forbidden, InvalidInput
from workshop.domain.plain import KIND_NAMES, ROLE_NAMES
from workshop.domain.text import shown, with_article

KINDS = ("strategizing", "roadmapping", "review", "sprint_planning")
ROLES = ("facilitator", "product", "team", "stakeholder", "observer")
PHASES = ("check_in", "propose", "present", "discuss", "decide", "review_chain", "close")

DEFAULT_AGENDA: dict[str, tuple[str, ...]] = {
    "strategizing": (
        "check_in",
        "propose",
        "present",
        "discuss",
        "decide",
        "review_chain",
        "close",
    ),
    "roadmapping": ("check_in", "propose", "present", "discuss", "decide", "review_chain", "close"),
    "review": ("check_in", "review_chain", "propose", "discuss", "decide", "close"),
    "sprint_planning": ("check_in", "propose", "discuss", "decide", "review_chain", "close"),
}

# What each kind of workshop produces: the levels its proposals may have.
LEVELS_BY_KIND: dict[str, tuple[str, ...]] = {
    "strategizing": ("vision", "user", "business"),
    "roadmapping": ("product",),
    "review": ("vision", "user", "business", "product"),
    "sprint_planning": ("sprint",),
}

DEFAULT_RULE_BY_KIND = {
    "strategizing": "unanimity",
    "roadmapping": "consent",
    "review": "consent",
    "sprint_planning": "consent",
}
DEFAULT_RULE_BY_LEVEL = {
    "vision": "unanimity",
    "user": "unanimity",
    "business": "unanimity",
    "product": "consent",
    "sprint": "consent",
}

_TAKING_PART = ("product", "team", "stakeholder")
# Stakeholders only observe sprint planning (Scrum): they may join, but neither vote nor propose.
VOTING_ROLES: dict[str, tuple[str, ...]] = {
    "strategizing": _TAKING_PART,
    "roadmapping": _TAKING_PART,
    "review": _TAKING_PART,
    "sprint_planning": ("product", "team"),
}
JOINABLE_ROLES: dict[str, tuple[str, ...]] = {
    "strategizing": ("product", "team", "stakeholder", "observer"),
    "roadmapping": ("product", "team", "stakeholder", "observer"),
    "review": ("product", "team", "stakeholder", "observer"),
    "sprint_planning": ("product", "team", "observer"),
}

# Phases in which new proposals are welcome; edits (amendments) are allowed until close.
PROPOSING_PHASES = ("propose", "present", "discuss", "decide", "review_chain")
BALLOT_PHASES = ("discuss", "decide", "review_chain")
SILENT_PHASES = ("propose",)


def check_kind(kind: object) -> str:
    """Return the kind if it is one of ours, else say which kinds exist."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}, got {shown(kind)}")
    return str(kind)


def check_join_role(kind: str, role: object) -> str:
    """A role must exist and be allowed in this kind (stakeholders skip sprint planning)."""
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES[1:])}, got {shown(role)}")
    if role not in JOINABLE_ROLES[kind]:
        allowed = ", ".join(JOINABLE_ROLES[kind])
        raise Forbidden(
            f"{with_article(ROLE_NAMES[role])} cannot join a {KIND_NAMES[kind]} session"
            f" (role {shown(role)}; the roles it takes: {allowed})"
        )
    return str(role)


def may_vote(kind: str, role: str) -> bool:
    """Whether a role belongs to the electorate of this kind of session."""
    return role in VOTING_ROLES[kind]


def check_phase(phase: object) -> str:
    if phase not in PHASES:
        raise InvalidInput(f"phase must be one of {', '.join(PHASES)}, got {shown(phase)}")
    return str(phase)
