"""Any payload, in any state of a session: a well-formed command mutated field by field.

Bad input everywhere gets a clear error and changes nothing (the developers' guide): the
domain answers every command with its events or a `WorkshopError` carrying a documented code
and a message, never another exception (which the server answers `internal`); a refused
command leaves the state as it was; and what it accepts applies and shows to everyone.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.domain import FAC, Domain
from workshop.domain import views
from workshop.domain.commands import COMMANDS
from workshop.domain.errors import WorkshopError
from workshop.domain.workshop import Context, apply, decide

CODES = {"invalid_input", "unauthorized", "forbidden", "not_found", "conflict", "limit_reached"}
VOTES = {  # what Ann, Bob and Cid vote under each rule: ties, objections, low fists
    "consent": [
        {"choice": "objection", "reason": "it harms the aim"},
        {"choice": "concern", "reason": "vague"},
        {"choice": "consent"},
    ],
    "dot": [{"dots": {0: 1}}, {"dots": {1: 1}}, {"dots": {}}],
    "ranked": [{"ranking": [0, 1]}, {"ranking": [1, 0]}, {"ranking": []}],
    "fist_of_five": [{"value": 1}, {"value": 5}, {"value": 4}],
    "decider": [
        {"choice": "consent"},
        {"choice": "objection", "reason": "no"},
        {"choice": "consent"},
    ],
    "majority": [{"choice": "agree"}, {"choice": "disagree"}, {"choice": "abstain"}],
}


def with_options(vote: dict, options: list[str]) -> dict:
    """A vote naming options by their place among the ballot's."""
    if "dots" in vote:
        return {"dots": {options[i]: n for i, n in vote["dots"].items()}}
    if "ranking" in vote:
        return {"ranking": [options[i] for i in vote["ranking"]]}
    return vote


def rooms() -> dict[str, Domain]:
    """A strategizing session with its vision accepted and three user goals proposed; then,
    for each rule, a ballot open on them and the same ballot voted and revealed."""
    room = Domain(names=("Ann", "Bob", "Cid"))
    room.join("Pia", "product")  # pt5, who decides
    ann, bob, cid = (room.ids[name] for name in ("Ann", "Bob", "Cid"))
    room.do(FAC, "next_phase")
    vision = room.do(ann, "propose_goal", level="vision", title="Healthier lives")
    room.do(FAC, "go_to_phase", phase="decide")
    room.do(FAC, "open_ballot", proposal_ids=[vision[0]["proposal"]["id"]], rule="unanimity")
    for pid in room.state.ballots["b1"].electorate:
        room.do(pid, "cast_vote", ballot_id="b1", vote={"choice": "agree"})
    room.do(FAC, "close_ballot", ballot_id="b1", reveal=True)
    room.do(FAC, "go_to_phase", phase="propose")
    for pid, title in ((ann, "Feel strong"), (bob, "Move more"), (cid, "Sleep well")):
        room.do(pid, "propose_goal", level="user", title=title, due="2027-06")
    made = {"propose": copy.deepcopy(room)}
    room.do(FAC, "go_to_phase", phase="decide")
    options = [p.id for p in room.state.proposals.values() if p.level == "user"]
    for rule, votes in VOTES.items():
        each = copy.deepcopy(room)
        ballot = each.do(
            FAC,
            "open_ballot",
            proposal_ids=options if rule in ("dot", "ranked") else options[:1],
            rule=rule,
            rule_reason="a test",
        )[0]["ballot"]
        made[f"{rule} open"] = copy.deepcopy(each)
        for pid, vote in zip((ann, bob, cid), votes, strict=True):
            vote = with_options(vote, ballot["options"])
            each.do(pid, "cast_vote", ballot_id=ballot["id"], vote=vote)
        each.do(FAC, "close_ballot", ballot_id=ballot["id"])
        made[f"{rule} closed"] = copy.deepcopy(each)
        each.do(FAC, "reveal_ballot", ballot_id=ballot["id"])
        made[f"{rule} revealed"] = each
    remote = copy.deepcopy(made["majority revealed"])
    remote.do(FAC, "go_to_phase", phase="propose")
    remote.do(ann, "withdraw_proposal", proposal_id=options[0])
    remote.do(
        FAC,
        "send_remote_ballot",
        proposal_ids=options[1:2],
        rule="majority",
        rule_reason="remote",
        voters=["Rui"],
        deadline_seconds=600,
    )
    remote.do(FAC, "hide_texts")
    remote.do(ann, "raise_hand")
    made["remote, hidden, withdrawn, a hand up"] = remote
    return made


