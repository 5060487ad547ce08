"""The session as a fold over its event log: `apply(state, event)` is the only mutation.

Every event carries everything needed to apply it (ids, times, computed results), so a
replay of the log on any process, after any crash, rebuilds exactly the same state.
"""

from __future__ import annotations

from collections.abc import Callable

from workshop.domain import chain as chains
from workshop.domain import turns
from workshop.domain.state import (
    Ballot,
    Participant,
    Proposal,
    Round,
    Structure,
    Turn,
    WorkshopState,
)

Apply = Callable[[WorkshopState, dict], None]
_APPLY: dict[str, Apply] = {}


def applies(event_type: str) -> Callable[[Apply], Apply]:
    def register(fn: Apply) -> Apply:
        _APPLY[event_type] = fn
        return fn

    return register


EVENT_TYPES = _APPLY.keys()


def apply(state: WorkshopState, event: dict) -> None:
    """Fold one stored event into the state."""
    _APPLY[event["type"]](state, event)
    state.seq = event.get("seq", state.seq + 1)


def _leave_queue(s: WorkshopState, pid: str) -> None:
    s.floor.queue = [other for other in s.floor.queue if other != pid]
    s.floor.priority = [other for other in s.floor.priority if other != pid]


@applies("session_created")
def _session_created(s: WorkshopState, e: dict) -> None:
    s.kind, s.title, s.product, s.created_at = e["kind"], e["title"], e.get("product"), e["at"]
    s.agenda = list(e["agenda"])
    s.time_zone = e.get("time_zone", "UTC")
    s.input_chain = e.get("input_chain")
    s.chain = chains.from_dict(s.input_chain) if s.input_chain else chains.Chain()
    if s.product and not s.chain.product:
        s.chain.product = s.product
    facilitator = Participant(**e["facilitator"], joined_at=e["at"])
    s.participants[facilitator.id] = facilitator
    s.facilitator_id = facilitator.id
    s.take_id(facilitator.id)
    s.phase = s.agenda[0]
    s.phase_log.append({"phase": s.phase, "at": e["at"]})


@applies("participant_joined")
def _participant_joined(s: WorkshopState, e: dict) -> None:
    person = Participant(**e["participant"], joined_at=e["at"])
    s.participants[person.id] = person
    s.take_id(person.id)


@applies("link_reissued")
def _link_reissued(s: WorkshopState, e: dict) -> None:
    """Links are tokens in the store, not state: the log keeps only that one was replaced."""


@applies("facilitation_handed_over")
def _handed_over(s: WorkshopState, e: dict) -> None:
    old, new = s.participants[e["from_id"]], s.participants[e["to_id"]]
    old.role, new.role = old.previous_role() or "observer", "facilitator"
    for person in (old, new):
        person.held.append({"role": person.role, "at": e["at"]})
    s.facilitator_id = new.id
    if s.decider_id == new.id:  # a facilitator never decides, nor after handing back
        s.decider_id = None
    _leave_queue(s, new.id)


@applies("phase_changed")
def _phase_changed(s: WorkshopState, e: dict) -> None:
    s.phase = e["phase"]
    s.phase_log.append({"phase": e["phase"], "at": e["at"], "how": e.get("how")})


@applies("agenda_changed")
def _agenda_changed(s: WorkshopState, e: dict) -> None:
    s.agenda = list(e["agenda"])


@applies("goal_proposed")
def _goal_proposed(s: WorkshopState, e: dict) -> None:
    proposal = Proposal(**e["proposal"], created_at=e["at"])
    s.proposals[proposal.id] = proposal
    s.take_id(proposal.id)


@applies("proposal_revised")
def _proposal_revised(s: WorkshopState, e: dict) -> None:
    proposal = s.proposals[e["proposal_id"]]
    proposal.revisions.append({"at": e["at"], "by": e["by"], "before": proposal.content()})
    for name, value in e["changes"].items():
        setattr(proposal, name, value)
    if proposal.status in ("rejected", "to_amend", "parked"):
        proposal.status = "proposed"  # an amended proposal may go to a new round


