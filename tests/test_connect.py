"""Socket.IO connect: token authentication and the `state` snapshot, under gevent and eventlet."""

from __future__ import annotations

import pytest
import socketio

from tests.live import LiveServer, Person, host


@pytest.mark.parametrize("auth", [None, {}, {"token": ""}, {"token": "forged"}, {"token": 12}])
def test_missing_or_wrong_token_is_refused_at_connect(any_server: LiveServer, auth) -> None:
    client = socketio.Client(reconnection=False)
    refusals: list[dict] = []
    client.on("connect_error", refusals.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(any_server.url, auth=auth, transports=["websocket"], wait_timeout=5)
    assert not client.connected
    assert refusals[0]["data"]["code"] == "unauthorized"
    assert refusals[0]["message"] in ("a token is required", "unknown token")


def test_state_on_connect_with_seq(any_server: LiveServer, people: list[Person]) -> None:
    session, facilitator = host(any_server, people, product="Fitness app")
    state = facilitator.state
    assert state["seq"] >= 1
    assert state["session"]["id"] == session["id"]
    assert state["session"]["phase"] == "check_in"
    assert state["me"]["role"] == "facilitator"
    joined = any_server.join(session, "Ada", "team")
    ada = Person(any_server, joined["token"], "ada")
    people.append(ada)
    assert ada.state["me"] == {
        "id": joined["participant_id"],
        "name": "Ada",
        "role": "team",
        "can_vote": True,
        "can_propose": True,
        "is_decider": False,
    }
    facilitator.wait_event("participant_joined")
    assert "airtime" in facilitator.state and "airtime" not in ada.state


def test_unknown_command_and_bad_payloads_get_error_acks(any_server: LiveServer, people) -> None:
    session, facilitator = host(any_server, people)
    assert (
        facilitator.client.call("launch_rockets", {"cid": "x1"}, timeout=10)["error"]["code"]
        == "unknown_command"
    )
    for bad_cid in (None, "", 7, "x" * 65):
        ack = facilitator.client.call("next_phase", {"cid": bad_cid}, timeout=10)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid_input", ack
    assert facilitator.client.call("next_phase", "not an object", timeout=10)["ok"] is False
    facilitator.refused("go_to_phase", "invalid_input", phase="party")
    assert facilitator.fresh_state()["session"]["phase"] == "check_in"


def test_hostile_input_gets_a_named_error_and_changes_nothing(
    any_server: LiveServer, people
) -> None:
    session, facilitator = host(any_server, people)
    joined = any_server.join(session, "Ada", "team")
    ada = Person(any_server, joined["token"], "ada")
    people.append(ada)
    facilitator.ok("next_phase")
    before = facilitator.fresh_state()["seq"]
    cases = [
        ({"level": "vision", "title": "x" * 200_000}, "200000 characters"),
        ({"level": "vision", "title": "<script>alert(1)</script>"}, "markup"),
        ({"level": "vision", "title": ["a list"]}, "must be text"),
        ({"level": "vision", "title": "ok", "metrics": "many"}, "metrics"),
        ({"level": "spaceship", "title": "ok"}, "level"),
        ({"level": "vision", "title": "ok", "due": "next year"}, "due"),
    ]
    for payload, named in cases:
        error = ada.refused("propose_goal", "invalid_input", **payload)
        assert named in error["message"], error
    assert ada.client.connected
    assert facilitator.fresh_state()["seq"] == before  # nothing changed
    ada.ok("propose_goal", level="vision", title="Still works after all that")


def test_people_of_another_session_receive_nothing(server: LiveServer, people) -> None:
    """Events of session A never reach session B; B's own next event proves the wire is drained."""
    first, second = server.create_session(), server.create_session()
    a_fac = Person(server, first["facilitator_token"], "a-fac")
    b_fac = Person(server, second["facilitator_token"], "b-fac")
    b_ada = Person(server, server.join(second, "Ada", "team")["token"], "b-ada")
    people.extend([a_fac, b_fac, b_ada])
    a_ann = Person(server, server.join(first, "Ann", "team")["token"], "a-ann")
    people.append(a_ann)
    a_fac.ok("next_phase")
    a_ann.ok("propose_goal", level="vision", title="Only for session A")
    b_fac.ok("next_phase")  # emitted after everything of A's
    for person in (b_fac, b_ada):
        person.wait_event("phase_changed")
        seen = repr(person.received)
        assert "Only for session A" not in seen and first["id"] not in seen
        assert person.events("goal_proposed") == []
