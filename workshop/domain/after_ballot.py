"""After the reveal, nobody is stranded: objections ruled, a tie broken, the other options settled.

A consent objection that stands sends the proposal back to its author to amend (its next
round keeps the rule); a tie for first place goes to a runoff or to the decider; after a dot
or ranked ballot the facilitator parks or rejects the other options in one step and moves
the proposals that served them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from workshop.domain import payload
from workshop.domain.commands import Context, command, event
from workshop.domain.errors import Conflict, InvalidInput, NotFound
from workshop.domain.plain import (
    NOBODY_DECIDES,
    ballot_named,
    goal_named,
    person_named,
    rule_name,
)
from workshop.domain.proposals import LIVE, check_not_being_decided, check_parents, waits_for
from workshop.domain.state import Ballot, Participant, Proposal, WorkshopState
from workshop.domain.text import shown
from workshop.domain.voting import (
    accept,
    find_ballot,
    new_ballot,
    public_record,
    record,
    sent_back,
    tally,
    vote_rule,
    voter_named,
)

RANKING_RULES = ("dot", "ranked")
SETTLED_AS = {"park": "parked", "reject": "rejected"}


# A remote ballot runs on past the room's close, and may then wait for a ruling or for the
# decider: both may be given in a closed session (closing waits for every earlier one).
@command("rule_objection", "facilitator", when_closed=True)
def rule_objection(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """After testing an objection with its author: it stands, or it is not paramount."""
    ballot = find_ballot(s, p, "revealed")
    voter = payload.ident(p, "voter") or ""
    vote = ballot.votes.get(voter, {})
    _check_objection(s, ballot, voter, vote)
    if voter in ballot.rulings:
        raise Conflict(f"the objection by {person_named(s, voter)} was ruled on already")
    stands = payload.flag(p, "stands", default=None)
    reason = payload.text(p, "reason", 1000)
    if not reason:
        raise InvalidInput("reason: say why the objection stands or is not paramount")
    ruling = {"stands": stands, "reason": reason, "by": actor.id}
    result = tally(s, record(ballot, {**ballot.rulings, voter: ruling}), ballot.titles)
    events = [event("objection_ruled", ballot_id=ballot.id, voter=voter, result=result, **ruling)]
    proposal = s.proposals[ballot.options[0]]
    if proposal.status != "proposed":
        return events
    if stands:  # back to its author, to amend; the next round keeps this one's rule
        return [*events, sent_back(ballot, proposal.id, voter, vote, reason)]
    return events + (accept(s, ballot, proposal.id, result, ctx) if result["passed"] else [])


def _check_objection(s: WorkshopState, ballot: Ballot, voter: str, vote: Mapping) -> None:
    """An objection the facilitator may rule on: one cast in a consent ballot. Under the
    decider rule an objection is advice, which the decider weighs: nobody rules on it."""
    who = voter_named(s, voter)
    if vote_rule(ballot.rule, ballot.settings) != "consent":
        raise NotFound(
            f"there is no objection by {who} to rule on: {ballot_named(s, ballot)} is decided"
            f" by {rule_name(ballot.rule)}, and only a consent vote has objections"
        )
    if vote.get("choice") != "objection":
        raise NotFound(f"{who} did not object in {ballot_named(s, ballot)}")
    if ballot.rule == "decider":
        decider = ballot.settings.get("decider") or s.decider()
        named = person_named(s, decider) if decider else "the decider"
        raise Conflict(
            f"the objection by {who} is advice to the decider, {named}, who weighs it and"
            f" records the decision: under the decider rule nobody rules on objections"
        )


@command("record_decision", "decider", when_closed=True)
def record_decision(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """The decider decides, with a rationale, once the advice is in and shown; or breaks a tie."""
    ballot = find_ballot(s, p, "revealed")
    if ballot.rule in RANKING_RULES:
        return _choose_from_tie(s, actor, ballot, p, ctx)
    if ballot.rule != "decider":
        raise Conflict(
            f"{ballot_named(s, ballot)} is decided by {rule_name(ballot.rule)}, not by a decider"
        )
    if ballot.decision is not None:
        raise Conflict(f"{ballot_named(s, ballot)} is decided already")
    chooses = ranks(ballot)  # advice that ranked several: the decider names the one
    decision: dict = {"by": actor.id}
    if chooses:
        if p.get("passed") is not None:
            raise InvalidInput(
                "passed: after advice that ranked several proposals the decider names the one"
                " that goes forward (winner), not yes or no"
            )
        decision["winner"] = _one_of(s, ballot, ballot.options, "one of the options", p)
    else:
        decision["passed"] = payload.flag(p, "passed", default=None)
    decision["rationale"] = _rationale(p)
    doc = record(ballot)
    settings = {**doc["settings"], "decider": actor.id}
    result = tally(s, {**doc, "decision": decision, "settings": settings}, ballot.titles)
    events = [event("decision_recorded", ballot_id=ballot.id, decision=decision, result=result)]
    # The goal's provenance records the decision, not only the advice; the options not
    # chosen are settled as after any ranking (park or reject, in one step).
    proposal_id = decision["winner"] if chooses else ballot.options[0]
    if result["passed"]:
        return events + accept(s, replace(ballot, decision=decision), proposal_id, result, ctx)
    return events + [event("proposal_rejected", proposal_id=proposal_id, ballot_id=ballot.id)]


def ranks(ballot: Ballot) -> bool:
    """Whether a ballot ranks its options (dot, ranked, or a decider advised by either), and
    so leaves the options not taken forward to settle."""
    return vote_rule(ballot.rule, ballot.settings) in RANKING_RULES


def _one_of(s: WorkshopState, ballot: Ballot, allowed: list[str], what: str, p: Mapping) -> str:
    """The `winner` a decider names, which must be among `allowed`."""
    winner = payload.ident(p, "winner", required=False)  # missing: say which it may be
    if winner not in allowed:
        titles = ", ".join(f"{pid} ({goal_named(s, pid)})" for pid in allowed)
        raise InvalidInput(f"winner must be {what} of {ballot_named(s, ballot)}: {titles}")
    return winner


def _rationale(p: Mapping) -> str:
    rationale = payload.text(p, "rationale", 2000)
    if not rationale:
        raise InvalidInput("rationale: a decision needs its reasons, for the minutes")
    return rationale


def tied_first(ballot: Ballot) -> list[str]:
    """The options tied for first place of a revealed dot or ranked ballot with no winner."""
    result = ballot.result or {}
    if ballot.rule not in RANKING_RULES or result.get("winner") or not result.get("ranking"):
        return []
    first = result["ranking"][0]
    return next((list(tie) for tie in result.get("ties", []) if first in tie), [])


def _choose_from_tie(
    s: WorkshopState, actor: Participant, ballot: Ballot, p: Mapping, ctx: Context
) -> list[dict]:
    """The decider picks the winner among the tied, with a reason, when the facilitator asked."""
    if (ballot.tie_break or {}).get("how") != "decider":
        raise Conflict(
            f"the facilitator has not sent the tie of {ballot_named(s, ballot)} to the decider"
        )
    if ballot.decision is not None:
        raise Conflict(f"the tie of {ballot_named(s, ballot)} is decided already")
    winner = _one_of(s, ballot, tied_first(ballot), "one of the options tied for first place", p)
    decision = {"by": actor.id, "winner": winner, "rationale": _rationale(p)}
    # Revealed, an anonymous ballot's votes are filed under labels: recount them as shown.
    result = tally(s, {**public_record(ballot), "decision": decision}, ballot.titles)
    events = [event("decision_recorded", ballot_id=ballot.id, decision=decision, result=result)]
    if ballot.rule == "ranked":  # the ranked winner becomes a goal; dot only ranks
        events += accept(s, replace(ballot, decision=decision), winner, result, ctx)
    return events


@command("break_tie", "facilitator")
def break_tie(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """A tie for first place: a runoff among the tied, or the decider chooses with a reason."""
    ballot = find_ballot(s, p, "revealed")
    tied = tied_first(ballot)
    if not tied:
        raise Conflict(f"{ballot_named(s, ballot)} has no tie for first place to break")
    if ballot.tie_break is not None:
        how = ballot.tie_break["how"]
        raise Conflict(f"the tie of {ballot_named(s, ballot)} went to {_HOW[how]} already")
    how = payload.choice(p, "how", tuple(_HOW))
    if how == "decider":
        decider = s.decider()
        if decider is None:
            raise Conflict(f"nobody can decide: {NOBODY_DECIDES}")
        return [event("tie_referred", ballot_id=ballot.id, decider=decider, tied=tied)]
    rule = payload.choice(p, "rule", RANKING_RULES, ballot.rule)
    reason = payload.text(p, "rule_reason", 1000)
    if rule == ballot.rule:
        reason = reason or ballot.rule_reason
    elif not reason:
        raise InvalidInput(f"rule_reason: say why the runoff uses {rule}, not {ballot.rule}")
    # Named, the runoff of an anonymous ballot would show who prefers what on the same options.
    anonymous = payload.flag(p, "anonymous", ballot.anonymous)  # its type checked always
    if ballot.anonymous and not anonymous:
        raise InvalidInput("anonymous: the runoff of an anonymous ballot is anonymous too")
    runoff = {"proposal_ids": tied, "rule": rule, "rule_reason": reason, "anonymous": anonymous}
    if p.get("settings") is not None:
        runoff["settings"] = p["settings"]
    return new_ballot(s, actor, runoff, ctx, runoff_of=ballot.id)


_HOW = {"runoff": "a runoff", "decider": "the decider"}


def winner_of(s: WorkshopState, ballot: Ballot) -> str | None:
    """The ballot's winner: its own, the decider's pick from its tie, or its runoff's."""
    winner = (ballot.result or {}).get("winner")
    runoff = (ballot.tie_break or {}).get("ballot_id")
    if winner is None and runoff:
        return winner_of(s, s.ballots[runoff])
    return winner


