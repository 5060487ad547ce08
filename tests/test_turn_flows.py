"""Turn flows in the pure domain: the order shown is the order served, and a consent round
belongs to its ballot: a vote is the voter's answer in it."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.domain import FAC, Domain
from workshop.domain import views
from workshop.domain.errors import WorkshopError
from workshop.domain.events import apply
from workshop.domain.state import WorkshopState
from workshop.domain.turns import NO_WORD, next_speaker, serving_order
from workshop.minutes import record_floor

# -- the serving order, as a table ------------------------------------------------------------


@pytest.mark.parametrize(
    ("queue", "mode", "airtime", "turns", "first", "expected"),
    [
        ([], "progressive", {}, {}, ["a"], []),
        (["a", "b", "c"], "order", {"a": 90.0}, {"a": 3}, [], ["a", "b", "c"]),
        (["t", "r"], "progressive", {"t": 60.0}, {"t": 1}, [], ["r", "t"]),  # Tom spoke: Raj first
        (list("abc"), "progressive", {"a": 30.0, "b": 10.0, "c": 20.0}, {}, [], list("bca")),
        (list("abc"), "progressive", {"a": 9.0, "b": 9.0}, {"a": 2, "b": 1}, [], list("cba")),
        (["c", "b", "a"], "progressive", {}, {}, [], ["c", "b", "a"]),  # equals: hand order
        # After fist of five the low voters go first, lowest first, whatever the mode.
        (["t", "r"], "progressive", {"t": 60.0}, {"t": 1}, ["t"], ["t", "r"]),
        (["a", "b", "c"], "order", {}, {}, ["c", "a"], ["c", "a", "b"]),
        (["a", "b"], "progressive", {}, {}, ["gone", "b"], ["b", "a"]),  # no longer waiting
    ],
)
def test_serving_order(queue, mode, airtime, turns, first, expected):
    assert serving_order(queue, mode, airtime, turns, first) == expected
    assert next_speaker(queue, mode, airtime, turns, first) == (expected[0] if expected else None)


def test_the_progressive_stack_shows_raj_first_and_serves_raj_first():
    room = Domain(names=("Tom", "Raj"))
    tom, raj = room.ids["Tom"], room.ids["Raj"]
    room.speak(tom, 60)
    room.do(FAC, "set_queue_mode", mode="progressive")
    room.do(tom, "raise_hand")
    room.do(raj, "raise_hand")
    assert room.state.floor.queue == [tom, raj]  # the hands, in the order they went up
    assert room.floor(raj)["queue"] == [raj, tom]  # the order everybody sees
    assert room.floor(raj)["next"] == raj
    room.do(FAC, "grant_floor")
    assert room.holder() == raj
    assert room.floor(tom)["queue"] == [tom] and room.floor(tom)["next"] == tom


def test_after_fist_of_five_the_low_voter_is_shown_and_served_first_under_the_stack():
    room = Domain("sprint_planning", names=("Tom", "Raj", "Una"))
    tom, raj, una = (room.ids[n] for n in ("Tom", "Raj", "Una"))
    room.speak(tom, 90)
    room.do(FAC, "set_queue_mode", mode="progressive")
    room.do(raj, "raise_hand")
    room.do(FAC, "grant_floor", participant_id=una)  # Una speaks while the ballot is counted
    # The fist-of-five outcome: Tom showed 2, and he goes first although he spoke the most.
    room.fold([{"type": "queue_prioritized", "participant_ids": [tom]}])
    shown = room.floor(raj)
    assert shown["queue"] == [tom, raj] and shown["next"] == tom
    room.advance(20)
    room.do(una, "end_turn")
    assert room.holder() == tom
    room.advance(20)
    room.do(tom, "end_turn")
    assert room.holder() == raj
    room.do(raj, "end_turn")
    room.do(tom, "raise_hand")  # a new hand: the priority was for the ballot's floor only
    room.do(una, "raise_hand")
    assert room.floor()["queue"] == [una, tom]


def test_during_a_round_the_next_is_the_rounds_next_and_the_queue_waits():
    room = Domain(names=("Ann", "Bob", "Cid"))
    ann, bob, cid = (room.ids[n] for n in ("Ann", "Bob", "Cid"))
    room.do(cid, "raise_hand")
    room.do(FAC, "start_round")
    assert room.holder() == ann
    assert room.floor()["next"] == bob
    room.do(ann, "end_turn")
    room.do(bob, "end_turn")
    assert room.floor()["next"] is None  # the round ends after Cid: the floor goes free
    room.do(cid, "end_turn")
    assert room.state.floor.round is None and room.holder() is None


# -- the order shown is the order served, for any queue and airtimes ---------------------------

NAMES = [f"P{i}" for i in range(7)]


@given(
    spoken=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 300)), max_size=10),
    hands=st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True),
    low=st.lists(st.integers(0, 6), max_size=3, unique=True),
    mode=st.sampled_from(["order", "progressive"]),
)
def test_the_queue_shown_is_served_in_that_order(spoken, hands, low, mode):
    room = Domain(names=tuple(NAMES))
    pids = [room.ids[name] for name in NAMES]
    for who, seconds in spoken:
        room.speak(pids[who], seconds)
    room.do(FAC, "set_queue_mode", mode=mode)
    for who in hands:
        room.do(pids[who], "raise_hand")
    if low:
        room.fold([{"type": "queue_prioritized", "participant_ids": [pids[i] for i in low]}])
    shown = room.floor(pids[hands[0]])
    assert sorted(shown["queue"]) == sorted(room.state.floor.queue)
    assert shown["next"] == shown["queue"][0]
    served = []
    while room.state.floor.queue:
        room.do(FAC, "grant_floor")
        served.append(room.holder())
        room.advance(30)  # each speaks a while: the stack must not reorder those still waiting
    assert served == shown["queue"]


# -- a consent round belongs to its ballot ----------------------------------------------------


def consent_ballot(room: Domain, title: str = "Feel strong", **extra: object) -> str:
    """A vision by Ann put to a consent ballot of everyone present; returns the ballot id."""
    room.do(FAC, "go_to_phase", phase="propose")
    proposed = room.do(room.ids["Ann"], "propose_goal", level="vision", title=title)
    room.do(FAC, "go_to_phase", phase="decide")
    opened = room.do(
        FAC,
        "open_ballot",
        proposal_ids=[proposed[0]["proposal"]["id"]],
        rule="consent",
        rule_reason="everyone must be able to live with it",
        **extra,
    )
    return opened[0]["ballot"]["id"]


def expire(room: Domain) -> list[dict]:
    """The server's timer, once the running turn's time is up."""
    holder = room.state.floor.holder
    assert holder is not None and holder.deadline is not None
    room.now = max(room.now, holder.deadline)
    return room.do("system", "expire_turn", turn_id=holder.id)


def close_the_ballot(room: Domain, ballot: str) -> list[dict]:
    return room.do(FAC, "close_ballot", ballot_id=ballot)


def close_and_reveal(room: Domain, ballot: str) -> list[dict]:
    return room.do(FAC, "close_ballot", ballot_id=ballot, reveal=True)


def deadline_passes(room: Domain, ballot: str) -> list[dict]:
    room.now = room.state.ballots[ballot].deadline
    return room.do("system", "close_expired_ballot", ballot_id=ballot)


@pytest.mark.parametrize(
    ("ending", "extra"),
    [
        (close_the_ballot, {}),
        (close_and_reveal, {}),
        (deadline_passes, {"deadline_seconds": 600}),
    ],
)
def test_the_consent_round_ends_with_its_ballot(ending, extra):
    room = Domain(names=("Ann", "Bob", "Cid"))
    ann, bob = room.ids["Ann"], room.ids["Bob"]
    room.do(FAC, "set_time_box", seconds=30)
    ballot = consent_ballot(room, **extra)
    assert room.state.floor.round.ballot_id == ballot
    assert room.holder() == ann
    room.advance(10)
    room.do(ann, "end_turn")
    assert room.holder() == bob
    events = ending(room, ballot)
    types = [item["type"] for item in events]
    assert types[:3] == ["ballot_closed", "turn_ended", "round_ended"]
    assert events[1]["participant_id"] == bob and events[1]["how"] == "unanswered"
    assert room.state.floor.round is None and room.holder() is None
    assert room.floor()["next"] is None


def test_a_round_the_facilitator_started_outlives_a_ballot():
    room = Domain(names=("Ann", "Bob"))
    ballot = consent_ballot(room)
    close_and_reveal(room, ballot)  # not revealed, it would still decide the vision
    room.do(FAC, "start_round", purpose="check-out")
    other = consent_ballot(room)  # a round is running already: no consent round of its own
    assert room.state.floor.round.purpose == "check-out"
    close_the_ballot(room, other)
    assert room.state.floor.round is not None and room.holder() == room.ids["Ann"]


def test_a_round_the_timer_hands_around_books_the_floor_each_held_and_flags_nobody():
    """The reported session: a 30 s time-box, a consent ballot, and nobody taking the floor up.
    Each held the floor for a time-box: that is their airtime, evenly, and nobody dominates."""
    room = Domain(names=("Ann", "Bob", "Cid"))
    room.do(FAC, "set_time_box", seconds=30)
    ballot = consent_ballot(room)
    for _ in range(3):  # the round hands the floor on, and nobody takes it up
        ended = expire(room)[0]
        assert (ended["how"], ended["seconds"]) == ("unanswered", 30.0)
    assert room.state.floor.round is None  # everyone had their chance: the round is over
    close_and_reveal(room, ballot)
    airtime = views.snapshot(room.state, FAC, frozenset(room.state.participants))["airtime"]
    assert [(row["seconds"], row["turns"]) for row in airtime["rows"]] == [(30.0, 1)] * 3
    assert airtime["dominant"] == [] and airtime["silent"] == []


def test_a_room_voting_through_a_consent_round_books_the_floor_held_and_flags_nobody():
    """The reported session: a 30 s time-box, a consent ballot, and the room busy voting. Each
    vote is its voter's answer, so the floor moves on as people vote, not as the timer runs."""
    room = Domain(names=("Ann", "Bob", "Cid"))
    room.do(FAC, "set_time_box", seconds=30)
    ballot = consent_ballot(room)
    for name in ("Ann", "Bob", "Cid"):
        assert room.holder() == room.ids[name]
        room.advance(5)
        room.do(room.ids[name], "cast_vote", ballot_id=ballot, vote={"choice": "consent"})
    assert room.state.floor.round is None  # everyone answered: the round is over
    close_and_reveal(room, ballot)
    later = consent_ballot(room, "Feel stronger")  # the vision accepted, restated
    expire(room)  # Ann holds the floor until the time-box runs out: 30 s held
    room.advance(10)
    close_the_ballot(room, later)  # Bob held it 10 s when the ballot closed
    assert room.holder() is None and room.state.floor.round is None
    airtime = views.snapshot(room.state, FAC, frozenset(room.state.participants))["airtime"]
    held = {row["participant_id"]: (row["seconds"], row["turns"]) for row in airtime["rows"]}
    ann, bob, cid = (room.ids[n] for n in ("Ann", "Bob", "Cid"))
    assert held == {ann: (35.0, 2), bob: (15.0, 2), cid: (5.0, 1)}
    assert airtime["dominant"] == [] and airtime["silent"] == []


