"""docs/performance.md and the README's figures, every sentence computed from one run."""

from __future__ import annotations

import math
import os
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bench.crowd import PACE

if TYPE_CHECKING:
    from bench.run import Sample

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "performance.md"
README = ROOT / "README.md"
DEPLOY = ROOT / "docs" / "deploy.md"
MARKS = ("<!-- bench figures: written by `make bench` -->", "<!-- end of bench figures -->")
FLOOR = "floor"
DURABLE_FLOOR = "durable floor"  # the floor committing each change to SQLite before telling it


@dataclass
class Run:
    samples: list[Sample]
    argv: list[str]
    began: float
    ended: float
    processes: int
    cycles: int
    scale_out: list[Sample] = field(default_factory=list)  # one process, then two behind nginx

    @property
    def everything(self) -> list[Sample]:
        return self.samples + self.scale_out


@dataclass
class Target:
    """One of issue 11's targets: what it is, the figure, the bound, and whether it holds;
    and whether the least server measured beside it (the floor, or for a vote on disk the
    durable floor) meets the bound: a bound even it misses is out of reach on this machine."""

    name: str
    measured: str
    holds: bool
    least: tuple[str, bool] | None = None  # (that server, whether it meets the bound)


def percentile(values: list[float], share: float) -> float:
    """NaN where nothing was measured (e.g. the floor's bursts in large rooms)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(seconds: float) -> str:
    return "–" if math.isnan(seconds) else f"{seconds * 1000:.1f} ms"


def times(mine: float, floor: float, bound: float | None = None) -> str:
    """The ratio to two places; to three where two would read as the bound itself, so that
    a 1.304× shown beside a missed "≤ 1.3×" does not read as 1.30×."""
    ratio = mine / floor if floor else math.nan
    if math.isnan(ratio):
        return "–"
    places = 3 if bound is not None and f"{ratio:.2f}" == f"{bound:.2f}" else 2
    return f"{ratio:.{places}f}×"


def agree(verb: str, count: int) -> str:
    """The verb as the count of its subject asks: "1 target holds", "2 targets hold"."""
    return f"{verb}s" if count == 1 else verb


def default_mode() -> str:
    """The async mode `workshop serve` uses when none is given."""
    from workshop.cli import serve

    return next(p.default for p in serve.params if p.name == "async_mode")  # type: ignore[return-value]


class Pool:
    """The samples of a run pooled by (server, N) over the cycles."""

    def __init__(self, samples: list[Sample]) -> None:
        everything: dict[tuple[str, int], list[Sample]] = {}
        for sample in samples:
            everything.setdefault((sample.target, sample.n), []).append(sample)
        self.sizes = sorted({n for _t, n in everything})
        self.servers = list(dict.fromkeys(t for t, _n in everything))
        # A (server, N) with a run that did not finish is reported as such, not pooled from
        # the runs that did: the server did not carry that load every time.
        self.failed = {
            key: f"did not finish {len(failed)} of {len(group)} runs: {failed[0]}"
            for key, group in everything.items()
            if (failed := [s.failed for s in group if s.failed])
        }
        self.by = {key: group for key, group in everything.items() if key not in self.failed}

    def has(self, server: str, n: int) -> bool:
        return (server, n) in self.by

    def values(self, server: str, n: int, pick: Callable[[Sample], list[float]]) -> list[float]:
        return [v for s in self.by[(server, n)] for v in pick(s)]

    def p(self, server: str, n: int, pick: Callable[[Sample], list[float]], share: float) -> float:
        return percentile(self.values(server, n, pick), share)

    def median(self, server: str, n: int, pick: Callable[[Sample], float]) -> float:
        return statistics.median(pick(s) for s in self.by[(server, n)])

    def storms(self, server: str, n: int, key: str, told: bool = True) -> list[float]:
        """A figure of each storm: of votes told to the room, or (told False) to no one."""
        return [
            st[key] for s in self.by[(server, n)] for st in (s.storms if told else s.answer_storms)
        ]

    def storm(self, server: str, n: int, key: str, told: bool = True) -> float:
        """A storm's figure, median over the storms."""
        return statistics.median(self.storms(server, n, key, told))

    def ack_shares(self, server: str, n: int, told: bool = True) -> list[float]:
        """Each storm's ack p50 as a share of its duration: how early the voters hear back."""
        return [
            ack / duration
            for ack, duration in zip(
                self.storms(server, n, "ack p50", told),
                self.storms(server, n, "duration", told),
                strict=True,
            )
        ]

    def ack_share(self, server: str, n: int, told: bool = True) -> float:
        """The median storm's ack p50 as a share of the median storm's duration."""
        return self.storm(server, n, "ack p50", told) / self.storm(server, n, "duration", told)

    def votes_per_second(self, server: str, n: int) -> float:
        """Durable votes/s of the median storm."""
        return n / self.storm(server, n, "duration")

    def rate(self, server: str, n: int, beside: str = "") -> str:
        """`votes_per_second`, beside the slowest and the fastest storm's: on a shared
        machine the figure moves from storm to storm, and a target at its edge holds in one
        run and not in the next."""
        durations = self.storms(server, n, "duration")
        spread = f"{n / max(durations):,.0f}–{n / min(durations):,.0f}"
        return f"{self.votes_per_second(server, n):,.0f} (storms: {spread}{beside})"

    def ceiling(self, n: int) -> float | None:
        """How many votes a second the floor took in with N people voting at once and no one
        told: what the framework can do on this machine, whatever is built on it."""
        if not any(s.answer_storms for s in self.by.get((FLOOR, n), [])):
            return None
        return n / self.storm(FLOOR, n, "duration", told=False)


