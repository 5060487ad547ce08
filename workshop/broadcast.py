"""Telling the rooms what the service committed: audiences, order, coalescing, presence.

Each session has two audiences: the room `session:<id>` gets what everybody may see (room
screens too), `session:<id>:facilitator` the facilitator's view. Every broadcast is one emit
per audience, which python-socketio encodes once and hands to each socket as it is. Each
person's connections are also in a room of their own, `session:<id>:person:<pid>`, which
alone is told their own vote: their other tabs and devices show it too.

A session's events go out in seq order through one outbox. When the room is quiet they go
out at once; while a broadcast to the room is still under way, what arrives waits in the
outbox and goes out right after it, consecutive votes of one ballot merged into one turnout
message. So votes are merged only while they come faster than the room can be told or
written: while the writer still holds more of the session's work, the room waits for it to
be written (a quarter of a second at most) and is told it all at once; after a message
covering several commits, the room rests before the next. A vote storm in a big room is one
or two full messages to each phone, not one per batch the disk wrote, and the server's time
goes to writing and acknowledging the votes first.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

import engineio.json
import orjson
from flask_socketio import SocketIO
from socketio import PubSubManager, packet
from socketio.packet import Packet

from workshop.domain import views
from workshop.message_queue import WatchedRedisManager

log = logging.getLogger(__name__)
LINK_REPLACED = (
    "a new link to your place was made for you, for another device: this one no longer"
    " works. Open the new link, or ask the facilitator for it"
)

# Under load, how many times as long as telling a room took to wait before telling it again.
REST = 3.0
# Under load, the longest a room waits, resting and then for the votes still being written.
LONGEST_REST = 0.25


class PacketJson:
    """The JSON of Socket.IO packets. orjson writes what the server sends about ten times as
    fast as the standard library (a `state` of 300 people: 0.12 ms against 1.4 ms), and
    every connection is sent one as it connects. What clients send is read by Engine.IO's
    own `loads`, which refuses numbers of over 100 digits."""

    @staticmethod
    def dumps(data: Any, **_compact: Any) -> str:
        try:
            return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode()
        except TypeError:  # what orjson refuses (an int past 64 bits, a lone surrogate)
            return json.dumps(data, separators=(",", ":"))

    loads = staticmethod(engineio.json.loads)


class MalformedMessage(ValueError):
    """A message that is no Socket.IO packet Workshop takes; `id` and `namespace` say where to
    answer it, if it asked for an answer."""

    def __init__(self, why: str, read: Packet) -> None:
        super().__init__(why)
        self.id, self.namespace = read.id, read.namespace


# What a client may send: a connect, a disconnect, an event (a command) and an ack.
_FROM_CLIENTS = (packet.CONNECT, packet.DISCONNECT, packet.EVENT, packet.ACK)


class JsonPacket(Packet):
    """Workshop sends JSON only: python-socketio need not walk every payload (a `state` of
    hundreds of people, a reveal of every vote) looking for bytes to send as attachments.
    What it cannot take (not a packet, not JSON, nested past recursion, binary, an event with
    no name) is refused as it is read, as `MalformedMessage`, before anything acts on it."""

    uses_binary_events = False
    json = PacketJson

    def decode(self, encoded_packet: str | bytes) -> int:
        try:
            attachments = super().decode(encoded_packet)
        except (ValueError, TypeError, RecursionError) as error:  # JSON's errors are ValueErrors
            raise MalformedMessage(
                f"not a Socket.IO packet ({type(error).__name__})", self
            ) from None
        if attachments or self.packet_type not in _FROM_CLIENTS:
            raise MalformedMessage(f"a packet of type {self.packet_type!r} is not taken", self)
        named = isinstance(self.data, list) and self.data and isinstance(self.data[0], str)
        if self.packet_type == packet.EVENT and not named:
            raise MalformedMessage("an event needs a name", self)
        return attachments


def rooms(workshop_id: str) -> tuple[str, str]:
    """The session's two audiences: everybody, and the facilitator."""
    return f"session:{workshop_id}", f"session:{workshop_id}:facilitator"