@pytest.mark.parametrize(
    ("how_given", "how_ended", "seconds", "turns"),
    [
        ("queue", "expired", 120.0, 1),  # asked for the floor: spoke until the time ran out
        ("direct", "expired", 120.0, 1),  # the facilitator gave them the floor: they spoke
        # handed out by a round: the tool cannot tell whether they spoke, but they held the
        # floor for the whole time-box, and airtime is the floor held
        ("round", "unanswered", 120.0, 1),
    ],
)
def test_a_turn_that_runs_out(how_given, how_ended, seconds, turns):
    room = Domain(names=("Ann", "Bob", "Cid", "Dan"))
    ann = room.ids["Ann"]
    if how_given == "queue":
        room.do(ann, "raise_hand")
        room.do(FAC, "grant_floor")
    elif how_given == "direct":
        room.do(FAC, "grant_floor", participant_id=ann)
    else:
        room.do(FAC, "start_round")
    assert room.state.floor.holder.kind == how_given
    ended = expire(room)[0]
    assert ended["how"] == how_ended and ended["seconds"] == 120.0  # the log keeps the time
    airtime = views.snapshot(room.state, FAC, frozenset(room.state.participants))["airtime"]
    mine = [row for row in airtime["rows"] if row["participant_id"] == ann][0]
    assert (mine["seconds"], mine["turns"]) == (seconds, turns)
    assert airtime["dominant"] == []  # a single expired turn flags nobody
    if how_given == "round":
        assert room.state.floor.round.passed == [ann]  # no word counts as a pass


