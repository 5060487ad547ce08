"""The floor: a bare python-socketio room server on gevent, votes in memory, nothing more.

`python -m bench.floor PORT [DATABASE]`. A client joins the room named in its auth; `vote`
numbers the change, tells the room and answers with its seq; `answer` does the same but tells
no one, so that a storm of N of them at once is what the framework can take in; `reveal`
sends every vote to the room. It is what the framework costs, measured in the same run as
Workshop.

Given a DATABASE file, it is the durable floor: each change is committed to SQLite (WAL,
`synchronous=FULL`, as Workshop's) in gevent's thread pool, one commit per change, before
anyone hears of it, on a write-ahead log laid out ahead as Workshop's is. That is the least a
change on disk before it is told costs on the machine: the framework, one thread hop and one
commit with its fsync, nothing else.
"""

from gevent import monkey

monkey.patch_all()

import contextlib  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import sqlite3  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import gevent.lock  # noqa: E402
import socketio  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

from workshop.store.sqlite import lay_out_log  # noqa: E402

sio = socketio.Server(async_mode="gevent")
rooms: dict[str, dict] = {}  # room -> {"seq": last seq, "votes": {sid: vote}}
room_of: dict[str, str] = {}


class Disk:
    """Each change committed on its own, off the event loop, before it is told."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("create table changes (room text, seq int, data text)")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        lay_out_log(self.db, Path(path))

    def keep(self, room: str, seq: int, data: object) -> None:
        row = (room, seq, json.dumps(data))
        gevent.get_hub().threadpool.apply(
            self.db.execute, ("insert into changes values (?, ?, ?)", row)
        )


def change(room_name: str, vote: tuple[str, dict] | None = None) -> dict:
    """Number the change (a vote, or the reveal) and keep it: on disk for the durable floor,
    one change at a time, so that what is told of the room is never ahead of the disk."""
    with one_writer:
        room = rooms[room_name]
        if vote is not None:
            room["votes"][vote[0]] = vote[1]
        room["seq"] += 1
        shown = {"seq": room["seq"], "turnout": len(room["votes"])}
        if disk is not None:
            disk.keep(room_name, room["seq"], vote or list(room["votes"].items()))
        return shown


@sio.event
def connect(sid: str, environ: dict, auth: dict) -> None:
    room_of[sid] = auth["room"]
    sio.enter_room(sid, auth["room"])
    sio.emit("state", {"seq": rooms.setdefault(auth["room"], {"seq": 0, "votes": {}})["seq"]}, sid)


@sio.event
def answer(sid: str, data: dict) -> dict:
    return {"ok": True, "seq": change(room_of[sid], (sid, data["vote"]))["seq"]}


@sio.event
def vote(sid: str, data: dict) -> dict:
    shown = change(room_of[sid], (sid, data["vote"]))
    sio.emit("voted", shown, to=room_of[sid])
    return {"ok": True, "seq": shown["seq"]}


@sio.event
def reveal(sid: str, data: dict) -> dict:
    seq = change(room_of[sid])["seq"]
    votes = [{"voter": k, **v} for k, v in rooms[room_of[sid]]["votes"].items()]
    sio.emit("revealed", {"seq": seq, "votes": votes}, to=room_of[sid])
    return {"ok": True, "seq": seq}


class Server(WSGIServer):
    def handle(self, sock: socket.socket, address: tuple) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as Workshop does
        super().handle(sock, address)


disk = Disk(sys.argv[2]) if __name__ == "__main__" and len(sys.argv) > 2 else None
# Kept in memory, a change needs no turn; kept on disk, one is written at a time.
one_writer = gevent.lock.Semaphore() if disk is not None else contextlib.nullcontext()

if __name__ == "__main__":
    address = ("127.0.0.1", int(sys.argv[1]))
    Server(address, socketio.WSGIApp(sio), backlog=1024, log=None).serve_forever()
