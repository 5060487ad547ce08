"""Faults injected into the real server: a full disk, late timers, a downtime, signals in a
storm, websockets that end (docs/operations.md).

Each test makes the fault happen for real (a small tmpfs filled to the last byte, a signal,
a damaged file) and checks what the operations page promises: nothing lost, nothing phantom.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import socketio
import websocket

from tests.engine import Database
from tests.live import LiveServer, Person, host, poll, seat
from tests.tools import SteppedClock, fill, small_disk, write_until_refused
from workshop.minutes.times import utc


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


def ballot_with_deadline(
    server: LiveServer, people: list[Person]
) -> tuple[dict, Person, Person, str, float]:
    """A session whose vision ballot closes a second from now; returns it, the facilitator,
    Tom, the ballot and its deadline."""
    session, fac = host(server, people, "strategizing")
    (tom,) = seat(server, session, people, ("Tom", "team"))
    fac.ok("next_phase")
    proposal = tom.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    opened = fac.ok("open_ballot", proposal_ids=[proposal], deadline_seconds=1)
    ballot = next(e for e in opened["events"] if e["type"] == "ballot_opened")["ballot"]
    return session, fac, tom, ballot["id"], ballot["deadline"]


def down_past(server: LiveServer, people: list[Person], session: dict, moment: float) -> Person:
    """Kill the server, keep it down until two seconds past `moment`, start it again; the
    facilitator's new connection."""
    server.kill()
    for person in people:
        person.close()
    time.sleep(max(0.0, moment + 2 - time.time()))  # down well past it
    server.start()
    fac = Person(server, session["facilitator_token"], "fac-again")
    people.append(fac)
    return fac


def ballot_of(state: dict, ballot_id: str) -> dict:
    return next(b for b in state["ballots"] if b["id"] == ballot_id)


def test_a_write_the_full_disk_refuses_changes_nothing_and_the_same_cid_succeeds_later(
    disk: Path, people: list[Person]
) -> None:
    server = LiveServer(disk).start()
    try:
        session, fac, tom, ballot = open_vote(server, people)
        (ann,) = seat(server, session, people, ("Ann", "team"))
        vote = {"ballot_id": ballot, "vote": {"choice": "agree"}}
        filler = fill(disk)
        # Ann's hand, raised and lowered, fills the room laid out for the log: each is kept.
        hand = ("raise_hand", "lower_hand")
        taken = write_until_refused(lambda i: ann.send(hand[i % 2], cid=f"ann-{i}"))
        assert len(taken) > 10, taken
        before = fac.fresh_state()["seq"]
        assert before == taken[-1]["seq"]

        # The server's log is on the full disk too: gevent's thread pool printed each failed
        # COMMIT's traceback to it before waking the caller, and once that print failed the
        # caller slept forever. So more refusals than the log's last page holds tracebacks.
        for attempt in range(12):
            refused = tom.send("cast_vote", cid="tom-vote", **vote)
            assert refused["ok"] is False, (attempt, refused)
            assert refused["error"]["code"] == "unavailable", (attempt, refused)
        over_http = server.post(
            f"/api/sessions/{session['id']}/commands/cast_vote",
            {"cid": "tom-http", **vote},
            tom.token,
        )
        assert over_http.status_code == 503
        assert over_http.json()["error"]["code"] == "unavailable"
        for _probe in range(5):  # a probe's small row fit in log space and said 200 at times
            ready = server.get("/readyz")
            assert ready.status_code == 503, ready.text
            assert "is full" in ready.json()["error"]["message"]
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


@contextlib.contextmanager
def proposing(data: Path, people: list[Person]) -> Iterator[tuple[LiveServer, dict, Person]]:
    """A server on its own data folder, and Tom in its session's propose phase."""
    data.mkdir()
    server = LiveServer(data).start()
    try:
        session, fac = host(server, people)
        (tom,) = seat(server, session, people, ("Tom", "team"))
        fac.ok("next_phase")
        yield server, session, tom
    finally:
        server.stop()


def test_a_data_folder_deleted_under_the_server_is_said_and_nothing_is_acknowledged(
    tmp_path: Path, people: list[Person]
) -> None:
    """`rm -rf` of the data folder while the server ran: every command was still answered
    ok, written to a file nobody would open again, and the restart began on an empty
    database. Now nothing more is acknowledged, and /readyz names the database's trouble."""
    data = tmp_path / "data"
    with proposing(data, people) as (server, _session, tom):
        shutil.rmtree(data)
        refused = tom.refused("propose_goal", "unavailable", level="vision", title="Lost")
        assert "was removed or replaced while the server ran" in refused["message"]
        created = server.post("/api/sessions", {"kind": "strategizing", "title": "Lost too"})
        assert created.status_code == 503, created.text
        ready = server.get("/readyz")
        assert ready.status_code == 503 and "removed or replaced" in ready.text

        # As docs/operations.md says: copy the files the server holds open back, restart.
        assert server.process is not None
        data.mkdir()
        for fd in Path(f"/proc/{server.process.pid}/fd").iterdir():
            held = fd.readlink().name.removesuffix(" (deleted)")
            if held in ("workshop.db", "workshop.db-wal"):
                shutil.copyfile(fd, data / held)
        server.stop()
        server.start()
        again = Person(server, tom.token, "Tom again")
        people.append(again)
        assert again.fresh_state()["session"]["phase"] == "propose"
        again.ok("propose_goal", level="vision", title="Kept")


