"""The live engine through the service layer: rules' outcomes, floor, agenda, review."""

from __future__ import annotations

import pytest

from tests.chains import FITNESS
from tests.engine import Database, Room
from workshop.store import Store


@pytest.fixture
def strategy(database: Database) -> tuple[Room, list[str]]:
    room = Room(database, "strategizing")
    people = [room.join(n, r) for n, r in (("Pia", "product"), ("Tom", "team"), ("Una", "team"))]
    room.do(room.fac, "next_phase")
    return room, people


def test_ranked_choice_accepts_the_schulze_winner(strategy) -> None:
    room, (pia, tom, una) = strategy
    a = room.propose(pia, level="vision", title="Healthier lives")
    b = room.propose(tom, level="vision", title="Fitter teams")
    c = room.propose(una, level="vision", title="Happier people")
    room.do(room.fac, "go_to_phase", phase="decide")
    ballot = room.do(
        room.fac,
        "open_ballot",
        proposal_ids=[a, b, c],
        rule="ranked",
        rule_reason="three alternatives",
    )["ballot_id"]
    room.vote(
        ballot,
        {pia: {"ranking": [a, b, c]}, tom: {"ranking": [b, a, c]}, una: {"ranking": [a, c, b]}},
    )
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    assert room.state.chain.vision.statement == "Healthier lives"
    assert room.state.ballots[ballot].result["ranking"][0] == a


def test_dot_voting_ranks_without_accepting_and_enforces_the_budget(strategy) -> None:
    room, (pia, tom, una) = strategy
    ids = [room.propose(pia, level="vision", title=f"Vision {i}") for i in range(4)]
    room.do(room.fac, "go_to_phase", phase="decide")
    ballot = room.do(
        room.fac,
        "open_ballot",
        proposal_ids=ids,
        rule="dot",
        rule_reason="shortlist",
        settings={"dots": 2, "max_per_option": 1},
    )["ballot_id"]
    message = room.refused(
        tom, "cast_vote", "invalid_input", ballot_id=ballot, vote={"dots": {ids[0]: 2}}
    )
    assert "at most 1" in message
    room.vote(
        ballot,
        {
            pia: {"dots": {ids[0]: 1, ids[1]: 1}},
            tom: {"dots": {ids[1]: 1, ids[2]: 1}},
            una: {"dots": {ids[1]: 1, ids[3]: 1}},
        },
    )
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    result = room.state.ballots[ballot].result
    assert result["winner"] == ids[1] and result["passed"] is None
    assert room.state.chain.vision is None  # the facilitator takes the top ones forward


def test_anonymous_majority_shows_votes_without_voters(strategy) -> None:
    room, (pia, tom, una) = strategy
    vision = room.propose(pia, level="vision", title="Healthier lives")
    room.do(room.fac, "go_to_phase", phase="decide")
    ballot = room.do(
        room.fac,
        "open_ballot",
        proposal_ids=[vision],
        rule="majority",
        rule_reason="a sensitive choice",
        anonymous=True,
    )["ballot_id"]
    room.vote(
        ballot,
        {
            pia: {"choice": "agree"},
            tom: {"choice": "disagree", "reason": "too vague"},
            una: {"choice": "agree"},
        },
    )
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    shown = [b for b in room.view(room.fac)["ballots"] if b["id"] == ballot][0]
    assert shown["result"]["passed"] is True
    assert {v["voter"] for v in shown["votes"]} == {"voter 1", "voter 2", "voter 3"}
    assert not {pia, tom, una} & set(str(shown["result"]) + str(shown["votes"]))
    refused = room.refused(
        room.fac,
        "open_ballot",
        "invalid_input",
        proposal_ids=[room.propose(tom, level="user", title="Lose weight")],
        rule="consent",
        rule_reason="x",
        anonymous=True,
    )
    assert "cannot be anonymous" in refused


