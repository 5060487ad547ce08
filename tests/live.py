"""Test helpers: the real server in a subprocess, and real Socket.IO clients."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import engineio
import requests
import socketio

STARTUP_SECONDS = 30
# Every download of a session, as a path under /api/sessions/<id>/.
EXPORTS = (
    "minutes?format=md",
    "minutes?format=html",
    "minutes?format=json",
    "votes.csv",
    "chain?format=yaml",
    "chain?format=json",
)
ENV = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning")


def poll(check: Callable[[], object], timeout: float = 15, every: float = 0.1) -> object:
    """Ask again until `check` gives something truthy; for state that arrives by no event."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            assert found, f"not seen within {timeout}s"
            return found
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Address:
    """Where people reach the app over HTTP: a server itself, or a proxy in front of it."""

    url: str

    def post(self, path: str, body: object, token: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.post(self.url + path, json=body, headers=headers, timeout=10)

    def get(self, path: str, token: str | None = None, **params: str) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.get(self.url + path, params=params, headers=headers, timeout=10)

    def export(self, session: dict, what: str, **params: str) -> requests.Response:
        """A download of the session (chain, minutes, votes.csv) read with the facilitator token."""
        path = f"/api/sessions/{session['id']}/{what}"
        return self.get(path, session["facilitator_token"], **params)

    def create_session(
        self, kind: str = "strategizing", token: str | None = None, **body: object
    ) -> dict:
        """A new session; `token` (one of the `from_session` named) goes as its bearer."""
        answer = self.post("/api/sessions", {"kind": kind, "title": f"{kind} test", **body}, token)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def join(self, session: dict, name: str, role: str) -> dict:
        body = {"join_code": session["join_code"], "name": name, "role": role}
        answer = self.post(f"/api/sessions/{session['id']}/participants", body)
        assert answer.status_code == 201, answer.text
        return answer.json()


# Tests drive many sessions and commands from one address as fast as they can; the limits
# meant for people are tried by tests/test_security.py, which passes strict=True.
ROOMY = (
    "CREATE_RATE=1000/second",
    "CODE_GUESS_RATE=1000/second",
    "COMMAND_RATE=1000/second",
    "CONNECT_RATE=1000/second",
)


class LiveServer(Address):
    """`workshop serve` on a loopback port, over a database in a temporary folder."""

    def __init__(
        self,
        data: Path,
        async_mode: str = "gevent",
        extra: tuple[str, ...] = (),
        strict: bool = False,
        database: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.env = {**ENV, **(env or {})}  # e.g. a clock that steps (tests/tools.py)
        roomy = () if strict else tuple(arg for item in ROOMY for arg in ("--set", item))
        self.data, self.async_mode, self.extra = data, async_mode, (*roomy, *extra)
        self.database = database  # a URL; None: SQLite in the data folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = data / f"server-{self.port}.log"

    def command(self) -> list[str]:
        """What starts the server; bench/ starts its floor server the same way."""
        return [
            sys.executable,
            "-m",
            "workshop",
            "serve",
            "--port",
            str(self.port),
            "--data",
            str(self.data),
            "--async-mode",
            self.async_mode,
            *(("--database", self.database) if self.database else ()),
            *self.extra,
        ]

    def query(self, sql: str, params: list[object]) -> list[tuple]:
        """What an administrator reads in the server's database (`?` marks a parameter)."""
        if self.database is None:
            with closing(sqlite3.connect(self.data / "workshop.db")) as db:
                return db.execute(sql, params).fetchall()
        import psycopg

        with psycopg.connect(self.database) as conn:
            return conn.execute(sql.replace("?", "%s"), params).fetchall()  # type: ignore[arg-type]

    def start(self) -> LiveServer:
        self.launch()
        self.wait_until_up()
        return self

    def launch(self) -> None:
        """Start the process and go on at once (`start` waits until it serves)."""
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.command(), stdout=log, stderr=log, env=self.env)

    def refuses_to_start(self) -> subprocess.CompletedProcess:
        """Run `workshop serve` where it must refuse to start: its exit status and output."""
        return subprocess.run(
            self.command(), capture_output=True, text=True, env=self.env, timeout=STARTUP_SECONDS
        )

    def wait_until_up(self) -> None:
        """Until a launched server answers; RuntimeError, with its log, if it exits first."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                requests.get(self.url + "/", timeout=5)
                return
            except (requests.ConnectionError, requests.Timeout):  # not up, or still starting
                time.sleep(0.05)  # polling for the port to open, not waiting for a result
        self.kill()  # no process left running behind a failed test
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """Stop abruptly, as a crash would: no clean shutdown."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


_cids = itertools.count(1)


class _InOrderEngineIO(engineio.Client):
    """Hands each message on in the order it arrived. The stock client starts a thread per
    message, so a recorder could see seq 78 before 77 that the server sent in order, and an
    answer read just before a hang-up could be handled after it."""

    def _trigger_event(self, event: str, *args: object, **kwargs: object) -> object:
        if event == "message":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class InOrderClient(socketio.Client):
    """A python-socketio client whose events and answers are handled in arrival order."""

    def _engineio_client_class(self) -> type[engineio.Client]:
        return _InOrderEngineIO


class Person:
    """One real python-socketio client, recording every event it receives."""

    def __init__(
        self,
        server: Address,
        token: str,
        name: str = "",
        session: str | None = None,
        address: str | None = None,
    ) -> None:
        """`session` is named in the connection's URL, as the pages do; `address` is the
        loopback address it connects from, as from a device of its own."""
        self.server, self.token, self.name = server, token, name
        self.session, self.address = session, address
        self.received: list[tuple[str, object]] = []
        self.state: dict | None = None
        self.changed = threading.Condition()
        self.client = InOrderClient(reconnection=False)
        self.client.on("*", self._on_event)
        self.connect()

    def connect(self) -> None:
        url = f"{self.server.url}?session={self.session}" if self.session else self.server.url
        if self.address is not None:  # the websocket's own TCP connection, from that address
            server = urlsplit(self.server.url)
            origin = socket.create_connection(
                (server.hostname, server.port), source_address=(self.address, 0)
            )
            self.client.eio.websocket_extra_options = {"socket": origin}
        self.client.connect(
            url, auth={"token": self.token}, transports=["websocket"], wait_timeout=10
        )
        self.wait_for(lambda: self.state is not None)

    def _on_event(self, event: str, data: object = None) -> None:
        with self.changed:
            if event == "state":
                self.state = data  # type: ignore[assignment]
            self.received.append((event, data))
            self.changed.notify_all()

    def send(self, name: str, cid: str | None = None, **payload: object) -> dict:
        cid = cid or f"{self.name or 'c'}-{next(_cids)}-{uuid.uuid4().hex[:6]}"
        return self.client.call(name, {"cid": cid, **payload}, timeout=15)

    def ok(self, name: str, **payload: object) -> dict:
        """Send a command that must succeed."""
        ack = self.send(name, **payload)
        assert ack.get("ok"), f"{self.name} {name} {payload}: {ack}"
        return ack

    def refused(self, name: str, code: str, **payload: object) -> dict:
        """Send a command that must be refused with `code`."""
        ack = self.send(name, **payload)
        assert ack.get("ok") is False and ack["error"]["code"] == code, f"{name}: {ack}"
        return ack["error"]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 15) -> None:
        with self.changed:
            if not self.changed.wait_for(predicate, timeout):
                raise AssertionError(f"{self.name}: condition not met within {timeout}s")

    def events(self, kind: str) -> list[dict]:
        return [data for event, data in self.received if event == kind]  # type: ignore[misc]

    def wait_event(self, kind: str, match: Callable[[dict], bool] = lambda e: True) -> dict:
        self.wait_for(lambda: any(match(e) for e in self.events(kind)))
        return [e for e in self.events(kind) if match(e)][-1]

    def seqs(self) -> list[int]:
        """Every seq received, in order; a coalesced message covers first_seq..seq."""
        seen: list[int] = []
        for event, data in self.received:
            if event != "state" and isinstance(data, dict) and "seq" in data:
                seen.extend(range(data.get("first_seq", data["seq"]), data["seq"] + 1))
        return seen

    def last_seq(self) -> int:
        seen = self.seqs()
        return max(seen) if seen else (self.state or {}).get("seq", 0)

    def fresh_state(self) -> dict:
        return self.ok("get_state")["state"]

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


def seat(
    server: LiveServer, session: dict, people: list[Person], *cast: tuple[str, str]
) -> list[Person]:
    """Join and connect everyone; returns their clients in the order given."""
    seated = []
    for name, role in cast:
        joined = server.join(session, name, role)
        person = Person(server, joined["token"], name)
        person.id = joined["participant_id"]  # type: ignore[attr-defined]
        people.append(person)
        seated.append(person)
    return seated


def host(
    server: LiveServer, people: list[Person], kind: str = "strategizing", **body: object
) -> tuple[dict, Person]:
    """A new session and its facilitator's client, closed after the test with `people`."""
    session = server.create_session(kind, **body)
    facilitator = Person(server, session["facilitator_token"], "fac")
    people.append(facilitator)
    return session, facilitator
