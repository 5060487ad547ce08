"""Session and proposal flows in the pure domain: names, withdrawing, hidden texts, and the
ballot rules that keep the chain sound: no orphan, nobody absent, each option settled once."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.chains import FITNESS
from tests.domain import FAC, Domain
from workshop.domain import chain as chains
from workshop.domain import rules, views, voting
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
        # A right-to-left override showed the page's own words after it reversed.
        ("Maya\u202e gpj.exe", "facilitator_name contains direction controls"),
        ("Maya\u2066", "facilitator_name contains direction controls"),
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


# -- hide texts until the reveal ---------------------------------------------------------------

SECRET = "Sleep nine hours"


def hidden_room() -> tuple[Domain, str, str]:
    """Ann and Bob in the silent phase with texts hidden; Bob proposed SECRET."""
    room = Domain(names=("Ann", "Bob"))
    room.do(FAC, "go_to_phase", phase="propose")
    room.do(FAC, "hide_texts")
    bob = room.ids["Bob"]
    proposed = room.do(bob, "propose_goal", level="vision", title=SECRET, description="Rested")
    return room, room.ids["Ann"], proposed[0]["proposal"]["id"]


def seen_by(room: Domain, viewer: str) -> dict:
    return views.snapshot(room.state, viewer, frozenset(room.state.participants))


def test_others_see_a_hidden_card_the_author_and_facilitator_the_text():
    room, ann, proposal = hidden_room()
    card = seen_by(room, ann)["proposals"][0]
    assert card == {
        "id": proposal,
        "level": "vision",
        "change": "new",
        "status": "proposed",
        "created_at": room.now,
        "author": None,  # the silent phase hides authors too
        "hidden_author": True,
        "mine": False,
        "hidden_text": True,
    }
    assert seen_by(room, ann)["session"]["texts_hidden"] is True
    for viewer in (room.ids["Bob"], FAC):
        assert seen_by(room, viewer)["proposals"][0]["title"] == SECRET


@pytest.mark.parametrize(
    ("command", "payload", "kept"),
    [
        ("edit_proposal", {"title": "Sleep ten hours"}, {"proposal_id", "by"}),
        ("comment", {"text": "Sleep ten hours"}, {"proposal_id"}),
    ],
)
def test_a_text_typed_while_hidden_reaches_the_room_without_the_text(command, payload, kept):
    room, ann, proposal = hidden_room()
    bob = room.ids["Bob"]
    item = room.do(bob, command, proposal_id=proposal, **payload)[0]
    assert item["hidden_text"] is True
    assert "Sleep ten hours" in json.dumps(views.event_view(item, True))
    shown = views.event_view(item, False)
    assert "Sleep ten hours" not in json.dumps(shown)
    assert kept <= set(shown)


@given(
    words=st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=30).map(str.strip),
        min_size=1,
        max_size=4,
    )
)
def test_no_hidden_text_reaches_another_participant(words):
    room, ann, _ = hidden_room()
    bob = room.ids["Bob"]
    events, typed = [], []
    for number, word in enumerate(words):
        title, detail, note = (
            f"{kind} {number} {word}".strip() for kind in ("Idea", "Detail", "Note")
        )
        typed += [title, detail, note]
        proposal = room.do(bob, "propose_goal", level="vision", title=title)
        events += proposal
        pid = proposal[0]["proposal"]["id"]
        events += room.do(bob, "edit_proposal", proposal_id=pid, description=detail)
        events += room.do(bob, "comment", proposal_id=pid, text=note)
    sent = json.dumps([seen_by(room, ann), *(views.event_view(e, False) for e in events)])
    assert not [text for text in typed if text in sent]
    room.do(FAC, "reveal_texts")
    shown = json.dumps(seen_by(room, ann))
    assert all(text in shown for text in typed)


@pytest.mark.parametrize(
    ("phase", "revealed"),
    [("propose", False), ("check_in", False), ("present", True), ("decide", True)],
)
def test_moving_on_from_the_silent_phase_reveals_the_texts(phase, revealed):
    room, ann, proposal = hidden_room()
    if phase == "propose":
        room.do(FAC, "go_to_phase", phase="check_in")
    events = room.do(FAC, "go_to_phase", phase=phase)
    assert room.state.texts_hidden is not revealed
    assert [e["type"] for e in events] == ["phase_changed"] + ["texts_revealed"] * revealed
    assert ("title" in seen_by(room, ann)["proposals"][0]) is revealed


@pytest.mark.parametrize(
    ("setup", "command", "problem"),
    [
        ([], "reveal_texts", "the texts are not hidden"),
        (["hide_texts"], "hide_texts", "the texts are hidden already"),
        (["go_to_discuss"], "hide_texts", "not in discuss"),
        # The room went back to check-in with a ballot open: it still reads what it votes on.
        (["ballot_then_check_in"], "hide_texts", "a ballot is open"),
    ],
)
def test_hiding_and_revealing_at_the_wrong_moment_is_refused(setup, command, problem):
    room = Domain(names=("Ann",))
    room.do(FAC, "go_to_phase", phase="propose")
    for step in setup:
        if step == "go_to_discuss":
            room.do(FAC, "go_to_phase", phase="discuss")
        elif step == "ballot_then_check_in":
            proposal = room.do(room.ids["Ann"], "propose_goal", level="vision", title="Move more")
            room.do(FAC, "go_to_phase", phase="decide")
            room.do(FAC, "open_ballot", proposal_ids=[proposal[0]["proposal"]["id"]])
            room.do(FAC, "go_to_phase", phase="check_in")
        else:
            room.do(FAC, step)
    seq = room.state.seq
    with pytest.raises(WorkshopError, match=problem) as refused:
        room.do(FAC, command)
    assert refused.value.code == "conflict" and room.state.seq == seq


def test_nobody_votes_on_a_text_they_cannot_read():
    room, ann, proposal = hidden_room()
    with pytest.raises(WorkshopError, match="reveal them before a vote"):
        room.do(
            FAC,
            "send_remote_ballot",
            proposal_ids=[proposal],
            voters=["Remy"],
            deadline_seconds=600,
            rule="majority",
            rule_reason="a quick check",
        )


# -- ballots: no orphan, nobody absent, the decider named, each option settled once -----------


def opened(room: Domain, **ballot: object) -> str:
    """A ballot the facilitator opens; returns its id."""
    return room.do(FAC, "open_ballot", **ballot)[0]["ballot"]["id"]


def revealed(room: Domain, ballot: str, vote: dict | None = None, **votes: dict) -> list[dict]:
    """Everyone in the electorate votes `vote` (or those in `votes` theirs), then the reveal."""
    cast = votes or dict.fromkeys(room.state.ballots[ballot].electorate, vote)
    for pid, choice in cast.items():
        room.do(pid, "cast_vote", ballot_id=ballot, vote=choice)
    return room.do(FAC, "close_ballot", ballot_id=ballot, reveal=True)


SLEEP = {
    "level": "product",
    "title": "Sleep tracking",
    "parents": ["U1"],
    "metrics": [{"name": "nights tracked", "target": 5}],
    "due": "2027-09",
}
RETIRED = re.escape("its parent U1 (“Lose weight without dieting misery”) is retired")


def review_room() -> tuple[Domain, str, str]:
    """A review of the fitness chain: Tom proposes retiring U1, Pia a product goal under it."""
    room = Domain("review", chain=FITNESS)
    room.ids = {"Pia": room.join("Pia", "product"), "Tom": room.join("Tom")}
    room.do(FAC, "go_to_phase", phase="propose")
    retire = room.do(room.ids["Tom"], "propose_goal", change="retire", target="U1")
    child = room.do(room.ids["Pia"], "propose_goal", **SLEEP)
    room.do(FAC, "go_to_phase", phase="decide")
    return room, retire[0]["proposal"]["id"], child[0]["proposal"]["id"]


@pytest.mark.parametrize(
    ("who", "command", "code", "problem"),
    [
        (FAC, "open_ballot", "conflict", f"the proposal “Sleep tracking”: {RETIRED}"),
        ("Pia", "propose_goal", "invalid_input", r"parents: 'U1' \(“Lose weight .*”\) is retired"),
    ],
)
def test_nothing_new_serves_a_goal_retired_in_the_session(who, command, code, problem):
    room, retire, child = review_room()
    revealed(room, opened(room, proposal_ids=[retire]), {"choice": "consent"})
    assert chains.goals_by_id(room.state.chain)["U1"].status == "retired"
    payload = {"proposal_ids": [child]} if command == "open_ballot" else SLEEP
    seq = room.state.seq
    with pytest.raises(WorkshopError, match=problem) as refused:
        room.do(room.ids.get(who, who), command, **payload)
    assert refused.value.code == code and room.state.seq == seq


def test_a_decider_cannot_accept_a_goal_whose_parent_was_retired_since_the_vote():
    room, retire, child = review_room()
    pia = room.ids["Pia"]
    advice = {
        "rule": "decider",
        "rule_reason": "Pia decides",
        "settings": {"advisory_rule": "majority"},
    }
    ballot = opened(room, proposal_ids=[child], **advice)
    revealed(room, ballot, {"choice": "agree"})
    revealed(room, opened(room, proposal_ids=[retire]), {"choice": "consent"})
    seq = room.state.seq
    with pytest.raises(WorkshopError, match=RETIRED) as refused:
        room.do(pia, "record_decision", ballot_id=ballot, passed=True, rationale="agreed")
    assert refused.value.code == "conflict" and room.state.seq == seq
    room.do(pia, "record_decision", ballot_id=ballot, passed=False, rationale="U1 is gone")
    assert room.state.proposals[child].status == "rejected"
    assert [g.id for g in room.state.chain.goals if "U1" in g.parents] == ["P1"]  # as it was


@pytest.mark.parametrize("first", ["retire", "child"])
def test_a_retirement_and_a_goal_serving_it_are_never_voted_on_at_once(first):
    room, retire, child = review_room()
    ids = {"retire": retire, "child": child}
    opened(room, proposal_ids=[ids[first]], deadline_seconds=600)  # runs alongside the room
    seq = room.state.seq
    other = child if first == "retire" else retire
    with pytest.raises(WorkshopError, match="one retires the goal the other serves") as refused:
        opened(room, proposal_ids=[other])
    assert refused.value.code == "conflict" and room.state.seq == seq


@pytest.mark.parametrize(
    ("absent", "problem"),
    [
        ((), None),
        (("Bob",), "electorate: Bob is not present: the electorate is who is in the room"),
        (("Ann", "Bob"), "electorate: Ann and Bob are not present"),
    ],
)
def test_an_electorate_names_only_people_present_when_it_opens(absent, problem):
    room = Domain(names=("Ann", "Bob", "Cid"))
    proposal = a_proposal(room)
    room.do(FAC, "go_to_phase", phase="decide")
    room.absent = {room.ids[name] for name in absent}
    electorate = [room.ids["Ann"], room.ids["Bob"]]
    if problem is None:
        ballot = opened(room, proposal_ids=[proposal], electorate=electorate)
        assert room.state.ballots[ballot].electorate == electorate
        return
    seq = room.state.seq
    with pytest.raises(WorkshopError, match=problem) as refused:
        opened(room, proposal_ids=[proposal], electorate=electorate)
    assert refused.value.code == "invalid_input" and room.state.seq == seq


def decider_room() -> tuple[Domain, str]:
    """Pia (product) and Tom, a vision of Tom's to decide on; returns the room and the vision."""
    room = Domain()
    room.ids = {"Pia": room.join("Pia", "product"), "Tom": room.join("Tom")}
    vision = a_proposal(room, "Tom")
    room.do(FAC, "go_to_phase", phase="decide")
    return room, vision


