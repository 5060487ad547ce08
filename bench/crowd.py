"""A crowd: some of a run's Socket.IO clients in one process, driven over a pipe by run.py.

The clients of a run are spread over several crowds so that no one client process is the
bottleneck. Every arrival is stamped with the monotonic clock, which all processes of the
machine share, so that run.py can compare a send in one crowd with arrivals in another.
"""

from __future__ import annotations

import asyncio
import bisect
import time
import traceback
from multiprocessing.connection import Connection

import aiohttp
import socketio

# The longest wait for an answer or an arrival: 8× the slowest storm of a run that finished
# (2,000 participants on PostgreSQL, 15 s); past it the server did not carry the load, and
# the run says so.
ANSWER_TIMEOUT = 120


class Member:
    """One client, noting when each message arrived and the highest `seq` it covered."""

    def __init__(self, crowd: Crowd, auth: dict, room: int, address: str, query: str) -> None:
        self.crowd, self.auth, self.room, self.query = crowd, auth, room, query
        # Each person on a device of their own: a loopback address of their own.
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0)))
        self.sio = socketio.AsyncClient(reconnection=False, http_session=self.http)
        self.sio.on("*", self.arrived)
        self.last_sent = 0.0
        self.times: list[float] = []  # arrival of each message with a seq, since the last reset
        self.tops: list[int] = []  # the highest seq seen by then: sorted, for bisect
        self.events: list[tuple[float, str]] = []  # (arrival, event) since the last reset
        self.top = 0

    async def arrived(self, event: str, data: object = None) -> None:
        now = time.monotonic()
        self.events.append((now, event))
        if isinstance(data, dict) and isinstance(data.get("seq"), int):
            self.top = max(self.top, data["seq"])
            self.times.append(now)
            self.tops.append(self.top)
        self.crowd.changed.set()

    def first_seen(self, seq: int) -> float:
        return self.times[bisect.bisect_left(self.tops, seq)]


class Crowd:
    """The commands run.py sends; each returns something picklable."""

    def __init__(self) -> None:
        self.members: list[Member] = []
        self.changed = asyncio.Event()

    async def until(self, check, timeout: float, what: str) -> None:
        """Wait until `check()`; past `timeout` seconds, fail naming `what` was awaited."""
        deadline = time.monotonic() + timeout
        while not check():
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                behind = [m.top for m in self.members]
                raise TimeoutError(
                    f"the crowd did not see {what} within {timeout:g} s"
                    f" (its clients' last seqs: {min(behind, default=0)} to"
                    f" {max(behind, default=0)})"
                )
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                pass

    async def connect(self, url: str, seats: list[tuple], batch: int) -> list[float]:
        """Connect everyone (auth, room, address, query), `batch` at a time; when each got
        its first message."""
        members = [Member(self, *seat) for seat in seats]
        self.members += members
        for start in range(0, len(members), batch):
            group = members[start : start + batch]
            await asyncio.gather(
                *(
                    m.sio.connect(f"{url}?{m.query}" if m.query else url, auth=m.auth, **WS)
                    for m in group
                )
            )
        await self.until(lambda: all(m.events for m in members), 120, "every client's state")
        return [m.events[0][0] for m in members]

    async def cast(self, orders: list[tuple[int, str, dict]]) -> list[tuple[float, float, dict]]:
        """Each (member, event, payload) sent at once; (sent, answered, answer) of each."""

        async def one(index: int, event: str, payload: dict) -> tuple[float, float, dict]:
            member = self.members[index]
            sent = member.last_sent = time.monotonic()
            answer = await member.sio.call(event, payload, timeout=ANSWER_TIMEOUT)
            return sent, time.monotonic(), answer

        # All at once, once each of them may send again.
        ready = max(self.members[index].last_sent for index, _e, _p in orders) + PACE
        await asyncio.sleep(ready - time.monotonic())
        return await asyncio.gather(*(one(*order) for order in orders))

    async def top(self, room: int) -> list[int]:
        """The highest seq a member in `room` has seen."""
        return [max((m.top for m in self.members if m.room == room), default=0)]

    async def reached(self, room: int, after: int) -> list:
        """Answer once every member in `room` has seen a seq past `after`."""
        await self.until(
            lambda: all(m.top > after for m in self.members if m.room == room),
            ANSWER_TIMEOUT,
            f"a seq past {after} in room {room}",
        )
        return []

    async def cast_until(
        self, orders: list[tuple[int, str, dict]], room: int, after: int
    ) -> list[tuple[float, float, dict]]:
        """`cast`, answered once this crowd's members in `room` have seen a seq past
        `after` too; a command refused fails at once (nothing more comes)."""
        results = await self.cast(orders)
        refused = [answer for _s, _a, answer in results if not answer.get("ok")]
        if refused:
            raise RuntimeError(f"{len(refused)} of {len(results)} refused, e.g. {refused[0]}")
        await self.reached(room, after)
        return results

    async def seen(
        self, marks: list[tuple[int, int]], timeout: float = ANSWER_TIMEOUT
    ) -> list[float]:
        """For each (room, seq), when the last of this crowd's members in that room had seen
        it (or a later one); 0 if none of them is in that room. Seqs count per room."""
        tops: dict[int, int] = {}
        for room, seq in marks:
            tops[room] = max(seq, tops.get(room, 0))

        def caught_up() -> bool:
            return all(m.top >= tops.get(m.room, 0) for m in self.members)

        await self.until(caught_up, timeout, f"the seqs {tops} (room: seq)")
        return [
            max((m.first_seen(seq) for m in self.members if m.room == room), default=0.0)
            for room, seq in marks
        ]

    async def arrivals(
        self, event: str, after: float, timeout: float = ANSWER_TIMEOUT
    ) -> list[float]:
        """When each member first got `event` after the moment `after`."""

        def first(m: Member) -> float | None:
            return next((at for at, name in m.events if name == event and at >= after), None)

        await self.until(
            lambda: all(first(m) is not None for m in self.members), timeout, f"{event!r}"
        )
        return [first(m) for m in self.members]  # type: ignore[misc]

    async def counts(self, event: str, after: float) -> list[int]:
        """How many `event` messages each member got after the moment `after`."""
        return [
            sum(1 for at, name in m.events if name == event and at >= after) for m in self.members
        ]

    async def reset(self) -> list:
        for m in self.members:
            m.times.clear()
            m.tops.clear()
            m.events.clear()
        return []

    async def close(self) -> list:
        await asyncio.gather(*(m.sio.disconnect() for m in self.members))
        await asyncio.gather(*(m.http.close() for m in self.members))
        self.members.clear()
        return []


WS = {"transports": ["websocket"], "wait_timeout": 120}
PACE = 0.25  # seconds between two commands of one person, within the server's rate limits


async def serve(conn: Connection) -> None:
    crowd, inbox = Crowd(), asyncio.Queue()
    loop = asyncio.get_running_loop()

    def take() -> None:
        try:
            inbox.put_nowait(conn.recv())
        except EOFError:  # run.py was killed: its pipe, readable for good, spun this process
            loop.remove_reader(conn.fileno())
            inbox.put_nowait(("quit", ()))

    loop.add_reader(conn.fileno(), take)
    while True:
        name, args = await inbox.get()
        if name == "quit":
            return
        try:
            conn.send(("ok", await getattr(crowd, name)(*args)))
        except Exception:
            conn.send(("error", traceback.format_exc()))


def main(conn: Connection) -> None:
    """The entry point of a crowd process."""
    asyncio.run(serve(conn))
