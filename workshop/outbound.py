"""A bound on what waits to be sent to each connection: one that never reads is dropped.

python-engineio queues every message for a connection until that connection's writer has
handed it to the TCP socket. A client that stops reading (yet answers pings) fills its
socket's buffers, then the queue, without end: the server's memory grows with every event of
its session. So past OUTBOUND_QUEUE_LIMIT messages waiting, the connection is dropped: its
queue is let go, its TCP connection reset, and it catches up by `sync` when it comes back.

The drop runs as a background task, never inside the broadcast that found the queue full:
closing records the disconnection through the writer, which may be running that broadcast.
"""

from __future__ import annotations

import logging
import socket
import struct
from collections.abc import Callable, Mapping
from typing import Any

import simple_websocket
from flask_socketio import SocketIO

log = logging.getLogger(__name__)
# Where our gevent server puts a request's TCP connection (werkzeug and eventlet have theirs).
CONNECTION_KEY = "workshop.connection"
RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: closing resets, unsent data is let go


def connection_of(environ: Mapping[str, Any]) -> socket.socket | None:
    """The TCP connection a request came on, as the server running us tells it."""
    if "eventlet.input" in environ:
        return environ["eventlet.input"].get_socket()
    return environ.get("werkzeug.socket") or environ.get(CONNECTION_KEY)


class WholeSends:
    """A socket whose `send` sends all it is given, waiting for room as it must."""

    def __init__(self, connection: socket.socket) -> None:
        self._connection = connection

    def send(self, data: bytes) -> int:
        self._connection.sendall(data)
        return len(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def send_whole_frames() -> None:
    """simple-websocket 1.1 (our websockets under gevent and threading) hands each frame to
    `socket.send` and lets go of what the socket did not take (upstream simple-websocket#45):
    once a client's buffers are full, its stream breaks mid-frame and it reads garbage. Every
    websocket it makes gets a socket whose `send` sends the whole frame."""
    base = simple_websocket.ws.Base
    if getattr(base.__init__, "whole_frames", False):
        return
    made = base.__init__

    def __init__(self: Any, sock: socket.socket | None = None, *args: Any, **kwargs: Any) -> None:
        made(self, WholeSends(sock) if sock is not None else None, *args, **kwargs)

    __init__.whole_frames = True  # type: ignore[attr-defined]
    base.__init__ = __init__


class Outbound:
    """Counts what waits for each Engine.IO socket as it is sent, and drops the one that
    falls `limit` messages behind. `describe(sid)` names a connection for the log."""

    def __init__(self, socketio: SocketIO, limit: int, describe: Callable[[str], str]) -> None:
        self.eio = socketio.server.eio
        self.limit, self.describe = limit, describe
        self.start = socketio.start_background_task
        self._websockets: dict[str, socket.socket] = {}  # Engine.IO sid → its TCP connection
        self._dropping: set[str] = set()
        self._send = self.eio.send_packet
        self.eio.send_packet = self.send_packet
        websocket = self.eio._async["websocket"]
        if websocket is not None:  # each websocket tells us its TCP connection
            self.eio._async = {**self.eio._async, "websocket": self._watched(websocket)}

    def _watched(self, websocket: type) -> type:
        websockets = self._websockets

        class Watched(websocket):  # type: ignore[valid-type,misc]
            def __init__(self, handler: Any, server: Any) -> None:
                super().__init__(handler, server)
                self.sid = handler.__self__.sid  # the Engine.IO socket this websocket carries

            def __call__(self, environ: Mapping[str, Any], start_response: Any) -> Any:
                connection = connection_of(environ)
                if connection is not None:
                    websockets[self.sid] = connection
                try:
                    return super().__call__(environ, start_response)
                finally:
                    websockets.pop(self.sid, None)

        return Watched

    def send_packet(self, sid: str, pkt: Any) -> None:
        """Engine.IO's send_packet, which every message goes through, with the bound."""
        if sid in self._dropping:
            return
        queued = self.eio.sockets.get(sid)
        if queued is not None and queued.queue.qsize() >= self.limit:
            self._dropping.add(sid)
            log.warning(
                "dropped %s: %d messages wait that it does not read; it catches up by sync"
                " when it comes back",
                self.describe(sid),
                self.limit,
            )
            self.start(self._drop, sid, queued)
            return
        self._send(sid, pkt)

    def _drop(self, sid: str, queued: Any) -> None:
        """Let the queue go, reset the TCP connection (which wakes the writer stuck on it),
        and close the Engine.IO socket, which tells Socket.IO and our handlers."""
        empty = self.eio.get_queue_empty_exception()
        try:
            while True:
                queued.queue.get(block=False)
                queued.queue.task_done()
        except empty:
            pass
        connection = self._websockets.get(sid)
        if connection is not None:
            try:
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET)
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:  # it ended meanwhile
                pass
        try:
            queued.close(wait=False, abort=True)
        finally:
            self._dropping.discard(sid)