def test_votes_stay_secret_until_the_reveal(strategy) -> None:
    room, (pia, tom, una) = strategy
    vision = room.propose(pia, level="vision", title="Healthier lives")
    room.do(room.fac, "go_to_phase", phase="decide")
    ballot = room.do(room.fac, "open_ballot", proposal_ids=[vision])["ballot_id"]
    room.vote(ballot, {pia: {"choice": "agree"}, tom: {"choice": "disagree"}})
    for person in (room.fac, pia, tom, una):
        view = [b for b in room.view(person)["ballots"] if b["id"] == ballot][0]
        assert (
            "votes" not in view and view["turnout"] == 2 and "result" not in str(view.get("result"))
        )
        assert view.get("my_vote") == {pia: {"choice": "agree"}, tom: {"choice": "disagree"}}.get(
            person
        )
    assert [b for b in room.view(room.fac)["ballots"] if b["id"] == ballot][0]["not_voted"] == [una]
    room.do(room.fac, "close_ballot", ballot_id=ballot)
    room.refused(una, "cast_vote", "conflict", ballot_id=ballot, vote={"choice": "agree"})
    room.do(room.fac, "reveal_ballot", ballot_id=ballot)
    assert room.state.proposals[vision].status == "rejected"


def test_consent_objection_ruled_not_paramount_lets_the_goal_pass(strategy) -> None:
    room, (pia, tom, una) = strategy
    vision = room.propose(pia, level="vision", title="Healthier lives")
    room.do(room.fac, "go_to_phase", phase="decide")
    opened = room.do(
        room.fac, "open_ballot", proposal_ids=[vision], rule="consent", rule_reason="x"
    )
    assert [e["type"] for e in opened["events"]] == [
        "ballot_opened",
        "round_started",
        "floor_granted",
    ]
    ballot = opened["ballot_id"]
    room.refused(tom, "cast_vote", "invalid_input", ballot_id=ballot, vote={"choice": "objection"})
    room.vote(
        ballot,
        {
            pia: {"choice": "consent"},
            tom: {"choice": "objection", "reason": "I prefer mine"},
            una: {"choice": "concern", "reason": "wording"},
        },
    )
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    assert room.state.proposals[vision].status == "proposed"  # objections are tested first
    room.do(
        room.fac,
        "rule_objection",
        ballot_id=ballot,
        voter=tom,
        stands=False,
        reason="a preference, not harm to the aim",
    )
    assert room.state.chain.vision.statement == "Healthier lives"
    result = room.state.ballots[ballot].result
    assert result["passed"] is True and result["concerns"][0]["voter"] == una


def decider_ballot(room: Room, author: str, advice: str) -> tuple[str, str]:
    """A vision proposed by `author`, put to the decider with advice by `advice`."""
    vision = room.propose(author, level="vision", title="Healthier lives")
    room.do(room.fac, "go_to_phase", phase="decide")
    ballot = room.do(
        room.fac,
        "open_ballot",
        proposal_ids=[vision],
        rule="decider",
        rule_reason="the team delegates",
        settings={"advisory_rule": advice},
    )["ballot_id"]
    return vision, ballot


def test_decider_decides_after_the_advice_is_shown(strategy) -> None:
    room, (pia, tom, una) = strategy
    vision, ballot = decider_ballot(room, tom, "majority")
    room.vote(
        ballot, {pia: {"choice": "agree"}, tom: {"choice": "agree"}, una: {"choice": "disagree"}}
    )
    room.refused(pia, "record_decision", "conflict", ballot_id=ballot, passed=True, rationale="x")
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    room.refused(tom, "record_decision", "forbidden", ballot_id=ballot, passed=True, rationale="x")
    room.refused(pia, "record_decision", "invalid_input", ballot_id=ballot, passed=True)
    room.do(pia, "record_decision", ballot_id=ballot, passed=True, rationale="advice was 2 to 1")
    assert room.state.chain.vision.decided["rule"] == "decider"
    room.do(room.fac, "delegate_decider", participant_id=una)
    assert room.view(una)["me"]["is_decider"] is True


def test_fist_of_five_gives_the_floor_to_the_lowest_first(database: Database) -> None:
    room = Room(database, "sprint_planning", FITNESS)
    pia, tom, una = (
        room.join(n, r) for n, r in (("Pia", "product"), ("Tom", "team"), ("Una", "team"))
    )
    room.do(room.fac, "next_phase")
    goal = room.propose(tom, level="sprint", title="Sync two scales", parents=["P1"])
    room.do(room.fac, "go_to_phase", phase="decide")
    ballot = room.do(
        room.fac, "open_ballot", proposal_ids=[goal], rule="fist_of_five", rule_reason="a check"
    )["ballot_id"]
    room.vote(ballot, {pia: {"value": 4}, tom: {"value": 2}, una: {"value": 1}})
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    assert room.state.floor.holder.participant_id == una
    assert room.state.floor.queue == [tom]
    assert room.state.proposals[goal].status == "rejected"


