"""Remote stakeholder voting and draft review over plain HTTP, with no socket (issue 5)."""

from __future__ import annotations

import html
import re

import requests

from tests.chains import FITNESS
from tests.live import LiveServer, Person, host, poll, seat
from workshop import timezones

FORM_FIELD = re.compile(r'name="(csrf|cid)" value="([^"]+)"')


def form_fields(page: str, ballot_or_draft: str) -> dict:
    """The hidden fields of the form for one ballot or draft on a personal page."""
    fields = dict(FORM_FIELD.findall(page))
    fields["cid"] = f"{fields['cid'].rsplit('-', 1)[0]}-{ballot_or_draft}"
    return fields


def vote_by_form(server: LiveServer, link: str, ballot: str, form: dict) -> requests.Response:
    page = requests.get(server.url + link, timeout=10)
    assert page.status_code == 200, page.text
    body = {**form_fields(page.text, ballot), **form}
    return requests.post(f"{server.url}{link}/ballots/{ballot}", data=body, timeout=10)


def roadmap_session(
    server: LiveServer, people: list[Person], time_zone: str = "UTC", **goal: object
) -> tuple[dict, Person, str]:
    """A roadmapping session in which Pia proposed a product goal (`goal` adds fields)."""
    session, fac = host(server, people, "roadmapping", chain=FITNESS, time_zone=time_zone)
    (pia,) = seat(server, session, people, ("Pia", "product"))
    fac.ok("next_phase")
    return session, fac, product_goal(pia, "Smart scale sync", **goal)


def product_goal(author: Person, title: str, **goal: object) -> str:
    """A product goal ready for a vote (a parent, a metric, a date), proposed by `author`."""
    ready = {"parents": ["U1"], "metrics": [{"name": "synced users", "target": 500}]}
    shape = {"level": "product", "title": title, **ready, "due": "2027-Q2", **goal}
    return author.ok("propose_goal", **shape)["proposal_id"]


def send_to(fac: Person, proposal: str, *names: str) -> dict:
    """A remote ballot on the proposal for these newcomers, open for an hour."""
    return fac.ok(
        "send_remote_ballot", proposal_ids=[proposal], voters=list(names), deadline_seconds=3600
    )


def test_a_remote_ballot_that_closes_after_the_session_gets_its_ruling(
    server: LiveServer, people
) -> None:
    """The room's session closed while a remote consent ballot ran on: a remote objection
    left its verdict "awaiting the facilitator's ruling", and the ruling was refused ("the
    session is closed"): nobody could give it without reopening the session."""
    session, fac, proposal = roadmap_session(server, people)
    rita = send_to(fac, proposal, "Remote Rita")["invitations"][0]
    fac.ok("go_to_phase", phase="close")
    ballot = fac.fresh_state()["ballots"][0]["id"]
    vote = {"choice": "objection", "reason": "the scale vendor is unproven"}
    body = {"cid": "rita-1", "ballot_id": ballot, "vote": vote}
    sent = server.post(f"/api/sessions/{session['id']}/commands/cast_vote", body, rita["token"])
    assert sent.status_code == 200, sent.text
    assert fac.wait_event("ballot_revealed")["result"]["awaiting_ruling"]
    ruled = fac.ok(
        "rule_objection",
        ballot_id=ballot,
        voter=rita["participant_id"],
        stands=False,
        reason="a risk to watch, not to block",
    )
    assert any(e["type"] == "goal_accepted" for e in ruled["events"])
    assert fac.fresh_state()["session"]["phase"] == "close"  # still closed
    fac.refused("next_phase", "conflict")  # the room's commands stay closed


