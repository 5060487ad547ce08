"""Ballots: open with a rule and a fixed electorate, secret votes, close, reveal, outcome.

Every result comes from `rules.tally` over the ballot record, the same function the
`workshop tally` command runs on an exported record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

from workshop.domain import agenda, anonymity, payload, provenance, review, rules, turns
from workshop.domain import chain as chains
from workshop.domain.commands import CLOSED, Context, command, event, voters_present
from workshop.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from workshop.domain.floor import answer_by_vote, end_ballot_round, grant, start_round
from workshop.domain.plain import (
    KIND_NAMES,
    NOBODY_DECIDES,
    PHASE_NAMES,
    ballot_named,
    person_named,
    proposal_named,
    quoted,
    rule_name,
    status_word,
)
from workshop.domain.proposals import (
    check_no_retiring_parent,
    check_no_rival_ballot,
    check_not_being_decided,
    check_ready,
    check_served,
    goal_from_proposal,
    live_proposal,
)
from workshop.domain.rules.ballot import resolve_settings
from workshop.domain.rules.words import names
from workshop.domain.state import Ballot, Participant, Proposal, WorkshopState
from workshop.domain.text import SHOWN_ITEMS, natural_key, shown

# Anonymity would hide the objector a consent round must hear, the low fist the floor goes
# to, and the advice a decider weighs: those rules are always open.
ANONYMOUS_RULES = ("unanimity", "majority", "dot", "ranked")
# Fewer voters than this and an anonymous ballot's reveal shows who voted what.
ANONYMOUS_FEWEST = 2
SETTINGS = {"quorum", "supermajority", "dots", "max_per_option", "advisory_rule"}
MAX_DEADLINE = 60 * 24 * 3600  # remote ballots stay open for up to 60 days
_ADVICE_ON_ONE = (
    ", and a decider ballot on one is advised by unanimity, consent, majority or fist of five"
)
_RANKING_FOR_SEVERAL = "; use dot voting or ranked choice for several"
_ADVICE_ON_SEVERAL = (
    ": for several, the decider chooses among them after advice by dot voting or ranked choice"
    " (settings.advisory_rule)"
)


def find_ballot(s: WorkshopState, p: Mapping, status: str | None = None) -> Ballot:
    """The ballot named by `ballot_id`: a malformed id is bad input, an unknown one not found."""
    ballot_id = payload.ident(p, "ballot_id") or ""
    ballot = s.ballots.get(ballot_id)
    if ballot is None:
        raise NotFound(f"ballot {shown(ballot_id)} does not exist")
    if status is not None and ballot.status != status:
        raise Conflict(
            f"{ballot_named(s, ballot)} is {status_word(ballot.status)}, not {status_word(status)}"
        )
    return ballot


def moment_words(at: float) -> str:
    """A moment as people read it in a message: 14:03:12 UTC on 2 December 2026."""
    moment = datetime.fromtimestamp(at, UTC)
    return f"{moment:%H:%M:%S} UTC on {moment.day} {moment:%B %Y}"


def vote_rule(rule: str, settings: Mapping) -> str:
    """The rule a single vote follows: the advisory rule under `decider`."""
    return settings.get("advisory_rule", "consent") if rule == "decider" else rule


def record(ballot: Ballot, rulings: Mapping[str, dict] | None = None) -> dict:
    """The ballot record of API.md: what the minutes export and `workshop tally` reads."""
    rulings = ballot.rulings if rulings is None else rulings
    votes = []
    for voter in sorted(ballot.votes, key=natural_key):
        vote = {"voter": voter, **ballot.votes[voter]}
        ruling = rulings.get(voter)
        if ruling:
            verdict = "upheld" if ruling["stands"] else "ruled_out"
            vote[verdict] = {"by": ruling["by"], "reason": ruling["reason"]}
        votes.append(vote)
    doc = {
        "rule": ballot.rule,
        "options": list(ballot.options),
        "electorate": list(ballot.electorate),
        "settings": dict(ballot.settings),
        "votes": votes,
    }
    if ballot.decision is not None:
        doc["decision"] = dict(ballot.decision)
    return doc


def anonymized(doc: dict) -> dict:
    """The same record with voters replaced by labels in an order that reveals nobody, and
    the electorate by labels too, so that nobody reads off who did not vote."""
    votes = sorted(doc["votes"], key=lambda v: json.dumps({k: v[k] for k in v if k != "voter"}))
    labels = {v["voter"]: f"voter {i + 1}" for i, v in enumerate(votes)}
    silent = [f"member {i + 1}" for i in range(len(doc["electorate"]) - len(votes))]
    shown = [{**v, "voter": labels[v["voter"]]} for v in votes]
    return {**doc, "electorate": [*labels.values(), *silent], "votes": shown}


def public_record(ballot: Ballot) -> dict:
    doc = record(ballot)
    return anonymized(doc) if ballot.anonymous else doc


def labels(s: WorkshopState, titles: Mapping[str, str]) -> dict[str, str]:
    """What a result's reasons call each id: a proposal by its title in quotes, a person by
    name, so that people read "“Move more” is the winner", never an id. `titles` are the
    ballot's options as they were voted on, which later edits do not change."""
    named = {pid: person.name for pid, person in s.participants.items()}
    current = {pid: proposal.title for pid, proposal in s.proposals.items()}
    return named | {pid: quoted(title) for pid, title in (current | dict(titles)).items()}


