"""Issue 10, attacked as an outsider, a hostile participant or a careless host would.

Each test drives the real `workshop serve` process over loopback; docs/security.md names
the promise each one proves.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import time

import requests

from tests.chains import FITNESS
from tests.live import LiveServer, Person, host, seat
from tests.test_remote import roadmap_session

GOAL = {
    "level": "product",
    "parents": ["U1"],
    "metrics": [{"name": "synced users", "target": 500}],
    "due": "2027-Q2",
}


def roadmap(server: LiveServer, people: list[Person]) -> tuple[dict, Person, Person, Person, str]:
    """A roadmapping session with Pia (product), her product goal, and Tom (team)."""
    session, fac, proposal = roadmap_session(server, people)
    (tom,) = seat(server, session, people, ("Tom", "team"))
    return session, fac, people[1], tom, proposal


# -- a team member cannot invent people ------------------------------------------------------


def test_a_team_member_cannot_invent_reviewers(server: LiveServer, people: list[Person]) -> None:
    _session, fac, pia, _tom, proposal = roadmap(server, people)
    before = fac.fresh_state()
    error = pia.refused(
        "share_draft",
        "forbidden",
        proposal_id=proposal,
        reviewers=[{"name": "Sock puppet"}],
        role="product",
        deadline_seconds=60 * 24 * 3600,
    )
    assert "only the facilitator" in error["message"]
    after = fac.fresh_state()
    assert after["participants"] == before["participants"] and after["seq"] == before["seq"]


def test_a_team_member_shares_only_with_people_the_facilitator_invited(
    server: LiveServer, people: list[Person]
) -> None:
    session, fac, pia, _tom, proposal = roadmap(server, people)
    ack = fac.ok("share_draft", proposal_id=proposal, reviewers=["CFO"], deadline_seconds=120)
    cfo = ack["invitations"][0]
    pia.ok(
        "share_draft",
        proposal_id=proposal,
        reviewers=[cfo["participant_id"]],
        deadline_seconds=60 * 24 * 3600,
    )
    first = link_expiry(server, session, cfo["participant_id"])
    assert first is not None and first < time.time() + 300  # Pia's 60 days did not count
    fac.ok(
        "share_draft",
        proposal_id=proposal,
        reviewers=[cfo["participant_id"]],
        deadline_seconds=7200,
    )
    assert (
        link_expiry(server, session, cfo["participant_id"]) > first + 3600
    )  # the facilitator's did


def link_expiry(server: LiveServer, session: dict, participant_id: str) -> float:
    """When a personal link expires, read from the server's database file."""
    with sqlite3.connect(server.data / "workshop.db") as db:
        row = db.execute(
            "select expires_at from tokens where workshop_id = ? and participant_id = ?"
            " and purpose = 'remote'",
            [session["id"], participant_id],
        ).fetchone()
    return row[0]


def test_a_remote_person_never_becomes_the_default_decider(
    server: LiveServer, people: list[Person]
) -> None:
    session, fac = host(server, people, "roadmapping", chain=FITNESS)
    (tom,) = seat(server, session, people, ("Tom", "team"))
    fac.ok("next_phase")
    proposal = tom.ok("propose_goal", title="Smart scale sync", **GOAL)["proposal_id"]
    fac.ok(
        "share_draft",
        proposal_id=proposal,
        reviewers=["Remote boss"],
        role="product",
        deadline_seconds=600,
    )
    assert fac.fresh_state()["session"]["decider_id"] is None
    (pia,) = seat(server, session, people, ("Pia", "product"))
    assert fac.fresh_state()["session"]["decider_id"] == pia.id


# -- join codes --------------------------------------------------------------------------


def test_a_closed_sessions_code_admits_nobody(server: LiveServer, people: list[Person]) -> None:
    session, fac = host(server, people, "strategizing")
    fac.ok("go_to_phase", phase="close")
    body = {"join_code": session["join_code"], "name": "Late Larry", "role": "team"}
    joined = server.post(f"/api/sessions/{session['id']}/participants", body)
    assert joined.status_code == 409, joined.text
    assert joined.json()["error"]["code"] == "conflict"
    assert server.get(f"/api/join/{session['join_code']}").status_code == 404
    assert [p["name"] for p in fac.fresh_state()["participants"]] == ["Facilitator"]