def test_twenty_remote_stakeholders_vote_over_plain_http(server: LiveServer, people) -> None:
    session, fac, proposal = roadmap_session(server, people)
    voters = [{"name": f"Stakeholder {i}"} for i in range(20)]
    ack = fac.ok(
        "send_remote_ballot",
        proposal_ids=[proposal],
        rule="majority",
        rule_reason="remote stakeholders vote by majority",
        voters=voters,
        deadline_seconds=3600,
    )
    invitations = ack["invitations"]
    ballot = ack["ballot_id"]
    assert len(invitations) == 20 and len({i["token"] for i in invitations}) == 20
    stale_form = form_fields(
        requests.get(server.url + invitations[3]["link"], timeout=10).text, ballot
    )
    for i, invite in enumerate(invitations):
        choice = "agree" if i < 14 else "disagree"
        answer = vote_by_form(server, invite["link"], ballot, {"choice": choice, "reason": "r"})
        assert answer.status_code == 200 and "Your vote is recorded" in answer.text
        if i == 0:  # changing a vote replaces the earlier one, until the close
            vote_by_form(server, invite["link"], ballot, {"choice": "disagree"})
            vote_by_form(server, invite["link"], ballot, {"choice": "agree"})
    revealed = fac.wait_event("ballot_revealed", lambda e: e["ballot_id"] == ballot)
    assert revealed["result"]["passed"] is True
    assert revealed["result"]["counts"]["agree"] == 14
    room_turnout = [e for e in fac.events("vote_cast") if e["ballot_id"] == ballot]
    assert [e["turnout"] for e in room_turnout][-1] == 20
    assert all("vote" not in e for e in room_turnout)
    fac.wait_event("goal_accepted", lambda e: e["proposal_id"] == proposal)
    closed_page = requests.get(server.url + invitations[3]["link"], timeout=10).text
    assert "Closed." in closed_page and 'name="choice"' not in closed_page
    stale = {**stale_form, "cid": "after-close", "choice": "agree"}
    late = requests.post(
        f"{server.url}{invitations[3]['link']}/ballots/{ballot}", data=stale, timeout=10
    )
    assert late.status_code == 409 and "closed" in late.text


def test_vote_after_the_deadline_is_refused_with_a_clear_message(
    server: LiveServer, people
) -> None:
    session, fac, proposal = roadmap_session(server, people)
    ack = fac.ok(
        "send_remote_ballot",
        proposal_ids=[proposal],
        voters=["Ann", "Ben", "Cy"],
        deadline_seconds=5,  # long enough to vote on a slow machine
    )
    ann, ben, _cy = ack["invitations"]
    answer = vote_by_form(server, ann["link"], ack["ballot_id"], {"choice": "consent"})
    assert answer.status_code == 200
    closed = fac.wait_event("ballot_closed", lambda e: e["ballot_id"] == ack["ballot_id"])
    assert closed["turnout"] == 1
    result = fac.wait_event("ballot_revealed", lambda e: e["ballot_id"] == ack["ballot_id"])[
        "result"
    ]
    assert result["passed"] is False  # consent needs everyone to respond
    # Past its deadline the link still shows what came of the ballot (it expired with the
    # ballot, and nobody who voted learnt the result), but votes no more.
    for invite in (ann, ben):
        page = requests.get(server.url + invite["link"], timeout=10)
        assert page.status_code == 200, page.text
        assert "time is up" in page.text and 'name="choice"' not in page.text
        assert "did not pass." in page.text
    typed = "We need the batteries tested first"
    late = requests.post(
        f"{server.url}{ben['link']}/ballots/{ack['ballot_id']}",
        data={"cid": "late-form", "choice": "concern", "reason": typed},
        timeout=10,
    )
    # It was a bare "This link has expired" page: the outcome gone, what was typed lost.
    assert late.status_code == 410
    text = html.unescape(visible_text(late.text))
    assert "Your vote was not recorded: this link has expired" in text, text
    assert f"What you wrote, not recorded: {typed}" in text and "did not pass." in text
    api = server.post(
        f"/api/sessions/{session['id']}/commands/cast_vote",
        {"cid": "late-1", "ballot_id": ack["ballot_id"], "vote": {"choice": "consent"}},
        token=ben["token"],
    )
    assert api.status_code == 401 and api.json()["error"]["code"] == "expired"


