"""Group commit: commands sent together are decided in order, written in one transaction,
answered only once on disk, and refused each on its own when their batch cannot be written."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.engine import Database, Room
from tests.live import LiveServer, Person, host, poll, seat
from tests.tools import fill, slow_disk, small_disk, write_until_refused
from workshop.domain.errors import WorkshopError
from workshop.store import Store
from workshop.writer import Writer


def together(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls at the same moment, each from its own thread; their results, in order.
    A call that raised (no answer in time) raises here, where the test reports it."""
    results: list[object] = [None] * len(calls)
    raised: list[BaseException] = []
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = calls[i]()
        except BaseException as error:
            raised.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if raised:
        raise raised[0]
    return results


def sessions(store: Store) -> set[str]:
    with store.reading():
        return {row["id"] for row in store.workshops()}


def replays(store: Store) -> list[str]:
    """The sessions whose whole log the store is asked for from now on: a cached state
    rebuilt from the log."""
    rebuilt: list[str] = []
    read = store.events

    def events(workshop_id: str, after: int = 0, limit: int | None = None) -> list[dict]:
        if after == 0:
            rebuilt.append(workshop_id)
        return read(workshop_id, after, limit)

    store.events = events  # type: ignore[method-assign]
    return rebuilt


def test_a_piece_that_fails_is_undone_alone_and_the_rest_of_its_batch_is_kept(
    database: Database,
) -> None:
    store = database.open()
    undone: list[str] = []
    writer = Writer(
        store, lambda whole: undone.append(f"forget {whole}"), lambda _: None, lambda *_: None
    )

    def put(key: str, fail: bool = False):
        def work():
            store.add_workshop(key, "strategizing", key, key.upper(), 0.0)
            if fail:
                raise ValueError(f"{key} went wrong after writing")
            return key, None, []

        return work

    jobs = writer.write_all([put("a"), put("b", fail=True), put("c")])
    assert [job.outcome and job.outcome[0] for job in jobs] == ["a", None, "c"]
    with pytest.raises(ValueError, match="b went wrong"):
        jobs[1].result()
    assert undone == ["forget False"]  # the service drops what that piece folded in
    assert sessions(store) == {"a", "c"}


def test_each_piece_keeps_exactly_its_own_events_and_ack_when_one_fails_after_writing(
    database: Database,
) -> None:
    """PostgreSQL holds a piece's events back to write them with its ack in one statement:
    whatever a piece wrote, with or without an ack, stays or goes with that piece alone."""
    store = database.open()
    writer = Writer(store, lambda _whole: None, lambda _: None, lambda *_: None)
    writer.write_all([lambda: (store.add_workshop("w", "review", "W", "W1", 0.0), None, [])])
    event = {"type": "note", "at": 1.0}

    def command(seq: int, cid: str, fail: bool = False, ack: bool = True):
        def work():
            store.append("w", [event, event], seq)  # two events, in one statement
            if ack:
                store.save_ack("w", "ann", cid, {"ok": True, "seq": seq + 2})
            if fail:
                raise ValueError(f"{cid} went wrong after writing")
            return cid, None, []

        return work

    jobs = writer.write_all(
        [command(0, "a"), command(2, "b", fail=True), command(2, "c", ack=False), command(4, "d")]
    )
    assert [job.error is None for job in jobs] == [True, False, True, True]
    with store.reading():
        assert [item["seq"] for item in store.events("w")] == [1, 2, 3, 4, 5, 6]
        assert [store.ack("w", "ann", cid) is not None for cid in "abcd"] == [
            True,
            False,
            False,
            True,
        ]


def test_the_writer_says_once_it_has_written_all_it_was_given(database: Database) -> None:
    """A busy room waits on this (`settled`) to be told a storm's votes together: not while
    a piece is still being written, at once when it is."""
    writer = Writer(database.open(), lambda _whole: None, lambda _: None, lambda *_: None)
    assert writer.settled(0)  # not batching yet: each piece is written by its caller
    writer.start(lambda run: threading.Thread(target=run, daemon=True).start(), "threading")
    assert writer.settled(0)
    writing, written = threading.Event(), threading.Event()

    def work():
        writing.set()
        written.wait(10)
        return None, None, []

    caller = threading.Thread(target=writer.write, args=(work,))
    caller.start()
    assert writing.wait(10)
    assert not writer.settled(0.01)
    written.set()
    assert writer.settled(10)
    caller.join()


def ballot_open(database: Database, *voters: str) -> tuple[Room, list[str], str]:
    """A session whose team members `voters` face a ballot open on one proposal."""
    room = Room(database)
    joined = [room.join(name, "team") for name in voters]
    room.do(room.fac, "next_phase")
    proposal = room.propose(joined[0], level="vision", title="Healthier lives")
    room.do(room.fac, "go_to_phase", phase="decide")
    ballot = room.do(room.fac, "open_ballot", proposal_ids=[proposal])["ballot_id"]
    return room, joined, ballot


