"""The ballots in the record: each ballot as far as it may be shown, and what it decided."""

from __future__ import annotations

from typing import Any

from workshop.domain import voting
from workshop.domain.state import Ballot, Proposal, WorkshopState
from workshop.domain.text import natural_key
from workshop.minutes.times import utc


def ballots(s: WorkshopState, log: list[dict]) -> list[dict]:
    """Every ballot of the session with what it did to the chain."""
    outcomes = _outcomes(log)
    return [_ballot(s, ballot, outcomes.get(ballot.id, [])) for ballot in s.ballots.values()]


def _ballot(s: WorkshopState, ballot: Ballot, outcome: list) -> dict:
    """The ballot record of API.md (votes only once revealed) with what the minutes add."""
    revealed = ballot.status == "revealed"
    entry: dict[str, Any] = {"id": ballot.id, "status": ballot.status}
    entry.update(voting.labelled(s, voting.public_record(ballot), ballot.titles))
    if not revealed:  # secret until the reveal: the turnout is all anyone may know
        entry.pop("votes")
        entry.pop("decision", None)
        entry["electorate"] = list(ballot.electorate)
    first = s.proposals.get(ballot.options[0])
    entry.update(
        members=list(ballot.electorate),
        anonymous=ballot.anonymous,
        remote=ballot.remote,
        default_rule=voting.standing_rule(s, first) if first else None,
        rule_reason=ballot.rule_reason,
        opened_by=ballot.opened_by,
        opened_at=utc(ballot.opened_at),
        deadline=utc(ballot.deadline),
        closed_at=utc(ballot.closed_at),
        revealed_at=utc(ballot.revealed_at),
        turnout=len(ballot.votes),
        electorate_size=len(ballot.electorate),
        result=ballot.result if revealed else None,
        rulings=[
            {"voter": voter, **{k: ruling[k] for k in ("stands", "reason", "by")}}
            | {"at": utc(ruling["at"])}
            for voter, ruling in sorted(
                ballot.rulings.items(), key=lambda item: natural_key(item[0])
            )
        ],
        outcome=outcome,
        runoff_of=ballot.runoff_of,
        tie_break=_tie_break(ballot.tie_break),
        settled=_settled(ballot.settled),
        titles=dict(ballot.titles),
        revised_since=_revised_since(s, ballot),
    )
    if revealed and not ballot.anonymous:  # a time next to an anonymous vote could identify
        times = sorted(ballot.voted_at.items(), key=lambda item: natural_key(item[0]))
        entry["voted_at"] = {voter: utc(at) for voter, at in times}
    return entry


def _revised_since(s: WorkshopState, ballot: Ballot) -> dict[str, list[str]]:
    """The fields of each option revised after the ballot voted on it, by option."""
    revised = {}
    for pid, count in ballot.versions.items():
        proposal = s.proposals[pid]
        if len(proposal.revisions) > count:
            voted_on, now = proposal.revisions[count]["before"], proposal.content()
            revised[pid] = [name for name in Proposal.CONTENT if voted_on[name] != now[name]]
    return revised


def _tie_break(tie_break: dict | None) -> dict | None:
    """A tie for first place: the runoff held, or the decider asked (and when)."""
    if tie_break is None or "at" not in tie_break:
        return tie_break
    return {**tie_break, "at": utc(tie_break["at"])}


def _settled(settled: dict | None) -> dict | None:
    return None if settled is None else {**settled, "at": utc(settled["at"])}


def _outcomes(log: list[dict]) -> dict[str, list[dict]]:
    """What each ballot did to its proposals: accepted as a goal, the vision changed,
    rejected, achieved, retired, sent back to amend, parked."""
    found: dict[str, list[dict]] = {}
    for e in log:
        if e["type"] == "goal_accepted":
            decided, outcome, goal = e["goal"].get("decided") or {}, "accepted", e["goal"]["id"]
        elif e["type"] == "goal_status_changed" and e.get("proposal_id"):
            decided, outcome, goal = e.get("decided") or {}, e["status"], e["goal_id"]
        elif e["type"] == "proposal_rejected":
            decided, outcome, goal = {"ballot": e.get("ballot_id")}, "rejected", None
        elif e["type"] == "proposal_to_amend":
            decided, outcome, goal = {"ballot": e["ballot_id"]}, "sent back to amend", None
        elif e["type"] == "ballot_settled":
            settled = [
                {"proposal_id": pid, "outcome": e["status"], "goal_id": None} for pid in e["others"]
            ]
            found.setdefault(e["ballot_id"], []).extend(settled)
            continue
        else:
            continue
        item = {"proposal_id": e["proposal_id"], "outcome": outcome, "goal_id": goal}
        if e.get("replaced") is not None:  # the one vision, restated: say what it was
            item.update(outcome="vision changed", replaced=e["replaced"])
        elif e.get("amended") is not None:  # a goal of the chain changed, not a new one
            item.update(outcome="amended", replaced=e["amended"], changes=e.get("changes") or {})
        found.setdefault(decided.get("ballot"), []).append(item)
    return found