@applies("proposal_withdrawn")
def _proposal_withdrawn(s: WorkshopState, e: dict) -> None:
    proposal = s.proposals[e["proposal_id"]]
    proposal.withdrawn_from, proposal.status = proposal.status, "withdrawn"
    proposal.withdrawn_by = e.get("by")


@applies("proposal_restored")
def _proposal_restored(s: WorkshopState, e: dict) -> None:
    proposal = s.proposals[e["proposal_id"]]
    proposal.status, proposal.withdrawn_from, proposal.withdrawn_by = e["status"], None, None


@applies("proposals_merged")
def _proposals_merged(s: WorkshopState, e: dict) -> None:
    """The merged proposals are folded into one; what served them now serves that one, as
    after a settled ballot: a proposal whose parent can never be accepted is stranded."""
    merged, into = set(e["merged"]), e["into"]
    for pid in merged:
        s.proposals[pid].status = "merged"
        s.proposals[pid].merged_into = into
    for proposal in s.proposals.values():
        if merged & set(proposal.parents):
            moved = [into if parent in merged else parent for parent in proposal.parents]
            proposal.parents = list(dict.fromkeys(moved))


@applies("authors_revealed")
def _authors_revealed(s: WorkshopState, e: dict) -> None:
    s.authors_revealed = True
    for proposal in s.proposals.values():
        proposal.hidden_author = False


@applies("texts_hidden")
def _texts_hidden(s: WorkshopState, e: dict) -> None:
    s.texts_hidden = True


@applies("texts_revealed")
def _texts_revealed(s: WorkshopState, e: dict) -> None:
    s.texts_hidden = False


@applies("comment_added")
def _comment_added(s: WorkshopState, e: dict) -> None:
    s.proposals[e["proposal_id"]].comments.append(dict(e["comment"], at=e["at"]))
    s.take_id(e["comment"]["id"])


@applies("draft_shared")
def _draft_shared(s: WorkshopState, e: dict) -> None:
    proposal = s.proposals[e["proposal_id"]]
    proposal.reviewers += [pid for pid in e["reviewers"] if pid not in proposal.reviewers]


@applies("hand_raised")
def _hand_raised(s: WorkshopState, e: dict) -> None:
    s.floor.queue.append(e["participant_id"])


@applies("hand_lowered")
def _hand_lowered(s: WorkshopState, e: dict) -> None:
    _leave_queue(s, e["participant_id"])


@applies("queue_prioritized")
def _queue_prioritized(s: WorkshopState, e: dict) -> None:
    first = list(e["participant_ids"])
    s.floor.queue = first + [pid for pid in s.floor.queue if pid not in first]
    s.floor.priority = first + [pid for pid in s.floor.priority if pid not in first]


@applies("queue_mode_set")
def _queue_mode_set(s: WorkshopState, e: dict) -> None:
    s.floor.mode = e["mode"]


@applies("time_box_set")
def _time_box_set(s: WorkshopState, e: dict) -> None:
    s.floor.time_box = e["seconds"]


@applies("floor_granted")
def _floor_granted(s: WorkshopState, e: dict) -> None:
    turn = Turn(**e["turn"])
    s.floor.holder = turn
    s.take_id(turn.id)
    if not e.get("hand_kept"):  # a round's turn leaves a raised hand up for the discussion
        _leave_queue(s, turn.participant_id)


@applies("turn_extended")
def _turn_extended(s: WorkshopState, e: dict) -> None:
    if s.floor.holder is not None:
        s.floor.holder.deadline = e["deadline"]


@applies("turn_ended")
def _turn_ended(s: WorkshopState, e: dict) -> None:
    floor, pid = s.floor, e["participant_id"]
    answers_round = floor.answering() == pid
    floor.holder = None
    seconds, taken = turns.airtime_of(e["how"], e["seconds"])
    floor.seconds[pid] = floor.seconds.get(pid, 0.0) + seconds
    floor.turns[pid] = floor.turns.get(pid, 0) + taken
    floor.log.append({k: e[k] for k in ("turn_id", "participant_id", "seconds", "how", "at")})
    floor.log[-1]["started_at"] = e["started_at"]
    if answers_round and floor.round is not None:
        floor.round.done.append(pid)
        if e["how"] in turns.NO_WORD:
            floor.round.passed.append(pid)


