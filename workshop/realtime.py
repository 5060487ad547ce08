"""Socket.IO handlers: authenticate at connect, parse → service → acknowledge.

Changes are emitted after commit by the broadcaster (broadcast.py), each with its `seq`.
Presence is not part of the log, carries no `seq`, and goes to the facilitator only
(participants see who is present in `state`).

The handlers are python-socketio's own, given the socket id: none needs Flask, and the
request context Flask-SocketIO pushes for each event (a session opened, a URL matched,
teardown) was a tenth of the server's time in a vote storm.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import socketio
from flask_socketio import SocketIO
from socketio import packet
from socketio.exceptions import ConnectionRefusedError

from workshop.broadcast import Broadcaster, JsonPacket, MalformedMessage, PacketJson
from workshop.domain.errors import InvalidInput, Unavailable, WorkshopError
from workshop.domain.floor import on_the_floor
from workshop.domain.payload import check_depth
from workshop.domain.state import WorkshopState
from workshop.domain.text import shown
from workshop.domain.views import SCREEN
from workshop.domain.workshop import CLIENT_COMMANDS
from workshop.outbound import Limits, Outbound, adapt_websockets
from workshop.service import Service
from workshop.throttle import RateLimited, Throttle

log = logging.getLogger(__name__)
SYNC_PAGE = 500  # events per `sync` answer at most; `more` says whether to ask again
# Bytes of events per `sync` answer, past which the page ends (one event at the least): 500
# comments of 3 KB made an answer of 1.5 MB, a few hundred of which a client can ask for and
# leave unread.
SYNC_PAGE_BYTES = 256 * 1024
LINK_CHECK_SECONDS = 15.0  # a personal link's connection looks again this often (reissued?)
LINK_GRACE_SECONDS = 5.0  # an expired link's connection hears its ballot close, then hangs up


class Later:
    """The answer to a command that the writer gives once the command is on disk: its ack
    is sent then, by the writer, and the connection's reading task need not wait for it."""

    def __init__(self) -> None:
        self.given = threading.Event()  # (green when monkey-patched)
        self._lock = threading.Lock()
        self._value: dict | None = None
        self._send: Callable[[dict], None] | None = None

    def give(self, value: dict) -> None:
        with self._lock:
            send, self._value = self._send, value
        if send is not None:
            send(value)
        self.given.set()

    def then(self, send: Callable[[dict], None]) -> None:
        """Send the answer with `send`: now if it was given, else once it is."""
        with self._lock:
            value, self._send = self._value, send
        if value is not None:
            send(value)


def waited_for(state: WorkshopState, participant_id: str) -> bool:
    """Whether the floor waits for this person (holder, raised hand, round still to ask):
    their coming and going changes who is next, on every page."""
    return participant_id in on_the_floor(state)


def acknowledge_when_answered(server: socketio.Server) -> None:
    """python-socketio acks an event with what its handler returns; a handler that returns a
    `Later` is acked when it is answered. (python-socketio's own `_handle_event_internal`,
    which a Later would be sent as it is.)"""

    def handle_event(
        own: socketio.Server, sid: str, eio_sid: str, data: list, namespace: str, id: int | None
    ) -> None:
        answer = own._trigger_event(data[0], namespace, sid, *data[1:])
        if answer is own.not_handled or id is None:
            return

        def send(value: object) -> None:
            ack = own.packet_class(packet.ACK, namespace=namespace, id=id, data=[value])
            own._send_packet(eio_sid, ack)

        if isinstance(answer, Later):
            answer.then(send)
        else:
            send(answer)

    server._handle_event_internal = handle_event


@dataclass
class Connection:
    workshop_id: str
    participant_id: str
    attendance_id: int | None  # None for a room screen, which is never present
    link: str | None = None  # a remote person's personal link, which expires: checked each time
    last: Later | None = None  # its latest command: the next message waits for its answer


def within_bytes(events: list[dict], most: int) -> int:
    """How many of `events`, from the first, fit in `most` bytes of JSON (one at least)."""
    size = 0
    for count, event in enumerate(events):
        size += len(PacketJson.dumps(event))
        if size > most:
            return max(count, 1)
    return len(events)


def failure(error: WorkshopError) -> dict:
    if error.status >= 500:  # the server's trouble (a full disk), not the client's
        log.warning("socket command failed: %s", error.message)
    return {"ok": False, "error": error.as_dict()}


INTERNAL = {"ok": False, "error": {"code": "internal", "message": "internal error"}}


def answering(handler: Callable[..., Any]) -> Callable[..., Any]:
    """A handler whose own failure is logged and answered `internal`, not left unanswered."""

    @functools.wraps(handler)
    def guarded(*args: object) -> Any:
        try:
            return handler(*args)
        except ConnectionRefusedError:
            raise
        except Exception as error:
            log.exception("socket handler failed: %s", error)
            return INTERNAL

    return guarded


