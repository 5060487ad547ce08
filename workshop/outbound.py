"""A bound on what waits to be sent to each connection: one that never reads is dropped.

python-engineio queues every message for a connection until that connection's writer has
handed it to the TCP socket. A client that stops reading (yet answers pings) fills its
socket's buffers, then the queue, without end: the server's memory grows with every event of
its session. So past OUTBOUND_QUEUE_LIMIT messages waiting, or OUTBOUND_QUEUE_BYTES bytes, the
connection is dropped: its queue is let go, its TCP connection reset, and it catches up by
`sync` when it comes back. The bytes count too: a few hundred `sync` answers of a long log,
asked at a rate well within the limits and never read, held a quarter of a gigabyte. A message
counts from when it is queued until its writer takes it to send: the writer takes every
message waiting at once, and sends them one after another.

The drop runs as a background task, never inside the broadcast that found the queue full:
closing records the disconnection through the writer, which may be running that broadcast.

A message to a websocket whose writer has nothing waiting is written on the sender's own turn
(under gevent, whose sockets never block): handed to that writer, it waits for a wake-up
through the event loop's queue, behind all else queued there - in a vote storm, behind the
handlers of a thousand votes just read. What the socket does not take at once is queued as
it is, ahead of anything sent after it, for the writer to finish.

A broadcast is framed once for each kind of connection, not once per socket: python-socketio
hands every socket of a room the same packet, and a websocket frame of it is the same bytes
for every connection that compresses alike. So that browsers (which ask for
permessage-deflate) share them too, the server compresses each message it sends on its own
(`server_no_context_takeover`). Framing a message was half of what telling a socket of it
cost (a room of 50: 1.7 ms against 0.9 ms).
"""

from __future__ import annotations

import logging
import os
import socket
import struct
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import simple_websocket
from flask_socketio import SocketIO
from wsproto.connection import ConnectionState
from wsproto.extensions import PerMessageDeflate
from wsproto.frame_protocol import FrameProtocol

from workshop.domain.text import shown

log = logging.getLogger(__name__)
ENGINEIO_TYPES = frozenset("0123456")  # open, close, ping, pong, message, upgrade, noop
INBOX_LIMIT = 8  # messages read from one connection and not yet handled, at most
# Where our gevent server puts a request's TCP connection (werkzeug and eventlet have theirs).
CONNECTION_KEY = "workshop.connection"
RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: closing resets, unsent data is let go


def connection_of(environ: Mapping[str, Any]) -> socket.socket | None:
    """The TCP connection a request came on, as the server running us tells it."""
    if "eventlet.input" in environ:
        return environ["eventlet.input"].get_socket()
    return environ.get("werkzeug.socket") or environ.get(CONNECTION_KEY)


class WholeSends:
    """A socket whose `send` sends all it is given, waiting for room as it must; or, within
    `at_once`, what the socket takes without waiting, keeping the rest."""

    def __init__(self, connection: socket.socket) -> None:
        self._connection = connection
        self.never_waits = not os.get_blocking(connection.fileno())  # gevent's, eventlet's
        self._unsent: list[bytes] | None = None

    def send(self, data: bytes) -> int:
        if self._unsent is None:
            self._connection.sendall(data)
        elif rest := data[self._written_now(data) :]:
            self._unsent.append(rest)
        return len(data)

    @contextmanager
    def at_once(self) -> Iterator[list[bytes]]:
        """Sends within it never wait: what the socket did not take is in the list given."""
        assert self.never_waits, "a blocking socket would stop the caller's whole thread"
        self._unsent = []
        try:
            yield self._unsent
        finally:
            self._unsent = None

    def _written_now(self, data: bytes) -> int:
        try:
            return os.write(self._connection.fileno(), data)
        except OSError:  # no room (or gone: the connection's writer finds out, and closes it)
            return 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


class StandaloneDeflate(PerMessageDeflate):
    """permessage-deflate with each message the server sends compressed on its own: then a
    broadcast's frame is the same for every connection compressing with the same window. A
    message no longer borrows from the ones before it; a turnout message is small either
    way, and a `state` or a reveal big enough to compress well alone."""

    def __init__(self, **parameters: Any) -> None:
        super().__init__(**{**parameters, "server_no_context_takeover": True})