@applies("voted_in_round")
def _voted_in_round(s: WorkshopState, e: dict) -> None:
    running = s.floor.round
    if running is not None and running.id == e["round_id"]:
        running.done.append(e["participant_id"])
        running.voted.append(e["participant_id"])


@applies("round_started")
def _round_started(s: WorkshopState, e: dict) -> None:
    s.floor.round = Round(**e["round"])
    s.floor.found_by_round = s.floor.holder.id if s.floor.holder else None
    s.take_id(e["round"]["id"])


@applies("clock_stepped")
def _clock_stepped(s: WorkshopState, e: dict) -> None:
    holder, structure = s.floor.holder, s.floor.structure
    if e["turn"] and holder is not None:
        holder.started_at += e["by"]
        if holder.deadline is not None:
            holder.deadline += e["by"]
    if e["stage"] and structure is not None:
        structure.deadline += e["by"]


@applies("round_joined")
def _round_joined(s: WorkshopState, e: dict) -> None:
    running = s.floor.round
    if running is not None and running.id == e["round_id"]:
        running.order = turns.with_joined(running.order, e["participant_id"], e.get("before"))


@applies("structure_joined")
def _structure_joined(s: WorkshopState, e: dict) -> None:
    structure = s.floor.structure
    if structure is not None:
        structure.plan = turns.with_latecomer(structure.plan, structure.stage, e["participant_id"])


@applies("round_ended")
def _round_ended(s: WorkshopState, e: dict) -> None:
    s.floor.round = None


@applies("stage_started")
def _stage_started(s: WorkshopState, e: dict) -> None:
    if e["stage"] == 0:
        s.floor.structure = Structure(plan=e["plan"], stage=0, deadline=e["deadline"])
    elif s.floor.structure is not None:
        s.floor.structure.stage, s.floor.structure.deadline = e["stage"], e["deadline"]


@applies("structure_ended")
def _structure_ended(s: WorkshopState, e: dict) -> None:
    s.floor.structure = None


@applies("ballot_opened")
def _ballot_opened(s: WorkshopState, e: dict) -> None:
    ballot = Ballot(**e["ballot"], opened_at=e["at"])
    if not ballot.titles:  # logged before ballots carried their titles
        ballot.titles = {pid: s.proposals[pid].title for pid in ballot.options}
    ballot.versions = {pid: len(s.proposals[pid].revisions) for pid in ballot.options}
    s.ballots[ballot.id] = ballot
    if ballot.runoff_of:
        s.ballots[ballot.runoff_of].tie_break = {"how": "runoff", "ballot_id": ballot.id}
    s.take_id(ballot.id)
    for option in ballot.options:  # a new vote on it: settled again only after this one
        s.proposals[option].settled_by = None
    if ballot.rule_reason:
        s.rule_changes.append(
            {"ballot_id": ballot.id, "rule": ballot.rule, "reason": ballot.rule_reason}
        )


@applies("tie_referred")
def _tie_referred(s: WorkshopState, e: dict) -> None:
    s.ballots[e["ballot_id"]].tie_break = {"how": "decider", "decider": e["decider"], "at": e["at"]}


@applies("ballot_settled")
def _ballot_settled(s: WorkshopState, e: dict) -> None:
    for pid in e["others"]:
        s.proposals[pid].status, s.proposals[pid].settled_by = e["status"], e["ballot_id"]
    for moved in e["reparented"]:
        proposal = s.proposals[moved["proposal_id"]]
        proposal.revisions.append({"at": e["at"], "by": e["by"], "before": proposal.content()})
        proposal.parents = list(moved["parents"])
    settled = {k: e[k] for k in ("kept", "others", "status", "reparented", "by", "at")}
    s.ballots[e["ballot_id"]].settled = settled


@applies("vote_cast")
def _vote_cast(s: WorkshopState, e: dict) -> None:
    """A vote; in the log of a revealed anonymous ballot, only that one was cast (the
    votes are in the reveal)."""
    ballot = s.ballots[e["ballot_id"]]
    ballot.votes[e["voter"]] = e.get("vote", {})
    ballot.voted_at[e["voter"]] = e["at"]


