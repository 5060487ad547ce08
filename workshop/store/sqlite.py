"""The embedded SQLite backend: the append-only event log, tokens, command acks, deadlines and
attendance in one file.

One connection and one lock per process make the single writer; `BEGIN IMMEDIATE`
keeps several processes (scale-out) from interleaving. Transactions are short and
nothing is announced from inside one. Reads have a connection of their own: in WAL mode
they see the last COMMIT and never wait for the writer's fsync.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import shutil
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import sqlite_utils

from workshop.domain import anonymity
from workshop.domain.errors import Unavailable
from workshop.store import (
    KEEP_CLAIM,
    OPEN_ATTENDANCE,
    RESTORE,
    SEP,
    SET_DEADLINE,
    SQLITE_PREFIX,
    STOPPING,
    AlreadyAnswered,
    DatabaseProblem,
    InThread,
    at_once,
    checked_log,
    one_line,
    token_hash,
    unavailable_message,
)

T = TypeVar("T")
log = logging.getLogger(__name__)
BUSY_MS = 10_000  # how long a write waits for another process's write to end
BUSY_STEP_MS = 100  # ... looking between steps whether the server is stopping
CLOSED = "the database is closed: the server is stopping; send this again once it is back"
WAL_HEADER, FRAME_HEADER = 32, 24  # bytes: SQLite's write-ahead log format

migrations = sqlite_utils.Migrations("workshop")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db["workshops"].create(
        {"id": str, "kind": str, "title": str, "join_code": str, "created_at": float}, pk="id"
    )
    db["workshops"].create_index(["join_code"], unique=True)
    db["tokens"].create(
        {
            "token_hash": str,
            "workshop_id": str,
            "participant_id": str,
            "purpose": str,
            "expires_at": float,
        },
        pk="token_hash",
        not_null={"workshop_id", "participant_id", "purpose"},
    )
    db["events"].create(
        {"workshop_id": str, "seq": int, "type": str, "at": float, "data": str},
        pk=("workshop_id", "seq"),
    )
    db["commands"].create(
        {"workshop_id": str, "actor": str, "cid": str, "ack": str},
        pk=("workshop_id", "actor", "cid"),
    )
    db["deadlines"].create({"workshop_id": str, "due_at": float}, pk="workshop_id")
    db["deadlines"].create_index(["due_at"])
    db["attendance"].create(
        {
            "id": int,
            "workshop_id": str,
            "participant_id": str,
            "connected_at": float,
            "disconnected_at": float,
        },
        pk="id",
    )
    db["attendance"].create_index(["workshop_id", "participant_id"])


@migrations()
def m002_meta(db: sqlite_utils.Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")


@migrations()
def m003_processes(db: sqlite_utils.Database) -> None:
    """Each serving process's lease, and which process each open connection belongs to."""
    db["processes"].create(
        {"holder": str, "host": str, "pid": int, "shared": int, "renewed_at": float},
        pk="holder",
    )
    db["attendance"].add_column("process", str)


@migrations()
def m004_ballot_keys(db: sqlite_utils.Database) -> None:
    db["ballot_keys"].create(
        {"workshop_id": str, "ballot_id": str, "key": str}, pk=("workshop_id", "ballot_id")
    )


@migrations()
def m005_deadline_claims(db: sqlite_utils.Database) -> None:
    """Which process runs a due deadline, and until when: timers run once across processes."""
    db["deadlines"].add_column("claimed_by", str)
    db["deadlines"].add_column("claimed_until", float)


@migrations()
def m006_open_attendance(db: sqlite_utils.Database) -> None:
    """The connections still open, indexed apart: who is present is read at every connect,
    and a long session's attendance keeps every connection ever made (a phone that sleeps
    comes back on a new one). With 30 per person, reading who of 300 is present took 2.4 to
    2.7 ms, now 0.45 (`python -m bench.presence`)."""
    db.execute(OPEN_ATTENDANCE)


@contextmanager
def available() -> Iterator[None]:
    """Database trouble that is not the request's fault becomes `Unavailable` (HTTP 503)."""
    try:
        yield
    except sqlite3.DatabaseError as error:
        if isinstance(error, sqlite3.IntegrityError | sqlite3.ProgrammingError):
            raise  # our own bug, not the disk's: answered `internal`
        raise Unavailable(unavailable_message(error)) from error