def single(s: Sample) -> list[float]:
    return s.single


def burst(s: Sample) -> list[float]:
    return s.burst


def revealed(s: Sample) -> list[float]:
    return s.fan_out["reveal"]


def workshop(mode: str) -> str:
    return f"Workshop ({mode})"


def targets(pool: Pool, mode: str) -> list[Target]:
    """Issue 11's targets for Workshop under `mode`, for the sizes this run measured."""
    us, found = workshop(mode), []

    def ratio(n: int, pick: Callable[[Sample], list[float]], share: float, bound: float) -> None:
        if pool.has(us, n) and pool.has(FLOOR, n):
            mine, floor = pool.p(us, n, pick, share), pool.p(FLOOR, n, pick, share)
            what = f"{'single-vote' if pick is single else 'burst'} p{round(share * 100)}"
            measured, least = f"{ms(mine)} vs {ms(floor)}: {times(mine, floor, bound)}", None
            if pick is single and pool.has(DURABLE_FLOOR, n):
                durable = pool.p(DURABLE_FLOOR, n, pick, share)
                measured += f" (the durable floor: {ms(durable)}, {times(durable, floor, bound)})"
                least = (DURABLE_FLOOR, durable <= bound * floor)
            found.append(
                Target(
                    f"{what} at N = {n} ≤ {bound}× the floor",
                    measured,
                    mine <= bound * floor,
                    least,
                )
            )

    for n in (10, 50):
        ratio(n, single, 0.5, 1.3)
        ratio(n, single, 0.99, 1.5)
    ratio(10, burst, 0.5, 1.5)
    big = max(pool.sizes)
    if big >= 1000 and (us, big) in pool.failed:
        found.append(Target(f"{big:,} participants served", pool.failed[(us, big)], False))
    if big >= 1000 and pool.has(us, big):
        found += storm_targets(pool, us, big)
    return found


def storm_targets(pool: Pool, us: str, big: int) -> list[Target]:
    """The targets at 1,000 participants, each beside what the bare framework does here: a
    bound the floor misses, no server built on it meets on this machine."""
    ceiling = pool.ceiling(big)  # None: the floor's storm was not measured
    rate = pool.votes_per_second(us, big)
    beside = f"; the floor, telling no one: {ceiling:,.0f}" if ceiling else ""
    least = (FLOOR, ceiling >= 3000) if ceiling else None
    found = [
        Target(
            f"durable votes/s at N = {big:,} ≥ 3,000",
            pool.rate(us, big, beside),
            rate >= 3000,
            least,
        )
    ]

    share, shares = pool.ack_share(us, big), pool.ack_shares(us, big)
    measured, least = f"{share:.0%} (storms: {min(shares):.0%}–{max(shares):.0%}", None
    measured += f"; the first ack {ms(pool.storm(us, big, 'first ack'))} into the storm"
    if ceiling:
        theirs = pool.ack_share(FLOOR, big, told=False)
        measured += f"; the floor, answering at once and telling no one: {theirs:.0%}"
        least = (FLOOR, theirs <= 0.6)
    found.append(
        Target("ack p50 ≤ 60 % of the storm's duration", f"{measured})", share <= 0.6, least)
    )

    absolute: list[tuple[str, Callable[[str], float], float, Callable[[float], str]]] = [
        ("reveal p99 ≤ 250 ms", lambda who: pool.p(who, big, revealed, 0.99), 0.25, ms),
        (
            f"{big:,} sockets connected ≤ 3 s",
            lambda who: pool.median(who, big, lambda s: s.connect),
            3,
            lambda seconds: f"{seconds:.2f} s",
        ),
    ]
    for name, figure, bound, shown in absolute:
        mine, least = figure(us), None
        measured = shown(mine)
        if pool.has(FLOOR, big):
            theirs = figure(FLOOR)
            measured += f" (the floor: {shown(theirs)})"
            least = (FLOOR, theirs <= bound)
        found.append(Target(name, measured, mine <= bound, least))
    return found


def command(run: Run) -> str:
    return " ".join(["python -m bench.run", *run.argv])


