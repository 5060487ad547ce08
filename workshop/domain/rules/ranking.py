"""Results that rank options instead of passing one: places, ties and the winner's sentence."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from workshop.domain.rules.ballot import Ballot, Result


def places(options: Sequence[str], key: Callable[[str], int]) -> list[tuple[str, ...]]:
    """Options grouped by equal key, best (lowest key) first, in option order within a group."""
    keys = sorted({key(option) for option in options})
    return [tuple(option for option in options if key(option) == k) for k in keys]


def top(places: Sequence[tuple[str, ...]]) -> str | None:
    """The winner: the only option in first place, else None."""
    return places[0][0] if places and len(places[0]) == 1 else None


def winner_reason(
    ballot: Ballot,
    winner: str | None,
    places: Sequence[tuple[str, ...]],
    any_cast: bool,
    empty: str,
) -> str:
    """The sentence that names the winner, or says why there is none."""
    if not places:
        return "There are no options."
    if not any_cast:
        return f"{empty}: no winner."
    if winner:
        return f"{ballot.label(winner)} is the winner."
    return (
        f"{ballot.labelled(places[0])} tie for first place: the tie goes back to the facilitator."
    )


def order_reason(ballot: Ballot, places: Sequence[tuple[str, ...]]) -> str:
    """'Final order: 1. A, 2. B and C (tied)': every place, best first."""
    shown = [
        f"{number}. {ballot.labelled(place)}{' (tied)' if len(place) > 1 else ''}"
        for number, place in enumerate(places, 1)
    ]
    return "Final order: " + ", ".join(shown) + "."


def ranked_result(
    ballot: Ballot,
    places: list[tuple[str, ...]],
    winner: str | None,
    counts: Mapping,
    reasons: list,
) -> Result:
    """A result with no pass or fail: the options in order, and every tie."""
    return Result(
        rule=ballot.rule,
        passed=None,
        winner=winner,
        ranking=tuple(option for place in places for option in place),
        reasons=tuple(reasons),
        counts=counts,
        turnout=len(ballot.votes),
        electorate_size=len(ballot.electorate),
        ties=tuple(place for place in places if len(place) > 1),
    )