@pytest.mark.parametrize(
    ("before", "after", "named", "decides"),
    [
        (None, None, "Pia", "Pia"),  # the product person, by default
        ("Tom", None, "Tom", "Tom"),  # delegated before it opened
        (None, "Tom", "Pia", "Tom"),  # delegated while it ran: the record says who decided
    ],
)
def test_a_decider_ballot_records_who_decides(before, after, named, decides):
    room, vision = decider_room()
    if before:
        room.do(FAC, "delegate_decider", participant_id=room.ids[before])
    advice = {
        "rule": "decider",
        "rule_reason": "one decides",
        "settings": {"advisory_rule": "majority"},
    }
    ballot = opened(room, proposal_ids=[vision], **advice)
    assert room.state.ballots[ballot].settings["decider"] == room.ids[named]
    revealed(room, ballot, {"choice": "agree"})
    if after:
        room.do(FAC, "delegate_decider", participant_id=room.ids[after])
    room.do(room.ids[decides], "record_decision", ballot_id=ballot, passed=True, rationale="yes")
    doc = voting.record(room.state.ballots[ballot])
    assert doc["settings"]["decider"] == doc["decision"]["by"] == room.ids[decides]
    assert rules.tally(rules.ballot_from_record(doc)).passed is True  # the minutes recount it


