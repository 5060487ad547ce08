"""Workshop: goal-setting workshops with turn-taking, decision rules and goal chain files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

PACKAGE = Path(__file__).resolve().parent


def asset_dir(name: str) -> str:
    """templates/ and static/ sit beside the package in a checkout, inside it in a wheel."""
    inside = PACKAGE / name
    return str(inside if inside.is_dir() else PACKAGE.parent / name)


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Build the app: store, service, HTTP views and Socket.IO handlers."""
    # Imported here so that `workshop serve` can monkey-patch before Flask loads.
    from flask import Flask
    from flask_socketio import SocketIO
    from werkzeug.middleware.proxy_fix import ProxyFix

    from workshop import exports, health, links, pages, realtime, web
    from workshop.broadcast import JsonPacket
    from workshop.config import defaults
    from workshop.handshakes import Handshakes
    from workshop.message_queue import WatchedRedisManager
    from workshop.offload import offloader
    from workshop.outbound import Limits
    from workshop.service import Service
    from workshop.store import open_store
    from workshop.throttle import Throttle

    app = Flask(__name__, template_folder=asset_dir("templates"), static_folder=asset_dir("static"))
    app.config.from_mapping(defaults())
    app.config.update(config or {})
    if app.config["PUBLIC_URL"]:
        app.config["PUBLIC_URL"] = web.lower_host(str(app.config["PUBLIC_URL"]))
    url = app.config["DATABASE_URL"]
    store = open_store(url and str(url), str(app.config["DATA_DIR"]))
    offload = offloader(str(app.config["ASYNC_MODE"]))
    service = Service(store, cached=int(app.config["SESSIONS_CACHED"]), offload=offload)
    app.extensions["workshop"] = service
    throttle = app.extensions["workshop_throttle"] = Throttle(app.config)
    app.extensions["workshop_renderings"] = exports.Renderings(offload)
    app.register_blueprint(web.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(links.blueprint)
    app.register_blueprint(exports.blueprint)
    app.register_blueprint(health.blueprint)
    socketio = SocketIO()
    queue = app.config["MESSAGE_QUEUE"]
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=queue,
        max_http_buffer_size=app.config["MAX_MESSAGE_BYTES"],
        ping_interval=float(app.config["PING_INTERVAL"]),
        ping_timeout=float(app.config["PING_TIMEOUT"]),
        serializer=JsonPacket,
        async_handlers=False,  # see below
        **({"client_manager": WatchedRedisManager(str(queue))} if queue else {}),
        # Without a public URL, the page's own host is the one origin allowed.
        cors_allowed_origins=app.config["PUBLIC_URL"] or None,
    )
    # A connection's messages are handled one after another by the task that reads them, as
    # they come: a task spawned for each (by Engine.IO, then by Socket.IO) put every vote of
    # a storm behind two more wake-ups, each behind every other vote just read, so the votes
    # reached the writer only once all were read. A connection's commands were decided in
    # the order sent anyway; a flood from one socket now waits on its own reads.
    socketio.server.eio.async_handlers = False
    app.extensions["workshop_socketio"] = socketio
    outbound = Limits(
        int(app.config["OUTBOUND_QUEUE_LIMIT"]), int(app.config["OUTBOUND_QUEUE_BYTES"])
    )
    realtime.register(socketio, service, throttle, outbound)
    handshakes = Handshakes(
        socketio, int(app.config["HANDSHAKES_PER_ADDRESS"]), float(app.config["CONNECT_TIMEOUT"])
    )
    app.wsgi_app = handshakes.guard(app.wsgi_app)  # type: ignore[method-assign]
    if app.config["PUBLIC_URL"]:  # around Socket.IO's layer too
        app.wsgi_app = web.PublicHostOnly(app.wsgi_app, str(app.config["PUBLIC_URL"]))  # type: ignore[method-assign]
    hops = int(app.config["PROXY_HOPS"])
    if hops:  # outermost, so HTTP and Socket.IO requests alike see the client's address
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    return app
