"""What each person may see: the state snapshot on connect, and each event as sent.

Secret votes never leave here before the reveal, not even to the facilitator; hidden
authors stay hidden to all but themselves, and so do hidden texts (but for the
facilitator); airtime figures go to the facilitator. The room screen (viewer SCREEN) is
nobody: it sees what the whole room sees.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from workshop.domain import agenda, anonymity, hidden_texts, turns
from workshop.domain import chain as chains
from workshop.domain import workshop as _registry  # noqa: F401 (`me` asks about every command)
from workshop.domain.commands import by_link_may, may_send
from workshop.domain.floor import on_the_floor, queue_order, waiting
from workshop.domain.plain import rule_sentence
from workshop.domain.proposals import LIVE, goal_from_proposal, sprint_has_goal
from workshop.domain.review import changes, session_review
from workshop.domain.state import Ballot, Participant, Proposal, WorkshopState
from workshop.domain.voting import default_rule

SCREEN = "screen"  # the viewer id of a room screen, which is no participant
SCREEN_ME = {
    "id": SCREEN,
    "name": "Room screen",
    "role": SCREEN,
    "can_vote": False,
    "can_propose": False,
    "is_decider": False,
}


def sees_all(s: WorkshopState, viewer_id: str) -> bool:
    """Whether the viewer gets the facilitator's view (the room screen never does)."""
    person = s.participants.get(viewer_id)
    return person is not None and person.role == "facilitator"


def event_view(item: dict, facilitator: bool) -> dict:
    """An event as the room (or the facilitator) receives it."""
    if item["type"] == "vote_cast":
        shown = {
            k: item[k] for k in ("seq", "type", "at", "ballot_id", "turnout", "electorate_size")
        }
        if facilitator:
            shown.update(voter=item["voter"], replaced=item["replaced"])
        return shown
    if item["type"] == "goal_proposed" and item["proposal"].get("hidden_author"):
        item = {**item, "proposal": {**item["proposal"], "author": None}}
    return item if facilitator else hidden_texts.room_view(item)


def votes_view(items: list[dict], facilitator: bool) -> dict:
    """Several `vote_cast` events of one ballot as one message covering seqs first..last."""
    last = event_view(items[-1], facilitator)
    shown = {**last, "first_seq": items[0]["seq"], "count": len(items)}
    if facilitator:
        shown.pop("voter", None)
        shown.pop("replaced", None)
        shown["voters"] = [item["voter"] for item in items]
    return shown


Message = tuple[str, dict, dict]  # (event name, the room's view, the facilitator's view)


def messages(events: list[dict]) -> list[Message]:
    """The messages that tell a room of `events`, in order, each seq covered once.

    Consecutive votes of one ballot become one turnout message; a vote alone keeps its
    own form, with `voter` and `replaced` for the facilitator.
    """
    runs: list[list[dict]] = []
    for item in events:
        previous = runs[-1][-1] if runs else None
        if (
            previous is not None
            and item["type"] == previous["type"] == "vote_cast"
            and item["ballot_id"] == previous["ballot_id"]
        ):
            runs[-1].append(item)
        else:
            runs.append([item])
    return [
        (run[0]["type"], event_view(run[0], False), event_view(run[0], True))
        if len(run) == 1
        else ("vote_cast", votes_view(run, False), votes_view(run, True))
        for run in runs
    ]


def snapshot(
    s: WorkshopState,
    viewer_id: str,
    present: Collection[str],
    ballot_keys: Mapping[str, str] | None = None,
) -> dict:
    """The whole session as `viewer_id` may see it; `ballot_keys` (of anonymous ballots still
    open) let a voter see their own vote and the facilitator who has voted."""
    keys = ballot_keys or {}
    me = None if viewer_id == SCREEN else s.participants[viewer_id]
    facilitator = sees_all(s, viewer_id)
    view = {
        "seq": s.seq,
        "session": _session(s),
        "me": _me(s, me) if me else dict(SCREEN_ME),
        "participants": [_person(p, p.id in present) for p in s.participants.values()],
        "proposals": [_proposal(s, p, viewer_id, facilitator) for p in s.proposals.values()],
        "ballots": [_ballot(s, b, viewer_id, facilitator, keys) for b in s.ballots.values()],
        "floor": _floor(s, present),
        "chain": chains.to_document(s.chain),
        "kpi_readings": list(s.kpi_readings),
    }
    if facilitator:
        view["airtime"] = airtime(s)
    if s.kind == "review":
        view["review"] = session_review(s)
    return view


def _session(s: WorkshopState) -> dict:
    return {
        "id": s.id,
        "kind": s.kind,
        "title": s.title,
        "product": s.product,
        "time_zone": s.time_zone,
        "phase": s.phase,
        "agenda": s.agenda,
        "phase_log": s.phase_log,
        "facilitator_id": s.facilitator_id,
        "decider_id": s.decider(),
        "authors_revealed": s.authors_revealed,
        "texts_hidden": s.texts_hidden,
        "levels": list(agenda.LEVELS_BY_KIND.get(s.kind, ())),
        "default_rules": dict(agenda.DEFAULT_RULE_BY_LEVEL),
        "closed": s.phase == "close",
    }