@pytest.mark.parametrize(
    ("advice", "options", "problem"),
    [
        ("ranked", 1, "a ballot by ranked choice needs at least two proposals to choose between"),
        ("dot", 1, "a ballot by dot voting needs at least two proposals"),
        ("consent", 2, "for several, the decider chooses among them after advice by dot"),
    ],
)
def test_a_decider_ballot_takes_advice_fit_for_how_many_proposals(advice, options, problem):
    """Yes/no advice on one proposal, ranking advice on several (the decider then chooses)."""
    room, vision = decider_room()
    room.do(FAC, "go_to_phase", phase="propose")
    other = room.do(room.ids["Pia"], "propose_goal", level="vision", title="Move more")
    room.do(FAC, "go_to_phase", phase="decide")
    ids = [vision, other[0]["proposal"]["id"]][:options]
    seq = room.state.seq
    with pytest.raises(WorkshopError, match=problem) as refused:
        opened(
            room,
            proposal_ids=ids,
            rule="decider",
            rule_reason="Pia decides",
            settings={"advisory_rule": advice},
        )
    assert refused.value.code == "invalid_input" and room.state.seq == seq


def tied_and_run_off(level: str = "vision") -> tuple[Domain, str, str, list[str]]:
    """Three visions (or user goals, under an accepted vision) ranked; the two first tie, and
    the runoff picks the first of them."""
    room = Domain(names=("Ann", "Bob", "Cid"))
    ann, bob, cid = (room.ids[n] for n in ("Ann", "Bob", "Cid"))
    if level != "vision":
        vision_passed(room)
    room.do(FAC, "go_to_phase", phase="propose")
    options = [
        room.do(ann, "propose_goal", level=level, title=t)[0]["proposal"]["id"]
        for t in ("Feel strong", "Move more", "Sleep well")
    ]
    a, b, c = options
    room.do(FAC, "go_to_phase", phase="decide")
    tied = opened(room, proposal_ids=options, rule="ranked", rule_reason="three visions")
    revealed(room, tied, **{ann: {"ranking": [a, b, c]}, bob: {"ranking": [b, a, c]}})
    runoff = room.do(FAC, "break_tie", ballot_id=tied, how="runoff")[0]["ballot"]["id"]
    revealed(room, runoff, {"ranking": [a, b]})
    return room, tied, runoff, options


