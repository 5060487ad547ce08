"""The broadcaster: each seq once and in order, a quiet vote in its own form, bursts merged."""

from __future__ import annotations

import json
import queue
import random
import socket
import string
import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Message, Request, TextMessage
from wsproto.extensions import PerMessageDeflate

from tests.live import LiveServer, Person, host, poll, seat
from workshop.broadcast import LONGEST_REST, Broadcaster
from workshop.domain.views import messages


def vote(seq: int, voter: str, ballot: str = "b1", replaced: bool = False) -> dict:
    return {
        "seq": seq,
        "type": "vote_cast",
        "at": 1.0,
        "ballot_id": ballot,
        "voter": voter,
        "vote": {"choice": "agree"},
        "turnout": seq,
        "electorate_size": 9,
        "replaced": replaced,
    }


def other(seq: int) -> dict:
    return {"seq": seq, "type": "phase_changed", "at": 1.0, "phase": "decide"}


def covered(message: tuple[str, dict, dict]) -> list[int]:
    _name, public, _private = message
    return list(range(public.get("first_seq", public["seq"]), public["seq"] + 1))


@pytest.mark.parametrize(
    ("events", "shapes"),
    [
        ([vote(1, "p1")], [("vote_cast", 1)]),
        ([vote(1, "p1"), vote(2, "p2"), vote(3, "p3")], [("vote_cast", 3)]),
        (
            [vote(1, "p1"), other(2), vote(3, "p2")],
            [("vote_cast", 1), ("phase_changed", 1), ("vote_cast", 1)],
        ),
        ([vote(1, "p1"), vote(2, "p2", ballot="b2")], [("vote_cast", 1), ("vote_cast", 1)]),
        (
            [other(1), vote(2, "p1"), vote(3, "p1", replaced=True)],
            [("phase_changed", 1), ("vote_cast", 2)],
        ),
    ],
)
def test_only_consecutive_votes_of_one_ballot_merge(events: list[dict], shapes: list) -> None:
    sent = messages(events)
    assert [(m[0], len(covered(m))) for m in sent] == shapes


def test_a_lone_vote_keeps_its_own_form() -> None:
    ((name, public, private),) = messages([vote(7, "p1", replaced=True)])
    assert name == "vote_cast"
    assert public == {
        "seq": 7,
        "type": "vote_cast",
        "at": 1.0,
        "ballot_id": "b1",
        "turnout": 7,
        "electorate_size": 9,
    }
    assert private == {**public, "voter": "p1", "replaced": True}


@given(
    st.lists(
        st.tuples(st.booleans(), st.sampled_from(["b1", "b2"]), st.sampled_from(["p1", "p2", "p3"]))
    )
)
def test_every_seq_goes_out_once_in_order_and_no_vote_leaks(picks: list) -> None:
    events = [
        vote(seq, voter, ballot) if is_vote else other(seq)
        for seq, (is_vote, ballot, voter) in enumerate(picks, start=1)
    ]
    sent = messages(events)
    assert [seq for m in sent for seq in covered(m)] == [e["seq"] for e in events]
    for name, public, private in sent:
        assert "vote" not in public and "vote" not in private  # secret until the reveal
        if name == "vote_cast" and "first_seq" in public:
            run = [e for e in events if public["first_seq"] <= e["seq"] <= public["seq"]]
            assert private["voters"] == [e["voter"] for e in run]
            assert public["count"] == len(run) >= 2
            assert "voters" not in public and "voter" not in public


class Manager:
    """python-socketio's, with nobody in any room."""

    @staticmethod
    def get_participants(_namespace: str, _room: str) -> list[tuple[str, str]]:
        return []


class Rooms:
    """What the broadcaster drives of Flask-SocketIO: its tasks run in threads, and what it
    tells the room is noted as the seqs each message covers. The first message is held
    until `first_told` is set, as a big room takes a while to be told."""

    def __init__(self) -> None:
        self.told: queue.Queue[list[int]] = queue.Queue()
        self.first_told = threading.Event()
        self.server = SimpleNamespace(manager=Manager())  # a voter's own room: nobody else

    def start_background_task(self, task: Callable[..., None], *args: Any) -> None:
        threading.Thread(target=task, args=args, daemon=True).start()

    def sleep(self, seconds: float) -> None:
        threading.Event().wait(seconds)  # the broadcaster's own rest, as gevent would sleep

    def emit(self, name: str, data: dict, to: str, skip_sid: str | None = None) -> None:
        if to != "session:w":  # the facilitator's copy, a voter's own vote
            return
        self.told.put(covered((name, data, data)))
        self.first_told.wait()

    def next_told(self) -> list[int]:
        return self.told.get(timeout=10)