def adapt_websockets() -> None:
    """simple-websocket 1.1 (our websockets under gevent and threading) hands each frame to
    `socket.send` and lets go of what the socket did not take (upstream simple-websocket#45):
    once a client's buffers are full, its stream breaks mid-frame and it reads garbage. Every
    websocket it makes gets a socket whose `send` sends the whole frame, and accepts
    permessage-deflate as `StandaloneDeflate`.

    Its reader also takes in every message the client sends, however far ahead of their
    handling: one connection sending megabyte messages as fast as TCP takes them grew the
    server past a gigabyte and slowed every session. The reader now waits while INBOX_LIMIT
    messages wait to be handled, and TCP holds the client back."""
    simple_websocket.ws.PerMessageDeflate = StandaloneDeflate
    base = simple_websocket.ws.Base
    if getattr(base.__init__, "whole_frames", False):
        return
    made, handle_events, receive = base.__init__, base._handle_events, base.receive

    def __init__(self: Any, sock: socket.socket | None = None, *args: Any, **kwargs: Any) -> None:
        self.handled = threading.Event()  # (green when monkey-patched) a message was taken
        made(self, WholeSends(sock) if sock is not None else None, *args, **kwargs)

    def _handle_events(self: Any) -> bool:
        going = handle_events(self)
        while going and self.connected and len(self.input_buffer) >= INBOX_LIMIT:
            self.handled.wait(1.0)  # a second at most: a closed connection is noticed
            self.handled.clear()
        return going

    def take(self: Any, timeout: float | None = None) -> Any:
        message = receive(self, timeout)
        self.handled.set()
        return message

    __init__.whole_frames = True  # type: ignore[attr-defined]
    base.__init__ = __init__
    base._handle_events = _handle_events
    base.receive = take


def engineio_only(wait: Callable[[], Any], who: Callable[[], str]) -> Callable[[], Any]:
    """A websocket's `wait` that drops, with a line in the log, a text that is no Engine.IO
    packet (it does not start with a packet type): Engine.IO would end the connection on it,
    with a traceback under gevent."""

    def checked() -> Any:
        while True:
            message = wait()
            if not isinstance(message, str) or message[:1] in ENGINEIO_TYPES:
                return message
            log.warning(
                "a message from %s that is no Engine.IO packet was dropped: %s",
                who(),
                shown(message),
            )

    return checked


class Unsent:
    """The rest of a websocket frame begun on its sender's turn, queued like a packet: the
    connection's writer sends its bytes as they are."""

    def __init__(self, rest: bytes) -> None:
        self.rest = Frame(rest)

    def encode(self) -> Frame:
        return self.rest


class Frame(bytes):
    """Bytes of a frame already made, which a websocket must not frame again."""


@dataclass(frozen=True)
class Limits:
    """What may wait to be sent to one connection: so many messages, so many bytes."""

    messages: int
    bytes: int


class Waiting:
    """The bytes of the messages queued for one connection and not yet taken to be sent.
    (Under threading, its senders and its writer are threads of their own.)"""

    def __init__(self) -> None:
        self.bytes = 0
        self._lock = threading.Lock()

    def add(self, size: int) -> None:
        with self._lock:
            self.bytes += size