@pytest.mark.parametrize(("first", "then"), [("tied", "runoff"), ("runoff", "tied")])
def test_an_option_is_settled_once_whichever_ballot_settles_it(first, then):
    room, tied, runoff, (a, b, c) = tied_and_run_off()
    ballots = {"tied": tied, "runoff": runoff}
    settled = room.do(FAC, "settle_ballot", ballot_id=ballots[first], others="reject")
    assert settled[0]["others"] == ([b, c] if first == "tied" else [b])
    if first == "runoff":  # the tied ballot still has its third option to settle
        assert room.do(FAC, "settle_ballot", ballot_id=tied, others="park")[0]["others"] == [c]
        then = None
    assert room.state.proposals[b].status == "rejected"
    if then:
        seq = room.state.seq
        with pytest.raises(WorkshopError, match="nothing left to settle") as refused:
            room.do(FAC, "settle_ballot", ballot_id=ballots[then], others="park")
        assert refused.value.code == "conflict" and room.state.seq == seq
    assert room.state.proposals[b].status == "rejected"


def test_a_settled_option_put_to_a_new_vote_is_settled_by_that_one():
    room, tied, _, (a, b, c) = tied_and_run_off("user")  # a parked vision never comes back
    room.do(FAC, "settle_ballot", ballot_id=tied, others="park")
    room.do(FAC, "go_to_phase", phase="propose")
    d = room.do(room.ids["Bob"], "propose_goal", level="user", title="Eat well")
    d = d[0]["proposal"]["id"]
    room.do(FAC, "go_to_phase", phase="decide")
    again = opened(room, proposal_ids=[c, d], rule="dot", rule_reason="one more look")
    revealed(room, again, {"dots": {d: 1}})
    settled = room.do(FAC, "settle_ballot", ballot_id=again, keep=[d], others="reject")
    assert settled[0]["others"] == [c] and room.state.proposals[c].status == "rejected"