def refuse_malformed_messages(
    socketio: SocketIO, describe: Callable[[str], str], throttle: Throttle
) -> None:
    """A message that is no packet Workshop takes gets a line in the log, not a traceback
    (a client could fill the log with them at will), and, if it asked for an answer, an
    `invalid_input` naming the trouble; the connection goes on, within the command rate:
    past it, the server hangs up (the lines, and the work, stay bounded)."""
    server = socketio.server
    handle = server._handle_eio_message

    def guarded(eio_sid: str, data: str | bytes) -> None:
        try:
            if not data:  # python-socketio reads it as an event with no data, and fails on it
                raise MalformedMessage("an empty message", JsonPacket())
            handle(eio_sid, data)
        except MalformedMessage as error:
            try:
                throttle.take("COMMAND_RATE", f"malformed:{eio_sid}")
            except RateLimited:
                log.warning("%s sent malformed messages too fast: hung up", describe(eio_sid))
                server.eio.disconnect(eio_sid)
                return
            log.warning("a malformed message from %s was refused: %s", describe(eio_sid), error)
            if error.id is not None:
                answer = failure(InvalidInput(f"malformed message: {error}"))
                ack = JsonPacket(packet.ACK, [answer], namespace=error.namespace, id=error.id)
                server._send_packet(eio_sid, ack)

    server.eio.on("message", guarded)


