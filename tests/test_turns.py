"""Turn-taking rules: tables for the cases a facilitator meets, properties for the rest."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workshop.domain.errors import InvalidInput
from workshop.domain.turns import (
    ONE_TWO_FOUR_ALL,
    Airtime,
    airtime_of,
    airtime_table,
    dominance_summary,
    dominant,
    form_groups,
    gini,
    held_seconds,
    latecomer_before,
    next_speaker,
    round_order,
    stage_plan,
    turn_deadline,
    with_joined,
    with_latecomer,
)

ROLES = ("facilitator", "product", "team", "stakeholder", "observer")
an_id = st.text(alphabet="abcdefghij", min_size=1, max_size=3)
ids = st.lists(an_id, unique=True, max_size=30)
seconds = st.floats(min_value=0, max_value=1e6, allow_nan=False)


def people(n: int) -> list[str]:
    return [f"p{i}" for i in range(n)]


def row(pid: str, seconds: float, share: float, turns: int = 2) -> Airtime:
    return Airtime(pid, seconds, turns, proposals=0, comments=0, share=share)


# -- speaking queue ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("queue", "mode", "airtime", "turns", "expected"),
    [
        ([], "order", {}, {}, None),
        ([], "progressive", {}, {}, None),
        (["a", "b", "c"], "order", {"a": 500.0}, {"a": 9}, "a"),
        (["a", "b", "c"], "progressive", {"a": 30.0, "b": 10.0, "c": 20.0}, {}, "b"),
        (["a", "b"], "progressive", {"a": 30.0}, {"a": 1}, "b"),  # never spoke: first
        (["a", "b", "c"], "progressive", {"a": 10.0, "b": 10.0, "c": 10.0}, {"a": 3, "b": 1}, "c"),
        (["a", "b", "c"], "progressive", {"a": 5.0, "b": 5.0}, {"a": 1, "b": 1}, "c"),
        (["c", "b", "a"], "progressive", {}, {}, "c"),  # all equal: queue order
        (["a", "b", "c"], "progressive", {"a": 10.0, "b": 10.0}, {"a": 1, "b": 1, "c": 1}, "c"),
    ],
)
def test_next_speaker(queue, mode, airtime, turns, expected):
    assert next_speaker(queue, mode, airtime, turns) == expected


def test_progressive_stack_breaks_airtime_ties_by_turns_then_queue():
    airtime = {"a": 10.0, "b": 10.0, "c": 10.0}
    assert next_speaker(["a", "b", "c"], "progressive", airtime, {"a": 2, "b": 1, "c": 2}) == "b"
    assert next_speaker(["a", "b", "c"], "progressive", airtime, {"a": 2, "b": 1, "c": 1}) == "b"
    assert next_speaker(["c", "b", "a"], "progressive", airtime, {"a": 2, "b": 1, "c": 1}) == "c"


@pytest.mark.parametrize("mode", ["", "random", "ORDER", "stack"])
def test_next_speaker_refuses_an_unknown_mode(mode):
    with pytest.raises(InvalidInput, match="mode"):
        next_speaker(["a"], mode, {}, {})


@given(
    queue=st.lists(an_id, unique=True, min_size=1, max_size=30),
    mode=st.sampled_from(["order", "progressive"]),
    airtime=st.dictionaries(an_id, seconds),
    turns=st.dictionaries(an_id, st.integers(0, 50)),
)
def test_next_speaker_is_always_in_the_queue(queue, mode, airtime, turns):
    assert next_speaker(queue, mode, airtime, turns) in queue


# -- round-robin -------------------------------------------------------------------------------

JOINED = [("p", "product"), ("t1", "team"), ("s", "stakeholder"), ("t2", "team"), ("o", "observer")]


@pytest.mark.parametrize(
    ("participants", "seniors_last", "expected"),
    [
        ([], True, []),
        (JOINED, False, ["p", "t1", "s", "t2", "o"]),
        (JOINED, True, ["t1", "t2", "o", "s", "p"]),  # the product person last of all
        ([("s", "stakeholder"), ("p", "product")], True, ["s", "p"]),
        ([("t1", "team"), ("t2", "team")], True, ["t1", "t2"]),
    ],
)
def test_round_order(participants, seniors_last, expected):
    assert round_order(participants, seniors_last) == expected


# (id, role) of each person, in join order
joined = st.lists(
    st.tuples(st.text(min_size=1, max_size=4), st.sampled_from(ROLES)),
    unique_by=lambda p: p[0],
    max_size=20,
)


@given(participants=joined, seniors_last=st.booleans())
def test_round_order_is_a_permutation(participants, seniors_last):
    order = round_order(participants, seniors_last)
    assert sorted(order) == sorted(pid for pid, _role in participants)


WAITING = [("t2", "team"), ("s1", "stakeholder"), ("s2", "stakeholder"), ("p", "product")]


@pytest.mark.parametrize(
    ("waiting", "role", "expected"),
    [
        (WAITING, "team", "s1"),  # a team member who came late before the seniors
        (WAITING, "observer", "s1"),
        (WAITING, "stakeholder", "p"),  # after the other stakeholders, before the product
        (WAITING, "product", None),  # the product person last of all
        (WAITING[:1], "team", None),
        ([("p", "product")], "stakeholder", "p"),
        ([], "team", None),
    ],
)
def test_a_latecomer_speaks_before_those_more_senior(waiting, role, expected):
    assert latecomer_before(waiting, role) == expected


@given(participants=joined, late=st.sampled_from(ROLES))
def test_a_seniors_last_order_stays_so_whoever_comes_late(participants, late):
    """Placed by `latecomer_before`, a latecomer leaves the order as `round_order` would have
    made it with them there from the start, up to the join order among equals."""
    order = round_order(participants, True)
    roles = dict(participants)
    before = latecomer_before([(pid, roles[pid]) for pid in order], late)
    order = with_joined(order, "late!", before)
    roles["late!"] = late
    seniority = [{"stakeholder": 1, "product": 2}.get(roles[pid], 0) for pid in order]
    assert seniority == sorted(seniority)


# -- 1-2-4-All groups --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "size", "expected_sizes"),
    [
        (1, 2, [1]),
        (2, 2, [2]),
        (3, 2, [3]),
        (4, 2, [2, 2]),
        (5, 2, [2, 3]),
        (6, 2, [2, 2, 2]),
        (7, 2, [2, 2, 3]),
        (8, 2, [2, 2, 2, 2]),
        (9, 2, [2, 2, 2, 3]),
        (1, 4, [1]),
        (2, 4, [2]),
        (3, 4, [3]),
        (4, 4, [4]),
        (5, 4, [5]),
        (6, 4, [3, 3]),
        (7, 4, [3, 4]),
        (8, 4, [4, 4]),
        (9, 4, [4, 5]),
        (10, 4, [3, 3, 4]),
        (0, 2, []),
        (3, 1, [1, 1, 1]),
        (4, 3, [4]),  # a tie between [4] and [2, 2]: the fewer groups win
    ],
)
def test_group_sizes(n, size, expected_sizes):
    groups = form_groups(people(n), size, seed=7)
    assert [len(group) for group in groups] == expected_sizes


@pytest.mark.parametrize("size", [0, -1, 2.0, True, "2"])
def test_form_groups_refuses_a_bad_size(size):
    with pytest.raises(InvalidInput, match="size"):
        form_groups(people(4), size, seed=1)


def test_form_groups_refuses_a_repeated_id():
    with pytest.raises(InvalidInput, match="participant_ids"):
        form_groups(["a", "b", "a"], 2, seed=1)


@given(participant_ids=ids, size=st.integers(1, 6), seed=st.integers())
def test_form_groups_partitions_without_anyone_alone(participant_ids, size, seed):
    groups = form_groups(participant_ids, size, seed)
    members = [pid for group in groups for pid in group]
    assert sorted(members) == sorted(participant_ids)
    if size > 1 and len(participant_ids) > 1:
        assert all(len(group) >= 2 for group in groups)
    assert max((len(g) for g in groups), default=0) - min((len(g) for g in groups), default=0) <= 1


def fits_somehow(n: int, size: int) -> bool:
    """Whether some number of groups keeps every group within size-1..size+1."""
    return any(size - 1 <= n // count and -(-n // count) <= size + 1 for count in range(1, n + 1))


@given(n=st.integers(2, 40), size=st.integers(2, 8))
def test_form_groups_stay_near_the_size_where_possible(n, size):
    lengths = [len(group) for group in form_groups(people(n), size, seed=0)]
    if fits_somehow(n, size):
        assert size - 1 <= min(lengths) and max(lengths) <= size + 1


@given(participant_ids=ids, size=st.integers(1, 6), seed=st.integers())
def test_form_groups_is_deterministic_for_a_seed(participant_ids, size, seed):
    assert form_groups(participant_ids, size, seed) == form_groups(participant_ids, size, seed)


def test_form_groups_shuffles_by_seed():
    shuffles = {tuple(map(tuple, form_groups(people(8), 2, seed))) for seed in range(10)}
    assert len(shuffles) > 1


def test_stage_plan_follows_one_two_four_all():
    plan = stage_plan(people(9), seed=3)
    assert [(s["name"], s["seconds"]) for s in plan] == [
        ("alone", 60),
        ("pairs", 120),
        ("foursomes", 240),
        ("all", 300),
    ]
    assert [stage.name for stage in ONE_TWO_FOUR_ALL] == [s["name"] for s in plan]
    assert [len(g) for g in plan[0]["groups"]] == [1] * 9
    assert [len(g) for g in plan[1]["groups"]] == [2, 2, 2, 3]
    assert [len(g) for g in plan[2]["groups"]] == [4, 5]
    assert plan[3]["groups"] == [people(9)]


def test_stage_plan_with_nobody_has_no_groups():
    assert all(stage["groups"] == [] for stage in stage_plan([], seed=1))


def sums_to(parts: list[int], totals: list[int]) -> bool:
    """Whether `parts` split, each whole, into groups adding up to `totals` (brute force)."""
    if not totals:
        return not parts
    first, rest = totals[0], totals[1:]
    for mask in range(1 << len(parts)):
        chosen = [p for i, p in enumerate(parts) if mask >> i & 1]
        if sum(chosen) == first:
            others = [p for i, p in enumerate(parts) if not mask >> i & 1]
            if sums_to(others, rest):
                return True
    return False


@given(n=st.integers(0, 16), seed=st.integers(0, 2**31))
def test_every_foursome_is_earlier_pairs_joined_wherever_the_sizes_allow(n, seed):
    """With 7 people the pairs were 2+2+3 and the foursomes 3+4, neither of them two pairs."""
    plan = stage_plan(people(n), seed)
    pairs, fours = plan[1]["groups"], plan[2]["groups"]
    assert sorted(pid for group in fours for pid in group) == sorted(people(n))
    assert [len(g) for g in fours] == [len(g) for g in form_groups(people(n), 4, seed)]
    assert n < 2 or all(len(group) > 1 for group in fours)
    if sums_to([len(p) for p in pairs], [len(f) for f in fours]):
        assert all(any(set(pair) <= set(four) for four in fours) for pair in pairs)


@given(n=st.integers(0, 16), seed=st.integers(0, 2**31), stage=st.integers(0, 3))
def test_a_latecomer_joins_every_stage_still_to_come_and_nobody_is_left_alone(n, seed, stage):
    """Zed joined during the pairs: his page said no group, and the screen did not list him."""
    plan = stage_plan(people(n), seed)
    later = with_latecomer(plan, stage, "zed")
    for i, (before, after) in enumerate(zip(plan, later, strict=True)):
        everyone = sorted(pid for group in after["groups"] for pid in group)
        if i < stage:
            assert after == before  # what is over stays as it was
            continue
        assert everyone == sorted([*people(n), "zed"])  # each in exactly one group
        mine = next(group for group in after["groups"] if "zed" in group)
        assert len(mine) == 1 if after["name"] == "alone" else n == 0 or len(mine) > 1
        sizes = [len(group) for group in before["groups"]]
        if after["name"] in ("pairs", "foursomes") and sizes:
            assert len(mine) == min(sizes) + 1  # into the smallest group, never a new one
    assert plan == stage_plan(people(n), seed)  # the plan given is not changed


@pytest.mark.parametrize(
    ("n", "pairs", "fours"),
    [(7, [2, 2, 3], [3, 4]), (11, [2, 2, 2, 2, 3], [3, 4, 4]), (9, [2, 2, 2, 3], [4, 5])],
)
def test_foursomes_of_seven_and_eleven_are_pairs_joined(n, pairs, fours):
    plan = stage_plan(people(n), seed=5)
    assert [len(g) for g in plan[1]["groups"]] == pairs
    assert [len(g) for g in plan[2]["groups"]] == fours
    joined = [
        sorted(p for pair in plan[1]["groups"] if set(pair) <= set(f) for p in pair)
        for f in plan[2]["groups"]
    ]
    assert joined == [sorted(f) for f in plan[2]["groups"]]


# -- time-boxes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("started_at", "time_box", "extended", "expected"),
    [
        (100.0, None, 0.0, None),
        (100.0, None, 30.0, None),
        (100.0, 60.0, 0.0, 160.0),
        (100.0, 60.0, 30.0, 190.0),
        (100.0, 0.0, 0.0, 100.0),
    ],
)
def test_turn_deadline(started_at, time_box, extended, expected):
    assert turn_deadline(started_at, time_box, extended) == expected


@pytest.mark.parametrize(
    ("time_box", "extended", "named"),
    [(-1.0, 0.0, "time_box"), (60.0, -5.0, "extended"), (float("nan"), 0.0, "time_box")],
)
def test_turn_deadline_refuses_negative_seconds(time_box, extended, named):
    with pytest.raises(InvalidInput, match=named):
        turn_deadline(0.0, time_box, extended)


@pytest.mark.parametrize(
    ("started_at", "ended_at", "expected"),
    [(10.0, 70.5, 60.5), (10.0, 10.0, 0.0), (70.0, 10.0, 0.0)],
)
def test_held_seconds(started_at, ended_at, expected):
    assert held_seconds(started_at, ended_at) == expected


# -- airtime and dominance ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "seconds", "booked"),
    [
        ("yielded", 30.0, (30.0, 1)),
        ("ended", 12.5, (12.5, 1)),
        ("skipped", 4.0, (4.0, 1)),
        ("expired", 120.0, (120.0, 1)),  # a raised hand whose time ran out
        ("voted", 9.0, (9.0, 1)),  # a consent round's answer, given by voting
        ("passed", 3.0, (3.0, 0)),  # said nothing: not a turn, but the seconds were held
        # A round's turn that ran out or that its ballot's closing cut: the floor was held
        # all that time, whatever was said, so it is airtime and a turn like any other.
        ("unanswered", 120.0, (120.0, 1)),
        ("unanswered", 0.0, (0.0, 1)),
    ],
)
def test_airtime_of_a_turn_is_the_floor_held(how, seconds, booked):
    assert airtime_of(how, seconds) == booked


HOWS = ("yielded", "ended", "skipped", "expired", "voted", "passed", "unanswered")


@given(st.sampled_from(HOWS), seconds)
def test_every_second_held_is_airtime(how, held):
    assert airtime_of(how, held)[0] == held


def test_airtime_table_keeps_the_silent_and_sorts_by_airtime():
    rows = airtime_table(
        seconds={"a": 30.0, "b": 90.0},
        turns={"a": 1, "b": 3},
        proposals={"c": 2},
        comments={"a": 4},
        participant_ids=["a", "b", "c", "d"],
    )
    assert rows == [
        Airtime("b", 90.0, 3, 0, 0, 0.75),
        Airtime("a", 30.0, 1, 0, 4, 0.25),
        Airtime("c", 0.0, 0, 2, 0, 0.0),
        Airtime("d", 0.0, 0, 0, 0, 0.0),
    ]


def test_airtime_table_when_nobody_spoke():
    rows = airtime_table({}, {}, {}, {}, ["b", "a"])
    assert [(r.participant_id, r.share) for r in rows] == [("b", 0.0), ("a", 0.0)]


def test_airtime_table_refuses_negative_seconds():
    with pytest.raises(InvalidInput, match="seconds"):
        airtime_table({"a": -1.0}, {}, {}, {}, ["a"])


@given(st.dictionaries(st.sampled_from("abcdef"), seconds))
def test_airtime_shares_add_up(held):
    rows = airtime_table(held, {}, {}, {}, list("abcdef"))
    total = sum(r.share for r in rows)
    assert total == pytest.approx(1.0 if any(held.values()) else 0.0)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], 0.0),
        ([0, 0, 0], 0.0),
        ([5], 0.0),
        ([1, 1, 1, 1], 0.0),
        ([0, 0, 0, 1], 0.75),
        ([0, 1], 0.5),
        ([1, 2, 3], 2 / 9),
        ([1, 3], 0.25),
    ],
)
def test_gini_of_known_vectors(values, expected):
    assert gini(values) == pytest.approx(expected)


@pytest.mark.parametrize("values", [[1.0, -1.0], [float("inf")], [float("nan"), 1.0]])
def test_gini_refuses_bad_values(values):
    with pytest.raises(InvalidInput, match="values"):
        gini(values)


@given(st.lists(seconds, max_size=30))
def test_gini_is_between_zero_and_one(values):
    assert 0.0 <= gini(values) < 1.0


@given(st.lists(seconds, max_size=30), st.randoms(use_true_random=False))
def test_gini_ignores_order(values, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert gini(shuffled) == gini(values)


@given(st.lists(seconds, max_size=30), st.floats(min_value=1e-3, max_value=1e3))
def test_gini_ignores_scale(values, factor):
    scaled = [value * factor for value in values]
    assert gini(scaled) == pytest.approx(gini(values), abs=1e-9)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], []),
        (  # a 70% talker among four
            [row("a", 70.0, 0.7), row("b", 10.0, 0.1), row("c", 10.0, 0.1), row("d", 10.0, 0.1)],
            ["a"],
        ),
        (  # the same shares, but too little talk so far to judge
            [row("a", 35.0, 0.7), row("b", 5.0, 0.1), row("c", 5.0, 0.1), row("d", 5.0, 0.1)],
            [],
        ),
        (  # exactly twice the fair share is not yet dominating
            [row("a", 50.0, 0.5), row("b", 25.0, 0.25), row("c", 25.0, 0.25), row("d", 0.0, 0.0)],
            [],
        ),
        ([row("a", 100.0, 1.0)], []),  # alone in the room: nobody to dominate
        (  # one turn, however long (a time-box that ran out), is not a habit
            [row("a", 120.0, 1.0, turns=1), row("b", 0.0, 0.0, 0), row("c", 0.0, 0.0, 0)],
            [],
        ),
        (  # the same talker taking the floor again is
            [row("a", 150.0, 0.83, turns=2), row("b", 30.0, 0.17, 1), row("c", 0.0, 0.0, 0)],
            ["a"],
        ),
    ],
)
def test_dominant(rows, expected):
    assert dominant(rows) == expected


def test_dominant_with_a_stricter_factor():
    rows = [row("a", 45.0, 0.45), row("b", 35.0, 0.35), row("c", 20.0, 0.2), row("d", 0.0, 0.0)]
    assert dominant(rows) == []
    assert dominant(rows, factor=1.5) == ["a"]
    assert dominant(rows, factor=1.2, min_seconds=0) == ["a", "b"]


@pytest.mark.parametrize(
    ("factor", "min_seconds", "min_turns", "named"),
    [
        (0.0, 60.0, 2, "factor"),
        (-2.0, 60.0, 2, "factor"),
        (2.0, -1.0, 2, "min_seconds"),
        (2.0, 60.0, 0, "min_turns"),
        (2.0, 60.0, 1.5, "min_turns"),
    ],
)
def test_dominant_refuses_bad_arguments(factor, min_seconds, min_turns, named):
    with pytest.raises(InvalidInput, match=named):
        dominant([], factor, min_seconds, min_turns)


def test_dominance_summary():
    rows = airtime_table(
        seconds={"a": 210.0, "b": 30.0, "c": 60.0},
        turns={"a": 5, "b": 1, "c": 2},
        proposals={},
        comments={},
        participant_ids=["a", "b", "c", "d"],
    )
    summary = {"measured": True, "gini": 0.55, "dominant": ["a"], "silent": ["d"]}
    assert dominance_summary(rows) == summary


def test_dominance_summary_of_an_empty_room():
    summary = {"measured": False, "gini": 0.0, "dominant": [], "silent": []}
    assert dominance_summary([]) == summary


@pytest.mark.parametrize(
    ("seconds", "measured"),
    [
        ({"a": 0.01, "b": 0.02, "c": 0.0}, False),
        ({"a": 0.5, "b": 0.49}, False),
        ({"a": 0.5, "b": 0.5}, True),
        ({"a": 30.0}, True),
    ],
)
def test_shares_are_measured_once_the_floor_was_held_a_second(
    seconds: dict[str, float], measured: bool
) -> None:
    """Rounds answered by instant votes gave each person "0 s · 35%" and a Gini of 0.03:
    shares of a few hundredths of a second are noise, and the pages leave them out."""
    rows = airtime_table(seconds, {}, {}, {}, list(seconds))
    assert dominance_summary(rows)["measured"] is measured