@pytest.mark.parametrize("then", ["a command", "a stop"])
def test_a_backup_copied_over_the_live_file_is_served_as_restored_and_never_damaged(
    tmp_path: Path, people: list[Person], then: str
) -> None:
    """`cp backup.db workshop.db` under a running server (the same file, new content): it
    went on acknowledging commands, and its stop copied its write-ahead log into the
    restored file: "database disk image is malformed", at the next start and in `check`.
    Now the next write is refused, the server's log is set aside for whoever needs it, and
    the restart serves the restore as it was copied."""
    data = tmp_path / "data"
    with proposing(data, people) as (server, session, tom):
        tom.ok("propose_goal", level="vision", title="In the backup")
        url = f"sqlite:///{data / 'workshop.db'}"
        backup = tmp_path / "backup.db"
        assert workshop("backup", "--database", url, str(backup)).returncode == 0
        tom.ok("propose_goal", level="vision", title="After the backup")
        # Neither a `workshop check` nor a `touch` is a copy over the file.
        assert workshop("check", "--database", url).returncode == 0
        (data / "workshop.db").touch()
        tom.ok("propose_goal", level="vision", title="After a check")
        shutil.copyfile(backup, data / "workshop.db")  # in place: the inode stays
        if then == "a command":
            refused = tom.refused("propose_goal", "unavailable", level="vision", title="Lost")
            assert "was replaced while the server ran" in refused["message"]
            ready = server.get("/readyz")
            assert ready.status_code == 503 and "was replaced" in ready.text
        assert server.process is not None
        server.stop()
        assert server.process.returncode == 0
        checked = workshop("check", "--database", url)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert len(list(data.glob("workshop.db-wal.replaced-*"))) == 1  # the server's own log

        server.start()
        again = Person(server, session["facilitator_token"], "fac again")
        people.append(again)
        state = again.fresh_state()
        assert [p["title"] for p in state["proposals"]] == ["In the backup"]
        assert again.ok("next_phase")["seq"] == state["seq"] + 1


def test_a_vote_after_the_deadline_is_refused_before_the_timer_runs(
    tmp_path: Path, database: Database, people: list[Person]
) -> None:
    server = LiveServer(
        tmp_path, extra=("--timer-interval", "3600"), database=database.server_url
    ).start()  # timers sleep
    try:
        _session, _fac, tom, ballot_id, deadline = ballot_with_deadline(server, people)
        time.sleep(max(0.0, deadline + 0.05 - time.time()))  # same clock

        vote = {"ballot_id": ballot_id, "vote": {"choice": "agree"}}
        refused = tom.refused("cast_vote", "conflict", **vote)
        assert (
            refused["message"].startswith("voting closed at ") and " UTC on " in refused["message"]
        )
        ballot = ballot_of(tom.fresh_state(), ballot_id)
        assert ballot["status"] == "open" and ballot["turnout"] == 0  # the timer has not run
    finally:
        server.stop()


def test_a_turn_that_ran_out_while_the_server_was_down_books_its_time_box(
    tmp_path: Path, database: Database, people: list[Person]
) -> None:
    server = LiveServer(tmp_path, database=database.server_url).start()
    try:
        session, fac = host(server, people, "strategizing")
        (tom,) = seat(server, session, people, ("Tom", "team"))
        fac.ok("set_time_box", seconds=1)
        granted = fac.ok("grant_floor", participant_id=tom.id)["events"][-1]["turn"]
        fac = down_past(server, people, session, granted["deadline"])

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


def test_a_ballot_whose_deadline_passed_while_the_server_was_down_closed_at_its_deadline(
    tmp_path: Path, people: list[Person]
) -> None:
    """The minutes said it closed when the server came back, seconds after its deadline."""
    server = LiveServer(tmp_path).start()
    try:
        session, _fac, _tom, ballot_id, deadline = ballot_with_deadline(server, people)
        fac = down_past(server, people, session, deadline)
        closed = poll(lambda: ballot_of(fac.fresh_state(), ballot_id)["closed_at"])
        assert closed == deadline
        record = server.export(session, "minutes", format="json").json()
        assert record["ballots"][0]["closed_at"] == utc(deadline)
    finally:
        server.stop()


def engineio_websocket(server: LiveServer, token: str, **options: object) -> websocket.WebSocket:
    """A raw websocket speaking Engine.IO/Socket.IO by hand, connected as `token`'s holder."""
    url = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(url, timeout=10, **options)
    assert ws.recv().startswith("0")  # Engine.IO open
    ws.send("40" + json.dumps({"token": token}))
    while not ws.recv().startswith("40"):  # Socket.IO connected (skipping what came first)
        pass
    return ws


# A client the server hangs up on may leave its socket to the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("mode", ["gevent", "threading"])
def test_a_websocket_that_ends_ends_its_connection_and_logs_no_error(
    tmp_path: Path, mode: str, people: list[Person]
) -> None:
    server = LiveServer(tmp_path, mode).start()
    try:
        session, fac = host(server, people, "strategizing")
        for _ in range(20):
            Person(server, session["facilitator_token"], "again").close()

        ws = engineio_websocket(server, session["facilitator_token"])
        ws.send("41")  # Socket.IO disconnect
        ws.send("1")  # Engine.IO close
        ws.send_close()
        ws.sock.settimeout(10)
        received = b""
        while chunk := ws.sock.recv(4096):  # the server's close frame, then the end
            received += chunk
        # The server hung up (the loop ended), after a close frame. Under threading,
        # simple-websocket's reader thread may have taken the client's close frame, and its
        # answer lost to the server's own close of the socket, in a race of its threads.
        assert mode == "threading" or b"\x88" in received
        ws.sock.close()
    finally:
        for person in people:
            person.close()
        server.stop()
    errors = [line for line in server.log.read_text().splitlines() if " ERROR " in line]
    assert not errors, "\n".join(errors[:5])


class Editors:
    """People each revising goals they proposed at length (every revision a message of about
    8 kB), with up to 5 revisions in flight each, from `start` until `stop`."""

    def __init__(self, people: list[Person], goals: int) -> None:
        self.made, self.refused, self.lock = 0, [], threading.Lock()
        self.stopping = threading.Event()
        self.threads = []
        for person in people:
            proposed = [
                person.ok("propose_goal", level="vision", **self.revision(person.name, n))
                for n in range(goals)
            ]
            ids = [answer["proposal_id"] for answer in proposed]
            # (daemons: a test failing while the server no longer answers them must not hang)
            self.threads.append(threading.Thread(target=self._run, args=(person, ids), daemon=True))

    @staticmethod
    def revision(name: str, i: int) -> dict:
        return {
            "title": f"{name}'s goal ({i})",
            "description": f"{name}'s goal, said at length ({i}). " * 110,
            "metrics": [
                {"name": f"Measure {m}, named at length " * 6, "unit": "u" * 40, "target": i}
                for m in range(10)
            ],
        }

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def _run(self, person: Person, proposals: list[str]) -> None:
        in_flight = threading.BoundedSemaphore(5)

        def answered(ack: dict) -> None:
            with self.lock:
                if ack.get("ok"):
                    self.made += 1
                else:
                    self.refused.append(ack)
            in_flight.release()

        for i in itertools.count(len(proposals)):
            in_flight.acquire()
            if self.stopping.is_set():
                break
            revision = {
                "cid": f"{person.name}-{i}",
                "proposal_id": proposals[i % len(proposals)],
                **self.revision(person.name, i),
            }
            try:
                person.client.emit("edit_proposal", revision, callback=answered)
            except socketio.exceptions.SocketIOError:  # the server is gone: the test is over
                return
        for _ in range(4):  # until every revision sent is answered
            in_flight.acquire(timeout=30)

    def stop(self) -> int:
        """The revisions acknowledged, once every one sent is answered."""
        self.stopping.set()
        for thread in self.threads:
            thread.join()
        assert not self.refused, self.refused[:3]
        return self.made