def test_time_box_expires_on_the_server_clock_and_the_floor_moves_on(strategy) -> None:
    room, (pia, tom, una) = strategy
    room.do(room.fac, "set_time_box", seconds=60)
    room.do(tom, "raise_hand")
    room.do(una, "raise_hand")
    room.do(room.fac, "grant_floor")
    room.clock.advance(30)
    assert room.service.run_timers() == 0
    room.do(room.fac, "extend_turn", seconds=60)
    room.clock.advance(60)
    assert room.service.run_timers() == 0
    room.clock.advance(31)
    assert room.service.run_timers() == 1
    assert room.state.floor.holder.participant_id == una
    ended = room.events("turn_ended")[-1]
    assert (
        ended["how"] == "expired" and ended["seconds"] == 120
    )  # its deadline, not when the timer looked
    assert room.service.run_timers() == 0  # a timer runs once


def test_a_due_deadline_goes_to_one_process_until_its_claim_lapses(database: Database) -> None:
    """Two processes' handles on one database (timers run once across processes)."""
    one, two = database.open(), database.open()

    def claim(store: Store, now: float, holder: str) -> list[str]:
        with store.transaction():
            return store.claim_due(now, holder, now + 10)

    with one.transaction():
        one.set_deadline("w1", 100.0)
    assert claim(one, 99.0, "one") == []  # not due yet
    assert claim(one, 100.0, "one") == ["w1"]
    assert claim(two, 105.0, "two") == []  # the first one runs it
    with two.transaction():
        two.set_deadline("w1", 100.0)  # another command of the session: the same deadline
    assert claim(two, 109.0, "two") == []
    assert claim(one, 109.0, "one") == ["w1"]  # a process may try its own claim again
    assert claim(two, 120.0, "two") == ["w1"]  # the first one died: its claim lapsed
    with two.transaction():
        two.set_deadline("w1", 200.0)  # it ran: the next deadline is claimed afresh
    assert claim(one, 200.0, "one") == ["w1"]


def test_progressive_stack_gives_the_floor_to_the_least_heard(strategy) -> None:
    room, (pia, tom, una) = strategy
    room.do(room.fac, "grant_floor", participant_id=tom)
    room.clock.advance(90)
    room.do(tom, "end_turn")
    room.do(room.fac, "set_queue_mode", mode="progressive")
    room.do(tom, "raise_hand")
    room.do(pia, "raise_hand")
    room.do(room.fac, "grant_floor")
    assert room.state.floor.holder.participant_id == pia


def test_one_two_four_all_forms_groups_and_moves_on_by_the_clock(database: Database) -> None:
    room = Room(database)
    people = [room.join(f"P{i}", "team") for i in range(6)]
    plan = room.do(room.fac, "start_1_2_4_all", seed=7)["events"][0]["plan"]
    assert [stage["name"] for stage in plan] == ["alone", "pairs", "foursomes", "all"]
    assert sorted(sum(plan[1]["groups"], [])) == sorted(people)
    for seconds, stage in ((60, 1), (120, 2), (240, 3)):
        room.clock.advance(seconds)
        room.service.run_timers()
        assert room.state.floor.structure.stage == stage
    room.clock.advance(300)
    room.service.run_timers()
    assert room.state.floor.structure is None


def test_closing_the_workshop_ends_a_running_one_two_four_all(database: Database) -> None:
    """A 1-2-4-All ran on past the close: the console kept counting down a stage nobody did."""
    room = Room(database)
    for i in range(4):
        room.join(f"P{i}", "team")
    room.do(room.fac, "start_1_2_4_all", seed=7)
    closed = room.do(room.fac, "go_to_phase", phase="close")["events"]
    assert [e["type"] for e in closed][:2] == ["phase_changed", "structure_ended"]
    assert room.state.floor.structure is None
    room.clock.advance(60)
    room.service.run_timers()
    assert room.state.floor.structure is None and room.state.phase == "close"


def test_closing_the_workshop_lowers_every_hand_still_raised(database: Database) -> None:
    """Hands raised at the close stayed in the queue: the console still offered to give the
    floor to the next and the room screen named who was next, after the workshop ended."""
    room = Room(database)
    ann, bob, cid = (room.join(name, "team") for name in ("Ann", "Bob", "Cid"))
    for person in (ann, bob, cid):
        room.do(person, "raise_hand")
    room.do(room.fac, "grant_floor")
    assert room.state.floor.holder.participant_id == ann and room.state.floor.queue == [bob, cid]
    closed = room.do(room.fac, "go_to_phase", phase="close")["events"]
    lowered = [e["participant_id"] for e in closed if e["type"] == "hand_lowered"]
    assert lowered == [bob, cid]
    assert room.state.floor.holder is None and room.state.floor.queue == []