def test_remote_and_live_voters_in_one_electorate_over_the_json_api(
    server: LiveServer, people
) -> None:
    session, fac, proposal = roadmap_session(server, people)
    pia_state = people[1].state
    ack = fac.ok(
        "send_remote_ballot",
        proposal_ids=[proposal],
        voters=[{"name": "Remote Rita"}],
        include_room=True,
        deadline_seconds=3600,
    )
    opened = [e for e in ack["events"] if e["type"] == "ballot_opened"][0]
    electorate = opened["ballot"]["electorate"]
    assert pia_state["me"]["id"] in electorate and len(electorate) == 2
    rita = ack["invitations"][0]
    body = {"cid": "rita-1", "ballot_id": ack["ballot_id"], "vote": {"choice": "consent"}}
    first = server.post(
        f"/api/sessions/{session['id']}/commands/cast_vote", body, token=rita["token"]
    )
    again = server.post(
        f"/api/sessions/{session['id']}/commands/cast_vote", body, token=rita["token"]
    )
    assert first.status_code == 200 and first.json() == again.json()
    refused = server.post(
        f"/api/sessions/{session['id']}/commands/raise_hand", {"cid": "r2"}, token=rita["token"]
    )
    assert refused.status_code == 403
    people[1].ok("cast_vote", ballot_id=ack["ballot_id"], vote={"choice": "consent"})
    assert fac.wait_event("ballot_revealed")["result"]["passed"] is True


def test_draft_review_keeps_comments_and_revisions(server: LiveServer, people) -> None:
    session, fac, proposal = roadmap_session(server, people)
    pia = people[1]
    ack = fac.ok(
        "share_draft",
        proposal_id=proposal,
        reviewers=[{"name": "CFO"}, {"name": "Sales"}],
        deadline_seconds=3600,
    )
    cfo, sales = ack["invitations"]
    page = requests.get(server.url + cfo["link"], timeout=10).text
    assert "Draft for your comments: Smart scale sync" in page
    assert "Comments open until" in page  # the reviewer knows how long they have
    body = {**form_fields(page, proposal), "text": "500 users is too few for the budget"}
    sent = requests.post(
        f"{server.url}{cfo['link']}/proposals/{proposal}/comments", data=body, timeout=10
    )
    assert sent.status_code == 200 and "500 users is too few" in sent.text
    forged = requests.post(
        f"{server.url}{sales['link']}/proposals/{proposal}/comments",
        data={"csrf": "nope", "cid": "x", "text": "hi"},
        timeout=10,
    )
    assert forged.status_code == 400 and "out of date" in forged.text
    pia.ok(
        "edit_proposal", proposal_id=proposal, metrics=[{"name": "synced users", "target": 2000}]
    )
    state = fac.fresh_state()
    draft = [p for p in state["proposals"] if p["id"] == proposal][0]
    assert [c["text"] for c in draft["comments"]] == ["500 users is too few for the budget"]
    assert draft["revisions"][0]["before"]["metrics"][0]["target"] == 500
    assert draft["metrics"][0]["target"] == 2000
    # The reviewer sees what became of the text they commented on: it showed "revision 2"
    # and the new text only, and the comment without when or on which revision.
    pia.ok("edit_proposal", proposal_id=proposal, title="Smart scale sync for all")
    text = html.unescape(visible_text(requests.get(server.url + cfo["link"], timeout=10).text))
    assert "Revision 2, " in text and ": metrics changed" in text
    assert "Revision 3, " in text and ": title was “Smart scale sync”" in text
    assert "500 users is too few for the budget (on revision 1, " in text
    fac.ok("go_to_phase", phase="decide")
    fac.ok("open_ballot", proposal_ids=[proposal])
    # The minutes count what a reviewer said by link too: the airtime table, of the room's
    # floor, left the CFO's comment counted for nobody.
    minutes = server.export(session, "minutes", format="md").text
    assert "- Comments by personal link: CFO 1" in minutes


def test_a_socket_opened_with_a_personal_link_stops_when_the_link_expires(
    server: LiveServer, people
) -> None:
    session, fac, proposal = roadmap_session(server, people)
    ack = fac.ok(
        "send_remote_ballot", proposal_ids=[proposal], voters=["Ann", "Ben"], deadline_seconds=5
    )
    ann = Person(server, ack["invitations"][0]["token"], "ann")
    ben = Person(server, ack["invitations"][1]["token"], "ben")  # only listens
    people += [ann, ben]
    ann.ok("cast_vote", ballot_id=ack["ballot_id"], vote={"choice": "consent"})
    ann.wait_event("ballot_closed")  # the deadline passed: the server closed the ballot
    error = ann.refused("comment", "expired", proposal_id=proposal, text="one more thing")
    assert "expired" in error["message"]
    # Reading stops too: it went on through sync, get_state and every event of the room.
    for asked in ("sync", "get_state"):
        assert ann.refused(asked, "expired")["message"] == "this link has expired"
    poll(lambda: not ben.client.connected)
    poll(lambda: not ann.client.connected)