ROOMS = rooms()


def commands(room: Domain) -> dict[str, dict]:
    """A well-formed payload of each command people send, naming what `room` holds; by the
    command's name, and what the payload is for after a space when a command has two."""
    ann, bob, cid = (room.ids[name] for name in ("Ann", "Bob", "Cid"))
    proposals = [p.id for p in room.state.proposals.values() if p.level == "user"]
    ballot = max(room.state.ballots, key=lambda b: int(b[1:]))
    remote = [p.id for p in room.state.participants.values() if p.remote]
    metric = {"name": "nights", "baseline": 1, "target": 5, "unit": "nights"}
    return {
        "propose_goal": {
            "level": "user",
            "title": "Eat well",
            "description": "more greens",
            "parents": ["V1"],
            "metrics": [metric],
            "due": "2027-09",
            "owner": "Ann",
        },
        "propose_goal amending the vision": {
            "change": "amend",
            "target": "V1",
            "title": "Healthy lives for all",
        },
        "edit_proposal": {
            "proposal_id": proposals[0],
            "title": "Feel stronger",
            "metrics": [metric],
        },
        "withdraw_proposal": {"proposal_id": proposals[0]},
        "restore_proposal": {"proposal_id": proposals[0]},
        "merge_proposals": {"into": proposals[1], "merge": proposals[2:]},
        "comment": {"proposal_id": proposals[0], "text": "Nice"},
        "open_ballot": {
            "proposal_ids": proposals[:2],
            "rule": "dot",
            "rule_reason": "a quick ranking",
            "settings": {"dots": 2, "max_per_option": 1, "quorum": 0.5, "supermajority": True},
            "electorate": [ann, bob],
            "anonymous": False,
        },
        "send_remote_ballot": {
            "proposal_ids": proposals[2:],
            "rule": "majority",
            "rule_reason": "remote",
            "settings": {"quorum": 0.5},
            "voters": ["Sam", {"name": "Ida"}],
            "deadline_seconds": 600,
            "include_room": True,
            "role": "stakeholder",
        },
        "cast_vote": {
            "ballot_id": ballot,
            "vote": {"choice": "agree", "reason": "ok", "dots": {proposals[0]: 1}, "value": 3},
        },
        "close_ballot": {"ballot_id": ballot, "reveal": True},
        "reveal_ballot": {"ballot_id": ballot},
        "rule_objection": {"ballot_id": ballot, "voter": ann, "stands": False, "reason": "minor"},
        "record_decision": {"ballot_id": ballot, "passed": True, "rationale": "the advice"},
        "break_tie": {"ballot_id": ballot, "how": "runoff", "rule": "dot", "rule_reason": "again"},
        "settle_ballot": {"ballot_id": ballot, "others": "park", "keep": proposals[:1]},
        "delegate_decider": {"participant_id": bob},
        "hand_over": {"participant_id": cid},
        "go_to_phase": {"phase": "discuss"},
        "next_phase": {},
        "reorder_agenda": {"agenda": ["check_in", "propose", "discuss", "decide", "close"]},
        "grant_floor": {"participant_id": ann},
        "raise_hand": {},
        "lower_hand": {"participant_id": ann},
        "end_turn": {},
        "pass_turn": {},
        "skip_turn": {"participant_id": ann},
        "extend_turn": {"seconds": 30},
        "set_time_box": {"seconds": 60},
        "set_queue_mode": {"mode": "progressive"},
        "start_round": {"purpose": "check in", "participant_ids": [ann, bob]},
        "end_round": {},
        "start_1_2_4_all": {"prompt": "What matters most?"},
        "hide_texts": {},
        "reveal_texts": {},
        "reissue_link": {"participant_id": remote[0] if remote else ann},
    }