def header(run: Run) -> list[str]:
    day = time.strftime("%Y-%m-%d", time.gmtime(run.began))
    loads, most = load_range(run.everything)
    return [
        "# Performance",
        "",
        f"Written by `make bench` (`{command(run)}`"
        + f"), run on {day} in {(run.ended - run.began) / 60:.0f} minutes on a "
        f"{os.cpu_count()}-core machine whose 1-minute load average ranged {loads} while it "
        + (f"ran (most raised by {most})" if most else "ran")
        + ". Every figure and sentence below is computed from that run.",
        "",
        "The clients are python-socketio's asyncio client, spread round robin over "
        f"{run.processes} processes on the same machine, over loopback, each from a loopback "
        "address of its own (as people on their own devices), each sending at most one "
        f"command per {PACE:g} s (within the server's rate limits); every arrival is stamped "
        "with the machine's monotonic clock.",
        "",
        *(rooms_header(run) if run.samples else []),
    ]


def rooms_header(run: Run) -> list[str]:
    """How the rooms of N people were measured."""
    return [
        f"Servers: {', '.join(Pool(run.samples).servers)}. In each of {run.cycles} cycles, "
        "for each room size N, each server served N clients in turn on a fresh process (the "
        "order reversed every other cycle); figures pool the cycles.",
        "",
        "The floor (`bench/floor.py`) is a bare python-socketio room server on gevent that "
        "keeps votes in memory: what the framework costs. The **durable floor** is the same "
        "server committing each vote to SQLite (WAL, `synchronous=FULL`) in gevent's thread "
        "pool, one commit per vote, on a write-ahead log laid out ahead as Workshop's, before "
        "it answers or tells the room: what a vote kept on "
        "disk before anyone hears of it costs at the least on this machine (measured with "
        "N = 10 and 50, where the single-vote targets are). Workshop writes every vote to SQLite "
        "(WAL, `synchronous=FULL`) before the voter's acknowledgement and before anyone hears of "
        "it; its rooms also hold the facilitator (N + 1 sockets), who is told who voted.",
        "",
        *rooms_note(run),
        "A **single vote** is one client voting while the room is quiet; a **burst** is all N "
        "voting at once. Either is timed from the vote's sending until the last client of "
        "the room has a message covering it; a single vote's crowds are told to wait for it "
        "before it is sent, so that nothing of the harness runs while the room hears of it. "
        "With 1,000 people and more, a burst is a "
        "**storm**: its figures are the median storm's, and votes/s is shown beside the "
        "slowest and the fastest storm, since on a shared machine it moves from storm to "
        "storm.",
        "",
    ]


def rooms_note(run: Run) -> list[str]:
    """Sizes above what one session holds are several rooms on the one server."""
    from workshop.domain.session import PARTICIPANTS_MAX

    split = sorted({(s.n, s.rooms) for s in run.samples if s.rooms > 1})
    if not split:
        return []
    shown = "; ".join(f"N = {n:,} is {rooms} rooms of {n // rooms}" for n, rooms in split)
    return [
        f"A Workshop session holds at most {PARTICIPANTS_MAX} people, so larger crowds fill "
        f"several rooms of one server process: {shown} (the floor is split the same way). A "
        "vote is timed until everyone in its room has it; a reveal or phase change, sent in "
        "every room at once, until everyone has it.",
        "",
    ]


def target_lines(pool: Pool, mode: str) -> list[str]:
    found = targets(pool, mode)
    if not found:
        return []
    held = sum(t.holds for t in found)
    lines = [
        f"## Targets (issue 11), Workshop under {mode}, the default",
        "",
        f"{held} of the {len(found)} targets this run measured {agree('hold', held)}.",
        "",
        "| target | measured | holds |",
        "|---|---|---|",
    ]
    lines += [f"| {t.name} | {t.measured} | {'yes' if t.holds else 'no'} |" for t in found]
    return [*lines, "", *out_of_reach_note(found)]


def out_of_reach_note(found: list[Target]) -> list[str]:
    """Which bounds even the least server measured beside them misses (the durable floor for
    a vote kept on disk, the floor for the framework itself): out of reach on this machine
    of any server built that way, however it is written."""
    said = []
    for who, what, why in (
        (
            DURABLE_FLOOR,
            "single-vote targets",
            "one commit of each vote to the disk before it is told costs more than those "
            "bounds leave above the floor, so no server that keeps a vote on disk before "
            "anyone hears of it can meet them here",
        ),
        (
            FLOOR,
            "targets at the largest N",
            "the bare framework does not do that here, so no server built on it can",
        ),
    ):
        weighed = [t for t in found if t.least and t.least[0] == who]
        missed = [t for t in weighed if t.least == (who, False)]
        beyond = [t.name for t in missed if not t.holds]
        met_anyway = [t.name for t in missed if t.holds]
        if beyond:
            said.append(
                f"Even the {who} misses {len(beyond)} of the {len(weighed)} {what} "
                f"({'; '.join(beyond)}): on this machine, {why}."
            )
        if met_anyway:
            said.append(
                f"The {who} misses {'; '.join(met_anyway)} in this run while Workshop meets "
                + ("it: that bound lies" if len(met_anyway) == 1 else "them: those bounds lie")
                + " within what moves from run to run on this machine."
            )
        if weighed and not missed:
            said.append(f"The {who} meets all {len(weighed)} {what}.")
    return [" ".join(said), ""] if said else []


