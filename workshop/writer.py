"""Group commit: the one writer, owning the queue, the batch transaction and the acks.

Work handed in while a batch is being written waits in the queue; the writer then takes all
of it, runs each piece in order inside one transaction (each under its own savepoint, so a
refused command is undone alone), and COMMITs once: one fsync for the whole batch. The
COMMIT runs in a real OS thread (gevent's or eventlet's thread pool), so the event loop never
waits on the disk. Nothing is answered or announced before COMMIT has returned; a batch whose
COMMIT fails answers each of its pieces `Unavailable` and changes nothing.

Until `start` is called (the CLI, tests of the service) each piece is written at once, in a
batch of its own, by the caller.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workshop.domain.errors import Unavailable
from workshop.store import InThread, Store

log = logging.getLogger(__name__)
BATCH_LIMIT = 50  # pieces per transaction at most: under a storm, acks flow batch by batch

# What a piece of work gives back: its answer, and the session and events to announce.
Outcome = tuple[Any, str | None, list[dict]]
Work = Callable[[], Outcome]


@dataclass
class Job:
    """One piece of work and, once its batch is on disk, its outcome or error."""

    work: Work
    session: str | None = None  # the session it writes to, if one that exists already
    done: threading.Event | None = None
    outcome: Outcome | None = None
    error: BaseException | None = None

    def result(self, timeout: float | None = None) -> Any:
        """Its answer once its batch is on disk; `Unavailable` if that takes over `timeout`
        seconds (the work itself is still written when the disk comes back)."""
        if self.done is not None and not self.done.wait(timeout):
            raise Unavailable(f"the write was not confirmed within {timeout:g} s")
        if self.error is not None:
            raise self.error
        assert self.outcome is not None
        return self.outcome[0]


def returning_error(call: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    """`call()`'s value, or the exception it raised, without raising it."""
    try:
        return call(), None
    except BaseException as error:  # handed to the caller, who raises it
        return None, error


def in_os_thread(async_mode: str) -> InThread:
    """How to run a blocking call in a real OS thread without stopping the event loop."""
    if async_mode == "gevent":
        import gevent

        def in_thread(call: Callable[[], Any]) -> Any:
            # The error comes back as a value: raised in the pool's thread, gevent's hub
            # prints its traceback before it wakes the caller, and a print that fails (the
            # log on the same full disk as the database) would leave the caller asleep.
            value, error = gevent.get_hub().threadpool.apply(lambda: returning_error(call))
            if error is not None:
                raise error
            return value

        return in_thread
    if async_mode == "eventlet":
        from eventlet import tpool

        return tpool.execute
    return lambda call: call()  # threading: the writer is a thread of its own already


