"""Session and proposal flows in the pure domain: names, withdrawing, hidden texts."""

from __future__ import annotations

import pytest

from tests.domain import FAC, Domain
from workshop.domain.errors import InvalidInput, WorkshopError
from workshop.domain.session import created


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        (None, "Facilitator"),  # a client that does not send a name keeps working
        ("", "Facilitator"),
        ("  Maya Lindqvist ", "Maya Lindqvist"),
        ("Zoë O'Brien-Ñúñez", "Zoë O'Brien-Ñúñez"),
    ],
)
def test_the_facilitator_has_the_name_given(given, shown):
    first = created("strategizing", "Q3 strategy", None, None, given)
    assert first["facilitator"] == {"id": "pt1", "name": shown, "role": "facilitator"}


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        (42, "facilitator_name must be text"),
        ("M" * 81, "facilitator_name is 81 characters long, at most 80"),
        ("<b>Maya</b>", "facilitator_name must be plain text"),
        ("Maya\x00", "facilitator_name contains control characters"),
    ],
)
def test_a_bad_facilitator_name_is_refused_by_name(given, problem):
    with pytest.raises(InvalidInput, match=problem):
        created("strategizing", "Q3 strategy", None, None, given)


# -- withdraw, and undo ------------------------------------------------------------------------


def a_proposal(room: Domain, author: str = "Ann") -> str:
    room.do(FAC, "go_to_phase", phase="propose")
    proposed = room.do(room.ids[author], "propose_goal", level="vision", title="Feel strong")
    return proposed[0]["proposal"]["id"]


@pytest.mark.parametrize("who", ["Ann", FAC])
def test_a_withdrawn_proposal_comes_back_as_it_was(who):
    room = Domain(names=("Ann", "Bob"))
    proposal = a_proposal(room)
    before = dict(room.state.proposals[proposal].__dict__)
    actor = room.ids.get(who, who)
    room.do(actor, "withdraw_proposal", proposal_id=proposal)
    assert room.state.proposals[proposal].status == "withdrawn"
    restored = room.do(actor, "restore_proposal", proposal_id=proposal)
    assert restored[0] == {
        "type": "proposal_restored",
        "proposal_id": proposal,
        "status": "proposed",
        "at": room.now,
    }
    assert room.state.proposals[proposal].__dict__ == before


def test_a_rejected_proposal_withdrawn_and_restored_is_rejected_again():
    room = Domain(names=("Ann", "Bob"))
    proposal = a_proposal(room)
    room.fold([{"type": "proposal_rejected", "proposal_id": proposal, "ballot_id": "b1"}])
    room.do(room.ids["Ann"], "withdraw_proposal", proposal_id=proposal)
    room.do(room.ids["Ann"], "restore_proposal", proposal_id=proposal)
    assert room.state.proposals[proposal].status == "rejected"


@pytest.mark.parametrize(
    ("who", "target", "code", "problem"),
    [
        ("Bob", "withdrawn", "forbidden", "only the author or the facilitator can restore"),
        ("Ann", "live", "conflict", "is proposed, not withdrawn"),
        ("Ann", "pr99", "not_found", "proposal 'pr99' does not exist"),
        ("Ann", ["pr1"], "invalid_input", "proposal_id must be an id"),
    ],
)
def test_a_restore_that_cannot_be_is_refused_and_changes_nothing(who, target, code, problem):
    room = Domain(names=("Ann", "Bob"))
    proposal = a_proposal(room)
    if target == "withdrawn":
        room.do(room.ids["Ann"], "withdraw_proposal", proposal_id=proposal)
    seq = room.state.seq
    wanted = proposal if target in ("withdrawn", "live") else target
    with pytest.raises(WorkshopError, match=problem) as refused:
        room.do(room.ids[who], "restore_proposal", proposal_id=wanted)
    assert refused.value.code == code and room.state.seq == seq