# -- in a consent round, a vote is the voter's answer ------------------------------------------

CONSENT = {"choice": "consent"}


def rounds(room: Domain) -> list[dict]:
    """The round-robins as the minutes record them."""
    return record_floor.floor(room.state, room.log)["rounds"]


def answers(room: Domain) -> list[str | None]:
    """How each member answered in the last round, in the round's order, as the minutes say."""
    return [entry["how"] for entry in rounds(room)[-1]["responses"]]


def how_it_ended(turn_ended: dict) -> tuple[str, str, float]:
    return turn_ended["participant_id"], turn_ended["how"], turn_ended["seconds"]


def test_the_speakers_vote_ends_their_turn_and_the_floor_goes_to_the_next():
    room = Domain(names=("Ann", "Bob", "Cid"))
    ann, bob, cid = (room.ids[n] for n in ("Ann", "Bob", "Cid"))
    ballot = consent_ballot(room)
    assert room.holder() == ann
    room.advance(12)
    events = room.do(ann, "cast_vote", ballot_id=ballot, vote=CONSENT)
    assert [e["type"] for e in events] == [
        "vote_cast",
        "voted_in_round",
        "turn_ended",
        "floor_granted",
    ]
    assert how_it_ended(events[2]) == (ann, "voted", 12.0)
    assert room.holder() == bob
    shown = room.floor(cid)  # as the room sees it
    assert (shown["round"]["done"], shown["round"]["voted"], shown["round"]["passed"]) == (
        [ann],
        [ann],
        [],
    )
    # The room learns that Ann answered, as it heard her; never how she voted.
    for seq, item in enumerate(events, start=room.state.seq):
        assert "consent" not in json.dumps(views.event_view({**item, "seq": seq}, False))