@applies("ballot_closed")
def _ballot_closed(s: WorkshopState, e: dict) -> None:
    ballot = s.ballots[e["ballot_id"]]
    ballot.status, ballot.closed_at = "closed", e.get("closed_at", e["at"])


@applies("objection_ruled")
def _objection_ruled(s: WorkshopState, e: dict) -> None:
    ruling = {"stands": e["stands"], "reason": e["reason"], "by": e["by"], "at": e["at"]}
    ballot = s.ballots[e["ballot_id"]]
    ballot.rulings[e["voter"]], ballot.result = ruling, e["result"]


@applies("ballot_revealed")
def _ballot_revealed(s: WorkshopState, e: dict) -> None:
    """The votes shown to all; an anonymous ballot's are from now on the ones it shows,
    under labels, with no time: its pseudonyms and their times are let go."""
    ballot = s.ballots[e["ballot_id"]]
    ballot.status, ballot.revealed_at = "revealed", e["at"]
    ballot.result, ballot.revealed_votes = e["result"], e["votes"]
    if ballot.anonymous:
        ballot.votes = {v["voter"]: {k: v[k] for k in v if k != "voter"} for v in e["votes"]}
        ballot.voted_at = {}


@applies("decision_recorded")
def _decision_recorded(s: WorkshopState, e: dict) -> None:
    ballot = s.ballots[e["ballot_id"]]
    ballot.decision, ballot.result = e["decision"], e["result"]
    if ballot.rule == "decider":  # who decided, should the decider have changed since it opened
        ballot.settings = {**ballot.settings, "decider": e["decision"]["by"]}


@applies("decider_delegated")
def _decider_delegated(s: WorkshopState, e: dict) -> None:
    """A tie, or a ballot under the decider rule, still waiting for the decider now waits for
    the new one, who may choose."""
    s.decider_id = e["participant_id"]
    for ballot in s.ballots.values():
        if (ballot.tie_break or {}).get("how") == "decider" and ballot.decision is None:
            ballot.tie_break = {**ballot.tie_break, "decider": e["participant_id"]}
        if ballot.rule == "decider" and ballot.decision is None:  # its record names who decides
            ballot.settings = {**ballot.settings, "decider": e["participant_id"]}


@applies("goal_accepted")
def _goal_accepted(s: WorkshopState, e: dict) -> None:
    proposal = s.proposals[e["proposal_id"]]
    proposal.status, proposal.goal_id = "accepted", e["goal"]["id"]
    chains.put_goal(s.chain, chains.goal_from_dict(e["goal"]))


@applies("proposal_to_amend")
def _proposal_to_amend(s: WorkshopState, e: dict) -> None:
    proposal = s.proposals[e["proposal_id"]]
    proposal.status = "to_amend"
    keys = ("ballot_id", "rule", "rule_reason", "objector", "objection", "ruling")
    proposal.sent_back = {k: e[k] for k in keys} | {"at": e["at"]}


@applies("proposal_rejected")
def _proposal_rejected(s: WorkshopState, e: dict) -> None:
    s.proposals[e["proposal_id"]].status = "rejected"


@applies("goal_status_changed")
def _goal_status_changed(s: WorkshopState, e: dict) -> None:
    proposal = s.proposals.get(e.get("proposal_id") or "")
    if proposal is not None:
        proposal.status, proposal.goal_id = "accepted", e["goal_id"]
    goal = chains.goals_by_id(s.chain)[e["goal_id"]]
    goal.status, goal.decided = e["status"], e.get("decided", goal.decided)


@applies("kpi_recorded")
def _kpi_recorded(s: WorkshopState, e: dict) -> None:
    reading = {"goal_id": e["goal_id"], "metric": e["metric"], "value": e["value"], "at": e["date"]}
    s.kpi_readings.append(dict(reading, by=e["by"]))
    goal = chains.goals_by_id(s.chain)[e["goal_id"]]
    for metric in goal.metrics:
        if metric.name == e["metric"]:
            metric.readings.append({"at": e["date"], "value": e["value"]})
