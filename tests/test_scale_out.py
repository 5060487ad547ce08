"""Scale-out: two server processes on one database, joined by a Redis message queue."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.engine import Database
from tests.live import LiveServer, Person, host, poll, seat
from tests.tools import Cluster, PostgresServer, RedisServer, SteppedClock


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    queue = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield queue.url
    queue.stop()


@pytest.fixture
def pair(tmp_path: Path, database: Database) -> Iterator[Cluster]:
    """Two processes on one database, joined by a Redis server of their own."""
    cluster = Cluster(tmp_path, processes=2, database=database.server_url).start()
    yield cluster
    cluster.stop()


def test_two_processes_share_sessions_events_and_timers(pair: Cluster, people) -> None:
    first, second = pair.servers
    session, fac = host(first, people, "strategizing")
    (pia,) = seat(second, session, people, ("Pia", "product"))
    (tom,) = seat(first, session, people, ("Tom", "team"))
    fac.ok("next_phase")  # through the first process
    proposal = pia.ok("propose_goal", level="vision", title="Healthier lives")  # the second
    fac.wait_event("goal_proposed")
    tom.wait_event("goal_proposed")
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[proposal["proposal_id"]])["ballot_id"]
    pia.ok("cast_vote", ballot_id=ballot, vote={"choice": "agree"})
    tom.ok("cast_vote", ballot_id=ballot, vote={"choice": "agree"})
    fac.ok("close_ballot", ballot_id=ballot, reveal=True)
    pia.wait_event("goal_accepted")
    fac.ok("set_time_box", seconds=1)
    fac.ok("grant_floor", participant_id=tom.state["me"]["id"])
    expired = [p.wait_event("turn_ended", lambda e: e["how"] == "expired") for p in (pia, tom)]
    assert expired[0]["seq"] == expired[1]["seq"]  # one timer ran, though both processes watch
    final = fac.fresh_state()["seq"]
    for person in (fac, pia, tom):
        person.wait_for(lambda person=person: person.last_seq() >= final)
        # Each process announces its own commits: two of them may arrive in either order
        # (the client applies them by seq, docs/protocol.md), but each exactly once.
        seen = sorted(person.seqs())
        assert seen == list(range(seen[0], final + 1)), "a gap or a repeat in the events"
    assert len([e for e in pia.events("turn_ended") if e["how"] == "expired"]) == 1


def test_a_lost_phone_on_the_other_process_is_let_go_once_its_owner_gets_a_new_link(
    pair: Cluster, people
) -> None:
    """The process that gave Pia a new link let go of her lost phone only if it held the
    phone's connection: on the other process the phone went on as her (raising a hand,
    voting) until it reconnected."""
    first, second = pair.servers
    session, fac = host(first, people, "strategizing")
    (pia,) = seat(second, session, people, ("Pia", "team"))
    ack = fac.ok("reissue_link", participant_id=pia.state["me"]["id"])
    poll(lambda: not pia.client.connected)
    (back,) = ack["invitations"]
    again = Person(second, back["token"], "Pia again")  # her new device, on either process
    people.append(again)
    again.ok("raise_hand")
    assert again.client.connected


def test_a_second_process_without_a_message_queue_refuses_to_start(
    tmp_path: Path, database: Database
) -> None:
    first = LiveServer(tmp_path, database=database.server_url).start()
    second = LiveServer(tmp_path, database=database.server_url)
    try:
        with pytest.raises(RuntimeError, match="server exited") as refused:
            second.start()
        lines = [line for line in str(refused.value).splitlines() if line.strip()]
        assert "another workshop server" in lines[-1] and "--message-queue" in lines[-1]
        assert "Traceback" not in str(refused.value)
        assert second.process is not None and second.process.returncode == 1
        assert first.get("/readyz").status_code == 200  # the first one serves on
    finally:
        first.stop()
        second.stop()


def test_processes_started_together_on_a_new_sqlite_file_all_serve(
    redis_url: str, tmp_path: Path
) -> None:
    """Started at the same moment on a new shared SQLite file (docs/deploy.md), one process
    in two refused to start: it found the file the other was making and called it "empty (0
    bytes)", "not a Workshop database" or locked."""
    for attempt in range(3):
        data = tmp_path / f"new-{attempt}"
        data.mkdir()
        joined = ("--message-queue", redis_url)
        servers = [LiveServer(data, extra=joined) for _ in range(3)]
        try:
            for server in servers:
                server.launch()
            for server in servers:
                server.wait_until_up()
                assert server.get("/readyz").status_code == 200
        finally:
            for server in servers:
                server.stop()


def test_the_message_queue_given_with_set_joins_processes_as_the_option_does(
    redis_url: str, tmp_path: Path, people: list[Person]
) -> None:
    """`--set MESSAGE_QUEUE=…` (the README: `--set` changes any setting) let the first
    process take the database for itself: a second, joined the same way, refused to start."""
    joined = ("--set", f"MESSAGE_QUEUE={redis_url}")
    first, second = (LiveServer(tmp_path, extra=joined) for _ in range(2))
    try:
        first.start()
        second.start()
        session, _fac = host(first, people)
        (ann,) = seat(second, session, people, ("Ann", "team"))
        assert ann.fresh_state()["session"]["id"] == session["id"]
    finally:
        first.stop()
        second.stop()