# The dropped client's socket may be left to the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("mode", ["gevent", "eventlet", "threading"])
def test_a_client_that_never_reads_is_dropped_once_and_catches_up_by_sync(
    tmp_path: Path, mode: str, people: list[Person]
) -> None:
    """A client that reads nothing (yet answers pings) is dropped once 100 messages wait for
    it, instead of growing the server's memory with every event; the others, whose queues
    hold a few answers and events at most, are told everything, and the dropped client
    catches up exactly by sync."""
    limit = ("--set", "OUTBOUND_QUEUE_LIMIT=100")
    server = LiveServer(tmp_path, mode, extra=limit).start()
    editors: Editors | None = None
    try:
        session, fac = host(server, people, "strategizing")
        editing = seat(server, session, people, ("Eva", "team"), ("Tom", "team"))
        fac.ok("next_phase")
        editors = Editors(editing, goals=5)
        slow = server.join(session, "Slow", "team")
        small_buffer = [(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)]
        ws = engineio_websocket(server, slow["token"], sockopt=small_buffer)  # reads no more
        fac.wait_event("presence_changed", lambda e: e["participant_id"] == slow["participant_id"])
        since = fac.fresh_state()["seq"]
        # It asks for the whole state again and again, as a page stuck in a loop might: the
        # answers fill the socket buffers (megabytes on loopback) sooner than events would.
        for ack_id in range(60):
            ws.send(f"42{ack_id}" + json.dumps(["get_state", {"cid": f"slow-{ack_id}"}]))

        def dropped() -> list[str]:
            lines = server.log.read_text().splitlines()
            return [line for line in lines if "dropped connection" in line]

        def pong_until_dropped() -> list[str]:
            """It answers pings without reading them, as a stuck page's socket does."""
            with contextlib.suppress(OSError):  # until it is hung up on
                ws.send("3")
            return dropped()

        editors.start()
        (line,) = poll(pong_until_dropped, timeout=120, every=0.5)
        edits = editors.stop()
        assert " WARNING " in line and slow["participant_id"] in line and session["id"] in line
        fac.wait_event(
            "presence_changed",
            lambda e: e["participant_id"] == slow["participant_id"] and not e["present"],
        )
        ws.sock.settimeout(10)
        with contextlib.suppress(ConnectionResetError):
            while ws.sock.recv(65536):  # what the buffers held, then the end: it was hung up on
                pass
        ws.sock.close()

        final = fac.fresh_state()["seq"]
        for person in editing:  # the others were told everything, once
            person.wait_for(lambda person=person: person.last_seq() >= final)
            # (python-socketio's client hands each message to a thread of its own: the order
            # it records them in is not the order they came in.)
            told = sorted(person.seqs())
            assert told == list(range(person.state["seq"] + 1, final + 1))

        back = Person(server, slow["token"], "slow-back")
        people.append(back)
        caught_up: list[dict] = []
        page = {"more": True, "seq": since}
        while page["more"]:
            page = back.ok("sync", since=page["seq"])
            caught_up.extend(page["events"])
        assert [e["seq"] for e in caught_up] == list(range(since + 1, final + 1))
        revised = [e for e in caught_up if e["type"] == "proposal_revised"]
        assert len(revised) == edits
        assert back.state["seq"] == final
    finally:
        if editors is not None:
            editors.stopping.set()
        server.stop()
    assert len(dropped()) == 1  # said once, though the others went on after the drop


# The dropped client's socket may be left to the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("mode", ["gevent", "eventlet", "threading"])
def test_a_client_that_asks_for_big_answers_and_never_reads_is_dropped_once_bytes_wait(
    tmp_path: Path, mode: str, people: list[Person]
) -> None:
    """With the default limits, a client that asks `sync` from 0 of a long log of big events
    again and again, and reads none of the answers, is dropped once OUTBOUND_QUEUE_BYTES of
    them wait: long before OUTBOUND_QUEUE_LIMIT messages do (a dozen such connections held
    gigabytes), and said once. Another person is told every change meanwhile; the dropped
    client, back, catches up by sync from 0, a page of a bounded size at a time."""
    server = LiveServer(tmp_path, mode).start()
    try:
        session, fac = host(server, people, "strategizing")
        room = seat(server, session, people, ("Tom", "team"), ("Pia", "team"), ("Eva", "team"))
        tom = room[0]
        fac.ok("next_phase")
        proposal = tom.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
        for n in range(200):  # a log of 1.8 MB: a `sync` from 0 was 1.5 MB (500 events)
            for person in room:
                person.ok("comment", proposal_id=proposal, text=f"{n} " + "z" * 3000)
        slow = server.join(session, "Slow", "team")
        small_buffer = [(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)]
        ws = engineio_websocket(server, slow["token"], sockopt=small_buffer)  # reads no more
        fac.wait_event("presence_changed", lambda e: e["participant_id"] == slow["participant_id"])
        since = fac.fresh_state()["seq"]
        hands = itertools.cycle(["raise_hand", "lower_hand"])

        def dropped() -> list[str]:
            lines = server.log.read_text().splitlines()
            return [line for line in lines if "dropped connection" in line]

        asked = 0
        with contextlib.suppress(OSError):  # until it is hung up on
            while asked < 200 and not dropped():  # 200 answers held 300 MB
                ws.send(f"42{asked}" + json.dumps(["sync", {"since": 0}]))
                ws.send("3")  # it answers pings without reading them
                asked += 1
                tom.ok(next(hands))  # the room goes on, told to the slow client too
        (line,) = poll(dropped, timeout=30)
        assert " WARNING " in line and " bytes wait " in line, line
        assert slow["participant_id"] in line and session["id"] in line
        fac.wait_event(
            "presence_changed",
            lambda e: e["participant_id"] == slow["participant_id"] and not e["present"],
        )
        ws.sock.close()

        tom.ok(next(hands))  # and the server serves on
        final = fac.fresh_state()["seq"]
        for person in (fac, tom):  # told everything, once
            person.wait_for(lambda person=person: person.last_seq() >= final)
            assert sorted(s for s in person.seqs() if s > since) == list(
                range(since + 1, final + 1)
            )

        back = Person(server, slow["token"], "slow-back")
        people.append(back)
        caught_up: list[dict] = []
        page = {"more": True, "seq": 0}
        while page["more"]:
            page = back.ok("sync", since=page["seq"])
            assert len(json.dumps(page["events"])) < 300_000  # not 500 events of 3 KB
            caught_up.extend(page["events"])
        assert [e["seq"] for e in caught_up] == list(range(1, final + 1))
    finally:
        server.stop()
    assert len(dropped()) == 1


