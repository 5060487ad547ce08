"""The storage interface: what the service, the writer and the CLI ask of a database, and
`open_store`, which picks the backend from a URL (SQLite, the embedded default, or PostgreSQL).

Every backend keeps the same promises: one writer per process (`lock`), a batch written in one
transaction with a savepoint per piece and one COMMIT, each session's `seq` gap-free, and
database trouble that is not the request's fault raised as `Unavailable` (HTTP 503).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from workshop.domain.errors import Unavailable

T = TypeVar("T")
InThread = Callable[[Callable[[], None]], None]  # runs a blocking disk call in an OS thread


def at_once(call: Callable[[], None]) -> None:
    """An InThread for callers with no event loop to keep going: the call, here and now."""
    call()


SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql", "postgres")
RESTORE = "restore it from a backup (see docs/operations.md)"
SEP = (",", ":")  # compact JSON in the log
# A session's next deadline, written after each of its commands. A claim on it holds while
# the deadline stays the same: the claimer is running it. A new deadline is claimed afresh.
SET_DEADLINE = "insert into deadlines (workshop_id, due_at)"
KEEP_CLAIM = (
    "on conflict (workshop_id) do update set due_at = excluded.due_at,"
    " claimed_by = case when deadlines.due_at = excluded.due_at then deadlines.claimed_by end,"
    " claimed_until = case when deadlines.due_at = excluded.due_at"
    " then deadlines.claimed_until end"
)
# Who is present, read without the closed connections of a session's whole history.
OPEN_ATTENDANCE = (
    "create index attendance_open on attendance (workshop_id, participant_id)"
    " where disconnected_at is null"
)


class DatabaseProblem(Exception):
    """The database cannot be used as it is: one line saying what is wrong and what to do."""


class AlreadyAnswered(Exception):
    """`save_ack` found this command's ack saved already: it is a retry of one applied
    before, whose answer is that ack (`ack(workshop_id, actor, cid)`), and nothing more."""

    def __init__(self, workshop_id: str, actor: str, cid: str) -> None:
        super().__init__(f"{cid} of {actor} was answered before")
        self.workshop_id, self.actor, self.cid = workshop_id, actor, cid


def token_hash(token: str) -> str:
    """Tokens are stored hashed: a copy of the database grants nobody's access."""
    return hashlib.sha256(token.encode()).hexdigest()


def one_line(said: object) -> str:
    """What a database said, on one line: a refusal at start is one line, and SQLite's
    integrity check and PostgreSQL's errors span several."""
    lines = [" ".join(line.split()) for line in str(said).splitlines()]
    return "; ".join(line for line in lines if line)  # "Connection refused; Is the server …"


def checked_log(workshop_id: str, after: int, rows: Iterable[str]) -> list[dict]:
    """A session's events from their stored text, after seq `after`: each one JSON and
    numbered on with no gap, else `Unavailable` naming the first damaged one. A row edited
    by hand or lost to a disk that lied passes SQLite's check: replayed as it is, it served
    a session that never was, or failed every request with a traceback."""
    events = []
    for seq, text in enumerate(rows, after + 1):
        try:
            item = json.loads(text)
            numbered = item["seq"] == seq
        except (ValueError, TypeError, KeyError):
            numbered = False
        if not numbered:
            raise Unavailable(
                f"the log of session {workshop_id} is damaged at event {seq}: restore the"
                " database from a backup (docs/operations.md)"
            )
        events.append(item)
    return events


def unavailable_message(error: object) -> str:
    return (
        f"the server cannot use its database right now ({error}): nothing was changed,"
        " try again later"
    )


STOPPING = "the server is stopping: send this again once it is back"