def test_someone_who_voted_before_their_turn_is_skipped():
    room = Domain(names=("Ann", "Bob", "Cid"))
    ann, bob, cid = (room.ids[n] for n in ("Ann", "Bob", "Cid"))
    ballot = consent_ballot(room)
    early = room.do(bob, "cast_vote", ballot_id=ballot, vote=CONSENT)
    assert [e["type"] for e in early] == ["vote_cast", "voted_in_round"]
    assert room.holder() == ann  # Bob's vote does not cut Ann short
    assert room.floor()["next"] == cid  # Bob answered already: Cid comes next
    room.do(ann, "cast_vote", ballot_id=ballot, vote=CONSENT)
    assert room.holder() == cid
    room.do(cid, "cast_vote", ballot_id=ballot, vote=CONSENT)
    assert room.state.floor.round is None and room.holder() is None
    closed = close_the_ballot(room, ballot)
    assert [e["type"] for e in closed] == ["ballot_closed"]  # nobody's turn to cut
    assert answers(room) == ["voted", "voted", "voted"]
    assert rounds(room)[-1]["passed"] == []


def vote_of(room: Domain, who: str, ballot: str) -> None:
    room.do(room.ids[who], "cast_vote", ballot_id=ballot, vote=CONSENT)


def holder_does(command: str):
    def act(room: Domain, who: str, ballot: str) -> None:
        assert room.holder() == room.ids[who]
        room.do(room.ids[who], command)

    return act


def timer(room: Domain, who: str, ballot: str) -> None:
    assert room.holder() == room.ids[who]
    expire(room)