@pytest.mark.parametrize("mode", ["gevent", "eventlet", "threading"])
def test_a_burst_bigger_than_the_outbound_limit_drops_nobody_who_reads(
    tmp_path: Path, mode: str, people: list[Person]
) -> None:
    """Thirty hands raised while another process holds the database are written together
    once it lets go, and the room is told of them at once: more messages than may wait for
    one connection. Everyone reading takes them as they go out; nobody is dropped, and
    everyone is told every change once."""
    limit = ("--set", "OUTBOUND_QUEUE_LIMIT=20")
    server = LiveServer(tmp_path, mode, extra=limit).start()
    try:
        session, fac = host(server, people, "strategizing")
        room = seat(server, session, people, *((f"P{n}", "team") for n in range(30)))
        since = fac.fresh_state()["seq"]
        answers: list[dict] = []
        answered = threading.Semaphore(0)

        def answer(ack: dict) -> None:
            answers.append(ack)
            answered.release()

        with contextlib.closing(sqlite3.connect(tmp_path / "workshop.db")) as other:
            other.execute("BEGIN IMMEDIATE")  # another process writes: the server's writer waits
            for person in room:
                person.client.emit("raise_hand", {"cid": f"{person.name}-up"}, callback=answer)
            poll(lambda: all(person.client.eio.queue.empty() for person in room))
            assert server.get("/healthz").ok  # (the server has read what came before it)
            other.rollback()
        for _ in room:
            assert answered.acquire(timeout=30), f"{len(answers)} of {len(room)} answered"
        assert all(ack.get("ok") for ack in answers), answers

        final = fac.fresh_state()["seq"]
        assert final == since + len(room)
        for person in (fac, *room):
            person.wait_for(lambda person=person: person.last_seq() >= final)
            told = sorted(seq for seq in person.seqs() if seq > since)
            assert told == list(range(since + 1, final + 1)), person.name
    finally:
        server.stop()
    dropped = [line for line in server.log.read_text().splitlines() if "dropped" in line]
    assert not dropped, dropped


@pytest.mark.parametrize("mode", ["gevent", "eventlet", "threading"])
def test_a_client_that_stops_answering_pings_is_let_go_and_the_others_are_served(
    tmp_path: Path, mode: str, people: list[Person]
) -> None:
    """A client whose network is gone stops answering pings; Engine.IO then closes its
    connection as the next change is sent to it, in the middle of a broadcast. Recording
    that disconnection must not wait for the broadcast's own writer: the server serves on."""
    pings = ("--set", "PING_INTERVAL=1", "--set", "PING_TIMEOUT=3")
    server = LiveServer(tmp_path, mode, extra=pings).start()
    try:
        session, fac = host(server, people, "strategizing")
        (tom,) = seat(server, session, people, ("Tom", "team"))
        gone = server.join(session, "Gone", "team")
        ws = engineio_websocket(server, gone["token"])  # then answers nothing, not even pings
        hands = itertools.cycle(["raise_hand", "lower_hand"])

        def left() -> bool:
            tom.ok(next(hands))  # a change the room is told, the gone client included
            seen = fac.events("presence_changed")
            return any(
                e["participant_id"] == gone["participant_id"] and not e["present"] for e in seen
            )

        poll(left, timeout=30, every=0.05)
        tom.ok(next(hands))  # and the server serves on
        ws.sock.close()
    finally:
        server.stop()


class Storm:
    """Real clients proposing goals as fast as they are answered, each with its own cids,
    until their connection ends; every answer is kept by cid."""

    def __init__(self, server: LiveServer, session: dict, people: list[Person], size: int) -> None:
        cast = [(f"P{i}", "team") for i in range(size)]
        self.clients = seat(server, session, people, *cast)
        self.answers: dict[str, dict | None] = {}  # cid → ack, refusal, or None: no answer
        self.titles: dict[str, str] = {}
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(c,)) for c in self.clients]

    def _run(self, client: Person) -> None:
        """Propose until a refusal or the hang-up (python-socketio's call() would wait out its
        timeout; the answers read before the hang-up are handled before it)."""
        changed, hung_up = threading.Condition(), threading.Event()

        def hang_up(*_reason: object) -> None:
            with changed:
                hung_up.set()
                changed.notify_all()

        client.client.on("disconnect", hang_up)
        for i in itertools.count():
            cid, title = f"{client.name}-{i}", f"Goal {client.name}.{i}"
            with self.lock:
                self.titles[cid] = title
                self.answers[cid] = None

            def keep(answer: dict, cid: str = cid) -> None:
                with changed:
                    with self.lock:
                        self.answers[cid] = answer
                    changed.notify_all()

            try:
                payload = {"cid": cid, "level": "vision", "title": title}
                client.client.emit("propose_goal", payload, callback=keep)
            except socketio.exceptions.SocketIOError:  # disconnected
                return
            with changed:
                changed.wait_for(lambda cid=cid: hung_up.is_set() or self.answers[cid], 8)
            with self.lock:
                answer = self.answers[cid]
            if not answer or not answer.get("ok"):
                return

    def acked(self) -> set[str]:
        with self.lock:
            return {cid for cid, answer in self.answers.items() if answer and answer.get("ok")}


