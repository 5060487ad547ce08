"""What only PostgreSQL has: several processes writing one session, migrations two processes
start together, start-up checks of a server over the network, a database that goes away and
comes back, and green threads that keep serving while the database makes them wait.

The rest of the suite runs on both backends through the `database` and `server` fixtures."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.live import LiveServer, Person, host, poll, seat
from tests.test_writer import together
from tests.tools import PostgresServer, fill
from workshop.domain.errors import Unavailable
from workshop.service import Service
from workshop.store import open_store
from workshop.store.postgres import MIGRATIONS


@pytest.fixture
def url(postgres: PostgresServer) -> Iterator[str]:
    with postgres.database() as made:
        yield made


def workshop(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workshop", *args], capture_output=True, text=True, timeout=60
    )


def test_two_processes_writing_one_session_number_its_events_without_gap_or_clash(
    url: str,
) -> None:
    """Two services (as two processes: their own pools, writers and caches) take turns on one
    session's log: the row lock makes each read the other's last event before appending."""
    first, second = Service(open_store(url)), Service(open_store(url))
    try:
        made = first.create("strategizing", "Shared")
        wid, code = made["id"], made["join_code"]
        people = [(first if i % 2 else second).join(wid, code, f"P{i}", "team") for i in range(8)]
        first.execute(wid, "pt1", "next_phase", {}, "go")
        calls = [
            lambda s=s, p=p, i=i: s.execute(
                wid,
                p["participant_id"],
                "propose_goal",
                {"level": "vision", "title": f"G{i}"},
                f"c{i}",
            )
            for i, p in enumerate(people * 3)
            for s in [(first, second)[i % 2]]
        ]
        acks = together(calls)
        assert all(ack["ok"] for ack in acks), acks
        seqs = [event["seq"] for event in first.store.events(wid)]
        assert seqs == list(range(1, len(seqs) + 1))
        assert sorted(ack["seq"] for ack in acks) == seqs[-len(acks) :]
        for service in (first, second):  # each cache caught up with the other's writes
            assert len(service.state(wid).proposals) == len(acks)
    finally:
        first.store.close()
        second.store.close()


def test_two_processes_starting_on_an_empty_database_migrate_it_once(
    postgres: PostgresServer,
) -> None:
    with postgres.database(empty=True) as empty:
        opened = together([lambda: open_store(empty), lambda: open_store(empty)])
        for store in opened:
            store.close()  # type: ignore[attr-defined]
        with psycopg.connect(empty) as conn:
            names = [row[0] for row in conn.execute("select name from migrations order by name")]
    assert names == [name for name, _sql in MIGRATIONS]  # each once: a second try would fail


def one_line(run: subprocess.CompletedProcess) -> str:
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert PostgresServer.PASSWORD not in run.stderr + run.stdout, line
    return line


def test_a_database_that_cannot_be_reached_is_refused_in_one_line_without_the_password(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    wrong_password = postgres.url("postgres", password="not-" + PostgresServer.PASSWORD)
    line = one_line(workshop("check", "--database", wrong_password))
    assert "cannot connect to PostgreSQL database postgres on 127.0.0.1 port" in line, line
    assert "password authentication failed" in line, line
    closed = postgres.url("postgres").replace(str(postgres.port), "1")
    line = one_line(LiveServer(tmp_path, database=closed).refuses_to_start())
    assert "cannot connect to PostgreSQL database postgres on 127.0.0.1 port 1" in line, line
    assert "refused" in line, line


@pytest.mark.parametrize("password", ["p", "s3cret", "p%40ss"])
@pytest.mark.parametrize("command", ["serve", "check", "migrate"])
def test_an_unreachable_database_with_a_password_is_named_without_it(
    command: str, password: str, tmp_path: Path
) -> None:
    """No server needed: nothing listens on port 1. A one-letter password hid itself in the
    URL's other words, and the mangled URL then broke the error message itself."""
    closed = f"postgresql://someone:{password}@127.0.0.1:1/goals"
    args = {
        "serve": ["serve", "--port", "1", "--data", str(tmp_path), "--database", closed],
        "check": ["check", "--database", closed],
        "migrate": ["migrate", "--from", closed, "--to", f"sqlite:///{tmp_path}/copy.db"],
    }[command]
    run = workshop(*args)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert "cannot connect to PostgreSQL database goals on 127.0.0.1 port 1" in line, line
    assert "refused" in line and "someone" not in line, line
    if len(password) > 1:
        assert password not in run.stderr + run.stdout and "p@ss" not in line, line


