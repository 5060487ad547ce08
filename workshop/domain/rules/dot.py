"""Dot voting: each voter spends a budget of dots; options rank by the dots they got."""

from __future__ import annotations

from workshop.domain.rules.ballot import Ballot, Result
from workshop.domain.rules.ranking import places, ranked_result, top, winner_reason
from workshop.domain.rules.words import counted


def tally_dot(ballot: Ballot) -> Result:
    """Rank options by dots; the facilitator takes the top ones forward, ties shown."""
    totals = {option: 0 for option in ballot.options}
    for vote in ballot.votes:
        for option, count in vote["dots"].items():
            totals[option] += count
    ranked = places(ballot.options, lambda option: -totals[option])
    spent = sum(totals.values())
    settings = ballot.settings
    in_order = [option for place in ranked for option in place]
    reasons = [
        f"{len(ballot.votes)} of {len(ballot.electorate)} voters spent {counted(spent, 'dot')} "
        f"(up to {settings['dots']} each, at most {settings['max_per_option']} on one option).",
        "Dots per option: "
        + ", ".join(f"{ballot.label(option)} {totals[option]}" for option in in_order)
        + ".",
    ]
    reasons += [
        f"{ballot.labelled(place)} tie with {counted(totals[place[0]], 'dot')} each."
        for place in ranked
        if len(place) > 1
    ]
    winner = top(ranked) if spent else None
    reasons.append(winner_reason(ballot, winner, ranked, spent > 0, "No dots were cast"))
    return ranked_result(ballot, ranked, winner, totals, reasons)