def storming(server: LiveServer, people: list[Person], size: int, acks: int) -> tuple[dict, Storm]:
    """A session in its propose phase with a storm of `size` clients, `acks` answered so far."""
    session, fac = host(server, people, "strategizing")
    fac.ok("next_phase")
    storm = Storm(server, session, people, size)
    for thread in storm.threads:
        thread.start()
    poll(lambda: len(storm.acked()) >= acks, timeout=60, every=0.01)
    return session, storm


# A client the server hangs up on may leave its socket to the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize(
    ("mode", "how"),
    [
        ("gevent", signal.SIGTERM),
        ("gevent", signal.SIGINT),
        ("gevent", signal.SIGKILL),
        ("eventlet", signal.SIGTERM),
        ("eventlet", signal.SIGINT),
        ("threading", signal.SIGTERM),  # Ctrl-C takes the same way there
    ],
)
def test_stopping_in_a_storm_loses_no_acknowledged_command_and_answers_what_was_in_flight(
    tmp_path: Path, mode: str, how: signal.Signals, people: list[Person]
) -> None:
    """SIGTERM and Ctrl-C finish and answer what is in flight, then exit 0 within 10 s, under
    each server; after kill -9, acknowledged commands survive and a retry of any other
    returns the stored ack."""
    server = LiveServer(tmp_path, mode).start()
    try:
        session, storm = storming(server, people, 12, 150)
        assert server.process is not None
        server.process.send_signal(how)
        status = server.process.wait(10)
        for thread in storm.threads:
            thread.join()
        log = server.log.read_text()
        if how != signal.SIGKILL:
            assert status == 0 and "Traceback" not in log, log[-3000:]
            assert "stopped" in log.splitlines()[-1]

        for person in people:
            person.close()
        server.start()
        fac = Person(server, session["facilitator_token"], "fac-after")
        people.append(fac)
        restarted = fac.state["seq"]
        stored = [p["title"] for p in fac.state["proposals"]]
        assert len(stored) == len(set(stored))  # nothing applied twice
        acked = storm.acked()
        assert {storm.titles[cid] for cid in acked} <= set(stored)  # nothing acknowledged lost
        # A fast server may fill the session (500 proposals) before the signal: those were
        # answered, refused by the rules, and are not in flight.
        full = {
            cid
            for cid, a in storm.answers.items()
            if a and a.get("error", {}).get("code") == "limit_reached"
        }
        unanswered = [cid for cid in storm.answers if cid not in acked and cid not in full]
        if how != signal.SIGKILL:  # committed means acknowledged: the in-flight were answered
            assert set(stored) == {storm.titles[cid] for cid in acked}
            refused = [storm.answers[cid] for cid in unanswered if storm.answers[cid]]
            assert all(a["error"]["code"] == "unavailable" for a in refused), refused

        by_name = {client.name: client for client in storm.clients}
        applied_now = 0
        for cid in unanswered:  # a retry after the restart: the stored ack, or applied now, once
            client = Person(server, by_name[cid.split("-")[0]].token, "retry")
            people.append(client)
            title = storm.titles[cid]
            retried = client.send("propose_goal", cid=cid, level="vision", title=title)
            if not retried["ok"]:  # the session filled up meanwhile: refused by the rules
                assert retried["error"]["code"] == "limit_reached", retried
                assert title not in stored
                continue
            assert (retried["seq"] <= restarted) == (title in stored)
            applied_now += title not in stored
        final = [p["title"] for p in fac.fresh_state()["proposals"]]
        assert len(final) == len(set(final)) == len(stored) + applied_now
    finally:
        server.stop()