def test_a_newer_or_foreign_schema_is_refused_at_start_in_one_line(
    url: str, tmp_path: Path
) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("insert into migrations values ('m999_from_the_future', now())")
    line = one_line(LiveServer(tmp_path, database=url).refuses_to_start())
    assert "was written by a newer Workshop (schema m999_from_the_future)" in line, line
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("drop table migrations")
    line = one_line(workshop("check", "--database", url))
    assert "holds tables but is not a Workshop database" in line, line


def test_export_and_check_read_postgresql_and_backup_points_to_pg_dump(
    url: str, tmp_path: Path, people: list[Person]
) -> None:
    server = LiveServer(tmp_path, database=url).start()
    try:
        session, fac = host(server, people, "strategizing", title="On PostgreSQL")
    finally:
        server.stop()
    checked = workshop("check", "--database", url)
    assert checked.returncode == 0 and checked.stdout.strip().endswith(": ok"), checked.stderr
    assert PostgresServer.PASSWORD not in checked.stdout
    exported = workshop("export", session["id"], "--database", url)
    assert exported.returncode == 0 and "On PostgreSQL" in exported.stdout, exported.stderr
    line = one_line(workshop("backup", "--database", url, str(tmp_path / "copy.db")))
    assert "pg_dump" in line and "docs/deploy.md" in line, line


def test_the_database_gone_answers_unavailable_and_its_return_serves_again(
    url: str, postgres: PostgresServer, tmp_path: Path, people: list[Person]
) -> None:
    server = LiveServer(tmp_path, database=url).start()
    try:
        session, fac = host(server, people, "strategizing")
        before = fac.fresh_state()["seq"]
        name = url.rsplit("/", 1)[1]
        postgres.admin(f"alter database {name} allow_connections false")
        postgres.admin(
            f"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{name}'"
        )
        refused = fac.send("next_phase", cid="after-the-fall")
        assert refused["ok"] is False and refused["error"]["code"] == "unavailable", refused
        assert PostgresServer.PASSWORD not in refused["error"]["message"]
        postgres.admin(f"alter database {name} allow_connections true")
        again = poll(lambda: (ack := fac.send("next_phase", cid="after-the-fall"))["ok"] and ack)
        assert again["seq"] == before + 1
        assert PostgresServer.PASSWORD not in server.log.read_text()
    finally:
        server.stop()


def test_connections_the_database_closed_are_replaced_unseen(
    url: str, postgres: PostgresServer, tmp_path: Path, people: list[Person]
) -> None:
    """A restart of PostgreSQL (here: each of the server's connections ended) costs nobody a
    refusal: the pool replaces what the database closed before it lends it."""
    server = LiveServer(tmp_path, database=url).start()
    try:
        session, fac = host(server, people, "strategizing")
        before = fac.fresh_state()["seq"]
        name = url.rsplit("/", 1)[1]
        ended = postgres.admin(
            "select pg_terminate_backend(pid, 5000) from pg_stat_activity"
            f" where datname = '{name}' and pid <> pg_backend_pid()"
        )
        assert ended and all(row[0] for row in ended), (
            f"no connection of the server's ended: {ended}"
        )
        ack = fac.send("next_phase", cid="after-the-restart")
        assert ack["ok"], ack
        assert ack["seq"] == before + 1
        assert fac.fresh_state()["seq"] == before + 1
    finally:
        server.stop()


@pytest.mark.parametrize("mode", ["gevent", "eventlet", "threading"])
def test_while_the_writer_waits_on_a_locked_session_the_server_keeps_answering(
    url: str, mode: str, tmp_path: Path, people: list[Person]
) -> None:
    """psycopg must wait on its socket as a green thread does: a writer held by a row lock
    (as another process's batch holds it) must not stop the server's event loop."""
    server = LiveServer(tmp_path, mode, database=url).start()
    try:
        locked, fac = host(server, people, "strategizing")
        with psycopg.connect(url) as holder:  # a transaction of "another process"
            holder.execute("select 1 from workshops where id = %s for update", [locked["id"]])
            waiting = threading.Thread(target=fac.send, args=("next_phase",), daemon=True)
            waiting.start()
            poll(lambda: lock_waiters(url) > 0)  # the writer is blocked on the row now
            assert server.get("/healthz").status_code == 200
            assert waiting.is_alive()  # still waiting: the lock is still held
        waiting.join(15)
        assert not waiting.is_alive()
        assert fac.fresh_state()["session"]["phase"] != "check_in"
    finally:
        server.stop()


