"""Our names as people say them: rules, roles, levels, phases and kinds in words, and the
title behind each id. Pages and minutes show these, never snake_case names or ids."""

from __future__ import annotations

from workshop.domain.rules.ballot import RULE_NAMES
from workshop.domain.rules.words import names
from workshop.domain.state import Ballot, Proposal, WorkshopState

KIND_NAMES = {
    "strategizing": "strategizing",
    "roadmapping": "roadmapping",
    "review": "review",
    "sprint_planning": "sprint planning",
}
ROLE_NAMES = {
    "facilitator": "facilitator",
    "product": "product person",
    "team": "team member",
    "stakeholder": "stakeholder",
    "observer": "observer",
}
LEVEL_NAMES = {
    "vision": "vision",
    "user": "user goal",
    "business": "business goal",
    "product": "product goal",
    "sprint": "sprint goal",
}
PHASE_NAMES = {
    "check_in": "check-in",
    "propose": "propose (silently)",
    "present": "present",
    "discuss": "discuss",
    "decide": "decide",
    "review_chain": "review the chain",
    "close": "close",
}
# Why nobody can decide under the decider rule, and what the room can do about it.
NOBODY_DECIDES = (
    "no product person is taking part and no decider was named: the facilitator can delegate"
    " the decision to someone"
)
# A goal's or proposal's fields as a note names them, in the minutes and on the pages.
FIELD_NAMES = {
    "due": "due date",
    "parents": "what it serves",
    "decided": "how it was decided",
    "statement": "statement",
}

CHOICE_NAMES = {
    "agree": "agree",
    "disagree": "disagree",
    "abstain": "abstain",
    "consent": "consent",
    "concern": "concern",
    "objection": "objection",
}

STATUS_NAMES = {
    "proposed": "proposed",
    "accepted": "accepted",
    "rejected": "rejected",
    "to_amend": "back with its author to amend",
    "parked": "parked",
    "withdrawn": "withdrawn",
    "merged": "merged into another proposal",
    "open": "open",
    "closed": "closed",
    "revealed": "revealed",
}
TITLE_SHOWN = 60  # characters of a title quoted inside a sentence

__all__ = [
    "CHOICE_NAMES",
    "KIND_NAMES",
    "LEVEL_NAMES",
    "PHASE_NAMES",
    "ROLE_NAMES",
    "RULE_NAMES",
    "STATUS_NAMES",
]


def rule_name(rule: str | None) -> str:
    return RULE_NAMES.get(rule or "", rule or "")


def rule_sentence(s: WorkshopState, ballot: Ballot) -> str:
    """The ballot's rule in one plain sentence with its settings, as the room screen and a
    personal link say it before the vote."""
    settings = ballot.settings
    quorum = settings.get("quorum", 0.5)
    share = "half" if quorum == 0.5 else f"{round(100 * quorum)}%"
    turnout = f", and at least {share} of the voters vote" if quorum else ""
    dots = settings.get("dots", 1)
    spend = f"{'1 dot' if dots == 1 else f'{dots} dots'}, at most"
    spend += f" {settings.get('max_per_option', dots)} on one proposal"
    most = "two thirds" if settings.get("supermajority") else "more than half"
    sentences = {
        "unanimity": "Unanimity: it passes only if everyone agrees.",
        "majority": f"Majority: it passes if {most} of those who take a side agree{turnout}.",
        "consent": (
            "Consent: it passes when everyone responds and no objection stands. Concerns are noted."
        ),
        "fist_of_five": (
            "Fist of five: show 0 to 5 fingers. It passes when every vote is 3 or more."
        ),
        "dot": f"Dot voting: everyone places {spend}. The most dots wins.",
        "ranked": (
            "Ranked choice: put the proposals in order. Each pair is compared head to head;"
            " the one that comes out on top wins."
        ),
    }
    if ballot.rule != "decider":
        return sentences.get(ballot.rule, rule_name(ballot.rule))
    decider = settings.get("decider") or s.decider()
    who = person_named(s, decider) if decider else "the decider"
    rule = settings.get("advisory_rule", "consent")
    how = {"dot": f" ({spend})", "majority": f" ({most} agreeing{turnout})"}.get(rule, "")
    advice = f"everyone gives advice by {rule_name(rule)}{how}"
    return f"Decider: {advice}, then {who} decides and says why."


