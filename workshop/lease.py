"""One process per SQLite database, unless a message queue joins several.

A second process on the same file without a message queue would never hear the first one's
events, and would close its people's attendance as if they had left. The running server
holds a lease in the database and renews it; another one refuses to start while the lease
is live. A lease whose process is gone (same host, no such pid) or that has not been
renewed for LEASE_SECONDS is free.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from contextlib import suppress

from workshop.domain.errors import Unavailable
from workshop.store import Store

LEASE_SECONDS = 15.0  # a lease not renewed for this long belongs to a dead process
RENEW_SECONDS = 5.0


class LeaseTaken(Exception):
    """Another live server holds this database."""


class ServerLease:
    """This process's claim on the database; `shared` when a message queue joins processes."""

    def __init__(self, store: Store, clock: Callable[[], float], shared: bool) -> None:
        self.store, self.clock, self.shared = store, clock, shared
        self.mine = {
            "holder": uuid.uuid4().hex,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "shared": int(shared),
        }
        self.renewed_at = 0.0

    def acquire(self) -> None:
        """Take the lease, or raise LeaseTaken naming who holds it."""
        now = self.clock()
        with self.store.transaction():
            other = self.store.server_lease()
            if other and not (self.shared and other["shared"]) and self._alive(other, now):
                raise LeaseTaken(
                    f"another workshop server (pid {other['pid']} on {other['host']}) is serving"
                    " this database; stop it first, or join both with --message-queue"
                )
            self._hold(now)

    def renew(self) -> None:
        """Called from the timer loop: keeps the lease live, every RENEW_SECONDS at most."""
        now = self.clock()
        if now - self.renewed_at >= RENEW_SECONDS:
            with self.store.transaction():
                self._hold(now)

    def release(self) -> None:
        """Free the lease at a clean stop; if the disk refuses, it lapses on its own."""
        with suppress(Unavailable), self.store.transaction():
            self.store.release_server_lease(self.mine["holder"])

    def _hold(self, now: float) -> None:
        self.store.hold_server_lease({**self.mine, "renewed_at": now})
        self.renewed_at = now

    def _alive(self, lease: dict, now: float) -> bool:
        if now - lease["renewed_at"] > LEASE_SECONDS:
            return False
        if lease["host"] != self.mine["host"]:
            return True
        try:
            os.kill(lease["pid"], 0)
        except ProcessLookupError:
            return False  # killed or crashed on this host: its lease is free at once
        except PermissionError:
            return True  # a process of another user has that pid
        return True
