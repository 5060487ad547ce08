"""Proposals: goals people put forward, their revisions, comments and merges."""

from __future__ import annotations

from collections.abc import Mapping

from workshop.domain import agenda, payload, review
from workshop.domain import chain as chains
from workshop.domain.commands import Context, command, event
from workshop.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from workshop.domain.hidden_texts import marked
from workshop.domain.plain import (
    LEVEL_NAMES,
    ballot_named,
    goal_named,
    person_named,
    proposal_named,
    quoted,
    status_word,
)
from workshop.domain.state import Ballot, Participant, Proposal, WorkshopState
from workshop.domain.text import TEXT_MAX, TITLE_MAX, clean_text, day_words, shown

CHANGES = ("new", "amend", "achieve", "retire")
LIVE = ("proposed", "rejected", "to_amend", "parked")  # statuses it can still move on from


def live_proposal(s: WorkshopState, proposal_id: str | None) -> Proposal:
    proposal = s.proposals.get(proposal_id or "")
    if proposal is None:
        raise NotFound(f"proposal {shown(proposal_id)} does not exist")
    if proposal.status not in LIVE:
        raise Conflict(f"{proposal_named(s, proposal)} is {status_word(proposal.status)}")
    return proposal


def check_not_being_decided(s: WorkshopState, proposal: Proposal) -> None:
    """Refuse to change a proposal, or vote on it again, while a ballot still decides it:
    open, closed and not yet revealed, or revealed and waiting for a ruling or a decider.
    Its result is still to land on the proposal: a second ballot's decision meanwhile would
    be overturned by the first one's."""
    for ballot in s.ballots.values():
        if proposal.id not in ballot.options:
            continue
        if ballot.status != "revealed":
            step = "close" if ballot.status == "open" else "reveal"
            raise Conflict(
                f"{proposal_named(s, proposal)} is being voted on in {ballot_named(s, ballot)}:"
                f" {step} that ballot first"
            )
        if waiting := waits_for(s, ballot):
            raise Conflict(f"{ballot_named(s, ballot)} {waiting}")


def waits_for(s: WorkshopState, ballot: Ballot) -> str | None:
    """What a revealed ballot still waits for before its result lands, in words ("waits for
    the facilitator's ruling on Raj's objection"), or None once it has landed."""
    result = ballot.result or {}
    if ballot.status != "revealed" or ballot.decision is not None:
        return None
    awaiting = result.get("awaiting_ruling") or []
    if awaiting:  # an anonymous ballot's objector is a label, never a name
        whose = f"{person_named(s, awaiting[0])}'s" if awaiting[0] in s.participants else "an"
        return f"waits for the facilitator's ruling on {whose} objection"
    if ballot.rule == "decider" or (ballot.tie_break or {}).get("how") == "decider":
        decider = s.decider()
        who = person_named(s, decider) if decider else "the decider"
        tie = " among the tied" if ballot.rule != "decider" else ""
        return f"waits for {who}'s decision{tie}"
    return None


def own_proposal(s: WorkshopState, actor: Participant, p: Mapping, verb: str) -> Proposal:
    """A live proposal that `actor` may change: its author or the facilitator, no open vote."""
    proposal = live_proposal(s, payload.ident(p, "proposal_id"))
    if actor.id != proposal.author and actor.role != "facilitator":
        raise Forbidden(
            f"only the author or the facilitator can {verb} {proposal_named(s, proposal)}"
        )
    check_not_being_decided(s, proposal)
    return proposal


def check_parents(s: WorkshopState, level: str, parents: list[str]) -> None:
    """Parents must be goals of the chain or live proposals, at the level above."""
    wanted = chains.PARENT_LEVELS.get(level, ())
    goals = chains.goals_by_id(s.chain)
    for parent in parents:
        found_level = _level_of(s, goals, parent)
        if found_level is None:
            raise InvalidInput(f"parents: unknown goal or proposal {shown(parent)}")
        if found_level not in wanted:
            needed = " or ".join(LEVEL_NAMES[w] for w in wanted) or "no"
            raise InvalidInput(
                f"parents: {goal_named(s, parent)} is a {LEVEL_NAMES[found_level]};"
                f" a {LEVEL_NAMES[level]} needs {needed} parents"
            )
    if level == "sprint" and len(parents) > 1:
        raise InvalidInput("parents: a sprint goal serves exactly one product goal")