class Counted:
    """A message queued for a connection, counted in what waits for it until its writer
    takes it to send (encodes it). A character counts as a byte."""

    def __init__(self, pkt: Any, waiting: Waiting) -> None:
        data = pkt.rest if isinstance(pkt, Unsent) else pkt.data
        self.pkt, self.waiting = pkt, waiting
        self.size = len(data) if isinstance(data, (str, bytes)) else 0
        waiting.add(self.size)

    def encode(self, *args: Any, **kwargs: Any) -> Any:
        size, self.size = self.size, 0
        self.waiting.add(-size)
        return self.pkt.encode(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # Engine.IO logs a packet's type and data
        return getattr(self.pkt, name)


Framing = tuple[int, ...]  # what a frame depends on: () or the deflate window's bits


def framing(websocket: Any) -> Framing | None:
    """What this connection's frames depend on, or None if they are its own (its compressor
    carries context from one message to the next): the same for two connections, a message
    is the same bytes on both."""
    extensions = getattr(getattr(websocket.ws, "connection", None), "_proto", None)
    extensions = getattr(extensions, "extensions", None)
    if extensions == []:
        return ()
    if extensions is None or len(extensions) != 1:
        return None
    (deflate,) = extensions
    if isinstance(deflate, PerMessageDeflate) and deflate.server_no_context_takeover:
        return (deflate.server_max_window_bits,)
    return None


class SharedFrames:
    """The websocket frames of the packet being sent, one per framing: python-socketio sends
    a room's sockets the same packet object, one after another."""

    def __init__(self) -> None:
        self._packet: object = None
        self._frames: dict[Framing, bytes] = {}

    def frame(self, pkt: Any, framing: Framing) -> bytes:
        if pkt is not self._packet:
            self._packet, self._frames = pkt, {}
        frame = self._frames.get(framing)
        if frame is None:
            extensions = [StandaloneDeflate(server_max_window_bits=bits) for bits in framing]
            framer = FrameProtocol(client=False, extensions=extensions)
            frame = self._frames[framing] = bytes(framer.send_data(pkt.encode()))
        return frame


class Outbound:
    """Counts what waits for each Engine.IO socket as it is sent, and drops the one that
    falls `limits` behind. `describe(sid)` names a connection for the log."""

    def __init__(self, socketio: SocketIO, limits: Limits, describe: Callable[[str], str]) -> None:
        self.eio = socketio.server.eio
        self.limits, self.describe = limits, describe
        self.start = socketio.start_background_task
        self._websockets: dict[str, Any] = {}  # Engine.IO sid → its websocket (`Watched`)
        self._waiting: weakref.WeakKeyDictionary[Any, Waiting] = weakref.WeakKeyDictionary()
        self._dropping: set[str] = set()
        self._frames = SharedFrames()
        self._send = self.eio.send_packet
        self.eio.send_packet = self.send_packet
        websocket = self.eio._async["websocket"]
        if websocket is not None:  # each websocket tells us its TCP connection
            self.eio._async = {**self.eio._async, "websocket": self._watched(websocket)}

    def _watched(self, websocket: type) -> type:
        websockets, describe = self._websockets, self.describe

        class Watched(websocket):  # type: ignore[valid-type,misc]
            def __init__(self, handler: Any, server: Any) -> None:
                sid = handler.__self__.sid  # the Engine.IO socket this websocket carries

                def handle(ws: Any) -> Any:  # the websocket Engine.IO reads (eventlet's own)
                    ws.wait = engineio_only(ws.wait, lambda: describe(sid))
                    return handler(ws)

                super().__init__(handle, server)
                self.sid = sid
                self.connection: socket.socket | None = None
                self.sending = False  # the connection's writer is in the middle of a send

            def __call__(self, environ: Mapping[str, Any], start_response: Any) -> Any:
                self.connection = connection_of(environ)
                if self.connection is not None:
                    websockets[self.sid] = self
                try:
                    return super().__call__(environ, start_response)
                finally:
                    websockets.pop(self.sid, None)

            def send(self, message: Any) -> Any:
                """The connection's writer sends a message, or the rest of a frame."""
                self.sending = True
                try:
                    if isinstance(message, Frame):
                        return self.ws.sock.send(message)
                    return super().send(message)
                finally:
                    self.sending = False

            def send_now(self, pkt: Any, frames: SharedFrames) -> list[bytes] | None:
                """Frame `pkt` (or take its frame made for another connection) and write it
                without waiting; what the socket did not take, or None if this websocket
                cannot (it blocks, or has closed)."""
                ws = getattr(self, "ws", None)
                sock = getattr(ws, "sock", None)
                if self.sending or not isinstance(sock, WholeSends) or not sock.never_waits:
                    return None
                shared = framing(ws)
                if shared is not None and not (
                    ws.connected and ws.ws.state is ConnectionState.OPEN
                ):
                    return None
                with sock.at_once() as unsent:
                    try:
                        if shared is None:
                            super().send(pkt.encode())
                        else:
                            sock.send(frames.frame(pkt, shared))
                    except OSError:
                        return None
                return unsent

        return Watched

    def send_packet(self, sid: str, pkt: Any) -> None:
        """Engine.IO's send_packet, which every message goes through, with the bound."""
        if sid in self._dropping:
            return
        queued = self.eio.sockets.get(sid)
        if queued is None:
            self._send(sid, pkt)
            return
        waiting = self._waiting.get(queued)
        if waiting is None:  # made once per connection, not per message (a lock in each)
            waiting = self._waiting[queued] = Waiting()
        behind = self._behind(queued, waiting)
        if behind is not None:
            self._dropping.add(sid)
            log.warning(
                "dropped %s: %s wait that it does not read; it catches up by sync when it"
                " comes back",
                self.describe(sid),
                behind,
            )
            self.start(self._drop, sid, queued)
            return
        if not self._sent_now(sid, queued, pkt, waiting):
            self._send(sid, Counted(pkt, waiting))

    def _behind(self, queued: Any, waiting: Waiting) -> str | None:
        """What waits for a connection, if it is past a limit."""
        if queued.queue.qsize() >= self.limits.messages:
            return f"{self.limits.messages} messages"
        if waiting.bytes >= self.limits.bytes:
            return f"{waiting.bytes} bytes"
        return None

    def _sent_now(self, sid: str, queued: Any, pkt: Any, waiting: Waiting) -> bool:
        """Write `pkt` on the caller's turn if nothing waits to go before it; whether it was
        (the rest of its frame queued, if the socket took only part)."""
        websocket = self._websockets.get(sid)
        if websocket is None or not queued.upgraded or queued.closed or not queued.queue.empty():
            return False
        if not queued.check_ping_timeout():  # closed now, as Engine.IO's own send would
            return True
        unsent = websocket.send_now(pkt, self._frames)
        if unsent is None:
            return False
        for rest in unsent:
            queued.queue.put(Counted(Unsent(rest), waiting))
        return True

    def _drop(self, sid: str, queued: Any) -> None:
        """Let the queue go, reset the TCP connection (which wakes the writer stuck on it),
        and close the Engine.IO socket, which tells Socket.IO and our handlers."""
        empty = self.eio.get_queue_empty_exception()
        self._waiting.pop(queued, None)
        try:
            while True:
                queued.queue.get(block=False)
                queued.queue.task_done()
        except empty:
            pass
        websocket = self._websockets.get(sid)
        connection = websocket.connection if websocket is not None else None
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
