"""Run the app on gevent, eventlet or threads, with TCP_NODELAY on every accepted socket.

Flask-SocketIO's own `run()` leaves Nagle's algorithm on; with delayed ACKs that adds
up to ~40 ms to each small update, so we start the servers ourselves.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask

from workshop import create_app
from workshop.domain.errors import Unavailable
from workshop.lease import ProcessLease
from workshop.outbound import CONNECTION_KEY
from workshop.service import TIMER_RETRY
from workshop.store import DatabaseProblem

log = logging.getLogger(__name__)
DRAIN_SECONDS = 4.0  # at most, for the commands running when a stop is asked
FLUSH_SECONDS = 3.0  # at most, for the acknowledgements on their way out
STOP_SECONDS = 1.0  # at most, for the HTTP requests still running after that
POLL_SECONDS = 0.02
BACKLOG = 1024  # connections waiting to be accepted: a whole room opening the page at once
# Python's cyclic garbage collector, tuned for a server holding a thousand connections.
GC_THRESHOLDS = (10_000, 10, 10)


def nodelay(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:  # not a TCP socket (e.g. a Unix socket): nothing to tune
        pass


def _timer_loop(app: Flask, lease: ProcessLease) -> None:
    """Expire turns, stages and ballots on time, whether or not anyone is connected;
    renew this process's claim on the database. A step of the wall clock is taken into
    account first: a turn stepped past its deadline would end at once, or run on for the
    length of the step."""
    socketio = app.extensions["workshop_socketio"]
    service = app.extensions["workshop"]
    interval = float(app.config["TIMER_INTERVAL"])
    while True:
        socketio.sleep(interval)
        if service.stopping:  # the database is about to close
            return
        try:
            service.presence_moved(lease.renew())
            service.notice_clock_step()
            service.run_timers()
        except Unavailable as error:  # try again once the disk may be back
            app.logger.warning("timers wait: %s", error.message)
            socketio.sleep(TIMER_RETRY)
        except Exception:
            app.logger.exception("timer loop")


def settle_garbage_collection() -> None:
    """Keep the cyclic collector's pauses off a busy room. Its full collections stop the
    whole server for as long as it takes to walk every object: eight times while 1,000
    people connected and voted once, growing to 270 ms as the sockets came. What exists at
    start (modules, the app) is frozen out of those walks for good, and the young generations
    are collected ten times less often; garbage still goes once the long-lived objects grow
    by a quarter, as before."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def is_websocket(environ: Mapping[str, Any]) -> bool:
    return str(environ.get("HTTP_UPGRADE", "")).lower() == "websocket"


def _finish_in_flight(app: Flask, stop_listening: Callable[[], None]) -> None:
    """A graceful stop: take no new connection or command, let the running commands finish,
    then close every connection once what is queued for it (their acks) has gone out."""
    socketio = app.extensions["workshop_socketio"]
    service = app.extensions["workshop"]
    log.info("stopping: finishing the commands in flight")
    stop_listening()
    service.stop_accepting()
    waited = 0.0
    while not service.idle() and waited < DRAIN_SECONDS:
        socketio.sleep(POLL_SECONDS)
        waited += POLL_SECONDS
    if not service.idle():  # waiting for another process's write lock: refused, not begun
        service.store.give_up_waiting()
        waited = 0.0
        while not service.idle() and waited < FLUSH_SECONDS:
            socketio.sleep(POLL_SECONDS)
            waited += POLL_SECONDS
    eio = socketio.server.eio
    socketio.start_background_task(eio.disconnect)  # each socket sends its queue, then closes
    waited = 0.0
    while eio.sockets and waited < FLUSH_SECONDS:
        socketio.sleep(POLL_SECONDS)
        waited += POLL_SECONDS


