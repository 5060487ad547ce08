"""Turn-taking, pure: who speaks next, in what order, in which groups, and who dominates.

The session state machine keeps the state and calls these functions; time comes in as
plain float seconds, so every rule here is testable without a clock.
"""

import functools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from workshop.domain.errors import InvalidInput
from workshop.domain.text import shown

QUEUE_MODES = ("order", "progressive")
SENIOR_ROLES = ("product", "stakeholder")
# How a turn ended, as airtime sees it. Airtime is the floor held: the tool cannot hear who
# speaks, but it knows who held the floor and for how long, so every second counts. A pass
# says "nothing from me", so it is not a turn.
NOT_A_TURN = ("passed",)
# A round's member away (not connected) when the round came to them and still away when it
# ended: never asked, which is no pass.
AWAY = "away"
# How a round's turn ends with no word from its holder: a pass, or "unanswered" (the timer
# ran out, or the ballot the round was opened for closed, before they spoke, passed or voted).
NO_WORD = ("passed", "unanswered")
# Turns someone asked for (a raised hand) or the facilitator gave a named person in the room:
# running out means they spoke on to the end of the time-box.
ASKED = ("queue", "direct")


@dataclass(frozen=True)
class Stage:
    """One timed stage of 1-2-4-All; `group_size` None means the whole group together."""

    name: str
    seconds: int
    group_size: int | None


ONE_TWO_FOUR_ALL: tuple[Stage, ...] = (
    Stage("alone", 60, 1),
    Stage("pairs", 120, 2),
    Stage("foursomes", 240, 4),
    Stage("all", 300, None),
)


@dataclass(frozen=True)
class Airtime:
    """One person's share of the conversation; `share` is of all airtime seconds, 0..1."""

    participant_id: str
    seconds: float
    turns: int
    proposals: int
    comments: int
    share: float


def _check_seconds(name: str, value: float) -> float:
    """Refuse negative or non-finite seconds: they would corrupt deadlines and shares."""
    if not math.isfinite(value) or value < 0:
        raise InvalidInput(f"{name} must be a finite number of seconds >= 0, got {shown(value)}")
    return value


def _check_unique(name: str, ids: Sequence[str]) -> None:
    """Refuse a repeated id: each person must be counted, grouped or ranked exactly once."""
    if len(set(ids)) != len(ids):
        repeated = sorted({pid for pid in ids if ids.count(pid) > 1})
        raise InvalidInput(f"{name} must not repeat an id, got {shown(repeated)} more than once")


def serving_order(
    queue: Sequence[str],
    mode: str,
    airtime: Mapping[str, float],
    turns: Mapping[str, int],
    first: Sequence[str] = (),
) -> list[str]:
    """The queue in the order the floor will go: `first` (say, low fist-of-five voters) ahead,
    then the rest by hand order, or by progressive stack (the least heard first).

    Pages show this very list, so the order people see is the order they are served.
    """
    if mode not in QUEUE_MODES:
        raise InvalidInput(f"mode must be one of {', '.join(QUEUE_MODES)}, got {shown(mode)}")
    ahead = [pid for pid in dict.fromkeys(first) if pid in queue]
    rest = [pid for pid in queue if pid not in ahead]
    if mode == "progressive":  # a stable sort: among equals the first hand up goes first
        rest.sort(key=lambda pid: (airtime.get(pid, 0.0), turns.get(pid, 0)))
    return ahead + rest


def next_speaker(
    queue: Sequence[str],
    mode: str,
    airtime: Mapping[str, float],
    turns: Mapping[str, int],
    first: Sequence[str] = (),
) -> str | None:
    """Who gets the floor: the head of the serving order, or nobody when the queue is empty."""
    order = serving_order(queue, mode, airtime, turns, first)
    return order[0] if order else None


def round_order(participants: Sequence[tuple[str, str]], seniors_last: bool) -> list[str]:
    """Join order, or with `seniors_last` the senior roles after everyone else (no HIPPO anchor):
    the stakeholders, then the product person, last of all."""
    if not seniors_last:
        return [pid for pid, _role in participants]
    return [pid for pid, _role in sorted(participants, key=lambda p: _seniority(p[1]))]


def latecomer_before(waiting: Sequence[tuple[str, str]], role: str) -> str | None:
    """Whom someone of `role` joining a seniors-last round speaks before: the first of those
    still waiting (in order, with their roles) more senior than they are; None: last. A team
    member who came late must not speak after the product person."""
    return next((pid for pid, other in waiting if _seniority(other) > _seniority(role)), None)


def with_joined(order: Sequence[str], participant_id: str, before: str | None) -> list[str]:
    """A round's order with a latecomer in it: before `before` (see `latecomer_before`), else
    last."""
    at = order.index(before) if before in order else len(order)
    return [*order[:at], participant_id, *order[at:]]


