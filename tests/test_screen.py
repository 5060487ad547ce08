"""The room screen's read-only link: the room's view, never a vote before the reveal, no
personal link or token, never present, and it cannot act (issue 8)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
import socketio

from tests.chains import FITNESS
from tests.live import LiveServer, Person, host, seat
from workshop.domain.workshop import CLIENT_COMMANDS


def screen_token(server: LiveServer, session: dict) -> str:
    """The token in the console's "Open room screen" link."""
    invite = server.get(f"/s/{session['id']}/invite", session["facilitator_token"]).json()
    link = urlsplit(invite["screen"])
    assert link.path == f"/s/{session['id']}/screen" and link.fragment.startswith("token=")
    return link.fragment[len("token=") :]


def test_the_screen_sees_the_room_never_a_secret_and_cannot_act(
    server: LiveServer, people: list[Person]
) -> None:
    session, fac = host(server, people, "strategizing", chain=FITNESS)
    pia, tom = seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    token = screen_token(server, session)
    assert token == screen_token(server, session), "the console offers the same link each time"
    screen = Person(server, token, "screen")
    people.append(screen)
    assert screen.state["me"]["role"] == "screen"
    assert "airtime" not in screen.state
    everyone = {fac.state["me"]["id"], pia.id, tom.id}
    assert {p["id"] for p in screen.state["participants"]} == everyone

    # It may read the join code for the room, nothing more.
    invite = server.get(f"/s/{session['id']}/invite", token).json()
    assert invite == {"join_code": session["join_code"], "join": invite["join"]}

    # A secret ballot and a remote one with personal links: the screen sees turnout only.
    fac.ok("next_phase")
    user = {"level": "user", "parents": ["V1"]}
    vision = tom.ok("propose_goal", title="Healthier lives", **user)["proposal_id"]
    other = pia.ok("propose_goal", title="Fitter teams", **user)["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[vision], rule="majority", rule_reason="speed")
    ballot_id = ballot["ballot_id"]
    assert screen.wait_event("ballot_opened")["ballot"]["electorate"] == [pia.id, tom.id]
    pia.ok("cast_vote", ballot_id=ballot_id, vote={"choice": "disagree", "reason": "too vague"})
    tom.ok("cast_vote", ballot_id=ballot_id, vote={"choice": "agree"})
    fac.wait_event("vote_cast", lambda e: e["turnout"] == 2)
    screen.wait_event("vote_cast", lambda e: e["turnout"] == 2)
    before = screen.fresh_state()
    (shown,) = before["ballots"]
    assert shown["turnout"] == 2 and "votes" not in shown and "my_vote" not in shown
    assert "not_voted" not in shown, "who has not voted is the facilitator's to see"
    invitations = fac.ok(
        "send_remote_ballot",
        proposal_ids=[other],
        rule="majority",
        rule_reason="ask the board too",
        voters=[{"name": "Board member"}],
        deadline_seconds=3600,
    )["invitations"]
    screen.wait_event("ballot_opened", lambda e: e["ballot"]["remote"])
    caught_up = screen.ok("sync", since=0)
    unsaid = json.dumps([screen.received, caught_up, before])
    for secret in (
        "too vague",
        "disagree",
        '"voter"',
        '"voters"',
        "not_voted",
        session["facilitator_token"],
    ):
        assert secret not in unsaid, f"the screen saw {secret!r} before the reveal"
    for invitation in invitations:
        assert invitation["token"] not in unsaid and invitation["link"] not in unsaid
    for person in (pia, tom):
        assert person.token not in unsaid

    # Never present, never in an electorate, and every command is refused.
    for name in sorted(CLIENT_COMMANDS):
        screen.refused(name, "forbidden", ballot_id=ballot_id, proposal_ids=[vision])
    assert not any(e["participant_id"] == "screen" for e in fac.events("presence_changed"))
    fac.ok("close_ballot", ballot_id=ballot_id, reveal=True)
    revealed = screen.wait_event("ballot_revealed", lambda e: e["ballot_id"] == ballot_id)
    assert revealed["result"]["counts"] == {"agree": 1, "disagree": 1, "abstain": 0}


@pytest.mark.parametrize("where", ["state", "command", "minutes"])
def test_the_screen_link_opens_nothing_but_the_screen(
    server: LiveServer, people: list[Person], where: str
) -> None:
    session, _fac = host(server, people)
    token = screen_token(server, session)
    base = f"/api/sessions/{session['id']}"
    answer = {
        "state": lambda: server.get(f"{base}/state", token),
        "command": lambda: server.post(f"{base}/commands/next_phase", {"cid": "x"}, token),
        "minutes": lambda: server.get(f"{base}/minutes", token),
    }[where]()
    assert answer.status_code == 401, answer.text


def test_a_forged_or_borrowed_screen_link_is_refused(
    server: LiveServer, people: list[Person]
) -> None:
    first, _ = host(server, people)
    second, _ = host(server, people)
    token = screen_token(server, first)
    borrowed = token.replace(first["id"], second["id"])
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    for bad in (borrowed, forged, "screen.", "screen"):
        client = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(server.url, auth={"token": bad}, transports=["websocket"])
        assert server.get(f"/s/{second['id']}/invite", bad).status_code == 401


def test_a_ballot_keeps_the_titles_it_was_voted_on(
    server: LiveServer, people: list[Person]
) -> None:
    """An objection stands and the author amends the proposal: the ballot in the state still
    names the text the room voted on, for the screen's result (and every page's)."""
    session, fac = host(server, people)
    pia, tom = seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    fac.ok("next_phase")
    vision = tom.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    ballot_id = fac.ok("open_ballot", proposal_ids=[vision], rule="consent", rule_reason="try")[
        "ballot_id"
    ]
    pia.ok("cast_vote", ballot_id=ballot_id, vote={"choice": "objection", "reason": "vague"})
    tom.ok("cast_vote", ballot_id=ballot_id, vote={"choice": "consent"})
    fac.ok("close_ballot", ballot_id=ballot_id, reveal=True)
    fac.ok("rule_objection", ballot_id=ballot_id, voter=pia.id, stands=True, reason="paramount")
    tom.ok("edit_proposal", proposal_id=vision, title="Healthier lives for busy parents")
    screen = Person(server, screen_token(server, session), "screen")
    people.append(screen)
    (shown,) = screen.state["ballots"]
    assert shown["titles"] == {vision: "Healthier lives"}
    (proposal,) = screen.state["proposals"]
    assert proposal["title"] == "Healthier lives for busy parents"