def test_a_killed_servers_database_can_be_served_again_at_once(
    tmp_path: Path, database: Database
) -> None:
    first = LiveServer(tmp_path, database=database.server_url).start()
    first.kill()  # its lease stays in the database, but its process is gone
    again = LiveServer(tmp_path, database=database.server_url).start()
    try:
        assert again.get("/readyz").status_code == 200
    finally:
        again.stop()


def test_a_process_with_a_message_queue_refuses_to_join_one_serving_alone(
    redis_url: str, tmp_path: Path, database: Database
) -> None:
    alone = LiveServer(tmp_path, database=database.server_url).start()
    joined = LiveServer(
        tmp_path, extra=("--message-queue", redis_url), database=database.server_url
    )
    try:
        with pytest.raises(RuntimeError, match="another workshop server"):
            joined.start()
    finally:
        alone.stop()
        joined.stop()


def test_people_of_a_killed_process_stop_counting_as_present(pair: Cluster, people) -> None:
    first, second = pair.servers
    session, fac = host(first, people, "strategizing")
    (pia,) = seat(first, session, people, ("Pia", "product"))
    (tom,) = seat(second, session, people, ("Tom", "team"))
    fac.ok("next_phase")
    proposal = pia.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]

    def present() -> set[str]:
        return {p["name"] for p in fac.fresh_state()["participants"] if p["present"]}

    assert {"Pia", "Tom"} <= present()
    second.kill()  # Tom's process dies with his connection open in the database
    poll(lambda: "Tom" not in present(), timeout=30)
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[proposal])
    opened = [e for e in ballot["events"] if e["type"] == "ballot_opened"][0]["ballot"]
    assert opened["electorate"] == [pia.id]  # no ghost to fail the quorum


def vision_to_decide(first: LiveServer, second: LiveServer, people) -> tuple:
    """A session with Pia on the first process, Tom and the facilitator on the second, a
    vision proposed and the decide phase open: (facilitator, Pia, Tom, proposal)."""
    session, fac = host(second, people, "strategizing")
    (pia,) = seat(first, session, people, ("Pia", "product"))
    (tom,) = seat(second, session, people, ("Tom", "team"))
    fac.ok("next_phase")
    proposal = pia.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    return fac, pia, tom, proposal


def present(fac: Person) -> set[str]:
    return {p["name"] for p in fac.fresh_state()["participants"] if p["present"]}


def electorate(fac: Person, proposal: str) -> list[str]:
    ballot = fac.ok("open_ballot", proposal_ids=[proposal])
    return [e for e in ballot["events"] if e["type"] == "ballot_opened"][0]["ballot"]["electorate"]


def test_people_of_a_process_frozen_past_its_lease_count_as_present_once_it_continues(
    pair: Cluster, people
) -> None:
    """The other process takes a frozen one (SIGSTOP, a paused machine) for dead once its
    lease lapses, and ends its people's attendance. Its connections outlive the freeze: once
    it continues, its people count as present again, the facilitator is told, and they are
    in the next electorate. They stayed absent for good, left out of every ballot."""
    first, second = pair.servers
    fac, pia, tom, proposal = vision_to_decide(first, second, people)
    assert first.process is not None
    first.process.send_signal(signal.SIGSTOP)
    try:
        poll(lambda: "Pia" not in present(fac), timeout=40)  # her process taken for dead
        told = len(fac.received)
    finally:
        first.process.send_signal(signal.SIGCONT)
    fac.wait_for(
        lambda: any(
            event == "presence_changed" and data["participant_id"] == pia.id and data["present"]
            for event, data in fac.received[told:]
        )
    )
    assert {"Pia", "Tom"} <= present(fac) and pia.client.connected
    assert sorted(electorate(fac, proposal)) == sorted([pia.id, tom.id])


def test_a_wall_clock_that_steps_ends_nobodys_attendance(
    tmp_path: Path, database: Database, people
) -> None:
    """Each process's wall clock steps (NTP, a resumed machine), the first one's back a
    minute, the second one's forwards a minute. The second took the first one's lease for
    lapsed at once, by comparing clocks, and the first renewed it no more for a minute:
    the first one's people were left out of the next ballot."""
    (tmp_path / "back").mkdir()
    (tmp_path / "forwards").mkdir()
    back, forwards = SteppedClock(tmp_path / "back"), SteppedClock(tmp_path / "forwards")
    pair = Cluster(tmp_path, processes=2, database=database.server_url)
    first, second = pair.servers
    first.env, second.env = {**first.env, **back.env()}, {**second.env, **forwards.env()}
    pair.start()
    try:
        fac, pia, tom, proposal = vision_to_decide(first, second, people)

        def renewed(server: LiveServer, since: Callable[[float], bool]) -> bool:
            """Whether the server's lease is in the database, renewed when `since` says."""
            assert server.process is not None
            sql = "select renewed_at from processes where pid = ?"
            return any(since(at) for (at,) in server.query(sql, [server.process.pid]))

        before = time.time()
        back.step(-60)
        forwards.step(60)
        poll(lambda: renewed(first, lambda at: at < before - 30), timeout=15)  # since the step
        poll(lambda: renewed(second, lambda at: at > before + 30), timeout=15)  # judged the first
        assert {"Pia", "Tom"} <= present(fac)
        assert sorted(electorate(fac, proposal)) == sorted([pia.id, tom.id])
    finally:
        pair.stop()