@pytest.mark.parametrize("mode", ["gevent", "eventlet", "threading"])
def test_a_command_waiting_on_postgresql_inside_its_batch_stops_no_one_else(
    url: str, mode: str, tmp_path: Path, people: list[Person]
) -> None:
    """A piece's statements first wait for PostgreSQL's answer holding the event loop, for a
    moment: one that waits longer (here on another transaction's uncommitted ack of the
    same cid) must let the server go on answering. (Reads of cached sessions wait for the
    piece, as they wait for any piece under way.)"""
    server = LiveServer(tmp_path, mode, database=url).start()
    try:
        session, fac = host(server, people, "strategizing")
        with psycopg.connect(url) as holder:  # "another process", in the middle of its batch
            holder.execute(
                "insert into commands (workshop_id, actor, cid, ack) values (%s, %s, %s, %s)",
                [session["id"], fac.state["session"]["facilitator_id"], "held", "{}"],
            )
            answers: list[dict] = []
            waiting = threading.Thread(
                target=lambda: answers.append(fac.send("next_phase", cid="held")), daemon=True
            )
            waiting.start()
            poll(lambda: lock_waiters(url) > 0)  # the writer's piece waits on it now
            assert server.get("/healthz").status_code == 200  # the event loop goes on
            assert server.get("/").status_code == 200
            assert waiting.is_alive()
            holder.rollback()  # that batch failed: the command is this one's to apply
        waiting.join(15)
        assert answers and answers[0]["ok"]
        assert fac.fresh_state()["session"]["phase"] != "check_in"
    finally:
        server.stop()


def lock_waiters(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select count(*) from pg_stat_activity"
            " where wait_event_type = 'Lock' and datname = current_database()"
        ).fetchone()
    return row[0] if row else 0


# A deadlock as PostgreSQL reports it: a one-line reason, then its details.
DEADLOCK = """do $$ begin raise exception using errcode = '40P01', message = 'deadlock detected',
  detail = 'Process 1 waits for ShareLock on transaction 2; blocked by process 3.',
  hint = 'See server log for query details.'; end $$"""


def test_a_database_refusal_tells_the_client_its_reason_and_the_log_its_details(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(url)
    try:
        with pytest.raises(Unavailable) as refused, store.available():
            with store.pool.connection() as conn:
                conn.execute(DEADLOCK)
    finally:
        store.close()
    message = refused.value.message
    assert "deadlock detected" in message and "try again later" in message
    assert "Process 1" not in message and "server log" not in message
    assert "Process 1 waits for ShareLock" in caplog.text


def test_a_full_disk_under_the_database_refuses_what_it_cannot_write_and_loses_nothing(
    postgres: PostgresServer, tmp_path: Path, people: list[Person]
) -> None:
    """The disk holding the database's files fills up (its write-ahead log is elsewhere):
    a command PostgreSQL cannot store is refused `unavailable` and leaves no trace, each one
    acknowledged before stays, and the same cid succeeds once there is room again."""
    with postgres.database_on_small_disk() as (url, disk):
        server = LiveServer(tmp_path, database=url).start()
        try:
            session, fac = host(server, people, "strategizing")
            team = seat(server, session, people, *[(f"T{i}", "team") for i in range(10)])
            before = fac.ok("next_phase")["seq"]
            filler = fill(disk)
            acked = []
            for i in range(500):  # until a table must grow and cannot
                goal = {"level": "vision", "title": f"Goal {i}", "description": "x" * 500}
                proposer = team[i % len(team)]
                answer = proposer.send("propose_goal", cid=f"goal-{i}", **goal)
                if not answer["ok"]:
                    break
                acked.append(answer["proposal_id"])
            assert answer["error"]["code"] == "unavailable", answer
            assert "No space left on device" in answer["error"]["message"], answer
            seen = fac.fresh_state()
            assert seen["seq"] == before + len(acked)  # nothing phantom
            assert [p["id"] for p in seen["proposals"]] == acked  # nothing lost
            filler.unlink()
            kept = proposer.send("propose_goal", cid=f"goal-{len(acked)}", **goal)
            assert kept["ok"] and kept["seq"] == before + len(acked) + 1, kept
            log = fac.ok("sync", since=before)["events"]
            assert [e["seq"] for e in log] == list(range(before + 1, kept["seq"] + 1))
        finally:
            server.stop()
