"""Load → decide → save → announce: the one path every change takes.

A command is on disk, with its acknowledgement, before anyone hears of it; a retried
command (same actor, same cid) gets the stored acknowledgement and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from workshop import chainfile, timezones
from workshop.clock_steps import ClockSteps
from workshop.domain import views
from workshop.domain.anonymity import pseudonym
from workshop.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
    Unavailable,
    WorkshopError,
)
from workshop.domain.events import apply
from workshop.domain.floor import missed
from workshop.domain.session import created
from workshop.domain.state import WorkshopState
from workshop.domain.text import CONTROL, kind, shown
from workshop.domain.views import SCREEN
from workshop.domain.workshop import SYSTEM, Context, decide, due_timers, next_due, replay
from workshop.offload import Offload, direct
from workshop.store import STOPPING, AlreadyAnswered, InThread, Store, at_once
from workshop.writer import Job, Outcome, Work, Writer

log = logging.getLogger(__name__)

# Told each commit: its session, its events, and the connection its command came on if any.
Listener = Callable[[str, list[dict], str | None], None]
PresenceListener = Callable[[str, str, bool], None]
JOIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a room
CID_MAX = 64
TIMER_RETRY = 5.0  # seconds before a timer that could not run is tried again
CLAIM_SECONDS = 10.0  # how long a process may take to run a deadline it claimed
READY_TIMEOUT = 2.0  # seconds a readiness probe waits for its write to be on disk
ANSWERS_KEPT = 10_000  # the latest commands, whose retries are looked up first (~3 MB)
LINK_RESULT_SECONDS = 7 * 86400  # an expired personal link still shows what came of it
T = TypeVar("T")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def new_session_id() -> str:
    """A session id that never starts with '-', which a command line would read as an option
    (`workshop export -M…`)."""
    while (made := secrets.token_urlsafe(9)).startswith("-"):
        pass
    return made


def check_cid(cid: object) -> str:
    if not isinstance(cid, str) or not 0 < len(cid) <= CID_MAX or CONTROL.search(cid):
        raise InvalidInput(
            f"cid must be a client-made id of 1 to {CID_MAX} characters, got {shown(cid)}"
        )
    return cid


def unmasked(item: dict, owner: str, actor: str) -> dict:
    """The event as announced: an anonymous vote under its voter, not their pseudonym."""
    if item["type"] == "vote_cast" and owner != actor and item["voter"] == owner:
        return {**item, "voter": actor}
    return item


class Present(Collection[str]):
    """Who is connected, read from the database the first time a command asks: few do (a
    vote does not), and at 1,000 people that read took a tenth of the server's time."""

    def __init__(self, read: Callable[[], frozenset[str]]) -> None:
        self._read = read
        self._ids: frozenset[str] | None = None

    def _found(self) -> frozenset[str]:
        if self._ids is None:
            self._ids = self._read()
        return self._ids

    def __contains__(self, item: object) -> bool:
        return item in self._found()

    def __iter__(self) -> Iterator[str]:
        return iter(self._found())

    def __len__(self) -> int:
        return len(self._found())


