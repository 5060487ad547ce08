"""Writing a frame on the sender's turn: what the socket takes now goes, the rest is kept whole;
a broadcast's frame made once for every connection that frames alike.

On real socket pairs and wsproto connections. The live side (a message queued behind the
rest of a frame, a client that stops reading) is in test_faults; a room of compressing and
plain connections in test_broadcast."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from engineio import packet
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage
from wsproto.extensions import PerMessageDeflate

from workshop.outbound import SharedFrames, StandaloneDeflate, WholeSends, framing


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connection whose sending side never blocks (as gevent's are), and its peer."""
    ours, theirs = socket.socketpair()
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    ours.setblocking(False)
    yield ours, theirs
    ours.close()
    theirs.close()


def received(peer: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        data += peer.recv(size - len(data))
    return data


def test_a_frame_the_socket_takes_whole_leaves_nothing_unsent(pair) -> None:
    ours, theirs = pair
    sends = WholeSends(ours)
    with sends.at_once() as unsent:
        sends.send(b'42["vote_recorded"]')
    assert unsent == []
    assert received(theirs, 19) == b'42["vote_recorded"]'


def test_what_a_full_socket_does_not_take_is_kept_and_follows_what_it_took(pair) -> None:
    ours, theirs = pair
    frame = bytes(range(256)) * 4096  # 1 MiB: far more than the socket's buffers hold
    sends = WholeSends(ours)
    with sends.at_once() as unsent:
        sends.send(frame)
    (rest,) = unsent
    assert 0 < len(rest) < len(frame)
    taken = received(theirs, len(frame) - len(rest))
    assert taken + rest == frame  # nothing lost, nothing sent twice, in order


def test_a_socket_with_no_room_keeps_the_whole_frame(pair) -> None:
    ours, _theirs = pair
    sends = WholeSends(ours)
    with sends.at_once() as unsent:
        sends.send(b"x" * (1 << 20))
    with sends.at_once() as unsent:
        sends.send(b"next frame")
    assert unsent == [b"next frame"]


def test_outside_at_once_a_send_waits_until_all_is_sent(pair) -> None:
    ours, theirs = pair
    ours.setblocking(True)  # as the connection's own writer, which may wait
    sends = WholeSends(ours)
    sends.send(b"whole")
    assert received(theirs, 5) == b"whole"


def test_a_blocking_socket_is_never_written_at_once() -> None:
    """Under threading, writing on another thread's turn could stop it for as long as a
    client takes to read: that connection's messages always go through its writer."""
    ours, theirs = socket.socketpair()
    try:
        assert WholeSends(ours).never_waits is False
        ours.setblocking(False)
        assert WholeSends(ours).never_waits is True
    finally:
        ours.close()
        theirs.close()


class Websocket:
    """The server's end of a websocket as `framing` sees it (simple-websocket's `ws`), and the
    client's, after a handshake in which the client asked for `asked` and the server accepted
    `accepted`."""

    def __init__(self, asked: list, accepted: list) -> None:
        self.client = WSConnection(ConnectionType.CLIENT)
        self.ws = WSConnection(ConnectionType.SERVER)
        self.ws.receive_data(self.client.send(Request("localhost", "/", asked)))
        next(self.ws.events())
        self.client.receive_data(self.ws.send(AcceptConnection(extensions=accepted)))
        next(self.client.events())

    def read(self, frame: bytes) -> str:
        """What the client reads of `frame`."""
        self.client.receive_data(frame)
        (message,) = self.client.events()
        assert isinstance(message, TextMessage) and message.message_finished
        return message.data


MESSAGE = '2["vote_cast",{"seq":12,"turnout":7}]' + " " * 300  # long enough to compress


@pytest.mark.parametrize(
    "asked, accepted, shared",
    [
        ([], [StandaloneDeflate()], ()),  # the client asked for no compression
        ([PerMessageDeflate()], [StandaloneDeflate()], (15,)),  # as browsers ask
        ([PerMessageDeflate(server_max_window_bits=10)], [StandaloneDeflate()], (10,)),
        ([PerMessageDeflate()], [PerMessageDeflate()], None),  # compressing with context
    ],
)
def test_connections_that_frame_alike_read_one_frame_of_a_broadcast(
    asked, accepted, shared
) -> None:
    websocket = Websocket(asked, accepted)
    assert framing(websocket) == shared
    if shared is None:  # its frames build on the ones before: it frames its own
        return
    frames, pkt = SharedFrames(), packet.Packet(packet.MESSAGE, MESSAGE)
    frame = frames.frame(pkt, shared)
    assert frames.frame(pkt, shared) is frame  # made once, for every socket of the room
    for _ in range(2):  # the same frame again: each message stands alone
        assert websocket.read(frame) == "4" + MESSAGE
    assert websocket.read(websocket.ws.send(TextMessage("4later"))) == "4later"
