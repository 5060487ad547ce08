"""Hostile and careless input found in review: what PRODUCT.md and API.md promise holds.

Each test once failed: lone surrogates, NaN, deep JSON, forged event names, stale links...
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.engine import Database, Room
from tests.live import LiveServer, Person, host, seat
from workshop.domain.text import day_words, shown

ROOT = Path(__file__).resolve().parents[1]

CHAIN = {
    "goalchain": 1,
    "product": "Fitness app",
    "vision": {"id": "V1", "statement": "Help people live healthier lives"},
    "goals": [
        {"id": "U1", "level": "user", "title": "Lose weight", "parents": ["V1"]},
        {
            "id": "P1",
            "level": "product",
            "title": "Free coach",
            "parents": ["U1"],
            "metrics": [{"name": "weekly active users", "target": 5000}],
            "due": "2027-Q2",
        },
    ],
}


def raw_post(server: LiveServer, path: str, text: str, token: str | None = None):
    """POST a body exactly as written (lone surrogates, NaN, deep nesting...)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(server.url + path, data=text.encode(), headers=headers, timeout=10)


def run_workshop(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workshop", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def workshop_error(run: subprocess.CompletedProcess) -> None:
    """Exit 1 with one clear line, never a traceback."""
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:"), run.stderr


# --- bad input that crashes or poisons a session ------------------------------------------


def test_lone_surrogate_in_a_proposal_title_is_refused_and_minutes_still_work(
    server: LiveServer,
) -> None:
    session = server.create_session("strategizing")
    pia = server.join(session, "Pia", "product")
    commands = f"/api/sessions/{session['id']}/commands"
    moved = server.post(
        f"{commands}/go_to_phase", {"cid": "g1", "phase": "propose"}, session["facilitator_token"]
    )
    assert moved.status_code == 200, moved.text
    answer = raw_post(
        server,
        f"{commands}/propose_goal",
        '{"cid": "p1", "level": "vision", "title": "Healthy \\ud800 lives"}',
        pia["token"],
    )
    minutes = server.export(session, "minutes", format="md")
    assert minutes.status_code == 200, minutes.text
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_input"


def test_lone_surrogate_in_a_session_title_is_a_400(server: LiveServer) -> None:
    answer = raw_post(server, "/api/sessions", '{"kind": "strategizing", "title": "\\ud800"}')
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_input"


@pytest.mark.parametrize("blank", ["\u200b\u200b", "\u2800\u3164", "\u115f \u2060"])
def test_a_title_of_invisible_characters_is_refused_as_empty(
    server: LiveServer, people: list[Person], blank: str
) -> None:
    """A goal titled with a Braille blank and a Hangul filler was accepted and shown as a
    card with no title, while the same characters as a name were refused."""
    answer = server.post("/api/sessions", {"kind": "strategizing", "title": blank})
    assert answer.status_code == 400, answer.text
    empty = "title must not be empty: it holds only invisible characters"
    assert answer.json()["error"] == {"code": "invalid_input", "message": empty}
    session, fac = host(server, people, "strategizing")
    (pia,) = seat(server, session, people, ("Pia", "product"))
    fac.ok("next_phase")
    before = fac.fresh_state()
    assert pia.refused("propose_goal", "invalid_input", level="vision", title=blank)["message"] == (
        empty
    )
    assert fac.fresh_state()["proposals"] == before["proposals"] == []
    pia.ok("propose_goal", level="vision", title=f"Healthier lives{blank}")  # text around them


@pytest.mark.parametrize("endpoint", ["sessions", "participants"])
def test_deeply_nested_json_body_is_a_400(server: LiveServer, endpoint: str) -> None:
    path = "/api/sessions"
    if endpoint == "participants":
        path = f"/api/sessions/{server.create_session()['id']}/participants"
    answer = raw_post(server, path, "[" * 100_000 + "]" * 100_000)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_json"
    # An object it is, nested too deeply: it was answered "must be a JSON object".
    answer = raw_post(server, path, '{"a": ' * 3000 + "1" + "}" * 3000)
    assert answer.json()["error"] == {
        "code": "invalid_json",
        "message": "the request body is nested more than 32 levels deep",
    }


@pytest.mark.parametrize(
    "change",
    [
        {"metrics": [{"name": "subscribers", "target": float("nan")}]},
        {"metrics": [{"name": "subscribers", "target": float("inf")}]},
        *({"due": due} for due in ("2027-13", "2027-00", "2027\n", "\uff12\uff10\uff12\uff17")),
    ],
)
def test_non_finite_metrics_and_impossible_dates_are_refused(
    database: Database, change: dict
) -> None:
    """NaN and infinity in metrics; months 13 and 00, a trailing newline, full-width digits."""
    room = Room(database, "roadmapping", CHAIN)
    pia = room.join("Pia", "product")
    room.do(room.fac, "go_to_phase", phase="discuss")
    goal = {
        "level": "product",
        "title": "Premium plan",
        "parents": ["U1"],
        "metrics": [{"name": "subscribers", "target": 2000}],
        "due": "2027-06-30",
    }
    room.refused(pia, "propose_goal", "invalid_input", **{**goal, **change})


def test_chain_with_nan_in_provenance_is_refused_at_import(server: LiveServer) -> None:
    body = (
        '{"kind": "roadmapping", "title": "t", "chain": {"goalchain": 1, '
        '"vision": {"id": "V1", "statement": "S", "decided": {"tally": {"agree": NaN}}}}}'
    )
    answer = raw_post(server, "/api/sessions", body)
    if answer.status_code == 201:  # accepted: then its JSON export must at least be JSON
        chain = server.export(answer.json(), "chain", format="json")
        json.loads(chain.text, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    else:
        assert answer.status_code == 400, answer.text


def test_chain_format_json_output_is_importable(tmp_path: Path) -> None:
    source = tmp_path / "chain.yaml"
    source.write_text(
        "goalchain: 1\n"
        "vision: {id: V1, statement: S}\n"
        "goals:\n"
        "  - id: U1\n"
        "    level: user\n"
        "    title: T\n"
        "    parents: [V1]\n"
        "    decided: {rule: unanimity, tally: {agree: .nan}}\n",
        encoding="utf-8",
    )
    if run_workshop("chain", "validate", str(source)).returncode == 1:
        return  # refusing it on import is a fine fix too
    formatted = run_workshop("chain", "format", "--json", str(source))
    assert formatted.returncode == 0, formatted.stderr
    target = tmp_path / "chain.json"
    target.write_text(formatted.stdout, encoding="utf-8")
    checked = run_workshop("chain", "validate", str(target))
    assert checked.returncode == 0, checked.stderr


def test_a_kpi_reading_never_breaks_the_chain_export(database: Database) -> None:
    from workshop import chainfile

    room = Room(database, "review", CHAIN)
    pia = room.join("Pia", "product")
    message = room.refused(
        pia,
        "record_kpi",
        "invalid_input",
        goal_id="P1",
        metric="weekly active users",
        value=1800,
        date="2027-Q2",
    )  # a reading is taken on a day, not in a quarter
    assert "date" in message
    room.do(
        pia, "record_kpi", goal_id="P1", metric="weekly active users", value=1800, date="2027-01-12"
    )
    exported = chainfile.dumps(room.state.chain)
    chainfile.loads(exported, "export.yaml")  # raises when the export is not a valid chain


def test_a_kpi_reading_of_a_day_still_to_come_is_refused_and_today_is_the_sessions(
    server: LiveServer, people: list[Person]
) -> None:
    """A reading dated next month was recorded, and the review's minutes reported a KPI read
    on a day that had not come; a reading with no date took the day in UTC, a day behind a
    session in the Pacific; a retired goal's KPI was read as if the goal were pursued."""
    zone = "Pacific/Kiritimati"  # UTC+14: its day differs from UTC's for 14 hours of each
    retired = {
        "id": "P2",
        "level": "product",
        "title": "Retired revenue line",
        "parents": ["U1"],
        "metrics": [{"name": "weekly active users"}],
        "status": "retired",
    }
    chain = {**CHAIN, "goals": [*CHAIN["goals"], retired]}
    session, _fac = host(server, people, "review", chain=chain, title="Review", time_zone=zone)
    (pia,) = seat(server, session, people, ("Pia", "product"))
    later = (datetime.now(ZoneInfo(zone)).date() + timedelta(days=1)).isoformat()
    reading = {"goal_id": "P1", "metric": "weekly active users", "value": 1800}
    message = pia.refused("record_kpi", "invalid_input", **reading, date=later)["message"]
    assert message.startswith("date: ") and "is still to come" in message, message
    assert day_words(later) in message, message
    assert pia.fresh_state()["kpi_readings"] == []
    gone = pia.refused("record_kpi", "conflict", **{**reading, "goal_id": "P2"})["message"]
    assert gone.startswith("goal_id: “Retired revenue line” is retired"), gone
    vision = pia.refused("record_kpi", "not_found", **{**reading, "goal_id": "V1"})["message"]
    assert vision == "goal_id: the vision has no metrics: a KPI reading is of a goal's metric"
    pia.ok("record_kpi", **reading)
    (recorded,) = pia.fresh_state()["kpi_readings"]
    assert recorded["at"] == datetime.now(ZoneInfo(zone)).date().isoformat()


def test_markup_in_an_imported_chain_is_refused(server: LiveServer) -> None:
    chain = json.loads(json.dumps(CHAIN))
    chain["goals"][0]["title"] = "<script>alert(1)</script>"
    answer = server.post("/api/sessions", {"kind": "roadmapping", "title": "t", "chain": chain})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_input"


# --- remote voting ------------------------------------------------------------------------


def test_a_re_invited_remote_voter_can_vote_until_the_new_deadline(database: Database) -> None:
    room = Room(database, "strategizing")
    pia, tom = room.join("Pia", "product"), room.join("Tom", "team")
    room.do(room.fac, "go_to_phase", phase="propose")
    vision = room.propose(pia, level="vision", title="Healthy lives")
    user = room.propose(tom, level="user", title="Lose weight")
    room.do(room.fac, "go_to_phase", phase="decide")
    first = room.do(
        room.fac, "send_remote_ballot", proposal_ids=[vision], voters=["Rita"], deadline_seconds=60
    )
    rita = first["invitations"][0]["participant_id"]
    tokens = [first["invitations"][0]["token"]]
    room.do(rita, "cast_vote", ballot_id=first["ballot_id"], vote={"choice": "agree"})
    second = room.do(
        room.fac, "send_remote_ballot", proposal_ids=[user], voters=[rita], deadline_seconds=3600
    )
    tokens += [i["token"] for i in second.get("invitations", []) if i["participant_id"] == rita]
    room.clock.advance(120)  # the first deadline has passed; the second ballot is open
    assert room.state.ballots[second["ballot_id"]].status == "open"
    usable = []
    for token in tokens:
        try:
            usable.append(room.service.authenticate(token))
        except Exception:  # noqa: BLE001 - expired is what we are checking for
            pass
    assert usable, "no link of Rita's works while her ballot is open"


# --- workshop tally -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"rule": "unanimity", "options": ["A"], "electorate": ["v1"],'
        ' "votes": [{"voter": ["v1"], "choice": "agree"}]}',
        '{"rule": "unanimity", "options": ["A"], "electorate": ["v1"],'
        ' "votes": [{"voter": {"id": "v1"}, "choice": "agree"}]}',
        '{"rule": "fist_of_five", "options": ["A"], "electorate": ["v1"],'
        ' "votes": [{"voter": "v1", "value": ' + "9" * 5000 + "}]}",
    ],
    ids=["voter-list", "voter-object", "huge-integer"],
)
def test_tally_malformed_record_is_one_clear_line(tmp_path: Path, text: str) -> None:
    record = tmp_path / "ballot.json"
    record.write_text(text, encoding="utf-8")
    workshop_error(run_workshop("tally", str(record), "--json"))


