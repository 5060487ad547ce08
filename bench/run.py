"""Workshop beside the floor (a bare python-socketio room server), in one run, alternating.

`make bench` runs `python -m bench.run`: for each room size N and each cycle, the floor (and
with N = 10 and 50 the durable floor) and Workshop under each async mode serve N clients in
turn, each on a fresh server process, the clients spread over several processes. It
measures a single vote and a burst of votes until every client is updated, and at the
largest N also connecting, the vote storm, the reveal and a phase change. Then one process
and two processes behind nginx (docs/deploy.md's configuration, joined by Redis) serve 2,000
participants in 20 sessions in turn, for the fan-out each carries. docs/performance.md and
the README's figures are written from the results.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from bench import crowd, report
from bench.report import DURABLE_FLOOR, FLOOR
from tests.live import LiveServer
from tests.tools import Cluster, PostgresServer
from workshop.domain.session import PARTICIPANTS_MAX

SIZES = (10, 50, 200, 1000)
Seat = tuple[dict, int, str]  # a client's auth, its room, and its connection URL's query
# N: (singles, bursts). From 1,000 people on, a storm moves with what else the machine does
# (the ack p50's share of one: 41% to 75% on the same code): eight a run, so that the median
# over a run's cycles, set against a bound, does not follow one or two of them.
ROUNDS = {10: (200, 30), 50: (150, 10), 200: (60, 4), 1000: (30, 8)}
DURABLE_FLOOR_SIZES = (10, 50)  # where issue 11 sets its single-vote targets
SCALE_OUT = (2000, 20)  # participants, sessions: issue 12's two processes behind nginx
PROXY_CONNECTIONS = 8192  # nginx holds two connections per client
DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class Crowds:
    """The crowd processes of a run; clients are numbered across all of them."""

    def __init__(self, processes: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes, self.processes = [], []
        for _ in range(processes):
            here, there = context.Pipe()
            process = context.Process(target=crowd.main, args=(there,), daemon=True)
            process.start()
            self.pipes.append(here)
            self.processes.append(process)
        self.where: list[tuple[int, int]] = []  # client -> (crowd, its number there)

    def _ask(self, calls: dict[int, tuple], first: int | None = None) -> dict[int, object]:
        """Each crowd's answer to its call; a crowd's failure raises, `first`'s before the
        others' (theirs may follow from it)."""
        for k, call in calls.items():
            self.pipes[k].send(call)
        # Every crowd's answer is read, failed or not, so that none is left in a pipe to be
        # taken for the answer to the next call.
        replies = {k: self.pipes[k].recv() for k in calls}
        for k, (status, value) in sorted(replies.items(), key=lambda reply: reply[0] != first):
            if status != "ok":
                raise RuntimeError(f"crowd {k} failed:\n{value}")
        return {k: value for k, (_status, value) in replies.items()}

    def _everywhere(self, name: str, *args: object) -> list:
        answers = self._ask({k: (name, args) for k in range(len(self.pipes))})
        return [item for k in sorted(answers) for item in answers[k]]

    def connect(self, url: str, seats: list[Seat], batch: int = 25) -> list[float]:
        """Connect every (auth, room, query), round robin over the crowds, each client from
        a loopback address of its own (as people on their own devices); when each got its
        state."""
        shares: dict[int, list[tuple[dict, int, str, str]]] = {
            k: [] for k in range(len(self.pipes))
        }
        self.where = []
        for i, (auth, room, query) in enumerate(seats):
            k = i % len(self.pipes)
            self.where.append((k, len(shares[k])))
            shares[k].append((auth, room, f"127.{i // 250 + 1}.{i % 250}.1", query))
        answers = self._ask({k: ("connect", (url, share, batch)) for k, share in shares.items()})
        return [answers[k][j] for k, j in self.where]  # type: ignore[index]

    def cast(self, orders: list[tuple[int, str, dict]]) -> list[tuple[float, float, dict]]:
        """Send each (client, event, payload) at once; (sent, answered, answer) of each."""
        shares: dict[int, list[tuple[int, tuple]]] = {}
        for i, (client, event, payload) in enumerate(orders):
            k, j = self.where[client]
            shares.setdefault(k, []).append((i, (j, event, payload)))
        answers = self._ask({k: ("cast", ([o for _, o in s],)) for k, s in shares.items()})
        results: list = [None] * len(orders)
        for k, share in shares.items():
            for (i, _order), answer in zip(share, answers[k], strict=True):  # type: ignore[arg-type]
                results[i] = answer
        return results

    def single(
        self, client: int, event: str, payload: dict, room: int
    ) -> tuple[float, float, dict, float]:
        """One command sent while every crowd waits for what it changes: (sent, answered,
        answer, when the last client in `room` had it). No crowd answers before its clients in
        `room` have seen it, so nothing of the harness runs while it is told: run.py asking
        the crowds to look as soon as the voter's answer came, it held up the very arrivals it
        timed, whenever a server answers the voter before it tells the room."""
        after = max(self._everywhere("top", room))
        k, j = self.where[client]
        calls = {c: ("reached", (room, after)) for c in range(len(self.pipes))}
        calls[k] = ("cast_until", ([(j, event, payload)], room, after))
        sent, answered, answer = self._ask(calls, first=k)[k][0]  # type: ignore[index]
        return sent, answered, answer, self.seen([(room, answer["seq"])])[0]

    def seen(self, marks: list[tuple[int, int]]) -> list[float]:
        """For each (room, seq), when the last client in that room had seen it."""
        answers = self._ask({k: ("seen", (marks,)) for k in range(len(self.pipes))})
        return [max(column) for column in zip(*answers.values(), strict=True)]

    def arrivals(self, event: str, after: float) -> list[float]:
        return self._everywhere("arrivals", event, after)

    def counts(self, event: str, after: float) -> list[int]:
        return self._everywhere("counts", event, after)

    def reset(self) -> None:
        self._everywhere("reset")

    def close(self) -> None:
        self._everywhere("close")

    def stop(self) -> None:
        for pipe in self.pipes:
            pipe.send(("quit", ()))
        for process in self.processes:
            process.join(10)