def in_one_batch(room: Room, calls: list[Callable[[], None]]) -> None:
    """Make the calls (commands), each from a thread of its own, and let the writer start
    only once all of them wait: they are written in one batch."""
    runs: list[Callable[[], None]] = []
    room.service.writer.start(runs.append, "threading")
    threads = [threading.Thread(target=call) for call in calls]
    for thread in threads:
        thread.start()
    poll(lambda: len(room.service.writer._queue) == len(calls), every=0.01)
    threading.Thread(target=runs[0], daemon=True).start()
    for thread in threads:
        thread.join()


def test_a_retry_is_answered_the_first_ack_in_the_same_batch_and_once_refused(
    database: Database,
) -> None:
    """Whether a command is a retry is found as its ack is saved: a retry in the first's
    own batch, or one that the session's state now refuses, is answered the first ack and
    changes nothing."""
    room, (voter,), ballot = ballot_open(database, "V")
    service = room.service
    vote = {"ballot_id": ballot, "vote": {"choice": "agree"}}
    answers: list[dict] = []

    def cast() -> None:
        answers.append(service.execute(room.id, voter, "cast_vote", vote, "my-vote"))

    in_one_batch(room, [cast, cast])
    first, again = answers
    assert first == again and first["ok"]
    assert [e["seq"] for e in room.events("vote_cast")] == [first["seq"]]
    room.do(room.fac, "close_ballot", ballot_id=ballot)
    retried = service.execute(room.id, voter, "cast_vote", vote, "my-vote")
    assert retried == first  # not "the ballot is closed": it was applied, and this is its answer
    assert len(room.events("vote_cast")) == 1


def test_a_retry_costs_its_session_no_replay_of_its_log(database: Database) -> None:
    """A client that lost its ack sends the command again: answered the first ack, with
    nothing decided twice, so the session's cached state stays and the next command does
    not rebuild it from the whole log."""
    room, (pia, tom), ballot = ballot_open(database, "Pia", "Tom")
    vote = {"ballot_id": ballot, "vote": {"choice": "agree"}}
    first = room.service.execute(room.id, pia, "cast_vote", vote, "lost-ack")
    rebuilt = replays(room.service.store)
    assert room.service.execute(room.id, pia, "cast_vote", vote, "lost-ack") == first
    assert room.do(tom, "cast_vote", **vote)["ok"]
    assert rebuilt == []
    assert len(room.events("vote_cast")) == 2


def test_a_refused_command_costs_its_session_no_replay_of_its_log(database: Database) -> None:
    """A command refused in a batch undoes its own events alone: the votes decided before it
    in that batch stay in the session's cached state, and the next command does not rebuild
    the session from its whole log (a refusal at the command rate must not cost that)."""
    room, voters, ballot = ballot_open(database, *(f"V{i}" for i in range(6)))
    rebuilt = replays(room.service.store)
    answers: dict[str, object] = {}

    def vote(person: str, choice: str) -> Callable[[], None]:
        def cast() -> None:
            try:
                answers[person] = room.do(
                    person, "cast_vote", ballot_id=ballot, vote={"choice": choice}
                )
            except WorkshopError as error:
                answers[person] = error.code

        return cast

    in_one_batch(
        room, [vote(v, "agree" if i % 2 == 0 else "perhaps") for i, v in enumerate(voters)]
    )
    assert [answers[v] for v in voters[1::2]] == ["invalid_input"] * 3
    assert all(answers[v]["ok"] for v in voters[::2])  # type: ignore[index]
    assert rebuilt == []
    assert room.state.ballots[ballot].votes.keys() == set(voters[::2])


def open_ballot(server: LiveServer, people: list[Person], voters: int) -> tuple[Person, list, str]:
    session, fac = host(server, people, "strategizing")
    seated = seat(server, session, people, *[(f"V{i}", "team") for i in range(voters)])
    fac.ok("next_phase")
    proposal = seated[0].ok("propose_goal", level="vision", title="Healthier lives")
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[proposal["proposal_id"]])["ballot_id"]
    return fac, seated, ballot


def test_commands_sent_together_are_decided_in_order_and_every_ack_survives_kill_9(
    tmp_path: Path, database: Database, people: list[Person]
) -> None:
    server = LiveServer(tmp_path, database=database.server_url).start()
    try:
        session, fac = host(server, people, "strategizing")
        seated = seat(server, session, people, *[(f"P{i}", "team") for i in range(12)])
        before = fac.ok("next_phase")["seq"]  # an ack may come before its own broadcast
        acks = together(
            [
                lambda p=p, i=i: p.send("propose_goal", level="vision", title=f"Goal {i}")
                for i, p in enumerate(seated * 3)
            ]
        )
        assert all(ack["ok"] for ack in acks), acks
        server.kill()  # right after the last ack: what was answered must be on disk
        for person in people:
            person.close()
        server.start()
        fac = Person(server, session["facilitator_token"], "fac-again")
        people.append(fac)
        log = fac.ok("sync", since=before)["events"]
        assert [e["seq"] for e in log] == list(range(before + 1, before + 1 + len(acks)))
        for ack in acks:  # each answered seq is the event that made that proposal
            made = next(e for e in log if e["seq"] == ack["seq"])
            assert made["type"] == "goal_proposed" and made["proposal"]["id"] == ack["proposal_id"]
    finally:
        server.stop()