# --- chain validate -----------------------------------------------------------------------


def test_duplicate_key_in_a_json_chain_names_the_line(tmp_path: Path) -> None:
    source = tmp_path / "chain.json"
    source.write_text(
        '{"goalchain": 1,\n'
        ' "vision": {"id": "V1", "statement": "S"},\n'
        ' "vision": {"id": "V2", "statement": "T"}}\n',
        encoding="utf-8",
    )
    run = run_workshop("chain", "validate", str(source))
    assert run.returncode == 1
    assert run.stderr.startswith(f"{source}:3:"), run.stderr


# --- Socket.IO ----------------------------------------------------------------------------


def test_a_client_event_named_disconnect_is_an_unknown_command(
    server: LiveServer, people: list[Person]
) -> None:
    session = server.create_session("strategizing")
    pia = server.join(session, "Pia", "product")
    facilitator = Person(server, session["facilitator_token"], "fac")
    person = Person(server, pia["token"], "pia")
    people += [facilitator, person]
    ack = person.client.call("disconnect", {"cid": "d1"}, timeout=5)
    present = {p["id"]: p["present"] for p in facilitator.fresh_state()["participants"]}
    assert present[pia["participant_id"]] is True
    assert isinstance(ack, dict) and ack.get("ok") is False, ack
    assert ack["error"]["code"] == "unknown_command"