def test_the_facilitator_reissues_a_lost_link_and_the_old_one_stops_working(
    server: LiveServer, people
) -> None:
    session, fac, proposal = roadmap_session(server, people)
    ack = send_to(fac, proposal, "Rita", "Sam")
    rita, _sam = ack["invitations"]
    old_socket = Person(server, rita["token"], "rita-old")
    people.append(old_socket)
    stale_form = form_fields(requests.get(server.url + rita["link"], timeout=10).text, "b1")

    again = fac.ok("reissue_link", participant_id=rita["participant_id"])
    (fresh,) = again["invitations"]
    assert fresh["participant_id"] == rita["participant_id"] and fresh["name"] == "Rita"
    assert fresh["token"] != rita["token"]

    # The old link opens nothing: not the page, not a vote, not a socket, not a read.
    assert requests.get(server.url + rita["link"], timeout=10).status_code == 401
    old_vote = requests.post(
        f"{server.url}{rita['link']}/ballots/{ack['ballot_id']}",
        data={**stale_form, "cid": "old-link", "choice": "consent"},
        timeout=10,
    )
    assert old_vote.status_code == 401
    old_socket.refused(
        "cast_vote", "unauthorized", ballot_id=ack["ballot_id"], vote={"choice": "consent"}
    )
    assert server.get(f"/api/sessions/{session['id']}/chain", rita["token"]).status_code == 401

    # The new link works until the same deadline.
    voted = vote_by_form(server, fresh["link"], ack["ballot_id"], {"choice": "consent"})
    assert voted.status_code == 200 and "Your vote is recorded" in voted.text
    assert fac.fresh_state()["ballots"][0]["turnout"] == 1


def test_a_link_is_reissued_for_a_remote_person_with_something_open_or_one_in_the_room(
    server: LiveServer, people
) -> None:
    """Pia's phone went flat: one name being one person, she could not join again as
    herself, and reissue_link was for remote people only."""
    session, fac, proposal = roadmap_session(server, people)
    pia = people[1]
    old_token = pia.token  # the phone went flat, or was lost, still online
    ack = fac.ok("reissue_link", participant_id=pia.state["me"]["id"])
    poll(lambda: not pia.client.connected)  # let go: it would go on voting as her
    (back,) = ack["invitations"]
    assert back["link"] == f"/s/{session['id']}/join#token={back['token']}"
    state = f"/api/sessions/{session['id']}/state"
    assert server.get(state, old_token).status_code == 401  # the lost phone opens nothing
    assert server.get(state, back["token"]).json()["me"]["id"] == pia.state["me"]["id"]
    fac.refused("reissue_link", "conflict", participant_id=fac.state["me"]["id"])
    fac.refused("reissue_link", "not_found", participant_id="pt99")
    ack = send_to(fac, proposal, "Rita")
    rita = ack["invitations"][0]["participant_id"]
    pia_again = Person(server, back["token"], "Pia again")
    people.append(pia_again)
    pia_again.refused("reissue_link", "forbidden", participant_id=rita)
    fac.ok("close_ballot", ballot_id=ack["ballot_id"], reveal=True)
    error = fac.refused("reissue_link", "conflict", participant_id=rita)
    assert "nothing waits for Rita" in error["message"]


