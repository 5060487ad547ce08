"""Who holds the floor: the speaking queue, round-robins, time-boxes and 1-2-4-All.

The server keeps the clock: a turn's deadline is stored with it, and the `expire_turn`
timer command moves the floor on when it passes, whether or not anyone is connected.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from workshop.domain import agenda, payload, turns
from workshop.domain.commands import Context, command, event, in_the_room, voters_present
from workshop.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from workshop.domain.plain import person_named
from workshop.domain.state import Participant, Turn, WorkshopState
from workshop.domain.text import shown

MAX_TURN = 3600.0
NOBODY = "nobody holds the floor"


def grant(
    s: WorkshopState, pid: str, kind: str, ctx: Context, passed_over: Collection[str] = ()
) -> dict:
    """The floor to `pid`; `passed_over`: those ahead of them who were away (not connected),
    kept in the event because who was connected is in no state a replay rebuilds."""
    deadline = turns.turn_deadline(ctx.now, s.floor.time_box)
    turn = {
        "id": s.next_id("t"),
        "participant_id": pid,
        "started_at": ctx.now,
        "deadline": deadline,
        "kind": kind,
    }
    extra: dict = {"passed_over": list(passed_over)} if passed_over else {}
    if kind == "round":  # the round's turn is not the discussion their raised hand waits for
        extra["hand_kept"] = True
    return event("floor_granted", turn=turn, **extra)


def _end(s: WorkshopState, how: str, ctx: Context) -> dict:
    """The current turn's end. A turn lasts at most until its deadline: one ended later (its
    timer ran late, the server was down) books its time-box in the airtime, not the wait.
    Whether its holder is connected changes nothing: a speaker in the room goes on speaking
    while their phone, or the server, is away."""
    holder = s.floor.holder
    assert holder is not None
    ended = ctx.now if holder.deadline is None else min(ctx.now, holder.deadline)
    seconds = round(turns.held_seconds(holder.started_at, ended), 3)
    return event(
        "turn_ended",
        turn_id=holder.id,
        participant_id=holder.participant_id,
        started_at=holder.started_at,
        seconds=seconds,
        how=how,
    )


def stepping_down(s: WorkshopState, participant_id: str, ctx: Context) -> list[dict]:
    """Someone who becomes the facilitator, who takes no turns: their turn under way ends,
    and the floor moves on."""
    holder = s.floor.holder
    if holder is None or holder.participant_id != participant_id:
        return []
    return [_end(s, "ended", ctx), *_next(s, participant_id, ctx, skip=(participant_id,))]


def floor_cleared(s: WorkshopState, ctx: Context) -> list[dict]:
    """The floor of a session that closes: the turn under way ended, every hand lowered, the
    round and the 1-2-4-All stopped. A closed session takes none of their timers' commands:
    left running, a turn would hold the floor, and a countdown show on the console, for ever;
    left raised, a hand kept "Next" on the room screen after the workshop ended."""
    ending = [_end(s, "ended", ctx)] if s.floor.holder else []
    ending += [event("hand_lowered", participant_id=pid) for pid in s.floor.queue]
    if s.floor.round is not None:
        ending.append(event("round_ended", round_id=s.floor.round.id))
    if s.floor.structure is not None:
        ending.append(event("structure_ended"))
    return ending


def queue_order(s: WorkshopState) -> list[str]:
    """The speaking queue in the order the floor will go, by the session's queue mode."""
    floor = s.floor
    return turns.serving_order(floor.queue, floor.mode, floor.seconds, floor.turns, floor.priority)


def waiting(s: WorkshopState, leaving: str | None) -> tuple[list[str], str]:
    """Who the floor goes to once `leaving` gives it up, in order, here or away, and the kind
    of turn they get: the round's members still to answer while a round runs (the queue
    waits for the round), else the queue in its order. The holder whose turn was under way
    when the round started has not answered it: they keep their place in it."""
    floor = s.floor
    if floor.round is not None:  # the facilitator (handed the role mid-round) takes no turn
        skipped = (s.facilitator_id, floor.answering() if leaving else None)
        return [pid for pid in floor.round.remaining() if pid not in skipped], "round"
    return [pid for pid in queue_order(s) if pid != leaving], "queue"


def on_the_floor(s: WorkshopState) -> list[str]:
    """Everybody the floor waits for: the holder, the raised hands, the round's members still
    to answer. Whether they are here changes who is next, so the whole room hears of it."""
    floor = s.floor
    people = [floor.holder.participant_id] if floor.holder else []
    people += queue_order(s) + (floor.round.remaining() if floor.round else [])
    return list(dict.fromkeys(people))