# -- floods ------------------------------------------------------------------------------


def test_one_person_cannot_flood_a_session_with_proposals_or_comments(
    server: LiveServer, people: list[Person]
) -> None:
    from workshop.domain.proposals import COMMENTS_EACH, PROPOSALS_EACH

    _session, fac, pia, tom, proposal = roadmap(server, people)
    for i in range(PROPOSALS_EACH):
        tom.ok("propose_goal", title=f"Idea {i}", **GOAL)
    error = tom.refused("propose_goal", "limit_reached", title="One too many", **GOAL)
    assert "50 proposals" in error["message"]
    for i in range(COMMENTS_EACH):
        tom.ok("comment", proposal_id=proposal, text=f"Comment {i}")
    tom.refused("comment", "limit_reached", proposal_id=proposal, text="One too many")
    pia.ok("propose_goal", title="Pia still proposes", **GOAL)
    pia.ok("comment", proposal_id=proposal, text="Pia still comments")


# -- smaller holes -----------------------------------------------------------------------


def test_markup_in_an_uploaded_chains_product_is_refused(server: LiveServer) -> None:
    chain = {**FITNESS, "product": "<img src=x onerror=alert(1)>"}
    for body in ({"chain": chain}, {"chain": chain, "product": "Fitness app"}):
        answer = server.post("/api/sessions", {"kind": "roadmapping", "title": "t", **body})
        assert answer.status_code == 400, answer.text
        assert "markup" in answer.json()["error"]["message"]


def test_a_field_nested_900_deep_is_a_400_and_one_log_line(server: LiveServer) -> None:
    deep = '{"a":' * 900 + "1" + "}" * 900
    chain = '{"goalchain": 1, "vision": {"id": "V1", "statement": "S", "decided": ' + deep + "}}"
    body = '{"kind": "roadmapping", "title": "t", "chain": ' + chain + "}"
    logged = server.log.stat().st_size
    answer = requests.post(
        server.url + "/api/sessions",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_json"
    assert server.log.stat().st_size - logged < 1000  # no traceback of hundreds of kilobytes


def test_votes_csv_follows_the_owasp_csv_injection_rules(
    server: LiveServer, people: list[Person]
) -> None:
    session, fac, pia, tom, proposal = roadmap(server, people)
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok(
        "open_ballot",
        proposal_ids=[proposal],
        rule="majority",
        rule_reason="a quick test",
    )["ballot_id"]
    formulas = ['=HYPERLINK("http://x")', "@SUM(A1)"]
    pia.ok("cast_vote", ballot_id=ballot, vote={"choice": "agree", "reason": formulas[0]})
    tom.ok("cast_vote", ballot_id=ballot, vote={"choice": "agree", "reason": formulas[1]})
    fac.ok("close_ballot", ballot_id=ballot, reveal=True)
    text = server.get(f"/api/sessions/{session['id']}/votes.csv", session["facilitator_token"]).text
    lines = text.splitlines()
    assert len(lines) == 3
    for line in lines:  # every cell quoted, so a separator inside one cannot start another
        assert line.startswith('"') and line.endswith('"'), line
    rows = list(csv.reader(io.StringIO(text)))
    reasons = {row[5] for row in rows[1:]}
    assert reasons == {"'" + formulas[0], "'" + formulas[1]}


def test_personal_pages_are_never_cached(server: LiveServer, people: list[Person]) -> None:
    _session, fac, _pia, _tom, proposal = roadmap(server, people)
    ack = fac.ok("share_draft", proposal_id=proposal, reviewers=["CFO"], deadline_seconds=600)
    page = requests.get(server.url + ack["invitations"][0]["link"], timeout=10)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    gone = requests.get(server.url + "/v/not-a-token", timeout=10)
    assert gone.headers["Cache-Control"] == "no-store"
