"""Faults injected into the real server: a full disk, ... (docs/operations.md).

Each test makes the fault happen for real (a small tmpfs filled to the last byte, a signal,
a damaged file) and checks what the operations page promises: nothing lost, nothing phantom.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live import LiveServer, Person, host, seat
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
