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

import contextlib
import logging
import os
import sys
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
SWITCH_INTERVAL = 0.0005  # seconds a thread runs before another may take the interpreter

# What a piece of work gives back: its answer, and the session and events to announce.
Outcome = tuple[Any, str | None, list[dict]]
Work = Callable[[], Outcome]


@dataclass
class Job:
    """One piece of work and, once its batch is on disk, its outcome or error."""

    work: Work
    session: str | None = None  # the session it writes to, if one that exists already
    done: threading.Event | None = None  # set once answered, for a caller that waits
    then: Callable[[Job], None] | None = None  # called once answered, for one that does not
    origin: str | None = None  # the connection it came on, if it came on one
    outcome: Outcome | None = None
    error: BaseException | None = None
    answered: bool = False

    def answer(self) -> None:
        """Its batch is on disk (or refused): tell whoever waits, or call `then`."""
        self.answered = True
        if self.then is not None:
            try:
                self.then(self)
            except Exception:  # the next jobs are still answered
                log.exception("answering a write failed")
        if self.done is not None:
            self.done.set()

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


class Doorbell:
    """A wake-up that gevent's event loop answers first: a byte on a pipe the loop watches
    at its highest priority. gevent's own (an Event set, a thread pool's result) go through
    the loop's queue of callbacks, behind every connection it has to resume: in a vote storm
    the writer waited there tens of milliseconds to start, and again after each COMMIT, and
    every ack with it. Rung from any thread; one waiter at a time."""

    def __init__(self) -> None:
        import gevent

        self._hub = gevent.get_hub()
        self._readable, self._writable = os.pipe()
        os.set_blocking(self._readable, False)
        self._rung = self._hub.loop.io(self._readable, 1)
        with contextlib.suppress(AttributeError):  # libuv's loop has no priorities
            self._rung.priority = 2  # libev's highest

    def ring(self) -> None:
        os.write(self._writable, b"x")

    def wait(self) -> None:
        """Until it was rung since the last wait (or sooner: waiters check what they wait
        for)."""
        self._hub.wait(self._rung)
        with contextlib.suppress(BlockingIOError):
            os.read(self._readable, 64)


class PromptEvent:
    """The writer's wake-up (an Event's set, wait and clear) rung through a Doorbell."""

    def __init__(self) -> None:
        self._bell = Doorbell()
        self._set = False

    def set(self) -> None:
        if not self._set:
            self._set = True
            self._bell.ring()

    def wait(self) -> None:
        if not self._set:
            self._bell.wait()

    def clear(self) -> None:
        self._set = False


class PromptReturn:
    """Runs a blocking call in gevent's thread pool, and wakes its caller through a
    Doorbell as soon as it returns (`threadpool.apply` wakes it through the loop's queue).
    One call at a time (the writer's)."""

    def __init__(self) -> None:
        import gevent

        self._pool = gevent.get_hub().threadpool
        self._returned = Doorbell()
        self._one_at_a_time = threading.Lock()  # green: a second caller waits its turn

    def __call__(self, call: Callable[[], Any]) -> Any:
        # The error comes back as a value: raised in the pool's thread, gevent's hub prints
        # its traceback, and a print that fails (the log on the same full disk as the
        # database) would leave the caller asleep.
        box: list[tuple[Any, BaseException | None]] = []

        def run() -> None:
            box.append(returning_error(call))
            self._returned.ring()

        with self._one_at_a_time:
            self._pool.spawn(run)
            while not box:
                self._returned.wait()
        value, error = box[0]
        if error is not None:
            raise error
        return value


def in_os_thread(async_mode: str) -> InThread:
    """How to run a blocking call in a real OS thread without stopping the event loop."""
    if async_mode == "gevent":
        return PromptReturn()
    if async_mode == "eventlet":
        from eventlet import tpool

        return tpool.execute
    return lambda call: call()  # threading: the writer is a thread of its own already


class Writer:
    """Writes work to the store in batches, and answers each piece after its batch's COMMIT.

    `forget(whole_batch)` is called whenever written work is undone, so that the service drops
    cached state that ran ahead of the disk: with False when one piece's savepoint was rolled
    back, with True when the whole batch was (a failed COMMIT); `kept(in_thread)` after each
    COMMIT; `announce(workshop_id, events, origin)` for each piece after it.
    """

    def __init__(
        self,
        store: Store,
        forget: Callable[[bool], None],
        kept: Callable[[InThread], None],
        announce: Callable[[str, list[dict], str | None], None],
    ) -> None:
        self.store = store
        self.forget, self.kept, self.announce = forget, kept, announce
        # Held while pieces run and while `kept`/`forget` run, not during the COMMIT: readers
        # of what pieces change (the service's cached states) take it too.
        self.lock = threading.RLock()
        self._queue: deque[Job] = deque()
        self._in_batch: frozenset[str] = frozenset()  # the sessions of the batch being written
        self._wake: threading.Event | PromptEvent | None = None
        self._idle: threading.Event | None = None  # set while the writer has nothing to write
        self._writer: int | None = None  # the writer task's thread (or green thread) id
        self._in_thread: InThread = lambda call: call()

    def start(self, spawn: Callable[[Callable[[], None]], object], async_mode: str) -> None:
        """From now on, batch: a background task of `spawn` writes what is queued. Under a
        green-thread server, the OS thread that ran a COMMIT takes the interpreter back
        within SWITCH_INTERVAL of the disk: at Python's 5 ms, in a vote storm, every COMMIT
        waited that long for the busy event loop to let go of it."""
        if async_mode in ("gevent", "eventlet"):
            sys.setswitchinterval(SWITCH_INTERVAL)
        self._in_thread = in_os_thread(async_mode)
        # Created after monkey-patching: green where it must be.
        self._wake = PromptEvent() if async_mode == "gevent" else threading.Event()
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
        if not self._batching():
            return self.write_all([work], session)[0].result()
        job = Job(work, session, threading.Event())
        self._enqueue(job)
        return job.result(timeout)

    def submit(
        self,
        work: Work,
        session: str | None,
        then: Callable[[Job], None],
        origin: str | None = None,
    ) -> None:
        """As `write`, without waiting: `then(job)` is called once the job's batch is on disk
        (or refused), by the writer itself. Its caller, a connection's reading task, woken
        through the event loop's queue, sent a storm's acks only once every vote was read.
        `origin` names the connection it came on, for the announcement."""
        job = Job(work, session, then=then, origin=origin)
        if self._batching():
            self._enqueue(job)
        else:
            self._write([job])

    def _batching(self) -> bool:
        """Whether work is queued for the writer: not before `start`, nor asked for by the
        writer itself."""
        return self._wake is not None and threading.get_ident() != self._writer

    def _enqueue(self, job: Job) -> None:
        assert self._wake is not None and self._idle is not None
        self._queue.append(job)
        self._idle.clear()
        self._wake.set()

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
                        if not job.answered:
                            job.error = job.error or error
                            job.answer()
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
        voter's ack does not wait behind the fan-out of the whole batch to every room.
        Submitted jobs are answered here and now; callers that wait go on once the writer
        yields."""
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
            job.answer()
        if any(job.done is not None for job in batch):
            time.sleep(0)  # (green when monkey-patched) let the answered send their acks
        for job in batch:
            if job.error is None and job.outcome is not None and job.outcome[1] is not None:
                self.announce(job.outcome[1], job.outcome[2], job.origin)

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