def labelled(s: WorkshopState, doc: Mapping, titles: Mapping[str, str]) -> dict:
    """The record with the labels of the ids it names, so a recount says the same words."""
    named = labels(s, titles)
    ids = [*doc["options"], *doc["electorate"]]
    ids += [v[key]["by"] for v in doc["votes"] for key in ("ruled_out", "upheld") if key in v]
    ids += [doc["decision"]["by"]] if doc.get("decision") else []
    return {**doc, "labels": {key: named[key] for key in ids if key in named}}


def tally(s: WorkshopState, doc: Mapping, titles: Mapping[str, str]) -> dict:
    """The result of a ballot record, its reasons in the words people read."""
    return rules.tally(rules.ballot_from_record(labelled(s, doc, titles))).to_dict()


def _settings(rule: str, options: list[str], raw: object) -> dict:
    """The ballot's settings: the defaults, overlaid with what the facilitator chose."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"settings must be an object, got {shown(raw)}")
    unknown = [shown(key) for key in raw if key not in SETTINGS]
    if unknown:
        named = ", ".join(unknown[:SHOWN_ITEMS]) + (", …" if len(unknown) > SHOWN_ITEMS else "")
        raise InvalidInput(
            f"settings: unknown setting{'s' if len(unknown) > 1 else ''} {named}"
            f" (known: {', '.join(sorted(SETTINGS))})"
        )
    given: dict = {}
    if "quorum" in raw:
        given["quorum"] = payload.number(raw, "quorum", 0, 1)
    if "supermajority" in raw:
        given["supermajority"] = payload.flag(raw, "supermajority")
    for name in ("dots", "max_per_option"):
        if name in raw:
            amount = payload.number(raw, name, 1, 100)
            if amount != int(amount or 0):
                raise InvalidInput(
                    f"settings.{name} must be a whole number, got {shown(raw[name])}"
                )
            given[name] = int(amount or 1)
    if "advisory_rule" in raw:
        given["advisory_rule"] = payload.choice(raw, "advisory_rule", rules.RULES[:-1])
    return resolve_settings(rule, options, given)  # a budget alone is also the limit


def default_rule(s: WorkshopState, proposal: Proposal) -> str:
    """The rule of the round that sent it back to amend; else `standing_rule`."""
    if proposal.sent_back is not None:
        return proposal.sent_back["rule"]
    return standing_rule(s, proposal)


def standing_rule(s: WorkshopState, proposal: Proposal) -> str:
    """The default of PRODUCT.md §4, which any other rule is chosen instead of: the level's
    rule for a new goal, the session kind's for a change to an existing one."""
    if proposal.change != "new":
        return agenda.DEFAULT_RULE_BY_KIND[s.kind]
    return agenda.DEFAULT_RULE_BY_LEVEL[proposal.level]


