"""Results that rank options instead of passing one: places, ties and the winner's sentence."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from workshop.domain.errors import InvalidInput
from workshop.domain.rules.ballot import Ballot, Result
from workshop.domain.text import shown


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
    return f"{ballot.labelled(places[0])} tie for first place: {TIE_GOES_BACK}."


TIE_GOES_BACK = "the tie goes back to the facilitator"


def order_reason(ballot: Ballot, places: Sequence[tuple[str, ...]]) -> str:
    """'Final order: 1. A, 2. B and C (tied)': every place, best first."""
    shown = [
        f"{number}. {ballot.labelled(place)}{' (tied)' if len(place) > 1 else ''}"
        for number, place in enumerate(places, 1)
    ]
    return "Final order: " + ", ".join(shown) + "."


def numbered(
    ranking: Sequence[str], ties: Sequence[Sequence[str]], chosen: str | None = None
) -> list[tuple[int, str]]:
    """Each option of a result's ranking with its place number, as "Final order" numbers
    them: tied options share one (1, 2, 2, 3); from a tie the decider broke, `chosen` (the
    winner) alone comes first and the rest stay tied."""
    tied_with: dict[str, frozenset[str]] = {}
    for tie in ties:
        rest = frozenset(option for option in tie if option != chosen)
        tied_with.update(dict.fromkeys(rest, rest))
    shown: list[tuple[int, str]] = []
    place = 0
    for index, option in enumerate(ranking):
        if not (index and ranking[index - 1] in tied_with.get(option, ())):
            place += 1
        shown.append((place, option))
    return shown


def break_tie(
    ballot: Ballot, places: list[tuple[str, ...]], winner: str | None, reasons: list
) -> tuple[list[tuple[str, ...]], str | None]:
    """Places and winner after the decider chose among those tied for first place."""
    decision = ballot.decision
    if decision is None:
        return places, winner
    tied = places[0] if places and winner is None else ()
    if decision["winner"] not in tied:
        raise InvalidInput(
            f"decision.winner must be one of those tied for first place "
            f"({', '.join(tied) or 'nobody is tied'}), got {shown(decision['winner'])}"
        )
    chosen = decision["winner"]
    by, why = ballot.label(decision["by"]), decision["rationale"]
    reasons.append(f"{by} chose {ballot.label(chosen)} from the tie, because: {why}")
    rest = tuple(option for option in tied if option != chosen)
    return [(chosen,), *([rest] if rest else []), *places[1:]], chosen


def ranked_result(
    ballot: Ballot,
    places: list[tuple[str, ...]],
    winner: str | None,
    counts: Mapping,
    reasons: list,
) -> Result:
    """A result with no pass or fail: the options in order, and every tie (even one broken)."""
    ties = places
    places, winner = break_tie(ballot, places, winner, reasons)
    return Result(
        rule=ballot.rule,
        passed=None,
        winner=winner,
        ranking=tuple(option for place in places for option in place),
        reasons=tuple(reasons),
        counts=counts,
        turnout=len(ballot.votes),
        electorate_size=len(ballot.electorate),
        ties=tuple(place for place in ties if len(place) > 1),
    )
