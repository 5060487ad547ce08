"""Commands that shape the session itself: creation, joining, the agenda, hand-over."""

from __future__ import annotations

from collections.abc import Mapping

from workshop.domain import agenda, identity, payload
from workshop.domain.commands import Context, command, event
from workshop.domain.errors import Conflict, InvalidInput, NotFound
from workshop.domain.floor import floor_cleared, joining_in, stepping_down
from workshop.domain.hidden_texts import revealed_by_phase
from workshop.domain.plain import ballot_named
from workshop.domain.proposals import waits_for
from workshop.domain.rules.words import names
from workshop.domain.state import Participant, WorkshopState
from workshop.domain.text import NAME_MAX, TITLE_MAX, clean_text, optional_text, shown

DEFAULT_FACILITATOR = "Facilitator"  # for clients that do not send the facilitator's name


def created(
    kind: str,
    title: object,
    product: object,
    input_chain: dict | None,
    facilitator_name: object = None,
    time_zone: str = "UTC",
) -> dict:
    """The first event of every session; the facilitator becomes participant pt1. The time
    zone (checked at the edge) is where the minutes and link pages show their times."""
    kind = agenda.check_kind(kind)
    given = optional_text(facilitator_name, "facilitator_name", NAME_MAX)
    name = identity.person_name(given, "facilitator_name") if given else DEFAULT_FACILITATOR
    return event(
        "session_created",
        kind=kind,
        title=clean_text(title, "title", TITLE_MAX),
        product=optional_text(product, "product", TITLE_MAX),
        agenda=list(agenda.DEFAULT_AGENDA[kind]),
        input_chain=input_chain,
        facilitator={"id": "pt1", "name": name, "role": "facilitator"},
        time_zone=time_zone,
    )


PARTICIPANTS_MAX = 300  # bounds every `state`; remote people invited by link count too


