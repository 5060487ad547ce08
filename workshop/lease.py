"""Each serving process holds a lease in the database and renews it.

Two things hang on it. A process alone (no message queue) must be the only one on its
database: a second one would never hear the first one's events and would close its people's
attendance. And with a message queue, a process that dies (kill -9, a lost machine) leaves
its connections open in attendance: the live processes end them once its lease lapses, so
its people stop counting as present (and in the next electorate). A lease whose process is
gone from this host is free at once.

A lapse is judged on each process's monotonic clock, never by comparing wall clocks: a
lease lapses when its holder has not renewed it while LEASE_SECONDS went by here. A wall
clock that steps (NTP, a resumed machine, a date set by hand), here or on the holder's
machine, ends nobody's attendance. A process that was only held up (frozen, a paused
machine) finds its connections ended when it renews again, and opens them again then: its
people, still connected, count as present again.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from contextlib import suppress

from workshop.domain.errors import Unavailable
from workshop.store import Store

log = logging.getLogger(__name__)
LEASE_SECONDS = 15.0  # a lease not renewed for this long belongs to a dead process
RENEW_SECONDS = 5.0
# Runs a piece of work in a write transaction and returns what it returned, on disk.
Write = Callable[[Callable[[], list[tuple[str, str]]]], list[tuple[str, str]]]
# Whose presence a renewal may have changed: (workshop_id, participant_id), once or more.
People = list[tuple[str, str]]


class LeaseTaken(Exception):
    """Another live server holds this database."""


class ProcessLease:
    """This process's claim on the database; `shared` when a message queue joins processes."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], float],
        holder: str,
        shared: bool,
        write: Write,
        open_connections: Callable[[], list[int]] = list,
        ticks: Callable[[], float] = time.monotonic,
    ) -> None:
        """`write` renews it while the server serves: through the writer, whose COMMIT never
        holds up the event loop (taking and giving it back happen when nothing is served).
        `open_connections` are the attendance ids of this process's open connections;
        `ticks` is a clock that never steps, which judges lapses and paces renewals."""
        self.store, self.clock, self.write, self.ticks = store, clock, write, ticks
        self.open_connections = open_connections
        self.mine = {
            "holder": holder,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "shared": int(shared),
        }
        self.renewed_tick = 0.0
        # Each other holder's renewal as last read, and the tick here when it last changed.
        self.seen: dict[str, tuple[float, float]] = {}

    def acquire(self) -> None:
        """Take the lease, or raise LeaseTaken naming the process that serves alone. Only
        the leases of processes gone from this host are ended here: the others are judged
        by the renewals, which watch them on this process's own clock."""
        now = self.clock()
        with self.store.transaction():
            for other in self._others():
                if gone(other):
                    self.store.end_process(other["holder"], other["renewed_at"])
                elif alive(other, now) and not (self.mine["shared"] and other["shared"]):
                    raise LeaseTaken(
                        f"another workshop server (pid {other['pid']} on {other['host']}) is"
                        " serving this database; stop it first, or join both with"
                        " --message-queue"
                    )
            self._hold(now)
        self.renewed_tick = self.ticks()

    def renew(self) -> People:
        """From the timer loop, every RENEW_SECONDS at most: keep ours, end the lapsed ones',
        and open again our connections that another process ended meanwhile (it took this
        one's lease as lapsed while it was held up). Returns whose presence that changed."""
        if self.ticks() - self.renewed_tick < RENEW_SECONDS:
            return []
        now, ours = self.clock(), self.open_connections()  # read here, on the event loop

        def renewal() -> People:
            moved, others = [], self._others()
            holders = {other["holder"] for other in others}
            self.seen = {h: last for h, last in self.seen.items() if h in holders}  # stopped
            for other in others:
                if self._lapsed(other):
                    ended = self.store.end_process(other["holder"], other["renewed_at"])
                    log.warning(
                        "the lease of the server with pid %s on %s lapsed: its %d open"
                        " connections no longer count as present",
                        other["pid"],
                        other["host"],
                        len(ended),
                    )
                    moved += ended
            self._hold(now)
            back = self.store.reopen(ours) if ours else []
            if back:
                log.warning(
                    "another server took this one's lease as lapsed (was it frozen, or its"
                    " machine paused?): its %d open connections count as present again",
                    len(back),
                )
            return moved + back

        moved = self.write(renewal)
        self.renewed_tick = self.ticks()
        return moved

    def release(self) -> None:
        """At a clean stop: our connections end now; if the disk refuses, the lease lapses."""
        with suppress(Unavailable), self.store.transaction():
            self.store.end_process(self.mine["holder"], self.clock())

    def _hold(self, now: float) -> None:
        self.store.hold_process({**self.mine, "renewed_at": now})

    def _others(self) -> list[dict]:
        return [p for p in self.store.processes() if p["holder"] != self.mine["holder"]]

    def _lapsed(self, other: dict) -> bool:
        """Whether `other` has not renewed its lease while LEASE_SECONDS went by here (or its
        process is gone from this host). Its `renewed_at`, from its own wall clock, is only
        compared with itself: any change is a renewal, whichever way either clock stepped."""
        tick, holder = self.ticks(), other["holder"]
        if gone(other):
            self.seen.pop(holder, None)
            return True
        last = self.seen.get(holder)
        if last is None or last[0] != other["renewed_at"]:
            self.seen[holder] = (other["renewed_at"], tick)
            return False
        if tick - last[1] <= LEASE_SECONDS:
            return False
        del self.seen[holder]
        return True


def alive(lease: dict, now: float) -> bool:
    """Whether the process that holds `lease` still serves, as far as a process that has
    only `now` to go by can tell (starting, or copying the database): renewed within
    LEASE_SECONDS by this machine's wall clock, and on this host its pid still runs."""
    return now - lease["renewed_at"] <= LEASE_SECONDS and not gone(lease)


def gone(lease: dict) -> bool:
    """Whether the process that holds `lease` ran on this host and runs no more."""
    if lease["host"] != socket.gethostname():
        return False
    try:
        os.kill(lease["pid"], 0)
    except ProcessLookupError:
        return True  # killed or crashed on this host: its lease is free at once
    except PermissionError:
        return False  # a process of another user has that pid
    return False