GONE = ("rejected", "retired")  # a goal of the chain that nothing new may serve
IN_FORCE = chains.IN_FORCE  # a goal of the chain that a goal may serve
# The goals a review may change, by change: only one in force; achieved only once.
CHANGEABLE = {"amend": IN_FORCE, "achieve": ("accepted",), "retire": IN_FORCE}
CHANGE_DONE = {"amend": "amended", "achieve": "marked achieved", "retire": "retired"}
SERVABLE = ("proposed", "to_amend", "accepted")  # a proposal another may serve


def _level_of(s: WorkshopState, goals: dict, parent: str) -> str | None:
    """The level of a parent that may be served; None for an id that names nothing. One that
    names something no longer served is refused by its status, not called unknown."""
    if s.chain.vision is not None and parent == s.chain.vision.id:
        return "vision"
    proposal = s.proposals.get(parent)
    goal = _goal_of(s, goals, parent)
    if goal is not None and goal.status in GONE:
        status = goal.status
    elif proposal is not None and proposal.status not in SERVABLE:
        status = proposal.status
    else:
        found = goal or proposal
        return found.level if found is not None else None
    raise InvalidInput(
        f"parents: {shown(parent)} ({goal_named(s, parent)}) is {status_word(status)}:"
        " a new goal can only serve a goal still in force"
    )


def _goal_of(s: WorkshopState, goals: dict, parent: str) -> chains.Goal | None:
    """The goal of the chain a parent names: itself, or the goal an accepted proposal became."""
    return goals.get(_accepted_goal_id(s, parent) or parent)


def check_served(s: WorkshopState, proposal: Proposal) -> None:
    """A new or amended goal serves only goals in force: refuse one whose parent is not
    accepted yet (a proposal of this session, or a goal the chain file holds as proposed), or
    no longer (retired or rejected since), so the chain has no orphans."""
    if proposal.change not in ("new", "amend") or proposal.level == "vision":
        return
    goals = chains.goals_by_id(s.chain)
    vision = s.chain.vision.id if s.chain.vision else None
    for parent in proposal.parents:
        if vision is not None and vision in (parent, _accepted_goal_id(s, parent)):
            continue
        goal = _goal_of(s, goals, parent)
        if goal is None:
            raise Conflict(
                f"{proposal_named(s, proposal)}: its parent {goal_named(s, parent)}"
                " is not an accepted goal yet"
            )
        if goal.status in GONE:
            raise Conflict(
                f"{proposal_named(s, proposal)}: its parent {goal.id} ({goal_named(s, parent)})"
                f" is {status_word(goal.status)}: choose a parent still in force"
            )
        if goal.status not in IN_FORCE:
            raise Conflict(
                f"{proposal_named(s, proposal)}: its parent {goal.id} ({goal_named(s, parent)})"
                f" is {status_word(goal.status)}, not an accepted goal yet"
            )


def _content(p: Mapping, partial: bool) -> dict:
    """The goal fields of a proposal; with `partial`, only those present."""
    readers = {
        "title": lambda: payload.title(p),
        "description": lambda: payload.text(p, "description"),
        "parents": lambda: payload.ident_list(p, "parents"),
        "metrics": lambda: payload.metrics(p),
        "features": lambda: payload.features(p),
        "due": lambda: payload.due(p),
        "owner": lambda: payload.text(p, "owner", 80),
    }
    return {name: read() for name, read in readers.items() if not partial or name in p}


def check_features(level: str, features: list[str] | None) -> None:
    """Features are a roadmap entry's: a product goal's, not a vision's, user, business or
    sprint goal's."""
    if features and level != "product":
        raise InvalidInput(f"features: {chains.FEATURES_ONLY}, not a {LEVEL_NAMES[level]}")


def _review_target(s: WorkshopState, change: str, p: Mapping) -> tuple[str | None, str | None]:
    """For a review change: the existing goal it changes, and its level."""
    if change == "new":
        return None, None
    target = payload.ident(p, "target")
    vision = s.chain.vision
    if vision is not None and target == vision.id and "vision" in agenda.LEVELS_BY_KIND[s.kind]:
        if change != "amend":  # the vision is the purpose: restated, never done with
            raise InvalidInput(f"change: the vision is amended, not {change}d")
        return vision.id, "vision"
    if s.kind != "review":
        raise Conflict(f"a {change} proposal belongs in a review session")
    goal = chains.goals_by_id(s.chain).get(target or "")
    if goal is None:
        raise NotFound(f"target: goal {shown(target)} is not in the chain")
    check_changeable(change, goal)
    return goal.id, goal.level


