"""The deployment of docs/deploy.md, for real: nginx in front of two processes on
PostgreSQL, joined by Redis.

The nginx configuration is read from docs/deploy.md, so the page is what runs here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import socketio

from tests.live import LiveServer, Person, poll
from tests.tools import Cluster, PostgresServer
from workshop.store import open_store


@pytest.fixture
def deployment(tmp_path: Path, postgres: PostgresServer) -> Iterator[Cluster]:
    """nginx, as docs/deploy.md configures it, in front of two processes on PostgreSQL."""
    with postgres.database() as url:
        cluster = Cluster(tmp_path, processes=2, proxy=True, database=url).start()
        yield cluster
        cluster.stop()


def serving(database: str, session: dict) -> set[int]:
    """The pids of the processes that hold the session's open connections."""
    store = open_store(database)
    try:
        with store.reading():
            rows = store.attendance(session["id"])
            leases = store.processes()
    finally:
        store.close()
    holding = {row["process"] for row in rows if row["disconnected_at"] is None}
    return {lease["pid"] for lease in leases if lease["holder"] in holding}


def test_a_process_killed_mid_ballot_loses_nothing_and_people_carry_on_through_nginx(
    deployment: Cluster, people: list[Person]
) -> None:
    proxy, backends = deployment, deployment.servers
    session = proxy.create_session()
    tokens = {"fac": session["facilitator_token"]}
    for name, role in (("Pia", "product"), ("Tom", "team"), ("Una", "team")):
        tokens[name] = proxy.join(session, name, role)["token"]

    def connect_all() -> dict[str, Person]:
        clients = {
            name: Person(proxy, token, name, session["id"]) for name, token in tokens.items()
        }
        people.extend(clients.values())
        return clients

    room = connect_all()
    room["fac"].ok("next_phase")
    proposal = room["Pia"].ok("propose_goal", level="vision", title="Healthier lives")
    room["fac"].ok("go_to_phase", phase="decide")
    ballot = room["fac"].ok("open_ballot", proposal_ids=[proposal["proposal_id"]])["ballot_id"]
    acked = {
        name: room[name].ok("cast_vote", ballot_id=ballot, vote={"choice": "agree"})["seq"]
        for name in ("Pia", "Tom")
    }

    pids = poll(lambda: serving(deployment.database, session))
    assert len(pids) == 1, "a session's people are on one process"
    victim = next(b for b in backends if b.process is not None and b.process.pid in pids)
    victim.kill()  # SIGKILL, mid-ballot, with everyone connected to it
    for person in room.values():
        person.close()

    room = connect_all()  # the pages reconnect; nginx sends them to the live process
    survivor = next(b for b in backends if b is not victim)
    assert survivor.process is not None
    # The new connections are the survivor's; the dead one's are ended once its lease lapses.
    poll(lambda: serving(deployment.database, session) == {survivor.process.pid}, timeout=30)
    for name in ("Pia", "Tom"):
        mine = next(b for b in room[name].state["ballots"] if b["id"] == ballot)
        assert mine["my_vote"] == {"choice": "agree"} and mine["turnout"] == 2
        assert room[name].state["seq"] >= acked[name]
    room["Una"].ok("cast_vote", ballot_id=ballot, vote={"choice": "agree"})
    room["fac"].ok("close_ballot", ballot_id=ballot, reveal=True)
    revealed = room["Tom"].wait_event("ballot_revealed")
    assert revealed["result"]["passed"] is True and len(revealed["votes"]) == 3


def test_everyone_in_a_session_is_served_by_one_process_whatever_their_addresses(
    deployment: Cluster, people: list[Person]
) -> None:
    """People on phones of their own, each from another address, naming their session as the
    pages do: nginx sends all of a session to one process, which then writes that session
    and tells its room alone (with ip_hash they were spread over both, and each process
    caught up on the other's writes before every batch of that session)."""
    for k in range(2):
        session = deployment.create_session()
        tokens = [session["facilitator_token"]]
        tokens += [deployment.join(session, f"P{i}", "team")["token"] for i in range(7)]
        for i, token in enumerate(tokens):
            address = f"127.{i + 1}.{k}.1"  # each in a /24 of its own
            people.append(Person(deployment, token, f"P{i}", session["id"], address))
        held = serving(deployment.database, session)  # each is recorded before its `state`
        assert len(held) == 1, f"session {k + 1}'s people are on {len(held)} processes"


def test_a_client_naming_no_session_keeps_to_one_process_on_long_polling(
    deployment: Cluster,
) -> None:
    """A client of the API need not name its session: nginx keeps it to its address's
    process, as Socket.IO's long-polling (a request for every message) requires."""
    session = deployment.create_session()
    token = deployment.join(session, "Ann", "team")["token"]
    client = socketio.Client(reconnection=False)
    client.connect(deployment.url, auth={"token": token}, transports=["polling"], wait_timeout=10)
    try:
        answers = [client.call("get_state", {"cid": f"look-{i}"}, timeout=10) for i in range(6)]
        assert all(answer["ok"] for answer in answers), answers
    finally:
        client.disconnect()


@pytest.mark.parametrize("hops, counted_apart", [(1, True), (0, False)])
def test_behind_a_proxy_each_client_address_counts_alone_and_nobody_else_picks_one(
    tmp_path: Path, hops: int, counted_apart: bool
) -> None:
    """With PROXY_HOPS=1 the address nginx forwards is the client's; without it, a forged
    X-Forwarded-For changes nothing."""
    limits = ("--set", f"PROXY_HOPS={hops}", "--set", "CODE_GUESS_RATE=2/minute")
    server = LiveServer(tmp_path, extra=limits).start()

    def look_up(client: str) -> int:
        answer = requests.get(
            f"{server.url}/api/join/ZZZZZZ", headers={"X-Forwarded-For": client}, timeout=10
        )
        return answer.status_code

    try:
        assert [look_up("192.0.2.1") for _ in range(3)] == [404, 404, 429]
        assert look_up("192.0.2.2") == (404 if counted_apart else 429)
    finally:
        server.stop()
