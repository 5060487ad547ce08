"""The processes' leases, judged on each process's own monotonic clock, driven by hand."""

from __future__ import annotations

import pytest

from tests.engine import Clock, Database, Room
from workshop.lease import LEASE_SECONDS, RENEW_SECONDS, ProcessLease


class Process:
    """One serving process's lease over the room's database: its wall clock and its
    monotonic one (`ticks`) move only when the test says so."""

    def __init__(self, room: Room, database: Database, holder: str | None = None) -> None:
        service = room.service
        self.clock, self.tick = Clock(room.clock.now), 0.0
        if holder is None:  # the process serving the room's connections
            store, write, holder = service.store, service.write_silently, service.process_id
            self.lease = ProcessLease(
                store, self.clock, holder, True, write, service.open_connections, self.ticks
            )
        else:
            store = database.open()

            def write(work):
                with store.transaction():
                    return work()

            self.lease = ProcessLease(store, self.clock, holder, True, write, list, self.ticks)
        self.lease.acquire()

    def ticks(self) -> float:
        return self.tick

    def run(self, seconds: float) -> list[tuple[str, str]]:
        """Serve for `seconds`, renewing as the timer loop does; whose presence moved."""
        moved = []
        for _ in range(int(seconds / RENEW_SECONDS)):
            self.clock.advance(RENEW_SECONDS)
            self.tick += RENEW_SECONDS
            moved += self.lease.renew()
        return moved


@pytest.fixture
def room(database: Database) -> Room:
    return Room(database)


@pytest.mark.parametrize(("step_a", "step_b"), [(-60, 0), (60, 0), (0, -60), (0, 60), (-60, 60)])
def test_a_wall_clock_that_steps_ends_nobodys_attendance(
    room: Room, database: Database, step_a: float, step_b: float
) -> None:
    pia = room.join("Pia", "team")
    a, b = Process(room, database), Process(room, database, "b")
    a.clock.advance(step_a)
    b.clock.advance(step_b)
    for _ in range(12):  # a minute, the two taking turns
        assert a.run(RENEW_SECONDS) == [] and b.run(RENEW_SECONDS) == []
    assert pia in room.service.store.present(room.id)


def test_a_frozen_process_is_taken_for_dead_and_its_people_come_back_as_it_continues(
    room: Room, database: Database
) -> None:
    pia = room.join("Pia", "team")
    a, b = Process(room, database), Process(room, database, "b")
    b.run(RENEW_SECONDS)  # b has seen a's lease
    assert b.run(LEASE_SECONDS) == []  # not renewed for 15 s: not yet lapsed
    assert b.run(RENEW_SECONDS) == [(room.id, pia)]  # a is frozen: taken for dead
    assert pia not in room.service.store.present(room.id)
    a.tick += LEASE_SECONDS + RENEW_SECONDS  # a continues, its connections still open
    assert a.run(RENEW_SECONDS) == [(room.id, pia)]
    assert pia in room.service.store.present(room.id)
    assert b.run(LEASE_SECONDS) == []  # a renews again: alive
