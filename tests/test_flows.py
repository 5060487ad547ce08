"""Turn and proposal flows against the real server, with real Socket.IO clients."""

from __future__ import annotations

import json

import pytest

from tests.live import Person, host, seat
from tests.test_screen import screen_token


def consent_ballot(fac, author, **extra: object) -> str:
    """A vision by `author`, put to a consent ballot of everyone present."""
    fac.ok("go_to_phase", phase="propose")
    vision = author.ok("propose_goal", level="vision", title="Feel strong")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    reason = "everyone must be able to live with it"
    return fac.ok(
        "open_ballot", proposal_ids=[vision], rule="consent", rule_reason=reason, **extra
    )["ballot_id"]


def test_the_queue_shown_under_the_progressive_stack_is_the_order_served(server, people):
    session, fac = host(server, people)
    tom, raj = seat(server, session, people, ("Tom", "team"), ("Raj", "team"))
    fac.ok("grant_floor", participant_id=tom.id)
    tom.ok("end_turn")
    fac.ok("set_queue_mode", mode="progressive")
    tom.ok("raise_hand")
    raj.ok("raise_hand")
    for person in (tom, raj, fac):
        floor = person.fresh_state()["floor"]
        assert floor["queue"] == [raj.id, tom.id] and floor["next"] == raj.id
    fac.ok("grant_floor")
    granted = tom.wait_event("floor_granted", lambda e: e["turn"]["kind"] == "queue")
    assert granted["turn"]["participant_id"] == raj.id


def test_a_round_started_while_a_hand_has_the_floor_still_asks_that_speaker_in_turn(server, people):
    """Sam (a stakeholder) had raised his hand and has the floor when the facilitator starts
    a round, seniors last. His turn was not the round's: once it ends, the round serves its
    order as shown, Sam in his place, last."""
    session, fac = host(server, people)
    pia, tom, sam = seat(
        server, session, people, ("Pia", "product"), ("Tom", "team"), ("Sam", "stakeholder")
    )
    sam.ok("raise_hand")
    fac.ok("grant_floor")
    order = fac.ok("start_round", seniors_last=True)["events"][0]["round"]["order"]
    assert order[0] == tom.id and set(order) == {pia.id, tom.id, sam.id}
    speakers = {person.id: person for person in (pia, tom, sam)}
    sam.ok("end_turn")
    served = []
    for _ in order:
        holder = fac.fresh_state()["floor"]["holder"]
        assert holder is not None and holder["kind"] == "round"
        served.append(holder["participant_id"])
        speakers[holder["participant_id"]].ok("end_turn")
    assert served == order
    assert fac.fresh_state()["floor"]["round"] is None


def test_whoever_is_handed_the_facilitation_mid_round_gives_up_the_floor_and_their_turn(
    server, people
):
    """A facilitator is neutral and takes no turns: Tom, handed the role while he spoke in a
    round, kept the floor, and the round would have asked him again."""
    session, fac = host(server, people)
    ann, tom, una = seat(server, session, people, ("Ann", "team"), ("Tom", "team"), ("Una", "team"))
    order = fac.ok("start_round")["events"][0]["round"]["order"]
    assert order == [ann.id, tom.id, una.id]
    ann.ok("end_turn")
    assert fac.fresh_state()["floor"]["holder"]["participant_id"] == tom.id
    handed = fac.ok("hand_over", participant_id=tom.id)["events"]
    assert [e["type"] for e in handed] == [
        "turn_ended",
        "floor_granted",
        "facilitation_handed_over",
    ]
    floor = tom.fresh_state()["floor"]
    assert floor["holder"]["participant_id"] == una.id and floor["next"] is None
    una.ok("end_turn")
    assert tom.fresh_state()["floor"]["round"] is None  # nobody left to ask: Tom facilitates


