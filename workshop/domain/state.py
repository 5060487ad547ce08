"""The session's state as plain dataclasses; `events.apply` folds the event log into them."""

from __future__ import annotations

from dataclasses import dataclass, field

from workshop.domain import chain as chains


@dataclass
class Participant:
    id: str
    name: str
    role: str
    joined_at: float
    remote: bool = False
    # The roles held in turn, {role, at}: the one joined with, then each a hand-over gave.
    held: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.held = self.held or [{"role": self.role, "at": self.joined_at}]

    def previous_role(self) -> str | None:
        """The role held before the current one; None for one held since joining."""
        return self.held[-2]["role"] if len(self.held) > 1 else None

    def roles(self) -> set[str]:
        """Every role this person has held in the session."""
        return {entry["role"] for entry in self.held}


@dataclass
class Proposal:
    id: str
    level: str
    author: str
    title: str
    created_at: float
    description: str | None = None
    parents: list[str] = field(default_factory=list)
    metrics: list[dict] = field(default_factory=list)
    features: list[str] = field(default_factory=list)  # a product goal's, as on a GO roadmap
    due: str | None = None
    owner: str | None = None
    change: str = "new"  # new | amend | achieve | retire (review sessions change existing goals)
    target: str | None = None  # the goal an amend/achieve/retire proposal changes
    base: dict | None = None  # an amendment's: the goal's fields as it started from them
    hidden_author: bool = False
    # proposed | to_amend | parked | accepted | rejected | withdrawn | merged
    status: str = "proposed"
    withdrawn_from: str | None = None  # the status an undo of the withdrawal gives back
    withdrawn_by: str | None = None  # the facilitator, who withdrew someone else's proposal
    revisions: list[dict] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    goal_id: str | None = None
    merged_into: str | None = None
    reviewers: list[str] = field(default_factory=list)  # remote people the draft was shared with
    # Why it went back to its author to amend, and the rule (with its reason) its next round keeps.
    sent_back: dict | None = None
    # The ballot whose settling parked or rejected it, until it is put to a vote again: an
    # option shared by a tied ballot and its runoff is settled once, never flipped after.
    settled_by: str | None = None

    CONTENT = ("title", "description", "parents", "metrics", "features", "due", "owner")

    def content(self) -> dict:
        return {name: getattr(self, name) for name in self.CONTENT}


@dataclass
class Ballot:
    id: str
    options: list[str]
    rule: str
    settings: dict
    electorate: list[str]
    opened_at: float
    opened_by: str
    anonymous: bool = False
    rule_reason: str | None = None
    deadline: float | None = None
    remote: bool = False
    status: str = "open"  # open | closed | revealed
    votes: dict[str, dict] = field(default_factory=dict)
    voted_at: dict[str, float] = field(default_factory=dict)
    closed_at: float | None = None
    revealed_at: float | None = None
    result: dict | None = None
    decision: dict | None = None
    rulings: dict[str, dict] = field(default_factory=dict)
    revealed_votes: list[dict] = field(default_factory=list)
    runoff_of: str | None = None  # the tied ballot this one is the runoff of
    tie_break: dict | None = None  # a tie for first place: a runoff held, or the decider asked
    settled: dict | None = None  # after dot or ranked: what became of the other options
    # Each option's title when the ballot opened: the text voted on, whatever edits follow.
    titles: dict[str, str] = field(default_factory=dict)
    # How many revisions each option had then: the ones after it came after the vote.
    versions: dict[str, int] = field(default_factory=dict)


@dataclass
class Turn:
    id: str
    participant_id: str
    started_at: float
    deadline: float | None
    kind: str  # queue | round | direct


@dataclass
class Round:
    id: str
    order: list[str]
    purpose: str | None = None
    ballot_id: str | None = None  # the ballot this round was opened for: it ends with it
    done: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    voted: list[str] = field(default_factory=list)  # answered the round's ballot by voting
    seniors_last: bool = False  # the senior roles speak after everyone else, latecomers too

    def remaining(self) -> list[str]:
        return [pid for pid in self.order if pid not in self.done]


@dataclass
class Structure:
    """A running 1-2-4-All: the stage plan and where we are in it."""

    plan: list[dict]
    stage: int
    deadline: float


@dataclass
class Floor:
    mode: str = "order"
    time_box: float | None = 120.0
    queue: list[str] = field(default_factory=list)  # in the order hands went up
    priority: list[str] = field(default_factory=list)  # served first (low fist-of-five voters)
    holder: Turn | None = None
    round: Round | None = None
    # The turn under way when the round started (a raised hand's): it does not answer the
    # round, whose order shown is the order served, its speaker included.
    found_by_round: str | None = None
    structure: Structure | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    turns: dict[str, int] = field(default_factory=dict)
    log: list[dict] = field(default_factory=list)

    def answering(self) -> str | None:
        """Whose answer in the running round the turn under way is: not a turn that was under
        way when the round started (a raised hand's), nor one of someone the round has heard
        or does not ask. A pass, a vote or the end of such a turn answers the round."""
        holder, running = self.holder, self.round
        if holder is None or running is None or holder.id == self.found_by_round:
            return None
        return holder.participant_id if holder.participant_id in running.remaining() else None


@dataclass
class WorkshopState:
    id: str
    kind: str = ""
    title: str = ""
    product: str | None = None
    time_zone: str = "UTC"  # an IANA name: where the minutes and link pages show times
    created_at: float = 0.0
    agenda: list[str] = field(default_factory=list)
    phase: str | None = None
    phase_log: list[dict] = field(default_factory=list)
    participants: dict[str, Participant] = field(default_factory=dict)
    facilitator_id: str = ""
    decider_id: str | None = None
    proposals: dict[str, Proposal] = field(default_factory=dict)
    ballots: dict[str, Ballot] = field(default_factory=dict)
    floor: Floor = field(default_factory=Floor)
    chain: chains.Chain = field(default_factory=chains.Chain)
    input_chain: dict | None = None
    authors_revealed: bool = False
    texts_hidden: bool = False  # others' proposal texts hidden until the reveal (anchoring)
    counters: dict[str, int] = field(default_factory=dict)
    kpi_readings: list[dict] = field(default_factory=list)
    rule_changes: list[dict] = field(default_factory=list)
    seq: int = 0

    def next_id(self, prefix: str) -> str:
        """The id the next thing of this kind will get; applying its event takes it."""
        return f"{prefix}{self.counters.get(prefix, 0) + 1}"

    def take_id(self, identifier: str) -> None:
        prefix = identifier.rstrip("0123456789")
        number = int(identifier[len(prefix) :])
        self.counters[prefix] = max(self.counters.get(prefix, 0), number)

    def open_ballots(self) -> list[Ballot]:
        return [b for b in self.ballots.values() if b.status == "open"]

    def decider(self) -> str | None:
        """The delegated decider, else the first product person who joined in the room (a
        remote person, invited by link, never decides by default). A facilitator, neutral,
        never decides: a delegated decider handed the facilitation is no longer one."""
        if self.decider_id:
            return self.decider_id
        products = [p for p in self.participants.values() if p.role == "product" and not p.remote]
        return products[0].id if products else None
