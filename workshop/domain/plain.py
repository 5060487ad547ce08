"""Our names as people say them: rules, roles, levels, phases and kinds in words, and the
title behind each id. Pages and minutes show these, never snake_case names or ids."""

from __future__ import annotations

from workshop.domain.rules.ballot import RULE_NAMES
from workshop.domain.state import WorkshopState

KIND_NAMES = {
    "strategizing": "strategizing",
    "roadmapping": "roadmapping",
    "review": "review",
    "sprint_planning": "sprint planning",
}
ROLE_NAMES = {
    "facilitator": "facilitator",
    "product": "product person",
    "team": "team member",
    "stakeholder": "stakeholder",
    "observer": "observer",
}
LEVEL_NAMES = {
    "vision": "vision",
    "user": "user goal",
    "business": "business goal",
    "product": "product goal",
    "sprint": "sprint goal",
}
PHASE_NAMES = {
    "check_in": "check-in",
    "propose": "propose (silently)",
    "present": "present",
    "discuss": "discuss",
    "decide": "decide",
    "review_chain": "review the chain",
    "close": "close",
}
CHOICE_NAMES = {
    "agree": "agree",
    "disagree": "disagree",
    "abstain": "abstain",
    "consent": "consent",
    "concern": "concern",
    "objection": "objection",
}

__all__ = ["CHOICE_NAMES", "KIND_NAMES", "LEVEL_NAMES", "PHASE_NAMES", "ROLE_NAMES", "RULE_NAMES"]


def rule_name(rule: str | None) -> str:
    return RULE_NAMES.get(rule or "", rule or "")


def title_of(s: WorkshopState, key: str) -> str:
    """The title of a proposal or of a goal of the chain (the vision's statement)."""
    if key in s.proposals:
        return s.proposals[key].title
    if s.chain.vision and s.chain.vision.id == key:
        return s.chain.vision.statement
    goal = next((g for g in s.chain.goals if g.id == key), None)
    return goal.title if goal else key