def title_of(s: WorkshopState, key: str) -> str:
    """The title of a proposal or of a goal of the chain (the vision's statement)."""
    if key in s.proposals:
        return s.proposals[key].title
    if s.chain.vision and s.chain.vision.id == key:
        return s.chain.vision.statement
    goal = next((g for g in s.chain.goals if g.id == key), None)
    return goal.title if goal else key


def quoted(title: str) -> str:
    """A title inside a sentence: in quotes, shortened when long."""
    return f"“{title[:TITLE_SHOWN]}…”" if len(title) > TITLE_SHOWN else f"“{title}”"


def proposal_named(s: WorkshopState, proposal: Proposal) -> str:
    """A proposal in a message, by its title; while texts are hidden, by its level only, so
    that a refusal never tells anyone a text the room has not been shown."""
    if s.texts_hidden:
        return f"this {LEVEL_NAMES.get(proposal.level, proposal.level)} proposal"
    return f"the proposal {quoted(proposal.title)}"


def goal_named(s: WorkshopState, key: str) -> str:
    """A goal or proposal named by id, as people know it: its title in quotes (a proposal
    whose text is hidden from the room stays unnamed)."""
    if s.texts_hidden and key in s.proposals:
        return "a proposal whose text is hidden"
    return quoted(title_of(s, key))


def person_named(s: WorkshopState, participant_id: str) -> str:
    person = s.participants.get(participant_id)
    return person.name if person else "someone who has left"


# Commands as a refusal says them: "only the facilitator can open a ballot".
COMMAND_WORDS = {
    "propose_goal": "propose a goal",
    "cast_vote": "vote",
    "raise_hand": "raise a hand",
    "lower_hand": "lower a hand",
    "next_phase": "move to the next phase",
    "go_to_phase": "go to another phase",
    "skip_phase": "skip a phase",
    "open_ballot": "open a ballot",
    "close_ballot": "close a ballot",
    "reveal_ballot": "reveal a ballot",
    "record_decision": "record a decision",
    "edit_proposal": "amend a proposal",
    "withdraw_proposal": "withdraw a proposal",
    "restore_proposal": "restore a proposal",
    "record_kpi": "record a KPI reading",
    "grant_floor": "give the floor",
    "end_turn": "end a turn",
    "pass_turn": "pass",
    "share_draft": "share a draft for comments",
    "send_remote_ballot": "send a ballot to remote people",
    "start_round": "start a round-robin",
    "start_1_2_4_all": "start a 1-2-4-All",
    "next_stage": "move the 1-2-4-All on",
    "end_round": "end the round-robin",
    "extend_turn": "give the speaker more time",
    "skip_turn": "skip a turn",
    "set_queue_mode": "set the speaking queue's order",
    "set_time_box": "set the time-box",
    "reorder_agenda": "change the agenda",
    "hand_over": "hand the facilitation over",
    "delegate_decider": "name the decider",
    "hide_texts": "hide the proposals' texts",
    "reveal_texts": "reveal the proposals' texts",
    "reveal_authors": "reveal the authors",
    "merge_proposals": "merge proposals",
    "rule_objection": "rule on an objection",
    "break_tie": "break a tie",
    "settle_ballot": "settle a ballot's other options",
    "reissue_link": "reissue a personal link",
    "comment": "comment",
}


def ballot_named(s: WorkshopState, ballot: Ballot) -> str:
    """A ballot in a message, by what it is on: 'the ballot on “A”, “B” and 2 more'."""
    titles = [goal_named(s, option) for option in ballot.options]
    if len(titles) > 3:
        titles = [*titles[:2], f"{len(titles) - 2} more"]
    return f"the ballot on {names(titles)}"


def status_word(status: str) -> str:
    return STATUS_NAMES.get(status, status.replace("_", " "))