def session_of(audience: str) -> str:
    """The session of one of its audiences (see `rooms`)."""
    return audience.split(":")[1]


def own_room(workshop_id: str, participant_id: str) -> str:
    """The connections of one person, whatever their role."""
    return f"session:{workshop_id}:person:{participant_id}"


@dataclass
class Member:
    workshop_id: str
    participant_id: str


class Written(Protocol):
    """What the broadcaster asks of the writer (see `Writer`)."""

    def writing(self, session: str) -> bool: ...

    def settled(self, timeout: float) -> bool: ...


class Broadcaster:
    """The rooms of this process's sockets, and what is sent to them."""

    def __init__(self, socketio: SocketIO, writer: Written) -> None:
        self.socketio, self.writer = socketio, writer
        self._members: dict[str, Member] = {}  # socket id -> whose socket, in which session
        # session -> commits not yet told: each one's events and the connection that sent it
        self._outbox: dict[str, list[tuple[list[dict], str | None]]] = {}
        self._busy: set[str] = set()  # sessions whose room is being told right now
        self._lock = threading.Lock()
        manager = socketio.server.manager
        if isinstance(manager, WatchedRedisManager):
            manager.heard.append(self._heard)

    # -- rooms ---------------------------------------------------------------
    def enter(self, sid: str, workshop_id: str, participant_id: str, facilitator: bool) -> None:
        """Put a newly connected socket in its audience, and a person's in their own room."""
        self._members[sid] = Member(workshop_id, participant_id)
        self.socketio.server.enter_room(sid, rooms(workshop_id)[facilitator], namespace="/")
        if participant_id != views.SCREEN:
            self.socketio.server.enter_room(
                sid, own_room(workshop_id, participant_id), namespace="/"
            )

    def leave(self, sid: str) -> None:
        self._members.pop(sid, None)

    def _hand_over(self, workshop_id: str, old: str, new: str) -> None:
        """Move this process's sockets of both people to their new audience."""
        everyone, facilitator = rooms(workshop_id)
        for sid, member in list(self._members.items()):
            if member.workshop_id == workshop_id and member.participant_id in (old, new):
                leave, enter = (
                    (facilitator, everyone)
                    if member.participant_id == old
                    else (everyone, facilitator)
                )
                self.socketio.server.leave_room(sid, leave, namespace="/")
                self.socketio.server.enter_room(sid, enter, namespace="/")

    def _let_go(self, workshop_id: str, participant_id: str) -> None:
        """Disconnect this process's connections of a person given a link to their place on
        another device: the lost one, still online, would go on acting as them (its token no
        longer opens a connection, so it cannot come back)."""
        room = own_room(workshop_id, participant_id)
        for sid, _eio in list(self.socketio.server.manager.get_participants("/", room)):
            # Said first, so that the page says why it stops rather than wait to reconnect.
            self.socketio.server.emit("link_replaced", {"message": LINK_REPLACED}, to=sid)
            self.socketio.server.disconnect(sid, namespace="/")

    def _heard(self, name: str, data: Any, audience: str | None) -> None:
        """What another process told this one's sockets: a link it gave someone in the room
        lets go of their connections here too (their lost phone may be connected to this
        process, and went on acting as them until it reconnected)."""
        if name == "link_reissued" and audience and isinstance(data, dict) and data.get("room"):
            self._let_go(session_of(audience), data["participant_id"])

    # -- events --------------------------------------------------------------
    def publish(self, workshop_id: str, events: list[dict], origin: str | None = None) -> None:
        """Send committed events (the service's listener; `origin` is the connection whose
        command they came from, if any); at once if the room is quiet."""
        with self._lock:
            self._outbox.setdefault(workshop_id, []).append((events, origin))
            if workshop_id in self._busy:
                return  # the broadcast under way sends them when it is done
            self._busy.add(workshop_id)
        self.socketio.start_background_task(self._tell, workshop_id)

    def _tell(self, workshop_id: str) -> None:
        """Send what waits and let the sockets take their turn; again while more came
        meanwhile. While the writer still holds work of the session (a storm's first batch
        written, the rest still coming), wait for it (LONGEST_REST at most) and tell it all
        at once: telling a big room takes the event loop the storm's acks need. When more
        than one commit went out, they came faster than the room is told: rest REST times as
        long as the telling took, so that a room kept busy spends at most 1 / (1 + REST) of
        the server's time being told, in fewer, fuller messages; then wait for the writer
        again (LONGEST_REST in all at most)."""
        while True:
            if self.writer.writing(workshop_id):
                self.writer.settled(LONGEST_REST)
            started = time.monotonic()
            sent = self._send_waiting(workshop_id)
            if sent > 1:
                rest = min(REST * (time.monotonic() - started), LONGEST_REST)
                self.socketio.sleep(rest)
                self.writer.settled(LONGEST_REST - rest)
            with self._lock:
                if not self._outbox.get(workshop_id):
                    self._outbox.pop(workshop_id, None)
                    self._busy.discard(workshop_id)
                    return

    def _send_waiting(self, workshop_id: str) -> int:
        """Send the events that wait, merged; how many commits they came from. After each
        message the sockets' writers take their turn: a quarter of a second of commits is a
        burst of hundreds of messages, and queued all at once (as under eventlet, where every
        message waits for its writer) they would pass OUTBOUND_QUEUE_LIMIT for every
        connection, reading or not, and the whole room would be dropped."""
        with self._lock:
            commits = self._outbox.pop(workshop_id, [])
        events = [item for committed, _origin in commits for item in committed]
        everyone, facilitator = rooms(workshop_id)
        for name, public, private in views.messages(events):
            try:
                self.socketio.emit(name, public, to=everyone)
                self.socketio.emit(name, private, to=facilitator)
                if name == "facilitation_handed_over":
                    self._hand_over(workshop_id, private["from_id"], private["to_id"])
                if name == "link_reissued" and private.get("room"):
                    self._let_go(workshop_id, private["participant_id"])
            except Exception:  # one failed broadcast must not stop the ones after it
                log.exception("broadcasting %s of %s failed", name, workshop_id)
            self.socketio.sleep(0)
        for committed, origin in commits:
            self._tell_own_votes(workshop_id, committed, origin)
        return len(commits)

    def _tell_own_votes(self, workshop_id: str, events: list[dict], origin: str | None) -> None:
        """Tell each voter's connections the vote they cast (the room hears only the turnout),
        so that their other tab or device does not show an older vote, or none. The
        connection it was cast on (`origin`) has it in its ack: told again, a storm of a
        thousand votes was a thousand messages more, sent while the acks waited."""
        for item in events:
            if item["type"] != "vote_cast":
                continue
            room = own_room(workshop_id, item["voter"])
            if not self._held_elsewhere(room, origin):
                continue
            own = {"ballot_id": item["ballot_id"], "vote": item["vote"], "at": item["at"]}
            try:
                self.socketio.emit(
                    "own_vote_recorded",
                    own,
                    to=room,
                    skip_sid=origin,
                )
            except Exception:  # as above: the next votes are still told
                log.exception("telling %s of %s their vote failed", item["voter"], workshop_id)

    def _held_elsewhere(self, room: str, origin: str | None) -> bool:
        """Whether `room` may hold a connection besides `origin`: with several processes
        joined by a message queue, another process may hold one."""
        manager = self.socketio.server.manager
        if isinstance(manager, PubSubManager):
            return True
        return any(sid != origin for sid, _eio in manager.get_participants("/", room))

    # -- presence ------------------------------------------------------------
    def presence(
        self, workshop_id: str, participant_id: str, present: bool, on_floor: bool = False
    ) -> None:
        """Tell the facilitator who came and went; sent to all, a connect storm is O(n²).
        Someone the floor waits for (`on_floor`) is told to all: who is next depends on it."""
        change = {"participant_id": participant_id, "present": present, "floor": on_floor}
        everybody, facilitator = rooms(workshop_id)
        for room in (everybody, facilitator) if on_floor else (facilitator,):
            self.socketio.emit("presence_changed", change, to=room)