def closes(room: Domain, who: str | None, ballot: str) -> None:
    close_the_ballot(room, ballot)


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        # each votes in turn: each vote is that person's answer
        ([("Ann", vote_of), ("Bob", vote_of), ("Cid", vote_of)], ["voted"] * 3),
        # Cid voted before the round reached her, and is not asked again
        ([("Cid", vote_of), ("Ann", vote_of), ("Bob", vote_of)], ["voted"] * 3),
        # a pass, a spoken answer, a vote
        (
            [("Ann", holder_does("pass_turn")), ("Bob", holder_does("end_turn")), ("Cid", vote_of)],
            ["passed", "yielded", "voted"],
        ),
        # the ballot closes while Bob holds the floor without having voted; Cid never had a turn
        ([("Ann", vote_of), (None, closes)], ["voted", "unanswered", None]),
        # Bob voted early; Ann's time runs out; the ballot closes during Cid's turn
        (
            [("Bob", vote_of), ("Ann", timer), (None, closes)],
            ["unanswered", "voted", "unanswered"],
        ),
        # the facilitator moves Ann on; Bob votes after his turn ended: his turn stays as it was
        (
            [("Ann", vote_of), (None, lambda room, who, b: room.do(FAC, "skip_turn"))]
            + [("Bob", vote_of), ("Cid", vote_of)],
            ["voted", "skipped", "voted"],
        ),
    ],
)
def test_the_minutes_say_how_each_member_answered_the_consent_round(script, expected):
    room = Domain(names=("Ann", "Bob", "Cid"))
    room.do(FAC, "set_time_box", seconds=30)
    ballot = consent_ballot(room)
    for who, act in script:
        room.advance(3)
        act(room, who, ballot)
    if room.state.ballots[ballot].status == "open":
        close_the_ballot(room, ballot)
    assert room.state.floor.round is None
    assert answers(room) == expected
    names = ("Ann", "Bob", "Cid")
    quiet = [room.ids[n] for n, how in zip(names, expected, strict=True) if how in NO_WORD]
    assert rounds(room)[-1]["passed"] == quiet  # a pass or no answer: never a voter


def test_the_vote_that_completes_a_ballot_with_a_deadline_closes_it_as_the_speakers_answer():
    room = Domain(names=("Ann", "Bob"))
    ann, bob = room.ids["Ann"], room.ids["Bob"]
    ballot = consent_ballot(room, deadline_seconds=600)
    room.do(ann, "cast_vote", ballot_id=ballot, vote=CONSENT)
    room.advance(4)
    events = room.do(bob, "cast_vote", ballot_id=ballot, vote=CONSENT)  # the last vote closes it
    assert [e["type"] for e in events][:5] == [
        "vote_cast",
        "voted_in_round",
        "ballot_closed",
        "turn_ended",
        "round_ended",
    ]
    assert how_it_ended(events[3]) == (bob, "voted", 4.0)
    assert answers(room) == ["voted", "voted"]


def test_votes_leave_a_round_the_facilitator_started_alone():
    room = Domain(names=("Ann", "Bob"))
    room.do(FAC, "start_round", purpose="check-in")
    ballot = consent_ballot(room)  # a round is running: the ballot opens none of its own
    vote_of(room, "Ann", ballot)
    assert room.holder() == room.ids["Ann"] and room.state.floor.round.done == []


ACTIONS = ("vote", "pass", "end", "timer", "early")


@given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 3)), max_size=12))
def test_nobody_who_voted_is_ever_recorded_as_passing_or_not_answering(steps):
    room = Domain(names=("Ann", "Bob", "Cid", "Dan"))
    room.do(FAC, "set_time_box", seconds=30)
    ballot = consent_ballot(room)
    members = list(room.state.floor.round.order)
    voted: set[str] = set()
    for action, index in steps:
        holder = room.holder()
        room.advance(2)
        if action == "early":
            who = members[index]
            if who not in voted:
                room.do(who, "cast_vote", ballot_id=ballot, vote=CONSENT)
                voted.add(who)
        elif holder is None:
            continue
        elif action == "vote":
            room.do(holder, "cast_vote", ballot_id=ballot, vote=CONSENT)
            voted.add(holder)
        elif action == "pass":
            room.do(holder, "pass_turn")
        elif action == "end":
            room.do(holder, "end_turn")
        else:
            expire(room)
    close_the_ballot(room, ballot)
    assert room.state.floor.round is None and room.holder() is None
    record = rounds(room)[-1]
    for entry in record["responses"]:
        if entry["participant_id"] in voted and entry["how"] in ("passed", "unanswered"):
            # only someone whose round turn had ended before they voted
            ended = [
                e
                for e in room.log
                if e["type"] == "turn_ended" and e["participant_id"] == entry["participant_id"]
            ]
            assert ended and ended[0]["how"] == entry["how"]
    for item in room.log:
        if item["type"] == "turn_ended" and item["how"] == "unanswered":
            before = room.log[: room.log.index(item)]
            assert not any(
                e["type"] == "vote_cast" and e["voter"] == item["participant_id"] for e in before
            )