def register(socketio: SocketIO, service: Service, throttle: Throttle, outbound: Limits) -> None:
    """Attach every handler to `socketio`, and broadcast what the service commits; drop a
    connection with more than `outbound` waiting that it does not read."""
    connections: dict[str, Connection] = {}
    server = socketio.server

    def on(event: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def attach(handler: Callable[..., Any]) -> Callable[..., Any]:
            server.on(event, answering(handler))
            return handler

        return attach

    def describe(eio_sid: str) -> str:
        """A connection as the log names it: its socket, its session and its person."""
        sid = socketio.server.manager.sid_from_eio_sid(eio_sid, "/")
        conn = connections.get(sid) if sid is not None else None
        if conn is None:
            return f"connection {eio_sid}"
        return (
            f"connection {sid} of participant {conn.participant_id} in session {conn.workshop_id}"
        )

    adapt_websockets()
    Outbound(socketio, outbound, describe)
    refuse_malformed_messages(socketio, describe, throttle)
    acknowledge_when_answered(server)

    def caller(sid: str) -> Connection:
        """The connection a message came on, within its command rate; a personal link's,
        while the link lives (it expires, or the facilitator reissues it). Its messages are
        answered in the order they came: one waits for the command before it to be."""
        throttle.take("COMMAND_RATE", sid)
        conn = connections.get(sid)
        if conn is None:
            service.check_running()  # closed by the shutdown, not unknown: "try again later"
            raise WorkshopError("not connected to a session", code="unauthorized")
        if conn.last is not None:
            conn.last.given.wait()
        if conn.link is not None:
            service.authenticate(conn.link)  # raises once the link has expired
        return conn

    def watch_link(sid: str, conn: Connection) -> None:
        """A personal link's connection hangs up once the link has expired (later, if it was
        extended meanwhile), or was reissued: sending nothing, it would go on hearing the
        room. It hears the ballot its link was for close first (LINK_GRACE_SECONDS)."""
        while connections.get(sid) is conn:
            with service.store.reading():
                row = service.store.token(conn.link)
            ends = None if row is None else row["expires_at"]
            if ends is not None:
                ends += LINK_GRACE_SECONDS
            if row is None or (ends is not None and ends <= service.clock()):
                server.disconnect(sid)
                return
            if ends is None:
                return
            socketio.sleep(min(ends - service.clock() + 0.1, LINK_CHECK_SECONDS))

    broadcaster = Broadcaster(socketio, service.writer)
    service.subscribe(broadcaster.publish)

    @on("connect")
    def connect(sid: str, _environ: object = None, auth: object = None, *forged: object) -> Any:
        if sid in connections:  # a client event named "connect", not a connection
            return failure(InvalidInput("unknown command 'connect'", code="unknown_command"))
        token = auth.get("token") if isinstance(auth, Mapping) else None
        try:
            workshop_id, participant_id = service.authenticate(token, screen=True)
            # Before anything is recorded or announced: a client reconnecting in a loop would
            # cost a write and a message to the whole room each time.
            throttle.take("CONNECT_RATE", f"{workshop_id}/{participant_id}")
            screen = participant_id == SCREEN  # the room's view: never present nor voting
            state = service.state(workshop_id)  # a session whose log is damaged is refused
            person = None if screen else state.participants[participant_id]
            attendance_id = None if screen else service.connected(workshop_id, participant_id)
        except WorkshopError as error:  # also `unavailable` when the database is in trouble
            raise ConnectionRefusedError(error.message, error.as_dict()) from None
        facilitator = person is not None and person.role == "facilitator"
        broadcaster.enter(sid, workshop_id, participant_id, facilitator)
        link = token if person is not None and person.remote else None
        conn = Connection(workshop_id, participant_id, attendance_id, link)
        connections[sid] = conn
        if link is not None:
            socketio.start_background_task(watch_link, sid, conn)
        server.emit("state", service.snapshot(workshop_id, participant_id), to=sid)
        if person is not None:  # present: the connection is recorded, no need to ask
            broadcaster.presence(workshop_id, participant_id, True, waited_for(state, person.id))
            service.arrived(state, participant_id)  # a round started while away: in it

    @on("disconnect")
    def disconnect(sid: str, *_reason: object) -> dict | None:
        if server.manager.is_connected(sid, "/"):
            # Still connected: a client event named "disconnect", not a disconnection.
            return failure(InvalidInput("unknown command 'disconnect'", code="unknown_command"))
        conn = connections.pop(sid, None)
        broadcaster.leave(sid)
        if conn is None or conn.attendance_id is None:  # a room screen was never present
            return None
        try:
            service.disconnected(conn.attendance_id)
            with service.store.reading():  # another tab of theirs may still be open
                present = service.store.is_present(conn.workshop_id, conn.participant_id)
            announce_presence(conn.workshop_id, conn.participant_id, present)
        except Unavailable as error:  # the next start closes what stays open
            log.warning("a disconnection was not recorded: %s", error.message)
        return None

    def announce_presence(workshop_id: str, participant_id: str, present: bool) -> WorkshopState:
        state = service.state(workshop_id)
        broadcaster.presence(
            workshop_id, participant_id, present, waited_for(state, participant_id)
        )
        return state

    def presence_moved(workshop_id: str, participant_id: str, present: bool) -> None:
        """Someone's connections were ended by a process that took ours for dead, or opened
        again here: connected all along, they were absent meanwhile, as if they had left."""
        state = announce_presence(workshop_id, participant_id, present)
        if present:  # a round started while they were taken for absent: in it
            service.arrived(state, participant_id)

    service.on_presence(presence_moved)

    def answered(later: Later, answer: Callable[[], dict]) -> None:
        """Give a command's answer: its ack, or the error that refused it."""
        try:
            later.give(answer())
        except WorkshopError as error:
            later.give(failure(error))
        except Exception as error:
            log.exception("socket handler failed: %s", error)
            later.give(INTERNAL)

    def command_handler(name: str):
        def handle(sid: str, data: object = None, *extra: object) -> dict | Later:
            if extra:
                return failure(InvalidInput(f"{name} takes one object, got {1 + len(extra)}"))
            try:
                conn = caller(sid)
                if not isinstance(data, Mapping):
                    raise InvalidInput(f"{name} needs an object with a cid")
                body = {k: v for k, v in data.items() if k != "cid"}
                check_depth(body, f"the {name} command")
                later = Later()
                service.submit(
                    conn.workshop_id,
                    conn.participant_id,
                    name,
                    body,
                    data.get("cid"),
                    functools.partial(answered, later),
                    origin=sid,
                )
            except WorkshopError as error:
                return failure(error)
            conn.last = later
            return later

        handle.__name__ = name
        return handle

    for name in CLIENT_COMMANDS:
        on(name)(command_handler(name))

    @on("sync")
    def sync(sid: str, data: object = None, *_extra: object) -> dict:
        """Catch up: the events after `since`, as this person may see them."""
        try:
            conn = caller(sid)
        except WorkshopError as error:
            return failure(error)
        if data is not None and not isinstance(data, Mapping):
            said = f"sync takes an object {{since, limit}}, got {shown(data)}"
            return failure(InvalidInput(said))
        since = data.get("since", 0) if data else 0
        limit = data.get("limit", SYNC_PAGE) if data else SYNC_PAGE
        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            return failure(
                InvalidInput(f"since must be a seq number (0 or more), got {shown(since)}")
            )
        if isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit <= SYNC_PAGE:
            return failure(InvalidInput(f"limit must be 1 to {SYNC_PAGE}, got {shown(limit)}"))
        try:
            events, more = service.events_since(conn.workshop_id, conn.participant_id, since, limit)
        except WorkshopError as error:  # `out_of_sync`: the client is ahead of the log
            return failure(error)
        fit = within_bytes(events, SYNC_PAGE_BYTES)
        events, more = events[:fit], more or fit < len(events)
        last = events[-1]["seq"] if events else since
        return {"ok": True, "seq": last, "events": events, "more": more}

    @on("get_state")
    def get_state(sid: str, data: object = None, *_extra: object) -> dict:
        """The whole session again, as on connect."""
        try:
            conn = caller(sid)
        except WorkshopError as error:
            return failure(error)
        snapshot = service.snapshot(conn.workshop_id, conn.participant_id)
        return {"ok": True, "seq": snapshot["seq"], "state": snapshot}

    @on("*")
    def unknown(event: str, sid: str, *_data: object) -> dict:
        try:
            throttle.take("COMMAND_RATE", sid)
        except WorkshopError as error:
            return failure(error)
        return failure(InvalidInput(f"unknown command {shown(event)}", code="unknown_command"))