class Writer:
    """Writes work to the store in batches, and answers each piece after its batch's COMMIT.

    `forget(whole_batch)` is called whenever written work is undone, so that the service drops
    cached state that ran ahead of the disk: with False when one piece's savepoint was rolled
    back, with True when the whole batch was (a failed COMMIT); `kept(in_thread)` after each
    COMMIT; `announce(workshop_id, events)` for each piece after it.
    """

    def __init__(
        self,
        store: Store,
        forget: Callable[[bool], None],
        kept: Callable[[InThread], None],
        announce: Callable[[str, list[dict]], None],
    ) -> None:
        self.store = store
        self.forget, self.kept, self.announce = forget, kept, announce
        # Held while pieces run and while `kept`/`forget` run, not during the COMMIT: readers
        # of what pieces change (the service's cached states) take it too.
        self.lock = threading.RLock()
        self._queue: deque[Job] = deque()
        self._in_batch: frozenset[str] = frozenset()  # the sessions of the batch being written
        self._wake: threading.Event | None = None
        self._idle: threading.Event | None = None  # set while the writer has nothing to write
        self._writer: int | None = None  # the writer task's thread (or green thread) id
        self._in_thread: InThread = lambda call: call()

    def start(self, spawn: Callable[[Callable[[], None]], object], async_mode: str) -> None:
        """From now on, batch: a background task of `spawn` writes what is queued."""
        self._in_thread = in_os_thread(async_mode)
        self._wake = threading.Event()  # created after monkey-patching: green where it must be
        self._idle = threading.Event()
        self._idle.set()
        spawn(self._run)

    def write(self, work: Work, session: str | None = None, timeout: float | None = None) -> Any:
        """Run `work` inside a write transaction; returns its answer once it is on disk (see
        `Job.result` for `timeout`). `session` names the existing session it writes to, for
        the batch to take first.
        Asked for by the writer itself, as it announces (Engine.IO closes a socket that
        stopped answering pings when a broadcast reaches it), the work is written at once:
        queued, it would wait for the writer, that is for itself, forever."""
        wake, idle = self._wake, self._idle
        if wake is None or idle is None or threading.get_ident() == self._writer:
            return self.write_all([work], session)[0].result()
        job = Job(work, session, threading.Event())
        self._queue.append(job)
        idle.clear()
        wake.set()
        return job.result(timeout)

    def writing(self, session: str) -> bool:
        """Whether work of `session` waits in the queue or is being written: its votes come
        faster than they are written, and its room is best told them together."""
        return session in self._in_batch or any(
            job.session == session for job in self._queue.copy()
        )

    def settled(self, timeout: float) -> bool:
        """Wait until the writer has written all it was given, `timeout` seconds at most;
        whether it has. A broadcaster waits so to tell a room a storm's votes together."""
        if self._idle is None:
            return True  # not batching: each piece is written by its caller
        return self._idle.wait(max(timeout, 0.0))

    def _run(self) -> None:
        assert self._wake is not None and self._idle is not None
        self._writer = threading.get_ident()
        while True:
            self._idle.set()
            self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(BATCH_LIMIT, len(self._queue)))]
                self._in_batch = frozenset(job.session for job in batch if job.session)
                try:
                    self._write(batch)
                except BaseException as error:  # never leave a caller waiting
                    log.exception("writing a batch failed")
                    for job in batch:  # those answered already keep their answer
                        if job.done is not None and not job.done.is_set():
                            job.error = job.error or error
                            job.done.set()
                finally:
                    self._in_batch = frozenset()

    def write_all(self, works: list[Work], session: str | None = None) -> list[Job]:
        """Write these pieces (of `session`) as one batch, in order, here and now; their jobs,
        answered."""
        batch = [Job(work, session) for work in works]
        self._write(batch)
        return batch

    def _write(self, batch: list[Job]) -> None:
        """One transaction, one COMMIT; then answer, and only then announce, in order: a
        voter's ack does not wait behind the fan-out of the whole batch to every room."""
        sessions = {job.session for job in batch if job.session is not None}
        with self.store.lock:
            try:
                with self.store.batch(sessions, self._in_thread) as commit:
                    with self.lock:
                        for job in batch:
                            self._attempt(job)
                    commit(self._in_thread)  # readers go on meanwhile (see `lock`)
                with self.lock:
                    self.kept(self._in_thread)
            except BaseException as error:
                with self.lock:
                    self._undo(batch, error)
        for job in batch:
            if job.done is not None:
                job.done.set()
        time.sleep(0)  # (green when monkey-patched) let the answered send their acks
        for job in batch:
            if job.error is None and job.outcome is not None and job.outcome[1] is not None:
                self.announce(job.outcome[1], job.outcome[2])

    def _attempt(self, job: Job) -> None:
        """Run one piece under a savepoint: if it fails, it alone is undone."""
        job.outcome, error = self.store.piece(job.work)
        if error is not None:
            job.error = error
            self.forget(False)

    def _undo(self, batch: list[Job], error: BaseException) -> None:
        """The batch did not reach the disk (the store rolled it back): refuse every piece."""
        self.forget(True)
        if isinstance(error, Unavailable):
            message = error.message
        else:
            log.error("a batch of %d writes failed", len(batch), exc_info=error)
            message = "the server could not save this: nothing was changed, try again later"
        for job in batch:
            if job.error is None:  # a piece refused on its own keeps its own answer
                job.error = Unavailable(message)
