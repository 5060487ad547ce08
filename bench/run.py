"""1,000 participants on one server: join, connect, a vote storm, a broadcast.

Run with `make bench` (or `python -m bench.run --people 1000`). Figures go to
docs/performance.md with the machine's core count and the command that made them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import socketio

from tests.live import LiveServer

OUT = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(values: list[float]) -> str:
    marks = [
        ("p50", percentile(values, 0.5)),
        ("p95", percentile(values, 0.95)),
        ("p99", percentile(values, 0.99)),
        ("max", max(values)),
    ]
    return ", ".join(f"{name} {seconds * 1000:.1f} ms" for name, seconds in marks)


class Client:
    """One participant: an asyncio Socket.IO client noting when each event arrived."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.sio = socketio.AsyncClient(reconnection=False)
        self.arrivals: dict[str, float] = {}
        self.sio.on("*", self._event)

    async def _event(self, event: str, data: object = None) -> None:
        self.arrivals.setdefault(event, time.perf_counter())

    async def connect(self) -> None:
        await self.sio.connect(
            self.url, auth={"token": self.token}, transports=["websocket"], wait_timeout=60
        )

    async def call(self, name: str, **payload: object) -> dict:
        return await self.sio.call(name, {"cid": uuid.uuid4().hex, **payload}, timeout=120)


async def scenario(url: str, people: int) -> dict[str, str]:
    figures: dict[str, str] = {}
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{url}/api/sessions", json={"kind": "strategizing", "title": "Bench"}
        ) as r:
            session = await r.json()
        joined, started = [], time.perf_counter()
        for i in range(people):
            body = {"join_code": session["join_code"], "name": f"P{i}", "role": "team"}
            async with http.post(
                f"{url}/api/sessions/{session['id']}/participants", json=body
            ) as r:
                joined.append(await r.json())
        figures["join over HTTP"] = f"{people} joins in {time.perf_counter() - started:.1f} s"
    fac = Client(url, session["facilitator_token"])
    await fac.connect()
    clients = [Client(url, j["token"]) for j in joined]
    started = time.perf_counter()
    for batch in range(0, people, 50):
        await asyncio.gather(*(c.connect() for c in clients[batch : batch + 50]))
    figures["connect"] = (
        f"{people} sockets (each gets its state) in {time.perf_counter() - started:.1f} s"
    )

    sent = time.perf_counter()
    await fac.call("next_phase")
    await wait_for(lambda: all("phase_changed" in c.arrivals for c in clients))
    fan_out = [c.arrivals["phase_changed"] - sent for c in clients]
    figures["broadcast to everyone"] = f"phase change reaches all {people}: {ms(fan_out)}"

    proposal = (await clients[0].call("propose_goal", level="vision", title="Healthier lives"))[
        "proposal_id"
    ]
    await fac.call("go_to_phase", phase="decide")
    ballot = (await fac.call("open_ballot", proposal_ids=[proposal]))["ballot_id"]
    latencies: list[float] = []

    async def vote(client: Client) -> None:
        begun = time.perf_counter()
        ack = await client.call("cast_vote", ballot_id=ballot, vote={"choice": "agree"})
        assert ack["ok"], ack
        latencies.append(time.perf_counter() - begun)

    started = time.perf_counter()
    await asyncio.gather(*(vote(c) for c in clients))
    storm = time.perf_counter() - started
    figures["vote storm"] = (
        f"{people} voters at once: all acknowledged in {storm:.1f} s "
        f"({people / storm:.0f} votes/s, each on disk before its ack); "
        f"ack {ms(latencies)}"
    )
    sent = time.perf_counter()
    await fac.call("close_ballot", ballot_id=ballot, reveal=True)
    await wait_for(lambda: all("goal_accepted" in c.arrivals for c in clients))
    reveal = [c.arrivals["goal_accepted"] - sent for c in clients]
    figures["reveal"] = f"result of {people} votes reaches everyone: {ms(reveal)}"
    await asyncio.gather(*(c.sio.disconnect() for c in clients + [fac]))
    return figures


async def wait_for(check, timeout: float = 300) -> None:
    deadline = time.perf_counter() + timeout
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError("benchmark step did not finish")
        await asyncio.sleep(0.02)


def write(results: dict[str, dict[str, str]], people: int) -> None:
    modes = " ".join(results)
    lines = [
        "# Performance",
        "",
        f"Measured by `make bench` (`python -m bench.run --people {people}`): one `workshop serve` "
        f"process per green-thread mode on a {os.cpu_count()}-core machine, its SQLite database "
        "with `synchronous=FULL` on local disk, and the clients (python-socketio's asyncio client, "
        "one process) on the same machine over loopback. Modes measured: " + modes + ".",
        "",
    ]
    for mode, figures in results.items():
        lines += [f"## {mode}", "", "| step | figure |", "|---|---|"]
        lines += [f"| {step} | {figure} |" for step, figure in figures.items()]
        lines.append("")
    lines += [
        "## What it costs, and why",
        "",
        "- Every change is written and fsynced before its acknowledgement: one short "
        "transaction per command through the single writer, so commands queue behind each "
        "other and a storm of 1,000 votes is acknowledged in about a second.",
        "- A burst of votes reaches the room as one turnout message per 100 ms (covering "
        "`first_seq`..`seq`), not one message per vote per person, which would be a million "
        "messages for 1,000 voters.",
        "- Presence changes go to the facilitator only, for the same reason.",
        "- The reveal sends every vote to every person: its cost grows with voters × people.",
        "",
    ]
    OUT.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--modes", default="gevent,eventlet", help="comma-separated async modes")
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    results = {}
    for mode in args.modes.split(","):
        with tempfile.TemporaryDirectory() as folder:
            server = LiveServer(Path(folder), mode).start()
            try:
                results[mode] = asyncio.run(scenario(server.url, args.people))
            finally:
                server.stop()
        for step, figure in results[mode].items():
            print(f"{mode}: {step}: {figure}")
    if args.write:
        write(results, args.people)


if __name__ == "__main__":
    main()
