"""What must never go wrong (PRODUCT.md §7): lost actions, double counts, lost catch-up."""

from __future__ import annotations

import time
from pathlib import Path

import sqlite_utils

from tests.engine import Database
from tests.live import LiveServer, Person, host, poll, seat
from workshop.service import Service
from workshop.store import open_store
from workshop.store.sqlite import migrations


def test_reconnect_catches_up_to_exactly_the_shared_state(any_server: LiveServer, people) -> None:
    server = any_server
    session, fac = host(server, people, "strategizing")
    pia, tom = seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    fac.ok("next_phase")
    tom.client.disconnect()
    seen = tom.last_seq()
    proposal = pia.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("reveal_authors")
    fac.ok("go_to_phase", phase="decide")
    tom_id = tom.state["me"]["id"]
    opened = fac.ok("open_ballot", proposal_ids=[proposal])["events"][0]["ballot"]
    assert opened["electorate"] == [pia.state["me"]["id"]]  # Tom is away: never named
    tom.connect()  # the same token: the same person
    assert tom.state["me"]["id"] == tom_id
    missed = tom.ok("sync", since=seen)
    assert [e["seq"] for e in missed["events"]] == list(range(seen + 1, missed["seq"] + 1))
    assert missed["more"] is False
    first, second = tom.ok("sync", since=seen, limit=1), tom.ok("sync", since=seen + 1, limit=1)
    assert first["more"] is True and [e["seq"] for e in first["events"]] == [seen + 1]
    assert [e["seq"] for e in second["events"]] == [seen + 2]
    tom.refused("sync", "invalid_input", since=seen, limit=0)
    assert {e["type"] for e in missed["events"]} >= {
        "goal_proposed",
        "authors_revealed",
        "ballot_opened",
    }
    assert tom.state["seq"] == fac.fresh_state()["seq"] == missed["seq"]
    assert tom.state["proposals"] == fac.fresh_state()["proposals"]


def test_a_retried_vote_counts_once_and_the_vote_survives_reconnect(
    any_server: LiveServer, people
) -> None:
    server = any_server
    session, fac = host(server, people, "strategizing")
    pia, tom = seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    fac.ok("next_phase")
    proposal = pia.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[proposal])["ballot_id"]
    first = tom.send("cast_vote", cid="tom-vote-1", ballot_id=ballot, vote={"choice": "agree"})
    again = tom.send("cast_vote", cid="tom-vote-1", ballot_id=ballot, vote={"choice": "agree"})
    assert first == again and first["ok"]
    tom.client.disconnect()
    tom.connect()
    retried = tom.send("cast_vote", cid="tom-vote-1", ballot_id=ballot, vote={"choice": "agree"})
    assert retried == first
    ballot_view = [b for b in tom.state["ballots"] if b["id"] == ballot][0]
    assert ballot_view["turnout"] == 1 and ballot_view["my_vote"] == {"choice": "agree"}
    assert [b for b in pia.fresh_state()["ballots"] if b["id"] == ballot][0].get("my_vote") is None


def test_nothing_acknowledged_is_lost_when_the_server_is_killed(
    tmp_path: Path, database: Database, people
) -> None:
    server = LiveServer(tmp_path, database=database.server_url).start()
    try:
        session, fac = host(server, people, "strategizing")
        (pia,) = seat(server, session, people, ("Pia", "product"))
        fac.ok("next_phase")
        acked = [
            pia.ok("propose_goal", level="vision", title=f"Vision {i}")["proposal_id"]
            for i in range(20)
        ]
        fac.ok("go_to_phase", phase="discuss")
        fac.ok("set_time_box", seconds=2)
        fac.ok("grant_floor", participant_id=pia.state["me"]["id"])
        ack = fac.ok(
            "send_remote_ballot",
            proposal_ids=[acked[0]],
            voters=["Ann"],
            deadline_seconds=3,
            rule="majority",
            rule_reason="quick remote check",
        )
        before = fac.fresh_state()["seq"]
        ballot_deadline = [e for e in ack["events"] if e["type"] == "ballot_opened"][0]["ballot"][
            "deadline"
        ]
        server.kill()  # no clean shutdown
        for person in people:
            person.close()
        time.sleep(max(0.0, ballot_deadline + 0.5 - time.time()))  # the deadlines pass while down
        server.start()
        fac = Person(server, session["facilitator_token"], "fac-again")
        people.append(fac)
        assert fac.state["seq"] >= before
        assert [p["id"] for p in fac.state["proposals"]] == acked

        def timers_ran() -> list[dict] | None:
            events = fac.ok("sync", since=before)["events"]
            expired = any(e["type"] == "turn_ended" and e["how"] == "expired" for e in events)
            revealed = [e for e in events if e["type"] == "ballot_revealed"]
            return revealed if expired and revealed else None

        revealed = poll(timers_ran)
        assert revealed[0]["ballot_id"] == ack["ballot_id"]
        assert revealed[0]["result"]["passed"] is False  # Ann never voted: no quorum
    finally:
        server.stop()


def test_a_sync_from_beyond_the_log_is_told_to_reload(server: LiveServer, people) -> None:
    session, fac = host(server, people, "strategizing")
    fac.ok("next_phase")
    last = fac.fresh_state()["seq"]
    assert fac.ok("sync", since=last)["events"] == []  # up to date: an empty page
    refused = fac.refused("sync", "out_of_sync", since=last + 5)
    assert "reload" in refused["message"] and str(last) in refused["message"]
    for far in (2**63, 10**30):  # no database integer: an internal error before
        assert "reload" in fac.refused("sync", "out_of_sync", since=far)["message"]


def test_a_database_of_the_schema_before_serves_after_the_upgrade(
    tmp_path: Path, people: list[Person]
) -> None:
    """A database the previous version wrote (its last migration m005) is migrated when the
    new version starts: its session serves as before, and who connects counts as present."""
    old = sqlite_utils.Database(tmp_path / "workshop.db")
    migrations.apply(old, stop_before="m006_open_attendance")
    old.close()
    before = Service(open_store(None, tmp_path, migrate=False))
    made = before.create("strategizing", "Planning", "Fitness app", None)
    joined = before.join(made["id"], made["join_code"], "Ann", "team")
    before.store.close()

    server = LiveServer(tmp_path).start()
    try:
        fac = Person(server, made["facilitator_token"], "fac")
        people.append(fac)
        ann = Person(server, joined["token"], "Ann")
        people.append(ann)
        poll(
            lambda: any(
                p["name"] == "Ann" and p["present"] for p in fac.fresh_state()["participants"]
            )
        )
        assert fac.ok("go_to_phase", phase="propose")["seq"] == fac.fresh_state()["seq"]
    finally:
        server.stop()
    with sqlite_utils.Database(tmp_path / "workshop.db") as upgraded:
        assert "m006_open_attendance" in {m.name for m in migrations.applied(upgraded)}
