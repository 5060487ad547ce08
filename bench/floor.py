"""The floor: a bare python-socketio room server on gevent, votes in memory, nothing more.

`python -m bench.floor PORT`. A client joins the room named in its auth; `vote` numbers the
change, tells the room and answers with its seq; `answer` does the same but tells no one, so
that a storm of N of them at once is what the framework can take in; `reveal` sends every
vote to the room. It is what the framework costs, measured in the same run as Workshop.
"""

from gevent import monkey

monkey.patch_all()

import socket  # noqa: E402
import sys  # noqa: E402

import socketio  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

sio = socketio.Server(async_mode="gevent")
rooms: dict[str, dict] = {}  # room -> {"seq": last seq, "votes": {sid: vote}}
room_of: dict[str, str] = {}


@sio.event
def connect(sid: str, environ: dict, auth: dict) -> None:
    room_of[sid] = auth["room"]
    sio.enter_room(sid, auth["room"])
    sio.emit("state", {"seq": rooms.setdefault(auth["room"], {"seq": 0, "votes": {}})["seq"]}, sid)


@sio.event
def answer(sid: str, data: dict) -> dict:
    room = rooms[room_of[sid]]
    room["votes"][sid], room["seq"] = data["vote"], room["seq"] + 1
    return {"ok": True, "seq": room["seq"]}


@sio.event
def vote(sid: str, data: dict) -> dict:
    answered = answer(sid, data)
    room = rooms[room_of[sid]]
    sio.emit("voted", {"seq": room["seq"], "turnout": len(room["votes"])}, to=room_of[sid])
    return answered


@sio.event
def reveal(sid: str, data: dict) -> dict:
    room = rooms[room_of[sid]]
    room["seq"] += 1
    shown = {"seq": room["seq"], "votes": [{"voter": k, **v} for k, v in room["votes"].items()]}
    sio.emit("revealed", shown, to=room_of[sid])
    return {"ok": True, "seq": room["seq"]}


class Server(WSGIServer):
    def handle(self, sock: socket.socket, address: tuple) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as Workshop does
        super().handle(sock, address)


if __name__ == "__main__":
    address = ("127.0.0.1", int(sys.argv[1]))
    Server(address, socketio.WSGIApp(sio), backlog=1024, log=None).serve_forever()