@pytest.mark.parametrize(
    ("to", "problem"), [("Bob", "Bob is voting in the ballot on “Feel strong”"), ("Obi", None)]
)
def test_facilitation_is_never_handed_to_someone_voting(to, problem):
    room = Domain(names=("Ann", "Bob"))
    room.ids["Obi"] = room.join("Obi", "observer")
    proposal = a_proposal(room)
    room.do(FAC, "go_to_phase", phase="decide")
    ballot = opened(room, proposal_ids=[proposal])
    if problem is None:
        room.do(FAC, "hand_over", participant_id=room.ids[to])
        assert room.state.participants[room.ids[to]].role == "facilitator"
        return
    seq = room.state.seq
    with pytest.raises(
        WorkshopError, match=f"{problem}: a facilitator never votes; close it first"
    ) as refused:
        room.do(FAC, "hand_over", participant_id=room.ids[to])
    assert refused.value.code == "conflict" and room.state.seq == seq
    revealed(room, ballot, {"choice": "agree"})
    room.do(FAC, "hand_over", participant_id=room.ids[to])  # once the vote is over


# -- one vision (PRODUCT.md §1) ----------------------------------------------------------------

HELP, FUN = "Help people live healthier lives", "Make fitness fun for everyone"


def vision_passed(room: Domain, *others: str) -> list[str]:
    """HELP, then `others`, proposed as visions; HELP accepted by unanimity. Their ids."""
    room.do(FAC, "go_to_phase", phase="propose")
    ids = [
        room.do(room.ids["Ann"], "propose_goal", level="vision", title=title)[0]["proposal"]["id"]
        for title in (HELP, *others)
    ]
    room.do(FAC, "go_to_phase", phase="decide")
    passed(room, ids[0])
    return ids


def passed(room: Domain, proposal: str) -> list[dict]:
    """A ballot on `proposal` under its default rule that everyone agrees to; the reveal's."""
    opened = room.do(FAC, "open_ballot", proposal_ids=[proposal])
    ballot = opened[0]["ballot"]["id"]
    yes = {"unanimity": "agree", "consent": "consent"}[opened[0]["ballot"]["rule"]]
    for voter in room.ids.values():
        room.do(voter, "cast_vote", ballot_id=ballot, vote={"choice": yes})
    return room.do(FAC, "close_ballot", ballot_id=ballot, reveal=True)


def test_a_second_vision_cannot_go_to_a_ballot_once_one_is_accepted():
    room = Domain(names=("Ann", "Bob"))
    _, second = vision_passed(room, FUN)
    seq = room.state.seq
    with pytest.raises(WorkshopError) as refused:
        room.do(FAC, "open_ballot", proposal_ids=[second])
    message = refused.value.message
    assert refused.value.code == "conflict" and room.state.seq == seq
    assert f"the chain has a vision (“{HELP}”)" in message and "amend" in message
    assert room.state.chain.vision.statement == HELP


@pytest.mark.parametrize("kind", ["strategizing", "review"])
def test_a_vision_proposed_once_one_is_accepted_amends_it(kind):
    room = Domain(kind, names=("Ann", "Bob"))
    vision_passed(room)
    proposed = room.do(room.ids["Bob"], "propose_goal", level="vision", title=FUN)
    proposal = proposed[0]["proposal"]
    assert (proposal["change"], proposal["target"], proposal["level"]) == ("amend", "V1", "vision")
    events = passed(room, proposal["id"])
    accepted = [e for e in events if e["type"] == "goal_accepted"][0]
    assert accepted["replaced"] == HELP
    assert (room.state.chain.vision.id, room.state.chain.vision.statement) == ("V1", FUN)