@command("settle_ballot", "facilitator")
def settle_ballot(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """After dot or ranked: park or reject the other options, and move what served them."""
    ballot = find_ballot(s, p, "revealed")
    if not ranks(ballot):
        raise Conflict(
            f"{ballot_named(s, ballot)} is by {rule_name(ballot.rule)}:"
            " only dot voting and ranked choice (or a decider advised by them) leave options"
        )
    if ballot.settled is not None:
        raise Conflict(f"{ballot_named(s, ballot)} is settled already")
    if waiting := waits_for(s, ballot):  # the decider chooses what goes forward first
        raise Conflict(f"{ballot_named(s, ballot)} {waiting}")
    status = SETTLED_AS[payload.choice(p, "others", tuple(SETTLED_AS))]
    keep = _kept(s, ballot, p)
    others = [o for o in ballot.options if o not in keep and _unsettled(s.proposals[o])]
    if not others:
        raise Conflict(
            f"{ballot_named(s, ballot)} has nothing left to settle: its other options are"
            " accepted, settled already (with its tied ballot or runoff) or no longer live"
        )
    for option in others:
        check_not_being_decided(s, s.proposals[option])
    return [
        event(
            "ballot_settled",
            ballot_id=ballot.id,
            kept=keep,
            others=others,
            status=status,
            reparented=_reparented(s, others, keep, p),
            by=actor.id,
        )
    ]


def _unsettled(proposal: Proposal) -> bool:
    """Live, and not parked or rejected by another ballot's settling since its last vote."""
    return proposal.status in LIVE and proposal.settled_by is None


def _kept(s: WorkshopState, ballot: Ballot, p: Mapping) -> list[str]:
    """The options taken forward: those named, else the winner."""
    keep = payload.ident_list(p, "keep")
    if not keep:
        winner = winner_of(s, ballot)
        if winner is None:
            raise Conflict(
                f"{ballot_named(s, ballot)} has no single winner: break the tie first, "
                "or name the options to keep"
            )
        return [winner]
    for option in keep:
        if option not in ballot.options:
            raise InvalidInput(
                f"keep: {shown(option)} is not an option of {ballot_named(s, ballot)}"
            )
    return keep


def _reparented(s: WorkshopState, others: list[str], keep: list[str], p: Mapping) -> list[dict]:
    """The live proposals that served a settled option, each with its new parents."""
    serving = [
        prop
        for prop in s.proposals.values()
        if prop.status in LIVE and prop.id not in others and set(prop.parents) & set(others)
    ]
    if not serving:
        return []
    target = payload.ident(p, "reparent_to", required=False)
    if target is None and len(keep) == 1:
        target = keep[0]
    if target is None:
        names = ", ".join(goal_named(s, prop.id) for prop in serving)
        raise InvalidInput(f"reparent_to: say which goal {names} serve from now on")
    if target in others:
        raise InvalidInput(
            f"reparent_to: {goal_named(s, target)} is one of the options being settled"
        )
    moved = []
    for prop in serving:
        parents = list(dict.fromkeys(target if x in others else x for x in prop.parents))
        try:
            check_parents(s, prop.level, parents)
        except InvalidInput as error:
            serving, served = goal_named(s, prop.id), goal_named(s, target)
            problem = f"reparent_to: {serving} cannot serve {served}: {error.message}"
            raise InvalidInput(problem) from None
        moved.append({"proposal_id": prop.id, "before": list(prop.parents), "parents": parents})
    return moved
