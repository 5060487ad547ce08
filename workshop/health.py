"""`/healthz` and `/readyz`: what a load balancer or an orchestrator asks before sending people.

Liveness says the process serves; readiness says a command would be kept: the database takes
a write and the message queue, when there is one, answers. A load balancer stops sending
people to a process that is not ready instead of letting their commands fail.
"""

from __future__ import annotations

import redis
from flask import Blueprint, Response, current_app, jsonify

from workshop.service import Service

blueprint = Blueprint("health", __name__)
QUEUE_TIMEOUT = 2.0  # seconds a readiness probe waits for the message queue


@blueprint.get("/healthz")
def healthz() -> Response:
    """The process is up and serving requests."""
    return jsonify({"ok": True})


@blueprint.get("/readyz")
def readyz() -> tuple[Response, int]:
    """200 when a command would be kept and heard; 503 naming each part that is down."""
    service: Service = current_app.extensions["workshop"]
    down = [problem for problem in (service.database_ready(), queue_problem()) if problem]
    if down:
        message = "not ready: " + "; ".join(down)
        return jsonify({"error": {"code": "unavailable", "message": message}}), 503
    return jsonify({"ok": True}), 200


def queue_problem() -> str | None:
    """None when there is no message queue or it answers a ping; else why not."""
    url = current_app.config.get("MESSAGE_QUEUE")
    if not url:
        return None
    try:
        client = redis.Redis.from_url(
            str(url), socket_timeout=QUEUE_TIMEOUT, socket_connect_timeout=QUEUE_TIMEOUT
        )
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as error:
        current_app.logger.warning("readiness: the message queue does not answer: %s", error)
        return f"the message queue does not answer ({error})"
    return None