def problem(error: BaseException | None, path: Path, retry: str = "start again") -> str:
    """What an SQLite error at start (or in a backup: `retry`) means for the operator, in
    one line."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    if code == sqlite3.SQLITE_FULL or shutil.disk_usage(path.parent).free == 0:
        return f"the disk holding {path.parent} is full: free some space and {retry}"
    if code == sqlite3.SQLITE_NOTADB:
        return f"{path} is not a Workshop database ({error}): {RESTORE}"
    if code == sqlite3.SQLITE_CORRUPT:
        return f"{path} is damaged ({error}): {RESTORE}"
    if code == sqlite3.SQLITE_READONLY:
        return f"{path} is read-only: the server must be able to write it and its folder"
    return f"cannot use {path}: {error}"


def open_database(path: Path, migrate: bool = True) -> sqlite_utils.Database:
    """Open, check and migrate the database before anything is served, or raise
    DatabaseProblem saying what is wrong."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseProblem(f"cannot make the data folder {folder}: {error.strerror}") from None
    if not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
        raise DatabaseProblem(
            f"the data folder {folder} must be readable and writable by the server"
            " (the database writes its log beside it)"
        )
    with _one_opener(folder):
        return _open_checked(path, migrate)


@contextmanager
def _one_opener(folder: Path) -> Iterator[None]:
    """One process at a time opens, checks and migrates the database of `folder` (a lock on
    the folder itself, released with its descriptor): processes started together on a new
    shared file found it half made by another and called it empty, not a Workshop database,
    or locked."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _open_checked(path: Path, migrate: bool) -> sqlite_utils.Database:
    wal = path.with_name(path.name + "-wal")
    logged = wal.stat().st_size if wal.is_file() else 0
    # A log beside no database (or an emptied one) is what is left of a database lost: SQLite
    # would start a new one and overwrite the log. A database made here has a header before
    # anything is logged.
    if logged and (not path.exists() or path.stat().st_size == 0):
        lost = "is empty (0 bytes)" if path.exists() else "is missing"
        raise DatabaseProblem(
            f"{path} {lost} but its write-ahead log {wal.name} holds {logged:,} bytes: the"
            f" database was lost; {RESTORE}, or move {wal.name} away to start anew"
        )
    if path.is_file() and path.stat().st_size == 0:
        raise DatabaseProblem(f"{path} is empty (0 bytes): {RESTORE}, or remove it to start anew")
    try:
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(f"PRAGMA busy_timeout={BUSY_MS}")
        conn.execute("PRAGMA secure_delete=ON")  # a forgotten ballot key leaves no trace
        found = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
        if found != ["ok"]:
            raise DatabaseProblem(f"{path} is damaged ({one_line(found[0])}): {RESTORE}")
        db = sqlite_utils.Database(conn)
        check_schema(db, path)
        if migrate:
            migrations.apply(db)
    except sqlite3.Error as error:
        raise DatabaseProblem(problem(error, path)) from None
    return db


# What writing a snapshot fails with (the disk or the folder of the copy, not the original).
_WRITING = (
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_IOERR,
)


def backup(source: Path, target: Path) -> None:
    """A consistent snapshot of the database at `source`, taken while servers write to it
    (SQLite's online backup API copies it inside one read transaction), written to `target`
    as one self-contained file, checked, and put in place only when whole."""
    if not source.is_file():  # connecting would create an empty database
        raise DatabaseProblem(f"no database at {source}")
    same = target.resolve() == source.resolve() or (target.exists() and target.samefile(source))
    if same:  # the snapshot would replace what it copies
        raise DatabaseProblem(
            f"{target} is the database being backed up: write the snapshot to another file"
        )
    if not target.parent.is_dir():
        raise DatabaseProblem(f"cannot write {target}: the folder {target.parent} does not exist")
    partial = target.with_name(target.name + ".partial")
    try:
        with contextlib.closing(sqlite3.connect(source, timeout=10)) as original:
            original.execute(f"PRAGMA busy_timeout={BUSY_MS}")
            with contextlib.closing(sqlite3.connect(partial)) as copy:
                original.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # no -wal file to carry along
                tables = {row[0] for row in copy.execute("select name from sqlite_master")}
                if "processes" in tables:  # a snapshot holds the data, not the servers' leases
                    copy.execute("delete from processes")
                    copy.commit()
                if "ballot_keys" in tables:
                    _seal_anonymous_ballots(copy)
                found = copy.execute("PRAGMA quick_check").fetchone()[0]
        if found != "ok":
            raise DatabaseProblem(f"the copy of {source} is damaged ({one_line(found)}): {RESTORE}")
        os.replace(partial, target)
    except sqlite3.Error as error:
        # The source is only read: a full disk or a file that cannot be made is the copy's.
        code = getattr(error, "sqlite_errorcode", 0) & 0xFF
        at_fault = target if code in _WRITING else source
        raise DatabaseProblem(problem(error, at_fault, "back up again")) from None
    except OSError as error:
        raise DatabaseProblem(f"cannot write {target}: {error.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)


def _seal_anonymous_ballots(copy: sqlite3.Connection) -> None:
    """Leave the keys of open anonymous ballots out of a copy: a backup outlives the reveal,
    and with a key anyone holding the file could tell whose pseudonym is whose for ever.
    Their votes stay, dealt over their events in an order that tells nothing
    (`anonymity.sealed`), and their acks go; a server on the copy takes no more votes in
    such a ballot (nobody can tell who voted already) and reveals it as usual."""
    copy.execute("PRAGMA secure_delete=ON")
    sealed = copy.execute("select workshop_id, ballot_id from ballot_keys").fetchall()
    for workshop_id, ballot_id in sealed:
        rows = copy.execute(
            "select seq, data from events where workshop_id = ? and type = 'vote_cast'"
            " and json_extract(data, '$.ballot_id') = ? order by seq",
            [workshop_id, ballot_id],
        ).fetchall()
        cast = [json.loads(data) for _seq, data in rows]
        for (seq, _data), item in zip(rows, anonymity.sealed(cast), strict=True):
            copy.execute(
                "update events set data = ? where workshop_id = ? and seq = ?",
                [json.dumps(item, separators=SEP), workshop_id, seq],
            )
        voters = sorted({item["voter"] for item in cast})
        copy.execute(
            "delete from commands where workshop_id = ? and actor in (select value from"
            " json_each(?))",
            [workshop_id, json.dumps(voters)],
        )
    copy.execute("delete from ballot_keys")
    copy.commit()
    copy.execute("VACUUM")  # not a byte of the old pages left in the file


def check_schema(db: sqlite_utils.Database, path: Path) -> None:
    """A database of ours, at a version this code knows (older ones are migrated)."""
    applied = {migration.name for migration in migrations.applied(db)}
    known = {migration.name for migration in migrations.pending(sqlite_utils.Database(memory=True))}
    if not applied and db.table_names():
        raise DatabaseProblem(f"{path} holds tables but is not a Workshop database: {RESTORE}")
    newer = sorted(applied - known)
    if newer:
        raise DatabaseProblem(
            f"{path} was written by a newer Workshop (schema {newer[-1]}): run that version"
        )


def lay_out_log(db: sqlite3.Connection, path: Path, in_thread: InThread = at_once) -> None:
    """Give the write-ahead log of the database at `path` (open as `db`, outside a
    transaction) its blocks on disk ahead of the writes: zeros, up to the size at which
    SQLite copies it into the database and starts it over. A COMMIT then writes over blocks
    the file has, and its fsync need not also record that the file grew (see
    docs/performance.md). SQLite reads a log up to its first frame that is not valid, which
    zeros never are. Under the write lock, and only past the log's end: another process's
    frames are never touched. If another process writes, or the disk is full, the log grows
    as it would have."""
    wal = path.with_name(path.name + "-wal")
    page = db.execute("PRAGMA page_size").fetchone()[0]
    frames = db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    size = WAL_HEADER + frames * (FRAME_HEADER + page)
    with contextlib.suppress(sqlite3.Error):
        db.execute("BEGIN IMMEDIATE")
        try:
            in_thread(lambda: _extend_with_zeros(wal, size))
        finally:
            db.execute("ROLLBACK")


def _extend_with_zeros(path: Path, size: int) -> None:
    """Zeros from the end of the file at `path` (which must exist) to `size` bytes, on disk;
    on a full disk, what was written is given back."""
    try:
        descriptor = os.open(path, os.O_WRONLY)
    except OSError:  # no log: nothing to lay out
        return
    try:
        end = os.fstat(descriptor).st_size
        if end < size:
            try:
                os.pwrite(descriptor, bytes(size - end), end)
                os.fdatasync(descriptor)
            except OSError:
                with contextlib.suppress(OSError):
                    os.ftruncate(descriptor, end)
    finally:
        os.close(descriptor)


def _stamp(path: Path) -> tuple[int, ...]:
    """Which file is at `path` (device and inode, first) and when its content last changed
    (size and modification time: a copy over it changes both)."""
    found = os.stat(path)
    return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns


READY_FREE = 1024 * 1024  # bytes free below which a process is not ready for commands


class SQLiteStore:
    """The embedded SQLite database of one server process."""

    def __init__(self, path: str | Path, migrate: bool = True) -> None:
        self.path = Path(path)
        self.url = f"{SQLITE_PREFIX}{self.path}"
        self._writes = open_database(self.path, migrate)
        # Its writes never wait on the event loop: only `_begin` waits, in an OS thread. Once
        # BEGIN IMMEDIATE holds the write lock, nothing in the transaction waits for a lock.
        self._writes.execute("PRAGMA busy_timeout=0")
        self.serving = False  # a server's store: its stop moves the log into the file
        self._giving_up = self._closed = False  # stopping: waiting for a lock / closed
        # The serving process with no other writing the file sets `sole_writer`: then a change
        # to the file it did not make is a copy over it (see `_check_file`).
        self.sole_writer = False
        # The file's header is read through a descriptor held open until the store closes:
        # closing any descriptor of the file would drop SQLite's locks on it, and another
        # process closing the database would take this one's log for its own, and delete it.
        self._file = os.open(self.path, os.O_RDONLY)
        self._seen, self._header = _stamp(self.path), self._read_header()  # as last left
        self._copied_over: str | None = None  # why nothing more is saved, once it was
        self.lock = threading.RLock()  # the writer's
        self._reads = sqlite_utils.Database(
            sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        )
        self._reads.execute(f"PRAGMA busy_timeout={BUSY_MS}")
        self._read_lock = threading.RLock()  # one reader at a time on the readers' connection
        self._here = threading.local()  # (green when monkey-patched) inside `reading()`?

    @property
    def db(self) -> sqlite_utils.Database:
        """The connection for this thread: the readers' inside `reading()`, else the writer's."""
        return self._reads if getattr(self._here, "reading", False) else self._writes

    def problem(self, error: BaseException) -> str:
        return problem(error, self.path)

    def close(self) -> None:
        """Close the database; a checkpoint first moves the write-ahead log into it. Not into
        a file copied over it: the process ends without closing the database, as closed,
        SQLite would copy the log into that file, and damage it."""
        with self.lock, self._read_lock:
            with contextlib.suppress(Unavailable):
                self._check_file()
            if self._copied_over:
                log.error("stopped without closing the database: %s", self._copied_over)
                logging.shutdown()
                os._exit(0)
            self._reads.close()
            # A full disk: the log stays, and is kept. Not a server (a `workshop check`, say):
            # no checkpoint while a server may write; the last to close the database makes one.
            with contextlib.suppress(sqlite3.Error):
                if self.serving:
                    self._writes.execute(f"PRAGMA busy_timeout={BUSY_MS}")
                    self._writes.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._writes.close()
            os.close(self._file)  # last: SQLite's locks on the file are gone with its own
            self._closed = True

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The single writer: hold the lock, BEGIN IMMEDIATE, commit or roll back.

        COMMIT itself may fail (disk full, I/O error): then nothing of the transaction is
        kept, and the caller gets `Unavailable`.
        """
        with self.lock, self._using(reading=False), available():
            self._check_file()
            self._begin(at_once)
            try:
                yield
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.conn.in_transaction:  # SQLite may have rolled back already
                    self.db.conn.rollback()
                raise
            finally:
                self._saw_own_write()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Read what is committed, on the readers' connection, without waiting for a write."""
        with self._read_lock, available(), self._using(reading=True):
            if self._closed:  # a disconnection handled as the server stops
                raise Unavailable(CLOSED)
            yield

    @contextmanager
    def _using(self, reading: bool) -> Iterator[None]:
        """Which connection `db` is for this thread while the block runs."""
        before = getattr(self._here, "reading", False)
        self._here.reading = reading
        try:
            yield
        finally:
            self._here.reading = before

    @contextmanager
    def batch(
        self, sessions: Collection[str] = (), in_thread: InThread = at_once
    ) -> Iterator[Callable[[InThread], None]]:
        """BEGIN IMMEDIATE under the lock (the whole database is the writer's: `sessions`
        need no locks of their own); COMMIT runs through `in_thread`, as its fsync blocks."""

        def commit(in_thread: InThread) -> None:
            with available():
                in_thread(lambda: self._writes.execute("COMMIT"))

        with self.lock, self._using(reading=False):
            self._check_file()
            with available():
                self._begin(in_thread)
            try:
                yield commit
            except BaseException:
                if self.db.conn.in_transaction:  # SQLite may have rolled back already
                    self.db.conn.rollback()
                raise
            finally:
                self._saw_own_write()

    def _read_header(self) -> bytes:
        """The database's header (page count, change counter, schema cookie, journal mode):
        another database's, or a backup's, differs; `touch` leaves it as it was."""
        return os.pread(self._file, 100, 0)

    def _saw_own_write(self) -> None:
        """Note the file as this write (and the checkpoint its COMMIT may have run) left it."""
        with contextlib.suppress(OSError):
            now = _stamp(self.path)
            if now[:2] == self._seen[:2] and now != self._seen:  # a checkpoint wrote to it
                self._seen, self._header = now, self._read_header()

    def _check_file(self) -> None:
        """The file the server opened is still the database at its path, as it left it.
        Removed (the data folder deleted) or replaced, the server would go on writing to a
        file that nobody will open again, answering every command ok, and start on an empty
        database. Copied over in place (a restore), its next checkpoint would copy its log
        into the copy, and damage it: the log is set aside, and nothing more is saved."""
        if self._closed:
            raise Unavailable(CLOSED)
        if self._copied_over:
            raise Unavailable(self._copied_over)
        try:
            now: tuple[int, ...] | None = _stamp(self.path)
        except OSError:
            now = None
        if now is None or now[:2] != self._seen[:2]:
            raise Unavailable(
                f"the database file {self.path} was removed or replaced while the server ran:"
                " nothing more is saved. Copy the server's open files back first (see"
                " docs/operations.md), then restart it"
            )
        if not self.sole_writer or now == self._seen:
            return
        if self._read_header() == self._header:  # touched: the same database as it left it
            self._seen = now
            return
        aside = self._set_log_aside()
        self._copied_over = (
            f"the database file {self.path} was replaced while the server ran (a file was"
            f" copied over it): nothing more is saved. What the server saved since its last"
            f" checkpoint is kept in {aside}; restart the server to serve the file as it now"
            " is (see docs/operations.md)"
        )
        log.error(self._copied_over)
        raise Unavailable(self._copied_over)

    def _set_log_aside(self) -> str:
        """Move this process's write-ahead log away from the database copied over it (the
        next start would read it into the copy), and its index with it: kept, not lost."""
        wal = self.path.with_name(f"{self.path.name}-wal")
        aside = wal.with_name(f"{wal.name}.replaced-{secrets.token_hex(4)}")
        with contextlib.suppress(FileNotFoundError):
            os.replace(wal, aside)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path.with_name(f"{self.path.name}-shm"))
        return aside.name

    def _begin(self, in_thread: InThread) -> None:
        """BEGIN IMMEDIATE at once when no other process writes; else wait for it through
        `in_thread`: SQLite's busy wait sleeps in C, and on the event loop it stopped every
        request (a readiness probe too) for up to the busy timeout, 10 s at a time."""
        try:
            self._writes.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                raise
        in_thread(self._begin_waiting)

    def _begin_waiting(self) -> None:
        """Wait up to `BUSY_MS` for the write lock, a tenth of a second at a time: a stopping
        server gives up (`give_up_waiting`) rather than begin a write it could no longer
        acknowledge (the lock freed after its connections had closed, it committed commands
        nobody heard back about)."""
        waited = 0
        self._writes.execute(f"PRAGMA busy_timeout={BUSY_STEP_MS}")
        try:
            while True:
                try:
                    self._writes.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as error:
                    waited += BUSY_STEP_MS
                    if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or waited >= BUSY_MS:
                        raise
                if self._giving_up:
                    raise Unavailable(STOPPING)
        finally:
            self._writes.execute("PRAGMA busy_timeout=0")

    def give_up_waiting(self) -> None:
        """A stopping server: a write still waiting for another process's lock is refused."""
        self._giving_up = True

    def piece(self, work: Callable[[], T]) -> tuple[T | None, Exception | None]:
        with available():
            self.db.execute("SAVEPOINT piece")
        outcome, failed = None, None
        try:
            with available():
                outcome = work()
        except Exception as error:
            failed = error
            with available():
                self.db.execute("ROLLBACK TO piece")
        with available():
            self.db.execute("RELEASE piece")
        return outcome, failed

    def in_transaction(self) -> bool:
        return self.db.conn.in_transaction

    # -- sessions and tokens -------------------------------------------------
    def add_workshop(
        self, workshop_id: str, kind: str, title: str, join_code: str, now: float
    ) -> None:
        row = {
            "id": workshop_id,
            "kind": kind,
            "title": title,
            "join_code": join_code,
            "created_at": now,
        }
        self.db["workshops"].insert(row)

    def workshop(self, workshop_id: str) -> dict | None:
        rows = list(self.db["workshops"].rows_where("id = ?", [workshop_id]))
        return rows[0] if rows else None

    def join_code_taken(self, code: str) -> bool:
        return self.db["workshops"].count_where("join_code = ?", [code]) > 0

    def workshop_by_code(self, code: str) -> dict | None:
        rows = list(self.db["workshops"].rows_where("join_code = ?", [code]))
        return rows[0] if rows else None

    def workshops(self) -> list[dict]:
        return list(self.db["workshops"].rows_where(order_by="created_at"))

    def add_token(
        self,
        token: str,
        workshop_id: str,
        participant_id: str,
        purpose: str,
        expires_at: float | None = None,
    ) -> None:
        row = {
            "token_hash": token_hash(token),
            "workshop_id": workshop_id,
            "participant_id": participant_id,
            "purpose": purpose,
            "expires_at": expires_at,
        }
        self.db["tokens"].insert(row)

    def token(self, token: str) -> dict | None:
        row = self.db.execute(
            "select workshop_id, participant_id, purpose, expires_at from tokens"
            " where token_hash = ?",
            [token_hash(token)],
        ).fetchone()
        keys = ("workshop_id", "participant_id", "purpose", "expires_at")
        return dict(zip(keys, row, strict=True)) if row else None

    def extend_links(self, workshop_id: str, participant_ids: list[str], until: float) -> None:
        """Personal links of these people stay valid at least until `until`."""
        marks = ", ".join("?" for _ in participant_ids)
        self.db.execute(
            "update tokens set expires_at = ? where workshop_id = ? and purpose = 'remote'"
            f" and expires_at < ? and participant_id in ({marks})",
            [until, workshop_id, until, *participant_ids],
        )

    def revoke_links(
        self, workshop_id: str, participant_id: str, purpose: str = "remote"
    ) -> float | None:
        """Delete a person's links (a remote person's personal links, or with `purpose`
        "participant" the tokens of someone in the room); returns when the latest would have
        expired."""
        where = "workshop_id = ? and participant_id = ? and purpose = ?"
        args = [workshop_id, participant_id, purpose]
        latest = self.db.execute(f"select max(expires_at) from tokens where {where}", args)
        expires = latest.fetchone()[0]
        self.db.execute(f"delete from tokens where {where}", args)
        return expires

    def probe_write(self, now: float) -> None:
        """A real write with its fsync: the readiness check asks the disk, not a cache. A
        disk nearly full fails it too: the probe's small row fits in log space already
        written, and answered "ready" while the commands needing new pages failed."""
        free = shutil.disk_usage(self.path.parent).free
        if free < READY_FREE:
            raise Unavailable(f"the disk holding {self.path.parent} is full ({free:,} bytes free)")
        self.db["meta"].upsert({"key": "ready_probe", "value": repr(now)}, pk="key")

    # -- serving processes ---------------------------------------------------
    def processes(self) -> list[dict]:
        return list(self.db["processes"].rows_where(order_by="renewed_at"))

    def hold_process(self, lease: dict) -> None:
        self.db["processes"].upsert(lease, pk="holder")

    def end_process(self, holder: str, at: float) -> list[tuple[str, str]]:
        ended = self.db.execute(
            "update attendance set disconnected_at = ?"
            " where process = ? and disconnected_at is null"
            " returning workshop_id, participant_id",
            [at, holder],
        ).fetchall()
        self.db.execute("delete from processes where holder = ?", [holder])
        return [(row[0], row[1]) for row in ended]

    def reopen(self, attendance_ids: list[int]) -> list[tuple[str, str]]:
        rows = self.db.execute(
            "update attendance set disconnected_at = null where disconnected_at is not null"
            " and id in (select value from json_each(?)) returning workshop_id, participant_id",
            [json.dumps(attendance_ids)],
        ).fetchall()
        return [(row[0], row[1]) for row in rows]

    def secret(self) -> str:
        """The server's signing key, made on first use; call inside a transaction."""
        rows = list(self.db["meta"].rows_where("key = 'secret'"))
        if rows:
            return rows[0]["value"]
        value = secrets.token_hex(32)
        self.db["meta"].insert({"key": "secret", "value": value})
        return value

    # -- the event log -------------------------------------------------------
    def last_seq(self, workshop_id: str) -> int:
        row = self.db.execute(
            "select max(seq) from events where workshop_id = ?", [workshop_id]
        ).fetchone()
        return row[0] or 0

    def append(self, workshop_id: str, events: list[dict], after: int) -> list[dict]:
        """Number the events after `after` and append them; returns them with `seq`."""
        stored = [{**item, "seq": after + i} for i, item in enumerate(events, start=1)]
        rows = [
            (workshop_id, item["seq"], item["type"], item["at"], json.dumps(item, separators=SEP))
            for item in stored
        ]
        # Plain SQL: sqlite-utils' insert_all reads the schema each time, 30 times the cost.
        self.db.conn.executemany(
            "insert into events (workshop_id, seq, type, at, data) values (?, ?, ?, ?, ?)",
            rows,
        )
        return stored

    def events(self, workshop_id: str, after: int = 0, limit: int | None = None) -> list[dict]:
        sql = "select data from events where workshop_id = ? and seq > ? order by seq"
        params: list = [workshop_id, after]
        if limit is not None:
            sql += " limit ?"
            params.append(limit)
        rows = self.db.execute(sql, params).fetchall()
        return checked_log(workshop_id, after, (row[0] for row in rows))

    # -- idempotent commands -------------------------------------------------
    def ack(self, workshop_id: str, actor: str, cid: str) -> dict | None:
        row = self.db.execute(
            "select ack from commands where workshop_id = ? and actor = ? and cid = ?",
            [workshop_id, actor, cid],
        ).fetchone()
        return json.loads(row[0]) if row else None

    def save_ack(self, workshop_id: str, actor: str, cid: str, ack: dict) -> None:
        try:
            self.db.execute(
                "insert into commands (workshop_id, actor, cid, ack) values (?, ?, ?, ?)",
                [workshop_id, actor, cid, json.dumps(ack)],
            )
        except sqlite3.IntegrityError as error:
            if "commands." not in str(error):
                raise
            raise AlreadyAnswered(workshop_id, actor, cid) from None

    # -- timers --------------------------------------------------------------
    def set_deadline(self, workshop_id: str, due_at: float | None) -> None:
        if due_at is None:
            self.db.execute("delete from deadlines where workshop_id = ?", [workshop_id])
        else:
            self.db.execute(f"{SET_DEADLINE} values (?, ?) {KEEP_CLAIM}", [workshop_id, due_at])

    def sessions_with_deadlines(self) -> list[str]:
        return [row[0] for row in self.db.execute("select workshop_id from deadlines")]

    def claim_due(self, now: float, holder: str, until: float) -> list[str]:
        """BEGIN IMMEDIATE makes the processes take turns: none claims what another holds."""
        rows = self.db.execute(
            "update deadlines set claimed_by = ?, claimed_until = ?"
            " where due_at <= ?"
            " and (claimed_until is null or claimed_until < ? or claimed_by = ?)"
            " returning workshop_id",
            [holder, until, now, now, holder],
        )
        return [row[0] for row in rows.fetchall()]

    # -- attendance ----------------------------------------------------------
    def connected(self, workshop_id: str, participant_id: str, now: float, process: str) -> int:
        cursor = self.db.execute(
            "insert into attendance (workshop_id, participant_id, connected_at, process)"
            " values (?, ?, ?, ?)",
            [workshop_id, participant_id, now, process],
        )
        return cursor.lastrowid

    def disconnected(self, attendance_id: int, now: float) -> None:
        self.db.execute(
            "update attendance set disconnected_at = ? where id = ?", [now, attendance_id]
        )

    def end_all_attendance(self, now: float) -> None:
        """After a restart no connection survives: close what the last run left open."""
        self.db.execute(
            "update attendance set disconnected_at = ? where disconnected_at is null", [now]
        )

    def present(self, workshop_id: str) -> frozenset[str]:
        rows = self.db.execute(
            "select distinct participant_id from attendance"
            " where workshop_id = ? and disconnected_at is null",
            [workshop_id],
        )
        return frozenset(row[0] for row in rows.fetchall())

    def is_present(self, workshop_id: str, participant_id: str) -> bool:
        row = self.db.execute(
            "select 1 from attendance where workshop_id = ? and participant_id = ?"
            " and disconnected_at is null limit 1",
            [workshop_id, participant_id],
        ).fetchone()
        return row is not None

    # -- keys of anonymous ballots --------------------------------------------
    def ballot_keys(self, workshop_id: str) -> dict[str, str]:
        rows = self.db.execute(
            "select ballot_id, key from ballot_keys where workshop_id = ?", [workshop_id]
        )
        return dict(rows.fetchall())

    def add_ballot_key(self, workshop_id: str, ballot_id: str) -> None:
        row = {"workshop_id": workshop_id, "ballot_id": ballot_id, "key": secrets.token_hex(32)}
        self.db["ballot_keys"].insert(row)

    def forget_ballot_key(self, workshop_id: str, ballot_id: str) -> None:
        """Delete the key (overwritten in place: secure_delete); call `scrub` after COMMIT."""
        self.db.execute(
            "delete from ballot_keys where workshop_id = ? and ballot_id = ?",
            [workshop_id, ballot_id],
        )

    def forget_votes(self, workshop_id: str, ballot_id: str, voters: list[str]) -> None:
        """(Overwritten in place: secure_delete; call `scrub` after COMMIT.)"""
        self.db.execute(
            "update events set data = json_remove(data, '$.vote') where workshop_id = ?"
            " and type = 'vote_cast' and json_extract(data, '$.ballot_id') = ?",
            [workshop_id, ballot_id],
        )
        self.db.execute(
            "delete from commands where workshop_id = ? and actor in (select value from"
            " json_each(?))",
            [workshop_id, json.dumps(voters)],
        )

    def scrub(self, in_thread: InThread) -> bool:
        """Copy the write-ahead log into the database and empty it, so the old page that held
        a forgotten key is gone from the log too; whether it is. Not while a reader holds an
        older snapshot (a backup): then this does not wait for it (SQLite's busy wait froze
        the event loop for 10 s), and the caller asks again after its next write. The
        checkpoint's fsyncs run through `in_thread`."""
        checked: list[tuple] = []
        with self.lock:
            try:
                self._check_file()  # a file copied over takes no checkpoint of this log
            except Unavailable:
                return False
        with self.lock, contextlib.suppress(sqlite3.Error):
            in_thread(
                lambda: checked.append(
                    self._writes.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                )
            )
        emptied = bool(checked) and checked[0][0] == 0  # (busy, frames in log, frames copied)
        if emptied:
            with self.lock:
                lay_out_log(self._writes.conn, self.path, in_thread)
        with self.lock:
            self._saw_own_write()
        return emptied

    def attendance_mark(self, workshop_id: str) -> tuple[int, int]:
        """How many arrivals and departures the session has seen: a cheap change marker."""
        row = self.db.execute(
            "select count(*), count(disconnected_at) from attendance where workshop_id = ?",
            [workshop_id],
        ).fetchone()
        return row[0], row[1]

    def attendance(self, workshop_id: str) -> list[dict]:
        where = "workshop_id = ?"
        return list(self.db["attendance"].rows_where(where, [workshop_id], order_by="id"))

    # -- the whole database, for `workshop migrate` ---------------------------
    def rows(self, table: str) -> Iterator[dict]:
        return self.db[table].rows

    def replace_rows(self, table: str, rows: Iterable[dict]) -> int:
        self.db.execute(f"delete from [{table}]")
        self.db[table].insert_all(rows, batch_size=500)
        return self.db[table].count
