"""`/healthz` and `/readyz` (API.md), with the message queue stopped and started for real."""

from __future__ import annotations

from pathlib import Path

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