def test_the_consent_round_ends_with_its_ballot_and_books_the_floor_held(server, people):
    session, fac = host(server, people)
    ann, bob, cid = seat(server, session, people, ("Ann", "team"), ("Bob", "team"), ("Cid", "team"))
    fac.ok("set_time_box", seconds=1)
    ballot = consent_ballot(fac, ann)
    fac.ok("set_time_box", seconds=600)  # Ann's turn runs out soon; Bob's next one will not
    state = fac.fresh_state()
    assert state["floor"]["round"]["ballot_id"] == ballot
    assert state["floor"]["holder"]["participant_id"] == ann.id
    # Ann neither votes nor speaks up: the server's timer hands the floor on.
    ran_out = bob.wait_event("turn_ended", lambda e: e["participant_id"] == ann.id)
    assert (ran_out["how"], ran_out["seconds"]) == ("unanswered", 1.0)
    bob.wait_event("floor_granted", lambda e: e["turn"]["participant_id"] == bob.id)
    closed = fac.ok("close_ballot", ballot_id=ballot, reveal=True)
    assert [item["type"] for item in closed["events"]][:3] == [
        "ballot_closed",
        "turn_ended",
        "round_ended",
    ]
    cut = closed["events"][1]
    assert (cut["participant_id"], cut["how"]) == (bob.id, "unanswered")
    cid.wait_event("round_ended")
    state = cid.fresh_state()
    assert state["floor"]["round"] is None and state["floor"]["holder"] is None
    assert state["floor"]["next"] is None  # nothing left to hand the floor on
    # The floor each held is their airtime, in the state and in the minutes alike.
    rows = {row["participant_id"]: row for row in fac.fresh_state()["airtime"]["rows"]}
    assert (rows[ann.id]["seconds"], rows[ann.id]["turns"]) == (1.0, 1)
    assert (rows[bob.id]["seconds"], rows[bob.id]["turns"]) == (cut["seconds"], 1)
    assert (rows[cid.id]["seconds"], rows[cid.id]["turns"]) == (0.0, 0)
    minutes = server.export(session, "minutes", format="json").json()
    assert {row["participant_id"]: row for row in minutes["airtime"]["rows"]} == rows


def test_a_round_turn_its_time_box_ends_counts_as_airtime(server, people):
    session, fac = host(server, people)
    ann, bob = seat(server, session, people, ("Ann", "team"), ("Bob", "team"))
    fac.ok("set_time_box", seconds=1)
    fac.ok("start_round", purpose="present")
    fac.ok("set_time_box", seconds=600)  # Ann's turn runs out soon; Bob's will not
    ran_out = bob.wait_event("turn_ended", lambda e: e["participant_id"] == ann.id)
    assert (ran_out["how"], ran_out["seconds"]) == ("unanswered", 1.0)
    bob.wait_event("floor_granted", lambda e: e["turn"]["participant_id"] == bob.id)
    rows = {row["participant_id"]: row for row in fac.fresh_state()["airtime"]["rows"]}
    assert (rows[ann.id]["seconds"], rows[ann.id]["turns"], rows[ann.id]["share"]) == (1.0, 1, 1.0)
    assert ann.id not in fac.fresh_state()["airtime"]["silent"]
    minutes = server.export(session, "minutes").text
    assert "| Ann | 1.0 s | 1 |" in minutes


def test_in_a_consent_round_each_vote_is_the_voters_answer(server, people):
    session, fac = host(server, people)
    ann, bob, cid = seat(server, session, people, ("Ann", "team"), ("Bob", "team"), ("Cid", "team"))
    ballot = consent_ballot(fac, ann)
    consent = {"choice": "consent"}
    early = cid.ok("cast_vote", ballot_id=ballot, vote=consent)  # before the round reaches her
    assert [e["type"] for e in early["events"]] == ["vote_cast", "voted_in_round"]
    assert fac.fresh_state()["floor"]["holder"]["participant_id"] == ann.id
    answered = ann.ok("cast_vote", ballot_id=ballot, vote=consent)
    ended = [e for e in answered["events"] if e["type"] == "turn_ended"]
    assert [(e["participant_id"], e["how"]) for e in ended] == [(ann.id, "voted")]
    bob.wait_event("floor_granted", lambda e: e["turn"]["participant_id"] == bob.id)
    round_ = bob.fresh_state()["floor"]["round"]
    assert round_["done"] == round_["voted"] == [cid.id, ann.id] and round_["passed"] == []
    assert bob.fresh_state()["floor"]["next"] is None  # Cid answered already: not asked again
    bob.ok("cast_vote", ballot_id=ballot, vote={"choice": "concern", "reason": "Slow contracts"})
    cid.wait_event("round_ended")
    closed = fac.ok("close_ballot", ballot_id=ballot, reveal=True)
    assert "turn_ended" not in [e["type"] for e in closed["events"]]  # no voter marked unanswered
    # Until the reveal the room heard who answered, never how.
    cid.wait_event("ballot_revealed")
    revealed_at = next(i for i, (name, _) in enumerate(cid.received) if name == "ballot_revealed")
    before = json.dumps(cid.received[:revealed_at])
    assert "concern" not in before and "Slow contracts" not in before
    minutes = server.export(session, "minutes").text
    rounds = minutes[minutes.index("### Rounds") : minutes.index("### Airtime")]
    assert "Ann voted, Bob voted, Cid voted" in rounds
    assert "no answer" not in minutes


