"""Issue 10, attacked as an outsider, a hostile participant or a careless host would.

Each test drives the real `workshop serve` process over loopback; docs/security.md names
the promise each one proves.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from http.client import HTTPConnection
from pathlib import Path

import pytest
import requests
import socketio

from tests.chains import FITNESS
from tests.engine import Database, Room
from tests.live import EXPORTS, LiveServer, Person, host, poll, seat
from tests.test_remote import product_goal, roadmap_session
from workshop.service import Service

AGREE = {"choice": "agree"}
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


# -- one person, one name -------------------------------------------------------------------


def joining(server: LiveServer, session: dict, name: str) -> requests.Response:
    body = {"join_code": session["join_code"], "name": name, "role": "team"}
    return server.post(f"/api/sessions/{session['id']}/participants", body)


@pytest.mark.parametrize(
    "twin", ["Alice", "alice ", "ALICE", "\u0410lice", "\u0391lice", "Alice\u200b", " Al\u00adice "]
)
def test_one_person_cannot_join_again_under_a_name_that_reads_the_same(
    server: LiveServer, people: list[Person], twin: str
) -> None:
    """Joined as "Alice", "alice ", "Аlice" (a Cyrillic А) and "Alice" with a zero-width
    space, one person cast five of six votes in an anonymous ballot."""
    session, fac = host(server, people, "strategizing")
    seat(server, session, people, ("Alice", "team"))
    before = fac.fresh_state()["participants"]
    answer = joining(server, session, twin)
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "conflict"
    assert error["message"].startswith("someone named Alice is already in this session")
    assert "reopen the page on the device you joined with" in error["message"]
    assert fac.fresh_state()["participants"] == before


def test_nobody_joins_as_the_facilitator_or_under_an_invisible_name(
    server: LiveServer, people: list[Person]
) -> None:
    session, fac = host(server, people, "strategizing", facilitator_name="Fay")
    before = fac.fresh_state()["participants"]
    taken = joining(server, session, "fay")
    assert taken.status_code == 409 and "someone named Fay" in taken.json()["error"]["message"]
    for blank in ("\u200b", "\u200b \u2060", "\u3164"):
        answer = joining(server, session, blank)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["message"] == (
            "name must not be empty: it holds only invisible characters"
        )
    assert fac.fresh_state()["participants"] == before
    assert joining(server, session, "Alicia").status_code == 201  # another name is welcome


def test_a_remote_invitation_never_gives_one_person_a_second_name(
    server: LiveServer, people: list[Person]
) -> None:
    """`voters=["Alice", "Remy", "Remy"]` with the room included made a second Alice, with a
    link, while Alice sat in the room: she voted twice."""
    session, fac, pia, tom, proposal = roadmap(server, people)
    ballot = {"proposal_ids": [proposal], "deadline_seconds": 600, "include_room": True}
    before = fac.fresh_state()
    error = fac.refused("send_remote_ballot", "conflict", voters=["Remy", "tom"], **ballot)
    assert error["message"] == (
        "voters[1]: someone named Tom is already in this session, in the room: a person takes"
        " part once, in the room or by link; give another name"
    )
    error = fac.refused("send_remote_ballot", "invalid_input", voters=["Remy", "remy "], **ballot)
    assert error["message"] == "voters[1]: Remy is named twice: each person is invited once"
    after = fac.fresh_state()
    assert (after["participants"], after["ballots"]) == (before["participants"], before["ballots"])

    remy = fac.ok("send_remote_ballot", voters=["Remy"], **ballot)["invitations"][0]
    draft = {"proposal_id": product_goal(pia, "Coach in the app"), "deadline_seconds": 600}
    error = fac.refused("share_draft", "conflict", reviewers=["REMY"], **draft)
    assert error["message"] == (
        "reviewers[0]: someone named Remy was already invited to this session: name them by"
        f" their id {remy['participant_id']} to invite them again, or give another name"
    )
    fac.refused("share_draft", "conflict", reviewers=[{"name": "P\u0456a"}], **draft)
    fac.ok("share_draft", reviewers=[remy["participant_id"]], **draft)  # invited again by id
    names = sorted(person["name"] for person in fac.fresh_state()["participants"])
    assert names == ["Facilitator", "Pia", "Remy", "Tom"]


def link_expiry(server: LiveServer, session: dict, participant_id: str) -> float:
    """When a personal link expires, read from the server's database."""
    (row,) = server.query(
        "select expires_at from tokens where workshop_id = ? and participant_id = ?"
        " and purpose = 'remote'",
        [session["id"], participant_id],
    )
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


def test_one_proposal_cannot_grow_the_state_by_endless_edits(
    server: LiveServer, people: list[Person]
) -> None:
    """Each edit keeps the text before it, in every `state`: edits are bounded too."""
    from workshop.domain.proposals import REVISIONS_EACH

    _session, _fac, _pia, tom, _proposal = roadmap(server, people)
    mine = tom.ok("propose_goal", title="Idea", **GOAL)["proposal_id"]
    for i in range(REVISIONS_EACH):
        tom.ok("edit_proposal", proposal_id=mine, description="x" * 3990 + str(i))
    error = tom.refused("edit_proposal", "limit_reached", proposal_id=mine, description="more")
    assert f"edited {REVISIONS_EACH} times" in error["message"] and mine not in error["message"]
    (kept,) = [p for p in tom.fresh_state()["proposals"] if p["id"] == mine]
    assert len(kept["revisions"]) == REVISIONS_EACH
    assert kept["description"].endswith(str(REVISIONS_EACH - 1))


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


# -- rate limits and connection limits ------------------------------------------------------


