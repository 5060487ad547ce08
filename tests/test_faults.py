"""Faults injected into the real server: a full disk, ... (docs/operations.md).

Each test makes the fault happen for real (a small tmpfs filled to the last byte, a signal,
a damaged file) and checks what the operations page promises: nothing lost, nothing phantom.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.live import LiveServer, Person, host, poll, seat
from tests.tools import fill, small_disk


@pytest.fixture
def disk(tmp_path: Path):
    with small_disk(tmp_path / "disk") as folder:
        yield folder


def open_vote(server: LiveServer, people: list[Person]) -> tuple[dict, Person, Person, str]:
    """A session with an open majority ballot; returns it, the facilitator, Tom and the ballot."""
    session, fac = host(server, people, "strategizing")
    (tom,) = seat(server, session, people, ("Tom", "team"))
    fac.ok("next_phase")
    proposal = tom.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[proposal], rule="majority", rule_reason="test")
    return session, fac, tom, ballot["ballot_id"]


def ballot_of(state: dict, ballot_id: str) -> dict:
    return next(b for b in state["ballots"] if b["id"] == ballot_id)


def test_a_write_the_full_disk_refuses_changes_nothing_and_the_same_cid_succeeds_later(
    disk: Path, people: list[Person]
) -> None:
    server = LiveServer(disk).start()
    try:
        session, fac, tom, ballot = open_vote(server, people)
        before = fac.fresh_state()["seq"]
        vote = {"ballot_id": ballot, "vote": {"choice": "agree"}}
        filler = fill(disk)

        refused = tom.send("cast_vote", cid="tom-vote", **vote)
        assert refused["ok"] is False and refused["error"]["code"] == "unavailable", refused
        over_http = server.post(
            f"/api/sessions/{session['id']}/commands/cast_vote",
            {"cid": "tom-http", **vote},
            tom.token,
        )
        assert over_http.status_code == 503
        assert over_http.json()["error"]["code"] == "unavailable"
        seen = tom.fresh_state()
        assert seen["seq"] == before
        assert "my_vote" not in ballot_of(seen, ballot) and ballot_of(seen, ballot)["turnout"] == 0

        server.stop()
        fill(disk)  # stopping may have freed a little (the WAL): the disk is full again
        refusal = server.refuses_to_start()
        assert refusal.returncode != 0
        lines = refusal.stderr.strip().splitlines()
        assert len(lines) == 1 and "full" in lines[0], refusal.stderr
        assert "Traceback" not in refusal.stderr

        filler.unlink()
        for person in people:
            person.close()
        server.start()
        tom = Person(server, tom.token, "tom-again")
        people.append(tom)
        assert tom.state["seq"] == before
        assert "my_vote" not in ballot_of(tom.state, ballot)
        log = tom.ok("sync", since=0)["events"]
        assert [e["seq"] for e in log] == list(range(1, before + 1))

        retried = tom.send("cast_vote", cid="tom-vote", **vote)
        assert retried["ok"] and retried["seq"] == before + 1, retried
        fac = Person(server, session["facilitator_token"], "fac-again")
        people.append(fac)
        shown = fac.ok("close_ballot", ballot_id=ballot, reveal=True)["events"]
        revealed = next(e for e in shown if e["type"] == "ballot_revealed")
        assert [v["voter"] for v in revealed["votes"]] == [tom.state["me"]["id"]]
    finally:
        server.stop()


def test_a_vote_after_the_deadline_is_refused_before_the_timer_runs(
    tmp_path: Path, people: list[Person]
) -> None:
    server = LiveServer(tmp_path, extra=("--timer-interval", "3600")).start()  # timers sleep
    try:
        session, fac = host(server, people, "strategizing")
        (tom,) = seat(server, session, people, ("Tom", "team"))
        fac.ok("next_phase")
        proposal = tom.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
        opened = fac.ok("open_ballot", proposal_ids=[proposal], deadline_seconds=1)
        deadline = next(e for e in opened["events"] if e["type"] == "ballot_opened")
        time.sleep(max(0.0, deadline["ballot"]["deadline"] + 0.05 - time.time()))  # same clock

        vote = {"ballot_id": opened["ballot_id"], "vote": {"choice": "agree"}}
        refused = tom.refused("cast_vote", "conflict", **vote)
        assert (
            refused["message"].startswith("voting closed at ") and " UTC on " in refused["message"]
        )
        ballot = ballot_of(tom.fresh_state(), opened["ballot_id"])
        assert ballot["status"] == "open" and ballot["turnout"] == 0  # the timer has not run
    finally:
        server.stop()


def test_a_turn_that_ran_out_while_the_server_was_down_books_its_time_box(
    tmp_path: Path, people: list[Person]
) -> None:
    server = LiveServer(tmp_path).start()
    try:
        session, fac = host(server, people, "strategizing")
        (tom,) = seat(server, session, people, ("Tom", "team"))
        fac.ok("set_time_box", seconds=1)
        granted = fac.ok("grant_floor", participant_id=tom.id)["events"][-1]["turn"]
        server.kill()
        for person in people:
            person.close()
        time.sleep(max(0.0, granted["deadline"] + 2 - time.time()))  # down well past it
        server.start()
        fac = Person(server, session["facilitator_token"], "fac-again")
        people.append(fac)

        def ended() -> dict | None:
            events = fac.ok("sync", since=0)["events"]
            return next((e for e in events if e["type"] == "turn_ended"), None)

        turn = poll(ended)
        assert turn["turn_id"] == granted["id"] and turn["how"] == "expired"
        assert turn["seconds"] == 1  # the time-box, not the 3 s and more the server was down
        row = next(r for r in fac.fresh_state()["airtime"]["rows"] if r["participant_id"] == tom.id)
        assert row["seconds"] == 1
    finally:
        server.stop()
