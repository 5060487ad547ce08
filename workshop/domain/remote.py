"""Remote stakeholders: ballots sent by personal link, and drafts shared for comment.

Each remote person is a participant with `remote=True`, whose link (a token the service
makes for every remote `participant_joined`) expires with the ballot or the review.
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import copy

from workshop.domain import agenda, payload
from workshop.domain.commands import Context, command, event
from workshop.domain.errors import Conflict, InvalidInput
from workshop.domain.proposals import own_proposal
from workshop.domain.state import Participant, WorkshopState
from workshop.domain.text import NAME_MAX, clean_text
from workshop.domain.voting import MAX_DEADLINE, open_ballot

MAX_INVITES = 200


def _invite(
    s: WorkshopState, p: Mapping, field: str, role: str, expires: float
) -> tuple[list[dict], list[str]]:
    """participant_joined events for named newcomers, plus ids of remote people re-invited."""
    people = p.get(field) or []
    if not isinstance(people, list) or len(people) > MAX_INVITES:
        raise InvalidInput(
            f"{field} must be a list of at most {MAX_INVITES} people, got {people!r}"
        )
    events, ids = [], []
    number = s.counters.get("pt", 0)
    for i, person in enumerate(people):
        if isinstance(person, str) and person in s.participants:
            if not s.participants[person].remote:
                raise InvalidInput(
                    f"{field}[{i}]: {person} is in the room, not a remote participant"
                )
            ids.append(person)
            continue
        name = clean_text(
            person.get("name") if isinstance(person, Mapping) else person,
            f"{field}[{i}].name",
            NAME_MAX,
        )
        number += 1
        joined = {"id": f"pt{number}", "name": name, "role": role, "remote": True}
        events.append(event("participant_joined", participant=joined, link_expires=expires))
        ids.append(joined["id"])
    return events, ids


def _remote_role(s: WorkshopState, p: Mapping) -> str:
    """Remote people are stakeholders, unless the kind lets only the team vote."""
    roles = agenda.VOTING_ROLES[s.kind]
    return payload.choice(p, "role", roles, "stakeholder" if "stakeholder" in roles else "team")


@command("send_remote_ballot", "facilitator")
def send_remote_ballot(
    s: WorkshopState, actor: Participant, p: Mapping, ctx: Context
) -> list[dict]:
    """A ballot for remote voters (and, if chosen, the room) that closes at its deadline."""
    seconds = payload.number(p, "deadline_seconds", 1, MAX_DEADLINE)
    if seconds is None:
        raise InvalidInput("deadline_seconds: a remote ballot needs a deadline")
    joins, remote_ids = _invite(s, p, "voters", _remote_role(s, p), ctx.now + seconds)
    if not remote_ids:
        raise InvalidInput("voters: name at least one remote voter")
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
    seconds = payload.number(p, "deadline_seconds", 60, MAX_DEADLINE)
    if seconds is None:
        raise InvalidInput("deadline_seconds: say how long the review links stay valid")
    joins, reviewers = _invite(s, p, "reviewers", _remote_role(s, p), ctx.now + seconds)
    if not reviewers:
        raise InvalidInput("reviewers: name at least one reviewer")
    if proposal.status != "proposed":
        raise Conflict(f"proposal {proposal.id} is {proposal.status}")
    shared = event(
        "draft_shared", proposal_id=proposal.id, reviewers=reviewers, deadline=ctx.now + seconds
    )
    return [*joins, shared]