def check_changeable(change: str, goal: chains.Goal) -> None:
    """A review changes goals in force: it cannot mark a rejected goal achieved, retire a
    goal twice, or amend a retired one (which would bring it back in force unsaid)."""
    if goal.status not in CHANGEABLE[change]:
        allowed = " or ".join(status_word(status) for status in CHANGEABLE[change])
        raise Conflict(
            f"target: {goal.id} ({quoted(goal.title)}) is {status_word(goal.status)}:"
            f" only a goal that is {allowed} can be {CHANGE_DONE[change]}"
        )


CHANGE_TITLES = {"achieve": "Mark ‘{}’ achieved", "retire": "Retire ‘{}’"}


def _change_title(change: str, goal: chains.Goal) -> str:
    """The title of a proposal to mark `goal` achieved or retire it, when its author gives
    none: people read the goal's title, never its id, shortened to keep within the limit."""
    pattern = CHANGE_TITLES[change]
    room = TITLE_MAX - len(pattern.format(""))
    title = goal.title if len(goal.title) <= room else goal.title[: room - 1].rstrip() + "…"
    return pattern.format(title)


def _goal_content(s: WorkshopState, goal_id: str) -> dict:
    """A chain goal's fields as a proposal holds them, each one there (empty when unset)."""
    current = _current(s, goal_id)
    lists = ("parents", "metrics", "features")
    return {name: current.get(name, [] if name in lists else None) for name in Proposal.CONTENT}


def _current(s: WorkshopState, goal_id: str) -> dict:
    """The fields of a chain goal as a proposal holds them (the vision's statement as title)."""
    vision = s.chain.vision
    if vision is not None and goal_id == vision.id:
        return {"title": vision.statement, "description": vision.description}
    goal = chains.goals_by_id(s.chain)[goal_id]
    return chains.to_dict(chains.Chain(goals=[goal]))["goals"][0]


def _same_goal(level: str, before: Mapping, after: Mapping) -> bool:
    """Whether an amendment leaves the goal as it is: as a review compares goals (parents
    in any order, a metric's readings no part of it)."""
    if level == "vision":
        return all(before.get(name) == after.get(name) for name in ("title", "description"))

    def as_goal(fields: Mapping) -> chains.Goal:
        return chains.goal_from_dict({"id": "-", "level": level, **fields})

    return not review.changes(as_goal(before), as_goal(after))


# One person cannot flood a session: what everyone receives on connect stays bounded.
PROPOSALS_EACH, PROPOSALS_IN_SESSION = 50, 500
# Every edit keeps the text before it: edits are bounded like comments, so `state` is too.
REVISIONS_EACH, REVISIONS_IN_SESSION = 100, 2000
COMMENTS_EACH, COMMENTS_IN_SESSION = 200, 2000


def _check_room(mine: int, each: int, total: int, most: int, what: str) -> None:
    if mine >= each:
        raise Conflict(f"you made {each} {what}, the most one person may", code="limit_reached")
    if total >= most:
        raise Conflict(f"this session holds {most} {what}, the most it may", code="limit_reached")


