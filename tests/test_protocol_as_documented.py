"""The protocol as docs/protocol.md tells it, as a client written from the docs alone found
it wanting: `ballot_id` errors, the chain's format version, and messages that spoke Python
(`got NoneType`, `got True`, `2.14748e+09`, `ballot None`) instead of plain words."""

from __future__ import annotations

import inspect
import re
import uuid
from pathlib import Path

import requests

from tests.live import LiveServer, Person, host, seat
from workshop.domain.text import shown
from workshop.domain.workshop import CLIENT_COMMANDS, COMMANDS

SOURCE = Path(__file__).resolve().parents[1] / "workshop"
# What Python's repr, str() and %g put in a message, and a reader of the protocol never sent.
PYTHON = re.compile(
    r"\bNone\b|\bTrue\b|\bFalse\b|NoneType|\b(?:int|float|str|dict|bool|tuple)\b"
    r"|\de[+-]\d|\{'|\['|\\x|\\u|<class|object at 0x|\bnan\b|\binf\b"
)
WRONG = [None, True, 2**31, 1e300, "x" * 300, [None], {"a": 1}]


def fields_read(text: str) -> set[str]:
    """The payload fields a piece of source reads."""
    found = set(re.findall(r"""\bp(?:ayload)?\.get\(\s*["'](\w+)["']""", text))
    found.update(re.findall(r"""payload\.\w+\(\s*\w+\s*,\s*["'](\w+)["']""", text))
    if "payload.title(p)" in text:
        found.add("title")
    return found


def payload_fields(name: str) -> set[str]:
    """Every field the module of a command's handler reads, found in the source so that none
    is forgotten."""
    return fields_read(inspect.getsource(inspect.getmodule(COMMANDS[name].handler)))


def error_message(answer: requests.Response) -> str:
    return answer.json().get("error", {}).get("message", "")


def test_payload_fields_are_found() -> None:
    assert {"ballot_id", "vote", "proposal_ids", "settings"} <= payload_fields("cast_vote")
    assert {"title", "parents", "level"} <= payload_fields("propose_goal")


def test_shown_values_are_plain_words() -> None:
    for value in WRONG + [float("nan"), float("inf"), 2**31, "a\x00b"]:
        assert not PYTHON.search(shown(value)), (value, shown(value))
    assert shown(2**31) == "2147483648" and shown(0.25) == "0.25" and shown(None) == "nothing"


def test_wrong_types_everywhere_get_plain_messages(server: LiveServer, people) -> None:
    session, fac = host(server, people, "strategizing")
    (tom,) = seat(server, session, people, ("Tom", "team"))
    fac.ok("next_phase")
    proposal = tom.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[proposal])["ballot_id"]
    valid = {"ballot_id": ballot, "proposal_id": proposal, "participant_id": tom.id}
    messages: list[str] = []

    def refusal(sender: Person, name: str, payload: dict) -> None:
        answer = sender.client.call(name, {"cid": uuid.uuid4().hex, **payload}, timeout=15)
        if answer.get("ok") is False:
            messages.append(answer["error"]["message"])

    for value in WRONG:
        refusal(tom, "cast_vote", {"ballot_id": ballot, "vote": {"choice": value}})
        refusal(tom, "sync", {"since": value})
        refusal(tom, "sync", {"since": 0, "limit": value})
        refusal(tom, "raise_hand", {"cid": value})
        for field in ("kind", "title", "product", "chain", "from_session"):
            body = {"kind": "strategizing", "title": "A title", field: value}
            messages.append(error_message(server.post("/api/sessions", body)))
        for field in ("join_code", "name", "role"):
            body = {"join_code": session["join_code"], "name": "Ann", "role": "team", field: value}
            path = f"/api/sessions/{session['id']}/participants"
            messages.append(error_message(server.post(path, body)))
    # Commands that change the session whatever else they carry go last, so that the others
    # meet it as it was; next_phase reads no field at all. A new link for Tom lets go of his
    # connection: that goes very last.
    last = ("close", "reveal", "end", "skip", "pass", "hand_over", "go_to", "withdraw")

    def order(name: str) -> tuple[bool, bool, str]:
        return name == "reissue_link", name.startswith(last), name

    for name in sorted(CLIENT_COMMANDS - {"next_phase"}, key=order):
        sender = fac if COMMANDS[name].who == "facilitator" else tom
        for field in sorted(payload_fields(name)):
            for value in WRONG:
                refusal(sender, name, {**valid, field: value})
    assert len([m for m in messages if m]) > 1000  # the test saw refusals, not only successes
    spoken = sorted({m for m in messages if PYTHON.search(m)})
    assert not spoken, "\n".join(spoken[:40])


def test_a_missing_or_malformed_ballot_id_is_invalid_input_an_unknown_one_not_found(
    server: LiveServer, people
) -> None:
    session, fac = host(server, people, "strategizing")
    (tom,) = seat(server, session, people, ("Tom", "team"))
    vote = {"choice": "agree"}
    for name, payload in (("cast_vote", {"vote": vote}), ("close_ballot", {})):
        sender = tom if name == "cast_vote" else fac
        for wrong in (None, 7, "", "no spaces allowed", ["b1"]):
            assert sender.refused(name, "invalid_input", **payload, ballot_id=wrong)
        missing = sender.refused(name, "invalid_input", **payload)
        assert "ballot_id" in missing["message"]
        assert sender.refused(name, "not_found", **payload, ballot_id="b99")


def test_the_chain_in_the_state_carries_its_format_version(server: LiveServer, people) -> None:
    session, fac = host(server, people, "strategizing")
    assert fac.state["chain"]["goalchain"] == 1
    assert fac.fresh_state()["chain"]["goalchain"] == 1