@command("join", "system")
def join(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """A person joins with a name and a role the kind allows (checked at the HTTP edge too);
    a closed session admits nobody."""
    if len(s.participants) >= PARTICIPANTS_MAX:
        raise Conflict(
            f"this session has {PARTICIPANTS_MAX} participants, the most it may",
            code="limit_reached",
        )
    role = agenda.check_join_role(s.kind, p.get("role"))
    name = identity.person_name(p.get("name"), "name")
    identity.check_free(s, name)  # one person, one name: else one person votes twice
    person = {"id": s.next_id("pt"), "name": name, "role": role, "remote": bool(p.get("remote"))}
    joined = [event("participant_joined", participant=person)]
    if person["remote"] or not agenda.may_vote(s.kind, role):
        return joined
    return joined + joining_in(s, person["id"], role)


def _phase_event(s: WorkshopState, phase: str, how: str, ctx: Context) -> list[dict]:
    if phase == s.phase:
        raise Conflict(f"the session is already in the {phase} phase")
    changed = event("phase_changed", phase=phase, previous=s.phase, how=how)
    if phase != "close":
        return [changed, *revealed_by_phase(s, phase)]
    # A ballot in the room ends with the room's vote; a remote one runs to its deadline.
    in_room = [b for b in s.open_ballots() if b.deadline is None]
    if in_room:
        raise Conflict(
            f"{ballot_named(s, in_room[0])} is still open: close it before closing the session"
        )
    # After a ballot nobody is stranded: a ruling or a decision still due is made first.
    for ballot in s.ballots.values():
        if waiting := waits_for(s, ballot):
            raise Conflict(
                f"{ballot_named(s, ballot)} {waiting}, which comes before closing the session"
            )
    return [changed, *floor_cleared(s, ctx), *revealed_by_phase(s, phase)]


def _step(s: WorkshopState, steps: int, how: str, ctx: Context) -> list[dict]:
    """Move `steps` phases down the agenda from the current one."""
    position = s.agenda.index(s.phase) if s.phase in s.agenda else -1
    if position + steps >= len(s.agenda):
        after = "this one" if steps == 1 else "the next one"  # next_phase, skip_phase
        raise Conflict(f"the agenda has no phase after {after}")
    return _phase_event(s, s.agenda[position + steps], how, ctx)


@command("next_phase", "facilitator")
def next_phase(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Move to the phase after the current one on the agenda."""
    return _step(s, 1, "next", ctx)


@command("go_to_phase", "facilitator", when_closed=True)
def go_to_phase(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Jump to any phase on the agenda (also reopens a closed session)."""
    phase = agenda.check_phase(p.get("phase"))
    if phase not in s.agenda:
        raise Conflict(f"phase {shown(phase)} is not on this session's agenda")
    return _phase_event(s, phase, "go_to", ctx)


@command("skip_phase", "facilitator")
def skip_phase(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Skip the next phase on the agenda: it stays listed but is passed over."""
    return _step(s, 2, "skip", ctx)


@command("reorder_agenda", "facilitator")
def reorder_agenda(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Replace the agenda with any ordering (and subset) of the known phases."""
    phases = p.get("agenda")
    if not isinstance(phases, list) or not phases:
        raise InvalidInput(f"agenda must be a non-empty list of phases, got {shown(phases)}")
    checked = payload.distinct(
        [agenda.check_phase(phase) for phase in phases], "agenda", "the phase "
    )
    if s.phase not in checked:
        raise Conflict(f"the agenda must keep the current phase {shown(s.phase)}")
    return [event("agenda_changed", agenda=checked)]


@command("hand_over", "facilitator")
def hand_over(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Hand the facilitator role to another participant; the giver steps back."""
    target = payload.ident(p, "participant_id")
    person = s.participants.get(target or "")
    if person is None:
        raise NotFound(f"participant {shown(target)} is not in this session")
    if person.remote:
        raise Conflict(
            f"{person.name} takes part by personal link, which can vote and comment but not"
            " facilitate: hand over to someone in the room"
        )
    if person.id == actor.id:
        raise Conflict("you are already the facilitator")
    voting = [ballot for ballot in s.open_ballots() if person.id in ballot.electorate]
    if voting:  # a facilitator never votes: they could not, and a unanimity could never pass
        raise Conflict(
            f"{person.name} is voting in {names([ballot_named(s, b) for b in voting])}:"
            f" a facilitator never votes; close {'it' if len(voting) == 1 else 'them'} first"
        )
    if waiting := _waits_on(s, person.id):  # neutral: never a judge of their own objection
        raise Conflict(f"{waiting}: hand over once it is done")
    handed = event("facilitation_handed_over", from_id=actor.id, to_id=person.id)
    return [*stepping_down(s, person.id, ctx), handed]


def _waits_on(s: WorkshopState, participant_id: str) -> str | None:
    """What a revealed ballot waits for from this person, or a decider ballot not yet
    revealed will, which a facilitator could not give (their own objection ruled on, their
    decision as the decider), in words; or None."""
    for ballot in s.ballots.values():
        waiting = waits_for(s, ballot)
        if waiting is None:
            continue
        objectors = (ballot.result or {}).get("awaiting_ruling") or []
        if participant_id in objectors:
            return (
                f"{ballot_named(s, ballot)} {waiting}, and a facilitator may not rule on their"
                " own objection"
            )
        if not objectors and s.decider() == participant_id:  # it waits for their decision
            return f"{ballot_named(s, ballot)} {waiting}, and a facilitator never decides"
    if s.decider() != participant_id:
        return None
    for ballot in s.ballots.values():  # not yet revealed: it will wait for the decider
        if ballot.rule == "decider" and ballot.status != "revealed":
            return (
                f"{ballot_named(s, ballot)} will wait for their decision as the decider,"
                " and a facilitator never decides"
            )
    return None


@command("delegate_decider", "facilitator")
def delegate_decider(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Name the person who decides under the `decider` rule (default: the product person)."""
    target = payload.ident(p, "participant_id")
    person = s.participants.get(target or "")
    if person is None or not agenda.may_vote(s.kind, person.role):
        raise NotFound(f"participant {shown(target)} cannot be the decider of this session")
    if person.remote:  # a personal link votes and comments: it could never record a decision
        raise Conflict(
            f"{person.name} takes part by personal link, which can vote and comment but not"
            " decide: the decider must be someone in the room"
        )
    return [event("decider_delegated", participant_id=person.id)]