def test_a_review_amends_the_vision_it_offers_as_a_target():
    room = Domain("review", names=("Ann", "Bob"))
    vision_passed(room)
    amend = room.do(room.ids["Bob"], "propose_goal", change="amend", target="V1", title=FUN)
    assert amend[0]["proposal"]["level"] == "vision"
    for change in ("achieve", "retire"):
        with pytest.raises(InvalidInput, match="the vision is amended, not"):
            room.do(room.ids["Bob"], "propose_goal", change=change, target="V1")


# -- what the chain keeps of how a goal was decided --------------------------------------------


def voted_on(room: Domain, proposals: list[str], rule: str, votes: dict[str, dict]) -> str:
    """A ballot on `proposals` under `rule` (by name in `votes`), revealed; its id."""
    opened = room.do(FAC, "open_ballot", proposal_ids=proposals, rule=rule, rule_reason="try")
    ballot = opened[0]["ballot"]["id"]
    while room.state.floor.round is not None:  # a consent round (the decider's advice)
        room.do(room.state.floor.holder.participant_id, "end_turn")
    for voter, vote in votes.items():
        room.do(room.ids[voter], "cast_vote", ballot_id=ballot, vote=vote)
    room.do(FAC, "close_ballot", ballot_id=ballot, reveal=True)
    return ballot


def test_the_chain_names_a_ranked_tallys_options_by_goal_id_or_title():
    room = Domain(names=("Ann", "Bob"))
    vision_passed(room)
    titles = ("Sleep better", "Eat better", "Move more")
    goals = [
        room.do(room.ids["Ann"], "propose_goal", level="user", title=t)[0]["proposal"]["id"]
        for t in titles
    ]
    first = {"ranking": [goals[2], goals[0], goals[1]]}
    voted_on(room, goals, "ranked", {"Ann": first, "Bob": first})
    tally = room.state.chain.goals[0].decided["tally"]
    assert room.state.chain.goals[0].title == "Move more"
    assert tally["pairwise"] == {
        "Sleep better": {"Eat better": 2, "U1": 0},
        "Eat better": {"Sleep better": 0, "U1": 0},
        "U1": {"Sleep better": 2, "Eat better": 2},
    }


def test_the_chain_keeps_the_deciders_decision_not_only_the_advice():
    room = Domain(names=("Ann", "Bob"))
    room.ids["Pia"] = room.join("Pia", "product")
    vision_passed(room)
    wellness = room.do(room.ids["Ann"], "propose_goal", level="business", title="Wellness")
    advice = {
        "Ann": {"choice": "objection", "reason": "distracts"},
        "Bob": {"choice": "consent"},
        "Pia": {"choice": "concern", "reason": "capacity"},
    }
    ballot = voted_on(room, [wellness[0]["proposal"]["id"]], "decider", advice)
    room.do(room.ids["Pia"], "record_decision", ballot_id=ballot, passed=True, rationale="pilot")
    decided = room.state.chain.goals[0].decided
    assert decided["rule"] == "decider" and decided["advisory_rule"] == "consent"
    assert decided["tally"] == {"consent": 1, "concern": 1, "objection": 1}
    assert decided["decision"] == {"by": "Pia", "passed": True, "rationale": "pilot"}


# -- a review changes goals in force; nothing is voted in under a goal not in force ----------

EVERY_STATUS = {
    **FITNESS,
    "goals": [
        *FITNESS["goals"],
        {"id": "P2", "level": "product", "title": "Ads", "parents": ["U1"], "status": "rejected"},
        {"id": "B2", "level": "business", "title": "Brand", "parents": ["V1"], "status": "retired"},
        {
            "id": "P3",
            "level": "product",
            "title": "Scales",
            "parents": ["U1"],
            "status": "proposed",
        },
    ],
}