def latency_lines(pool: Pool) -> list[str]:
    lines = [
        "## A vote reaching everyone",
        "",
        "| N | server | single p50 | single p99 | ack p50 | burst p50 | burst p99 "
        "| ÷ floor: single p50, p99, burst p50 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in pool.sizes:
        for server in pool.servers:
            if (server, n) in pool.failed:
                lines.append(f"| {n} | {server} | {pool.failed[(server, n)]}" + " | –" * 5 + " |")
            if not pool.has(server, n):
                continue
            cells = [
                pool.p(server, n, single, 0.5),
                pool.p(server, n, single, 0.99),
                pool.p(server, n, lambda s: s.single_ack, 0.5),
                pool.p(server, n, burst, 0.5),
                pool.p(server, n, burst, 0.99),
            ]
            versus = ""
            if server != FLOOR and pool.has(FLOOR, n):
                floor = [pool.p(FLOOR, n, pick, share) for pick, share in RATIOS]
                mine = cells[:2] + cells[3:4]
                versus = ", ".join(times(c, f) for c, f in zip(mine, floor, strict=True))
            lines.append(f"| {n} | {server} | " + " | ".join(map(ms, cells)) + f" | {versus} |")
    return [*lines, ""]


RATIOS = ((single, 0.5), (single, 0.99), (burst, 0.5))


def storm_times(pool: Pool, server: str, n: int, told: bool) -> str:
    """The median storm's duration, first ack and ack p50, as three cells of a table."""
    keys = ("duration", "first ack", "ack p50")
    return " | ".join(ms(pool.storm(server, n, key, told)) for key in keys)


def crowd_lines(pool: Pool) -> list[str]:
    big = max(pool.sizes)
    ceiling = pool.ceiling(big)
    lines = [
        f"## {big:,} participants on one server",
        "",
        *(
            [
                "Told to everyone, the floor's storm would be N² messages; so its storm is N "
                "votes at once that it answers and tells no one: what the framework itself "
                f"takes in on this machine, {ceiling:,.0f} votes/s, whatever is built on it.",
                "",
            ]
            if ceiling
            else []
        ),
        "| server | sockets connected | votes/s in the storm | storm | first ack | ack p50 "
        "| ack p50 ÷ storm | turnout messages per client per storm | reveal p50, p99 "
        "| phase change p50, p99 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for server in pool.servers:
        if (server, big) in pool.failed:
            lines.append(f"| {server} | {pool.failed[(server, big)]}" + " | –" * 8 + " |")
        if not pool.has(server, big):
            continue
        storm = "| not run: from the floor a burst of N votes is N² messages" + "| – " * 5
        if server == FLOOR and ceiling:
            storm = (
                f"| {ceiling:,.0f}, told to no one | {storm_times(pool, server, big, False)} "
                f"| {pool.ack_share(server, big, told=False):.0%} | – "
            )
        if pool.values(server, big, burst):
            storm = (
                f"| {pool.rate(server, big)} | {storm_times(pool, server, big, True)} "
                f"| {pool.ack_share(server, big):.0%} | {pool.storm(server, big, 'messages'):.1f} "
            )
        spread = []
        for name in ("reveal", "phase change"):
            if pool.values(server, big, lambda s, name=name: s.fan_out.get(name, [])):
                pick = lambda s, name=name: s.fan_out[name]  # noqa: E731
                spread.append(
                    f"{ms(pool.p(server, big, pick, 0.5))}, {ms(pool.p(server, big, pick, 0.99))}"
                )
            else:
                spread.append("–")
        lines.append(
            f"| {server} | {pool.median(server, big, lambda s: s.connect):.2f} s "
            + storm
            + f"| {spread[0]} | {spread[1]} |"
        )
    lines += [
        "",
        "**First ack** is when the first voter heard back, counted from the storm's first "
        "vote. The floor answers each vote as it reads it. Workshop answers a vote once the "
        "batch holding it is on disk, and one event loop both reads the storm's votes off the "
        "sockets and runs the writer that decides and answers them: the writer goes first "
        "whenever it can, but its time is shared between reading votes and answering them.",
    ]
    return [*lines, ""]


def mode_lines(pool: Pool, mode: str) -> list[str]:
    """Which async mode came closest to the floor, and at the largest N served most votes."""
    modes = [s for s in pool.servers if s not in (FLOOR, DURABLE_FLOOR)]
    if len(modes) < 2 or FLOOR not in pool.servers:
        return []

    def closeness(server: str) -> float:
        ratios = [
            pool.p(server, n, single, 0.5) / pool.p(FLOOR, n, single, 0.5)
            for n in pool.sizes
            if pool.has(server, n) and pool.has(FLOOR, n)
        ]
        return statistics.geometric_mean(ratios)

    big = max(pool.sizes)
    closest = min(modes, key=closeness)
    carried = [s for s in modes if pool.has(s, big) and pool.values(s, big, burst)]
    fastest = max(carried, key=lambda s: pool.votes_per_second(s, big), default=None)
    ours = workshop(mode)
    verdict = (
        "which is the default"
        if closest == ours == fastest
        else f"while the default is {ours}: the figures argue against it"
        if ours not in (closest, fastest)
        else f"and the default is {ours}"
    )
    dropped = [s for s in modes if (s, big) in pool.failed]
    return [
        "## Async mode",
        "",
        "Single-vote p50 as a multiple of the floor's, geometric mean over N: "
        + ", ".join(f"{s} {closeness(s):.2f}×" for s in modes)
        + f". Closest to the floor: {closest}; most votes/s at N = {big:,}: "
        + (fastest or "none, as no mode carried it every time")
        + f"; {verdict}."
        + (f" Did not carry N = {big:,} every time: {', '.join(dropped)}." if dropped else ""),
        "",
    ]


def load_range(samples: list[Sample]) -> tuple[str, str]:
    """The 1-minute load average's range over the runs, and the run that raised it most (or
    ""): the average lags a minute behind, so a high figure is often left by the run before."""
    ran = [s for s in samples if not s.failed]
    loads = [v for s in ran for v in s.load]
    raised = max(ran, key=lambda s: s.load[1] - s.load[0])
    who = f"{raised.target} with N = {raised.n:,} in cycle {raised.cycle + 1}"
    shown = f"{raised.load[0]:.1f} → {raised.load[1]:.1f}"
    after = ran[ran.index(raised) + 1 :]
    if after and after[0].load[0] >= raised.load[1] + 1:  # the average lags behind the run
        shown += f", still climbing to {after[0].load[0]:.1f} as the next run began"
    most = f"{who}, {shown}" if raised.load[1] - raised.load[0] >= 1 else ""
    return f"{min(loads):.1f}–{max(loads):.1f}", most


def load_lines(run: Run) -> list[str]:
    lines = [
        "## Machine load",
        "",
        "The 1-minute load average counts every thread ready to run, averaged over about a "
        "minute: a server with an OS thread for each connection raises it past the number "
        "of cores, and the runs after it start with what it left.",
        "",
        "| cycle | N | server | 1-minute load before → after | server CPU |",
        "|---|---|---|---|---|",
    ]
    for s in run.everything:
        measured = (
            "did not finish | –"
            if s.failed
            else f"{s.load[0]:.1f} → {s.load[1]:.1f} | {s.server_cpu:.1f} s"
        )
        lines.append(f"| {s.cycle + 1} | {s.n} | {s.target} | {measured} |")
    return [*lines, ""]


FAN_OUT_BOUND = 1.6  # issue 12: two processes behind nginx carry ≥ 1.6× one process's fan-out
POSTGRES_RATE_BOUND = 1500  # issue 12: durable votes/s of one process on PostgreSQL


def fan_out(samples: list[Sample]) -> float:
    """Events delivered per second to all clients in a vote storm, median over the storms;
    NaN if a run did not finish."""
    if any(s.failed for s in samples):
        return math.nan
    return statistics.median(st["fan-out"] for s in samples for st in s.storms)


def databases(run: Run) -> dict[str, list[Sample]]:
    """The scale-out samples of each database, in the order measured."""
    found: dict[str, list[Sample]] = {}
    for sample in run.scale_out:
        found.setdefault(sample.database, []).append(sample)
    return found


def postgres_rate_target(samples: list[Sample]) -> Target | None:
    """Issue 12's durable votes/s of one process on PostgreSQL, if this run measured it (with
    the scale-out crowd, at least as large as the issue's 1,000 participants)."""
    alone = [s for s in samples if s.processes == 1 and s.database == "PostgreSQL"]
    if not alone:
        return None
    n = alone[0].n
    name = (
        f"durable votes/s of one process on PostgreSQL with {n:,} participants"
        f" ≥ {POSTGRES_RATE_BOUND:,}"
    )
    if any(s.failed for s in alone) or not all(s.storms for s in alone):
        return Target(name, "one process did not finish a run", False)
    pool = Pool(alone)
    rate = pool.votes_per_second(alone[0].target, n)
    return Target(name, pool.rate(alone[0].target, n), rate >= POSTGRES_RATE_BOUND)


def scale_out_targets(samples: list[Sample]) -> list[Target]:
    """Issue 12's targets on one database: one process's durable votes/s on PostgreSQL, and
    the fan-out of two processes beside one, as far as this run measured them."""
    found = [postgres_rate_target(samples), fan_out_target(samples)]
    return [t for t in found if t]


def fan_out_target(samples: list[Sample]) -> Target | None:
    """Two processes' fan-out beside one's, if this run measured one process and two."""
    alone, spread = ([s for s in samples if s.processes == k] for k in (1, 2))
    if not (alone and spread and all(s.storms or s.failed for s in samples)):
        return None
    one, two = fan_out(alone), fan_out(spread)
    n, rooms, database = samples[0].n, samples[0].rooms, samples[0].database
    name = (
        f"fan-out of two processes behind nginx on {database} with {n:,} participants in"
        f" {rooms} sessions ≥ {FAN_OUT_BOUND}× one process"
    )
    if math.isnan(two):
        failed = next(s.failed for s in spread if s.failed)
        return Target(name, f"two processes did not finish a run ({failed})", False)
    if math.isnan(one):  # one process could not carry it, two could
        return Target(name, f"{two:,.0f} events/s; one process did not finish a run", True)
    return Target(
        name,
        f"{two:,.0f} vs {one:,.0f} events/s: {times(two, one, FAN_OUT_BOUND)}",
        two >= FAN_OUT_BOUND * one,
    )


def scale_out_lines(run: Run) -> list[str]:
    """One process beside two behind nginx, each serving the same crowd."""
    if not run.scale_out:
        return []
    pool = Pool(run.scale_out)
    first = run.scale_out[0]
    n, rooms = first.n, first.rooms
    lines = [
        "## Two processes behind nginx (issue 12)",
        "",
        f"{n:,} participants in {rooms} sessions of {n // rooms} (and a facilitator each), "
        f"served by one `workshop serve` process, then by two joined by Redis behind Debian's "
        "nginx with the configuration of [deploy](deploy.md) (each client from an address "
        "of its own, naming its session as the pages do, so that each session is on one "
        "process), each on a fresh database, in turn. **Fan-out** is the events delivered "
        "per second to all clients in a vote storm: each of the N votes is one event for "
        "everyone in its session, counted from the storm's first vote until the last client "
        "has every one. "
        "PostgreSQL runs on the same machine, with its defaults (each commit on disk).",
        "",
    ]
    for samples in databases(run).values():
        for found in scale_out_targets(samples):
            lines += [
                f"Target: {found.name}: {found.measured}; "
                f"{'it holds' if found.holds else 'it does not hold'}.",
                "",
            ]
    lines += [
        "| server | sockets connected | votes/s in the storm | fan-out, events/s | ack p50 "
        "| reveal p99 | server CPU per run |",
        "|---|---|---|---|---|---|---|",
    ]
    for server in pool.servers:
        if (server, n) in pool.failed:
            lines.append(f"| {server} | {pool.failed[(server, n)]}" + " | –" * 5 + " |")
            continue
        samples = pool.by[(server, n)]
        storms = "| – " * 3
        if all(s.storms for s in samples):
            storms = (
                f"| {pool.rate(server, n)} | {fan_out(samples):,.0f} "
                f"| {ms(pool.storm(server, n, 'ack p50'))} "
            )
        lines.append(
            f"| {server} | {pool.median(server, n, lambda s: s.connect):.2f} s "
            + storms
            + f"| {ms(pool.p(server, n, revealed, 0.99))} "
            f"| {pool.median(server, n, lambda s: s.server_cpu):.1f} s |"
        )
    return [*lines, "", *cpu_of_two(run), ""]


def cpu_of_two(run: Run) -> list[str]:
    """What the second process costs in CPU, per database: on a machine with no core to
    spare, CPU is what decides whether two processes can deliver more than one."""
    said = []
    for database, runs in databases(run).items():
        alone, spread = ([s.server_cpu for s in runs if s.processes == k] for k in (1, 2))
        if alone and spread and statistics.median(alone) > 0:
            one, two = statistics.median(alone), statistics.median(spread)
            said.append(
                f"On {database}, the two processes used {two:.1f} s of CPU between them for "
                f"what one process did in {one:.1f} s ({two / one:.2f}×, nginx's and Redis's "
                f"own not counted), on the same {os.cpu_count()} cores as the clients"
                + (" and PostgreSQL." if database == "PostgreSQL" else ".")
            )
        busy = [
            [st["busy"] for s in runs if s.processes == k for st in s.storms if "busy" in st]
            for k in (1, 2)
        ]
        if all(busy):
            one, two = (statistics.median(shares) for shares in busy)
            said.append(
                f"During these storms the machine's cores were {one:.0%} busy with one "
                f"process and {two:.0%} with two, everything on it counted: with one process "
                f"at {one:.0%}, two can carry at most {1 / one:.2f}× what it does here."
            )
    return [" ".join(said)] if said else []


HOW = [
    "## What these figures rest on",
    "",
    "- Group commit: the commands that arrive together are decided in order by one writer "
    "thread, written in one transaction with one fsync, and acknowledged together right "
    "after it; the event loop never waits on the disk.",
    "- The write-ahead log laid out ahead: when the server starts, and whenever it empties "
    "the log, it gives the log its blocks on disk (zeros, up to the 4 MB at which SQLite "
    "starts it over), so that a COMMIT writes over blocks the file already has and its "
    "fsync need not also record that the file grew.",
    "- Acknowledgements first: a batch's acks go out before its fan-out to the rooms, sent "
    "by the writer itself, while the tasks reading the connections read on (a connection's "
    "next message still waits for its command's answer). The writer is woken, and woken "
    "again after each COMMIT, through a pipe the event loop watches at its highest "
    "priority, not through the loop's queue of callbacks behind every connection it has to "
    "resume; and the COMMIT's thread takes the interpreter back within 0.5 ms.",
    "- A voter's own vote goes to their other connections only (another tab, another "
    "device): the connection it was cast on has it in its ack, and in a storm of a thousand "
    "votes a thousand more messages took the event loop while acks waited.",
    "- Reads beside the writer: reads have their own SQLite connection (WAL), so a state, a "
    "catch-up or a token check never waits for a batch's fsync (except, for a moment, a "
    "read of the very session that batch changes).",
    "- Coalescing only under load: a vote that finds the room quiet goes out at once; "
    "votes merge into one turnout message only while they arrive faster than the room can "
    "be told or written: while the writer still holds more of a session's votes, its room "
    "waits until they are written (0.25 s at most), and after a message covering several, "
    "it rests three times as long as telling it took, then until the writer has written "
    "the votes it holds (0.25 s in all at most): one or two full messages to each phone in "
    "a storm, not one per batch written, and the server's time goes to acknowledging the "
    "votes first.",
    "- Each broadcast is serialized once per audience (the room, the facilitator), not once "
    "per socket, and framed once per kind of connection: every message the server sends is "
    "compressed on its own (permessage-deflate's `server_no_context_takeover`), so a "
    "broadcast's websocket frame is the same bytes for every phone that compresses alike.",
    "- Each connection's messages are handled in turn by the task that reads them, not each "
    "in a task of its own: a vote reaches the writer without waiting behind every other "
    "vote of a storm twice more.",
    "- Written on the sender's turn: under gevent, a message to a websocket with nothing "
    "waiting before it goes straight to its socket, not through a wake-up of that "
    "connection's writer behind everything else the event loop has queued (what the socket "
    "does not take at once is left to the writer, in order).",
    "- Socket.IO events are handled without a Flask request context (no session, no URL "
    "matching), and what exists at start is frozen out of Python's cyclic garbage collector, "
    "whose full collections otherwise stop the server for a tenth of a second or more with "
    "a thousand sockets connected.",
    "- The reveal sends every vote to every person: its cost grows with voters × people.",
    "",
]


def write(run: Run) -> None:
    pool, mode, lines = Pool(run.samples), default_mode(), header(run)
    if run.samples:
        lines += target_lines(pool, mode) + latency_lines(pool)
        if max(pool.sizes) >= 200:
            lines += crowd_lines(pool)
        lines += mode_lines(pool, mode)
    lines += scale_out_lines(run) + load_lines(run) + HOW
    OUT.write_text("\n".join(lines))
    if run.samples:
        write_readme(pool, mode, run)
    if any(s.processes == 1 for s in run.scale_out):
        replace_marked(DEPLOY, capacity_paragraph(run))


def readme_paragraph(pool: Pool, mode: str, run: Run) -> str:
    found = targets(pool, mode)
    loads, most = load_range(run.samples)
    parts = [
        f"Measured by `make bench` (`{command(run)}`"
        + f") on a {os.cpu_count()}-core machine (load {loads}"
        + (f", most raised by {most}" if most else "")
        + "), "
        f"Workshop under {mode} beside a bare python-socketio room server (the floor):"
    ]
    us = workshop(mode)
    for n in pool.sizes:
        if pool.has(us, n) and pool.has(FLOOR, n) and n < 1000:
            mine, floor = (
                (ms(pool.p(who, n, single, 0.5)), ms(pool.p(who, n, burst, 0.5)))
                for who in (us, FLOOR)
            )
            beside = f" (the floor {floor[1]})" if pool.values(FLOOR, n, burst) else ""
            durable = (
                f", the durable floor {ms(pool.p(DURABLE_FLOOR, n, single, 0.5))}"
                if pool.has(DURABLE_FLOOR, n)
                else ""
            )
            parts.append(
                f"with N = {n}, a vote reaches everyone in {mine[0]} (p50; the floor "
                f"{floor[0]}{durable}) and a burst of N votes in {mine[1]}{beside};"
            )
    big = max(pool.sizes)
    if big >= 1000 and pool.has(us, big):
        rate = pool.votes_per_second(us, big)
        ceiling = pool.ceiling(big)
        beside = f" (the floor, telling no one, takes in {ceiling:,.0f})" if ceiling else ""
        parts.append(
            f"with {big:,} participants, {rate:,.0f} durable votes/s{beside}, the reveal "
            f"reaching all in {ms(pool.p(us, big, revealed, 0.99))} (p99) "
            f"and all connected in {pool.median(us, big, lambda s: s.connect):.1f} s."
        )
    held = sum(t.holds for t in found)
    beyond = sum(not t.holds and t.least is not None and not t.least[1] for t in found)
    reach = (
        f" ({beyond} of those missed {'is' if beyond == 1 else 'are'} missed by the floor or "
        "the durable floor as well: out of reach on this machine)"
        if beyond
        else ""
    )
    parts.append(f"{held} of issue 11's {len(found)} targets {agree('hold', held)}{reach}.")
    for samples in databases(run).values():
        for target in scale_out_targets(samples):
            parts.append(
                f"Issue 12, {target.name}: {target.measured};"
                f" {'it holds' if target.holds else 'it does not hold'}."
            )
    parts.append("Details in docs/performance.md.")
    return " ".join(parts)


def write_readme(pool: Pool, mode: str, run: Run) -> None:
    replace_marked(README, readme_paragraph(pool, mode, run))


def replace_marked(page: Path, paragraph: str) -> None:
    """Put `paragraph` between the bench's marks in `page` (a page without them is left)."""
    text = page.read_text()
    start, end = (re.escape(m) for m in MARKS)
    body = f"{MARKS[0]}\n{paragraph}\n{MARKS[1]}"
    fresh, found = re.subn(f"{start}.*?{end}", lambda _m: body, text, flags=re.S)
    if found:
        page.write_text(fresh)


def capacity_paragraph(run: Run) -> str:
    """docs/deploy.md's answer to "how many people does one process hold", from this run."""
    said = [
        f"Measured by `make bench` (`{command(run)}`) on a {os.cpu_count()}-core machine, the"
        " clients on the same machine."
    ]
    for database, samples in databases(run).items():
        alone = [s for s in samples if s.processes == 1]
        if not alone:
            continue
        first = alone[0]
        n, rooms = first.n, first.rooms
        failed = [s.failed for s in alone if s.failed]
        if failed:
            said.append(
                f"On {database}, one process did not carry {n:,} participants in {rooms}"
                f" sessions ({failed[0]})."
            )
        else:
            pool = Pool(alone)
            duration = pool.storm(first.target, n, "duration")
            reveal = pool.p(first.target, n, revealed, 0.99)
            said.append(
                f"On {database}, one process held {n:,} participants in {rooms} sessions; when"
                f" all of them voted at once, the votes were stored and had reached everyone in"
                f" {duration:.1f} s ({n / duration:,.0f} votes/s, {fan_out(alone):,.0f} events/s"
                f" delivered), and a reveal reached everyone in {ms(reveal)} (p99)."
            )
        found = fan_out_target(samples)
        if found:
            said.append(f"Two processes behind nginx on {database}: {found.measured}.")
    return " ".join([*said, "Details in [performance](performance.md)."])


def storm_words(st: dict) -> str:
    """One storm's duration, first ack and ack p50, as the line of a run says them."""
    return f"{ms(st['duration'])} first ack {ms(st['first ack'])} ack p50 {ms(st['ack p50'])}"


def line(s: Sample) -> str:
    """One measurement, for the console while the run goes on."""
    if s.failed:
        return f"{s.target} N={s.n}: did not finish: {s.failed}"
    parts = [f"{s.target} N={s.n}: connect {s.connect:.2f} s"]
    if s.single:
        parts.append(
            f"single p50 {ms(percentile(s.single, 0.5))} p99 {ms(percentile(s.single, 0.99))}"
        )
    if s.burst:
        parts.append(f"burst p50 {ms(percentile(s.burst, 0.5))}")
    for st in s.storms[-1:]:
        parts.append(f"storm {storm_words(st)} fan-out {st['fan-out']:,.0f} events/s")
    for st in s.answer_storms[-1:]:
        parts.append(f"storm told to no one {storm_words(st)}")
    parts.append(f"reveal p99 {ms(percentile(revealed(s), 0.99))}")
    parts.append(f"load {s.load[0]:.1f}→{s.load[1]:.1f}, server CPU {s.server_cpu:.2f} s")
    return ", ".join(parts)


def summary(run: Run) -> str:
    found = targets(Pool(run.samples), default_mode()) if run.samples else []
    found += [t for s in databases(run).values() for t in scale_out_targets(s)]
    return "\n".join(f"{'holds' if t.holds else 'MISSED'}: {t.name}: {t.measured}" for t in found)