class FloorServer(LiveServer):
    """The floor's process; given a database file, the durable floor's."""

    def __init__(self, folder: Path, database: Path | None = None) -> None:
        super().__init__(folder)
        self.file = database

    def command(self) -> list[str]:
        kept = [str(self.file)] if self.file else []
        return [sys.executable, "-m", "bench.floor", str(self.port), *kept]


def rooms_for(n: int) -> int:
    """How many rooms N people fill: a Workshop session holds at most PARTICIPANTS_MAX,
    its facilitator included."""
    return -(-n // (PARTICIPANTS_MAX - 1))


class Floor:
    """The floor's side of the scenario: votes in memory (or, durable, each committed to
    SQLite before it is told); voter i sits in room i % rooms."""

    vote_event, turnout_event, reveal_event = "vote", "voted", "revealed"
    answer_event = "answer"  # a vote told to no one: past burst_limit, the storm is of these
    burst_limit = 50  # people per room: it tells the room of every vote, N² messages a burst

    def __init__(self, folder: Path, durable: bool = False) -> None:
        self.server = FloorServer(folder, folder / "floor.db" if durable else None).start()
        self.processes: list[LiveServer] = [self.server]
        self.name, self.database = (DURABLE_FLOOR, "SQLite") if durable else (FLOOR, "memory")
        self.rooms = 1

    def seat(self, n: int) -> list[Seat]:
        self.rooms = rooms_for(n)
        return [({"room": f"r{i % self.rooms}"}, i % self.rooms, "") for i in range(n)]

    def open(self, crowds: Crowds, n: int) -> dict[str, list[float]]:
        return {}

    def vote(self, voter: int) -> dict:
        return {"vote": {"choice": "agree"}}

    def reveals(self, n: int) -> list[tuple[int, str, dict]]:
        return [(room, "reveal", {}) for room in range(self.rooms)]


class Workshop:
    """Workshop's side: voter i in session i % rooms, whose facilitator is client N + room.
    One process, or several behind nginx (as docs/deploy.md deploys them); as many rooms as
    N people fill, unless `rooms` says; on SQLite in the folder, or the `database` URL
    (`label` names the database in the results)."""

    vote_event, turnout_event, reveal_event = "cast_vote", "vote_cast", "ballot_revealed"
    answer_event = ""  # every vote is told
    burst_limit = max(SIZES)

    def __init__(
        self,
        folder: Path,
        mode: str,
        processes: int = 1,
        rooms: int = 0,
        database: str | None = None,
        label: str = "",
    ) -> None:
        self.server: LiveServer | Cluster
        self.name, self.database = f"Workshop ({mode})", label or "SQLite"
        if label:
            self.name += f" on {label}"
        if processes == 1:
            self.server = LiveServer(folder, mode, database=database).start()
            self.processes = [self.server]
        else:
            self.server = Cluster(
                folder, processes, True, mode, connections=PROXY_CONNECTIONS, database=database
            )
            self.processes = self.server.start().servers
            self.name += f", {processes} processes behind nginx"
        self.rooms, self.wanted = 1, rooms
        self.ballots: list[str] = []

    def seat(self, n: int) -> list[Seat]:
        """Everyone's token and room, naming their session as the pages do."""
        self.rooms = self.wanted or rooms_for(n)
        sessions = [
            self.server.create_session("strategizing", title=f"Bench {room}")
            for room in range(self.rooms)
        ]
        named = [f"session={session['id']}" for session in sessions]
        people = [
            ({"token": self.server.join(sessions[i % self.rooms], f"P{i}", "team")["token"]})
            for i in range(n)
        ]
        return [(auth, i % self.rooms, named[i % self.rooms]) for i, auth in enumerate(people)] + [
            ({"token": session["facilitator_token"]}, room, named[room])
            for room, session in enumerate(sessions)
        ]

    def open(self, crowds: Crowds, n: int) -> dict[str, list[float]]:
        """Move every room to proposing at once (timing it to everyone), propose, open ballots."""
        orders = [(n + room, "next_phase", {"cid": uuid.uuid4().hex}) for room in range(self.rooms)]
        sent = min(sent for sent, _a, _ack in crowds.cast(orders))
        phase = [at - sent for at in crowds.arrivals("phase_changed", sent)]
        self.ballots = []
        for room in range(self.rooms):
            proposal = call(crowds, room, "propose_goal", level="vision", title="Healthier lives")
            call(crowds, n + room, "go_to_phase", phase="decide")
            ids = [proposal[2]["proposal_id"]]
            self.ballots.append(
                call(crowds, n + room, "open_ballot", proposal_ids=ids)[2]["ballot_id"]
            )
        return {"phase change": phase}

    def vote(self, voter: int) -> dict:
        ballot = self.ballots[voter % self.rooms]
        return {"cid": uuid.uuid4().hex, "ballot_id": ballot, "vote": {"choice": "agree"}}

    def reveals(self, n: int) -> list[tuple[int, str, dict]]:
        return [
            (
                n + room,
                "close_ballot",
                {"cid": uuid.uuid4().hex, "ballot_id": ballot, "reveal": True},
            )
            for room, ballot in enumerate(self.ballots)
        ]


def succeeded(results: list[tuple[float, float, dict]]) -> list[tuple[float, float, dict]]:
    """The results of commands that must all succeed; else the run did not finish, and says
    why in one line."""
    refused = [ack.get("error", ack) for _s, _a, ack in results if not ack.get("ok")]
    if refused:
        raise RuntimeError(f"{len(refused)} of {len(results)} commands refused, e.g. {refused[0]}")
    return results


def call(crowds: Crowds, client: int, event: str, **payload: object) -> tuple[float, float, dict]:
    """One command that must succeed."""
    return succeeded(crowds.cast([(client, event, {"cid": uuid.uuid4().hex, **payload})]))[0]


@dataclass
class Sample:
    """What one (server, N, cycle) measured, in seconds; pooled over cycles by report.py."""

    target: str
    n: int
    cycle: int = 0
    processes: int = 1
    database: str = "SQLite"
    rooms: int = 1
    single: list[float] = field(default_factory=list)  # vote sent → every client updated
    single_ack: list[float] = field(default_factory=list)
    burst: list[float] = field(default_factory=list)
    burst_ack: list[float] = field(default_factory=list)
    # per burst: duration, ack p50, messages, fan-out (events delivered per second to all)
    storms: list[dict] = field(default_factory=list)
    # per storm of votes told to no one (the floor, past its burst limit): duration, ack p50
    answer_storms: list[dict] = field(default_factory=list)
    connect: float = 0.0
    fan_out: dict[str, list[float]] = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after
    server_cpu: float = 0.0  # seconds of CPU the server process used
    failed: str = ""  # why the run did not finish (a client got no answer in time)


def answered_storm(results: list[tuple[float, float, dict]]) -> dict:
    """A storm's duration, from its first command sent to its last answer, when its first
    answer came, and its ack p50."""
    first = min(sent for sent, _a, _ack in results)
    return {
        "duration": max(answered for _s, answered, _ack in results) - first,
        "first ack": min(answered for _s, answered, _ack in results) - first,
        "ack p50": report.percentile([answered - sent for sent, answered, _ack in results], 0.5),
    }


def measure(target: Floor | Workshop, crowds: Crowds, n: int, scale: float, cycle: int) -> Sample:
    sample = Sample(target.name, n, cycle, len(target.processes), target.database)
    singles, storms = (max(1, round(r * scale)) for r in ROUNDS.get(n, ROUNDS[1000]))
    bursts = storms if n <= target.burst_limit * rooms_for(n) else 0
    answer_storms = storms if not bursts and target.answer_event else 0
    load, cpu = os.getloadavg()[0], cpu_seconds(target.processes)
    seats = target.seat(n)
    audience = Counter(room for _auth, room, _query in seats)  # who hears of a room's votes
    started = time.monotonic()
    sample.connect = max(crowds.connect(target.server.url, seats)[:n]) - started
    sample.fan_out, sample.rooms = target.open(crowds, n), target.rooms
    for r in range(singles):
        voter = r % n
        sent, answered, _ack, seen = crowds.single(
            voter, target.vote_event, target.vote(voter), voter % target.rooms
        )
        sample.single.append(seen - sent)
        sample.single_ack.append(answered - sent)
    for _ in range(bursts):
        crowds.reset()
        results = succeeded(crowds.cast([(i, target.vote_event, target.vote(i)) for i in range(n)]))
        updated = crowds.seen(
            [(i % target.rooms, a["seq"]) for i, (_s, _a, a) in enumerate(results)]
        )
        first = min(sent for sent, _a, _ack in results)
        busy = LOAD.busy(first, max(updated))
        delivered = sum(audience[i % target.rooms] for i in range(n))
        sample.burst += [
            done - sent for done, (sent, _a, _ack) in zip(updated, results, strict=True)
        ]
        sample.burst_ack += [answered - sent for sent, answered, _ack in results]
        messages = crowds.counts(target.turnout_event, first)
        sample.storms.append(
            {
                **answered_storm(results),
                "messages": sum(messages) / len(messages),
                "fan-out": delivered / (max(updated) - first),
                **({"busy": busy} if busy is not None else {}),
            }
        )
    for _ in range(answer_storms):
        orders = [(i, target.answer_event, target.vote(i)) for i in range(n)]
        sample.answer_storms.append(answered_storm(succeeded(crowds.cast(orders))))
    revealed = succeeded(crowds.cast(target.reveals(n)))
    sent = min(sent for sent, _a, _ack in revealed)
    sample.fan_out["reveal"] = [at - sent for at in crowds.arrivals(target.reveal_event, sent)]
    crowds.close()
    sample.load = (load, os.getloadavg()[0])
    sample.server_cpu = cpu_seconds(target.processes) - cpu
    return sample


class MachineLoad:
    """How busy the machine's cores are, sampled every 20 ms by a thread of the bench
    (Linux's /proc/stat): clients, servers, nginx, Redis and PostgreSQL alike. On a machine
    already busy with one process, a second one cannot carry much more."""

    EVERY = 0.02

    def __init__(self) -> None:
        # (when, all CPU time, idle), in ticks: the last minute's
        self.samples: deque[tuple[float, int, int]] = deque(maxlen=3000)

    def start(self) -> None:
        if self._read() is not None:
            threading.Thread(target=self._sample, daemon=True).start()

    @staticmethod
    def _read() -> tuple[float, int, int] | None:
        try:
            line = Path("/proc/stat").read_text().split("\n", 1)[0]
        except OSError:
            return None
        ticks = [int(v) for v in line.split()[1:]]
        return time.monotonic(), sum(ticks), ticks[3] + ticks[4]  # idle, waiting for I/O

    def _sample(self) -> None:
        while True:
            self.samples.append(self._read())  # type: ignore[arg-type]
            time.sleep(self.EVERY)

    def busy(self, start: float, end: float) -> float | None:
        """The share of the cores busy from `start` to `end` (monotonic), if sampled."""
        deadline = time.monotonic() + 10 * self.EVERY
        while self.samples and self.samples[-1][0] < end and time.monotonic() < deadline:
            time.sleep(self.EVERY)
        samples = list(self.samples)  # as they are now: the thread goes on adding
        before = [s for s in samples if s[0] <= start]
        after = [s for s in samples if s[0] >= end]
        if not before or not after:
            return None
        total, idle = after[0][1] - before[-1][1], after[0][2] - before[-1][2]
        return 1 - idle / total if total else None


def cpu_seconds(servers: list[LiveServer]) -> float:
    """User and system CPU time of the server processes so far (Linux), else 0."""
    total = 0.0
    for server in servers:
        try:
            stat = Path(f"/proc/{server.process.pid}/stat").read_text()  # type: ignore[union-attr]
        except (OSError, AttributeError):
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def start(name: str, folder: Path) -> Floor | Workshop:
    if name in (FLOOR, DURABLE_FLOOR):
        return Floor(folder, durable=name == DURABLE_FLOOR)
    return Workshop(folder, name)


def run_one(
    make: Callable[[Path, str | None], Floor | Workshop],
    crowds: Crowds,
    n: int,
    scale: float,
    cycle: int,
    database: Callable[[], AbstractContextManager[str | None]] = nullcontext,
) -> Sample:
    """One server (or deployment) on a fresh database (SQLite in a fresh folder, or the URL
    `database` gives) serving N clients, then stopped. A run in which a client got no answer
    in time, or a refusal, is a sample that says so (the server did not carry the load), not
    the end of the bench."""
    with tempfile.TemporaryDirectory() as folder, database() as url:
        target = make(Path(folder), url)
        try:
            sample = measure(target, crowds, n, scale, cycle)
        except RuntimeError as error:
            reason = str(error).strip().splitlines()[-1]
            sample = Sample(target.name, n, cycle, len(target.processes), target.database)
            sample.rooms = target.rooms
            sample.failed = reason
            crowds.close()
        finally:
            target.server.stop()
    print(report.line(sample), flush=True)
    return sample


LOAD = MachineLoad()  # started by main(), not in the crowds' processes that import this


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="room sizes N")
    parser.add_argument("--cycles", type=int, default=2, help="alternations per room size")
    parser.add_argument(
        "--modes", default="gevent,eventlet,threading", help="Workshop's async modes to measure"
    )
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument("--scale", type=float, default=1.0, help="share of the rounds to run")
    parser.add_argument(
        "--scale-out",
        default=",".join(map(str, SCALE_OUT)),
        help="participants,sessions served by one process, then two behind nginx (0 skips)",
    )
    parser.add_argument(
        "--databases", default=",".join(DATABASES), help="the databases of the scale-out runs"
    )
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    LOAD.start()
    sizes = [int(n) for n in args.sizes.split(",") if n]
    servers = [FLOOR, DURABLE_FLOOR, *args.modes.split(",")]
    people, sessions = ([int(v) for v in args.scale_out.split(",")] + [0])[:2]
    lacking = [tool for tool in ("nginx", "redis-server") if people and not shutil.which(tool)]
    if lacking:
        print(f"bench: two processes behind nginx not run: {', '.join(lacking)} missing")
    stores = [name for name in args.databases.split(",") if name and people and not lacking]
    postgres = None
    if "postgresql" in stores:
        try:
            postgres = PostgresServer(durable=True).start()
        except (Exception, pytest.skip.Exception) as error:
            print(f"bench: not run on PostgreSQL: {error}")
            stores.remove("postgresql")
    mode = report.default_mode()
    crowds = Crowds(args.processes)
    samples: list[Sample] = []
    scale_out: list[Sample] = []
    began = time.time()
    try:
        for cycle in range(args.cycles):
            for n in sizes:
                for name in servers if cycle % 2 == 0 else servers[::-1]:
                    if name == DURABLE_FLOOR and n not in DURABLE_FLOOR_SIZES:
                        continue
                    make = lambda f, _url, name=name: start(name, f)  # noqa: E731
                    samples.append(run_one(make, crowds, n, args.scale, cycle))
        for cycle in range(args.cycles):
            for store in stores:
                fresh = postgres.database if postgres and store == "postgresql" else nullcontext
                for processes in (1, 2) if cycle % 2 == 0 else (2, 1):

                    def make(
                        folder: Path, url: str | None, p: int = processes, label: str = store
                    ) -> Workshop:
                        rooms = sessions or rooms_for(people)
                        return Workshop(folder, mode, p, rooms, url, DATABASES[label])

                    scale_out.append(run_one(make, crowds, people, args.scale, cycle, fresh))
    finally:
        crowds.stop()
        if postgres:
            postgres.stop()
    run = report.Run(
        samples, sys.argv[1:], began, time.time(), args.processes, args.cycles, scale_out
    )
    if args.write:
        report.write(run)
    print(report.summary(run))


if __name__ == "__main__":
    try:
        main()
    except requests.RequestException as error:
        sys.exit(f"bench: the server did not answer: {error}")
