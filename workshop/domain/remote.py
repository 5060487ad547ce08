"""Remote stakeholders: ballots sent by personal link, and drafts shared for comment.

Each remote person is a participant with `remote=True`, whose link (a token the service
makes for every remote `participant_joined`) expires with the ballot or the review.
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import copy

from workshop.domain import agenda, identity, payload
from workshop.domain.commands import Context, command, event
from workshop.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from workshop.domain.plain import proposal_named, status_word
from workshop.domain.proposals import own_proposal
from workshop.domain.session import PARTICIPANTS_MAX
from workshop.domain.state import Participant, WorkshopState
from workshop.domain.text import shown
from workshop.domain.voting import MAX_DEADLINE, open_ballot

MAX_INVITES = 200


def _invite(
    s: WorkshopState, actor: Participant, p: Mapping, field: str, shortest: float, ctx: Context
) -> tuple[list[dict], list[str], float]:
    """Newcomers named in `field` (participant_joined events), the ids of everyone invited
    (remote people named by id are invited again), and when their links expire.

    Only the facilitator brings new people in: anyone else may name only remote people
    the facilitator already invited, or a team member could invent voters."""
    seconds = payload.number(p, "deadline_seconds", shortest, MAX_DEADLINE)
    if seconds is None:
        raise InvalidInput("deadline_seconds: say when the personal links expire")
    people = p.get(field) or []
    if not isinstance(people, list) or not people or len(people) > MAX_INVITES:
        raise InvalidInput(f"{field} must list 1 to {MAX_INVITES} people, got {shown(people)}")
    role, expires = _remote_role(s, p), ctx.now + seconds
    events, ids = [], []
    number = s.counters.get("pt", 0)
    newcomers: list[Participant] = []
    for i, person in enumerate(people):
        if isinstance(person, str) and person in s.participants:
            if not s.participants[person].remote:
                raise InvalidInput(
                    f"{field}[{i}]: {person} is in the room, not a remote participant"
                )
            ids.append(person)
            continue
        if actor.role != "facilitator":
            raise Forbidden(
                f"{field}[{i}]: only the facilitator invites new people; share with"
                " remote people already invited to this session"
            )
        name = person.get("name") if isinstance(person, Mapping) else person
        name = identity.person_name(name, f"{field}[{i}].name")
        _check_newcomer(s, newcomers, name, f"{field}[{i}]")
        number += 1
        joined = {"id": f"pt{number}", "name": name, "role": role, "remote": True}
        newcomers.append(Participant(**joined, joined_at=ctx.now))
        events.append(event("participant_joined", participant=joined, link_expires=expires))
        ids.append(joined["id"])
    if events and len(s.participants) + len(events) > PARTICIPANTS_MAX:
        raise Conflict(
            f"a session holds at most {PARTICIPANTS_MAX} participants, remote people included",
            code="limit_reached",
        )
    return events, ids, expires


def _check_newcomer(s: WorkshopState, newcomers: list[Participant], name: str, where: str) -> None:
    """A new remote person goes by a name nobody else has: a second Alice with a link would
    vote as well as the Alice in the room. Someone invited before is named by id."""
    twin = identity.named_like(newcomers, name)
    if twin is not None:
        raise InvalidInput(f"{where}: {twin.name} is named twice: each person is invited once")
    taken = identity.named_like(s.participants.values(), name)
    if taken is None:
        return
    if taken.remote:
        raise Conflict(
            f"{where}: someone named {taken.name} was already invited to this session: name"
            f" them by their id {taken.id} to invite them again, or give another name"
        )
    raise Conflict(
        f"{where}: someone named {taken.name} is already in this session, in the room: a"
        " person takes part once, in the room or by link; give another name"
    )


def _remote_role(s: WorkshopState, p: Mapping) -> str:
    """Remote people are stakeholders, unless the kind lets only the team vote."""
    roles = agenda.VOTING_ROLES[s.kind]
    return payload.choice(p, "role", roles, "stakeholder" if "stakeholder" in roles else "team")


@command("send_remote_ballot", "facilitator")
def send_remote_ballot(
    s: WorkshopState, actor: Participant, p: Mapping, ctx: Context
) -> list[dict]:
    """A ballot for remote voters (and, if chosen, the room) that closes at its deadline."""
    joins, remote_ids, _expires = _invite(s, actor, p, "voters", 1, ctx)
    room = payload.flag(p, "include_room")
    ballot_payload = {**p, "remote_voters": remote_ids, "electorate": None if room else []}
    shadow = _with_participants(s, joins)
    return joins + open_ballot(shadow, actor, ballot_payload, ctx)


def _with_participants(s: WorkshopState, joins: list[dict]) -> WorkshopState:
    """The state as it will be once the newcomers joined, for the checks that follow."""
    if not joins:
        return s
    shadow = copy(s)
    shadow.participants = dict(s.participants)
    shadow.counters = dict(s.counters)
    for item in joins:
        person = Participant(**item["participant"], joined_at=0.0)
        shadow.participants[person.id] = person
        shadow.take_id(person.id)
    return shadow


@command("share_draft", "member")
def share_draft(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Send a draft goal to stakeholders by link for written comments before any vote."""
    proposal = own_proposal(s, actor, p, "share")
    joins, reviewers, expires = _invite(s, actor, p, "reviewers", 60, ctx)
    if proposal.status != "proposed":
        raise Conflict(f"{proposal_named(s, proposal)} is {status_word(proposal.status)}")
    shared = event("draft_shared", proposal_id=proposal.id, reviewers=reviewers, deadline=expires)
    return [*joins, shared]


@command("reissue_link", "facilitator")
def reissue_link(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """A new personal link for a remote person; the old one stops working. Links are shown
    once, so a facilitator who lost one (a reload, a closed tab) needs a way to send it again.
    For someone in the room, a link back to their place: a phone gone flat leaves them no way
    in as themselves (one person, one name), and the link on the lost device stops working."""
    pid = payload.ident(p, "participant_id")
    person = s.participants.get(pid or "")
    if person is None:
        raise NotFound(f"participant_id: {shown(pid)} is not in this session")
    if person.role == "facilitator":
        raise Conflict("the facilitator's own link is the private facilitator link")
    if not person.remote:  # `room`: the connections of the lost device are let go
        return [event("link_reissued", participant_id=pid, room=True)]
    waiting = any(b.status == "open" and pid in b.electorate for b in s.ballots.values())
    waiting = waiting or any(
        pid in prop.reviewers and prop.status == "proposed" for prop in s.proposals.values()
    )
    if not waiting:
        raise Conflict(
            f"nothing waits for {person.name}: no open ballot or draft is theirs,"
            " so a new link would open nothing"
        )
    return [event("link_reissued", participant_id=pid)]