def test_a_command_with_extra_arguments_gets_a_clear_error(
    server: LiveServer, people: list[Person]
) -> None:
    session = server.create_session("strategizing")
    pia = server.join(session, "Pia", "product")
    person = Person(server, pia["token"], "pia")
    people.append(person)
    ack = person.client.call("raise_hand", ({"cid": "h1"}, {"extra": 1}), timeout=5)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "invalid_input", ack


# --- refusals that name the problem (PRODUCT.md §7: "a clear error that names the problem") --


def refusal_in_review(database: Database, command: str, code: str, **payload: object) -> str:
    """The message refusing `command` in a review session of CHAIN during its decide phase,
    with two proposals `pr1`, `pr2` (product goals, ready for a vote) by Pia."""
    room = Room(database, "review", CHAIN)
    pia = room.join("Pia", "product")
    room.join("Tom", "team")
    room.do(room.fac, "go_to_phase", phase="decide")
    ready = {"level": "product", "parents": ["U1"], "metrics": [{"name": "m", "target": 1}]}
    room.propose(pia, title="Coach chat", due="2027", **ready)
    room.propose(pia, title="Run tracker", due="2027", **ready)
    actor = pia if command in ("propose_goal", "cast_vote") else room.fac
    if command == "cast_vote":
        dots = {"proposal_ids": ["pr1", "pr2"], "rule": "dot", "rule_reason": "r"}
        ballot = room.do(room.fac, "open_ballot", settings={"dots": 2}, **dots)["ballot_id"]
        payload = {"ballot_id": ballot, **payload}
    return room.refused(actor, command, code, **payload)