def test_stopping_while_another_process_holds_the_write_lock_commits_nothing_unanswered(
    tmp_path: Path, people: list[Person]
) -> None:
    """SIGTERM while a sqlite3 shell held the write lock: the server closed its connections
    at the end of its drain, then, the lock freed, committed the comments waiting for it,
    which nobody heard back about; it exited after 14 s with a traceback. Now a write still
    waiting when the drain ends is refused, not begun: committed means acknowledged."""
    data = tmp_path / "data"
    with proposing(data, people) as (server, session, tom):
        proposal = tom.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
        team = seat(server, session, people, *((f"P{i}", "team") for i in range(5)))
        holder = sqlite3.connect(data / "workshop.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # as a sqlite3 shell mid-transaction
        answers: dict[str, dict | None] = {}

        def comment(person: Person) -> None:
            try:
                answers[person.name] = person.send(
                    "comment", proposal_id=proposal, text="in flight"
                )
            except Exception:  # noqa: BLE001 - no answer before the connection closed
                answers[person.name] = None

        threads = [threading.Thread(target=comment, args=(person,)) for person in team]
        for thread in threads:
            thread.start()
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        # Freed only once the server has let its connections go: what it commits from here
        # on, nobody hears about.
        poll(lambda: not any(person.client.connected for person in team), timeout=20)
        holder.rollback()
        holder.close()
        assert server.process.wait(20) == 0
        for thread in threads:
            thread.join()
        log = server.log.read_text()
        assert "Traceback" not in log, log[-3000:]

        server.start()
        fac = Person(server, session["facilitator_token"], "fac after")
        people.append(fac)
        (card,) = fac.fresh_state()["proposals"]
        acked = [name for name, answer in answers.items() if answer and answer["ok"]]
        assert len(card["comments"]) == len(acked)
        refused = [answer for answer in answers.values() if answer and not answer["ok"]]
        assert all(answer["error"]["code"] == "unavailable" for answer in refused), refused


def workshop(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workshop", *args], capture_output=True, text=True, timeout=60
    )


def damage(database: Path) -> None:
    """Overwrite the middle of the file, as a failing disk or a bad copy would."""
    data = bytearray(database.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 8192] = b"\xde\xad\xbe\xef" * 2048
    database.write_bytes(bytes(data))


def newer_schema(database: Path) -> None:
    with sqlite3.connect(database) as conn:
        conn.execute(
            "insert into _sqlite_migrations (migration_set, name, applied_at)"
            " values ('workshop', 'm999_from_the_future', '2030-01-01')"
        )
    conn.close()


@pytest.mark.parametrize(
    ("spoil", "said"),
    [
        (lambda db: db.write_bytes(b""), "is empty (0 bytes)"),
        (lambda db: db.write_text("minutes of a meeting\n" * 200), "is not a Workshop database"),
        (damage, "is damaged"),
        (newer_schema, "was written by a newer Workshop"),
    ],
    ids=["zero-length", "not-a-database", "damaged", "newer-schema"],
)
def test_a_bad_database_is_refused_at_start_with_one_line(
    tmp_path: Path, spoil: Callable[[Path], object], said: str, people: list[Person]
) -> None:
    server = LiveServer(tmp_path).start()
    session, fac = host(server, people, "strategizing")
    for i in range(40):  # enough pages that damage in the middle hits the data
        server.create_session("strategizing", product=f"Product {i} " * 10)
    fac.close()
    server.stop()
    url = f"sqlite:///{tmp_path / 'workshop.db'}"
    assert workshop("check", "--database", url).returncode == 0
    spoil(tmp_path / "workshop.db")
    checked = workshop("check", "--database", url)
    assert checked.returncode == 1 and said in checked.stderr, checked.stderr
    refusal = server.refuses_to_start()
    assert refusal.returncode == 1 and "Traceback" not in refusal.stderr, refusal.stderr
    (line,) = refusal.stderr.strip().splitlines()
    assert said in line and "workshop.db" in line, line


def test_a_read_only_data_folder_is_refused_at_start_with_one_line(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as folder:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        refusal = LiveServer(folder).refuses_to_start()
    assert refusal.returncode == 1 and "Traceback" not in refusal.stderr, refusal.stderr
    (line,) = refusal.stderr.strip().splitlines()
    assert "must be readable and writable" in line, line


def test_a_port_in_use_is_refused_at_start_with_one_line(tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", server.port))
        taken.listen()
        refusal = server.refuses_to_start()
    assert refusal.returncode == 1 and "Traceback" not in refusal.stderr, refusal.stderr
    (line,) = refusal.stderr.strip().splitlines()
    assert f"cannot listen on 127.0.0.1:{server.port}" in line and "in use" in line, line
    assert not (tmp_path / "workshop.db").exists()  # refused before the database is touched


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--port", "99999"], "'--port': 99999 is not in the range 1<=x<=65535"),
        (["--port", "0"], "'--port': 0 is not in the range 1<=x<=65535"),
        (["--host", "999.1.1.1"], "cannot listen on 999.1.1.1:"),
    ],
)
def test_an_address_nobody_can_listen_on_is_refused_with_one_clear_error(
    tmp_path: Path, args: list[str], said: str
) -> None:
    refusal = workshop("serve", "--data", str(tmp_path), *args)
    assert refusal.returncode != 0 and "Traceback" not in refusal.stderr, refusal.stderr
    assert said in refusal.stderr, refusal.stderr
    assert refusal.stderr.strip().splitlines()[-1].startswith("Error:"), refusal.stderr


def test_a_backup_onto_the_live_database_or_into_no_folder_is_refused_by_name(
    tmp_path: Path, people: list[Person]
) -> None:
    server = LiveServer(tmp_path).start()
    try:
        session, _fac = host(server, people, "strategizing")
        live = tmp_path / "workshop.db"
        url = f"sqlite:///{live}"
        for args in (
            ["--database", url, str(live)],
            ["--database", url, str(tmp_path / "." / "workshop.db")],
            ["--data", str(tmp_path), str(live)],
        ):
            refused = workshop("backup", *args)
            assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
            (line,) = refused.stderr.strip().splitlines()
            assert "is the database being backed up" in line, line
        nowhere = tmp_path / "no-such-folder" / "copy.db"
        refused = workshop("backup", "--database", url, str(nowhere))
        assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
        (line,) = refused.stderr.strip().splitlines()
        assert f"cannot write {nowhere}" in line and "no-such-folder does not exist" in line, line
        assert f"cannot use {live}" not in line, line
        # A destination on a full disk named the source's folder ("free some space and start
        # again", the server's words) though that disk had room.
        with small_disk(tmp_path / "full") as full:
            fill(full)
            refused = workshop("backup", "--database", url, str(full / "copy.db"))
        assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
        (line,) = refused.stderr.strip().splitlines()
        assert f"the disk holding {full} is full: free some space and back up again" in line
        assert server.export(session, "minutes?format=json").status_code == 200  # unharmed
        assert workshop("check", "--database", url).returncode == 0
    finally:
        server.stop()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_backup_taken_in_a_storm_serves_and_holds_every_ack_given_before_it(
    tmp_path: Path, people: list[Person]
) -> None:
    (tmp_path / "live").mkdir()
    server = LiveServer(tmp_path / "live").start()
    try:
        # Each client proposes 50 goals at most (the per-person limit): 16 of them keep the
        # storm going well past a backup that takes a second to start on a busy machine.
        session, storm = storming(server, people, 16, 60)
        before = {storm.titles[cid] for cid in storm.acked()}
        copy = tmp_path / "restored" / "workshop.db"
        copy.parent.mkdir()
        url = f"sqlite:///{server.data / 'workshop.db'}"
        made = workshop("backup", "--database", url, str(copy))
        assert made.returncode == 0, made.stderr
        during = len(storm.acked())
        poll(lambda: len(storm.acked()) >= during + 20, timeout=60, every=0.01)  # storm goes on
    finally:
        server.stop()
        for thread in storm.threads:
            thread.join()
    restored = LiveServer(copy.parent).start()
    try:
        fac = Person(restored, session["facilitator_token"], "fac-restored")
        people.append(fac)
        titles = {p["title"] for p in fac.state["proposals"]}
        assert before <= titles
        log = fac.ok("sync", since=0)["events"]
        assert [e["seq"] for e in log] == list(range(1, fac.state["seq"] + 1))
        fac.ok("go_to_phase", phase="decide")  # it serves: a new command is applied
    finally:
        restored.stop()


@pytest.mark.parametrize("mode", ["gevent", "threading"])
def test_a_client_that_falls_megabytes_behind_then_reads_gets_every_message_whole(
    tmp_path: Path, mode: str, people: list[Person]
) -> None:
    """A message larger than what the TCP socket takes at once is still sent whole: a client
    that lets megabytes of answers pile up, then reads them, parses every one. (The websocket
    library under gevent and threading let the rest of a partial send go, so the stream broke
    mid-frame and the client read garbage or waited for bytes that never came.)"""
    server = LiveServer(tmp_path, mode).start()
    try:
        session, fac = host(server, people, "strategizing")
        (ann,) = seat(server, session, people, ("Ann", "team"))
        fac.ok("next_phase")
        for number in range(25):  # a state of about 100 kB
            ann.ok(
                "propose_goal", level="vision", title=f"Vision {number}", description="w " * 1990
            )
        slow = server.join(session, "Slow", "team")
        small_buffer = [(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)]
        ws = engineio_websocket(server, slow["token"], sockopt=small_buffer)
        asked = 100  # about 10 MB of answers: more than the socket buffers on both sides hold
        for ack_id in range(asked):
            ws.send(f"42{ack_id}" + json.dumps(["get_state", {"cid": f"slow-{ack_id}"}]))

        answered = {}
        while len(answered) < asked:
            message = ws.recv()  # a broken stream raises or times out here
            if message == "2":
                ws.send("3")
            elif message.startswith("43"):
                ack_id, _, body = message[2:].partition("[")
                (answer,) = json.loads("[" + body)
                answered[int(ack_id)] = answer
        assert sorted(answered) == list(range(asked))
        assert all(len(answer["state"]["proposals"]) == 25 for answer in answered.values())
        ws.close()
    finally:
        server.stop()


@pytest.mark.parametrize("mode", ["gevent", "eventlet"])
def test_malformed_messages_on_a_raw_websocket_are_refused_in_a_line_and_the_socket_goes_on(
    tmp_path: Path, people: list[Person], mode: str
) -> None:
    """Each logged a traceback ("message handler error"), so that one client could fill the
    log at will, and one asking for an answer waited for ever."""
    server = LiveServer(tmp_path, mode).start()
    try:
        session, fac = host(server, people, "strategizing")
        ws = engineio_websocket(server, session["facilitator_token"])
        nested = "[" * 5000 + "]" * 5000
        for message in ("hello", '42["comment",{', "42" + nested, '45-["x"]', "9"):
            ws.send(message)
        ws.send_binary(b"\x00\x01\x02\xff")
        ws.send("421[]")  # an event with no name, asking for an answer
        ws.send('451-["comment",{"_placeholder":true,"num":0}]')  # binary
        ws.send('423["next_phase",{"cid":"after-junk"}]')  # the connection goes on

        answers = {}
        while len(answers) < 2:
            message = ws.recv()
            if message == "2":  # Engine.IO ping
                ws.send("3")
            elif message.startswith("43"):
                number = int(message[2 : message.index("[")])
                answers[number] = json.loads(message[message.index("[") :])[0]
        assert answers[1]["error"] == {
            "code": "invalid_input",
            "message": "malformed message: an event needs a name",
        }
        assert answers[3]["ok"] and answers[3]["events"][0]["type"] == "phase_changed"
        ws.close()
        log = server.log.read_text()
        assert "Traceback" not in log and "message handler error" not in log
        assert log.count("a malformed message from connection") == 6
        assert log.count("that is no Engine.IO packet was dropped") == 2  # "hello" and "9"
    finally:
        server.stop()


# The server hangs up on the flooding client, which may leave its socket to the collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_empty_messages_are_refused_in_a_line_and_a_flood_of_them_is_hung_up_on(
    tmp_path: Path, people: list[Person]
) -> None:
    """An empty Socket.IO message (the frame "4") logged two tracebacks each, with no rate
    to stop it: one socket grew the log 12 MB a second and slowed every other session's
    answers to seconds."""
    server = LiveServer(tmp_path, strict=True).start()  # the command rate people get
    try:
        session, _fac = host(server, people, "strategizing")
        other, _other_fac = host(server, people, "strategizing")
        ws = engineio_websocket(server, session["facilitator_token"])
        ws.send("4")
        ws.send('421["get_state",{}]')  # the connection goes on after one
        while not (message := ws.recv()).startswith("431"):
            if message == "2":
                ws.send("3")
        assert json.loads(message[3:])[0]["ok"]
        closed = False
        try:
            for _ in range(2000):
                ws.send("4")
            while ws.recv():  # the server hangs up: recv ends or raises
                pass
            closed = True
        except (websocket.WebSocketException, OSError):
            closed = True
        assert closed
        log = server.log.read_text()
        assert "Traceback" not in log and "message handler error" not in log
        assert "sent malformed messages too fast: hung up" in log
        assert log.count("a malformed message from") < 200, "the lines stay bounded"
        answer = server.get(f"/api/sessions/{other['id']}/state", token=other["facilitator_token"])
        assert answer.status_code == 200
    finally:
        server.stop()


