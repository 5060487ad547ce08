"""Socket.IO handlers: authenticate at connect, parse → service → acknowledge.

Changes are emitted after commit by the service's listener, each with its `seq`: the
room `session:<id>` gets what everybody may see, `session:<id>:facilitator` the
facilitator's view. Presence is not part of the log, carries no `seq`, and goes to the
facilitator only (participants see who is present in `state`). A burst of
`vote_cast` events goes out as one message per 100 ms covering seqs
`first_seq`..`seq`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from flask import request
from flask_socketio import ConnectionRefusedError, SocketIO, emit, join_room

from workshop.domain import views
from workshop.domain.errors import InvalidInput, Unavailable, WorkshopError
from workshop.domain.payload import check_depth
from workshop.domain.workshop import CLIENT_COMMANDS
from workshop.service import Service

log = logging.getLogger(__name__)
SYNC_PAGE = 500  # events per `sync` answer at most; `more` says whether to ask again
VOTE_WINDOW = 0.1  # seconds over which a burst of votes becomes one turnout message


@dataclass
class Connection:
    workshop_id: str
    participant_id: str
    attendance_id: int
    link: str | None = None  # a remote person's personal link, which expires: checked each time


def rooms(workshop_id: str) -> tuple[str, str]:
    return f"session:{workshop_id}", f"session:{workshop_id}:facilitator"


def failure(error: WorkshopError) -> dict:
    if error.status >= 500:  # the server's trouble (a full disk), not the client's
        log.warning("socket command failed: %s", error.message)
    return {"ok": False, "error": error.as_dict()}


def register(socketio: SocketIO, service: Service) -> None:
    """Attach every handler to `socketio`, and broadcast what the service commits."""
    connections: dict[str, Connection] = {}

    pending_votes: dict[str, list[dict]] = {}
    last_votes_sent: dict[str, float] = {}

    def broadcast(workshop_id: str, events: list[dict]) -> None:
        for item in events:
            if item["type"] == "vote_cast" and hold_vote(workshop_id, item):
                continue
            send_votes(workshop_id)  # keep the order: held votes go before what follows
            send(
                workshop_id,
                item["type"],
                views.event_view(item, False),
                views.event_view(item, True),
            )
            if item["type"] == "facilitation_handed_over":
                swap_rooms(workshop_id, item["from_id"], item["to_id"])

    def send(workshop_id: str, name: str, public: dict, private: dict) -> None:
        everyone, facilitator = rooms(workshop_id)
        socketio.emit(name, public, to=everyone)
        socketio.emit(name, private, to=facilitator)

    def hold_vote(workshop_id: str, item: dict) -> bool:
        """Votes arriving in a burst go out together: one turnout message per window, not n²."""
        held = pending_votes.get(workshop_id)
        if held and held[-1]["ballot_id"] != item["ballot_id"]:
            send_votes(workshop_id)
            held = None
        quiet = time.monotonic() - last_votes_sent.get(workshop_id, 0.0) > VOTE_WINDOW
        if not held and quiet:
            pending_votes[workshop_id] = [item]
            send_votes(workshop_id)
            return True
        pending_votes.setdefault(workshop_id, []).append(item)
        if not held:
            socketio.start_background_task(send_votes_later, workshop_id)
        return True

    def send_votes_later(workshop_id: str) -> None:
        socketio.sleep(VOTE_WINDOW)
        send_votes(workshop_id)

    def send_votes(workshop_id: str) -> None:
        held = pending_votes.pop(workshop_id, None)
        if held:
            last_votes_sent[workshop_id] = time.monotonic()
            send(
                workshop_id,
                "vote_cast",
                views.votes_view(held, False),
                views.votes_view(held, True),
            )

    def swap_rooms(workshop_id: str, old: str, new: str) -> None:
        """Move this process's connections of both people to their new audience."""
        everyone, facilitator = rooms(workshop_id)
        for sid, conn in list(connections.items()):
            if conn.workshop_id == workshop_id and conn.participant_id in (old, new):
                leave, enter = (
                    (facilitator, everyone)
                    if conn.participant_id == old
                    else (everyone, facilitator)
                )
                socketio.server.leave_room(sid, leave, namespace="/")
                socketio.server.enter_room(sid, enter, namespace="/")

    service.subscribe(broadcast)

    def presence(conn: Connection) -> None:
        """Tell the facilitator who came and went; sent to all, a connect storm is O(n²)."""
        with service.store.reading():
            present = conn.participant_id in service.store.present(conn.workshop_id)
        change = {"participant_id": conn.participant_id, "present": present}
        socketio.emit("presence_changed", change, to=rooms(conn.workshop_id)[1])

    @socketio.on("connect")
    def connect(auth: object = None, *forged: object) -> dict | None:
        if request.sid in connections:  # a client event named "connect", not a connection
            return failure(InvalidInput("unknown command 'connect'", code="unknown_command"))
        token = auth.get("token") if isinstance(auth, Mapping) else None
        try:
            workshop_id, participant_id = service.authenticate(token)
            person = service.state(workshop_id).participants[participant_id]
            attendance_id = service.connected(workshop_id, participant_id)
        except WorkshopError as error:  # also `unavailable` when the database is in trouble
            raise ConnectionRefusedError(error.message, error.as_dict()) from None
        join_room(rooms(workshop_id)[1 if person.role == "facilitator" else 0])
        conn = Connection(
            workshop_id, participant_id, attendance_id, token if person.remote else None
        )
        connections[request.sid] = conn
        emit("state", service.snapshot(workshop_id, participant_id))
        presence(conn)

    @socketio.on("disconnect")
    def disconnect(reason: object = None, *forged: object) -> dict | None:
        if socketio.server.manager.is_connected(request.sid, "/"):
            # Still connected: a client event named "disconnect", not a disconnection.
            return failure(InvalidInput("unknown command 'disconnect'", code="unknown_command"))
        conn = connections.pop(request.sid, None)
        if conn is None:
            return None
        try:
            service.disconnected(conn.attendance_id)
            presence(conn)
        except Unavailable as error:  # the next start closes what stays open
            log.warning("a disconnection was not recorded: %s", error.message)
        return None

    def command_handler(name: str):
        def handle(data: object = None, *extra: object) -> dict:
            if extra:
                return failure(InvalidInput(f"{name} takes one object, got {1 + len(extra)}"))
            conn = connections.get(request.sid)
            if conn is None:
                return failure(WorkshopError("not connected to a session", code="unauthorized"))
            if not isinstance(data, Mapping):
                return failure(InvalidInput(f"{name} needs an object with a cid"))
            body = {k: v for k, v in data.items() if k != "cid"}
            try:
                check_depth(body, f"the {name} command")
                if conn.link is not None:
                    service.authenticate(conn.link)  # raises once the link has expired
                return service.execute(
                    conn.workshop_id, conn.participant_id, name, body, data.get("cid")
                )
            except WorkshopError as error:
                return failure(error)

        handle.__name__ = name
        return handle

    for name in CLIENT_COMMANDS:
        socketio.on_event(name, command_handler(name))

    @socketio.on("sync")
    def sync(data: object = None, *_extra: object) -> dict:
        """Catch up: the events after `since`, as this person may see them."""
        conn = connections.get(request.sid)
        if conn is None:
            return failure(WorkshopError("not connected to a session", code="unauthorized"))
        since = data.get("since", 0) if isinstance(data, Mapping) else None
        limit = data.get("limit", SYNC_PAGE) if isinstance(data, Mapping) else None
        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            return failure(InvalidInput(f"since must be a seq number (0 or more), got {since!r}"))
        if isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit <= SYNC_PAGE:
            return failure(InvalidInput(f"limit must be 1 to {SYNC_PAGE}, got {limit!r}"))
        events, more = service.events_since(conn.workshop_id, conn.participant_id, since, limit)
        last = events[-1]["seq"] if events else since
        return {"ok": True, "seq": last, "events": events, "more": more}

    @socketio.on("get_state")
    def get_state(data: object = None, *_extra: object) -> dict:
        """The whole session again, as on connect."""
        conn = connections.get(request.sid)
        if conn is None:
            return failure(WorkshopError("not connected to a session", code="unauthorized"))
        snapshot = service.snapshot(conn.workshop_id, conn.participant_id)
        return {"ok": True, "seq": snapshot["seq"], "state": snapshot}

    @socketio.on("*")
    def unknown(event: str, data: object = None, *_extra: object) -> dict:
        return failure(InvalidInput(f"unknown command {event!r}", code="unknown_command"))

    @socketio.on_error_default
    def internal(error: Exception) -> dict:
        log.exception("socket handler failed: %s", error)
        return {"ok": False, "error": {"code": "internal", "message": "internal error"}}