class Service:
    """The workshop sessions of one database, shared by the socket, HTTP and CLI edges."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], float] = time.time,
        cached: int = 200,
        offload: Offload = direct,
    ) -> None:
        self.store = store
        self.clock = clock
        self.offload = offload  # where pure, heavy work runs: off a green-thread loop
        self._cached = cached
        self._states: OrderedDict[str, WorkshopState] = OrderedDict()  # least recent first
        # A ballot key was forgotten: empty the log after COMMIT. At start too (`scrub`, once
        # the server holds the database): a process killed between a reveal and its scrub (a
        # reader held the log) left the key in the log, and the flag that would have emptied
        # it died with the process.
        self._scrub_due = True
        self._listeners: list[Listener] = []
        self._presence_listeners: list[PresenceListener] = []
        self._steps = ClockSteps()
        self._step_listeners: list[Callable[[float], None]] = []
        self._open: set[int] = set()  # attendance ids of the connections open here
        self._secret: str | None = None
        self._unsaved: set[str] = set()  # sessions whose cached state holds uncommitted events
        self._folded: set[str] = set()  # those the piece running now folded events into
        # The commands this process answered lately: a retry of one (a client that lost its
        # ack) is looked up before it is decided again, and costs its session no replay.
        self._answered: OrderedDict[tuple[str, str, str], None] = OrderedDict()
        self.process_id = uuid.uuid4().hex  # names this process's connections in attendance
        self.writer = Writer(store, self._forget, self._kept, self._announce)
        self._stopping = False
        self._running = 0  # commands between their start and their acknowledgement
        self._running_lock = threading.Lock()

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(workshop_id, events, origin)` after each commit."""
        self._listeners.append(listener)

    def _announce(self, workshop_id: str, events: list[dict], origin: str | None) -> None:
        for listener in self._listeners:
            try:
                listener(workshop_id, events, origin)
            except Exception:  # a broken listener must not undo a committed change
                log.exception("announcing events of %s failed", workshop_id)

    # -- loading -------------------------------------------------------------
    def _load(self, workshop_id: str) -> WorkshopState:
        """The cached state, brought up to the log's last seq (other processes write too),
        once per batch: the batch holds the session until its COMMIT."""
        state = self._states.get(workshop_id)
        if state is None:
            events = self.store.events(workshop_id)
            if not events:
                raise NotFound(f"session {shown(workshop_id)} does not exist")
            state = replay(workshop_id, events)
        elif workshop_id in self._unsaved and self.store.in_transaction():
            return state  # brought up to date in this batch, whose locks keep others out
        elif state.seq < self.store.last_seq(workshop_id):
            for item in self.store.events(workshop_id, after=state.seq):
                apply(state, item)
        else:
            self._remember(state)
            return state
        self._remember(state)
        if self.store.in_transaction():  # it may hold what the batch has not committed
            self._unsaved.add(workshop_id)
        return state

    @contextmanager
    def _reading_cached(self, workshop_id: str) -> Iterator[None]:
        """Reads of a session's cached state go on beside the writer, even during its COMMIT's
        fsync, but never see a state its pieces are changing (they hold `writer.lock`), nor a
        batch's changes before they are on disk: a session the batch changed waits for the
        batch's end, kept or undone. Other reads need only `store.reading()`."""
        with self.writer.lock, self.store.reading():
            if workshop_id not in self._unsaved:
                yield
                return
        with self.store.lock, self.writer.lock, self.store.reading():
            yield

    def _remember(self, state: WorkshopState) -> None:
        """Keep the most recently used sessions in memory; the log can rebuild any other."""
        self._states[state.id] = state
        self._states.move_to_end(state.id)
        while len(self._states) > self._cached:
            oldest = next(iter(self._states))
            if oldest in self._unsaved:
                break
            del self._states[oldest]

    def _kept(self, in_thread: InThread) -> None:
        """After a COMMIT: cached states are on disk; a forgotten ballot key leaves the log
        (its disk work `in_thread`, as the COMMIT's)."""
        self._unsaved.clear()
        if self._scrub_due:  # until it succeeds: a reader of an older snapshot may hold it up
            self._scrub_due = not self.store.scrub(in_thread)

    def _forget(self, whole_batch: bool) -> None:
        """Events folded into cached state were undone: that state ran ahead of the disk, so
        it is forgotten and the next read replays the log. A refused piece undoes only its
        own events (most refusals fold none), a failed COMMIT the whole batch's: a refused
        command must not cost its session a replay of its whole log."""
        undone = self._unsaved if whole_batch else self._folded
        for workshop_id in undone:
            self._states.pop(workshop_id, None)
        self._unsaved -= undone

    def _write(
        self, work: Work, workshop_id: str | None = None, timeout: float | None = None
    ) -> Any:
        """Write `work` as a piece of the writer's batch."""
        return self.writer.write(self._piece(work), workshop_id, timeout)

    def _piece(self, work: Work) -> Work:
        """`work` as a piece of the writer's batch, noting which sessions it folds."""

        def piece() -> Outcome:
            self._folded = set()
            return work()

        return piece

    def write_silently(self, work: Callable[[], T], timeout: float | None = None) -> T:
        """A write that tells no room anything (a connection, and the server's own: its lease,
        a deadline's claim, a readiness probe), in the writer's batch like any command: its
        COMMIT waits for the disk in an OS thread. On the event loop, the server's own writes
        stopped every connection for as long as the disk took."""
        return self._write(lambda: (work(), None, []), timeout=timeout)

    def _commit(self, state: WorkshopState, events: list[dict]) -> list[dict]:
        """Append events and fold them in; called by a piece of the writer's work. The
        deadline is written only when they move it: most commands (a vote) do not, and a
        write fewer is a page fewer to fsync."""
        self._unsaved.add(state.id)
        self._folded.add(state.id)
        due = next_due(state)
        stored = self.store.append(state.id, events, state.seq)
        for item in stored:
            apply(state, item)
        later = next_due(state)
        if later != due:
            self.store.set_deadline(state.id, later)
        return stored

    # -- sessions and people -------------------------------------------------
    def create(
        self,
        kind: object,
        title: object,
        product: object = None,
        chain: object = None,
        from_session: object = None,
        facilitator_name: object = None,
        time_zone: object = None,
    ) -> dict:
        """A new session; its facilitator token is returned once and stored hashed."""
        chain_doc = self._input_chain(chain, from_session)
        if product is None and chain_doc:
            product = chain_doc.get("product")
        kind = str(kind) if isinstance(kind, str) else kind
        zone = timezones.check_zone(time_zone)
        first = created(kind, title, product, chain_doc, facilitator_name, zone)
        first["at"] = now = self.clock()
        workshop_id, token = new_session_id(), new_token()

        def work() -> Outcome:
            code = self._fresh_join_code()
            self.store.add_workshop(workshop_id, first["kind"], first["title"], code, now)
            self.store.add_token(token, workshop_id, first["facilitator"]["id"], "facilitator")
            state = WorkshopState(id=workshop_id)
            self._remember(state)
            stored = self._commit(state, [first])
            made = {"id": workshop_id, "join_code": code, "facilitator_token": token}
            return made, workshop_id, stored

        return self._write(work)

    def _input_chain(self, chain: object, from_session: object) -> dict | None:
        """The chain a session starts from: a document, a file's text, or an earlier session's."""
        if chain is not None and from_session is not None:
            raise InvalidInput("give either chain or from_session, not both")
        if from_session is not None:
            if not isinstance(from_session, str):
                raise InvalidInput(f"from_session must be a session id, got {shown(from_session)}")
            earlier = chainfile.to_document(self.state(from_session).chain)
            return self.offload(chainfile.read_document, earlier, from_session)
        # A chain's text (a file as uploaded) or document is bounded by the request body's
        # limit alone, so that whatever the server exports it takes back.
        if chain is not None and not isinstance(chain, str | Mapping):
            raise InvalidInput("chain must be a goal chain document (a JSON object)")
        return None if chain is None else self.offload(chainfile.read_document, chain, "chain")

    def _fresh_join_code(self) -> str:
        while True:
            code = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(6))
            if not self.store.join_code_taken(code):
                return code

    def join(self, workshop_id: str, join_code: object, name: object, role: object) -> dict:
        """A person joins with the code the facilitator shared; their token is made here."""
        if not isinstance(join_code, str):  # bad input, not a wrong guess
            raise InvalidInput(
                f"join_code must be the session's join code as text, got {kind(join_code)}"
            )
        with self.store.reading():
            row = self.store.workshop(workshop_id)
        if row is None:
            raise NotFound(f"session {shown(workshop_id)} does not exist")
        if join_code.strip().upper() != row["join_code"]:
            raise Forbidden("wrong join code for this session", code="wrong_join_code")
        token = new_token()

        def work() -> Outcome:
            state = self._load(workshop_id)
            payload = {"name": name, "role": role}
            events = decide(state, SYSTEM, "join", payload, Context(now=self.clock()))
            stored = self._commit(state, events)
            person = stored[0]["participant"]
            self.store.add_token(token, workshop_id, person["id"], "participant")
            return {"participant_id": person["id"], "token": token}, workshop_id, stored

        return self._write(work, workshop_id)

    def secret(self) -> str:
        """A key kept in the database, so signed form tokens survive a restart; read once."""
        if self._secret is None:
            with self.store.transaction():
                self._secret = self.store.secret()
        return self._secret

    def screen_token(self, workshop_id: str) -> str:
        """The room screen's token: signed, not stored, the same each time it is asked for.

        It shows only what the whole room sees, so the console can offer it on every load
        and nothing needs revoking.
        """
        signature = hmac.new(
            self.secret().encode(), f"screen:{workshop_id}".encode(), hashlib.sha256
        ).hexdigest()[:32]
        return f"{SCREEN}.{workshop_id}.{signature}"

    def authenticate(self, token: object, screen: bool = False) -> tuple[str, str]:
        """(workshop_id, participant_id) for a live token, else Unauthorized.

        A room screen's token passes only where `screen` allows it, as the viewer SCREEN.
        """
        workshop_id, participant_id, _expires = self._token(token, screen)
        return workshop_id, participant_id

    def link_reader(self, token: str) -> tuple[str, str, float | None]:
        """(workshop_id, participant_id, expires_at) for a personal link that may still be
        read: for LINK_RESULT_SECONDS after its deadline it shows what came of its ballots
        and drafts (a ballot closing at the deadline took the link with it, and nobody who
        had voted saw the result); it acts only while `authenticate` lets it."""
        return self._token(token, grace=LINK_RESULT_SECONDS)

    def _token(
        self, token: object, screen: bool = False, grace: float = 0.0
    ) -> tuple[str, str, float | None]:
        """(workshop_id, participant_id, expires_at) for a token, up to `grace` seconds past
        its expiry; else Unauthorized."""
        if not isinstance(token, str) or not token:
            raise Unauthorized("a token is required")
        if token.startswith(f"{SCREEN}."):
            parts = token.split(".")
            if len(parts) != 3 or not hmac.compare_digest(token, self.screen_token(parts[1])):
                raise Unauthorized("unknown token")
            if not screen:
                raise Unauthorized("a room screen's link only shows the room screen")
            return parts[1], SCREEN, None
        with self.store.reading():
            row = self.store.token(token)
        if row is None:
            raise Unauthorized("unknown token")
        expires = row["expires_at"]
        if expires is not None and expires + grace < self.clock():
            raise Unauthorized("this link has expired", code="expired")
        return row["workshop_id"], row["participant_id"], expires

    # -- commands ------------------------------------------------------------
    def execute(
        self, workshop_id: str, actor: str, name: str, payload: Mapping, cid: object
    ) -> dict:
        """Run one command exactly once; returns its acknowledgement once it is on disk."""
        command = self._command(workshop_id, actor, name, payload, cid)
        with self._counted():
            return self._acknowledged(lambda: self._write(command, workshop_id))

    def submit(
        self,
        workshop_id: str,
        actor: str,
        name: str,
        payload: Mapping,
        cid: object,
        then: Callable[[Callable[[], dict]], None],
        origin: str | None = None,
    ) -> None:
        """`execute` without waiting for the disk: `then(answer)` is called once the command
        is on disk or refused, where `answer()` returns its acknowledgement or raises its
        error. What is refused before it is written (a bad cid, a server stopping) raises
        here. `origin` names the connection it came on, for the listeners."""
        command = self._command(workshop_id, actor, name, payload, cid)
        self._count_in()

        def answered(job: Job) -> None:
            try:
                then(lambda: self._acknowledged(job.result))
            finally:
                self._count_out()

        self.writer.submit(self._piece(command), workshop_id, answered, origin)

    def _command(
        self, workshop_id: str, actor: str, name: str, payload: Mapping, cid: object
    ) -> Work:
        """The writer's work for one command, once who sends it and its cid are checked."""
        checked = check_cid(cid)
        if actor == SCREEN:
            raise Forbidden("the room screen only shows the session: it cannot act")
        if actor != SYSTEM:  # a step not yet seen is taken into account before this command
            self.notice_clock_step()
        return lambda: self._decide(workshop_id, actor, name, payload, checked)

    def _acknowledged(self, written: Callable[[], dict]) -> dict:
        """The acknowledgement of a command once written: a retry's is the first one."""
        try:
            return written()
        except AlreadyAnswered as retry:  # its piece was undone; the first answer stands
            with self.store.reading():
                earlier = self.store.ack(retry.workshop_id, retry.actor, retry.cid)
            if earlier is None:  # answered in the same batch, which the disk refused
                raise Unavailable("nothing was changed, try again later") from None
            return earlier

    def _decide(
        self, workshop_id: str, actor: str, name: str, payload: Mapping, cid: str
    ) -> Outcome:
        """One command as a piece of the writer's batch: decided against the state as the
        commands before it in the batch left it, at the moment it is decided.

        Whether it is a retry (its cid answered before) is found as its ack is saved, with
        its events: a lookup first cost every command a round trip to PostgreSQL, for the
        few that are retries. A retry's piece is then undone (`AlreadyAnswered`, see
        `execute`), and its session's cached state with it, unless this process answered
        it lately (most retries: a client comes back to the process it lost its ack from);
        one its state now refuses is answered the first ack as well."""
        state = self._load(workshop_id)
        keys = self._ballot_keys(state)
        owner = self._ack_owner(actor, name, payload, keys)
        answered = (workshop_id, owner, cid)
        if answered in self._answered and (earlier := self.store.ack(*answered)) is not None:
            return earlier, None, []
        present = Present(lambda: self.store.present(workshop_id))
        ctx = Context(now=self.clock(), present=present, ballot_keys=keys)
        try:
            events = decide(state, actor, name, payload, ctx)
        except WorkshopError:
            if (earlier := self.store.ack(*answered)) is None:
                raise
            return earlier, None, []
        stored = self._commit(state, events)
        ack = self._ack(state, {actor, owner}, stored)
        invitations = self._issue_links(state, stored, state.facilitator_id == actor)
        if invitations:
            # Kept with the ack, so that a retry after a lost ack still gets the links:
            # short-lived, they are the one kind of token the database holds in the clear.
            ack["invitations"] = invitations
        self.store.save_ack(workshop_id, owner, cid, ack)
        self._keep_keys(workshop_id, state, stored, keys)
        self._answered[answered] = None
        if len(self._answered) > ANSWERS_KEPT:
            self._answered.popitem(last=False)
        # The facilitator hears live who voted (as the snapshot's `not_voted` tells them); only
        # the log files an anonymous vote under the pseudonym.
        return ack, workshop_id, [unmasked(item, owner, actor) for item in stored]

    def _ballot_keys(self, state: WorkshopState) -> dict[str, str]:
        """The keys of the session's anonymous ballots, read only while one awaits its
        reveal (each is forgotten then): most ballots are not anonymous, and a vote is most
        of the commands."""
        if not any(b.anonymous and b.status != "revealed" for b in state.ballots.values()):
            return {}
        return self.store.ballot_keys(state.id)

    @staticmethod
    def _ack_owner(actor: str, name: str, payload: Mapping, keys: Mapping[str, str]) -> str:
        """Whose acknowledgement this is in the database: a vote in an anonymous ballot is
        kept under the voter's pseudonym, so the stored ack cannot name them after the
        reveal, while a retry (same person, same cid) before it still finds it."""
        ballot_id = payload.get("ballot_id")
        if name == "cast_vote" and isinstance(ballot_id, str) and ballot_id in keys:
            return pseudonym(keys[ballot_id], ballot_id, actor)
        return actor

    def _keep_keys(
        self, workshop_id: str, state: WorkshopState, stored: list[dict], keys: Mapping[str, str]
    ) -> None:
        """A key for each anonymous ballot opened, forgotten at its reveal. With the key go
        the ballot's votes, out of the log's vote events and the stored acks (its last vote's
        too: this runs once the command's ack is saved): filed by seq and time, they would
        link each vote to whoever the facilitator saw vote at that moment. The reveal keeps
        them, under labels in an order that tells nothing."""
        for item in stored:
            if item["type"] == "ballot_opened" and item["ballot"]["anonymous"]:
                self.store.add_ballot_key(workshop_id, item["ballot"]["id"])
            elif item["type"] == "ballot_revealed" and state.ballots[item["ballot_id"]].anonymous:
                ballot = state.ballots[item["ballot_id"]]
                if ballot.id in keys:
                    voters = [pseudonym(keys[ballot.id], ballot.id, p) for p in ballot.electorate]
                else:  # restored from a backup, which keeps no key: the votes hold the pseudonyms
                    voters = list(ballot.votes)
                self.store.forget_votes(workshop_id, ballot.id, voters)
                self.store.forget_ballot_key(workshop_id, ballot.id)
                self._scrub_due = True

    @contextmanager
    def _counted(self) -> Iterator[None]:
        """Count a command while it runs, so a shutdown can wait for it."""
        self._count_in()
        try:
            yield
        finally:
            self._count_out()

    def scrub(self) -> None:
        """Empty the write-ahead log of any forgotten key now (or after the next write)."""
        self._scrub_due = not self.store.scrub(at_once)

    def _count_in(self) -> None:
        """A command starts; once the server is stopping, it is refused, nothing applied."""
        with self._running_lock:
            self.check_running()
            self._running += 1

    def _count_out(self) -> None:
        with self._running_lock:
            self._running -= 1

    def check_running(self) -> None:
        """Once the server is stopping, refuse: nothing was applied, a retry later is safe."""
        if self._stopping:
            raise Unavailable(STOPPING)

    @property
    def stopping(self) -> bool:
        return self._stopping

    def stop_accepting(self) -> None:
        """From now on commands are refused `unavailable`; those running finish."""
        with self._running_lock:
            self._stopping = True

    def idle(self) -> bool:
        """No command is running (after `stop_accepting`, none will start)."""
        with self._running_lock:
            return self._running == 0

    def _issue_links(
        self, state: WorkshopState, stored: list[dict], by_facilitator: bool
    ) -> list[dict]:
        """A token, expiring with its ballot or review, for each remote newcomer; the links of
        remote people the facilitator invites again stay valid until their new deadline (a
        member sharing a draft never makes anyone's link last longer); a re-issued link
        replaces the old one, which stops working, and keeps its expiry."""
        workshop_id, invitations = state.id, []
        for item in stored:
            if item["type"] == "ballot_opened" and item["ballot"]["remote"]:
                ballot = item["ballot"]
                self.store.extend_links(workshop_id, ballot["electorate"], ballot["deadline"])
            elif item["type"] == "draft_shared" and by_facilitator:
                self.store.extend_links(workshop_id, item["reviewers"], item["deadline"])
            elif item["type"] == "link_reissued":
                person = state.participants[item["participant_id"]]
                room = not person.remote  # back to their place in the room, on another device
                purpose = "participant" if room else "remote"
                expires = self.store.revoke_links(workshop_id, person.id, purpose)
                invitations.append(self._link(workshop_id, person.id, person.name, expires, room))
            person = item.get("participant") if item["type"] == "participant_joined" else None
            if person and person["remote"]:
                link = self._link(workshop_id, person["id"], person["name"], item["link_expires"])
                invitations.append(link)
        return invitations

    def _link(
        self, workshop_id: str, pid: str, name: str, expires: float | None, room: bool = False
    ) -> dict:
        """A new personal link: its token is stored hashed, and handed out this once. For
        someone in the room (`room`), a link to the join page, which keeps the token in the
        browser and opens their place."""
        token = new_token()
        self.store.add_token(token, workshop_id, pid, "participant" if room else "remote", expires)
        link = f"/s/{workshop_id}/join#token={token}" if room else f"/v/{token}"
        return {"participant_id": pid, "name": name, "token": token, "link": link}

    def _ack(self, state: WorkshopState, sender: set[str], stored: list[dict]) -> dict[str, Any]:
        """`sender`: the actor's id, and their pseudonym if they voted anonymously."""
        facilitator = any(views.sees_all(state, who) for who in sender if who in state.participants)
        ack: dict[str, Any] = {
            "ok": True,
            "seq": stored[-1]["seq"] if stored else state.seq,
            "events": [views.event_view(item, facilitator) for item in stored],
        }
        for item in stored:
            if item["type"] == "vote_cast" and item["voter"] in sender:
                ack["vote"] = item["vote"]
            if item["type"] == "goal_proposed":
                ack["proposal_id"] = item["proposal"]["id"]
            if item["type"] == "ballot_opened":
                ack["ballot_id"] = item["ballot"]["id"]
        return ack

    def run_timers(self) -> int:
        """Run every timer command that is due and that this process claimed first (with
        several processes on one database, each deadline runs in one of them); returns how
        many ran. A claim lapses after CLAIM_SECONDS: if this process dies while running a
        deadline, another one runs it then."""
        now = self.clock()
        until = now + CLAIM_SECONDS
        due = self.write_silently(lambda: self.store.claim_due(now, self.process_id, until))
        ran = 0
        for workshop_id in due:
            with self._reading_cached(workshop_id):
                commands = due_timers(self._load(workshop_id), now)
            done = 0
            for name, payload, cid in commands:
                try:
                    self.execute(workshop_id, SYSTEM, name, payload, cid)
                    done += 1
                except Unavailable:
                    raise  # the database, not this timer: the loop waits and tries again
                except WorkshopError as refused:  # the rules said no: a line, not a trace
                    log.warning("timer %s of %s refused: %s", name, workshop_id, refused.message)
                except Exception:
                    log.exception("timer %s of %s failed", name, workshop_id)
            if not done:  # nothing moved: look again later rather than spin on it
                self._write(
                    lambda workshop_id=workshop_id: self._put_off(workshop_id, now), workshop_id
                )
            ran += done
        return ran

    def on_clock_step(self, listener: Callable[[float], None]) -> None:
        """`listener(by)` hears each step of the wall clock, once it is taken into account."""
        self._step_listeners.append(listener)

    def notice_clock_step(self) -> None:
        """Take a step of the wall clock into account, whoever looks first: the timer loop,
        or a command that came before the loop's next look (`end_turn` a moment after a step
        of an hour booked the hour as airtime)."""
        by = self._steps.step()
        if not by:
            return
        log.warning("the wall clock stepped %+.1f s", by)
        self.clock_stepped(by)
        for listener in self._step_listeners:
            listener(by)

    def clock_stepped(self, by: float) -> int:
        """The wall clock stepped `by` seconds: the turns and 1-2-4-All stages under way keep
        their time left, and turns their seconds held (`clock_stepped`). Looked for among the
        sessions in memory (where the rooms in use are) and those with a deadline; returns
        in how many sessions something moved."""
        with self.store.reading():
            timed = self.store.sessions_with_deadlines()
        moved = 0
        for workshop_id in dict.fromkeys([*self._states, *timed]):
            with self._reading_cached(workshop_id):
                state = self._load(workshop_id)
            holder, structure = state.floor.holder, state.floor.structure
            if holder is None and structure is None:
                continue
            seen = {"started_at": holder and holder.started_at}
            seen["stage_deadline"] = structure and structure.deadline
            cid = f"timer:clock:{state.seq}"  # once, whichever process sees the step first
            moved += self._as_server(workshop_id, "clock_stepped", {"by": by, **seen}, cid)
        return moved

    def _as_server(self, workshop_id: str, name: str, payload: Mapping, cid: str) -> bool:
        """Run a command of the server's own; whether it was applied. One the rules refuse
        (something else moved first: another process, another tab) is a line in the log."""
        try:
            self.execute(workshop_id, SYSTEM, name, payload, cid)
            return True
        except WorkshopError as refused:
            log.info("%s in %s: %s", name, workshop_id, refused.message)
            return False

    def _put_off(self, workshop_id: str, now: float) -> Outcome:
        later = next_due(self._load(workshop_id))
        self.store.set_deadline(workshop_id, later and max(later, now + TIMER_RETRY))
        return None, None, []

    def database_ready(self) -> str | None:
        """None when the database takes a write; else what went wrong, in words."""
        try:
            self.write_silently(lambda: self.store.probe_write(self.clock()), timeout=READY_TIMEOUT)
        except Exception as error:  # any failure means "not ready"; the probe changes nothing
            log.warning("readiness: the database refused a write: %s", error)
            return f"the database {self.store.url} does not take a write ({error})"
        return None

    # -- reading -------------------------------------------------------------
    def state(self, workshop_id: str) -> WorkshopState:
        with self._reading_cached(workshop_id):
            return self._load(workshop_id)

    def history(self, workshop_id: str) -> tuple[WorkshopState, list[dict], list[dict]]:
        """A private replay of the session with its attendance and its log, for the minutes."""
        events, attendance = self.log(workshop_id)
        return replay(workshop_id, events), attendance, events

    def log(self, workshop_id: str) -> tuple[list[dict], list[dict]]:
        """The session's events and attendance, as read now (404 if unknown)."""
        with self.store.reading():
            events = self.store.events(workshop_id)
            attendance = self.store.attendance(workshop_id)
        if not events:
            raise NotFound(f"session {shown(workshop_id)} does not exist")
        return events, attendance

    def version(self, workshop_id: str) -> tuple[int, ...]:
        """Changes whenever anything an export shows changes: the log or the attendance."""
        with self.store.reading():
            return (self.store.last_seq(workshop_id), *self.store.attendance_mark(workshop_id))

    def snapshot(self, workshop_id: str, viewer: str) -> dict:
        with self._reading_cached(workshop_id):
            state = self._load(workshop_id)
            keys = self._ballot_keys(state)  # every connect asks: not read when none is needed
            return views.snapshot(state, viewer, self.store.present(workshop_id), keys)

    def events_since(
        self, workshop_id: str, viewer: str, since: int, limit: int
    ) -> tuple[list[dict], bool]:
        """What a reconnecting client missed, as that client may see it, a page at a time;
        the flag says whether more follow."""
        with self._reading_cached(workshop_id):
            state = self._load(workshop_id)
            facilitator = views.sees_all(state, viewer)
            # Past the log's end nothing is read (a seq past 2**63 is no database integer).
            page = self.store.events(workshop_id, since, limit + 1) if since <= state.seq else []
        if since > state.seq:  # a restored backup, a lost log: the client is ahead of us
            raise Conflict(
                f"this session's log ends at {state.seq}, before the {since} you have seen:"
                " reload the whole state (get_state)",
                code="out_of_sync",
            )
        shown = [views.event_view(e, facilitator) for e in page[:limit]]
        return shown, len(page) > limit

    # -- presence ------------------------------------------------------------
    def connected(self, workshop_id: str, participant_id: str) -> int:
        """Record a connection (through the writer: a connect storm shares its fsyncs)."""
        now, process = self.clock(), self.process_id
        attendance_id = self.write_silently(
            lambda: self.store.connected(workshop_id, participant_id, now, process)
        )
        self._open.add(attendance_id)
        return attendance_id

    def arrived(self, state: WorkshopState, participant_id: str) -> None:
        """Someone connected to the session `state` (as read for their connection): in the
        round-robin or 1-2-4-All that started while they were away (`arrived`), as one who
        joins now is; nothing is written when nothing runs."""
        if not missed(state, participant_id):
            return
        cid = f"timer:arrived:{state.seq}:{participant_id}"  # once, however many tabs connect
        self._as_server(state.id, "arrived", {"participant_id": participant_id}, cid)

    def disconnected(self, attendance_id: int) -> None:
        now = self.clock()
        self._open.discard(attendance_id)  # before it is written: no renewal reopens it
        self.write_silently(lambda: self.store.disconnected(attendance_id, now))

    def open_connections(self) -> list[int]:
        """The attendance ids of the connections open on this process."""
        return list(self._open)

    def on_presence(self, listener: PresenceListener) -> None:
        """Call `listener(workshop_id, participant_id, present)` when someone's presence
        changed other than by their own connection: a process taken for dead ended it, or
        this process, back from being held up, opened their connections again."""
        self._presence_listeners.append(listener)

    def presence_moved(self, people: list[tuple[str, str]]) -> None:
        """Tell the listeners who is present now among `people`, whose attendance changed."""
        for workshop_id, participant_id in dict.fromkeys(people):
            with self.store.reading():
                present = self.store.is_present(workshop_id, participant_id)
            for listener in self._presence_listeners:
                try:
                    listener(workshop_id, participant_id, present)
                except Exception:  # one session's trouble must not keep the others untold
                    log.exception("announcing the presence in %s failed", workshop_id)