class Writer:
    """The writer as the broadcaster sees it: it holds the sessions the test names, and it
    has written all it holds when the test says; each wait for it is noted."""

    def __init__(self, *holding: str) -> None:
        self.holding = set(holding)
        self.written, self.waiting = threading.Event(), threading.Event()
        self.waits: list[float] = []

    def writing(self, session: str) -> bool:
        return session in self.holding

    def settled(self, timeout: float) -> bool:
        self.waits.append(timeout)
        self.waiting.set()
        done = self.written.wait(10)  # the test's writer writes as long as the test says
        self.holding.clear()
        return done


def test_a_busy_room_is_told_the_votes_still_being_written_together_once_written() -> None:
    """In a storm, the room waits for the writer (a quarter of a second at most), so the
    server's time goes to writing and acknowledging the votes, and each phone is told them
    in a few full messages."""
    rooms, writer = Rooms(), Writer()
    broadcaster = Broadcaster(rooms, writer)  # type: ignore[arg-type]
    broadcaster.publish("w", [vote(1, "p1")])
    assert rooms.next_told() == [1]  # a quiet room is told at once
    broadcaster.publish("w", [vote(2, "p2")])
    broadcaster.publish("w", [vote(3, "p3")])  # two commits while the room is told
    rooms.first_told.set()
    assert rooms.next_told() == [2, 3]
    assert writer.waiting.wait(10)
    broadcaster.publish("w", [vote(4, "p4")])
    broadcaster.publish("w", [vote(5, "p5")])
    assert rooms.told.empty()  # nothing while votes are still being written
    writer.written.set()
    assert rooms.next_told() == [4, 5]
    assert writer.waits and all(0 <= timeout <= LONGEST_REST for timeout in writer.waits)


def test_a_room_whose_votes_are_still_being_written_is_told_them_all_at_once() -> None:
    """A storm's first batch on disk while the writer holds the rest: the room is not told
    that batch alone (a message to every phone, on the loop the acks need) but all of it,
    once written."""
    rooms, writer = Rooms(), Writer("w")
    rooms.first_told.set()
    broadcaster = Broadcaster(rooms, writer)  # type: ignore[arg-type]
    broadcaster.publish("w", [vote(1, "p1")])
    assert writer.waiting.wait(10)
    assert rooms.told.empty()
    broadcaster.publish("w", [vote(2, "p2")])
    broadcaster.publish("w", [vote(3, "p3")])
    writer.written.set()
    assert rooms.next_told() == [1, 2, 3]
    assert writer.waits[0] == LONGEST_REST


def test_a_quiet_room_is_told_at_once_while_other_sessions_are_written() -> None:
    """Only a room's own votes still being written hold it back: another session's storm
    does not."""
    rooms, writer = Rooms(), Writer("other")
    rooms.first_told.set()
    broadcaster = Broadcaster(rooms, writer)  # type: ignore[arg-type]
    broadcaster.publish("w", [vote(1, "p1")])
    assert rooms.next_told() == [1]
    assert writer.waits == []


def test_a_quiet_vote_is_sent_at_once_with_voter_and_replaced_for_the_facilitator(
    any_server: LiveServer, people
) -> None:
    session, fac = host(any_server, people)
    pia, tom = seat(any_server, session, people, ("Pia", "product"), ("Tom", "team"))
    fac.ok("next_phase")
    proposal = pia.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[proposal])["ballot_id"]
    for replaced in (False, True):
        seq = pia.ok("cast_vote", ballot_id=ballot, vote={"choice": "agree"})["seq"]
        told = fac.wait_event("vote_cast", lambda e, seq=seq: e["seq"] == seq)
        assert told["voter"] == pia.id and told["replaced"] is replaced
        assert "first_seq" not in told and "voters" not in told
        heard = tom.wait_event("vote_cast", lambda e, seq=seq: e["seq"] == seq)
        assert heard == {
            k: told[k] for k in ("seq", "type", "at", "ballot_id", "turnout", "electorate_size")
        }


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
def test_a_vote_is_told_to_the_voters_other_connections_and_nobody_else(
    server: LiveServer, people, anonymous: bool
) -> None:
    """Pia votes on her phone: her laptop learns her vote; Tom and the facilitator do not,
    nor her phone again: its ack carries the vote as kept."""
    session, fac = host(server, people)
    pia, tom = seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    laptop = Person(server, pia.token, "Pia's laptop")
    tablet = Person(server, tom.token, "Tom's tablet")
    people += [laptop, tablet]
    fac.ok("next_phase")
    proposal = pia.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[proposal], anonymous=anonymous)["ballot_id"]
    assert tom.ok("cast_vote", ballot_id=ballot, vote={"choice": "abstain"})["vote"] == {
        "choice": "abstain"
    }
    tablet.wait_event("own_vote_recorded")
    for choice in ("agree", "disagree"):
        vote = {"choice": choice, "reason": f"because {choice}"}
        assert pia.ok("cast_vote", ballot_id=ballot, vote=vote)["vote"] == vote
        told = laptop.wait_event("own_vote_recorded", lambda e, c=choice: e["vote"]["choice"] == c)
        assert told["ballot_id"] == ballot and told["vote"]["reason"] == f"because {choice}"
    last = pia.last_seq()
    for person in (fac, tom, pia):  # each has had all that was sent it before the last vote
        person.wait_for(lambda person=person: person.last_seq() >= last)
    assert [e["vote"]["choice"] for e in tablet.events("own_vote_recorded")] == ["abstain"]
    assert not tom.events("own_vote_recorded") and not pia.events("own_vote_recorded")
    assert not fac.events("own_vote_recorded")
    assert "because" not in json.dumps(tom.received + tablet.received + fac.received)
    assert [e["vote"]["choice"] for e in laptop.events("own_vote_recorded")] == [
        "agree",
        "disagree",
    ]