# -- fist-of-five advice to a decider gives the floor as a fist-of-five ballot does -----------


@pytest.mark.parametrize(
    ("rule", "settings"),
    [("fist_of_five", None), ("decider", {"advisory_rule": "fist_of_five"})],
)
def test_whoever_showed_fewer_than_three_fingers_gets_the_floor_first(rule, settings):
    room = Domain(names=("Ann", "Bob", "Cid"))
    ann, bob, cid = (room.ids[n] for n in ("Ann", "Bob", "Cid"))
    pia = room.join("Pia", "product")  # the decider
    room.do(FAC, "go_to_phase", phase="propose")
    proposed = room.do(ann, "propose_goal", level="vision", title="Feel strong")
    room.do(FAC, "go_to_phase", phase="decide")
    opened = room.do(
        FAC,
        "open_ballot",
        proposal_ids=[proposed[0]["proposal"]["id"]],
        rule=rule,
        rule_reason="a quick check",
        settings=settings,
    )
    ballot = opened[0]["ballot"]["id"]
    for person, fingers in ((ann, 4), (bob, 2), (cid, 1), (pia, 5)):
        room.do(person, "cast_vote", ballot_id=ballot, vote={"value": fingers})
    outcome = [e for e in close_and_reveal(room, ballot) if e["type"] != "ballot_closed"][1:]
    assert outcome[0] == {
        "type": "queue_prioritized",
        "participant_ids": [cid, bob],
        "at": room.now,
    }
    assert outcome[1]["type"] == "floor_granted" and room.holder() == cid
    assert room.floor()["queue"] == [bob]


# -- whoever is away is passed over, and keeps their place ------------------------------------


def test_someone_away_keeps_their_hand_up_but_the_floor_goes_to_the_next_here():
    """Bob's laptop died with his hand up: the floor went to him, his time-box ran out and
    was booked to him as a turn; the screen showed "Next Bob Cat"."""
    room = Domain(names=("Ann", "Bob", "Cat"))
    bob, cat = room.ids["Bob"], room.ids["Cat"]
    room.do(bob, "raise_hand")
    room.do(cat, "raise_hand")
    room.absent.add(bob)
    shown = room.floor()
    assert shown["queue"] == [cat, bob] and shown["next"] == cat and shown["up_next"] == [cat]
    assert shown["away"] == [bob]
    granted = room.do(FAC, "grant_floor")[-1]
    assert granted["turn"]["participant_id"] == cat and granted["passed_over"] == [bob]
    room.do(cat, "end_turn")
    assert room.holder() is None and room.state.floor.queue == [bob]  # his place is kept
    refusal = refused(room, FAC, "grant_floor")
    assert "Bob is away" in refusal
    room.absent.discard(bob)
    assert room.floor()["next"] == bob
    room.do(FAC, "grant_floor")
    assert room.holder() == bob


@pytest.mark.parametrize("ending", ["expire", "skip_turn", "end_turn"])
def test_a_turn_ended_while_its_holder_is_away_counts_as_any_other(ending):
    """A speaker whose phone dropped keeps the floor (phones come back in seconds, and a
    speaker in the room goes on speaking whatever their phone or the server does): the turn
    ends and counts as any other."""
    room = Domain(names=("Ann", "Bob"))
    ann, bob = room.ids["Ann"], room.ids["Bob"]
    room.do(FAC, "set_time_box", seconds=30)
    room.do(FAC, "grant_floor", participant_id=bob)
    room.do(ann, "raise_hand")
    room.absent.add(bob)
    assert room.holder() == bob and room.floor()["away"] == [bob]
    turn = room.state.floor.holder.id
    room.advance(40)
    if ending == "expire":
        room.do("system", "expire_turn", turn_id=turn)
    else:
        room.do(FAC, ending)
    ended = next(e for e in room.log if e["type"] == "turn_ended")
    assert ended["how"] == {"expire": "expired", "skip_turn": "skipped"}.get(ending, "ended")
    assert room.state.floor.seconds[bob] == 30 and room.state.floor.turns[bob] == 1
    assert room.holder() == ann