def test_the_facilitator_is_named_as_they_said(server, people):
    session, fac = host(server, people, facilitator_name="Maya Lindqvist")
    (ann,) = seat(server, session, people, ("Ann", "team"))
    names = {p["id"]: p["name"] for p in ann.state["participants"]}
    assert names[fac.state["me"]["id"]] == "Maya Lindqvist"
    minutes = server.get(
        f"/api/sessions/{session['id']}/minutes", session["facilitator_token"], format="md"
    )
    assert "Facilitator: Maya Lindqvist" in minutes.text


def test_a_client_that_sends_no_facilitator_name_gets_the_default(server, people):
    session, fac = host(server, people)
    assert fac.state["me"]["name"] == "Facilitator"


@pytest.mark.parametrize(
    ("name", "problem"),
    [(["Maya"], "facilitator_name must be text"), ("<i>Maya</i>", "must be plain text")],
)
def test_a_bad_facilitator_name_is_refused_and_nothing_is_created(server, name, problem):
    body = {"kind": "strategizing", "title": "Named wrong", "facilitator_name": name}
    answer = server.post("/api/sessions", body)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_input"
    assert problem in answer.json()["error"]["message"]


def test_a_withdrawal_is_undone_and_the_room_sees_the_proposal_back(server, people):
    session, fac = host(server, people)
    ann, bob = seat(server, session, people, ("Ann", "team"), ("Bob", "team"))
    fac.ok("next_phase")
    proposal = ann.ok("propose_goal", level="vision", title="Feel strong")["proposal_id"]
    ann.ok("withdraw_proposal", proposal_id=proposal)
    bob.wait_event("proposal_withdrawn", lambda e: e["proposal_id"] == proposal)
    refused = bob.refused("restore_proposal", "forbidden", proposal_id=proposal)
    assert "only the author or the facilitator" in refused["message"]
    ack = ann.ok("restore_proposal", proposal_id=proposal)
    restored = bob.wait_event("proposal_restored", lambda e: e["proposal_id"] == proposal)
    assert restored["status"] == "proposed" and restored["seq"] == ack["seq"]
    shown = [p for p in bob.fresh_state()["proposals"] if p["id"] == proposal][0]
    assert (shown["status"], shown["title"], shown["withdrawn_from"]) == (
        "proposed",
        "Feel strong",
        None,
    )
    ann.refused("restore_proposal", "conflict", proposal_id=proposal)  # undone once is enough


def test_a_proposal_the_facilitator_withdraws_says_so_to_its_author_and_in_the_minutes(
    server, people
):
    """The facilitator withdrawing Ann's card told her nothing (it left her board), and the
    minutes said "withdrawn by its author"."""
    session, fac = host(server, people)
    (ann,) = seat(server, session, people, ("Ann", "team"))
    fac.ok("next_phase")
    proposal = ann.ok("propose_goal", level="vision", title="Feel strong")["proposal_id"]
    own = ann.ok("propose_goal", level="vision", title="Sleep well")["proposal_id"]
    fac.ok("withdraw_proposal", proposal_id=proposal)
    ann.ok("withdraw_proposal", proposal_id=own)
    facilitator = fac.fresh_state()["me"]
    told = ann.wait_event("proposal_withdrawn", lambda e: e["proposal_id"] == proposal)
    assert told["by"] == facilitator["id"]
    assert "by" not in ann.wait_event("proposal_withdrawn", lambda e: e["proposal_id"] == own)
    cards = {p["id"]: p for p in ann.fresh_state()["proposals"]}
    assert cards[proposal]["withdrawn_by"] == facilitator["id"]
    assert cards[own]["withdrawn_by"] is None
    minutes = server.export(session, "minutes").text
    assert f"- Status: withdrawn by {facilitator['name']}, not its author" in minutes
    assert "- Status: withdrawn by its author" in minutes
    fac.ok("restore_proposal", proposal_id=proposal)
    assert ann.fresh_state()["proposals"][0]["withdrawn_by"] is None