ISO_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def visible_text(page: str) -> str:
    """What a person reads: the page without its tags and attributes."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_the_personal_page_shows_what_is_voted_on_and_the_deadline_in_the_sessions_zone(
    server: LiveServer, people
) -> None:
    _session, fac, proposal = roadmap_session(
        server,
        people,
        time_zone="Europe/Berlin",
        description="Weigh-ins arrive in the app by themselves.",
        metrics=[{"name": "synced users", "baseline": 40, "target": 500}],
    )
    ack = send_to(fac, proposal, "Rita")
    link = ack["invitations"][0]["link"]
    text = visible_text(requests.get(server.url + link, timeout=10).text)
    assert "Vote on “Smart scale sync”" in text
    assert "Weigh-ins arrive in the app by themselves." in text
    assert "Serves Lose weight without dieting misery" in text
    assert "synced users" in text and "500" in text and "due 2027-Q2" in text
    assert re.search(r"Closes \w+day \d+ \w+ \d{4}, \d\d:\d\d CES?T \.", text), text
    assert not ISO_STAMP.search(text) and "UTC" not in text and proposal not in text


def test_a_refused_vote_keeps_the_choice_and_the_reason_and_names_the_error(
    server: LiveServer, people
) -> None:
    session, fac, proposal = roadmap_session(server, people)
    ack = send_to(fac, proposal, "Rita")
    link, ballot = ack["invitations"][0]["link"], ack["ballot_id"]
    refused = vote_by_form(server, link, ballot, {"choice": "objection", "reason": "  "})
    assert refused.status_code == 400
    assert 'value="objection" required checked' in refused.text
    assert "Your vote was not recorded: " in refused.text and "reason" in refused.text
    no_choice = vote_by_form(server, link, ballot, {"reason": "Sync must not drain batteries"})
    assert no_choice.status_code == 400
    said = "choose one answer before sending the vote: consent, concern or objection"
    assert said in html.unescape(no_choice.text)
    # An answer the form does not offer is no answer (an "abstain" posted to a unanimity
    # form was recorded, and no radio showed it).
    maybe = vote_by_form(server, link, ballot, {"choice": "abstain"})
    assert maybe.status_code == 400 and said in html.unescape(maybe.text)
    assert ">Sync must not drain batteries</textarea>" in no_choice.text
    assert "checked" not in no_choice.text


def test_the_outcome_on_the_personal_page_names_the_proposal_by_title(
    server: LiveServer, people
) -> None:
    session, fac, proposal = roadmap_session(server, people)
    ack = send_to(fac, proposal, "Rita")
    link = ack["invitations"][0]["link"]
    vote_by_form(server, link, ack["ballot_id"], {"choice": "consent"})
    fac.wait_event("ballot_revealed", lambda e: e["ballot_id"] == ack["ballot_id"])
    text = visible_text(requests.get(server.url + link, timeout=10).text)
    assert "Closed. “Smart scale sync” passed." in text
    assert "so “Smart scale sync” passes." in text
    assert "Your vote: consent" in text  # it went from the page once the ballot closed
    assert not re.search(r"\b(pr|pt|b)\d+\b", text), text


def test_a_personal_link_is_promised_only_what_it_may_do(server: LiveServer, people) -> None:
    """`me` in the state of a personal link says what the server accepts from it: it votes and
    comments, and never proposes, raises a hand or decides."""
    session, fac, proposal = roadmap_session(server, people)
    invited = send_to(fac, proposal, "Rita")
    rita = Person(server, invited["invitations"][0]["token"], "rita")
    people.append(rita)
    me = rita.state["me"]
    assert (me["can_vote"], me["can_propose"], me["is_decider"]) == (True, False, False)
    idea = {"level": "product", "title": "Coach chat", "parents": ["U1"]}
    assert "a personal link" in rita.refused("propose_goal", "forbidden", **idea)["message"]
    rita.refused("raise_hand", "forbidden")
    rita.ok("cast_vote", ballot_id=invited["ballot_id"], vote={"choice": "consent"})
    # A personal link cannot decide, so the facilitator cannot make it the decider.
    error = fac.refused("delegate_decider", "conflict", participant_id=me["id"])
    assert "Rita" in error["message"] and "personal link" in error["message"]
    assert rita.fresh_state()["me"]["is_decider"] is False


def test_a_ballot_everyone_voted_in_early_says_when_it_closed_not_its_deadline(
    server: LiveServer, people
) -> None:
    session, fac, proposal = roadmap_session(server, people)
    ack = send_to(fac, proposal, "Rita")  # open for an hour
    link, ballot_id = ack["invitations"][0]["link"], ack["ballot_id"]
    vote_by_form(server, link, ballot_id, {"choice": "consent"})
    fac.wait_event("ballot_revealed", lambda e: e["ballot_id"] == ballot_id)
    ballot = [b for b in fac.fresh_state()["ballots"] if b["id"] == ballot_id][0]
    assert ballot["deadline"] - ballot["closed_at"] > 3500  # it closed when Rita voted
    text = visible_text(requests.get(server.url + link, timeout=10).text)
    assert f"Closed {timezones.moment(ballot['closed_at'], 'UTC')} ." in text, text
    assert timezones.moment(ballot["deadline"], "UTC") not in text


def test_closing_the_session_ends_the_floor_and_leaves_remote_ballots_to_their_deadline(
    server: LiveServer, people
) -> None:
    """Closed with a remote ballot and a turn under way, the session stranded both: the
    ballot never closed at its deadline, the speaker kept the floor, and each timer was
    refused again every 5 s. A ballot in the room must be closed first."""
    session, fac, proposal = roadmap_session(server, people)
    (tom,) = seat(server, session, people, ("Tom", "team"))
    second = product_goal(tom, "Coach chat")
    fac.ok("go_to_phase", phase="decide")
    room = fac.ok("open_ballot", proposal_ids=[second])["ballot_id"]
    refused = fac.refused("go_to_phase", "conflict", phase="close")
    assert refused["message"] == (
        "the ballot on “Coach chat” is still open: close it before closing the session"
    )
    fac.ok("close_ballot", ballot_id=room, reveal=True)
    sent = fac.ok(
        "send_remote_ballot", proposal_ids=[proposal], voters=["Ann", "Ben"], deadline_seconds=4
    )
    ann, _ben = sent["invitations"]
    fac.ok("set_time_box", seconds=600)
    fac.ok("grant_floor", participant_id=tom.id)
    closing = fac.ok("go_to_phase", phase="close")["events"]
    assert [e["type"] for e in closing] == ["phase_changed", "turn_ended"]
    assert fac.fresh_state()["floor"]["holder"] is None

    # The remote ballot goes on: Ann still votes by her link, and the deadline closes it.
    answer = vote_by_form(server, ann["link"], sent["ballot_id"], {"choice": "consent"})
    assert answer.status_code == 200, answer.text
    shown = fac.wait_event("ballot_revealed", lambda e: e["ballot_id"] == sent["ballot_id"])
    assert shown["result"]["turnout"] == 1


def test_a_sprint_gets_one_goal_and_a_chain_one_vision_with_remote_ballots_beside_the_room(
    server: LiveServer, people
) -> None:
    """A remote ballot runs beside the room's: two ballots on two sprint goals both passed,
    and two on two visions did too, the second replacing the vision the first agreed."""
    session, fac = host(server, people, "sprint_planning", chain=FITNESS)
    (pia,) = seat(server, session, people, ("Pia", "product"))
    fac.ok("next_phase")
    sprint = {"level": "sprint", "parents": ["P1"]}
    first = pia.ok("propose_goal", title="Scale sync beta", **sprint)["proposal_id"]
    second = pia.ok("propose_goal", title="Coach chat beta", **sprint)["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    fac.ok("send_remote_ballot", proposal_ids=[first], voters=["Ann"], deadline_seconds=3600)
    refused = fac.refused("open_ballot", "conflict", proposal_ids=[second])["message"]
    assert refused == (
        "the ballot on “Scale sync beta” decides this sprint's goal already: one ballot at a"
        " time (a dot or ranked ballot can weigh the options together)"
    )

    session, fac = host(server, people, "strategizing")
    (tom,) = seat(server, session, people, ("Tom", "team"))
    fac.ok("next_phase")
    one = tom.ok("propose_goal", level="vision", title="Vision one")["proposal_id"]
    two = tom.ok("propose_goal", level="vision", title="Vision two")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    fac.ok("send_remote_ballot", proposal_ids=[one], voters=["Ann"], deadline_seconds=3600)
    remote = {"voters": ["Ben"], "deadline_seconds": 3600}
    refused = fac.refused("send_remote_ballot", "conflict", proposal_ids=[two], **remote)
    assert "decides the vision already" in refused["message"]


def test_a_blank_or_out_of_range_form_is_refused_by_title_and_records_nothing(
    server: LiveServer, people
) -> None:
    """A dot or ranked form sent blank recorded an empty vote (and, the last one missing,
    closed the ballot); a place 0 or 5 among two options was taken; refusals named the
    options by id ("dots on 'pr2'")."""
    session, fac = host(server, people, "roadmapping", chain=FITNESS)
    (pia,) = seat(server, session, people, ("Pia", "product"))
    fac.ok("next_phase")
    for rule, blank, wrong, said in (
        ("dot", "place at least one dot", "x", "give a whole number, not 'x'"),
        ("ranked", "give at least one option a place", "5", "give a number from 1 to 2, not 5"),
    ):
        a, b = (product_goal(pia, f"{title} ({rule})") for title in ("Scale sync", "Coach"))
        ack = fac.ok(
            "send_remote_ballot",
            proposal_ids=[a, b],
            rule=rule,
            rule_reason="the board weighs both",
            voters=[f"Rita {rule}"],
            deadline_seconds=3600,
        )
        link, ballot = ack["invitations"][0]["link"], ack["ballot_id"]
        field = f"dots-{a}" if rule == "dot" else f"rank-{a}"
        for form, message in (({}, blank), ({field: wrong}, f"“Scale sync ({rule})”: {said}")):
            refused = vote_by_form(server, link, ballot, form)
            assert refused.status_code == 400, refused.text
            text = html.unescape(visible_text(refused.text))
            assert message in text, text
            assert not re.search(r"\bpr\d+\b", text)
        ballots = {b["id"]: b for b in fac.fresh_state()["ballots"]}
        assert (ballots[ballot]["status"], ballots[ballot]["turnout"]) == ("open", 0)


def test_the_link_shows_no_verdict_while_an_objection_awaits_the_ruling(
    server: LiveServer, people
) -> None:
    """Every link page said "Closed. “…” did not pass." while the room's screen said
    "Awaiting the facilitator's ruling" (PRODUCT §4: no verdict until the ruling)."""
    session, fac, proposal = roadmap_session(server, people)
    ack = send_to(fac, proposal, "Rita", "Sam")
    rita, sam = ack["invitations"]
    ballot = ack["ballot_id"]
    voted = vote_by_form(server, rita["link"], ballot, {"choice": "objection", "reason": "harm"})
    assert voted.status_code == 200
    assert voted.url.endswith(f"#ballot-{ballot}")  # back to the card voted on
    vote_by_form(server, sam["link"], ballot, {"choice": "consent"})
    fac.wait_event("ballot_revealed", lambda e: e["ballot_id"] == ballot)
    text = html.unescape(visible_text(requests.get(server.url + sam["link"], timeout=10).text))
    assert "Closed. No verdict yet: awaiting the facilitator's ruling on an objection." in text
    assert "did not pass" not in text.split("Closed.")[1].split(".")[0]
    rita_id = fac.fresh_state()["ballots"][0]["electorate"][0]
    fac.ok("rule_objection", ballot_id=ballot, voter=rita_id, stands=True, reason="real harm")
    text = html.unescape(visible_text(requests.get(server.url + sam["link"], timeout=10).text))
    assert "An objection stands: “Smart scale sync” goes back to its author to amend." in text

    # A form for a ballot this link has no part in, and a replaced link, say why.
    stray = requests.post(f"{server.url}{sam['link']}/ballots/b99", data={}, timeout=10)
    assert stray.status_code == 400 and "ballot 'b99' does not exist" in html.unescape(stray.text)
    gone = requests.get(server.url + "/v/" + "x" * 40, timeout=10)  # say, a replaced one
    assert gone.status_code == 401 and "ask the facilitator for your link" in gone.text


def test_a_remote_low_voter_is_not_given_the_floor_in_the_room(server: LiveServer, people) -> None:
    """A fist of five sent to remote people gave Rita, who voted 2 by link, a turn on the
    room's floor ("Speaking: Rita Remote 1:54" on the projector); grant_floor took a remote
    person too."""
    session, fac, proposal = roadmap_session(server, people)
    ack = fac.ok(
        "send_remote_ballot",
        proposal_ids=[proposal],
        rule="fist_of_five",
        rule_reason="a quick check",
        voters=["Rita"],
        deadline_seconds=3600,
    )
    vote_by_form(server, ack["invitations"][0]["link"], ack["ballot_id"], {"value": "2"})
    fac.wait_event("ballot_revealed", lambda e: e["ballot_id"] == ack["ballot_id"])
    floor = fac.fresh_state()["floor"]
    assert floor["holder"] is None and floor["queue"] == []
    rita = ack["invitations"][0]["participant_id"]
    refused = fac.refused("grant_floor", "conflict", participant_id=rita)
    assert "takes part by personal link" in refused["message"]