def test_a_refused_command_in_a_batch_leaves_the_others_whole(server: LiveServer, people) -> None:
    fac, voters, ballot = open_ballot(server, people, 10)
    before = fac.fresh_state()["seq"]
    good = [
        lambda v=v: v.send("cast_vote", ballot_id=ballot, vote={"choice": "agree"}) for v in voters
    ]
    bad = [
        lambda v=v: v.send("cast_vote", ballot_id=ballot, vote={"choice": "perhaps"})
        for v in voters
    ]
    answers = together([call for pair in zip(good, bad, strict=True) for call in pair])
    assert all(a["ok"] for a in answers[::2]), answers
    assert all(a["error"]["code"] == "invalid_input" for a in answers[1::2]), answers
    assert sorted(a["seq"] for a in answers[::2]) == list(range(before + 1, before + 11))
    assert next(b for b in fac.fresh_state()["ballots"] if b["id"] == ballot)["turnout"] == 10


@pytest.fixture
def disk(tmp_path: Path):
    with small_disk(tmp_path / "disk") as folder:
        yield folder


def test_a_batch_the_full_disk_refuses_answers_each_command_and_changes_nothing(
    disk: Path, people: list[Person]
) -> None:
    server = LiveServer(disk).start()
    try:
        fac, (ann, *voters), ballot = open_ballot(server, people, 9)
        filler = fill(disk)
        vote = {"ballot_id": ballot, "vote": {"choice": "agree"}}
        write_until_refused(lambda i: ann.send("cast_vote", cid=f"ann-{i}", **vote))
        before = fac.fresh_state()["seq"]
        calls = [
            lambda v=v: v.send(
                "cast_vote", cid=f"{v.name}-vote", ballot_id=ballot, vote={"choice": "agree"}
            )
            for v in voters
        ]
        refused = together(calls)
        assert all(r["error"]["code"] == "unavailable" for r in refused), refused
        seen = fac.fresh_state()
        assert seen["seq"] == before
        assert next(b for b in seen["ballots"] if b["id"] == ballot)["turnout"] == 1  # Ann's
        filler.unlink()
        kept = together(calls)  # the same cids, once space is back
        assert sorted(a["seq"] for a in kept) == list(range(before + 1, before + 9)), kept
        assert next(b for b in fac.fresh_state()["ballots"] if b["id"] == ballot)["turnout"] == 9
    finally:
        server.stop()


def test_a_disk_stuck_under_the_servers_own_writes_stops_no_connection(
    tmp_path: Path, people: list[Person]
) -> None:
    """The server writes on its own too: its lease every few seconds, a readiness probe. On
    a disk stuck in fsync those wait in the writer like any command, and everything else goes
    on: people read, pages load, and /readyz says within 2 s that the disk does not confirm."""
    server = LiveServer(tmp_path, extra=("--timer-interval", "0.1")).start()
    try:
        _session, fac = host(server, people)
        log = tmp_path / "fsync.log"
        with slow_disk(server.process.pid, log):
            poll(lambda: "sync" in log.read_text())  # the lease's renewal waits for the disk
            state = fac.ok("get_state")["state"]
            assert fac.ok("sync", since=0)["seq"] == state["seq"]
            assert server.get("/healthz").json() == {"ok": True}
            assert "Run a goal-setting workshop" in server.get("/").text
            ready = server.get("/readyz")
            assert ready.status_code == 503
            assert "the write was not confirmed within 2 s" in ready.json()["error"]["message"]
        # The disk is back: what waited is written, and the server is ready again.
        poll(lambda: server.get("/readyz").status_code == 200)
        assert fac.ok("go_to_phase", phase="propose")["seq"] == state["seq"] + 1
    finally:
        server.stop()


def test_reads_are_answered_while_a_batch_is_stuck_in_fsync(
    tmp_path: Path, people: list[Person]
) -> None:
    """Reads have their own connection: a vote waiting for the disk holds up its own ack, not
    another session's state or catch-up."""
    server = LiveServer(tmp_path).start()
    try:
        _fac, (voter,), ballot = open_ballot(server, people, 1)
        _other, reader = host(server, people)
        log = tmp_path / "fsync.log"
        with slow_disk(server.process.pid, log):
            acked: list[dict] = []
            vote = {"cid": "stuck", "ballot_id": ballot, "vote": {"choice": "agree"}}
            voter.client.emit("cast_vote", vote, callback=acked.append)
            poll(lambda: "sync" in log.read_text())  # the vote's COMMIT waits for the disk
            state = reader.ok("get_state")["state"]
            assert reader.ok("sync", since=0)["seq"] == state["seq"]
            assert not acked  # still on its way to disk
        poll(lambda: acked)
        assert acked[0]["ok"], acked
    finally:
        server.stop()