class Store(Protocol):
    """One process's handle on the database; every backend implements all of it."""

    lock: threading.RLock  # one writer per process, held for a whole batch, COMMIT included
    url: str  # where the database is, as it may be shown: never with a password
    # Set by a serving process that no other process writes with (no message queue): an
    # embedded database then takes a change to its file it did not make for a copy over it.
    sole_writer: bool
    serving: bool  # set by a serving process: its stop leaves the database whole

    def close(self) -> None: ...

    def give_up_waiting(self) -> None:
        """A stopping server: a write still waiting for another's lock is refused, not begun."""

    def transaction(self) -> AbstractContextManager[None]:
        """A short write of its own: the writer's lock, BEGIN, COMMIT or roll back."""

    def reading(self) -> AbstractContextManager[None]:
        """Reads that belong together, of what is committed, never waiting for the writer's
        COMMIT; database trouble inside becomes `Unavailable`."""

    def batch(
        self, sessions: Collection[str] = (), in_thread: InThread = at_once
    ) -> AbstractContextManager[Callable[[InThread], None]]:
        """The writer's group commit: the lock and one open transaction, for `piece`s, which
        write to `sessions` (where writers of other processes may wait for each other, the
        backend takes those sessions first, in one order for all, so that no two batches
        wait for each other). A BEGIN that must wait for another process's write, where
        the backend's wait blocks the thread, waits through `in_thread`.

        The body calls the given `commit(in_thread)` once, which COMMITs (through `in_thread`
        when the backend's COMMIT blocks the thread). Leaving the body by an exception rolls
        everything back and raises; database trouble raises `Unavailable`."""

    def piece(self, work: Callable[[], T]) -> tuple[T | None, Exception | None]:
        """Run `work` in the batch under a savepoint: its outcome, or the error that undid it
        alone. Trouble with the savepoint itself raises `Unavailable` (the batch is lost)."""

    def in_transaction(self) -> bool:
        """Whether the caller is inside the write transaction (reads see its writes)."""

    def problem(self, error: BaseException) -> str:
        """What a database error met at start means for the operator, in one line."""

    # -- sessions and tokens
    def add_workshop(
        self, workshop_id: str, kind: str, title: str, join_code: str, now: float
    ) -> None: ...
    def workshop(self, workshop_id: str) -> dict | None: ...
    def join_code_taken(self, code: str) -> bool: ...
    def workshop_by_code(self, code: str) -> dict | None: ...
    def workshops(self) -> list[dict]: ...
    def add_token(
        self,
        token: str,
        workshop_id: str,
        participant_id: str,
        purpose: str,
        expires_at: float | None = None,
    ) -> None: ...
    def token(self, token: str) -> dict | None: ...
    def extend_links(self, workshop_id: str, participant_ids: list[str], until: float) -> None: ...
    def revoke_links(
        self, workshop_id: str, participant_id: str, purpose: str = "remote"
    ) -> float | None: ...
    def probe_write(self, now: float) -> None: ...
    def secret(self) -> str: ...

    # -- serving processes
    def processes(self) -> list[dict]: ...
    def hold_process(self, lease: dict) -> None: ...
    def end_process(self, holder: str, at: float) -> list[tuple[str, str]]:
        """A process is gone: its connections end at `at`, its lease with them; returns
        whose connections ended, (workshop_id, participant_id) once per connection."""

    def reopen(self, attendance_ids: list[int]) -> list[tuple[str, str]]:
        """These connections are open: those that another process closed (it took their
        process's lease as lapsed) are open again; returns whose, as `end_process` does."""

    # -- the event log
    def last_seq(self, workshop_id: str) -> int: ...
    def append(self, workshop_id: str, events: list[dict], after: int) -> list[dict]: ...
    def events(self, workshop_id: str, after: int = 0, limit: int | None = None) -> list[dict]: ...

    # -- idempotent commands
    def ack(self, workshop_id: str, actor: str, cid: str) -> dict | None: ...
    def save_ack(self, workshop_id: str, actor: str, cid: str, ack: dict) -> None:
        """Raises `AlreadyAnswered` if there is one already: in the same statement as the
        command's events where the backend can, so a command costs no lookup first."""

    # -- timers
    def set_deadline(self, workshop_id: str, due_at: float | None) -> None: ...
    def sessions_with_deadlines(self) -> list[str]:
        """The sessions a timer waits on: a turn, a stage or a ballot with a deadline."""
        ...

    def claim_due(self, now: float, holder: str, until: float) -> list[str]:
        """The sessions whose next deadline is due and that no other process holds a claim
        on (none, or it lapsed), claimed for `holder` until `until`; in a transaction."""

    # -- attendance
    def connected(self, workshop_id: str, participant_id: str, now: float, process: str) -> int: ...
    def disconnected(self, attendance_id: int, now: float) -> None: ...
    def end_all_attendance(self, now: float) -> None: ...
    def present(self, workshop_id: str) -> frozenset[str]: ...
    def is_present(self, workshop_id: str, participant_id: str) -> bool:
        """Whether one person has a connection open: one index lookup, not the whole room."""

    def attendance_mark(self, workshop_id: str) -> tuple[int, int]: ...
    def attendance(self, workshop_id: str) -> list[dict]: ...

    # -- keys of anonymous ballots
    def ballot_keys(self, workshop_id: str) -> dict[str, str]: ...
    def add_ballot_key(self, workshop_id: str, ballot_id: str) -> None: ...
    def forget_ballot_key(self, workshop_id: str, ballot_id: str) -> None: ...
    def forget_votes(self, workshop_id: str, ballot_id: str, voters: list[str]) -> None:
        """Take the votes out of the ballot's `vote_cast` events and delete the acks filed
        under `voters` (an anonymous ballot's pseudonyms), at its reveal."""

    def scrub(self, in_thread: InThread) -> bool: ...

    # -- the whole database, for `workshop migrate`
    def rows(self, table: str) -> Iterator[dict]:
        """Every row of one table, as the database holds it."""

    def replace_rows(self, table: str, rows: Iterable[dict]) -> int:
        """Make one table hold exactly `rows` (inside a transaction); how many it holds."""


def shown_url(url: str) -> str:
    """The URL as it may be printed: a password in it becomes ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def sqlite_path(url: str | None, data: str | Path = "sessions") -> Path | None:
    """The file of a sqlite:///path URL (sqlite:////srv/x.db for an absolute path), the
    database in the data folder without a URL, None for another backend's URL; a URL of no
    backend raises DatabaseProblem."""
    if url is None:
        return Path(data) / "workshop.db"
    if url.startswith(SQLITE_PREFIX) and url != SQLITE_PREFIX:
        return Path(url[len(SQLITE_PREFIX) :])
    if urlsplit(url).scheme in POSTGRES_SCHEMES:
        return None
    raise DatabaseProblem(
        "the database URL must look like sqlite:///sessions/workshop.db or"
        f" postgresql://user:password@host:5432/dbname, got {shown_url(url)!r}"
    )


def open_store(
    url: str | None, data: str | Path = "sessions", migrate: bool = True, **options: Any
) -> Store:
    """Open, check and (unless `migrate` is false) migrate the database at `url` (None: SQLite
    in the data folder) before anything is served; raise DatabaseProblem saying what is wrong."""
    path = sqlite_path(url, data)
    if path is not None:
        from workshop.store.sqlite import SQLiteStore

        return SQLiteStore(path, migrate=migrate)
    from workshop.store.postgres import PostgresStore

    assert url is not None
    return PostgresStore(url, migrate=migrate, **options)
