"""A bystander's acknowledgements while someone hammers session creation and exports.

`python -m bench.hostile [--seconds S] [--attackers K] [--async-mode M]` starts one
`workshop serve` (its rate limits opened up, so the attack is the worst a single address
could do without them), seats a bystander in one session, and meanwhile K attackers each
loop: create a session from the largest chain the server accepts, change it, and download
every export of it. It prints the bystander's acknowledgement latency (p50, p95, p99, max)
and what the attackers got done; docs/security.md quotes the figures.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

from bench.report import percentile
from tests.live import EXPORTS, LiveServer, Person


def biggest_chain() -> dict:
    """As many goals as a chain may hold, each with a long description."""
    from workshop.chainfile import MAX_GOALS

    goals = [
        {
            "id": f"U{i}",
            "level": "user",
            "title": f"User goal number {i}",
            "description": "A long description of what this goal means for people. " * 20,
            "parents": ["V1"],
        }
        for i in range(1, MAX_GOALS + 1)
    ]
    return {"goalchain": 1, "vision": {"id": "V1", "statement": "Vision"}, "goals": goals}


def attack(server: LiveServer, until: float, done: dict[str, int]) -> None:
    chain = biggest_chain()
    http = requests.Session()
    while time.monotonic() < until:
        created = http.post(
            server.url + "/api/sessions",
            json={"kind": "roadmapping", "title": "Flood", "chain": chain},
            timeout=120,
        )
        done[f"create {created.status_code}"] = done.get(f"create {created.status_code}", 0) + 1
        if created.status_code != 201:
            continue
        session = created.json()
        token = {"Authorization": f"Bearer {session['facilitator_token']}"}
        base = f"{server.url}/api/sessions/{session['id']}"
        for step in range(3):  # each round changes the session, so no cached copy serves
            if time.monotonic() >= until:
                return
            http.post(f"{base}/commands/next_phase", json={"cid": f"n{step}"}, headers=token)
            for path in EXPORTS:
                answer = http.get(f"{base}/{path}", headers=token, timeout=120)
                done[f"export {answer.status_code}"] = (
                    done.get(f"export {answer.status_code}", 0) + 1
                )


def bystander(server: LiveServer, until: float) -> list[float]:
    """A participant of another session raising and lowering a hand, timing each ack."""
    session = server.create_session("strategizing")
    person = Person(server, server.join(session, "Bystander", "team")["token"], "bystander")
    latencies = []
    try:
        while time.monotonic() < until:
            for name in ("raise_hand", "lower_hand"):
                sent = time.perf_counter()
                ack = person.client.call(name, {"cid": uuid.uuid4().hex}, timeout=120)
                latencies.append((time.perf_counter() - sent) * 1000)
                assert ack.get("ok"), ack
            time.sleep(0.05)
    finally:
        person.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--attackers", type=int, default=4)
    parser.add_argument("--async-mode", default="gevent")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = LiveServer(Path(folder), args.async_mode).start()
        try:
            until = time.monotonic() + args.seconds
            done: dict[str, int] = {}
            attackers = [
                threading.Thread(target=attack, args=(server, until, done), daemon=True)
                for _ in range(args.attackers)
            ]
            for thread in attackers:
                thread.start()
            latencies = bystander(server, until)
            for thread in attackers:
                thread.join()
        finally:
            server.stop()
    figures = ", ".join(
        f"{name} {value:.1f} ms"
        for name, value in (
            ("p50", statistics.median(latencies)),
            ("p95", percentile(latencies, 0.95)),
            ("p99", percentile(latencies, 0.99)),
            ("max", max(latencies)),
        )
    )
    print(f"{args.async_mode}, {args.attackers} attackers, {args.seconds:.0f} s")
    print(f"bystander acks ({len(latencies)}): {figures}")
    print("attackers got: " + ", ".join(f"{k}: {v}" for k, v in sorted(done.items())))


if __name__ == "__main__":
    main()
