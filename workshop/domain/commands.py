"""The command registry: who may send what, and `decide`, which turns a command into events.

Handlers read the state and return new events; they never change the state themselves
(`events.apply` does, after the events are on disk).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from workshop.domain import agenda
from workshop.domain.errors import Conflict, Forbidden, InvalidInput
from workshop.domain.plain import COMMAND_WORDS, KIND_NAMES, NOBODY_DECIDES, ROLE_NAMES
from workshop.domain.state import Participant, WorkshopState
from workshop.domain.text import shown, with_article

SYSTEM = "system"  # the actor behind server-side timers

# Who may send a command:
#   facilitator  the facilitator of the session
#   contributor  a participant whose role takes part in this kind (proposes, speaks, votes)
#   member       anyone in the session who is not an observer (author checks come in the handler)
#   decider      the product person or the delegated decider
#   system       only the server's own timers
WHO = ("facilitator", "contributor", "member", "decider", "system")
REMOTE_COMMANDS = ("cast_vote", "comment")  # all a personal link (a remote participant) may do


@dataclass(frozen=True)
class Context:
    """What a command may know beyond the state: the time, who is connected (any collection
    of ids: the server's reads the database only if a command asks), and the keys of the
    anonymous ballots still open (ballot id -> key)."""

    now: float
    present: Collection[str] = field(default_factory=frozenset)
    ballot_keys: Mapping[str, str] = field(default_factory=dict)

    def iso(self) -> str:
        """'2027-01-15T14:10:00Z': UTC as the chain file and the minutes write it."""
        return datetime.fromtimestamp(self.now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def today(self, time_zone: str) -> str:
        """'2027-01-15': the calendar day it is now in `time_zone` (an IANA name)."""
        where = UTC if time_zone == "UTC" else ZoneInfo(time_zone)
        return datetime.fromtimestamp(self.now, where).date().isoformat()

    def latest_day(self) -> str:
        """The calendar day it is now where it is latest on Earth (UTC+14): no day after it
        has begun anywhere yet."""
        return (datetime.fromtimestamp(self.now, UTC) + timedelta(hours=14)).date().isoformat()


Handler = Callable[[WorkshopState, Participant, Mapping, Context], list[dict]]


@dataclass(frozen=True)
class Command:
    name: str
    who: str
    handler: Handler
    when_closed: bool = False  # may it run once the session reached the close phase?


COMMANDS: dict[str, Command] = {}


def command(name: str, who: str, when_closed: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler under its inbound event name."""

    def register(fn: Handler) -> Handler:
        COMMANDS[name] = Command(name, who, fn, when_closed)
        return fn

    return register


CLOSED = "the session is closed: the facilitator can reopen it by going to a phase"


def event(event_type: str, /, **data: object) -> dict:
    return {"type": event_type, **data}


def decide(
    state: WorkshopState, actor_id: str, name: str, payload: Mapping, ctx: Context
) -> list[dict]:
    """Check that `actor_id` may send `name` now, and return the events it causes."""
    spec = COMMANDS.get(name)
    if spec is None:
        raise InvalidInput(f"unknown command {shown(name)}", code="unknown_command")
    if not isinstance(payload, Mapping):
        raise InvalidInput(f"the payload of {name} must be an object")
    actor = _actor(state, actor_id)
    authorize(state, actor, spec)
    if not by_link_may(actor, name):
        raise Forbidden(f"a personal link can vote and comment, not {name.replace('_', ' ')}")
    if state.phase == "close" and not spec.when_closed:
        raise Conflict(CLOSED)
    events = spec.handler(state, actor, payload, ctx)
    for item in events:
        item["at"] = ctx.now
    return events


def _actor(state: WorkshopState, actor_id: str) -> Participant:
    if actor_id == SYSTEM:
        return Participant(id=SYSTEM, name="server", role=SYSTEM, joined_at=0.0)
    person = state.participants.get(actor_id)
    if person is None:
        raise Forbidden(
            f"participant {shown(actor_id)} is not in this session", code="unauthorized"
        )
    return person


def authorize(state: WorkshopState, actor: Participant, spec: Command) -> None:
    """Refuse a command the actor may not send, saying who may: "only the facilitator can
    open a ballot", "only the decider, Una, can record a decision"."""
    if _may(state, actor, spec.who):
        return
    what = COMMAND_WORDS.get(spec.name, spec.name.replace("_", " "))
    if spec.who == "facilitator":
        raise Forbidden(f"only the facilitator can {what}")
    if spec.who == "decider":
        decider = state.participants.get(state.decider() or "")
        if decider is None:
            raise Forbidden(f"nobody can {what}: {NOBODY_DECIDES}")
        raise Forbidden(f"only the decider, {decider.name}, can {what}")
    who = with_article(ROLE_NAMES.get(actor.role, actor.role))
    raise Forbidden(f"{who} cannot {what} in a {KIND_NAMES[state.kind]} session")


def by_link_may(actor: Participant, name: str) -> bool:
    """Whether `actor` may send `name` as far as a personal link goes: a remote participant
    votes and comments, nothing else."""
    return not actor.remote or name in REMOTE_COMMANDS


def may_send(state: WorkshopState, actor: Participant, name: str) -> bool:
    """Whether `actor` may ever send `name` (role, personal link), as `decide` checks it:
    what the `me` of the state promises, so that no page offers what would be refused."""
    return _may(state, actor, COMMANDS[name].who) and by_link_may(actor, name)


def _may(state: WorkshopState, actor: Participant, who: str) -> bool:
    """Whether `actor` is one of `who` (see WHO); only that one is worked out, since finding
    the decider walks every participant."""
    match who:
        case "facilitator":
            return actor.role == "facilitator"
        case "contributor":
            return agenda.may_vote(state.kind, actor.role)
        case "member":
            return actor.role not in ("observer", SYSTEM)
        case "decider":
            return actor.id == state.decider()
        case "system":
            return actor.role == SYSTEM
        case _:
            raise AssertionError(f"unknown kind of sender {who!r}")


def in_the_room(state: WorkshopState, person: Participant) -> bool:
    """Whether `person` takes part in the room: a role that votes and speaks here, not by
    personal link (who takes turns, joins rounds and 1-2-4-All, and votes in the room)."""
    return not person.remote and agenda.may_vote(state.kind, person.role)


def voters_present(state: WorkshopState, ctx: Context) -> list[str]:
    """Participants present who take part in the room, in join order."""
    return [
        p.id for p in state.participants.values() if p.id in ctx.present and in_the_room(state, p)
    ]
