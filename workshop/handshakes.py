"""Engine.IO sessions that never join Socket.IO: a bounded number per address, for a while.

An Engine.IO handshake (`GET /socket.io/?EIO=4&transport=polling`) opens a session on the
server before any token is checked: the token comes with Socket.IO's CONNECT, sent next.
Left alone, a session that never sends it lives until a ping goes unanswered (about 45 s;
a websocket that answers pings, for good), holding some 13 KB, and none was counted: twelve
clients opening them in a loop took a server from 68 MB to 323 MB in 15 s. So one client
address may hold at most HANDSHAKES_PER_ADDRESS sessions not joined yet: one more handshake
from it is refused `429 rate_limited` before a session is made; and a session must join
within CONNECT_TIMEOUT, or it is closed (as Socket.IO's own servers do, `connectTimeout`).
A room joining from one venue's address holds each of its sessions a moment only, between
the handshake and CONNECT.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from flask_socketio import SocketIO

from workshop.throttle import RateLimited
from workshop.web import refusal

log = logging.getLogger(__name__)
SWEEP_SECONDS = 0.5  # how often sessions past their time are looked for

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]


class Handshakes:
    """The Engine.IO sessions of this process not joined to Socket.IO yet, by address."""

    def __init__(self, socketio: SocketIO, most: int, timeout: float) -> None:
        self.socketio, self.most, self.timeout = socketio, most, timeout
        self._waiting: dict[str, tuple[str, float]] = {}  # Engine.IO sid -> address, opened
        self._per_address: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._sweeping = False
        server = socketio.server
        opened, closed = server.eio.handlers["connect"], server.eio.handlers["disconnect"]
        joining = server._handle_connect  # Socket.IO's CONNECT on an Engine.IO session

        def on_open(eio_sid: str, environ: dict) -> Any:
            self._opened(eio_sid, str(environ.get("REMOTE_ADDR", "")))
            return opened(eio_sid, environ)

        def on_close(eio_sid: str, *reason: Any) -> Any:
            self._forget(eio_sid)
            return closed(eio_sid, *reason)

        def on_join(eio_sid: str, namespace: str | None, data: Any) -> Any:
            answer = joining(eio_sid, namespace, data)
            # Joined, it waits no more; refused (a bad token), it waits until its time runs out.
            if server.manager.sid_from_eio_sid(eio_sid, namespace or "/") is not None:
                self._forget(eio_sid)
            return answer

        server.eio.on("connect", on_open)
        server.eio.on("disconnect", on_close)
        server._handle_connect = on_join  # type: ignore[method-assign]

    def guard(self, app: WSGIApp, path: str = "/socket.io") -> WSGIApp:
        """`app`, refusing a new Engine.IO session to an address that holds `most` already."""

        def guarded(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
            opening = str(environ.get("PATH_INFO", "")).startswith(path) and "sid=" not in str(
                environ.get("QUERY_STRING", "")
            )
            if opening and self.full(str(environ.get("REMOTE_ADDR", ""))):
                return _refused(self.timeout, environ, start_response)
            return app(environ, start_response)

        return guarded

    def full(self, address: str) -> bool:
        with self._lock:
            return self._per_address[address] >= self.most

    def _opened(self, eio_sid: str, address: str) -> None:
        with self._lock:
            self._waiting[eio_sid] = (address, time.monotonic())
            self._per_address[address] += 1
            filled = self._per_address[address] == self.most
            start = not self._sweeping
            self._sweeping = True
        if filled:  # once each time it fills, not at every refusal: a flood fills no log
            log.warning(
                "%s holds %d Socket.IO handshakes not connected: more are refused until"
                " they connect or their %g s run out",
                address,
                self.most,
                self.timeout,
            )
        if start:
            self.socketio.start_background_task(self._sweep)

    def _forget(self, eio_sid: str) -> None:
        with self._lock:
            found = self._waiting.pop(eio_sid, None)
            if found is not None:
                self._per_address[found[0]] -= 1
                if not self._per_address[found[0]]:
                    del self._per_address[found[0]]

    def _sweep(self) -> None:
        """Close the sessions whose time to join ran out. Never waiting for what is queued
        for them: a polling session that stopped polling would hold the sweep for good."""
        eio = self.socketio.server.eio
        while True:
            self.socketio.sleep(SWEEP_SECONDS)
            ended = time.monotonic() - self.timeout
            with self._lock:
                late = [sid for sid, (_address, opened) in self._waiting.items() if opened <= ended]
            for eio_sid in late:
                self._forget(eio_sid)
                session = eio.sockets.pop(eio_sid, None)
                if session is not None:
                    session.close(wait=False, abort=True)
            if late:
                log.info("closed %d Socket.IO handshakes that never connected", len(late))


def _refused(retry_after: float, environ: dict, start_response: Callable[..., Any]) -> Any:
    address = str(environ.get("REMOTE_ADDR", ""))
    error = RateLimited(
        f"too many connections opening from {address} and not connected yet",
        math.ceil(retry_after),
    )
    return refusal(error)(environ, start_response)