class Doorman:
    """Counts open connections per client address and turns away the one too many, so one
    address cannot hold every green thread (or thread) of the server."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.open: dict[str, int] = {}
        self._lock = threading.Lock()  # threads enter and leave at once (green ones do not)

    def enter(self, address: str) -> bool:
        with self._lock:
            if self.open.get(address, 0) >= self.most:
                log.warning("refused a connection: %s holds %d already", address, self.most)
                return False
            self.open[address] = self.open.get(address, 0) + 1
            return True

    def leave(self, address: str) -> None:
        with self._lock:
            left = self.open.pop(address, 1) - 1
            if left:
                self.open[address] = left

    def admit(self, address: str, connection: Any, handle: Callable[[], None]) -> None:
        """Handle a connection from `address` while it is counted, or close it unhandled
        when that address holds its most already."""
        if not self.enter(address):
            connection.close()
            return
        try:
            handle()
        finally:
            self.leave(address)


@dataclass
class Guards:
    """What every server enforces on each connection, whichever runs the app: its request
    line and headers arrive within `header_timeout` (no slow-loris), after them it stays
    silent `idle_timeout` at most, and one address holds at most so many (`doorman`)."""

    header_timeout: float
    idle_timeout: float
    doorman: Doorman


def guards(app: Flask) -> Guards:
    # Behind a proxy every connection comes from the proxy: it limits per address instead.
    behind_proxy = int(app.config["PROXY_HOPS"]) > 0
    most = sys.maxsize if behind_proxy else int(app.config["CONNECTIONS_PER_ADDRESS"])
    return Guards(
        float(app.config["HEADER_TIMEOUT"]), float(app.config["IDLE_TIMEOUT"]), Doorman(most)
    )


def _serve_gevent(app: Flask, host: str, port: int) -> None:
    import gevent
    from gevent.event import Event
    from gevent.pool import Pool
    from gevent.pywsgi import WSGIHandler, WSGIServer

    guard = guards(app)

    class Handler(WSGIHandler):
        def read_requestline(self) -> str:
            self.socket.settimeout(guard.header_timeout)
            return super().read_requestline()

        def read_request(self, raw_requestline: str) -> Any:
            read = super().read_request(raw_requestline)
            self.socket.settimeout(guard.idle_timeout)
            return read

        def get_environ(self) -> dict[str, Any]:
            environ = super().get_environ()
            environ[CONNECTION_KEY] = self.socket  # to reset a connection that reads nothing
            return environ

        def run_application(self) -> None:
            super().run_application()
            if is_websocket(self.environ):  # what follows on the socket is no HTTP request
                self.close_connection = True

    class Server(WSGIServer):
        handler_class = Handler

        def handle(self, sock: Any, address: Any) -> None:
            handle = super().handle
            nodelay(sock)
            guard.doorman.admit(address[0], sock, lambda: handle(sock, address))

    error_log = logging.getLogger("workshop.http")
    server = Server((host, port), app, log=None, error_log=error_log, spawn=Pool(), backlog=BACKLOG)
    stopped = Event()

    def stop() -> None:
        _finish_in_flight(app, server.close)
        server.stop(timeout=STOP_SECONDS)  # waits for the requests still running
        stopped.set()

    on_signals(lambda: gevent.spawn(stop), gevent.signal_handler)
    server.start()
    stopped.wait()


def _serve_threading(app: Flask, host: str, port: int) -> None:
    from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

    guard = guards(app)

    class Handler(WSGIRequestHandler):
        def setup(self) -> None:
            nodelay(self.request)
            super().setup()

        def handle_one_request(self) -> None:
            self.connection.settimeout(guard.header_timeout)
            super().handle_one_request()

        def run_wsgi(self) -> None:
            self.connection.settimeout(guard.idle_timeout)  # the line and headers are in
            super().run_wsgi()
            if self.headers.get("Upgrade", "").lower() == "websocket":
                self.close_connection = True  # what follows is no HTTP request

    class Server(ThreadedWSGIServer):
        def verify_request(self, request: Any, client_address: Any) -> bool:
            return guard.doorman.enter(client_address[0])

        def process_request_thread(self, request: Any, client_address: Any) -> None:
            try:
                super().process_request_thread(request, client_address)
            finally:
                guard.doorman.leave(client_address[0])

    server = Server(host, port, app, Handler)
    stopped = threading.Event()

    def stop() -> None:
        _finish_in_flight(app, server.shutdown)
        server.server_close()
        stopped.set()

    on_signals(lambda: threading.Thread(target=stop, daemon=True).start())
    server.serve_forever()
    stopped.wait()


def on_signals(begin: Callable[[], None], install: Callable[..., Any] = signal.signal) -> None:
    """SIGTERM and Ctrl-C (SIGINT) begin a graceful stop, once; no KeyboardInterrupt.
    `install` is how this server sets a handler (gevent runs them in its own loop)."""
    begun: list[bool] = []

    def handler(*_: object) -> None:
        if not begun:
            begun.append(True)
            begin()

    install(signal.SIGTERM, handler)
    install(signal.SIGINT, handler)


def _serve_eventlet(app: Flask, host: str, port: int) -> None:
    import eventlet
    import eventlet.wsgi
    from eventlet.event import Event
    from greenlet import GreenletExit

    class Listener:
        """The listening socket, setting TCP_NODELAY on each connection it accepts. Once
        closed, it holds eventlet's server in `accept`: the server, when it ends, shuts down
        the open websockets, which must first be sent what is queued for them."""

        def __init__(self, sock: Any) -> None:
            self._sock = sock
            self.closed = False

        def accept(self) -> Any:
            try:
                conn, address = self._sock.accept()
            except OSError:
                if not self.closed:
                    raise
                Event().wait()  # until the server is killed
            nodelay(conn)
            return conn, address

        def close(self) -> None:
            self.closed = True
            self._sock.close()

        def __getattr__(self, name: str) -> Any:
            return getattr(self._sock, name)

    guard = guards(app)

    class Protocol(eventlet.wsgi.HttpProtocol):
        """Turns away an address's connection too many; gives a request its headers'
        time (eventlet's own timeouts, below), then its connection the idle one."""

        def __init__(self, conn_state: list, server: Any) -> None:
            handle = super().__init__
            address, connection = conn_state[0][0], conn_state[1]
            guard.doorman.admit(address, connection, lambda: handle(conn_state, server))

        def handle_one_response(self) -> None:
            self.connection.settimeout(guard.idle_timeout)
            super().handle_one_response()

    listener = Listener(eventlet.listen((host, port), backlog=BACKLOG))
    server = eventlet.spawn(
        eventlet.wsgi.server,
        listener,
        app,
        log_output=False,
        protocol=Protocol,
        keepalive=guard.header_timeout,  # for the request line
        socket_timeout=guard.header_timeout,  # for the headers
    )
    stopped = Event()

    def stop() -> None:
        _finish_in_flight(app, listener.close)
        server.kill()  # it closes what is left, and waits for the requests still running
        with eventlet.Timeout(STOP_SECONDS, False), contextlib.suppress(GreenletExit):
            server.wait()
        stopped.send()

    on_signals(lambda: eventlet.spawn(stop))
    stopped.wait()


class CannotListen(Exception):
    """The address given to serve on cannot be listened on: no such address, or in use."""


def check_address(host: str, port: int) -> None:
    """Listen on the address for a moment, so that one nobody can serve on is refused in
    words before the database is opened (the server itself binds it only once ready)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as error:
        why = getattr(error, "strerror", None) or str(error)
        raise CannotListen(f"cannot listen on {host}:{port}: no such address ({why})") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
        try:
            probe.bind(address)
        except OSError as error:
            in_use = (
                " (another program is serving there)" if error.errno == errno.EADDRINUSE else ""
            )
            raise CannotListen(
                f"cannot listen on {host}:{port}: {error.strerror}{in_use}"
            ) from None


def run(
    host: str,
    port: int,
    data_dir: str,
    async_mode: str,
    message_queue: str | None,
    timer_interval: float | None = None,
    settings: Mapping[str, object] | None = None,
) -> None:
    """Serve until interrupted; an address nobody can listen on raises CannotListen, a
    database that cannot be served DatabaseProblem, one that another server holds alone
    LeaseTaken. `settings` override config's."""
    check_address(host, port)
    config = {"DATA_DIR": data_dir, "ASYNC_MODE": async_mode, "MESSAGE_QUEUE": message_queue}
    if timer_interval is not None:
        config["TIMER_INTERVAL"] = timer_interval
    config.update(settings or {})
    # What --set changed is what runs: --set ASYNC_MODE=threading served on gevent, and
    # --set MESSAGE_QUEUE=… took the database for this process alone.
    async_mode, message_queue = str(config["ASYNC_MODE"]), config["MESSAGE_QUEUE"]
    app = create_app(config)
    service = app.extensions["workshop"]
    lease = ProcessLease(
        service.store,
        service.clock,
        service.process_id,
        shared=bool(message_queue),
        write=service.write_silently,
        open_connections=service.open_connections,
    )
    try:
        lease.acquire()  # the first write of a start
        # Only now is the database this server's: refused, it must leave it as it found it.
        service.store.serving, service.store.sole_writer = True, not message_queue
        service.scrub()
        if not message_queue:  # alone, we know no connection survived the last run
            with service.store.transaction():
                service.store.end_all_attendance(service.clock())
    except Unavailable as error:  # the disk refuses it
        service.store.close()
        raise DatabaseProblem(service.store.problem(error.__cause__ or error)) from None
    except BaseException:  # e.g. LeaseTaken: no pool's threads left behind at exit
        service.store.close()
        raise
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    socketio = app.extensions["workshop_socketio"]
    service.writer.start(socketio.start_background_task, async_mode)  # group commit from here
    # Every page, whatever runs in its session, learns the server's clock again after a
    # step: the next turn it shows would count down from a clock gone by.
    service.on_clock_step(
        lambda by: socketio.emit("clock_stepped", {"by": by, "at": service.clock()})
    )
    socketio.start_background_task(_timer_loop, app, lease)
    settle_garbage_collection()
    print(f"Workshop serving on http://{host}:{port} ({async_mode})", file=sys.stderr, flush=True)
    try:
        if async_mode == "gevent":
            _serve_gevent(app, host, port)
        elif async_mode == "eventlet":
            _serve_eventlet(app, host, port)
        else:
            _serve_threading(app, host, port)
    finally:
        lease.release()
        service.store.close()  # a checkpoint moves the write-ahead log into the database
    log.info("stopped")
