"""Consent: everyone responds and no objection stands; concerns are recorded, not blocking."""

from __future__ import annotations

from collections.abc import Mapping

from workshop.domain.rules.ballot import CHOICES, Ballot, Result
from workshop.domain.rules.yes_no import (
    NOBODY,
    not_voted,
    passes,
    voters_by_choice,
    yes_no_result,
)


def tally_consent(ballot: Ballot) -> Result:
    """Everyone responds and no objection stands; concerns are recorded, not blocking."""
    counts = {c: len(v) for c, v in voters_by_choice(ballot, CHOICES["consent"]).items()}
    concerns = tuple(
        {"voter": v["voter"], "reason": v.get("reason", "")}
        for v in ballot.votes
        if v["choice"] == "concern"
    )
    objections = tuple(_objection(v) for v in ballot.votes if v["choice"] == "objection")
    missing = not_voted(ballot)
    standing = [o for o in objections if o["stands"]]
    passed = bool(ballot.electorate) and not missing and not standing
    reasons = [NOBODY] if not ballot.electorate else [_consent_summary(ballot, counts)]
    if missing:
        reasons.append(f"{ballot.labelled(missing)} did not respond: everyone must respond.")
    reasons += [_objection_reason(ballot, o) for o in objections]
    if concerns:
        reasons.append(f"Concerns recorded from {ballot.labelled([c['voter'] for c in concerns])}.")
    if passed:
        reasons.append(f"Everyone responded and no objection stands, so {passes(ballot, True)}.")
    elif ballot.electorate:
        reasons.append(
            "Consent needs everyone's response and no objection standing, "
            f"so {passes(ballot, False)}."
        )
    return yes_no_result(ballot, passed, counts, reasons, concerns=concerns, objections=objections)


def _consent_summary(ballot: Ballot, counts: Mapping) -> str:
    return (
        f"{len(ballot.votes)} of {len(ballot.electorate)} responded: {counts['consent']} consent, "
        f"{counts['concern']} concern, {counts['objection']} objection."
    )


def _objection(vote: Mapping) -> dict:
    ruled_out = vote.get("ruled_out")
    return {
        "voter": vote["voter"],
        "reason": vote["reason"],
        "stands": ruled_out is None,
        "ruled_out": ruled_out,
    }


def _objection_reason(ballot: Ballot, objection: Mapping) -> str:
    said = f"{ballot.label(objection['voter'])} objected ({objection['reason']})"
    ruling = objection["ruled_out"]
    if ruling is None:
        return f"{said}: the objection stands."
    return f"{said}: ruled not paramount by {ballot.label(ruling['by'])} ({ruling['reason']})."