def test_merge_and_withdraw_and_no_proposals_while_a_ballot_is_open(strategy) -> None:
    room, (pia, tom, una) = strategy
    a = room.propose(pia, level="vision", title="Healthier lives")
    b = room.propose(tom, level="vision", title="Healthy lives")
    c = room.propose(una, level="vision", title="Something else")
    room.refused(tom, "withdraw_proposal", "forbidden", proposal_id=c)
    room.do(una, "withdraw_proposal", proposal_id=c)
    room.do(room.fac, "merge_proposals", into=a, merge=[b])
    assert room.state.proposals[b].status == "merged"
    room.do(room.fac, "go_to_phase", phase="decide")
    room.do(room.fac, "open_ballot", proposal_ids=[a])
    room.refused(pia, "propose_goal", "conflict", level="vision", title="Late idea")
    room.refused(room.fac, "open_ballot", "conflict", proposal_ids=[a])


def test_hand_over_makes_another_person_facilitator(strategy) -> None:
    room, (pia, tom, una) = strategy
    room.do(room.fac, "hand_over", participant_id=una)
    assert room.view(una)["me"]["role"] == "facilitator"
    room.refused(room.fac, "next_phase", "forbidden")
    room.do(una, "next_phase")
    room.refused(una, "raise_hand", "forbidden")


def test_agenda_can_be_reordered_skipped_and_closed(strategy) -> None:
    room, (pia, _tom, _una) = strategy
    room.do(room.fac, "reorder_agenda", agenda=["check_in", "propose", "decide", "close"])
    room.do(room.fac, "skip_phase")
    assert room.state.phase == "close"
    room.refused(pia, "raise_hand", "conflict")
    room.do(room.fac, "go_to_phase", phase="decide")
    assert [p["phase"] for p in room.state.phase_log] == ["check_in", "propose", "close", "decide"]


def test_no_phase_after_the_last_is_said_in_words(strategy) -> None:
    """ "the agenda has no phase 2 after this one"."""
    room, _team = strategy
    room.do(room.fac, "reorder_agenda", agenda=["check_in", "propose"])
    room.do(room.fac, "go_to_phase", phase="check_in")
    assert room.refused(room.fac, "skip_phase", "conflict") == (
        "the agenda has no phase after the next one"
    )
    room.do(room.fac, "next_phase")
    assert room.refused(room.fac, "next_phase", "conflict") == (
        "the agenda has no phase after this one"
    )


def test_a_decider_ballot_follows_the_decider_and_never_loses_them(strategy) -> None:
    """Delegated during a decider ballot, the ballot's record still named the old decider;
    handed the facilitation, the decider of an open decider ballot left it with nobody to
    decide."""
    room, (pia, tom, una) = strategy
    vision = room.propose(tom, level="vision", title="Healthier lives")
    room.do(room.fac, "go_to_phase", phase="decide")
    advice = {"rule": "decider", "rule_reason": "r", "electorate": [tom, una]}  # Pia away
    ballot = room.do(room.fac, "open_ballot", proposal_ids=[vision], **advice)["ballot_id"]
    refused = room.refused(room.fac, "hand_over", "conflict", participant_id=pia)
    assert "will wait for their decision as the decider" in refused
    room.do(room.fac, "delegate_decider", participant_id=tom)
    assert room.state.ballots[ballot].settings["decider"] == tom
    room.vote(ballot, {tom: {"choice": "consent"}, una: {"choice": "consent"}})
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    room.do(tom, "record_decision", ballot_id=ballot, passed=True, rationale="the advice agrees")
    assert room.state.ballots[ballot].settings["decider"] == tom


