"""Run the app on a green-thread server, with TCP_NODELAY on every accepted socket.

Flask-SocketIO's own `run()` leaves Nagle's algorithm on; with delayed ACKs that adds
up to ~40 ms to each small update, so we start the servers ourselves.
"""

from __future__ import annotations

import logging
import socket
import sys
from typing import Any

from flask import Flask

from workshop import create_app
from workshop.domain.errors import Unavailable
from workshop.lease import ProcessLease
from workshop.service import TIMER_RETRY
from workshop.store import DatabaseProblem, problem


def nodelay(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:  # not a TCP socket (e.g. a Unix socket): nothing to tune
        pass


def _timer_loop(app: Flask, lease: ProcessLease) -> None:
    """Expire turns, stages and ballots on time, whether or not anyone is connected;
    renew this process's claim on the database."""
    socketio = app.extensions["workshop_socketio"]
    service = app.extensions["workshop"]
    interval = float(app.config["TIMER_INTERVAL"])
    while True:
        socketio.sleep(interval)
        try:
            lease.renew()
            service.run_timers()
        except Unavailable as error:  # try again once the disk may be back
            app.logger.warning("timers wait: %s", error.message)
            socketio.sleep(TIMER_RETRY)
        except Exception:
            app.logger.exception("timer loop")


def _serve_gevent(app: Flask, host: str, port: int) -> None:
    from gevent.pywsgi import WSGIServer

    class Server(WSGIServer):
        def handle(self, sock: Any, address: Any) -> None:
            nodelay(sock)
            super().handle(sock, address)

    Server(
        (host, port), app, log=None, error_log=logging.getLogger("workshop.http")
    ).serve_forever()


def _serve_eventlet(app: Flask, host: str, port: int) -> None:
    import eventlet
    import eventlet.wsgi

    class Listener:
        """The listening socket, setting TCP_NODELAY on each connection it accepts."""

        def __init__(self, sock: Any) -> None:
            self._sock = sock

        def accept(self) -> Any:
            conn, address = self._sock.accept()
            nodelay(conn)
            return conn, address

        def __getattr__(self, name: str) -> Any:
            return getattr(self._sock, name)

    listener = Listener(eventlet.listen((host, port)))
    eventlet.wsgi.server(listener, app, log_output=False)


def run(
    host: str,
    port: int,
    data_dir: str,
    async_mode: str,
    message_queue: str | None,
    timer_interval: float | None = None,
) -> None:
    """Serve until interrupted; a database that cannot be served raises DatabaseProblem,
    one that another server holds alone raises LeaseTaken."""
    config = {"DATA_DIR": data_dir, "ASYNC_MODE": async_mode, "MESSAGE_QUEUE": message_queue}
    if timer_interval is not None:
        config["TIMER_INTERVAL"] = timer_interval
    app = create_app(config)
    service = app.extensions["workshop"]
    lease = ProcessLease(
        service.store, service.clock, service.process_id, shared=bool(message_queue)
    )
    try:
        lease.acquire()  # the first write of a start
        if not message_queue:  # alone, we know no connection survived the last run
            with service.store.transaction():
                service.store.end_all_attendance(service.clock())
    except Unavailable as error:  # the disk refuses it
        raise DatabaseProblem(problem(error.__cause__, service.store.path)) from None
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    socketio = app.extensions["workshop_socketio"]
    service.writer.start(socketio.start_background_task, async_mode)  # group commit from here
    socketio.start_background_task(_timer_loop, app, lease)
    print(f"Workshop serving on http://{host}:{port} ({async_mode})", file=sys.stderr, flush=True)
    try:
        if async_mode == "gevent":
            _serve_gevent(app, host, port)
        elif async_mode == "eventlet":
            _serve_eventlet(app, host, port)
        else:
            socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, log_output=False)
    finally:
        lease.release()