def _next(
    s: WorkshopState, ended: str | None, ctx: Context, skip: Collection[str] = ()
) -> list[dict]:
    """After a turn: the round's next speaker here, or else the queue's, or nobody (nor any
    of `skip`). A round with nobody here left to ask ends, naming those it could not ask
    (`away`)."""
    order, kind = waiting(s, ended)
    order = [pid for pid in order if pid not in skip]
    here = [pid for pid in order if pid in ctx.present]
    if here:
        return [grant(s, here[0], kind, ctx, passed_over=order[: order.index(here[0])])]
    if s.floor.round is not None:
        return [event("round_ended", round_id=s.floor.round.id, away=order)]
    return []


def end_and_advance(s: WorkshopState, how: str, ctx: Context) -> list[dict]:
    """End the current turn and give the floor to whoever is next."""
    if s.floor.holder is None:
        raise Conflict(NOBODY)
    ending = _end(s, how, ctx)
    return [ending, *_next(s, ending["participant_id"], ctx)]


def start_round(
    s: WorkshopState,
    order: list[str],
    purpose: str | None,
    ctx: Context,
    ballot_id: str | None = None,
    seniors_last: bool = False,
) -> list[dict]:
    """A round-robin in `order`; the first speaker gets the floor when it is free. A round
    opened for a ballot (`ballot_id`) ends with that ballot."""
    if not order:
        raise Conflict("nobody present can take part in a round")
    shape = {"id": s.next_id("r"), "order": order, "purpose": purpose, "ballot_id": ballot_id}
    if seniors_last:
        shape["seniors_last"] = True
    started = event("round_started", round=shape)
    return [started] if s.floor.holder else [started, grant(s, order[0], "round", ctx)]


def end_ballot_round(
    s: WorkshopState, ballot_id: str, voters: Collection[str], ctx: Context
) -> list[dict]:
    """The round a ballot opened ends when the ballot does, its current turn with it: `voted`
    if its holder is among `voters` (their vote closed the ballot), else like a turn that ran
    out, for they neither spoke, passed nor voted."""
    running = s.floor.round
    if running is None or running.ballot_id != ballot_id:
        return []
    holder = s.floor.holder
    ending = []
    if holder and holder.kind == "round":
        ending = [_end(s, "voted" if holder.participant_id in voters else "unanswered", ctx)]
    return [*ending, event("round_ended", round_id=running.id)]


def answer_by_vote(
    s: WorkshopState, ballot_id: str, voter: str, ctx: Context, moves_on: bool = True
) -> list[dict]:
    """In the round opened for a ballot, a member's first vote is their answer.

    The speaker who votes has answered: their turn ends (`voted`) and, if `moves_on`, the floor
    goes to the next member who has not answered yet. Someone who voted before the round reached
    them is skipped: a consent round is there so that everyone answers, and they have; asking
    again only stretches the round (they can still raise a hand to speak). The room thus learns
    who has voted, never how: what a spoken round shows anyway. The caller leaves anonymous
    ballots out (none opens a round today), so a round never gives a secret voter away.
    """
    running = s.floor.round
    if running is None or running.ballot_id != ballot_id or voter not in running.remaining():
        return []
    answered = event("voted_in_round", round_id=running.id, participant_id=voter)
    holder = s.floor.holder
    if not moves_on or holder is None or holder.kind != "round" or holder.participant_id != voter:
        return [answered]
    return [answered, _end(s, "voted", ctx), *_next(s, voter, ctx)]


def the_turn(s: WorkshopState, p: Mapping) -> Turn:
    """The turn under way, which a command acts on; with `turn_id`, only if it is that one: a
    button pressed as a turn ran out must not end, skip or extend the next speaker's."""
    holder = s.floor.holder
    named = payload.ident(p, "turn_id", required=False)
    if holder is None:
        raise Conflict(f"turn {shown(named)} has ended already" if named else NOBODY)
    if named is not None and named != holder.id:
        raise Conflict(
            f"turn {shown(named)} has ended already: {person_named(s, holder.participant_id)}"
            f" holds the floor now (turn {shown(holder.id)}); nothing was changed"
        )
    return holder


def _holder_or_facilitator(s: WorkshopState, actor: Participant, p: Mapping) -> None:
    holder = the_turn(s, p)
    if actor.role != "facilitator" and actor.id != holder.participant_id:
        raise Forbidden("only the speaker or the facilitator can end this turn")