def test_hidden_texts_never_reach_another_participants_client(server, people):
    session, fac = host(server, people)
    ann, bob = seat(server, session, people, ("Ann", "team"), ("Bob", "team"))
    screen = Person(server, screen_token(server, session), "screen")  # the projector
    people.append(screen)
    fac.ok("next_phase")
    fac.ok("hide_texts")
    secret, typed = "Sleep nine hours a night", "Rested teams decide better"
    proposal = bob.ok("propose_goal", level="vision", title=secret)["proposal_id"]
    bob.ok("edit_proposal", proposal_id=proposal, description=typed)
    bob.ok("comment", proposal_id=proposal, text=f"{typed}, really")
    mine = ann.ok("propose_goal", level="vision", title="Walk every day")["proposal_id"]
    last = fac.wait_event("proposal_revised")["seq"]
    ann.wait_event("goal_proposed", lambda e: e["proposal"]["id"] == mine)
    fac.wait_event("comment_added")
    ann.wait_event("comment_added")
    screen.wait_event("comment_added")
    on_the_screen = json.dumps([screen.received, screen.fresh_state()])
    assert secret not in on_the_screen and typed not in on_the_screen

    # Everything Ann's client was sent, asked for or can fetch holds no word of Bob's text,
    # not even a refusal about his proposal.
    refused = ann.refused("withdraw_proposal", "forbidden", proposal_id=proposal)
    assert "this vision proposal" in refused["message"]
    caught_up = ann.ok("sync", since=0)
    over_http = server.get(f"/api/sessions/{session['id']}/state", ann.token).json()
    sent = json.dumps([ann.received, ann.fresh_state(), caught_up, over_http, refused])
    assert secret not in sent and typed not in sent
    assert "Walk every day" in sent  # her own text she sees
    cards = [p for p in ann.fresh_state()["proposals"] if p["id"] == proposal]
    assert cards[0]["hidden_text"] is True and "title" not in cards[0]
    minutes = server.get(f"/api/sessions/{session['id']}/minutes", ann.token, format="json")
    assert minutes.status_code == 409 and secret not in minutes.text
    assert minutes.json()["error"]["code"] == "conflict"
    # The facilitator, who does not propose, and Bob himself read it all.
    assert secret in json.dumps(fac.fresh_state()) and secret in json.dumps(bob.fresh_state())
    assert any(secret in json.dumps(data) for _, data in fac.received)
    assert (
        typed
        in server.get(f"/api/sessions/{session['id']}/minutes", session["facilitator_token"]).text
    )

    fac.ok("reveal_texts")
    ann.wait_event("texts_revealed", lambda e: e["seq"] > last)
    shown = [p for p in ann.fresh_state()["proposals"] if p["id"] == proposal][0]
    assert (shown["title"], shown["description"]) == (secret, typed)


def test_refusals_name_proposals_and_ballots_by_title_never_by_id(server, people):
    session, fac = host(server, people)
    (pia,) = seat(server, session, people, ("Pia", "product"))
    fac.ok("next_phase")
    vision = pia.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    user = pia.ok("propose_goal", level="user", title="Move more", parents=[vision])
    user = user["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    refusals = [fac.refused("open_ballot", "conflict", proposal_ids=[user])["message"]]
    ballot = fac.ok("open_ballot", proposal_ids=[vision])["ballot_id"]
    refusals.append(fac.refused("open_ballot", "conflict", proposal_ids=[user])["message"])
    refusals.append(fac.refused("settle_ballot", "conflict", ballot_id=ballot)["message"])
    refusals.append(pia.refused("withdraw_proposal", "conflict", proposal_id=vision)["message"])
    assert refusals == [
        "the proposal “Move more”: its parent “Healthier lives” is not an accepted goal yet",
        "the ballot on “Healthier lives” is still open; close it first",
        "the ballot on “Healthier lives” is open, not revealed",
        "the proposal “Healthier lives” is being voted on in the ballot on “Healthier lives”:"
        " close that ballot first",
    ]
    for message in refusals:
        assert vision not in message and ballot not in message


def test_a_proposal_serving_one_merged_away_serves_the_one_it_was_merged_into(server, people):
    """Its parent merged into a duplicate, the user goal was refused a ballot for ever ("its
    parent is not an accepted goal yet") until its author found and edited the parent."""
    session, fac = host(server, people, "strategizing")
    (pia,) = seat(server, session, people, ("Pia", "product"))
    fac.ok("next_phase")
    kept = pia.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    twin = pia.ok("propose_goal", level="vision", title="Healthy lives")["proposal_id"]
    child = pia.ok("propose_goal", level="user", title="Move more", parents=[twin])
    fac.ok("merge_proposals", into=kept, merge=[twin])
    shown = {p["id"]: p for p in pia.fresh_state()["proposals"]}
    assert shown[child["proposal_id"]]["parents"] == [kept]
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[kept])["ballot_id"]
    pia.ok("cast_vote", ballot_id=ballot, vote={"choice": "agree"})
    fac.ok("close_ballot", ballot_id=ballot, reveal=True)
    assert fac.ok("open_ballot", proposal_ids=[child["proposal_id"]])["ballot_id"]