@pytest.mark.parametrize(
    ("command", "payload", "said"),
    [
        (
            "propose_goal",
            {"level": "product", "title": "x", "parents": ["U1", "U1"]},
            "parents lists 'U1' twice",
        ),
        ("reorder_agenda", {"agenda": ["check_in", "decide", "decide"]}, "'decide' twice"),
        (
            "open_ballot",
            {"proposal_ids": ["pr1"], "settings": {"foo": 1, "quorum": 0.5}},
            "unknown setting 'foo'",
        ),
        (
            "open_ballot",
            {"proposal_ids": ["pr1"], "settings": ["dots"]},
            "got a list holding 'dots'",
        ),
        ("cast_vote", {"vote": {"dots": {"pr1": 1.0}}}, "got 1.0"),
        # An id's message shows one of the kind the field names, not a proposal's.
        ("grant_floor", {"participant_id": 1}, "participant_id must be an id like 'pt2', got 1"),
        ("lower_hand", {"participant_id": ""}, "participant_id must be an id like 'pt2', got ''"),
        ("reveal_ballot", {"ballot_id": []}, "ballot_id must be an id like 'b1'"),
        ("withdraw_proposal", {"proposal_id": 7}, "proposal_id must be an id like 'pr1'"),
    ],
)
def test_a_refusal_names_the_value_at_fault(
    database: Database, command: str, payload: dict, said: str
) -> None:
    message = refusal_in_review(database, command, "invalid_input", **payload)
    assert said in message, message


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (["U1", "U1"], "a list holding 'U1', 'U1'"),
        ({"foo": 1, "bar": [1]}, "an object with 'foo': 1, 'bar': a list"),
        ([], "an empty list"),
        ({}, "an empty object"),
        (list(range(51)), "a list of 51 holding 0, 1, 2, 3, 4, …"),
        ([None, {"a": 1}], "a list holding null, an object"),
        (1.0, "1.0"),
        (1, "1"),
        (2.5, "2.5"),
        (True, "true"),
        (None, "nothing"),
    ],
)
def test_a_wrong_value_is_quoted_back_in_plain_words(value: object, words: str) -> None:
    assert shown(value) == words


def test_an_objection_in_a_deciders_advice_is_not_ruled_on_and_the_refusal_says_why(
    database: Database,
) -> None:
    room = Room(database, "strategizing")
    pia, tom = room.join("Pia", "product"), room.join("Tom", "team")
    room.do(room.fac, "next_phase")
    vision = room.propose(tom, level="vision", title="Healthier lives")
    room.do(room.fac, "go_to_phase", phase="decide")
    opened = {"rule": "decider", "rule_reason": "Pia decides", "proposal_ids": [vision]}
    ballot = room.do(room.fac, "open_ballot", **opened)["ballot_id"]
    room.vote(
        ballot, {pia: {"choice": "consent"}, tom: {"choice": "objection", "reason": "too vague"}}
    )
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    ruling = {"ballot_id": ballot, "voter": tom, "stands": False, "reason": "a preference"}
    message = room.refused(room.fac, "rule_objection", "conflict", **ruling)
    assert "Tom" in message and "advice" in message and "Pia" in message, message
    assert "has no objection" not in message
    # Outside a consent ballot there is nothing to rule on; a voter who did not object is named.
    unanimity = room.propose(tom, level="vision", title="Healthier lives, together")
    ballot = room.do(room.fac, "open_ballot", proposal_ids=[unanimity])["ballot_id"]
    room.vote(ballot, {pia: {"choice": "agree"}, tom: {"choice": "agree"}})
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    ruling["ballot_id"] = ballot
    message = room.refused(room.fac, "rule_objection", "not_found", **ruling)
    assert "Tom" in message and "unanimity" in message, message
