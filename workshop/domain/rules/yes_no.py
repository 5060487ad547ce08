"""The rules that pass or fail one proposal by counting hands: unanimity, majority, fist of five."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

from workshop.domain.rules.ballot import CHOICES, Ballot, Result
from workshop.domain.rules.words import names

NOBODY = "nobody could vote: the electorate is empty"


def yes_no_result(
    ballot: Ballot, passed: bool, counts: Mapping, reasons: list[str], **extra
) -> Result:
    """A pass-or-fail result; the one option is the winner when it passes."""
    return Result(
        rule=ballot.rule,
        passed=passed,
        winner=ballot.options[0] if passed and len(ballot.options) == 1 else None,
        ranking=(),
        reasons=tuple(reasons),
        counts=counts,
        turnout=len(ballot.votes),
        electorate_size=len(ballot.electorate),
        **extra,
    )


def voters_by_choice(ballot: Ballot, choices: Sequence[str]) -> dict[str, list[str]]:
    """Who chose what, for each of `choices`."""
    return {
        choice: [v["voter"] for v in ballot.votes if v["choice"] == choice] for choice in choices
    }


def not_voted(ballot: Ballot) -> list[str]:
    """Members of the electorate who cast no vote, sorted."""
    voted = {vote["voter"] for vote in ballot.votes}
    return sorted(set(ballot.electorate) - voted)


def tally_unanimity(ballot: Ballot) -> Result:
    """Every member of the electorate must say agree: a silence or an abstention blocks."""
    by_choice = voters_by_choice(ballot, CHOICES["unanimity"])
    size = len(ballot.electorate)
    passed = size > 0 and len(by_choice["agree"]) == size
    agreed = f"{len(by_choice['agree'])} of {size} members of the electorate agreed"
    reasons = [agreed if size else NOBODY]
    if by_choice["disagree"]:
        reasons.append(f"{names(by_choice['disagree'])} disagreed")
    if by_choice["abstain"]:
        reasons.append(f"{names(by_choice['abstain'])} abstained, which is not agreeing")
    if missing := not_voted(ballot):
        reasons.append(f"{names(missing)} did not vote, which is not agreeing")
    if passed:
        reasons.append("everyone agreed: the proposal passes")
    counts = {choice: len(voters) for choice, voters in by_choice.items()}
    return yes_no_result(ballot, passed, counts, reasons)


def tally_majority(ballot: Ballot) -> Result:
    """More than half (or two thirds) of those who took a side, with enough of the room voting."""
    counts = {c: len(v) for c, v in voters_by_choice(ballot, CHOICES["majority"]).items()}
    quorum_met, quorum_reason = _quorum(ballot)
    won, share_reason = _share(
        counts["agree"], counts["disagree"], ballot.settings["supermajority"]
    )
    summary = f"{counts['agree']} agree, {counts['disagree']} disagree, {counts['abstain']} abstain"
    reasons = [NOBODY] if not ballot.electorate else [summary, quorum_reason, share_reason]
    passed = bool(ballot.electorate) and quorum_met and won
    return yes_no_result(ballot, passed, counts, reasons)


def _quorum(ballot: Ballot) -> tuple[bool, str]:
    """Exact arithmetic, so a quorum of 0.7 of 10 needs 7 votes, not 7.000000000000001."""
    quorum = ballot.settings["quorum"]
    needed = math.ceil(Fraction(str(quorum)) * len(ballot.electorate))
    turnout, size = len(ballot.votes), len(ballot.electorate)
    met = turnout >= needed
    verdict = "quorum met" if met else "quorum not met"
    return met, f"{verdict}: {turnout} of {size} voted, at least {needed} needed (quorum {quorum})"


def _share(agree: int, disagree: int, supermajority: bool) -> tuple[bool, str]:
    decisive = agree + disagree
    if decisive == 0:
        return False, "nobody voted agree or disagree"
    if supermajority:
        won, bar = 3 * agree >= 2 * decisive, "at least two thirds"
    else:
        won, bar = 2 * agree > decisive, "more than half"
    has = "has" if won else "does not have"
    return won, f"agree {has} {bar} of agree and disagree ({agree} of {decisive})"


def tally_fist_of_five(ballot: Ballot) -> Result:
    """Everyone who voted shows 3 or more; whoever showed less speaks first, lowest first."""
    values = {vote["voter"]: vote["value"] for vote in ballot.votes}
    counts = {str(n): sum(1 for v in values.values() if v == n) for n in range(6)}
    low = tuple(sorted((v for v in values if values[v] < 3), key=lambda v: (values[v], v)))
    passed = bool(values) and not low
    reasons = [f"{len(values)} of {len(ballot.electorate)} voted"]
    if not ballot.electorate:
        reasons = [NOBODY]
    elif not values:
        reasons.append("no votes were cast")
    if low:
        shown = ", ".join(f"{v} showed {values[v]}" for v in low)
        reasons.append(f"below 3: {shown}; they get the floor first")
    if passed:
        reasons.append(
            f"every vote is 3 or more (lowest {min(values.values())}): the proposal passes"
        )
    return yes_no_result(ballot, passed, counts, reasons, low_voters=low)