def test_a_damaged_event_in_the_log_is_named_and_that_session_alone_is_refused(
    tmp_path: Path, people: list[Person]
) -> None:
    """Rows that SQLite's own check passes: an event's text that is no JSON failed every
    request with a traceback (and a connection with "not connected"); an event gone served
    the session without it, a gap in its seqs, without a word."""
    server = LiveServer(tmp_path).start()
    try:
        sessions = []
        for title in ("Broken", "Gappy", "Fine"):
            session, fac = host(server, people, "strategizing", title=title)
            (pia,) = seat(server, session, people, ("Pia", "product"))
            fac.ok("next_phase")
            for word in ("one", "two", "three"):
                pia.ok("propose_goal", level="vision", title=f"Vision {word}")
            sessions.append(session)
    finally:
        for person in people:
            person.close()
        server.stop()
    broken, gappy, fine = sessions
    with sqlite3.connect(tmp_path / "workshop.db") as db:
        db.execute(
            "update events set data = '{\"seq\": 5, ' where workshop_id = ? and seq = 5",
            [broken["id"]],
        )
        db.execute("delete from events where workshop_id = ? and seq = 4", [gappy["id"]])
    server.start()
    try:
        for session, seq in ((broken, 5), (gappy, 4)):
            answer = server.get(
                f"/api/sessions/{session['id']}/state", session["facilitator_token"]
            )
            assert answer.status_code == 503, answer.text
            assert answer.json()["error"]["message"] == (
                f"the log of session {session['id']} is damaged at event {seq}: restore the"
                " database from a backup (docs/operations.md)"
            )
            client, refused = socketio.Client(reconnection=False), []
            client.on("connect_error", refused.append)
            with pytest.raises(socketio.exceptions.ConnectionError):
                client.connect(server.url, auth={"token": session["facilitator_token"]})
            assert f"is damaged at event {seq}" in refused[0]["message"]
        state = server.get(f"/api/sessions/{fine['id']}/state", fine["facilitator_token"])
        assert state.status_code == 200 and len(state.json()["proposals"]) == 3
        assert "Traceback" not in server.log.read_text()
    finally:
        server.stop()


