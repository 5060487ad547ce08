"""The deployment of docs/deploy.md, for real: nginx in front of two processes and Redis.

The nginx configuration is read from docs/deploy.md, so the page is what runs here.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.live import Address, LiveServer, Person, free_port, poll
from tests.tools import RedisServer, require

DEPLOY_DOC = Path(__file__).resolve().parent.parent / "docs" / "deploy.md"


def documented_nginx_config() -> str:
    """The ```nginx block of docs/deploy.md."""
    found = re.search(r"```nginx\n(.*?)```", DEPLOY_DOC.read_text(), re.S)
    assert found, "docs/deploy.md has no nginx configuration"
    return found.group(1)


class Nginx(Address):
    """Debian's nginx with the documented site, on loopback ports of this test."""

    def __init__(self, folder: Path, backends: list[LiveServer]) -> None:
        self.binary = require("nginx", "the deployment test runs Debian's nginx")
        self.folder, self.port = folder, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        site = documented_nginx_config().replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        documented = re.findall(r"server 127\.0\.0\.1:\d+;", site)
        assert len(documented) == len(backends)
        for line, backend in zip(documented, backends, strict=True):
            site = site.replace(line, f"server 127.0.0.1:{backend.port};")
        temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
        for path in temp.values():
            path.mkdir()
        (folder / "nginx.conf").write_text(
            f"""
user root;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
{site}
}}
"""
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> Nginx:
        conf = str(self.folder / "nginx.conf")
        command = [self.binary, "-p", str(self.folder), "-c", conf, "-g", "daemon off;"]
        with open(self.folder / "stderr.log", "ab") as log:
            self.process = subprocess.Popen(command, stderr=log)
        poll(self._answers, timeout=15)
        return self

    def _answers(self) -> bool:
        assert self.process is not None and self.process.poll() is None, "nginx exited"
        try:
            return self.get("/healthz").status_code == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[tuple[Nginx, list[LiveServer]]]:
    queue = RedisServer(tmp_path).start()
    data = tmp_path / "data"
    data.mkdir()
    documented = ("--message-queue", queue.url, "--set", "PROXY_HOPS=1")
    backends = [LiveServer(data, extra=documented).start() for _ in range(2)]
    (tmp_path / "nginx").mkdir()
    proxy = Nginx(tmp_path / "nginx", backends).start()
    try:
        yield proxy, backends
    finally:
        proxy.stop()
        for backend in backends:
            backend.stop()
        queue.stop()


def serving(data: Path) -> set[int]:
    """The pids of the processes that hold open connections, read from the database."""
    with sqlite3.connect(data / "workshop.db") as db:
        rows = db.execute(
            "select distinct p.pid from attendance a join processes p on a.process = p.holder"
            " where a.disconnected_at is null"
        ).fetchall()
    return {row[0] for row in rows}


def test_a_process_killed_mid_ballot_loses_nothing_and_people_carry_on_through_nginx(
    deployment: tuple[Nginx, list[LiveServer]], people: list[Person]
) -> None:
    proxy, backends = deployment
    session = proxy.create_session()
    tokens = {"fac": session["facilitator_token"]}
    for name, role in (("Pia", "product"), ("Tom", "team"), ("Una", "team")):
        tokens[name] = proxy.join(session, name, role)["token"]

    def connect_all() -> dict[str, Person]:
        clients = {name: Person(proxy, token, name) for name, token in tokens.items()}
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

    pids = poll(lambda: serving(backends[0].data))
    assert len(pids) == 1, "ip_hash keeps one address on one process"
    victim = next(b for b in backends if b.process is not None and b.process.pid in pids)
    victim.kill()  # SIGKILL, mid-ballot, with everyone connected to it
    for person in room.values():
        person.close()

    room = connect_all()  # the pages reconnect; nginx sends them to the live process
    survivor = next(b for b in backends if b is not victim)
    assert survivor.process is not None
    # The new connections are the survivor's; the dead one's are ended once its lease lapses.
    poll(lambda: serving(survivor.data) == {survivor.process.pid}, timeout=30)
    for name in ("Pia", "Tom"):
        mine = next(b for b in room[name].state["ballots"] if b["id"] == ballot)
        assert mine["my_vote"] == {"choice": "agree"} and mine["turnout"] == 2
        assert room[name].state["seq"] >= acked[name]
    room["Una"].ok("cast_vote", ballot_id=ballot, vote={"choice": "agree"})
    room["fac"].ok("close_ballot", ballot_id=ballot, reveal=True)
    revealed = room["Tom"].wait_event("ballot_revealed")
    assert revealed["result"]["passed"] is True and len(revealed["votes"]) == 3


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
