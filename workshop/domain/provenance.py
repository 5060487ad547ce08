"""How a goal was decided, as the chain keeps it (`decided`): the session, the rule, when, the
ballot, its tally and, under a decider, the decision.

The chain file outlives the session, so what it names must read without it: an option by
its goal id once it is a goal of the chain, else by its title; a person by name. Never a
proposal's or a participant's id, which mean nothing in the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workshop.domain.plain import person_named
from workshop.domain.state import Ballot, WorkshopState


def decided(
    s: WorkshopState, ballot: Ballot, result: Mapping, at: str, chosen: str, goal_id: str | None
) -> dict[str, Any]:
    """The provenance of `goal_id`, which option `chosen` of `ballot` became (or changed)."""
    names = option_names(s, ballot, {chosen: goal_id} if goal_id else {})
    record: dict[str, Any] = {
        "session": s.id,
        "rule": ballot.rule,
        "at": at,
        "ballot": ballot.id,
        "tally": _renamed(result.get("counts", {}), names),
    }
    if ballot.rule == "decider":  # the tally is the advice; the decision is what counted
        record["advisory_rule"] = ballot.settings.get("advisory_rule", "consent")
    if ballot.decision is not None:
        decision = dict(ballot.decision, by=person_named(s, ballot.decision["by"]))
        if "winner" in decision:  # a tie the decider broke
            decision["winner"] = names.get(decision["winner"], decision["winner"])
        record["decision"] = decision
    return record


def option_names(s: WorkshopState, ballot: Ballot, goals: Mapping[str, str]) -> dict[str, str]:
    """Each option of the ballot by its goal id (`goals`, or the goal it became), else by its
    title; a title two options share is told apart by a number."""
    names: dict[str, str] = {}
    for option in ballot.options:
        proposal = s.proposals.get(option)
        if option in goals:
            name = goals[option]
        elif proposal is not None and proposal.status == "accepted" and proposal.goal_id:
            name = proposal.goal_id
        else:
            name = proposal.title if proposal is not None else option
        taken = set(names.values())
        unique, count = name, 1
        while unique in taken:
            count += 1
            unique = f"{name} ({count})"
        names[option] = unique
    return names


def _renamed(value: Any, names: Mapping[str, str]) -> Any:
    """The tally with every option id it is keyed by (pairwise counts, say) named instead."""
    if isinstance(value, Mapping):
        return {names.get(key, key): _renamed(item, names) for key, item in value.items()}
    return value