def test_review_session_reports_changes_against_its_input(database: Database) -> None:
    room = Room(database, "review", FITNESS)
    pia, tom = room.join("Pia", "product"), room.join("Tom", "team")
    room.do(
        room.fac, "record_kpi", goal_id="P1", metric="synced users", value=320, date="2027-01-15"
    )
    room.do(room.fac, "go_to_phase", phase="propose")
    retire = room.propose(pia, change="retire", target="B1")
    amend = room.propose(tom, change="amend", target="P1", due="2027-06-30")
    assert room.state.proposals[amend].title == "Smart scale sync"
    room.do(room.fac, "go_to_phase", phase="decide")
    for proposal in (retire, amend):
        ballot = room.do(room.fac, "open_ballot", proposal_ids=[proposal])["ballot_id"]
        room.vote(ballot, {pia: {"choice": "consent"}, tom: {"choice": "consent"}})
        room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    report = room.view(pia)["review"]
    assert report["retired"] == ["B1"]
    assert report["changed"] == [{"goal_id": "P1", "fields": ["due"]}]
    assert report["kpis_without_owner"] == [{"goal_id": "P1", "metric": "synced users"}]
    assert report["kpi_readings"][0]["value"] == 320
    metric = [g for g in room.view(pia)["chain"]["goals"] if g["id"] == "P1"][0]["metrics"][0]
    assert metric["readings"] == [{"at": "2027-01-15", "value": 320}]


def test_an_achieve_or_retire_proposal_is_titled_by_its_goal_not_its_id(
    database: Database,
) -> None:
    """People read titles, not ids: "Mark ‘Smart scale sync’ achieved", never "Mark P1 achieved";
    a goal title at the length limit still makes a title within it."""
    long_title = ("Smart " + "scale " * 32)[:196] + "sync"
    assert len(long_title) == 200  # the most a title may be, in a chain file as typed
    chain = {**FITNESS, "goals": [*FITNESS["goals"]]}
    chain["goals"].append({**FITNESS["goals"][2], "id": "P2", "title": long_title})
    room = Room(database, "review", chain)
    pia = room.join("Pia", "product")
    room.do(room.fac, "go_to_phase", phase="propose")
    titles = {
        target: room.state.proposals[room.propose(pia, change=change, target=target)].title
        for change, target in (("achieve", "P1"), ("retire", "B1"), ("achieve", "P2"))
    }
    assert titles["P1"] == "Mark ‘Smart scale sync’ achieved"
    assert titles["B1"] == "Retire ‘Open a new revenue source’"
    shortened = titles["P2"]
    assert shortened.startswith("Mark ‘Smart scale scale") and shortened.endswith("…’ achieved")
    assert len(shortened) == 200
    named = room.propose(pia, change="achieve", target="U1", title="Weight goal reached")
    assert room.state.proposals[named].title == "Weight goal reached"


def test_roadmapping_refuses_a_vote_on_an_unready_product_goal(database: Database) -> None:
    room = Room(database, "roadmapping", FITNESS)
    pia = room.join("Pia", "product")
    room.do(room.fac, "next_phase")
    bare = room.propose(pia, level="product", title="Social sharing", parents=["B1"])
    assert "no metric" in " ".join(room.view(pia)["proposals"][0]["advice"])
    room.do(room.fac, "go_to_phase", phase="decide")
    message = room.refused(room.fac, "open_ballot", "conflict", proposal_ids=[bare])
    assert "a metric" in message and "a date" in message
    room.refused(pia, "propose_goal", "invalid_input", level="product", title="x", parents=["V1"])
    # One that serves nothing says so on its card, before anyone tries to vote on it.
    orphan = room.propose(pia, level="product", title="Meal planner")
    (card,) = [p for p in room.view(room.fac)["proposals"] if p["id"] == orphan]
    assert "serves no goal yet: it needs one before a vote" in card["advice"]


def test_a_sprint_has_one_goal(database: Database) -> None:
    room = Room(database, "sprint_planning", FITNESS)
    pia, tom = room.join("Pia", "product"), room.join("Tom", "team")
    room.do(room.fac, "next_phase")
    first = room.propose(tom, level="sprint", title="Sync two scales", parents=["P1"])
    second = room.propose(pia, level="sprint", title="Also a dashboard", parents=["P1"])
    room.do(room.fac, "go_to_phase", phase="decide")
    ballot = room.do(room.fac, "open_ballot", proposal_ids=[first])["ballot_id"]
    room.vote(ballot, {pia: {"choice": "consent"}, tom: {"choice": "consent"}})
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    message = room.refused(room.fac, "open_ballot", "conflict", proposal_ids=[second])
    assert "one goal per sprint" in message
    # Its author reads why on the card, rather than it staying proposed without a word.
    (card,) = [p for p in room.view(pia)["proposals"] if p["id"] == second]
    assert (
        "this sprint has its goal already (“Sync two scales”): it cannot go to a vote"
        in (card["advice"])
    )
