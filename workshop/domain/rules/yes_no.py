"""The rules that pass or fail one proposal by counting hands: unanimity, majority, fist of five."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

from workshop.domain.rules.ballot import CHOICES, Ballot, Result
from workshop.domain.text import natural_key

NOBODY = "Nobody could vote: the electorate is empty."


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


def passes(ballot: Ballot, passed: bool) -> str:
    """'“Title” passes' or '“Title” does not pass': the verdict, naming the proposal."""
    return f"{ballot.label(ballot.options[0])} {'passes' if passed else 'does not pass'}"


def voters_by_choice(ballot: Ballot, choices: Sequence[str]) -> dict[str, list[str]]:
    """Who chose what, for each of `choices`."""
    return {
        choice: [v["voter"] for v in ballot.votes if v["choice"] == choice] for choice in choices
    }


def not_voted(ballot: Ballot) -> list[str]:
    """Members of the electorate who cast no vote, in the order they joined."""
    voted = {vote["voter"] for vote in ballot.votes}
    return sorted(set(ballot.electorate) - voted, key=natural_key)


def tally_unanimity(ballot: Ballot) -> Result:
    """Every member of the electorate must say agree: a silence or an abstention blocks."""
    by_choice = voters_by_choice(ballot, CHOICES["unanimity"])
    size = len(ballot.electorate)
    passed = size > 0 and len(by_choice["agree"]) == size
    agreed = f"{len(by_choice['agree'])} of {size} voters agreed."
    reasons = [agreed if size else NOBODY]
    if by_choice["disagree"]:
        reasons.append(f"{ballot.labelled(by_choice['disagree'])} disagreed.")
    if by_choice["abstain"]:
        reasons.append(f"{ballot.labelled(by_choice['abstain'])} abstained, which is not agreeing.")
    if missing := not_voted(ballot):
        reasons.append(f"{ballot.labelled(missing)} did not vote, which is not agreeing.")
    if passed:
        reasons.append(f"Everyone agreed, so {passes(ballot, True)}.")
    elif size:
        reasons.append(f"Unanimity needs everyone to agree, so {passes(ballot, False)}.")
    counts = {choice: len(voters) for choice, voters in by_choice.items()}
    return yes_no_result(ballot, passed, counts, reasons)


def tally_majority(ballot: Ballot) -> Result:
    """More than half (or two thirds) of those who took a side, with enough of the room voting."""
    counts = {c: len(v) for c, v in voters_by_choice(ballot, CHOICES["majority"]).items()}
    quorum_met, quorum_reason = _quorum(ballot)
    won, share_reason = _share(
        counts["agree"], counts["disagree"], ballot.settings["supermajority"]
    )
    summary = (
        f"{counts['agree']} agree, {counts['disagree']} disagree, {counts['abstain']} abstain."
    )
    passed = bool(ballot.electorate) and quorum_met and won
    reasons = [NOBODY]
    if ballot.electorate:
        reasons = [summary, quorum_reason, share_reason]
        if passed:
            reasons.append(f"Enough people voted and enough agreed, so {passes(ballot, True)}.")
        else:
            short = "Too few people voted" if not quorum_met else "Too few agreed"
            reasons.append(f"{short}, so {passes(ballot, False)}.")
    return yes_no_result(ballot, passed, counts, reasons)


def _quorum(ballot: Ballot) -> tuple[bool, str]:
    """Exact arithmetic, so a quorum of 0.7 of 10 needs 7 votes, not 7.000000000000001."""
    quorum = ballot.settings["quorum"]
    needed = math.ceil(Fraction(str(quorum)) * len(ballot.electorate))
    turnout, size = len(ballot.votes), len(ballot.electorate)
    met = turnout >= needed
    verdict = "Enough people voted" if met else "Too few people voted"
    # The pages say why a majority failed from this sentence (static/js/charts.js).
    return met, f"{verdict}: {turnout} of {size}, with at least {needed} needed."


def _share(agree: int, disagree: int, supermajority: bool) -> tuple[bool, str]:
    decisive = agree + disagree
    if decisive == 0:
        return False, "Nobody voted agree or disagree."
    if supermajority:
        won, bar = 3 * agree >= 2 * decisive, "at least two thirds"
    else:
        won, bar = 2 * agree > decisive, "more than half"
    short = "" if won else "not "
    return won, f"{agree} of the {decisive} who took a side agreed: {short}{bar}."


def tally_fist_of_five(ballot: Ballot) -> Result:
    """Everyone who voted shows 3 or more; whoever showed less speaks first, lowest first."""
    values = {vote["voter"]: vote["value"] for vote in ballot.votes}
    counts = {str(n): sum(1 for v in values.values() if v == n) for n in range(6)}
    low = tuple(
        sorted((v for v in values if values[v] < 3), key=lambda v: (values[v], natural_key(v)))
    )
    passed = bool(values) and not low
    reasons = [f"{len(values)} of {len(ballot.electorate)} voted."]
    if not ballot.electorate:
        reasons = [NOBODY]
    elif not values:
        reasons.append(f"No votes were cast, so {passes(ballot, False)}.")
    if low:
        shown = ", ".join(f"{ballot.label(v)} showed {values[v]}" for v in low)
        reasons.append(f"Below 3: {shown}. They get the floor first.")
        reasons.append(f"Every vote must be 3 or more, so {passes(ballot, False)}.")
    if passed:
        lowest = min(values.values())
        reasons.append(
            f"Every vote is 3 or more (the lowest is {lowest}), so {passes(ballot, True)}."
        )
    return yes_no_result(ballot, passed, counts, reasons, low_voters=low)