def strict_server(tmp_path: Path, *extra: str, async_mode: str = "gevent") -> LiveServer:
    """A server with the limits people get (the shared test server is roomier)."""
    return LiveServer(tmp_path, async_mode, extra=extra, strict=True)


@pytest.mark.parametrize("limit", ["CONNECT_RATE=30/fortnight", "COMMAND_RATE=garbage"])
def test_a_rate_limit_that_is_no_rate_stops_the_start_naming_it(tmp_path: Path, limit: str) -> None:
    """A typo in a limit is one line at the start, naming the setting and its form: not a
    traceback from the rate limiter."""
    name, _, value = limit.partition("=")
    command = [sys.executable, "-m", "workshop", "serve", "--data", str(tmp_path)]
    started = subprocess.run(
        [*command, "--set", limit], capture_output=True, text=True, timeout=60, check=False
    )
    assert started.returncode == 2, started.stderr
    assert f"{name} must be limits such as " in started.stderr
    assert f"got {value!r}" in started.stderr and "Traceback" not in started.stderr


def test_the_async_mode_given_with_set_is_the_one_served(tmp_path: Path) -> None:
    """`--set ASYNC_MODE=threading` was accepted and the server ran gevent all the same; a
    mode that does not exist, or a timer interval below the option's least, now stops the
    start naming the setting."""
    server = LiveServer(tmp_path, extra=("--set", "ASYNC_MODE=threading")).start()
    try:
        assert "(threading)" in server.log.read_text()
        assert server.get("/healthz").status_code == 200
    finally:
        server.stop()
    command = [sys.executable, "-m", "workshop", "serve", "--data", str(tmp_path)]
    for bad, said in (
        ("ASYNC_MODE=fibers", "ASYNC_MODE must be one of gevent, eventlet, threading"),
        ("TIMER_INTERVAL=0.001", "TIMER_INTERVAL must be at least 0.01"),
    ):
        started = subprocess.run(
            [*command, "--set", bad], capture_output=True, text=True, timeout=60, check=False
        )
        assert started.returncode == 2 and said in started.stderr, started.stderr
        assert "Traceback" not in started.stderr


def test_guessing_join_codes_is_rate_limited_while_a_whole_room_joins(tmp_path: Path) -> None:
    from workshop.config import SETTINGS

    server = strict_server(tmp_path).start()
    try:
        session = server.create_session("strategizing")
        for i in range(40):  # a room behind one address: right codes never count
            assert server.get(f"/api/join/{session['join_code']}").status_code == 200
            server.join(session, f"Person {i}", "team")
        guesses = int(str(SETTINGS["CODE_GUESS_RATE"][0]).split("/")[0])
        path = f"/api/sessions/{session['id']}/participants"
        for i in range(guesses):
            wrong = "AAAAA" + "23456789"[i % 8]
            if i % 2:
                assert server.get(f"/api/join/{wrong}").status_code == 404
            else:
                body = {"join_code": wrong, "name": "Guesser", "role": "team"}
                assert server.post(path, body).status_code == 403
        for refused in (
            server.get("/api/join/BBBBBB"),
            server.post(path, {"join_code": "BBBBBB", "name": "Guesser", "role": "team"}),
            server.get(f"/s/{session['id']}/qr.svg", code="BBBBBB"),
        ):
            assert refused.status_code == 429, refused.text
            assert refused.json()["error"]["code"] == "rate_limited"
            assert int(refused.headers["Retry-After"]) >= 1
        names = [
            p["name"]
            for p in server.get(
                f"/api/sessions/{session['id']}/state", session["facilitator_token"]
            ).json()["participants"]
        ]
        assert "Guesser" not in names and len(names) == 41
    finally:
        server.stop()


def test_creating_sessions_is_rate_limited_per_address(tmp_path: Path) -> None:
    from workshop.config import SETTINGS

    server = strict_server(tmp_path).start()
    try:
        allowed = int(str(SETTINGS["CREATE_RATE"][0]).split("/")[0])
        for _ in range(allowed - 3):
            server.create_session("strategizing")
        bad = {"kind": "roadmapping", "title": "Q3", "chain": "goalchain: 2"}
        for _ in range(3):  # a chain refused costs its parsing all the same: it counts
            assert server.post("/api/sessions", bad).status_code == 400
        refused = server.post("/api/sessions", {"kind": "strategizing", "title": "one more"})
        assert refused.status_code == 429, refused.text
        error = refused.json()["error"]
        assert error["code"] == "rate_limited"
        assert error["message"].startswith(
            "too many requests to create a session from your address (refused ones count)"
        )
        assert int(refused.headers["Retry-After"]) >= 1
    finally:
        server.stop()


def test_a_flooding_connection_is_rate_limited_and_others_are_served(
    tmp_path: Path, people: list[Person]
) -> None:
    server = strict_server(tmp_path).start()
    try:
        session, fac = host(server, people, "strategizing")
        pia, tom = seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
        acks: list[dict] = []
        done = threading.Event()

        def answered(ack: dict) -> None:
            acks.append(ack)
            if len(acks) == 400:
                done.set()

        for _ in range(400):  # more than a minute's worth, sent without waiting
            tom.client.emit("raise_hand", {}, callback=answered)
        assert done.wait(60), f"{len(acks)} of 400 answered"
        codes = {ack["error"]["code"] for ack in acks}
        assert codes == {"invalid_input", "rate_limited"}, codes
        limited = next(ack for ack in acks if ack["error"]["code"] == "rate_limited")
        assert limited["error"]["retry_after"] >= 1
        pia.ok("raise_hand")  # the flood held up nobody else's connection
    finally:
        server.stop()