def _me(s: WorkshopState, me: Participant) -> dict:
    """Who this is and what they may do, by the same checks the commands meet (a personal
    link votes and comments only)."""
    return {
        "id": me.id,
        "name": me.name,
        "role": me.role,
        "can_vote": agenda.may_vote(s.kind, me.role) and may_send(s, me, "cast_vote"),
        "can_propose": may_send(s, me, "propose_goal"),
        # The decider is worked out once: may_send would walk every participant again for it.
        "is_decider": me.id == s.decider() and by_link_may(me, "record_decision"),
    }


def _person(p: Participant, present: bool) -> dict:
    return {"id": p.id, "name": p.name, "role": p.role, "present": present, "remote": p.remote}


def _proposal(s: WorkshopState, p: Proposal, viewer_id: str, facilitator: bool) -> dict:
    view = dict(p.__dict__)
    view["mine"] = p.author == viewer_id
    view["default_rule"] = default_rule(s, p)  # shown before the vote
    if p.hidden_author and p.author != viewer_id:
        view["author"] = None
    goal = chains.goal_from_dict(
        {"id": p.id, "level": p.level, **p.content(), "status": "proposed"}
    )
    # SMART advice is for a goal's text: marking one achieved or retiring it has none.
    smart = chains.smart_advice(goal) if p.change in ("new", "amend") else []
    view["advice"] = smart + _no_vote_yet(s, p)
    amended = chains.goals_by_id(s.chain).get(p.target or "") if p.change == "amend" else None
    if amended is not None and p.status in LIVE:  # what the room votes to change, shown first
        after = chains.goal_from_dict(goal_from_proposal(s, p, {}))
        view["amends"] = changes(amended, after)
    if s.texts_hidden and not facilitator and p.author != viewer_id:
        return hidden_texts.card(view)
    return view


def _no_vote_yet(s: WorkshopState, p: Proposal) -> list[str]:
    """Why a live proposal cannot go to a vote as it stands, on its card before the
    facilitator tries to open one: a new product or sprint goal serving nothing; a second
    sprint goal once the sprint has its goal."""
    if p.change != "new" or p.status not in LIVE:
        return []
    advice = []
    if p.level in ("product", "sprint") and not p.parents:
        advice.append("serves no goal yet: it needs one before a vote")
    if p.level == "sprint" and (had := sprint_has_goal(s)):
        advice.append(f"{had}: it cannot go to a vote")
    return advice


def _ballot(
    s: WorkshopState, b: Ballot, viewer_id: str, facilitator: bool, keys: Mapping[str, str]
) -> dict:
    # `titles` stay in: the pages name a past ballot's options as they were voted on.
    hidden = ("votes", "voted_at", "revealed_votes", "versions")
    view = {k: v for k, v in b.__dict__.items() if k not in hidden}
    view["turnout"] = len(b.votes)
    view["rule_sentence"] = rule_sentence(s, b)  # said before the vote, on every page alike
    if b.status == "revealed":
        view["votes"] = b.revealed_votes
    if b.anonymous:  # said before anyone votes
        view["anonymity"] = anonymity.PROMISE
    mine = anonymity.known_voter(b, viewer_id, keys)
    if mine in b.votes:
        view["my_vote"] = b.votes[mine]
    if facilitator and (not b.anonymous or b.id in keys):  # after the reveal nobody knows
        filed = {pid: anonymity.voter(b, pid, keys) for pid in b.electorate}
        view["not_voted"] = [pid for pid in b.electorate if filed[pid] not in b.votes]
    return view


def _floor(s: WorkshopState, present: Collection[str]) -> dict:
    """The floor; `queue` is in the order it will be served, those away last, `next` who
    speaks after the holder and `up_next` all who will, in that order."""
    floor = s.floor
    holder = floor.holder
    order, _kind = waiting(s, holder.participant_id if holder else None)
    queue = queue_order(s)
    here = [pid for pid in order if pid in present]
    return {
        "mode": floor.mode,
        "time_box": floor.time_box,
        "queue": [p for p in queue if p in present] + [p for p in queue if p not in present],
        "next": here[0] if here else None,
        "up_next": here,
        "away": [pid for pid in on_the_floor(s) if pid not in present],
        "holder": {**holder.__dict__, "answers_round": floor.answering() is not None}
        if holder
        else None,
        "round": floor.round.__dict__ if floor.round else None,
        "structure": floor.structure.__dict__ if floor.structure else None,
    }


def airtime(s: WorkshopState) -> dict:
    """Seconds, turns, proposals and comments per person, with the Gini and who dominates."""
    people = [
        p.id
        for p in s.participants.values()
        if not p.remote and any(agenda.may_vote(s.kind, role) for role in p.roles())
    ]  # remote voters never hold the floor: they are not "silent" in the room; whoever took
    # part before facilitation was handed to them keeps their row
    proposals: dict[str, int] = {}
    comments: dict[str, int] = {}
    for prop in s.proposals.values():
        if not prop.hidden_author:  # counting them would name the silent phase's authors
            proposals[prop.author] = proposals.get(prop.author, 0) + 1
        for note in prop.comments:
            comments[note["by"]] = comments.get(note["by"], 0) + 1
    rows = turns.airtime_table(s.floor.seconds, s.floor.turns, proposals, comments, people)
    return {"rows": [row.__dict__ for row in rows], **turns.dominance_summary(rows)}