def test_a_burst_of_votes_reaches_everyone_gap_free_in_order(server: LiveServer, people) -> None:
    session, fac = host(server, people)
    voters = seat(server, session, people, *[(f"V{i}", "team") for i in range(12)])
    fac.ok("next_phase")
    proposal = voters[0].ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    opened = fac.ok("open_ballot", proposal_ids=[proposal])
    ballot, start = opened["ballot_id"], opened["seq"]  # the ack may precede its broadcast
    casting = [
        threading.Thread(
            target=v.ok,
            args=("cast_vote",),
            kwargs={"ballot_id": ballot, "vote": {"choice": "agree"}},
        )
        for v in voters
    ]
    for thread in casting:
        thread.start()
    for thread in casting:
        thread.join()
    last = start + len(voters)
    for person in [fac, *voters]:
        person.wait_for(lambda person=person: person.last_seq() >= last)
        seen = [s for s in person.seqs() if s > start]
        assert seen == list(range(start + 1, last + 1)), f"{person.name}: a gap or a repeat"
        assert person.events("vote_cast")[-1]["turnout"] == len(voters)
    told = [e for e in fac.events("vote_cast") if e["seq"] > start]
    who = [v for e in told for v in (e["voters"] if "voters" in e else [e["voter"]])]
    assert sorted(who) == sorted(v.id for v in voters)  # each vote told once, with its voter


def test_a_voter_hears_their_ack_before_the_room_hears_the_vote(server: LiveServer, people) -> None:
    """The acks of a batch go out before its fan-out: a voter does not wait for the room."""
    session, fac = host(server, people)
    (voter,) = seat(server, session, people, ("V", "team"))
    fac.ok("next_phase")
    proposal = voter.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[proposal])["ballot_id"]
    heard: list[str] = []  # in the order the voter's client read them off its socket
    voter.client.on("vote_cast", lambda _data: heard.append("vote_cast"))
    vote = {"cid": "ordered", "ballot_id": ballot, "vote": {"choice": "agree"}}
    voter.client.emit("cast_vote", vote, callback=lambda _ack: heard.append("ack"))
    poll(lambda: len(heard) == 2)
    assert heard == ["ack", "vote_cast"]


def test_one_connections_messages_are_answered_in_the_order_sent(
    server: LiveServer, people
) -> None:
    """The writer answers a command once it is on disk, not the task reading its connection,
    which goes on reading: what a connection sends next is still answered after it, and
    sees it. Sent back to back without waiting: two votes, then a catch-up."""
    session, fac = host(server, people)
    (voter,) = seat(server, session, people, ("V", "team"))
    fac.ok("next_phase")
    proposal = voter.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    opened = fac.ok("open_ballot", proposal_ids=[proposal])
    answers: list[tuple[str, dict]] = []

    def answered(what: str) -> Callable[[dict], None]:
        return lambda answer: answers.append((what, answer))

    for choice in ("agree", "disagree"):
        vote = {"cid": choice, "ballot_id": opened["ballot_id"], "vote": {"choice": choice}}
        voter.client.emit("cast_vote", vote, callback=answered(choice))
    voter.client.emit("sync", {"since": opened["seq"]}, callback=answered("sync"))
    poll(lambda: len(answers) == 3)
    assert [what for what, _answer in answers] == ["agree", "disagree", "sync"]
    (_, first), (_, second), (_, caught_up) = answers
    assert first["seq"] < second["seq"] == caught_up["seq"]
    assert [e["seq"] for e in caught_up["events"]] == [first["seq"], second["seq"]]
    assert voter.fresh_state()["ballots"][0]["my_vote"]["choice"] == "disagree"


