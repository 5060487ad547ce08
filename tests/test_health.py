"""`/healthz` and `/readyz` (API.md), with the message queue stopped and started for real."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import requests

from tests.live import LiveServer, poll
from tests.tools import RedisServer


def test_healthz_and_readyz_answer_ok_while_the_database_takes_writes(server: LiveServer) -> None:
    assert server.get("/healthz").json() == {"ok": True}
    ready = server.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"ok": True}


def test_readyz_names_a_stopped_message_queue_and_recovers_when_it_returns(
    tmp_path: Path,
) -> None:
    queue = RedisServer(tmp_path).start()
    live = LiveServer(tmp_path, extra=("--message-queue", queue.url)).start()
    try:
        assert live.get("/readyz").status_code == 200
        queue.stop()
        answer = live.get("/readyz")
        assert answer.status_code == 503
        error = answer.json()["error"]
        assert error["code"] == "unavailable" and "message queue" in error["message"]
        assert live.get("/healthz").status_code == 200  # alive, just not ready
        queue.start()  # the same port: the process reconnects on its own
        poll(lambda: live.get("/readyz").status_code == 200, timeout=20)
    finally:
        live.stop()
        queue.stop()


def test_readyz_gives_up_soon_on_a_database_another_process_holds_locked(tmp_path: Path) -> None:
    """A health probe times out after a few seconds: SQLite's wait for the lock (10 s) must
    neither hold the answer nor stop the server meanwhile. No timing is asserted: the client
    waits 8 s, well over the probe's own limit and well under the old 10 to 18 s."""
    live = LiveServer(tmp_path).start()
    try:
        assert live.get("/readyz").status_code == 200
        with closing(sqlite3.connect(tmp_path / "workshop.db", isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")  # another process's write, held
            for _ in range(3):  # also while the server's own writes wait for the lock
                answer = requests.get(live.url + "/readyz", timeout=8)
                assert answer.status_code == 503, answer.text
                error = answer.json()["error"]
                assert error["code"] == "unavailable", error
                assert "workshop.db" in error["message"], error
                assert requests.get(live.url + "/healthz", timeout=8).status_code == 200
            other.execute("ROLLBACK")
        poll(lambda: live.get("/readyz").status_code == 200, timeout=30)
    finally:
        live.stop()