def test_a_reconnect_loop_is_refused_before_it_is_recorded_or_announced(
    tmp_path: Path, people: list[Person]
) -> None:
    """A client reconnecting as fast as it can (a script, or a page gone wrong) costs the
    room a write and a presence message each time: past CONNECT_RATE it is refused, with
    the wait; the person's open connection and everyone else go on."""
    server = strict_server(tmp_path, "--set", "CONNECT_RATE=5/minute").start()
    try:
        session, fac = host(server, people, "strategizing")
        (tom,) = seat(server, session, people, ("Tom", "team"))  # his first connection
        refusals: list[dict] = []
        opened = 0
        for _ in range(20):
            loop = socketio.Client(reconnection=False)
            loop.on("connect_error", refusals.append)
            try:
                loop.connect(
                    server.url, auth={"token": tom.token}, transports=["websocket"], wait_timeout=10
                )
            except socketio.exceptions.ConnectionError:
                continue
            opened += 1
            loop.disconnect()
        assert opened == 4, f"{opened} connections opened besides his first, allowed 4"
        assert len(refusals) == 16
        error = refusals[-1]["data"]  # the refusal's message, and the error as API.md shapes it
        assert error["code"] == "rate_limited", error
        assert error["message"].startswith("too many connections opened as this person")
        assert error["retry_after"] >= 1
        tom.ok("raise_hand")  # his open connection is still served
        (pia,) = seat(server, session, people, ("Pia", "product"))
        pia.ok("raise_hand")
        minutes = server.get(
            f"/api/sessions/{session['id']}/minutes?format=json", session["facilitator_token"]
        ).json()
        toms = [row for row in minutes["attendance"] if row["participant_id"] == tom.id]
        assert len(toms) == 5, toms  # the refused connections left no trace
    finally:
        server.stop()


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closed this connection, after at most an error answer (reading
    waits for it; a connection the server keeps open fails with a socket timeout)."""
    answer = b""
    try:
        while chunk := sock.recv(4096):
            answer += chunk
    except ConnectionResetError:
        pass
    return not answer or answer.startswith((b"HTTP/1.1 4", b"HTTP/1.0 4"))


# An address of its own on loopback: the test's connections are the only ones it counts (the
# health checks of the server's start, from 127.0.0.1, may still be counted as they close).
ALONE = "127.0.0.9"


def connect(server: LiveServer, timeout: float = 15, source: str = ALONE) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout, (source, 0))


def slow_loris(server: LiveServer) -> socket.socket:
    """A connection whose request headers never end (read for 15 s at most: a server that
    cuts it off only after IDLE_TIMEOUT, a minute, does not pass for one that does)."""
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    return sock


def served_alone(server: LiveServer) -> bool:
    """Whether a new connection from the test's own address gets the page."""
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        try:
            return sock.recv(12).startswith(b"HTTP/1.1 200")
        except ConnectionResetError:
            return False


# Whichever server runs the app, the same guards hold.
ASYNC_MODES = ["gevent", "eventlet", "threading"]


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_a_client_that_never_finishes_its_headers_is_cut_off(
    tmp_path: Path, async_mode: str
) -> None:
    server = strict_server(tmp_path, "--set", "HEADER_TIMEOUT=1", async_mode=async_mode)
    server.start()
    try:
        with slow_loris(server) as sock:
            assert closed_by_server(sock)
    finally:
        server.stop()


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_a_connection_silent_after_its_headers_is_cut_off(tmp_path: Path, async_mode: str) -> None:
    """A request that promises a body and never sends it holds its connection IDLE_TIMEOUT
    at most, however long the headers may take (HEADER_TIMEOUT)."""
    server = strict_server(
        tmp_path, "--set", "IDLE_TIMEOUT=1", "--set", "HEADER_TIMEOUT=60", async_mode=async_mode
    ).start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(
                b"POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n{"
            )
            assert closed_by_server(sock)
        assert requests.get(server.url + "/", timeout=10).status_code == 200
    finally:
        server.stop()


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_one_address_holds_a_bounded_number_of_connections(tmp_path: Path, async_mode: str) -> None:
    server = strict_server(tmp_path, "--set", "CONNECTIONS_PER_ADDRESS=3", async_mode=async_mode)
    server.start()
    held = [slow_loris(server) for _ in range(3)]
    try:
        with connect(server, timeout=60) as extra:
            extra.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert closed_by_server(extra), "a fourth connection from one address was served"
        held.pop().close()
        poll(lambda: served_alone(server))
    finally:
        for sock in held:
            sock.close()
        server.stop()


def handshake(server: LiveServer, sid: str | None = None) -> tuple[int, dict, str]:
    """An Engine.IO handshake from the test's own address (or a poll of session `sid`):
    status, headers and body."""
    http = HTTPConnection("127.0.0.1", server.port, timeout=15, source_address=(ALONE, 0))
    try:
        query = "EIO=4&transport=polling" + (f"&sid={sid}" if sid else "")
        http.request("GET", f"/socket.io/?{query}")
        answer = http.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read().decode()
    finally:
        http.close()


@pytest.mark.parametrize("async_mode", ASYNC_MODES)
def test_socketio_handshakes_that_never_connect_are_bounded_per_address_and_closed(
    tmp_path: Path, async_mode: str, people: list[Person]
) -> None:
    """Each Engine.IO handshake made a session that lived some 45 s whether or not it ever
    connected, and none was counted: twelve clients from one address opening them in a
    loop took a server from 68 MB to 323 MB in 15 s."""
    server = strict_server(
        tmp_path,
        *("--set", "HANDSHAKES_PER_ADDRESS=5", "--set", "CONNECT_TIMEOUT=1"),
        async_mode=async_mode,
    )
    server.start()
    try:
        _session, fac = host(server, people)  # connected before the flood, from elsewhere
        opened = [handshake(server) for _ in range(5)]
        assert [status for status, _headers, _body in opened] == [200] * 5
        status, headers, body = handshake(server)
        assert status == 429 and headers["Retry-After"] == "1", (status, body)
        error = json.loads(body)["error"]
        assert error["code"] == "rate_limited" and "not connected yet" in error["message"]
        assert fac.fresh_state()["session"]["title"]  # others are served meanwhile

        # Their second runs out: the sessions are gone, and the address may open new ones.
        first = json.loads(opened[0][2][1:])["sid"]  # "0{...}": Engine.IO's open packet
        poll(lambda: handshake(server, first)[0] == 400, timeout=15)
        poll(lambda: handshake(server)[0] == 200, timeout=15)
        assert fac.fresh_state()["session"]["title"]  # connected in time, it stays
    finally:
        server.stop()