def test_what_the_fast_encoder_refuses_still_reaches_the_room(server: LiveServer, people) -> None:
    """Packets are written by orjson, which refuses integers past 64 bits; a metric target
    of 31 digits is valid, and goes out as the standard library writes it."""
    session, fac = host(server, people)
    (tom,) = seat(server, session, people, ("Tom", "team"))
    fac.ok("next_phase")
    metric = {"name": "Downloads", "target": 10**30}
    ack = tom.ok("propose_goal", level="vision", title="Everyone", metrics=[metric])
    heard = fac.wait_event("goal_proposed")
    assert heard["seq"] == ack["seq"] and heard["proposal"]["metrics"] == [metric]
    proposal = fac.fresh_state()["proposals"][0]
    assert proposal["metrics"] == [metric]


class Compressing:
    """A connection that asks for permessage-deflate, as browsers do, and speaks Engine.IO
    and Socket.IO itself over wsproto: what the server's frames are, read off the wire."""

    def __init__(self, server: LiveServer, token: str) -> None:
        address = urlsplit(server.url)
        self.sock = socket.create_connection((address.hostname, address.port), timeout=15)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.received: list[tuple[str, Any]] = []
        self.changed = threading.Condition()
        target = "/socket.io/?EIO=4&transport=websocket"
        self._send(Request(f"{address.hostname}:{address.port}", target, [PerMessageDeflate()]))
        accepted = self._next()
        assert isinstance(accepted, AcceptConnection), accepted
        (self.deflate,) = accepted.extensions  # what the server agreed to
        assert self._next().data.startswith("0")  # Engine.IO's open packet
        self._send(TextMessage("40" + json.dumps({"token": token})))  # Socket.IO's connect
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _send(self, event: Any) -> None:
        self.sock.sendall(self.ws.send(event))

    def _next(self) -> Any:
        """The next event, a message whole (it may come in several frames)."""
        text = ""
        while True:
            for event in self.ws.events():
                if not isinstance(event, Message):
                    return event
                text += event.data
                if event.message_finished:
                    return TextMessage(text)
            data = self.sock.recv(65536)
            self.ws.receive_data(data or None)

    def _read(self) -> None:
        while not isinstance(message := self._next(), CloseConnection):
            if message.data == "2":  # Engine.IO's ping
                self._send(TextMessage("3"))
            elif message.data.startswith("42"):
                event, *data = json.loads(message.data[2:])
                with self.changed:
                    self.received.append((event, data[0] if data else None))
                    self.changed.notify_all()

    def wait_for(self, predicate: Callable[[], bool]) -> None:
        with self.changed:
            assert self.changed.wait_for(predicate, 15), "not received within 15 s"

    def close(self) -> None:
        """Say goodbye and read until the server closes too."""
        self._send(CloseConnection(1000))
        self.reader.join(15)
        self.sock.close()


def test_compressing_and_plain_connections_in_a_room_read_the_same_broadcasts(
    server: LiveServer, people
) -> None:
    """Every message the server sends is compressed on its own, so one frame of a broadcast
    serves every connection that compresses alike: a browser's, which asks for deflate, reads
    the same messages as a plain one, small and large, in the same order."""
    session, fac = host(server, people)
    (ada,) = seat(server, session, people, ("Ada", "team"))
    bo = Compressing(server, server.join(session, "Bo", "team")["token"])
    try:
        assert bo.deflate.server_no_context_takeover
        bo.wait_for(lambda: any(event == "state" for event, _data in bo.received))
        start = ada.last_seq()
        fac.ok("next_phase")
        for n, size in enumerate((1, 40, 4000)):  # compressed, frames of both length forms
            text = "".join(random.Random(n).choices(string.ascii_letters, k=size))
            ada.ok("propose_goal", level="vision", title=f"Goal {n}", description=text)
        last = fac.ok("go_to_phase", phase="decide")["seq"]

        def after_start(received: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
            return [(e, d) for e, d in received if isinstance(d, dict) and d.get("seq", 0) > start]

        ada.wait_for(lambda: ada.last_seq() >= last)
        bo.wait_for(lambda: len(after_start(bo.received)) == len(after_start(ada.received)))
        assert after_start(bo.received) == after_start(ada.received)
        assert len(after_start(ada.received)) == 5  # the phase twice, three proposals
    finally:
        bo.close()
