"""The HTTP contract of API.md, against the real server."""

from __future__ import annotations

import pytest
import requests

from tests.chains import FITNESS
from tests.live import LiveServer


def error_of(answer) -> dict:
    body = answer.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return body["error"]


def test_create_session_answers_ids_tokens_and_links(server: LiveServer) -> None:
    answer = server.post(
        "/api/sessions", {"kind": "strategizing", "title": "Q3 strategy", "product": "Fitness app"}
    )
    assert answer.status_code == 201
    body = answer.json()
    assert {"id", "join_code", "facilitator_token", "links"} <= set(body)
    assert set(body["links"]) == {"facilitator", "join"}
    assert (
        body["links"]["join"].startswith(server.url) and body["join_code"] in body["links"]["join"]
    )
    assert body["facilitator_token"] not in body["links"]["join"]
    assert len(body["join_code"]) == 6


@pytest.mark.parametrize(
    "body, code",
    [
        ({"kind": "brainstorm", "title": "x"}, "invalid_input"),
        ({"kind": "review"}, "invalid_input"),
        ({"kind": "review", "title": ""}, "invalid_input"),
        ({"kind": "review", "title": 42}, "invalid_input"),
        ({"kind": "review", "title": "x" * 500}, "invalid_input"),
        ({"kind": "review", "title": "<script>alert(1)</script>"}, "invalid_input"),
        ({"kind": "review", "title": "ok", "chain": "not a chain"}, "invalid_input"),
        ({"kind": "review", "title": "ok", "chain": {"goalchain": 7}}, "invalid_input"),
    ],
)
def test_bad_session_input_is_refused_with_a_named_problem(server: LiveServer, body, code) -> None:
    answer = server.post("/api/sessions", body)
    assert answer.status_code == 400
    assert error_of(answer)["code"] == code


def test_malformed_json_body_is_refused(server: LiveServer) -> None:
    import requests

    answer = requests.post(
        server.url + "/api/sessions",
        data="{nope",
        timeout=10,
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert error_of(answer)["code"] == "invalid_json"


@pytest.mark.parametrize(
    "kind, role, status",
    [
        ("strategizing", "product", 201),
        ("strategizing", "team", 201),
        ("strategizing", "stakeholder", 201),
        ("strategizing", "observer", 201),
        ("roadmapping", "stakeholder", 201),
        ("review", "stakeholder", 201),
        ("sprint_planning", "team", 201),
        ("sprint_planning", "observer", 201),
        ("sprint_planning", "stakeholder", 403),
        ("strategizing", "facilitator", 403),
        ("strategizing", "wizard", 400),
    ],
)
def test_join_rules_of_each_kind(server: LiveServer, kind: str, role: str, status: int) -> None:
    session = server.create_session(kind)
    body = {"join_code": session["join_code"], "name": "Ada", "role": role}
    answer = server.post(f"/api/sessions/{session['id']}/participants", body)
    assert answer.status_code == status, answer.text
    if status == 201:
        assert {"participant_id", "token"} <= set(answer.json())
    else:
        error_of(answer)


def test_wrong_join_code_is_forbidden(server: LiveServer) -> None:
    session = server.create_session()
    body = {"join_code": "ZZZZZZ", "name": "Eve", "role": "team"}
    answer = server.post(f"/api/sessions/{session['id']}/participants", body)
    assert answer.status_code == 403
    assert error_of(answer)["code"] == "wrong_join_code"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "role": "team"},
        {"name": None, "role": "team"},
        {"name": "x" * 200, "role": "team"},
        {"name": "<b>bold</b>", "role": "team"},
        {"name": ["Ada"], "role": "team"},
    ],
)
def test_bad_participant_input_is_400(server: LiveServer, body: dict) -> None:
    session = server.create_session()
    answer = server.post(
        f"/api/sessions/{session['id']}/participants", {**body, "join_code": session["join_code"]}
    )
    assert answer.status_code == 400
    error_of(answer)


