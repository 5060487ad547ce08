"""Ranked choice, counted by the Schulze method: pairwise wins and strongest paths."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from workshop.domain.rules.ballot import Ballot, Result
from workshop.domain.rules.ranking import order_reason, ranked_result, top, winner_reason
from workshop.domain.rules.words import names


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
        reasons += _schulze_win(ballot, winner, pairwise, paths)
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


def _schulze_win(ballot: Ballot, winner: str, d: Mapping, p: Mapping) -> list[str]:
    """Why the winner won, in counts people can check: how many voters preferred it to each
    other option (head to head); when that alone decides nothing (a cycle), the chains of
    head-to-head wins the Schulze method also counts, each as strong as its weakest win."""
    others = [option for option in ballot.options if option != winner]
    name = ballot.label(winner)
    if not others:
        return [f"{name} is the only option."]
    if all(d[winner][other] > d[other][winner] for other in others):
        head = ", ".join(
            f"against {ballot.label(other)} {d[winner][other]} to {d[other][winner]}"
            for other in others
        )
        return [f"{name} beats every other option head to head: {head}."]
    won = [other for other in others if d[winner][other] > d[other][winner]]
    lost = [other for other in others if d[winner][other] < d[other][winner]]
    level = [other for other in others if d[winner][other] == d[other][winner]]
    parts = [
        f"{verb} {ballot.label(other)} {d[winner][other]} to {d[other][winner]}"
        for verb, group in (("wins against", won), ("loses against", lost), ("ties with", level))
        for other in group
    ]
    paths = ", ".join(
        f"to {ballot.label(other)} {p[winner][other]} against {p[other][winner]} back"
        for other in others
    )
    return [
        f"Head to head, {name} {names(parts)}.",
        f"No option beats every other head to head, so the Schulze method counts chains of"
        f" head-to-head wins too, each as strong as its weakest win: {name}'s strongest path"
        f" to each other option is stronger than the path back ({paths}).",
    ]