@command("propose_goal", "contributor")
def propose_goal(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Put a goal forward; in the silent propose phase its author stays hidden."""
    if s.phase not in agenda.PROPOSING_PHASES:
        raise Conflict(f"proposals are not taken in the {s.phase} phase")
    mine = sum(1 for prop in s.proposals.values() if prop.author == actor.id)
    _check_room(mine, PROPOSALS_EACH, len(s.proposals), PROPOSALS_IN_SESSION, "proposals")
    if any(not b.remote for b in s.open_ballots()):
        raise Conflict("no new proposals while a ballot is open")
    change = payload.choice(p, "change", CHANGES, "new")
    target, target_level = _review_target(s, change, p)
    levels = agenda.LEVELS_BY_KIND[s.kind]
    level = target_level or payload.choice(p, "level", levels)
    if level == "vision" and change == "new" and s.chain.vision is not None:
        # A chain has exactly one vision: a new statement proposed now is one to replace it.
        change, target = "amend", s.chain.vision.id
    if change in ("achieve", "retire") and "title" not in p:
        p = dict(p, title=_change_title(change, chains.goals_by_id(s.chain)[target or ""]))
    base = None
    if change == "amend":  # an amendment starts from the goal it changes
        content = _goal_content(s, target or "")
        base = dict(content)
        content.update(_content(p, partial=True))
        if _same_goal(level, base, content):  # its vote would "amend" it to itself
            raise InvalidInput(
                f"the amendment of {goal_named(s, target or '')} changes nothing: give what"
                " changes (its title, description, what it serves, metrics, due date or owner)"
            )
    else:
        content = _content(p, partial=False)
    check_parents(s, level, content["parents"])
    check_features(level, content["features"])
    hidden = s.phase in agenda.SILENT_PHASES and not s.authors_revealed
    proposal = dict(id=s.next_id("pr"), level=level, author=actor.id, change=change)
    proposal.update(content, target=target, hidden_author=hidden)
    if base is not None:  # what it changes from: a vote once the goal moved on would undo that
        proposal["base"] = base
    return [marked(s, event("goal_proposed", proposal=proposal))]


@command("edit_proposal", "member")
def edit_proposal(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Revise a proposal (its author or the facilitator); the earlier text is kept."""
    proposal = own_proposal(s, actor, p, "edit")
    if len(proposal.revisions) >= REVISIONS_EACH:
        raise Conflict(
            f"{proposal_named(s, proposal)} was edited {REVISIONS_EACH} times, the most one"
            " proposal keeps: propose a new one instead",
            code="limit_reached",
        )
    if sum(len(other.revisions) for other in s.proposals.values()) >= REVISIONS_IN_SESSION:
        raise Conflict(
            f"this session holds {REVISIONS_IN_SESSION} edits, the most it may",
            code="limit_reached",
        )
    changes = _content(p, partial=True)
    if "parents" in changes:
        check_parents(s, proposal.level, changes["parents"])
    check_features(proposal.level, changes.get("features"))
    changes = {k: v for k, v in changes.items() if getattr(proposal, k) != v}
    if not changes:
        raise InvalidInput("the edit changes nothing: send at least one changed field")
    by = None if proposal.hidden_author and actor.id == proposal.author else actor.id
    return [marked(s, event("proposal_revised", proposal_id=proposal.id, changes=changes, by=by))]


@command("withdraw_proposal", "member")
def withdraw_proposal(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Take a proposal back (its author or the facilitator): withdrawn by the facilitator, it
    says so (`by`), to its author and in the minutes."""
    proposal = own_proposal(s, actor, p, "withdraw")
    by = {} if actor.id == proposal.author else {"by": actor.id}
    return [event("proposal_withdrawn", proposal_id=proposal.id, **by)]


@command("restore_proposal", "member")
def restore_proposal(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Undo a withdrawal (its author or the facilitator): the proposal is back as it was."""
    proposal_id = payload.ident(p, "proposal_id") or ""
    proposal = s.proposals.get(proposal_id)
    if proposal is None:
        raise NotFound(f"proposal {shown(proposal_id)} does not exist")
    if actor.id != proposal.author and actor.role != "facilitator":
        raise Forbidden(
            f"only the author or the facilitator can restore {proposal_named(s, proposal)}"
        )
    if proposal.status != "withdrawn":
        raise Conflict(
            f"{proposal_named(s, proposal)} is {status_word(proposal.status)}, not withdrawn"
        )
    status = proposal.withdrawn_from or "proposed"
    return [event("proposal_restored", proposal_id=proposal.id, status=status)]


@command("merge_proposals", "facilitator")
def merge_proposals(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Fold duplicates into one proposal, which keeps its own text."""
    into = live_proposal(s, payload.ident(p, "into"))
    merged = payload.ident_list(p, "merge", required=True)
    if not merged or into.id in merged:
        raise InvalidInput("merge must list other proposals to fold into the kept one")
    for other in (live_proposal(s, pid) for pid in merged):
        if other.level != into.level:
            raise InvalidInput(
                f"merge: {proposal_named(s, other)} is a {LEVEL_NAMES[other.level]},"
                f" {proposal_named(s, into)} a {LEVEL_NAMES[into.level]}"
            )
        check_not_being_decided(s, other)
    check_not_being_decided(s, into)
    return [event("proposals_merged", into=into.id, merged=merged)]


@command("reveal_authors", "facilitator")
def reveal_authors(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """End the silent phase's anonymity: everyone sees who proposed what."""
    if s.authors_revealed:
        raise Conflict("authors are already revealed")
    authors = {pid: prop.author for pid, prop in s.proposals.items()}
    return [event("authors_revealed", authors=authors)]


@command("comment", "member")
def comment(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """A written comment on a proposal (counts toward the commenter's contributions)."""
    proposal = live_proposal(s, payload.ident(p, "proposal_id"))
    if actor.remote and actor.id not in proposal.reviewers:
        raise Forbidden(f"{proposal_named(s, proposal)} was not shared with you for comments")
    notes = [(c["by"] or prop.author) for prop in s.proposals.values() for c in prop.comments]
    mine = sum(1 for who in notes if who == actor.id)  # a hidden author's own are theirs too
    _check_room(mine, COMMENTS_EACH, len(notes), COMMENTS_IN_SESSION, "comments")
    words = clean_text(p.get("text"), "text", TEXT_MAX)
    # The author commenting on their own hidden proposal must not name themselves.
    by = None if proposal.hidden_author and actor.id == proposal.author else actor.id
    note = {"id": s.next_id("c"), "by": by, "text": words}
    return [marked(s, event("comment_added", proposal_id=proposal.id, comment=note))]


@command("record_kpi", "member")
def record_kpi(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Record a KPI reading against a goal's metric (review sessions, or anytime)."""
    if actor.role not in ("facilitator", "product") and s.kind != "review":
        raise Forbidden(
            "KPI readings are recorded in review sessions, or by the product person or the"
            " facilitator"
        )
    goal = chains.goals_by_id(s.chain).get(payload.ident(p, "goal_id") or "")
    vision = s.chain.vision
    if goal is None and vision is not None and p.get("goal_id") == vision.id:
        raise NotFound("goal_id: the vision has no metrics: a KPI reading is of a goal's metric")
    if goal is None:
        raise NotFound(f"goal_id: goal {shown(p.get('goal_id'))} is not in the chain")
    if goal.status not in IN_FORCE:  # a goal retired, rejected or only proposed is not read
        raise Conflict(
            f"goal_id: {goal_named(s, goal.id)} is {status_word(goal.status)}: only the KPIs of"
            " goals in force (accepted or achieved) are read"
        )
    metric = clean_text(p.get("metric"), "metric")
    if metric not in [m.name for m in goal.metrics]:
        raise NotFound(f"metric: {goal_named(s, goal.id)} has no metric {shown(metric)}")
    value = payload.number(p, "value", -1e12, 1e12)
    if value is None:
        raise InvalidInput("value must be a number")
    day = payload.day(p, "date") if p.get("date") is not None else ctx.today(s.time_zone)
    if day > ctx.latest_day():  # a reading is of a day that has come, wherever it was taken
        raise InvalidInput(
            f"date: {day_words(day)} is still to come: a reading is of a day that has begun"
        )
    return [
        event("kpi_recorded", goal_id=goal.id, metric=metric, value=value, date=day, by=actor.id)
    ]


def check_ready(s: WorkshopState, proposal: Proposal) -> None:
    """Refuse a vote on a proposal that cannot become a sound goal of the chain, or a change
    of a goal that is no longer in force (another ballot retired it since)."""
    vision = s.chain.vision
    if proposal.change != "new":
        if vision is None or proposal.target != vision.id:
            check_changeable(proposal.change, chains.goals_by_id(s.chain)[proposal.target or ""])
        # A vision proposed is a whole new statement, one of several alternatives: it undoes
        # no part of another. An amendment of a goal holds every field as it found them.
        base, target = proposal.base, proposal.target or ""
        if (
            base is not None
            and proposal.level != "vision"
            and not _same_goal(proposal.level, base, _goal_content(s, target))
        ):
            raise Conflict(
                f"{goal_named(s, target)} was changed since {proposal_named(s, proposal)} was"
                " proposed (another amendment was accepted): a vote on it would undo that"
                " change; propose the amendment again from the goal as it is now"
            )
        if proposal.change != "amend" or proposal.level == "vision":
            return
    elif proposal.level == "vision" and vision is not None:
        raise Conflict(
            f"{proposal_named(s, proposal)}: the chain has a vision ({quoted(vision.statement)})"
            " and a chain has exactly one; to change it, amend the vision: a vision proposed"
            " now is an amendment of it"
        )
    check_served(s, proposal)
    if proposal.level in ("user", "business") and vision is None:
        raise Conflict(
            f"{proposal_named(s, proposal)}: accept a vision before its"
            f" {LEVEL_NAMES[proposal.level]}s"
        )
    if proposal.level == "product":
        needed = [("a parent user or business goal", proposal.parents)]
        if proposal.change == "new":  # a roadmap's fields; an amendment changes what it names
            needed += [("a metric", proposal.metrics), ("a date or timeframe", proposal.due)]
        missing = [what for what, ok in needed if not ok]
        if missing:
            raise Conflict(
                f"{proposal_named(s, proposal)} needs {', '.join(missing)} before a vote"
            )
    if proposal.level == "sprint" and len(proposal.parents) != 1:
        raise Conflict(
            f"{proposal_named(s, proposal)}: a sprint goal needs exactly one product goal"
        )
    if proposal.level == "sprint" and proposal.change == "new" and (had := sprint_has_goal(s)):
        raise Conflict(f"{had}: one goal per sprint")


def sprint_has_goal(s: WorkshopState) -> str | None:
    """ "this sprint has its goal already (“…”)" once a sprint goal was accepted here: one
    sprint, one goal, so no other new sprint goal goes to a vote."""
    agreed = [p.goal_id for p in s.proposals.values() if p.level == "sprint" and p.goal_id]
    return f"this sprint has its goal already ({goal_named(s, agreed[0])})" if agreed else None


def _one_of_a_kind(proposal: Proposal) -> str | None:
    """What a proposal would be the one of, if the chain holds one: the vision, the sprint's
    goal."""
    if proposal.level == "vision":
        return "the vision"
    return "this sprint's goal" if proposal.level == "sprint" and proposal.change == "new" else None


def check_no_rival_ballot(s: WorkshopState, proposal: Proposal) -> None:
    """The vision and a sprint's goal are one of a kind: two ballots on rivals for it (a
    remote one runs beside the room's) would both pass, the second replacing the first."""
    kind = _one_of_a_kind(proposal)
    if kind is None:
        return
    for ballot in s.ballots.values():
        rivals = [
            option
            for option in ballot.options
            if option != proposal.id and _one_of_a_kind(s.proposals[option]) == kind
        ]
        if rivals and ballot.status != "revealed":
            raise Conflict(
                f"{ballot_named(s, ballot)} decides {kind} already: one ballot at a time"
                " (a dot or ranked ballot can weigh the options together)"
            )


def check_no_retiring_parent(s: WorkshopState, proposal: Proposal) -> None:
    """A goal's retirement and a new goal serving it are never voted on at once: were the
    retirement to pass first, the other would pass as an orphan."""
    for other in (s.proposals[o] for b in s.open_ballots() for o in b.options):
        for retiring, serving in ((other, proposal), (proposal, other)):
            if retiring.change == "retire" and retiring.target in _served(s, serving):
                raise Conflict(
                    f"{proposal_named(s, proposal)} cannot be voted on while"
                    f" {proposal_named(s, other)} is: one retires the goal the other serves;"
                    " close that ballot first"
                )


def _served(s: WorkshopState, proposal: Proposal) -> set[str]:
    """The goals of the chain a new proposal serves."""
    if proposal.change != "new":
        return set()
    goals = chains.goals_by_id(s.chain)
    return {goal.id for goal in (_goal_of(s, goals, p) for p in proposal.parents) if goal}


def _accepted_goal_id(s: WorkshopState, proposal_id: str) -> str | None:
    proposal = s.proposals.get(proposal_id)
    return proposal.goal_id if proposal is not None and proposal.status == "accepted" else None


def goal_from_proposal(s: WorkshopState, proposal: Proposal, decided: dict) -> dict:
    """The chain goal an accepted proposal becomes, parents resolved to goal ids."""
    if proposal.level == "vision":
        vision_id = s.chain.vision.id if s.chain.vision else "V1"
        return {
            "id": vision_id,
            "level": "vision",
            "title": proposal.title,
            "description": proposal.description,
            "decided": decided,
        }
    parents = [_accepted_goal_id(s, parent) or parent for parent in proposal.parents]
    if proposal.level in ("user", "business") and not parents and s.chain.vision:
        parents = [s.chain.vision.id]
    goal_id = proposal.target or chains.next_goal_id(s.chain, proposal.level)
    goal = {"id": goal_id, "level": proposal.level, "status": "accepted", "decided": decided}
    goal.update(proposal.content(), parents=parents)
    amended = chains.goals_by_id(s.chain).get(proposal.target or "")
    if amended is not None:  # a KPI the amendment keeps (by name) keeps its readings
        history = {metric.name: metric.readings for metric in amended.metrics}
        goal["metrics"] = [
            {**metric, "readings": [dict(r) for r in history[metric["name"]]]}
            if history.get(metric["name"])
            else metric
            for metric in goal.get("metrics") or []
        ]
    return goal