@pytest.mark.parametrize(
    ("change", "target", "problem"),
    [
        ("achieve", "P2", "P2 (“Ads”) is rejected: only a goal that is accepted can be marked"),
        ("retire", "B2", "B2 (“Brand”) is retired: only a goal that is accepted or achieved can"),
        ("amend", "B2", "B2 (“Brand”) is retired: only a goal that is accepted or achieved can"),
    ],
)
def test_a_review_changes_only_goals_in_force(change, target, problem):
    """Marking a rejected goal achieved, retiring a goal twice, or amending a retired goal
    (which brought it back in force, unsaid) passed a review's vote."""
    room = Domain("review", names=("Tom",), chain=EVERY_STATUS)
    room.do(FAC, "go_to_phase", phase="propose")
    seq = room.state.seq
    with pytest.raises(WorkshopError, match=re.escape(problem)) as refused:
        room.do(room.ids["Tom"], "propose_goal", change=change, target=target, title="Again")
    assert refused.value.code == "conflict" and room.state.seq == seq


def test_a_change_of_a_goal_retired_since_it_was_proposed_is_not_voted_on():
    room = Domain("review", names=("Tom",), chain=EVERY_STATUS)
    tom = room.ids["Tom"]
    room.do(FAC, "go_to_phase", phase="propose")
    retire = room.do(tom, "propose_goal", change="retire", target="P1")[0]["proposal"]["id"]
    amend = room.do(tom, "propose_goal", change="amend", target="P1", title="Scale sync v2")
    room.do(FAC, "go_to_phase", phase="decide")
    revealed(room, opened(room, proposal_ids=[retire]), {"choice": "consent"})
    with pytest.raises(WorkshopError, match="P1 .* is retired: only a goal") as refused:
        opened(room, proposal_ids=[amend[0]["proposal"]["id"]])
    assert refused.value.code == "conflict"


def test_an_amendment_that_leaves_a_goal_without_its_parents_is_not_voted_on():
    """The review page sent `parents: []` with every amendment: an amended product goal lost
    its parents, and the exported chain no longer validated."""
    room = Domain("review", names=("Tom",), chain=EVERY_STATUS)
    room.do(FAC, "go_to_phase", phase="propose")
    orphan = room.do(room.ids["Tom"], "propose_goal", change="amend", target="P1", parents=[])
    room.do(FAC, "go_to_phase", phase="decide")
    with pytest.raises(WorkshopError, match="needs a parent user or business goal") as refused:
        opened(room, proposal_ids=[orphan[0]["proposal"]["id"]])
    assert refused.value.code == "conflict"


def test_a_sprint_goal_is_not_voted_in_under_a_product_goal_never_agreed():
    """The chain file held P3 as proposed: a sprint goal serving it was accepted."""
    room = Domain("sprint_planning", names=("Tom",), chain=EVERY_STATUS)
    room.do(FAC, "go_to_phase", phase="propose")
    sprint = {"level": "sprint", "title": "Weigh in", "parents": ["P3"]}
    proposal = room.do(room.ids["Tom"], "propose_goal", **sprint)[0]["proposal"]["id"]
    room.do(FAC, "go_to_phase", phase="decide")
    problem = "its parent P3 (“Scales”) is proposed, not an accepted goal yet"
    with pytest.raises(WorkshopError, match=re.escape(problem)) as refused:
        opened(room, proposal_ids=[proposal])
    assert refused.value.code == "conflict"


@pytest.mark.parametrize(
    ("rule", "settings", "sentence"),
    [
        ("unanimity", {}, "Unanimity: it passes only if everyone agrees."),
        (
            "majority",
            {"quorum": 0.9},
            "Majority: it passes if more than half of those who take a side agree, and at least"
            " 90% of the voters vote.",
        ),
        (
            "majority",
            {"quorum": 0, "supermajority": True},  # no "at least 0% of the voters"
            "Majority: it passes if two thirds of those who take a side agree.",
        ),
        ("fist_of_five", {}, "It passes when every vote is 3 or more."),
        (
            "decider",
            {"advisory_rule": "majority", "quorum": 0.9},  # the advice's quorum was left out
            "Decider: everyone gives advice by majority (more than half agreeing, and at least"
            " 90% of the voters vote), then Pia decides and says why.",
        ),
    ],
)
def test_a_ballot_says_its_rule_with_its_settings(rule, settings, sentence):
    room, vision = decider_room()
    ballot = opened(room, proposal_ids=[vision], rule=rule, rule_reason="r", settings=settings)
    (shown,) = [b for b in seen_by(room, FAC)["ballots"] if b["id"] == ballot]
    assert sentence in shown["rule_sentence"]