def _rule(s: WorkshopState, proposal: Proposal, p: Mapping) -> tuple[str, str | None]:
    """The rule asked for, and the reason required when it differs from the default."""
    level, default = proposal.level, default_rule(s, proposal)
    rule = payload.choice(p, "rule", rules.RULES, default)
    reason = payload.text(p, "rule_reason", 1000)
    kept = proposal.sent_back
    if kept is not None and rule == kept["rule"]:  # the new round keeps the first one's rule
        reason = reason or kept["rule_reason"]
    elif rule != default and not reason:
        instead = (
            f"{default}, the rule of the round that sent it back to amend"
            if kept is not None
            else f"the default {default} for {level} goals"
        )
        raise InvalidInput(f"rule_reason: say why {rule} replaces {instead}")
    if rule == "decider" and s.decider() is None:
        raise Conflict(f"nobody can decide: {NOBODY_DECIDES}")
    return rule, reason


def _electorate(s: WorkshopState, p: Mapping, ctx: Context) -> list[str]:
    """Voters present whose role may vote, or the facilitator's explicit list of such voters."""
    if p.get("electorate") is None:
        chosen = voters_present(s, ctx)
    else:
        chosen = payload.ident_list(p, "electorate")
        for pid in chosen:
            person = s.participants.get(pid)
            if person is None:
                raise InvalidInput(f"electorate: {shown(pid)} is not in this session")
            if not agenda.may_vote(s.kind, person.role):
                who = person_named(s, pid)
                raise InvalidInput(
                    f"electorate: {who} may not vote in a {KIND_NAMES[s.kind]} session"
                )
        absent = [pid for pid in chosen if pid not in ctx.present or s.participants[pid].remote]
        if absent:
            who = names([person_named(s, pid) for pid in absent])
            raise InvalidInput(
                f"electorate: {who} {'is' if len(absent) == 1 else 'are'} not present:"
                " the electorate is who is in the room when the ballot opens"
                " (people voting from afar come in through remote_voters)"
            )
    for pid in payload.ident_list(p, "remote_voters"):
        person = s.participants.get(pid)
        if person is None:
            raise InvalidInput(f"remote_voters: {shown(pid)} is not in this session")
        if not person.remote or not agenda.may_vote(s.kind, person.role):
            raise InvalidInput(
                f"remote_voters: {person_named(s, pid)} is not a remote participant who may vote"
            )
        if pid not in chosen:
            chosen.append(pid)
    if not chosen:
        raise Conflict("nobody present may vote: the electorate would be empty")
    return chosen


def voter_named(s: WorkshopState, participant_id: str) -> str:
    """Someone named in an electorate: by name if they are in the session, else as sent."""
    return (
        person_named(s, participant_id)
        if participant_id in s.participants
        else shown(participant_id)
    )


