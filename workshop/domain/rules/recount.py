"""The one recount: every rule's tally by name, and the decider's, which builds on the others."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from workshop.domain.rules.ballot import RULE_NAMES, Ballot, Result
from workshop.domain.rules.consent import tally_consent
from workshop.domain.rules.dot import tally_dot
from workshop.domain.rules.ranking import TIE_GOES_BACK
from workshop.domain.rules.records import checked_ballot
from workshop.domain.rules.report import verdict
from workshop.domain.rules.schulze import tally_ranked
from workshop.domain.rules.yes_no import (
    passes,
    tally_fist_of_five,
    tally_majority,
    tally_unanimity,
    yes_no_result,
)
from workshop.domain.text import sentence


def tally(ballot: Ballot) -> Result:
    """Recount a ballot from its votes alone; the same answer whatever order the votes came in."""
    ballot = checked_ballot(ballot)
    result = _TALLIES[ballot.rule](ballot)
    return replace(result, reasons=tuple(map(_opened, result.reasons)))


# An anonymous ballot's labels ("voter 1", "member 2", see voting.anonymized), which open a
# sentence as they are: a person's name is written as its owner wrote it.
_LABEL_FIRST = re.compile(r"(voter|member) \d")


def _opened(reason: str) -> str:
    """A reason that opens with an anonymous label, with a capital: "Voter 1 disagreed."."""
    return sentence(reason) if _LABEL_FIRST.match(reason) else reason


def _tally_decider(ballot: Ballot) -> Result:
    """The advisory round informs; the decider's recorded decision, with its rationale, decides."""
    advisory_rule = ballot.settings["advisory_rule"]
    advice = replace(ballot, rule=advisory_rule, decision=None)
    if advisory_rule == "consent":  # the decider weighs objections; nobody rules on them
        advisory = tally_consent(advice, rulings_due=False)
    else:
        advisory = _TALLIES[advisory_rule](advice)
    decision = ballot.decision
    said = RULE_NAMES[advisory_rule]
    if advisory.passed is not None:
        found = verdict(advisory)
    elif advisory.winner:  # a ranking: which came first, not "ranked"
        found = f"{ballot.label(advisory.winner)} came first"
    else:
        found = "no single option came first"
    reasons = [f"The advice ({said}): {found}."]
    # A tie in advice is the decider's to settle, not the facilitator's (who has no runoff to
    # hold in a decider ballot).
    reasons += [
        f"Advice: {reason.replace(TIE_GOES_BACK, 'the decider chooses')}"
        for reason in advisory.reasons
    ]
    if decision is None:
        reasons.append("The decider has not decided yet.")
        return yes_no_result(ballot, False, advisory.counts, reasons, advisory=advisory)
    by, why = ballot.label(decision["by"]), decision["rationale"]
    chosen = decision.get("winner")
    if chosen is None:
        reasons.append(f"{by} decided: {passes(ballot, decision['passed'])}, because: {why}")
        against = advisory.passed is not None and advisory.passed != decision["passed"]
    else:  # after advice that ranked the options, the decider names the one that goes forward
        reasons.append(f"{by} decided: {ballot.label(chosen)} goes forward, because: {why}")
        against = advisory.winner is not None and advisory.winner != chosen
    if against:
        reasons.append("The decision goes against the advice.")
    passed = chosen is not None or decision["passed"]
    result = yes_no_result(ballot, passed, advisory.counts, reasons, advisory=advisory)
    return replace(result, winner=chosen) if chosen is not None else result


_TALLIES: dict[str, Callable[[Ballot], Result]] = {
    "unanimity": tally_unanimity,
    "consent": tally_consent,
    "majority": tally_majority,
    "fist_of_five": tally_fist_of_five,
    "dot": tally_dot,
    "ranked": tally_ranked,
    "decider": _tally_decider,
}
