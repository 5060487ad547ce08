"""The minutes' first page: what was decided, by which rule, with what turnout, the
objections and how they were ruled, and the chain after; the audit trail follows."""

from __future__ import annotations

from collections.abc import Mapping

from workshop.domain import chain as chains
from workshop.domain.plain import LEVEL_NAMES, rule_name
from workshop.minutes.blocks import Block, Words, goals_of
from workshop.minutes.outline_ballots import (
    objection_notes,
    outcome_text,
    settled_notes,
    tie_notes,
    verdict,
)
from workshop.minutes.outline_chain import session_changes


def summary_blocks(record: Mapping, words: Words) -> list[Block]:
    """One page a stakeholder reads instead of the whole record."""
    decided = [_decision(b, words) for b in record["ballots"]]
    return [
        ("h", 2, "Summary"),
        ("h", 3, "What was decided"),
        ("ul", decided) if decided else ("p", "No ballot was held."),
        ("h", 3, "The goal chain after the session"),
        ("ul", _chain_after(record, words)),
    ]


def _decision(ballot: Mapping, words: Words) -> tuple[str, list[str]]:
    """'“Move more”: passed by unanimity, 4 of 4 voted', with its objections and outcome,
    naming each option as it was voted on."""
    voted, revised = words.voted_on(ballot), words.revisions_since(ballot)
    options, rule = voted.each(ballot["options"]), rule_name(ballot["rule"])
    turnout = f"{ballot['turnout']} of {ballot['electorate_size']} voted"
    if ballot["result"] is None:  # "a unanimity vote"; "a vote by a decider after advice"
        vote = f"a vote by {rule}" if rule.startswith("a ") else f"a {rule} vote"
        return f"{options}: {vote}, not revealed ({turnout})", revised
    decision = ballot.get("decision") or {}
    if decision.get("winner") and ballot["rule"] == "decider":  # after advice that ranked
        advice = rule_name(ballot["settings"]["advisory_rule"])
        chose = f"{voted(decision['by'])} chose {voted.title(decision['winner'])}"
        head = f"{options}: {chose} after advice by {advice} ({turnout})"
    elif decision.get("winner"):  # a tie for first place that the decider broke
        chose = f"{voted(decision['by'])} chose {voted.title(decision['winner'])}"
        head = f"{options}: tied by {rule} ({turnout}); {chose}"
    elif _pending(ballot):  # "awaiting the ruling by consent" read as if consent awaited it
        head = f"{options}: by {rule}, {turnout}; {verdict(ballot, voted)}"
    else:
        head = f"{options}: {verdict(ballot, voted)} by {rule}, {turnout}"
    # What a ranking took forward: its outcome lists only what became of the others.
    details = [
        *tie_notes(ballot, voted),
        *settled_notes(ballot, voted),
        *objection_notes(ballot, voted),
    ]
    details += [f"Outcome: {outcome_text(item, voted)}" for item in ballot["outcome"]]
    return head, details + revised


def _pending(ballot: Mapping) -> bool:
    """A revealed ballot without its verdict yet: a ruling or the decider's decision due."""
    undecided = ballot["rule"] == "decider" and not ballot.get("decision")
    return bool(ballot["result"].get("awaiting_ruling")) or undecided


def _chain_after(record: Mapping, words: Words) -> list[str]:
    """The chain's size, then what this session added, changed or removed."""
    goals = goals_of(record["chain_after"])
    counts: dict[str, int] = {}
    others = 0  # rejected, retired or only proposed: in the file, not in force
    for goal in goals.values():
        if goal["level"] == "vision" or goal.get("status", "accepted") in chains.IN_FORCE:
            counts[goal["level"]] = counts.get(goal["level"], 0) + 1
        else:
            others += 1
    size = ", ".join(
        f"{n} {LEVEL_NAMES.get(level, level)}{'s' if n > 1 and level != 'vision' else ''}"
        for level, n in counts.items()
    )
    if others:
        size += f" in force (and {others} more the file keeps, not in force)"
    # The summary leaves out what a review found none of ("Achieved: none").
    changes = [line for line in session_changes(record, words) if not line.endswith(": none")]
    return [f"The chain holds {size or 'no goal yet'}.", *(changes or ["No change to the chain."])]