def test_public_url_makes_the_links_and_refuses_other_hosts(tmp_path: Path) -> None:
    server = strict_server(tmp_path, "--public-url", "https://workshop.test")
    server.start()
    ours, theirs = {"Host": "workshop.test"}, {"Host": "evil.example"}
    try:
        created = requests.post(
            server.url + "/api/sessions",
            json={"kind": "strategizing", "title": "Public"},
            headers=ours,
            timeout=10,
        )
        assert created.status_code == 201, created.text
        links = created.json()["links"]
        assert links["join"].startswith("https://workshop.test/s/")
        assert links["facilitator"].startswith("https://workshop.test/s/")
        forged = requests.post(
            server.url + "/api/sessions",
            json={"kind": "strategizing", "title": "Forged"},
            headers=theirs,
            timeout=10,
        )
        assert forged.status_code == 400 and forged.json()["error"]["code"] == "wrong_host"
        assert requests.get(server.url + "/healthz", headers=theirs, timeout=10).status_code == 200
        handshake = server.url + "/socket.io/?EIO=4&transport=polling"
        # Socket.IO is answered before Flask: a page on another name reaches it no more.
        refused = requests.get(handshake, headers=theirs, timeout=10)
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["code"] == "wrong_host"
        assert "workshop.test" in refused.json()["error"]["message"]
        assert requests.get(handshake, headers=ours, timeout=10).status_code == 200
        token = created.json()["facilitator_token"]
        as_named = requests.Session()  # each request of the connection names the server
        as_named.headers.update(ours)
        client = socketio.Client(reconnection=False, http_session=as_named)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(
                server.url,
                auth={"token": token},
                headers={"Origin": "https://evil.example"},
                transports=["polling"],  # a websocket client adds an Origin of its own
                wait_timeout=10,
            )
        client.connect(
            server.url,
            auth={"token": token},
            headers={"Origin": "https://workshop.test"},
            transports=["polling"],  # a websocket client adds an Origin of its own
            wait_timeout=10,
        )
        client.disconnect()
    finally:
        server.stop()