@command("open_ballot", "facilitator")
def open_ballot(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Open a vote on proposals under a rule; the electorate is fixed now."""
    return new_ballot(s, actor, p, ctx)


def new_ballot(
    s: WorkshopState, actor: Participant, p: Mapping, ctx: Context, runoff_of: str | None = None
) -> list[dict]:
    """The events of a new ballot: a vote the facilitator opens, or the runoff of a tie."""
    deadline_in = payload.number(p, "deadline_seconds", 1, MAX_DEADLINE)
    if deadline_in is None and s.phase not in agenda.BALLOT_PHASES:
        held = names([quoted(PHASE_NAMES[phase]) for phase in agenda.BALLOT_PHASES])
        raise Conflict(
            f"ballots are held in the phases {held}, not in {quoted(PHASE_NAMES[s.phase])}"
        )
    if s.texts_hidden:
        raise Conflict("the proposals' texts are hidden from the room: reveal them before a vote")
    busy = [b for b in s.open_ballots() if not b.remote]
    if busy and deadline_in is None:
        raise Conflict(f"{ballot_named(s, busy[0])} is still open; close it first")
    ids = payload.ident_list(p, "proposal_ids", required=True)
    proposals = [live_proposal(s, pid) for pid in ids]
    if not proposals or len({prop.level for prop in proposals}) != 1:
        raise InvalidInput("proposal_ids must name one or more proposals of one level")
    rule, reason = _rule(s, proposals[0], p)
    settings = _settings(rule, ids, p.get("settings"))
    counted = vote_rule(rule, settings)  # a decider's advice may rank several proposals
    if counted in rules.YES_NO_RULES and len(ids) != 1:
        raise InvalidInput(
            f"a ballot by {rule_name(rule)} decides one proposal"
            + (_ADVICE_ON_SEVERAL if rule == "decider" else _RANKING_FOR_SEVERAL)
        )
    if counted not in rules.YES_NO_RULES and len(ids) < 2:
        raise InvalidInput(
            f"a ballot by {rule_name(counted)} needs at least two proposals to choose between"
            + (_ADVICE_ON_ONE if rule == "decider" else "")
        )
    if rule == "decider":  # the ballot record says who has to decide
        settings["decider"] = s.decider()
    for prop in proposals:
        check_not_being_decided(s, prop)
        if prop.status == "to_amend":
            raise Conflict(
                f"{proposal_named(s, prop)} went back to its author to amend:"
                " revise it before a new round"
            )
        check_ready(s, prop)
        check_no_rival_ballot(s, prop)
        check_no_retiring_parent(s, prop)
    anonymous = payload.flag(p, "anonymous")
    seniors_last = payload.flag(p, "seniors_last")  # checked whatever the rule
    if anonymous and rule not in ANONYMOUS_RULES:
        raise InvalidInput(
            f"a {rule} ballot cannot be anonymous (allowed: {', '.join(ANONYMOUS_RULES)})"
        )
    electorate = _electorate(s, p, ctx)
    if anonymous and len(electorate) < ANONYMOUS_FEWEST:
        (alone,) = electorate
        raise Conflict(
            f"an anonymous ballot needs at least {ANONYMOUS_FEWEST} voters: with"
            f" {person_named(s, alone)} alone in its electorate, its reveal would show how"
            " they voted; open it named, or with more voters"
        )
    ballot = {
        "id": s.next_id("b"),
        "options": ids,
        "rule": rule,
        "electorate": electorate,
        "settings": settings,
        "anonymous": anonymous,
        "rule_reason": reason,
        "opened_by": actor.id,
        "deadline": ctx.now + deadline_in if deadline_in else None,
        "remote": deadline_in is not None,
        # As voted on: a page told of the ballot before it fetched the proposals names them.
        "titles": {prop.id: prop.title for prop in proposals},
    }
    if runoff_of is not None:
        ballot["runoff_of"] = runoff_of
    events = [event("ballot_opened", ballot=ballot)]
    live = [(pid, s.participants[pid].role) for pid in electorate if not s.participants[pid].remote]
    if vote_rule(rule, ballot["settings"]) == "consent" and s.floor.round is None and live:
        purpose = f"consent round on “{proposals[0].title}”"
        # With `seniors_last` the product person answers after the team (no HIPPO anchor).
        order = turns.round_order(live, seniors_last)
        events += start_round(s, order, purpose, ctx, ballot["id"])
    return events


@command("cast_vote", "member", when_closed=True)
def cast_vote(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Vote, or change one's vote, while the ballot is open; it stays secret until the reveal.
    A remote ballot runs to its deadline, past the session's close."""
    ballot = find_ballot(s, p)
    if s.phase == "close" and ballot.deadline is None:
        raise Conflict(CLOSED)
    if ballot.status != "open":
        raise Conflict(f"{ballot_named(s, ballot)} is closed: votes are no longer taken")
    if ballot.deadline is not None and ctx.now >= ballot.deadline:  # before its timer runs
        raise Conflict(f"voting closed at {moment_words(ballot.deadline)}")
    if actor.id not in ballot.electorate or not agenda.may_vote(s.kind, actor.role):
        raise Forbidden(f"you are not in the electorate of {ballot_named(s, ballot)}")
    raw = p.get("vote")
    if not isinstance(raw, Mapping):
        raise InvalidInput(
            f'vote must be an object such as {{"choice": "agree"}}, got {shown(raw)}'
        )
    for ruling in ("ruled_out", "upheld"):  # only the facilitator rules, with rule_objection
        if ruling in raw:
            raise InvalidInput(f"a vote cannot carry {ruling}: the facilitator rules on objections")
    vote = rules.normalize_vote(
        vote_rule(ballot.rule, ballot.settings), raw, ballot.options, ballot.settings
    )
    me = anonymity.voter(ballot, actor.id, ctx.ballot_keys)  # a pseudonym if anonymous
    replaced = me in ballot.votes
    turnout = len(ballot.votes) + (0 if replaced else 1)
    events = [
        event(
            "vote_cast",
            ballot_id=ballot.id,
            voter=me,
            vote=vote,
            turnout=turnout,
            electorate_size=len(ballot.electorate),
            replaced=replaced,
        )
    ]
    completes = ballot.remote and turnout == len(ballot.electorate)
    if not ballot.anonymous:  # an anonymous ballot's round must not tell who voted
        events += answer_by_vote(s, ballot.id, actor.id, ctx, moves_on=not completes)
    if completes:
        votes = {**ballot.votes, me: vote}
        events += close_and_reveal(s, ballot, ctx, votes)
    return events


def close_and_reveal(
    s: WorkshopState,
    ballot: Ballot,
    ctx: Context,
    votes: dict | None = None,
    expired: bool = False,
) -> list[dict]:
    """Close a ballot and reveal it at once (remote ballots at their deadline or full turnout)."""
    counted = votes if votes is not None else ballot.votes
    shadow = Ballot(**{**ballot.__dict__, "votes": dict(counted)})
    return [*_closing(s, ballot, counted, ctx, expired), *_reveal(s, shadow, ctx)]


def _closing(
    s: WorkshopState, ballot: Ballot, votes: Mapping, ctx: Context, expired: bool = False
) -> list[dict]:
    """The ballot stops taking votes; a round opened for it ends with it. One its deadline
    `expired` closed then, whenever its timer ran (the server may have been down)."""
    closed = event("ballot_closed", ballot_id=ballot.id, turnout=len(votes))
    if expired:
        closed["closed_at"] = ballot.deadline
    return [closed, *end_ballot_round(s, ballot.id, votes.keys(), ctx)]


@command("close_ballot", "facilitator")
def close_ballot(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Stop taking votes; with `reveal`, reveal at once."""
    ballot = find_ballot(s, p, "open")
    if payload.flag(p, "reveal"):
        return close_and_reveal(s, ballot, ctx)
    return _closing(s, ballot, ballot.votes, ctx)


@command("close_expired_ballot", "system", when_closed=True)
def close_expired_ballot(
    s: WorkshopState, actor: Participant, p: Mapping, ctx: Context
) -> list[dict]:
    """The server's timer: a remote ballot's deadline passed."""
    ballot = find_ballot(s, p, "open")
    if ballot.deadline is None or ctx.now < ballot.deadline:
        raise Conflict(f"{ballot_named(s, ballot)} has time left")
    return close_and_reveal(s, ballot, ctx, expired=True)


@command("reveal_ballot", "facilitator")
def reveal_ballot(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Show every vote at once, with the result and why."""
    return _reveal(s, find_ballot(s, p, "closed"), ctx)


def _reveal(s: WorkshopState, ballot: Ballot, ctx: Context) -> list[dict]:
    doc = public_record(ballot)
    result = tally(s, doc, ballot.titles)
    revealed = event("ballot_revealed", ballot_id=ballot.id, votes=doc["votes"], result=result)
    return [revealed, *_outcome(s, ballot, result, ctx)]


def _outcome(s: WorkshopState, ballot: Ballot, result: dict, ctx: Context) -> list[dict]:
    """What the result does to the proposals, the chain and the floor."""
    rule = ballot.rule
    if rule == "dot":
        return []  # dot only ranks
    if rule == "ranked":
        winner = result.get("winner")
        return accept(s, ballot, winner, result, ctx) if winner else []
    proposal_id = ballot.options[0]
    events: list[dict] = []
    fists = result.get("advisory") or result  # fist-of-five advice to a decider counts alike
    if vote_rule(rule, ballot.settings) == "fist_of_five" and fists.get("low_voters"):
        events += _low_voters_first(s, list(fists["low_voters"]), ctx)
    if rule == "decider":
        return events  # the decider decides after seeing the advice
    if result["passed"]:
        return events + accept(s, ballot, proposal_id, result, ctx)
    if result.get("awaiting_ruling"):
        return events  # no verdict: the facilitator tests each objection first
    standing = [o for o in result.get("objections") or () if o["stands"]]
    if standing:  # failed for a missing response too: the objection is still to be met
        return events + [sent_back(ballot, proposal_id, standing[0]["voter"], standing[0])]
    return events + [event("proposal_rejected", proposal_id=proposal_id, ballot_id=ballot.id)]


def sent_back(
    ballot: Ballot, proposal_id: str, objector: str, vote: Mapping, ruling: str | None = None
) -> dict:
    """The proposal goes back to its author to amend, to meet `objector`'s objection (`vote`);
    `ruling` is why it stands, None when nobody ruled on it. Its next round keeps the rule."""
    return event(
        "proposal_to_amend",
        proposal_id=proposal_id,
        ballot_id=ballot.id,
        rule=ballot.rule,
        rule_reason=ballot.rule_reason,
        objector=objector,
        objection=vote.get("reason"),
        ruling=ruling,
    )


def _low_voters_first(s: WorkshopState, low: list[str], ctx: Context) -> list[dict]:
    """Whoever showed fewest fingers speaks first: in the room (a remote voter, who votes by
    link, is not there to take the floor)."""
    low = [pid for pid in low if pid in s.participants and not s.participants[pid].remote]
    if not low:
        return []
    events = [event("queue_prioritized", participant_ids=low)]
    if s.floor.holder is None:
        events.append(grant(s, low[0], "queue", ctx))
    return events


def accept(
    s: WorkshopState, ballot: Ballot, proposal_id: str, result: dict, ctx: Context
) -> list[dict]:
    """The proposal becomes a goal of the chain (or changes one), decided by this ballot."""
    proposal = s.proposals[proposal_id]
    check_served(s, proposal)  # its parents may have been retired since the ballot opened
    if proposal.change in ("achieve", "retire"):
        decided = provenance.decided(s, ballot, result, ctx.iso(), proposal.id, proposal.target)
        status = "achieved" if proposal.change == "achieve" else "retired"
        return [
            event(
                "goal_status_changed",
                goal_id=proposal.target,
                status=status,
                proposal_id=proposal.id,
                decided=decided,
            )
        ]
    goal = goal_from_proposal(s, proposal, {})
    goal["decided"] = provenance.decided(s, ballot, result, ctx.iso(), proposal.id, goal["id"])
    accepted = event("goal_accepted", proposal_id=proposal.id, goal=goal)
    if goal["level"] == "vision" and s.chain.vision is not None:  # the one vision, restated
        accepted["replaced"] = s.chain.vision.statement
    elif proposal.change == "amend":  # a goal of the chain changed: the minutes say from what
        amended = next(g for g in s.chain.goals if g.id == goal["id"])
        accepted["amended"] = amended.title
        accepted["changes"] = review.changes(amended, chains.goal_from_dict(goal))
    return [accepted]