def peak_memory(pid: int) -> int:
    """The process's peak resident memory (VmHWM), in bytes."""
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def test_a_connection_flooding_megabyte_messages_is_held_back_and_memory_stays_bounded(
    tmp_path: Path, people: list[Person]
) -> None:
    """One connection sent 0.9 MB messages as fast as TCP took them: the server read them all
    ahead of their handling, past a gigabyte, and was still working through them a minute
    after the client left. It now reads a few ahead and TCP holds the sender back."""
    server = LiveServer(tmp_path).start()
    try:
        session, _fac, tom, ballot = open_vote(server, people)
        (proposal,) = ballot_of(tom.fresh_state(), ballot)["options"]
        assert server.process is not None
        before = peak_memory(server.process.pid)
        ws = engineio_websocket(server, session["facilitator_token"])
        # Slow to read (100,000 little lists), so that they come faster than they are read.
        junk = [[i] for i in range(100_000)]
        comment = {"cid": "x", "proposal_id": proposal, "text": "a", "junk": junk}
        frame = json.dumps(["comment", comment])
        sent = 0
        for _ in range(200):  # 180 MB
            ws.send("42" + frame)
            sent += 1
        tom.ok("raise_hand")  # another connection of the same session is still served
        grown = peak_memory(server.process.pid) - before
        assert grown < 100 * 2**20, f"{grown / 2**20:.0f} MB more after {sent} messages"
        ws.close()
    finally:
        server.stop()


@pytest.mark.parametrize("lose", ["removed", "emptied"])
def test_a_database_lost_beside_its_log_is_refused_and_the_log_kept(
    tmp_path: Path, lose: str, people: list[Person]
) -> None:
    """After a crash the log holds what was written since the last checkpoint: with the
    database file removed or emptied, the server started on a new, empty database (old links
    "unknown token", /readyz 200) and wrote over the log, losing it for good."""
    server = LiveServer(tmp_path).start()
    host(server, people, "strategizing")
    server.kill()  # SIGKILL: nothing checkpointed, the log stays
    database, log = tmp_path / "workshop.db", tmp_path / "workshop.db-wal"
    kept = log.read_bytes()
    assert kept
    if lose == "removed":
        database.unlink()
    else:
        database.write_bytes(b"")
    url = f"sqlite:///{database}"
    for refusal in (workshop("check", "--database", url), server.refuses_to_start()):
        assert refusal.returncode == 1 and "Traceback" not in refusal.stderr, refusal.stderr
        (line,) = refusal.stderr.strip().splitlines()
        assert f"but its write-ahead log workshop.db-wal holds {len(kept):,} bytes" in line, line
    assert log.read_bytes() == kept  # nothing made or written over
    assert database.exists() == (lose == "emptied")


def test_a_command_right_after_a_step_of_the_clock_books_no_step_as_airtime(
    tmp_path: Path, people: list[Person]
) -> None:
    """`end_turn` a moment after the clock stepped an hour forward, before the timer loop
    looked again (it looks four times a second): the turn was booked 3,600.5 s. Here the
    loop never looks (it sleeps an hour): the command itself takes the step into account."""
    clock = SteppedClock(tmp_path)
    server = LiveServer(tmp_path, env=clock.env(), extra=("--timer-interval", "3600")).start()
    try:
        session, fac = host(server, people)
        (ann,) = seat(server, session, people, ("Ann", "team"))
        fac.ok("set_time_box", seconds=None)  # untimed: nothing caps what a turn is booked
        fac.ok("grant_floor", participant_id=ann.id)
        clock.step(+3600)
        held = fac.ok("end_turn")["events"]
        ended = next(e for e in held if e["type"] == "turn_ended")
        assert ended["seconds"] < 600  # spoken, not stepped
        notice = fac.wait_event("clock_stepped", lambda e: "seq" not in e)
        assert notice["by"] > 3000  # every page hears of it too
        rows = {row["participant_id"]: row for row in fac.fresh_state()["airtime"]["rows"]}
        assert rows[ann.id]["seconds"] < 600
    finally:
        server.stop()


def test_a_step_of_the_wall_clock_keeps_the_time_a_turn_has_left_and_its_airtime(
    tmp_path: Path, people: list[Person]
) -> None:
    """The server's clock stepped back ten minutes (NTP correcting it): a 4 s turn ran on for
    ten minutes and was booked no airtime. Stepped an hour forward, an untimed turn of a few
    seconds was booked 3,600 s, and a timed one ended at once."""
    clock = SteppedClock(tmp_path)
    server = LiveServer(tmp_path, env=clock.env()).start()
    try:
        session, fac = host(server, people)
        ann, bob = seat(server, session, people, ("Ann", "team"), ("Bob", "team"))
        fac.ok("set_time_box", seconds=4)
        fac.ok("grant_floor", participant_id=ann.id)
        clock.step(-600)

        def moved() -> list[dict]:  # the session's events, not the notice every page gets
            return [e for e in fac.events("clock_stepped") if "seq" in e]

        fac.wait_for(lambda: len(moved()) == 1)
        ended = fac.wait_event("turn_ended", lambda e: e["participant_id"] == ann.id)
        assert (ended["how"], ended["seconds"]) == ("expired", 4.0)  # the box, not 0 or 604

        fac.ok("set_time_box", seconds=None)
        fac.ok("grant_floor", participant_id=bob.id)
        clock.step(+3600)
        fac.wait_for(lambda: len(moved()) == 2)
        assert fac.fresh_state()["floor"]["holder"]["participant_id"] == bob.id
        held = fac.ok("end_turn")["events"][0]
        assert held["type"] == "turn_ended" and held["seconds"] < 600  # spoken, not stepped
        rows = {row["participant_id"]: row for row in fac.fresh_state()["airtime"]["rows"]}
        assert rows[ann.id]["seconds"] == 4.0 and rows[bob.id]["seconds"] < 600
    finally:
        server.stop()