@pytest.mark.parametrize(
    "join_code", [{}, {"join_code": 123456}, {"join_code": None}, {"join_code": ["A"]}]
)
def test_a_missing_or_mistyped_join_code_is_bad_input_not_a_wrong_code(
    server: LiveServer, join_code: dict
) -> None:
    session = server.create_session()
    body = {"name": "Eve", "role": "team", **join_code}
    answer = server.post(f"/api/sessions/{session['id']}/participants", body)
    assert answer.status_code == 400
    error = error_of(answer)
    assert error["code"] == "invalid_input" and "join_code" in error["message"], error


def test_unknown_session_is_404_in_the_error_shape(server: LiveServer) -> None:
    answer = server.post(
        "/api/sessions/nope/participants", {"join_code": "X", "name": "A", "role": "team"}
    )
    assert answer.status_code == 404
    assert error_of(answer)["code"] == "not_found"
    assert error_of(server.get("/api/nothing-here"))["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("POST", "/healthz", 405, "method_not_allowed"),
        ("DELETE", "/healthz", 405, "method_not_allowed"),
        ("POST", "/readyz", 405, "method_not_allowed"),
        ("GET", "/api", 404, "not_found"),
        ("PUT", "/api/sessions", 405, "method_not_allowed"),
    ],
)
def test_every_error_of_the_api_and_the_probes_is_in_the_error_shape(
    server: LiveServer, method: str, path: str, status: int, code: str
) -> None:
    answer = requests.request(method, server.url + path, timeout=10)
    assert answer.status_code == status
    assert answer.headers["Content-Type"] == "application/json"
    assert error_of(answer)["code"] == code
    # Werkzeug's own page texts ("The method is not allowed for the requested URL.") named
    # nothing a script could act on, and a 405 said no Allow.
    assert "requested URL" not in error_of(answer)["message"]
    if status == 405:
        allowed = answer.headers["Allow"]
        assert "GET" in allowed or "POST" in allowed, allowed
        assert f"use {allowed}" in error_of(answer)["message"]


@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
def test_a_body_over_the_limit_is_refused_in_the_error_shape_naming_the_limit(
    server: LiveServer, chunked: bool
) -> None:
    """Sent in chunks (no Content-Length), the same body was "not a JSON object" (400)."""
    body = b'{"kind": "review", "title": "' + b"x" * (1024 * 1024) + b'"}'
    pieces = (body[i : i + 65536] for i in range(0, len(body), 65536))
    answer = requests.post(
        server.url + "/api/sessions",
        data=pieces if chunked else body,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 413
    error = error_of(answer)
    assert error["code"] == "request_entity_too_large"
    assert "1 MB" in error["message"] and "MAX_CONTENT_LENGTH" in error["message"]


def test_a_page_that_does_not_exist_is_still_a_page(server: LiveServer) -> None:
    answer = server.get("/no-such-page")
    assert answer.status_code == 404
    assert answer.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer", "bEaReR"])
def test_the_bearer_scheme_is_read_whatever_its_case(server: LiveServer, scheme: str) -> None:
    """RFC 7235: the scheme of an Authorization header is case-insensitive."""
    session = server.create_session()
    headers = {"Authorization": f"{scheme} {session['facilitator_token']}"}
    state = requests.get(f"{server.url}/api/sessions/{session['id']}/state", headers=headers)
    assert state.status_code == 200, state.text
    headers = {"Authorization": f"Basic {session['facilitator_token']}"}
    refused = requests.get(f"{server.url}/api/sessions/{session['id']}/state", headers=headers)
    assert refused.status_code == 401 and error_of(refused)["code"] == "unauthorized"


def test_chain_of_a_new_session_round_trips_its_input(server: LiveServer) -> None:
    chain = FITNESS
    session = server.create_session("roadmapping", chain=chain)
    as_json = server.export(session, "chain", format="json")
    assert as_json.status_code == 200
    assert as_json.json()["goals"][0]["id"] == "U1"
    as_yaml = server.export(session, "chain", format="yaml")
    assert as_yaml.text.startswith("goalchain: 1")
    assert "Lose weight without dieting misery" in as_yaml.text
    assert server.export(session, "chain", format="xml").status_code == 400


def test_home_page_is_served(server: LiveServer) -> None:
    answer = server.get("/")
    assert answer.status_code == 200 and "Workshop" in answer.text
