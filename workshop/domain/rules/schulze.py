"""Ranked choice, counted by the Schulze method: pairwise wins and strongest paths."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from workshop.domain.rules.ballot import Ballot, Result
from workshop.domain.rules.ranking import order_reason, ranked_result, top, winner_reason


def tally_ranked(ballot: Ballot) -> Result:
    """Schulze: X beats Y when X's strongest path to Y is stronger than Y's back to X."""
    options = ballot.options
    pairwise = _pairwise(options, [vote["ranking"] for vote in ballot.votes])
    paths = _strongest_paths(options, pairwise)
    beats = {(x, y) for x in options for y in options if x != y and paths[x][y] > paths[y][x]}
    places = _layers(options, beats)
    winner = top(places) if ballot.votes else None
    reasons = [f"{len(ballot.votes)} of {len(ballot.electorate)} voters ranked the options."]
    if winner:
        reasons.append(_schulze_win(ballot, winner, paths))
    reasons.append(
        winner_reason(ballot, winner, places, bool(ballot.votes), "No rankings were cast")
    )
    if len(places) > 1:
        reasons.append(order_reason(ballot, places))
    counts = {"pairwise": pairwise, "strongest_paths": paths}
    return ranked_result(ballot, places, winner, counts, reasons)


def _pairwise(options: Sequence[str], rankings: Iterable[Sequence[str]]) -> dict:
    """d[X][Y]: how many voters rank X above Y; unranked options share last place."""
    d = {x: {y: 0 for y in options if y != x} for x in options}
    for ranking in rankings:
        place = {option: index for index, option in enumerate(ranking)}
        for x in options:
            for y in d[x]:
                if place.get(x, len(ranking)) < place.get(y, len(ranking)):
                    d[x][y] += 1
    return d


def _strongest_paths(options: Sequence[str], d: Mapping) -> dict:
    """p[X][Y]: the strength of the widest path of winning links from X to Y (Floyd-Warshall)."""
    p = {x: {y: d[x][y] if d[x][y] > d[y][x] else 0 for y in d[x]} for x in options}
    for k in options:
        for i in options:
            for j in options:
                if len({i, j, k}) == 3:
                    p[i][j] = max(p[i][j], min(p[i][k], p[k][j]))
    return p


def _layers(options: Sequence[str], beats: set[tuple[str, str]]) -> list[tuple[str, ...]]:
    """Places from the top: each place holds the options nobody left beats.

    The Schulze relation is a strict partial order, so every round finds someone, and the
    first place is exactly the set of Schulze winners.
    """
    remaining, places = list(options), []
    while remaining:
        place = tuple(x for x in remaining if not any((y, x) in beats for y in remaining))
        places.append(place)
        remaining = [x for x in remaining if x not in place]
    return places


def _schulze_win(ballot: Ballot, winner: str, paths: Mapping) -> str:
    """Head to head, counting chains of preferences too (the Schulze method)."""
    margins = ", ".join(
        f"against {ballot.label(other)} {paths[winner][other]} to {paths[other][winner]}"
        for other in ballot.options
        if other != winner
    )
    if not margins:
        return f"{ballot.label(winner)} is the only option."
    return (
        f"{ballot.label(winner)} beats every other option head to head, counting chains "
        f"of preferences (the Schulze method): {margins}."
    )