def test_a_round_passes_over_whoever_is_away_and_asks_them_once_back():
    room = Domain(names=("Ann", "Bob", "Cat", "Dan"))
    ann, bob, cat, dan = (room.ids[n] for n in ("Ann", "Bob", "Cat", "Dan"))
    room.do(FAC, "start_round")
    room.absent.add(bob)
    assert room.floor()["up_next"] == [cat, dan] and room.floor()["away"] == [bob]
    room.do(ann, "end_turn")
    assert room.holder() == cat and room.log[-1]["passed_over"] == [bob]
    room.absent.discard(bob)  # back: the round asks him now, his place having passed
    assert room.floor()["up_next"] == [bob, dan]
    room.do(cat, "end_turn")
    assert room.holder() == bob
    room.absent.add(dan)
    room.do(bob, "pass_turn")  # the round has nobody here left to ask
    ended = room.log[-1]
    assert ended["type"] == "round_ended" and ended["away"] == [dan]
    rounds = record_floor.floor(room.state, room.log)["rounds"]
    assert [r["how"] for r in rounds[0]["responses"]] == ["yielded", "passed", "yielded", "away"]


def test_the_round_asks_the_holder_of_a_queue_turn_in_their_place():
    """Ann spoke from the queue when the round (Ann, Bob, Cat, Dan) started: the screen showed
    "Next Bob Cat Dan", and the round served Bob, Ann, Cat, Dan."""
    room = Domain(names=("Ann", "Bob", "Cat", "Dan"))
    ids = [room.ids[n] for n in ("Ann", "Bob", "Cat", "Dan")]
    room.do(ids[0], "raise_hand")
    room.do(FAC, "grant_floor")
    room.do(FAC, "start_round")
    shown = room.floor()
    assert shown["up_next"] == ids and shown["next"] == ids[0]
    assert shown["holder"]["answers_round"] is False
    served = []
    while room.state.floor.round is not None:
        room.do(FAC, "end_turn")
        if room.holder():
            served.append(room.holder())
    assert served == ids
    rounds = record_floor.floor(room.state, room.log)["rounds"]
    assert [r["how"] for r in rounds[0]["responses"]] == ["ended"] * 4  # the queue turn is not


def test_a_round_turn_leaves_a_raised_hand_up_for_the_discussion():
    """Cat raised her hand to speak in the discussion, a round ran, she passed: her hand was
    gone, silently."""
    room = Domain(names=("Ann", "Cat"))
    ann, cat = room.ids["Ann"], room.ids["Cat"]
    room.do(cat, "raise_hand")
    room.do(FAC, "start_round")
    room.do(ann, "end_turn")
    assert room.holder() == cat and room.state.floor.queue == [cat]
    room.do(cat, "pass_turn")
    assert room.state.floor.round is None and room.state.floor.queue == [cat]
    assert room.floor()["next"] == cat


@pytest.mark.parametrize("command", ["end_turn", "skip_turn", "extend_turn"])
def test_a_button_pressed_for_a_turn_that_ended_changes_nothing(command):
    """End, Skip and +time pressed at 0:00 hit the next speaker: Bob lost his turn after
    0.05 s and it counted as a turn."""
    room = Domain(names=("Ann", "Bob"))
    ann, bob = room.ids["Ann"], room.ids["Bob"]
    room.do(FAC, "set_time_box", seconds=10)
    room.do(ann, "raise_hand")
    room.do(bob, "raise_hand")
    first = room.do(FAC, "grant_floor")[-1]["turn"]["id"]
    room.advance(10)
    room.do("system", "expire_turn", turn_id=first)
    seq = room.state.seq
    message = refused(room, FAC, command, turn_id=first)
    assert f"turn '{first}' has ended already" in message and "Bob holds the floor" in message
    assert room.state.seq == seq and room.holder() == bob
    room.do(FAC, command, turn_id=room.state.floor.holder.id)  # the current one: done


