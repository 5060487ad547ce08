"""Consent: everyone responds and no objection stands; concerns are recorded, not blocking.

An objection is tested by the facilitator with its author: until that ruling the result is
no verdict but "awaiting the facilitator's ruling"; ruled paramount (`upheld`) it stands,
ruled not paramount (`ruled_out`) it no longer blocks.
"""

from __future__ import annotations

from collections.abc import Mapping

from workshop.domain.rules.ballot import CHOICES, Ballot, Result
from workshop.domain.rules.words import counted
from workshop.domain.rules.yes_no import (
    NOBODY,
    not_voted,
    passes,
    voters_by_choice,
    yes_no_result,
)

AWAITING = "awaiting the facilitator's ruling"


def tally_consent(ballot: Ballot, rulings_due: bool = True) -> Result:
    """Everyone responds and no objection stands; concerns are recorded, not blocking.

    Advice to a decider is never ruled on (`rulings_due` false): its objections are advice,
    neither standing after a ruling nor awaiting one.
    """
    counts = {c: len(v) for c, v in voters_by_choice(ballot, CHOICES["consent"]).items()}
    concerns = tuple(
        {"voter": v["voter"], "reason": v.get("reason", "")}
        for v in ballot.votes
        if v["choice"] == "concern"
    )
    objections = tuple(
        _objection(v, rulings_due) for v in ballot.votes if v["choice"] == "objection"
    )
    missing = not_voted(ballot)
    standing = [o for o in objections if o["stands"]]
    passed = bool(ballot.electorate) and not missing and not standing
    # Only when a ruling can still change the verdict is there no verdict yet.
    decided = missing or any(o["upheld"] for o in objections) or not rulings_due
    awaiting = () if decided else tuple(o["voter"] for o in objections if o["awaiting"])
    reasons = [NOBODY] if not ballot.electorate else [_consent_summary(ballot, counts)]
    if missing:
        reasons.append(f"{ballot.labelled(missing)} did not respond: everyone must respond.")
    reasons += [
        _objection_reason(ballot, o, o["voter"] in awaiting, rulings_due) for o in objections
    ]
    if concerns:
        reasons.append(f"Concerns recorded from {ballot.labelled([c['voter'] for c in concerns])}.")
    if passed:
        reasons.append(f"Everyone responded and no objection stands, so {passes(ballot, True)}.")
    elif awaiting:
        reasons.append(f"No verdict yet: {AWAITING} on {counted(len(awaiting), 'objection')}.")
    elif ballot.electorate:
        reasons.append(
            "Consent needs everyone's response and no objection standing, "
            f"so {passes(ballot, False)}."
        )
    return yes_no_result(
        ballot,
        passed,
        counts,
        reasons,
        concerns=concerns,
        objections=objections,
        awaiting_ruling=awaiting,
    )


def _consent_summary(ballot: Ballot, counts: Mapping) -> str:
    return (
        f"{len(ballot.votes)} of {len(ballot.electorate)} responded: "
        f"{counted(counts['consent'], 'consent')}, {counted(counts['concern'], 'concern')}, "
        f"{counted(counts['objection'], 'objection')}."
    )


def _objection(vote: Mapping, rulings_due: bool = True) -> dict:
    """`stands` while it blocks: upheld by the facilitator, or not ruled on yet; `awaiting` a
    ruling only where one is due (never in advice to a decider)."""
    ruled_out, upheld = vote.get("ruled_out"), vote.get("upheld")
    return {
        "voter": vote["voter"],
        "reason": vote["reason"],
        "stands": ruled_out is None,
        "ruled_out": ruled_out,
        "upheld": upheld,
        "awaiting": rulings_due and ruled_out is None and upheld is None,
    }


def _objection_reason(
    ballot: Ballot, objection: Mapping, awaiting: bool, rulings_due: bool = True
) -> str:
    said = f"{ballot.label(objection['voter'])} objected ({objection['reason']})"
    if not rulings_due:  # advice: the decider weighs it, nobody rules on it
        return f"{said}."
    if objection["ruled_out"] is not None:
        ruling = objection["ruled_out"]
        return f"{said}: ruled not paramount by {ballot.label(ruling['by'])} ({ruling['reason']})."
    if objection["upheld"] is not None:
        ruling = objection["upheld"]
        by, why = ballot.label(ruling["by"]), ruling["reason"]
        return f"{said}: the objection stands, ruled paramount by {by} ({why})."
    # Not ruled on, and no ruling could change the verdict now (a response is missing, or
    # another objection was upheld): "stands" would read as a ruling nobody made.
    return f"{said}: {AWAITING}." if awaiting else f"{said}: not ruled on."