@command("raise_hand", "contributor")
def raise_hand(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Join the speaking queue."""
    if actor.id in s.floor.queue:
        raise Conflict("your hand is already raised")
    if s.floor.holder and s.floor.holder.participant_id == actor.id:
        raise Conflict("you hold the floor")
    return [event("hand_raised", participant_id=actor.id)]


@command("lower_hand", "member")
def lower_hand(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Leave the queue; the facilitator may lower anyone's hand."""
    target = payload.ident(p, "participant_id", required=False) or actor.id
    if target != actor.id and actor.role != "facilitator":
        raise Forbidden("only the facilitator can lower someone else's hand")
    if target not in s.participants:
        raise NotFound(f"participant {shown(target)} is not in this session")
    if target not in s.floor.queue:
        raise Conflict(f"{person_named(s, target)} has no hand raised")
    return [event("hand_lowered", participant_id=target)]


@command("set_queue_mode", "facilitator")
def set_queue_mode(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Queue order, or progressive stack (who has spoken least goes first)."""
    return [event("queue_mode_set", mode=payload.choice(p, "mode", turns.QUEUE_MODES))]


@command("set_time_box", "facilitator")
def set_time_box(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Seconds each new turn may last; null for no limit."""
    if "seconds" not in p:
        raise InvalidInput("seconds is required: a number of seconds, or null for no limit")
    return [event("time_box_set", seconds=payload.number(p, "seconds", 1, MAX_TURN))]


@command("grant_floor", "facilitator")
def grant_floor(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Give the floor to the next in the queue, or to a named participant."""
    target = payload.ident(p, "participant_id", required=False)
    ending = [_end(s, "ended", ctx)] if s.floor.holder else []
    if target is None:
        leaving = ending[0]["participant_id"] if ending else None
        nxt = _next(s, leaving, ctx)
        if not nxt or nxt[0]["type"] != "floor_granted":
            away = waiting(s, leaving)[0]
            if away and s.floor.round is None:
                names = ", ".join(person_named(s, pid) for pid in away)
                verb = "is" if len(away) == 1 else "are"
                raise Conflict(
                    f"nobody waiting to speak is here: {names} {verb} away"
                    " (a hand stays up until its owner is back)"
                )
            raise Conflict("nobody is waiting to speak")
        return ending + nxt
    person = s.participants.get(target)
    if person is None or not agenda.may_vote(s.kind, person.role):
        raise NotFound(f"participant {shown(target)} cannot take the floor in this session")
    if person.remote:  # by personal link: not in the room to speak
        raise Conflict(f"{person.name} takes part by personal link, not in the room")
    return ending + [grant(s, target, "direct", ctx)]


@command("extend_turn", "facilitator")
def extend_turn(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Give the speaker more time."""
    holder = the_turn(s, p)
    seconds = payload.number(p, "seconds", 1, MAX_TURN, default=60) or 60
    base = holder.deadline if holder.deadline is not None else ctx.now
    return [event("turn_extended", turn_id=holder.id, deadline=max(base, ctx.now) + seconds)]


@command("end_turn", "member")
def end_turn(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """The speaker yields, or the facilitator ends the turn."""
    _holder_or_facilitator(s, actor, p)
    how = "ended" if actor.role == "facilitator" else "yielded"
    return end_and_advance(s, how, ctx)


@command("skip_turn", "facilitator")
def skip_turn(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Move on from the current speaker at once."""
    the_turn(s, p)
    return end_and_advance(s, "skipped", ctx)


@command("pass_turn", "member")
def pass_turn(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Pass in a round-robin: the turn counts as taken, with nothing said."""
    _holder_or_facilitator(s, actor, p)
    if s.floor.round is None:
        raise Conflict("passing is for round-robins; use end_turn to yield the floor")
    if s.floor.answering() is None:
        raise Conflict(
            "passing answers a round-robin, and this turn is not a turn in the round (it was"
            " given from the queue or by name): use end_turn to yield the floor; the round"
            " asks in its turn"
        )
    return end_and_advance(s, "passed", ctx)


@command("expire_turn", "system")
def expire_turn(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """The server's timer: the time-box ran out."""
    holder = s.floor.holder
    if holder is None or holder.id != p.get("turn_id"):
        raise Conflict("that turn is over already")
    if holder.deadline is None or ctx.now < holder.deadline:
        raise Conflict("that turn still has time left")
    return end_and_advance(s, turns.ending(holder.kind), ctx)


def joining_in(s: WorkshopState, participant_id: str, role: str) -> list[dict]:
    """Someone of `role` who takes part and joins (not yet in `s`), or comes back, while a
    round-robin or a 1-2-4-All runs without them is in it too: everybody is heard,
    latecomers last (before the seniors still to speak, in a seniors-last round). A ballot's
    consent round is its electorate's, fixed when the ballot opened."""
    floor, events = s.floor, []
    running = floor.round
    if running is not None and running.ballot_id is None and participant_id not in running.order:
        joined = {"round_id": running.id, "participant_id": participant_id}
        if running.seniors_last:  # before those more senior still to speak
            speaking = floor.holder.participant_id if floor.holder else None
            waiting = [
                (pid, s.participants[pid].role) for pid in running.remaining() if pid != speaking
            ]
            joined["before"] = turns.latecomer_before(waiting, role)
        events.append(event("round_joined", **joined))
    structure = floor.structure
    grouped = structure and any(
        participant_id in group for group in structure.plan[structure.stage]["groups"]
    )
    if structure is not None and not grouped:
        events.append(event("structure_joined", participant_id=participant_id))
    return events


def missed(s: WorkshopState, participant_id: str) -> list[dict]:
    """What someone who takes turns (in the room, a role that takes part) is to be added to
    as they connect: a round-robin or a 1-2-4-All that started while they were away."""
    person = s.participants.get(participant_id)
    if person is None or not in_the_room(s, person):
        return []
    return joining_in(s, participant_id, person.role)


@command("arrived", "system")
def arrived(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Someone who takes part connected while a round-robin or a 1-2-4-All runs without them
    (they were away when it started): they are in it, as one who joins now is."""
    pid = payload.ident(p, "participant_id") or ""
    joined = missed(s, pid)
    if not joined:
        raise Conflict(f"participant {shown(pid)} has nothing running to be added to")
    return joined


MAX_STEP = 10 * 365 * 86400.0  # a wall clock set years off is a step too, not bad input


@command("clock_stepped", "system", when_closed=True)
def clock_stepped(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """The server's wall clock stepped `by` seconds (NTP corrected it, a machine resumed, a
    date set by hand): the turn and the 1-2-4-All stage under way keep the time they had
    left, and the turn the seconds it was held. `started_at` and `stage_deadline` name what
    the server saw, so a step already taken into account (by another process on the same
    database) is not taken twice."""
    by = payload.number(p, "by", -MAX_STEP, MAX_STEP)
    holder, structure = s.floor.holder, s.floor.structure
    turn = holder is not None and holder.started_at == p.get("started_at")
    stage = structure is not None and structure.deadline == p.get("stage_deadline")
    if not by or not (turn or stage):
        raise Conflict("nothing under way runs on the clock as it was, or the step was taken")
    return [event("clock_stepped", by=by, turn=turn, stage=stage)]


@command("start_round", "facilitator")
def start_round_command(
    s: WorkshopState, actor: Participant, p: Mapping, ctx: Context
) -> list[dict]:
    """Everyone present who takes part speaks or passes in turn; seniors last if asked."""
    if s.floor.round is not None:
        raise Conflict("a round is already running")
    seniors_last = payload.flag(p, "seniors_last")
    people = [(pid, s.participants[pid].role) for pid in voters_present(s, ctx)]
    order = turns.round_order(people, seniors_last)
    return start_round(s, order, payload.text(p, "purpose", 200), ctx, None, seniors_last)


@command("end_round", "facilitator")
def end_round(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Stop the round-robin early."""
    if s.floor.round is None:
        raise Conflict("no round is running")
    ending = [_end(s, "ended", ctx)] if s.floor.holder else []
    return ending + [event("round_ended", round_id=s.floor.round.id)]


@command("start_1_2_4_all", "facilitator")
def start_1_2_4_all(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """1 minute alone, 2 in pairs, 4 in foursomes, 5 all together; the server forms groups."""
    if s.floor.structure is not None:
        raise Conflict("a 1-2-4-All is already running")
    people = voters_present(s, ctx)
    if not people:
        raise Conflict("nobody present can take part")
    seed = int(payload.number(p, "seed", 0, 2**31, default=s.seq) or 0)
    plan = turns.stage_plan(people, seed)
    return [event("stage_started", stage=0, plan=plan, deadline=ctx.now + plan[0]["seconds"])]


def _advance_stage(s: WorkshopState, ctx: Context) -> list[dict]:
    structure = s.floor.structure
    if structure is None:
        raise Conflict("no 1-2-4-All is running")
    stage = structure.stage + 1
    if stage >= len(structure.plan):
        return [event("structure_ended")]
    deadline = ctx.now + structure.plan[stage]["seconds"]
    return [event("stage_started", stage=stage, plan=structure.plan, deadline=deadline)]


@command("next_stage", "facilitator")
def next_stage(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Move the 1-2-4-All on before its time is up."""
    return _advance_stage(s, ctx)


@command("advance_stage", "system")
def advance_stage(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """The server's timer for 1-2-4-All stages."""
    structure = s.floor.structure
    if structure is None or structure.stage != p.get("stage") or ctx.now < structure.deadline:
        raise Conflict("that stage is over already")
    return _advance_stage(s, ctx)