def test_passing_is_refused_on_a_turn_that_is_not_the_rounds():
    """Dan spoke 3 s from the queue, a round started, he pressed Pass: airtime 3 s, 0 turns,
    listed as silent, "passed" in the minutes, and the round asked him again."""
    room = Domain(names=("Ann", "Dan"))
    dan = room.ids["Dan"]
    room.do(dan, "raise_hand")
    room.do(FAC, "grant_floor")
    room.do(FAC, "start_round")
    room.advance(3)
    assert "not a turn in the round" in refused(room, dan, "pass_turn")
    room.do(dan, "end_turn")
    assert room.state.floor.turns[dan] == 1 and room.state.floor.seconds[dan] == 3
    assert room.holder() == room.ids["Ann"]


def refused(room: Domain, actor: str, command: str, **payload: object) -> str:
    """The message of a refused command; nothing is applied."""
    with pytest.raises(WorkshopError) as refusal:
        room.do(actor, command, **payload)
    return refusal.value.message


FLOOR_STEPS = st.lists(
    st.tuples(
        st.sampled_from(
            ["raise", "leave", "back", "round", "grant", "end", "skip", "expire", "pass", "yield"]
        ),
        st.integers(0, 4),
    ),
    max_size=30,
)


@given(steps=FLOOR_STEPS)
def test_whoever_is_shown_next_gets_the_floor_and_nobody_away_does(steps):
    """For any mix of hands, rounds, people leaving and coming back and turns ending: the
    floor goes to the `next` shown, never to someone away, and the log replays to the same
    floor."""
    room = Domain(names=tuple(NAMES[:5]))
    pids = [room.ids[name] for name in NAMES[:5]]
    room.do(FAC, "set_time_box", seconds=30)
    for action, who in steps:
        shown, holder = room.floor(), room.state.floor.holder
        actions = {
            "raise": (pids[who], "raise_hand", {}),
            "round": (FAC, "start_round", {"seniors_last": who % 2 == 1}),
            "grant": (FAC, "grant_floor", {}),
            "end": (FAC, "end_turn", {}),
            "skip": (FAC, "skip_turn", {}),
            "pass": (holder.participant_id if holder else FAC, "pass_turn", {}),
            "yield": (holder.participant_id if holder else FAC, "end_turn", {}),
            "expire": ("system", "expire_turn", {"turn_id": holder.id if holder else "t0"}),
        }
        if action in ("leave", "back"):
            (room.absent.add if action == "leave" else room.absent.discard)(pids[who])
            continue
        if action == "expire":
            room.advance(30)
        before, logged = room.state.seq, len(room.log)
        try:
            room.do(*actions[action][:2], **actions[action][2])
        except WorkshopError:
            assert room.state.seq == before
            continue
        granted = [e for e in room.log[logged:] if e["type"] == "floor_granted"]
        moved_on = action not in ("raise", "round", "grant") and holder is not None
        if moved_on or action == "grant":
            assert room.holder() == shown["next"]
        if granted and granted[-1]["turn"]["kind"] != "direct":
            assert granted[-1]["turn"]["participant_id"] in room.present()
        room.advance(1)
    replayed = WorkshopState(id="w1")
    for item in room.log:
        apply(replayed, dict(item))
    assert replayed.floor == room.state.floor


def test_whoever_is_handed_the_facilitation_during_a_queue_turn_is_not_asked_in_the_round():
    room = Domain(names=("Ann", "Bob"))
    ann, bob = room.ids["Ann"], room.ids["Bob"]
    room.do(ann, "raise_hand")
    room.do(FAC, "grant_floor")
    room.do(FAC, "start_round")  # Ann's queue turn is not her answer: she is asked first
    room.do(FAC, "hand_over", participant_id=ann)
    assert room.holder() == bob and room.state.facilitator_id == ann