def _seniority(role: str) -> int:
    """0 for the team; then the stakeholders, then the product person, who speaks last."""
    return SENIOR_ROLES[::-1].index(role) + 1 if role in SENIOR_ROLES else 0


def _group_count(people: int, size: int) -> int:
    """How many groups: the count whose mean group is nearest `size`, never a group of one.

    Nearest mean keeps every group within size-1..size+1 whenever any count can; on a tie
    the fewer, larger groups win, so fewer groups report back to the whole room.
    """
    if size == 1 or people <= 1:
        return people
    most = people // 2  # more groups than this would leave someone alone
    candidates = {min(max(count, 1), most) for count in (people // size, -(-people // size))}
    return min(candidates, key=lambda count: (abs(Fraction(people, count) - size), count))


def _group_sizes(people: int, count: int) -> list[int]:
    """Sizes as even as possible; the larger groups go last."""
    if count == 0:
        return []
    base, extra = divmod(people, count)
    return [base] * (count - extra) + [base + 1] * extra


def form_groups(participant_ids: Sequence[str], size: int, seed: int) -> list[list[str]]:
    """Shuffle by `seed` (same seed, same groups), then split into groups of about `size`."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise InvalidInput(f"size must be a whole number >= 1, got {shown(size)}")
    _check_unique("participant_ids", participant_ids)
    shuffled = list(participant_ids)
    random.Random(seed).shuffle(shuffled)
    groups, start = [], 0
    for length in _group_sizes(len(shuffled), _group_count(len(shuffled), size)):
        groups.append(shuffled[start : start + length])
        start += length
    return groups


def join_pairs(pairs: Sequence[Sequence[str]], sizes: Sequence[int]) -> list[list[str]] | None:
    """Groups of `sizes`, each made of whole `pairs` (as 1-2-4-All means foursomes: two pairs
    joined), or None when the pairs' sizes cannot add up to them (six people: three pairs,
    and foursomes of three). The pairs of each size are taken in their order."""
    if len(sizes) == 1:
        return [[pid for pair in pairs for pid in pair]]
    by_size: dict[int, list[Sequence[str]]] = {}
    for pair in pairs:
        by_size.setdefault(len(pair), []).append(pair)
    if set(by_size) - {2, 3}:
        return None
    plan = _pairs_per_group(tuple(sizes), len(by_size.get(2, [])), len(by_size.get(3, [])))
    if plan is None:
        return None
    groups, taken = [], {2: 0, 3: 0}
    for twos, threes in plan:
        group: list[str] = []
        for size, count in ((2, twos), (3, threes)):
            for pair in by_size.get(size, [])[taken[size] : taken[size] + count]:
                group.extend(pair)
            taken[size] += count
        groups.append(group)
    return groups


@functools.cache
def _pairs_per_group(sizes: tuple[int, ...], twos: int, threes: int) -> list[tuple] | None:
    """How many pairs of two and trios make each group of `sizes`, using all of them exactly."""
    if not sizes:
        return [] if twos == threes == 0 else None
    for trios in range(min(threes, sizes[0] // 3) + 1):
        rest = sizes[0] - 3 * trios
        if rest % 2 == 0 and rest // 2 <= twos:
            after = _pairs_per_group(sizes[1:], twos - rest // 2, threes - trios)
            if after is not None:
                return [(rest // 2, trios), *after]
    return None


def stage_plan(participant_ids: Sequence[str], seed: int) -> list[dict]:
    """The 1-2-4-All stages and groups; one seed for all, and each foursome two of the pairs
    joined wherever the sizes allow (else split from the same shuffle)."""
    plan = []
    pairs: list[list[str]] = []
    for stage in ONE_TWO_FOUR_ALL:
        if stage.group_size is None:
            groups = [list(participant_ids)] if participant_ids else []
        else:
            groups = form_groups(participant_ids, stage.group_size, seed)
        if stage.name == "pairs":
            pairs = groups
        elif stage.name == "foursomes" and groups:
            groups = join_pairs(pairs, [len(group) for group in groups]) or groups
        plan.append({"name": stage.name, "seconds": stage.seconds, "groups": groups})
    return plan


def with_latecomer(plan: list[dict], stage: int, participant_id: str) -> list[dict]:
    """The 1-2-4-All plan with someone who joined during stage `stage`: alone on their own,
    then in the smallest group of each stage from this one on (the first of the smallest),
    and with everyone at the end. Stages already over stay as they were."""
    joined = []
    for i, planned in enumerate(plan):
        groups = [list(group) for group in planned["groups"]]
        if i >= stage:
            if planned["name"] == "alone" or not groups:
                groups.append([participant_id])
            else:
                min(groups, key=len).append(participant_id)
        joined.append({**planned, "groups": groups})
    return joined


def turn_deadline(started_at: float, time_box: float | None, extended: float = 0.0) -> float | None:
    """When the turn's time runs out, or None for a turn without a time-box."""
    if time_box is None:
        return None
    _check_seconds("time_box", time_box)
    _check_seconds("extended", extended)
    return started_at + time_box + extended


def held_seconds(started_at: float, ended_at: float) -> float:
    """Seconds a turn held the floor; never negative, even if the clock stepped back."""
    return max(0.0, ended_at - started_at)


def airtime_of(how: str, seconds: float) -> tuple[float, int]:
    """What a turn that ended `how` after `seconds` adds to its holder's (seconds, turns): all
    the time held, whoever ended it, and a turn unless it was a pass."""
    return seconds, 0 if how in NOT_A_TURN else 1


def airtime_table(
    seconds: Mapping[str, float],
    turns: Mapping[str, int],
    proposals: Mapping[str, int],
    comments: Mapping[str, int],
    participant_ids: Sequence[str],
) -> list[Airtime]:
    """One row per participant, silent ones included, most airtime first (ties: order given)."""
    _check_unique("participant_ids", participant_ids)
    held = {
        pid: _check_seconds(f"seconds[{shown(pid)}]", seconds.get(pid, 0.0))
        for pid in participant_ids
    }
    total = math.fsum(held.values())
    rows = [
        Airtime(
            participant_id=pid,
            seconds=held[pid],
            turns=turns.get(pid, 0),
            proposals=proposals.get(pid, 0),
            comments=comments.get(pid, 0),
            share=held[pid] / total if total > 0 else 0.0,
        )
        for pid in participant_ids
    ]
    return sorted(rows, key=lambda row: -row.seconds)


def gini(values: Sequence[float]) -> float:
    """Gini coefficient, sum|xi-xj| / (2 n^2 mean): 0 when equal, (n-1)/n when one has it all.

    Computed in exact fractions over the sorted values, so equal inputs give exactly 0
    and the order of the input cannot change the result.
    """
    for index, value in enumerate(values):
        _check_seconds(f"values[{index}]", value)
    exact = sorted(Fraction(value) for value in values)
    total = sum(exact)
    if total == 0:
        return 0.0
    n = len(exact)
    # sum over pairs |xi-xj| equals 2 * sum (2i - n - 1) * x_(i) for the 1-based sorted order.
    spread = sum((2 * i - n - 1) * x for i, x in enumerate(exact, start=1))
    return float(spread / (n * total))


def ending(kind: str) -> str:
    """How a turn whose time ran out ended: `expired` if its holder asked for the floor,
    or the facilitator gave it to them, else `unanswered` (a round's turn that ran out with
    no word from its holder: the round records no answer, the airtime the floor held)."""
    return "expired" if kind in ASKED else "unanswered"


def dominant(
    rows: Sequence[Airtime], factor: float = 2.0, min_seconds: float = 60.0, min_turns: int = 2
) -> list[str]:
    """Who holds more than `factor` times a fair share, once there is enough talk to judge.

    Dominating is a habit, not one long turn: a person is flagged only after `min_turns`
    turns of their own (the time-box is what bounds a single turn).
    """
    if not math.isfinite(factor) or factor <= 0:
        raise InvalidInput(f"factor must be a finite number > 0, got {shown(factor)}")
    _check_seconds("min_seconds", min_seconds)
    if isinstance(min_turns, bool) or not isinstance(min_turns, int) or min_turns < 1:
        raise InvalidInput(f"min_turns must be a whole number >= 1, got {shown(min_turns)}")
    total = math.fsum(row.seconds for row in rows)
    if not rows or total < min_seconds:
        return []
    limit = factor / len(rows)
    return [row.participant_id for row in rows if row.share > limit and row.turns >= min_turns]


# Below this much floor time in all, shares and the Gini measure noise: rounds answered by
# instant votes gave "0 s · 35%" for each person and a Gini of 0.03.
MEASURED_SECONDS = 1.0


def dominance_summary(rows: Sequence[Airtime]) -> dict:
    """The facilitator's warning panel and the minutes' record of how evenly people were heard;
    `measured` is whether the floor was held long enough for shares and the Gini to mean
    anything."""
    return {
        "measured": math.fsum(row.seconds for row in rows) >= MEASURED_SECONDS,
        "gini": round(gini([row.seconds for row in rows]), 3),
        "dominant": dominant(rows),
        "silent": [row.participant_id for row in rows if row.turns == 0],
    }