# What JSON can carry, with the ids and words a session knows among it.
ANYTHING = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(),
        st.text(max_size=6),
        st.sampled_from(["", "V1", "U1", "pt2", "pr2", "b1", "agree", "objection", "park"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def replace_a_field(draw: Callable, payload: dict) -> None:
    payload[draw(st.sampled_from(sorted(payload)))] = draw(ANYTHING)


def drop_a_field(draw: Callable, payload: dict) -> None:
    payload.pop(draw(st.sampled_from(sorted(payload))))


def replace_inside(draw: Callable, payload: dict) -> None:
    """Within a field that holds a list or an object (a vote, settings, metrics)."""
    nested = sorted(k for k, v in payload.items() if isinstance(v, dict | list) and v)
    if not nested:
        return
    holder = payload[draw(st.sampled_from(nested))]
    if isinstance(holder, list):
        place = draw(st.integers(0, len(holder) - 1))
        if isinstance(holder[place], dict) and holder[place] and draw(st.booleans()):
            holder = holder[place]
        else:
            holder[place] = draw(ANYTHING)
            return
    holder[draw(st.sampled_from(sorted(holder)))] = draw(ANYTHING)


def sender(command: str) -> str:
    """Who may send it: the facilitator, Pia who decides, or Ann (author and voter)."""
    return {"facilitator": FAC, "decider": "pt5"}.get(COMMANDS[command].who, "pt2")


def accepted(room: Domain, command: str, payload: dict) -> bool:
    state = copy.deepcopy(room.state)
    try:
        decide(state, sender(command), command, copy.deepcopy(payload), context(room))
    except WorkshopError:
        return False
    return True


def context(room: Domain) -> Context:
    return Context(room.now, frozenset(room.state.participants))


# Where each well-formed payload is accepted: changed there, a field is what decides.
CASES = [
    (name, command, payload)
    for name, room in ROOMS.items()
    for command, payload in commands(room).items()
    if accepted(room, command.split()[0], payload)
]


def test_every_command_is_accepted_somewhere_before_it_is_changed() -> None:
    assert {command for _, command, _ in CASES} == set(commands(ROOMS["propose"]))


@st.composite
def mutated(draw: Callable) -> tuple[str, str, str, dict]:
    """(room, command, sender, payload): an accepted payload with one to three changes."""
    room, command, payload = draw(st.sampled_from(CASES))
    payload = copy.deepcopy(payload)
    for _ in range(draw(st.integers(1, 3))):
        change = draw(st.sampled_from([replace_a_field, drop_a_field, replace_inside]))
        if payload:
            change(draw, payload)
    command = command.split()[0]
    who = sender(command)
    return room, command, draw(st.sampled_from([who, who, who, who, FAC, "pt3"])), payload


@settings(max_examples=400)
@given(mutated())
def test_any_payload_is_decided_or_refused_by_name_and_a_refusal_changes_nothing(
    case: tuple[str, str, str, dict],
) -> None:
    room_name, command, actor, payload = case
    room = ROOMS[room_name]
    state = copy.deepcopy(room.state)
    try:
        events = decide(state, actor, command, payload, context(room))
    except WorkshopError as refused:
        assert refused.code in CODES and refused.message.strip(), refused
        assert state == room.state, f"the refused {command} changed the session"
        return
    for seq, item in enumerate(events, state.seq + 1):
        apply(state, {**item, "at": room.now})
        item["seq"] = seq
    views.messages(events)
    for viewer in state.participants:
        views.snapshot(state, viewer, frozenset(state.participants))