def test_clients_hear_when_the_queue_is_lost_and_catch_up_exactly_when_it_returns(
    pair: Cluster, people
) -> None:
    (first, second), queue = pair.servers, pair.queue
    session, fac = host(first, people, "strategizing")
    (pia,) = seat(second, session, people, ("Pia", "product"))
    fac.ok("next_phase")
    pia.wait_event("phase_changed")
    queue.stop()
    pia.wait_event("connection_degraded")
    missed = fac.ok("next_phase")  # kept and acknowledged, though nobody else hears it
    queue.start()
    pia.wait_event("resync")
    caught_up = pia.ok("sync", since=pia.last_seq())["events"]
    assert [e["seq"] for e in caught_up] == [missed["seq"]]
    assert caught_up[0]["type"] == "phase_changed"
    later = fac.ok("next_phase")
    pia.wait_event("phase_changed", lambda e: e["seq"] == later["seq"])  # live again


@pytest.fixture
def on_postgres(tmp_path: Path, postgres: PostgresServer) -> Iterator[Cluster]:
    """Two processes on one PostgreSQL database, joined by Redis."""
    with postgres.database() as url:
        cluster = Cluster(tmp_path, processes=2, database=url).start()
        yield cluster
        cluster.stop()


def test_a_deadline_is_kept_once_by_the_survivor_when_a_process_is_killed(
    on_postgres: Cluster, people
) -> None:
    first, second = on_postgres.servers
    session, fac = host(first, people, "strategizing")
    pia, tom = seat(second, session, people, ("Pia", "product"), ("Tom", "team"))
    fac.ok("next_phase")
    proposal = pia.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    opened = fac.ok("open_ballot", proposal_ids=[proposal], deadline_seconds=5)
    deadline = [e for e in opened["events"] if e["type"] == "ballot_opened"][0]["ballot"][
        "deadline"
    ]
    pia.ok("cast_vote", ballot_id=opened["ballot_id"], vote={"choice": "agree"})
    first.kill()  # its timer loop dies with it, before the deadline (Tom has not voted)
    assert time.time() < deadline, "the machine was too slow to kill it before the deadline"
    closed = tom.wait_event("ballot_closed")
    assert closed["at"] >= deadline
    log = tom.ok("sync", since=0)["events"]
    assert [e["type"] for e in log].count("ballot_closed") == 1


def test_two_processes_writing_to_the_same_sessions_at_once_answer_every_command(
    on_postgres: Cluster, people
) -> None:
    """Each process's batch takes the session rows it writes to: taken in whatever order the
    commands came, two batches crossing the same sessions deadlocked, and PostgreSQL
    refused one of them (each command answered "unavailable")."""
    servers = on_postgres.servers
    rooms = [host(servers[0], people, "strategizing") for _ in range(4)]
    crowd: list[tuple[Person, dict]] = []
    for number, (session, fac) in enumerate(rooms):
        fac.ok("next_phase")
        for where, server in enumerate(servers):
            cast = [(f"P{number}.{where}.{i}", "team") for i in range(3)]
            crowd += [(person, session) for person in seat(server, session, people, *cast)]
    answers: dict[str, dict] = {}
    done = threading.Condition()

    def keep(cid: str) -> Callable[[dict], None]:
        def answered(answer: dict) -> None:
            with done:
                answers[cid] = answer
                done.notify_all()

        return answered

    sent = 0
    for person, _session in crowd:  # everyone at once, each as fast as the rate allows
        for i in range(8):
            cid = f"{person.name}-{i}"
            payload = {"cid": cid, "level": "vision", "title": f"Goal {cid}"}
            person.client.emit("propose_goal", payload, callback=keep(cid))
            sent += 1
    with done:
        assert done.wait_for(lambda: len(answers) == sent, 60), "commands left unanswered"
    refused = {cid: a["error"] for cid, a in answers.items() if not a.get("ok")}
    assert not refused, f"{len(refused)} of {sent} refused, e.g. {next(iter(refused.values()))}"
    for session, fac in rooms:  # every goal in its session's log, once, without a gap
        log = fac.ok("sync", since=0)["events"]
        assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
        titles = [e["proposal"]["title"] for e in log if e["type"] == "goal_proposed"]
        mine = [f"Goal {p.name}-{i}" for p, s in crowd if s is session for i in range(8)]
        assert sorted(titles) == sorted(mine)