def test_a_public_url_in_capitals_serves_the_browsers_that_name_it_in_lower_case(
    tmp_path: Path,
) -> None:
    """Host names know no case, and browsers send them in lower case."""
    server = strict_server(tmp_path, "--public-url", "https://Workshop.Test").start()
    try:
        named = {"Host": "workshop.test"}
        page = requests.get(server.url + "/", headers=named, timeout=10)
        assert page.status_code == 200, page.text
        created = requests.post(
            server.url + "/api/sessions",
            json={"kind": "strategizing", "title": "Capitals"},
            headers={**named, "Origin": "https://workshop.test"},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        assert created.json()["links"]["join"].startswith("https://workshop.test/s/")
        handshake = server.url + "/socket.io/?EIO=4&transport=polling"
        from_page = {**named, "Origin": "https://workshop.test"}  # as a page's script asks
        assert requests.get(handshake, headers=from_page, timeout=10).status_code == 200
    finally:
        server.stop()


def test_public_url_refuses_changes_sent_from_pages_of_another_origin(tmp_path: Path) -> None:
    """A page elsewhere cannot make people's browsers create, join or command; a script that
    sends no Origin (curl, a bot) still can. The socket refuses the same origins."""
    server = strict_server(tmp_path, "--public-url", "https://workshop.test").start()
    ours = {"Host": "workshop.test"}

    def post(path: str, body: dict, origin: str | None, token: str = "") -> requests.Response:
        headers = ours | ({"Origin": origin} if origin else {})
        headers |= {"Authorization": f"Bearer {token}"} if token else {}
        return requests.post(server.url + path, json=body, headers=headers, timeout=10)

    try:
        made = post("/api/sessions", {"kind": "strategizing", "title": "Ours"}, None).json()
        same = post("/api/sessions", {"kind": "review", "title": "Ours"}, "https://workshop.test")
        assert same.status_code == 201, same.text
        join = {"join_code": made["join_code"], "name": "Eve", "role": "team"}
        command = f"/api/sessions/{made['id']}/commands/next_phase"
        for origin in ("https://evil.example", "null", "http://workshop.test"):
            attempts = [
                post("/api/sessions", {"kind": "strategizing", "title": "Forged"}, origin),
                post(f"/api/sessions/{made['id']}/participants", join, origin),
                post(command, {"cid": "c1"}, origin, made["facilitator_token"]),
            ]
            for answer in attempts:
                assert answer.status_code == 403, answer.text
                error = answer.json()["error"]
                assert (
                    error["code"] == "wrong_origin" and "https://workshop.test" in error["message"]
                )
        assert server.query("select count(*) from workshops", []) == [(2,)]
        assert server.query("select count(*) from events where type = 'phase_changed'", []) == [
            (0,)
        ]
        assert post(f"/api/sessions/{made['id']}/participants", join, None).status_code == 201
        for origin in ("https://evil.example", "null"):
            client = socketio.Client(reconnection=False)
            with pytest.raises(socketio.exceptions.ConnectionError):
                client.connect(
                    server.url,
                    auth={"token": made["facilitator_token"]},
                    headers=ours | {"Origin": origin},
                    transports=["polling"],  # a websocket client adds an Origin of its own
                    wait_timeout=10,
                )
    finally:
        server.stop()


def test_idle_sessions_leave_memory(database: Database) -> None:
    """The service keeps a bounded number of sessions in memory; the log rebuilds the rest."""
    from workshop.service import Service

    service = Service(database.open(), cached=3)
    made = [service.create("strategizing", f"Session {i}")["id"] for i in range(6)]
    assert len(service._states) == 3
    assert [service.state(workshop_id).title for workshop_id in made] == [
        f"Session {i}" for i in range(6)
    ]
    assert len(service._states) == 3


# -- bounded work per request ----------------------------------------------------------------


def chain_of(goals: int, about: str = "") -> dict:
    """A valid chain with this many user goals under the vision, each described by `about`."""
    return {
        "goalchain": 1,
        "vision": {"id": "V1", "statement": "Help people live healthier lives"},
        "goals": [
            {"id": f"U{i}", "level": "user", "title": f"Goal {i}", "parents": ["V1"]}
            | ({"description": about} if about else {})
            for i in range(1, goals + 1)
        ],
    }


def test_chain_uploads_have_a_size_and_goal_count_limit(server: LiveServer) -> None:
    from workshop.chainfile import MAX_GOALS, dumps, from_document

    session = {"kind": "roadmapping", "title": "Big chain"}
    answer = server.post("/api/sessions", {**session, "chain": chain_of(MAX_GOALS + 1)})
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "invalid_input"
    assert f"at most {MAX_GOALS}" in answer.json()["error"]["message"]
    text = dumps(from_document(chain_of(MAX_GOALS, "Measured weekly. " * 130)))  # over 1 MB
    answer = server.post("/api/sessions", {**session, "chain": text})
    assert answer.status_code == 413, answer.text
    assert "MAX_CONTENT_LENGTH" in answer.json()["error"]["message"]
    assert (
        server.post("/api/sessions", {**session, "chain": chain_of(MAX_GOALS)}).status_code == 201
    )


def test_a_big_chain_the_server_exports_it_takes_back_as_file_text(server: LiveServer) -> None:
    """A chain sent as a document of 600 KB was taken, its own YAML export refused (over a
    512 KB limit on text alone): the request body's limit is now the only one."""
    session = {"kind": "review", "title": "Big chain"}
    made = server.post(
        "/api/sessions", {**session, "chain": chain_of(400, "Measured weekly. " * 90)}
    )
    assert made.status_code == 201, made.text
    exported = server.export(made.json(), "chain", format="yaml").text
    assert len(exported.encode()) > 600 * 1024
    again = server.post("/api/sessions", {**session, "chain": exported})
    assert again.status_code == 201, again.text
    assert server.export(again.json(), "chain", format="yaml").text == exported


def test_each_export_is_rendered_once_per_version_of_the_session(tmp_path: Path) -> None:
    """In process, to count renderings: the same file again is served from the cache."""
    from workshop import create_app

    app = create_app({"DATA_DIR": str(tmp_path)})
    renderings = app.extensions["workshop_renderings"]
    made: list[str] = []
    renderings.offload = lambda function, *args: made.append("rendered") or function(*args)
    client = app.test_client()
    created = client.post("/api/sessions", json={"kind": "strategizing", "title": "Cached"})
    session = created.get_json()
    token = {"Authorization": f"Bearer {session['facilitator_token']}"}
    paths = [f"/api/sessions/{session['id']}/{path}" for path in EXPORTS]
    first = [client.get(path, headers=token).data for path in paths]
    assert len(made) == len(paths)
    assert [client.get(path, headers=token).data for path in paths] == first
    assert len(made) == len(paths)  # nothing rendered again
    moved = client.post(
        f"/api/sessions/{session['id']}/commands/next_phase", json={"cid": "n1"}, headers=token
    )
    assert moved.status_code == 200
    client.get(paths[0], headers=token)
    assert len(made) == len(paths) + 1  # a new seq: rendered afresh


# -- anonymous ballots -----------------------------------------------------------------------


def database_bytes(server: LiveServer) -> bytes:
    """Every byte the server's database holds on disk: the file and its write-ahead log."""
    files = [server.data / "workshop.db", server.data / "workshop.db-wal"]
    return b"".join(path.read_bytes() for path in files if path.exists())


def test_a_reveal_during_a_backup_neither_waits_for_it_nor_leaves_the_key_behind(
    tmp_path: Path, people: list[Person]
) -> None:
    """A reader of the database file (a backup, an administrator's shell) holds an older
    snapshot while an anonymous ballot is revealed. The log cannot be emptied under it: the
    reveal must not wait for the reader (it froze the whole server for SQLite's 10 s busy
    wait), and the log is emptied by the first write after the reader lets go (it was
    tried once, and the forgotten key stayed in the log)."""
    server = LiveServer(tmp_path).start()
    try:
        session, fac = host(server, people, "strategizing")
        tom, _ann = seat(server, session, people, ("Tom", "team"), ("Ann", "team"))
        fac.ok("next_phase")
        vision = tom.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
        fac.ok("go_to_phase", phase="decide")
        anonymous = {"rule": "majority", "rule_reason": "a quick poll", "anonymous": True}
        ballot = fac.ok("open_ballot", proposal_ids=[vision], **anonymous)["ballot_id"]
        backup = sqlite3.connect(server.data / "workshop.db", isolation_level=None)
        backup.execute("begin")
        ((key,),) = backup.execute("select key from ballot_keys").fetchall()  # a snapshot held
        tom.ok("cast_vote", ballot_id=ballot, vote={"choice": "agree"})
        fac.ok("close_ballot", ballot_id=ballot, reveal=True)
        assert key.encode() in database_bytes(server)  # the reader still sees the old log
        backup.execute("commit")
        backup.close()
        fac.ok("next_phase")  # the first write after the reader let go
        assert key.encode() not in database_bytes(server), "the ballot's key outlived the reveal"
    finally:
        server.stop()


def anonymous_poll(
    server: LiveServer, people: list[Person]
) -> tuple[dict, Person, list[Person], str]:
    """A session where Pia, Tom and Ann are asked, by an anonymous majority ballot, to
    agree to Pia's vision."""
    session, fac = host(server, people, "strategizing")
    voters = seat(server, session, people, ("Pia", "product"), ("Tom", "team"), ("Ann", "team"))
    fac.ok("next_phase")
    vision = voters[0].ok("propose_goal", level="vision", title="Healthier lives")
    fac.ok("go_to_phase", phase="decide")
    anonymous = {"rule": "majority", "rule_reason": "a quick anonymous poll", "anonymous": True}
    ballot = fac.ok("open_ballot", proposal_ids=[vision["proposal_id"]], **anonymous)
    return session, fac, voters, ballot["ballot_id"]


def test_after_the_reveal_not_even_the_database_links_an_anonymous_vote(
    tmp_path: Path, people: list[Person]
) -> None:
    server = LiveServer(tmp_path).start()
    try:
        session, fac, (pia, tom, ann), ballot = anonymous_poll(server, people)
        shown = [b for b in tom.fresh_state()["ballots"] if b["id"] == ballot][0]
        assert "only the facilitator sees who has voted" in shown["anonymity"]
        pia.ok("cast_vote", ballot_id=ballot, vote={"choice": "agree", "reason": "Pia-first"})
        again = pia.ok(
            "cast_vote", ballot_id=ballot, vote={"choice": "disagree", "reason": "Pia-second"}
        )
        assert again["vote"]["choice"] == "disagree"  # replacing one's vote still works
        tom.ok("cast_vote", ballot_id=ballot, vote={"choice": "agree", "reason": "Tom-reason"})
        mine = [b for b in pia.fresh_state()["ballots"] if b["id"] == ballot][0]
        assert mine["my_vote"]["reason"] == "Pia-second" and mine["turnout"] == 2
        watching = [b for b in fac.fresh_state()["ballots"] if b["id"] == ballot][0]
        assert watching["not_voted"] == [ann.id]  # only the facilitator knows who voted
        assert "not_voted" not in [b for b in tom.fresh_state()["ballots"] if b["id"] == ballot][0]
        with sqlite3.connect(server.data / "workshop.db") as db:  # what an administrator sees
            (key,) = db.execute(
                "select key from ballot_keys where workshop_id = ? and ballot_id = ?",
                [session["id"], ballot],
            ).fetchone()
        fac.ok("close_ballot", ballot_id=ballot, reveal=True)

        assert key.encode() not in database_bytes(server), "the ballot's key outlived the reveal"
        votes = [
            json.loads(data)
            for (data,) in server.query(
                "select data from events where workshop_id = ? and type = 'vote_cast'",
                [session["id"]],
            )
        ]
        people_ids = {pia.id, tom.id, ann.id}
        assert votes and all(vote["voter"] not in people_ids for vote in votes)
        # The facilitator saw who voted at which seq; at those seqs the log holds no vote,
        # and no acknowledgement kept holds one: the reveal alone has them, under labels.
        seen = {e["seq"]: e["voter"] for e in fac.events("vote_cast")}
        assert sorted(seen.values()) == sorted([pia.id, pia.id, tom.id])
        assert [vote for vote in votes if vote["seq"] in seen and "vote" in vote] == []
        reasons = ("Pia-first", "Pia-second", "Tom-reason")
        rows = server.query("select data from events where workshop_id = ?", [session["id"]])
        holding = [json.loads(data) for (data,) in rows if any(r in data for r in reasons)]
        assert [item["type"] for item in holding] == ["ballot_revealed"]
        assert "Pia-first" not in json.dumps(holding)  # a vote replaced is gone for good
        rows = server.query("select ack from commands where workshop_id = ?", [session["id"]])
        assert not [ack for (ack,) in rows if "vote" in json.loads(ack)], "an ack keeps a vote"
        revealed = [b for b in fac.fresh_state()["ballots"] if b["id"] == ballot][0]
        assert "not_voted" not in revealed  # after the reveal, nobody knows

        def minutes_but_attendance() -> dict:
            """The minutes, but who was connected when (the restart ends every connection)."""
            whole = server.export(session, "minutes", format="json").json()
            return {part: whole[part] for part in whole if part != "attendance"}

        record = minutes_but_attendance()
        server.stop()
        server.start()  # the session read back from its log: the same ballot, the same words
        assert minutes_but_attendance() == record
        entry = [b for b in record["ballots"] if b["id"] == ballot][0]
        assert sorted(entry["electorate"]) == ["member 1", "voter 1", "voter 2"]
        assert ann.id not in json.dumps(entry["result"])
    finally:
        server.stop()


def test_a_crash_just_after_a_reveal_held_up_by_a_reader_leaves_no_key_after_the_restart(
    tmp_path: Path, people: list[Person]
) -> None:
    """A reader (a backup, a monitoring query) held a snapshot while an anonymous ballot was
    revealed, so the log could not be emptied; the server was killed before its next write,
    and the key and the votes stayed in the log after the restart: the pending scrub lived
    only in the killed process. Every start empties the log."""
    server = LiveServer(tmp_path).start()
    reader = sqlite3.connect(server.data / "workshop.db", isolation_level=None)
    try:
        _session, fac, (pia, tom, _ann), ballot = anonymous_poll(server, people)
        pia.ok("cast_vote", ballot_id=ballot, vote={"choice": "agree", "reason": "Pia-why"})
        tom.ok("cast_vote", ballot_id=ballot, vote={"choice": "disagree", "reason": "Tom-why"})
        ((key,),) = server.query("select key from ballot_keys", [])
        reader.execute("begin")
        reader.execute("select count(*) from events").fetchone()  # a snapshot held
        fac.ok("close_ballot", ballot_id=ballot, reveal=True)
        server.kill()  # SIGKILL, before any other write
        wal = server.data / "workshop.db-wal"
        assert key.encode() in wal.read_bytes()  # what the crash left behind
        reader.execute("commit")  # the reader lets go, its connection stays open
        server.start()
        assert key.encode() not in database_bytes(server), "the key outlived the restart"
        assert b'"vote":{' not in (wal.read_bytes() if wal.exists() else b"")
    finally:
        reader.close()
        server.stop()


def test_a_backup_taken_while_an_anonymous_ballot_is_open_never_links_a_vote(
    tmp_path: Path, people: list[Person]
) -> None:
    """A routine `workshop backup` taken while an anonymous ballot was open held its key:
    after the reveal, HMAC(key, ballot:participant) in that file named every vote's voter,
    for as long as the file was kept. The copy holds no key, and no vote where it was cast
    (the facilitator saw who voted at which seq); restored, the ballot takes no more votes
    (nobody can tell who voted already) and its reveal shows the votes as they stood."""
    (tmp_path / "live").mkdir()
    server = LiveServer(tmp_path / "live").start()
    try:
        session, fac, (pia, tom, ann), ballot = anonymous_poll(server, people)
        pia.ok("cast_vote", ballot_id=ballot, vote={"choice": "agree", "reason": "Pia-first"})
        pia.ok("cast_vote", ballot_id=ballot, vote={"choice": "disagree", "reason": "Pia-last"})
        tom.ok("cast_vote", ballot_id=ballot, vote={"choice": "agree", "reason": "Tom-why"})
        ((key,),) = server.query("select key from ballot_keys", [])
        copy = tmp_path / "restored" / "workshop.db"
        copy.parent.mkdir()
        url = f"sqlite:///{server.data / 'workshop.db'}"
        made = subprocess.run(
            [sys.executable, "-m", "workshop", "backup", "--database", url, str(copy)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert made.returncode == 0, made.stderr
        fac.ok("close_ballot", ballot_id=ballot, reveal=True)  # the original goes on
    finally:
        server.stop()

    held = copy.read_bytes()
    assert key.encode() not in held, "the backup holds the ballot's key"
    assert b"Pia-first" not in held  # a replaced vote is gone from the copy too
    with sqlite3.connect(copy) as db:
        assert db.execute("select count(*) from ballot_keys").fetchone() == (0,)
        logged = {
            seq: json.loads(data)
            for seq, data in db.execute(
                "select seq, data from events where type = 'vote_cast' order by seq"
            )
        }
        acks = [ack for (ack,) in db.execute("select ack from commands") if '"vote"' in ack]
    assert acks == [], "an ack in the backup keeps a vote"
    seen = {e["seq"]: e["voter"] for e in fac.events("vote_cast")}  # what the facilitator saw
    said = {pia.id: "Pia-last", tom.id: "Tom-why"}
    assert [e for seq, e in logged.items() if said.get(seen[seq]) in json.dumps(e)] == []
    kept = sorted(e["vote"]["reason"] for e in logged.values() if "vote" in e)
    assert kept == ["Pia-last", "Tom-why"]  # the votes as they stood, in no telling order

    restored = LiveServer(copy.parent).start()
    try:
        fac = Person(restored, session["facilitator_token"], "fac-restored")
        ann, pia = (Person(restored, who.token, who.name) for who in (ann, pia))
        people.extend([fac, ann, pia])
        for voter in (ann, pia):  # Pia voted already: nobody can tell, so nobody votes
            error = voter.refused("cast_vote", "conflict", ballot_id=ballot, vote=AGREE)
            assert error["message"].startswith(
                "this anonymous ballot takes no more votes: its key is gone (the database was"
                " restored from a backup"
            )
        revealed = fac.ok("close_ballot", ballot_id=ballot, reveal=True)["events"]
        (shown,) = [e for e in revealed if e["type"] == "ballot_revealed"]
        assert sorted(vote["reason"] for vote in shown["votes"]) == ["Pia-last", "Tom-why"]
        rows = restored.query("select data from events where type = 'vote_cast'", [])
        assert [data for (data,) in rows if '"vote"' in data] == []  # and leave the log
    finally:
        restored.stop()


def test_an_anonymous_ballots_votes_leave_the_log_at_its_reveal_on_every_backend(
    database: Database,
) -> None:
    """Filed by seq and time, an anonymous vote kept in the log after the reveal links it to
    whoever the facilitator saw vote then. At the reveal the votes leave the log's vote
    events and the acks kept for retries, on both backends, even when the last vote and the
    reveal are one command (a remote ballot that everyone answered); the session read back
    from its log shows the same ballots."""
    room = Room(database)
    pia, tom = room.join("Pia", "product"), room.join("Tom", "team")
    room.do(room.fac, "next_phase")
    live, remote = (room.propose(pia, level="vision", title=t) for t in ("Live", "Remote"))
    room.do(room.fac, "go_to_phase", phase="decide")
    anonymous = {"rule": "majority", "rule_reason": "a poll", "anonymous": True}
    ballot = room.do(room.fac, "open_ballot", proposal_ids=[live], **anonymous)["ballot_id"]
    room.vote(ballot, {pia: {"choice": "agree", "reason": "Pia's reason"}})
    room.vote(ballot, {tom: {"choice": "disagree", "reason": "Tom's reason"}})
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    ballot = room.do(
        room.fac,
        "send_remote_ballot",
        proposal_ids=[remote],
        voters=["Rita", "Rob"],
        deadline_seconds=600,
        **anonymous,
    )["ballot_id"]
    rita, rob = (p.id for p in room.state.participants.values() if p.remote)
    room.vote(ballot, {rob: {"choice": "disagree", "reason": "Rob's reason"}})
    room.vote(ballot, {rita: {"choice": "agree", "reason": "Rita's reason"}})
    assert room.state.ballots[ballot].status == "revealed"

    store = room.service.store
    assert [e for e in store.events(room.id) if e["type"] == "vote_cast" and "vote" in e] == []
    assert [row for row in store.rows("commands") if '"vote"' in row["ack"]] == []
    revealed = [e for e in store.events(room.id) if e["type"] == "ballot_revealed"]
    assert [v["reason"] for e in revealed for v in e["votes"]] == [
        "Pia's reason",
        "Tom's reason",
        "Rita's reason",
        "Rob's reason",
    ]
    again = Service(database.open(), clock=room.clock).snapshot(room.id, room.fac)
    assert again["ballots"] == room.view(room.fac)["ballots"]


def test_an_anonymous_ballot_of_one_voter_is_refused(
    server: LiveServer, people: list[Person]
) -> None:
    """An anonymous ballot whose electorate was Alice alone showed at its reveal how she
    voted: anonymity needs someone to hide among."""
    session, fac, pia, tom, proposal = roadmap(server, people)
    fac.ok("go_to_phase", phase="decide")
    before = fac.fresh_state()
    anonymous = {"proposal_ids": [proposal], "rule": "majority", "rule_reason": "a poll"}
    error = fac.refused("open_ballot", "conflict", electorate=[pia.id], anonymous=True, **anonymous)
    assert error["message"] == (
        "an anonymous ballot needs at least 2 voters: with Pia alone in its electorate, its"
        " reveal would show how they voted; open it named, or with more voters"
    )
    error = fac.refused(
        "send_remote_ballot",
        "conflict",
        voters=["Rita"],
        deadline_seconds=600,
        anonymous=True,
        **anonymous,
    )
    assert "with Rita alone in its electorate" in error["message"]
    after = fac.fresh_state()  # Rita was not invited either
    assert (after["participants"], after["ballots"]) == (before["participants"], before["ballots"])
    fac.ok("open_ballot", electorate=[pia.id], **anonymous)  # named, one voter is fine
    assert tom.fresh_state()["ballots"][0]["anonymous"] is False


def test_a_remote_voter_cannot_be_handed_the_facilitation(
    server: LiveServer, people: list[Person]
) -> None:
    """It answered `not_found` "participant 'pt4' is not in this session" for Rita, who is."""
    session, fac, pia, tom, proposal = roadmap(server, people)
    rita = fac.ok(
        "send_remote_ballot", proposal_ids=[proposal], voters=["Rita"], deadline_seconds=600
    )["invitations"][0]
    error = fac.refused("hand_over", "conflict", participant_id=rita["participant_id"])
    assert error["message"] == (
        "Rita takes part by personal link, which can vote and comment but not facilitate:"
        " hand over to someone in the room"
    )
    fac.refused("hand_over", "not_found", participant_id="pt99")


def test_the_anonymity_of_a_runoff_must_be_true_or_false(
    server: LiveServer, people: list[Person]
) -> None:
    """`anonymous: 0` was taken for an anonymous ballot's runoff: bad input is refused."""
    session, fac, pia, tom, _proposal = roadmap(server, people)
    other = product_goal(pia, "Coach in the app")
    rival = product_goal(tom, "Step counter")
    fac.ok("go_to_phase", phase="decide")
    ranked = {"rule": "ranked", "rule_reason": "two options", "anonymous": True}
    tied = fac.ok("open_ballot", proposal_ids=[other, rival], **ranked)["ballot_id"]
    pia.ok("cast_vote", ballot_id=tied, vote={"ranking": [other, rival]})
    tom.ok("cast_vote", ballot_id=tied, vote={"ranking": [rival, other]})
    fac.ok("close_ballot", ballot_id=tied, reveal=True)
    before = fac.fresh_state()["ballots"]
    for wrong, said in ((0, "anonymous must be true or false, got 0"), ("no", "got 'no'")):
        error = fac.refused(
            "break_tie", "invalid_input", ballot_id=tied, how="runoff", anonymous=wrong
        )
        assert said in error["message"]
    error = fac.refused("break_tie", "invalid_input", ballot_id=tied, how="runoff", anonymous=False)
    assert error["message"] == "anonymous: the runoff of an anonymous ballot is anonymous too"
    assert fac.fresh_state()["ballots"] == before
    runoff = fac.ok("break_tie", ballot_id=tied, how="runoff")["events"][0]["ballot"]
    assert runoff["anonymous"] is True


def test_the_personal_page_says_what_anonymity_covers(
    server: LiveServer, people: list[Person]
) -> None:
    _session, fac, _pia, _tom, proposal = roadmap(server, people)
    ack = fac.ok(
        "send_remote_ballot",
        proposal_ids=[proposal],
        voters=["Rita", "Rob"],  # an anonymous ballot needs two voters at least
        deadline_seconds=600,
        rule="majority",
        rule_reason="remote majority",
        anonymous=True,
    )
    link = server.url + ack["invitations"][0]["link"]
    assert "only the facilitator sees who has voted" in requests.get(link, timeout=10).text
