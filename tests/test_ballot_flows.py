"""After a ballot, nobody is stranded: the real server, real clients (PRODUCT.md §4).

An objection awaiting its ruling shows no verdict and, once it stands, sends the proposal
back to its author; a ranked or dot ballot is settled in one step; a tie goes to a runoff
or to the decider; dot-voting settings are the facilitator's, and refusals say why. A goal
retired leaves nothing new to serve it, an electorate is the people present, an option is
settled once, and nobody voting is handed the facilitation.
"""

from __future__ import annotations

import pytest

from tests.chains import FITNESS
from tests.live import LiveServer, Person, host, poll, seat
from tests.test_workshop_e2e import vote_all


def strategy(server: LiveServer, people: list[Person]) -> tuple[dict, Person, list[Person]]:
    """A strategizing session in its propose phase, with Pia (product), Tom and Una (team)."""
    session, fac = host(server, people, "strategizing", product="Fitness app")
    team = seat(server, session, people, ("Pia", "product"), ("Tom", "team"), ("Una", "team"))
    fac.ok("next_phase")
    return session, fac, team


def visions(author: Person, *titles: str) -> list[str]:
    return [author.ok("propose_goal", level="vision", title=t)["proposal_id"] for t in titles]


def reveal(fac: Person, ballot: str) -> list[dict]:
    return fac.ok("close_ballot", ballot_id=ballot, reveal=True)["events"]


def shown_event(events: list[dict]) -> dict:
    return [e for e in events if e["type"] == "ballot_revealed"][0]


def proposal(person: Person, proposal_id: str) -> dict:
    return [p for p in person.fresh_state()["proposals"] if p["id"] == proposal_id][0]


def ballot_of(person: Person, ballot_id: str) -> dict:
    return [b for b in person.fresh_state()["ballots"] if b["id"] == ballot_id][0]


def ranked(fac: Person, options: list[str], votes: dict[Person, list[str]]) -> str:
    """A revealed ranked ballot on `options`; returns its id."""
    ballot = fac.ok(
        "open_ballot", proposal_ids=options, rule="ranked", rule_reason="several visions"
    )["ballot_id"]
    vote_all(ballot, {person: {"ranking": ranking} for person, ranking in votes.items()})
    reveal(fac, ballot)
    return ballot


def objected(fac: Person, proposal: str, objector: Person, reason: str, others: list) -> str:
    """A revealed consent ballot on `proposal`, `objector` objecting and `others` consenting;
    its id."""
    ballot = fac.ok("open_ballot", proposal_ids=[proposal], rule="consent", rule_reason="r")
    votes = {person: {"choice": "consent"} for person in others}
    vote_all(ballot["ballot_id"], {**votes, objector: {"choice": "objection", "reason": reason}})
    reveal(fac, ballot["ballot_id"])
    return ballot["ballot_id"]


def test_an_objection_awaits_the_ruling_then_goes_back_to_its_author_keeping_the_rule(
    server: LiveServer, people
) -> None:
    _, fac, (pia, tom, una) = strategy(server, people)
    (vision,) = visions(pia, "Healthier lives")
    goal = tom.ok("propose_goal", level="user", title="Lose weight", parents=[vision])
    goal = goal["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    first = fac.ok("open_ballot", proposal_ids=[vision])["ballot_id"]
    vote_all(first, {p: {"choice": "agree"} for p in (pia, tom, una)})
    reveal(fac, first)

    why = "the team asked for consent on user goals"
    ballot = fac.ok("open_ballot", proposal_ids=[goal], rule="consent", rule_reason=why)
    ballot = ballot["ballot_id"]
    objection = {"choice": "objection", "reason": "No metric: we cannot tell if it works"}
    vote_all(ballot, {pia: {"choice": "consent"}, una: objection, tom: {"choice": "consent"}})
    events = reveal(fac, ballot)

    # Everyone sees "awaiting the facilitator's ruling", not a verdict, and nothing rejected.
    shown = pia.wait_event("ballot_revealed", lambda e: e["ballot_id"] == ballot)["result"]
    assert shown["awaiting_ruling"] == [una.id]
    assert "awaiting the facilitator's ruling" in " ".join(shown["reasons"])
    assert "the objection stands" not in " ".join(shown["reasons"])
    outcome = [e["type"] for e in events[events.index(shown_event(events)) :]]
    assert outcome == ["ballot_revealed"]  # nothing accepted, nothing rejected
    assert proposal(tom, goal)["status"] == "proposed"

    # It stands: the proposal goes back to Tom, its author, to amend; not rejected.
    fac.ok("rule_objection", ballot_id=ballot, voter=una.id, stands=True, reason="Paramount")
    sent = tom.wait_event("proposal_to_amend", lambda e: e["proposal_id"] == goal)
    assert sent["objection"] == objection["reason"] and sent["ruling"] == "Paramount"
    ruled = pia.wait_event("objection_ruled")["result"]
    assert ruled["awaiting_ruling"] == [] and ruled["passed"] is False
    assert "the objection stands, ruled paramount" in " ".join(ruled["reasons"])
    mine = proposal(tom, goal)
    assert mine["status"] == "to_amend" and mine["mine"] is True
    assert mine["sent_back"]["objector"] == una.id and mine["default_rule"] == "consent"
    assert not [e for e in tom.events("proposal_rejected") if e["proposal_id"] == goal]
    refused = fac.refused("open_ballot", "conflict", proposal_ids=[goal])
    assert "back to its author to amend" in refused["message"]

    # Tom amends it; the new round keeps consent and its reason without being asked again.
    metric = {"name": "weekly active users", "target": 5000}
    tom.ok("edit_proposal", proposal_id=goal, metrics=[metric])
    assert proposal(tom, goal)["status"] == "proposed"
    second = fac.ok("open_ballot", proposal_ids=[goal])["events"][0]["ballot"]
    assert second["rule"] == "consent" and second["rule_reason"] == why
    vote_all(second["id"], {p: {"choice": "consent"} for p in (pia, tom, una)})
    events = reveal(fac, second["id"])
    assert any(e["type"] == "goal_accepted" and e["proposal_id"] == goal for e in events)


def test_a_missing_response_is_a_verdict_and_a_standing_objection_sends_it_back(
    server: LiveServer, people
) -> None:
    """With a response missing no ruling could make it pass: a verdict, not a wait. The
    objection was never ruled not paramount, so it stands: the proposal went to "rejected",
    its objection never to be met; it goes back to its author to amend. The minutes said the
    objection was "not ruled on yet", as if a ruling were still to come."""
    session, fac, (pia, tom, una) = strategy(server, people)
    (vision,) = visions(pia, "Healthier lives")
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[vision], rule="consent", rule_reason="r")
    ballot = ballot["ballot_id"]
    vote_all(ballot, {tom: {"choice": "objection", "reason": "harm"}, una: {"choice": "consent"}})
    events = reveal(fac, ballot)
    result = shown_event(events)["result"]
    assert result["awaiting_ruling"] == [] and result["passed"] is False
    assert [e["type"] for e in events[-1:]] == ["proposal_to_amend"]
    sent = pia.wait_event("proposal_to_amend", lambda e: e["proposal_id"] == vision)
    assert sent["objector"] == tom.id and sent["objection"] == "harm" and sent["ruling"] is None
    mine = proposal(pia, vision)
    assert mine["status"] == "to_amend" and mine["default_rule"] == "consent"
    assert not [e for e in pia.events("proposal_rejected") if e["proposal_id"] == vision]
    assert "Objection by Tom: harm. Not ruled on.\n" in server.export(session, "minutes").text


def test_the_facilitator_settles_a_ranked_ballot_and_moves_the_children(
    server: LiveServer, people
) -> None:
    session, fac, (pia, tom, una) = strategy(server, people)
    won, lost, third = visions(pia, "Healthier lives", "Fitter teams", "Happier people")
    child = tom.ok("propose_goal", level="user", title="Run more", parents=[lost])
    child = child["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    refused = fac.refused("settle_ballot", "not_found", ballot_id="b9", others="park")
    assert "b9" in refused["message"]
    order = [won, lost, third]
    ballot = ranked(fac, order, {pia: order, tom: order, una: [lost, won, third]})

    # The loser's child is stranded until the facilitator settles the ballot.
    refused = fac.refused("open_ballot", "conflict", proposal_ids=[child])
    assert "not an accepted goal yet" in refused["message"]
    bad = fac.refused("settle_ballot", "invalid_input", ballot_id=ballot, others="bin")
    assert "others must be one of park, reject" in bad["message"]
    bad = fac.refused("settle_ballot", "invalid_input", ballot_id=ballot, others="park", keep=["x"])
    assert "keep: 'x' is not an option of the ballot on “Healthier lives”" in bad["message"]
    bad = fac.refused(
        "settle_ballot", "invalid_input", ballot_id=ballot, others="park", reparent_to=lost
    )
    assert "“Fitter teams” is one of the options being settled" in bad["message"]

    settled = fac.ok("settle_ballot", ballot_id=ballot, others="park")["events"][0]
    assert settled["type"] == "ballot_settled" and settled["kept"] == [won]
    assert settled["others"] == [lost, third] and settled["status"] == "parked"
    assert settled["reparented"] == [{"proposal_id": child, "before": [lost], "parents": [won]}]
    una.wait_event("ballot_settled")
    assert [proposal(una, pid)["status"] for pid in (won, lost, third)] == [
        "accepted",
        "parked",
        "parked",
    ]
    moved = proposal(una, child)
    assert moved["parents"] == [won] and moved["revisions"][-1]["before"]["parents"] == [lost]
    again = fac.refused("settle_ballot", "conflict", ballot_id=ballot, others="reject")
    assert "settled already" in again["message"]

    # The child can now go to a vote, and becomes a goal under the accepted vision.
    vote = fac.ok("open_ballot", proposal_ids=[child])["ballot_id"]
    vote_all(vote, {p: {"choice": "agree"} for p in (pia, tom, una)})
    reveal(fac, vote)
    minutes = server.export(session, "minutes", format="json").json()
    entry = [b for b in minutes["ballots"] if b["id"] == ballot][0]
    assert entry["settled"]["others"] == [lost, third]
    assert {"proposal_id": lost, "outcome": "parked", "goal_id": None} in entry["outcome"]
    markdown = server.export(session, "minutes", format="md").text
    assert "“Run more” now serves “Healthier lives” (it served “Fitter teams”)." in markdown
    assert "“Fitter teams” and “Happier people” parked." in markdown


def test_a_tie_goes_to_a_runoff_in_one_command(server: LiveServer, people) -> None:
    _, fac, (pia, tom, una) = strategy(server, people)
    a, b, c = visions(pia, "Healthier lives", "Fitter teams", "Happier people")
    fac.ok("go_to_phase", phase="decide")
    tied = ranked(fac, [a, b, c], {pia: [a, b, c], tom: [b, a, c]})  # Una does not rank
    result = ballot_of(fac, tied)["result"]
    assert result["winner"] is None and result["ties"][0] == [a, b]
    refused = fac.refused("settle_ballot", "conflict", ballot_id=tied, others="park")
    assert "no single winner: break the tie first" in refused["message"]
    bad = fac.refused("break_tie", "invalid_input", ballot_id=tied, how="runoff", rule="dot")
    assert "rule_reason: say why the runoff uses dot" in bad["message"]

    opened = fac.ok("break_tie", ballot_id=tied, how="runoff")["events"][0]["ballot"]
    assert opened["options"] == [a, b] and opened["runoff_of"] == tied
    assert opened["rule"] == "ranked" and opened["rule_reason"] == "several visions"
    assert ballot_of(pia, tied)["tie_break"] == {"how": "runoff", "ballot_id": opened["id"]}
    again = fac.refused("break_tie", "conflict", ballot_id=tied, how="decider")
    assert "went to a runoff already" in again["message"]

    vote_all(opened["id"], {pia: {"ranking": [b, a]}, tom: {"ranking": [b, a]}})
    events = reveal(fac, opened["id"])
    assert any(e["type"] == "goal_accepted" and e["proposal_id"] == b for e in events)
    # Settling the tied ballot takes the runoff's winner forward and parks the rest.
    settled = fac.ok("settle_ballot", ballot_id=tied, others="reject")["events"][0]
    assert settled["kept"] == [b] and settled["others"] == [a, c]


def test_a_tie_goes_to_the_decider_who_chooses_with_a_reason(server: LiveServer, people) -> None:
    session, fac, (pia, tom, una) = strategy(server, people)
    a, b, c = visions(tom, "Healthier lives", "Fitter teams", "Happier people")
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[a, b, c], rule="dot", rule_reason="shortlist")[
        "ballot_id"
    ]
    vote_all(ballot, {pia: {"dots": {a: 1}}, tom: {"dots": {b: 1}}, una: {"dots": {c: 1}}})
    reveal(fac, ballot)
    early = pia.refused("record_decision", "conflict", ballot_id=ballot, winner=a, rationale="r")
    assert "has not sent the tie" in early["message"]

    referred = fac.ok("break_tie", ballot_id=ballot, how="decider")["events"][0]
    assert referred["type"] == "tie_referred" and referred["decider"] == pia.id
    assert referred["tied"] == [a, b, c]
    tom.refused("record_decision", "forbidden", ballot_id=ballot, winner=a, rationale="r")
    bad = pia.refused("record_decision", "invalid_input", ballot_id=ballot, winner=a)
    assert "rationale" in bad["message"]
    bad = pia.refused(
        "record_decision", "invalid_input", ballot_id=ballot, winner="pr9", rationale="r"
    )
    assert "one of the options tied for first place" in bad["message"]

    decided = pia.ok(
        "record_decision", ballot_id=ballot, winner=b, rationale="closest to our users"
    )["events"]
    assert [e["type"] for e in decided] == ["decision_recorded"]  # dot only ranks
    result = decided[0]["result"]
    assert result["winner"] == b and result["ranking"][0] == b
    assert (
        "Pia chose “Fitter teams” from the tie, because: closest to our users" in result["reasons"]
    )
    settled = fac.ok("settle_ballot", ballot_id=ballot, others="park")["events"][0]
    assert settled["kept"] == [b] and settled["others"] == [a, c]
    markdown = server.export(session, "minutes", format="md").text
    assert "Tie for first place: sent to the decider, Pia." in markdown
    assert "Decision by Pia: “Fitter teams” wins the tie, because: closest" in markdown


@pytest.mark.parametrize("rule", ["dot", "ranked"])
def test_an_anonymous_tie_goes_to_the_decider_and_the_session_can_close(
    server: LiveServer, people, rule: str
) -> None:
    """After the reveal an anonymous ballot's votes are filed under labels, not people: the
    decider's choice among the tied was recounted against the people and refused, which
    left the tie, the ballot and the session's close waiting on a decision nobody could
    record."""
    session, fac, (pia, tom, una) = strategy(server, people)
    a, b = visions(tom, "Healthier lives", "Fitter teams")
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok(
        "open_ballot", proposal_ids=[a, b], rule=rule, rule_reason="shortlist", anonymous=True
    )["ballot_id"]
    votes = {
        "dot": ({"dots": {a: 1}}, {"dots": {b: 1}}),
        "ranked": ({"ranking": [a, b]}, {"ranking": [b, a]}),
    }
    vote_all(ballot, dict(zip((pia, tom), votes[rule], strict=True)))
    reveal(fac, ballot)
    fac.ok("break_tie", ballot_id=ballot, how="decider")

    decided = pia.ok("record_decision", ballot_id=ballot, winner=b, rationale="closest to users")
    result = decided["events"][0]["result"]
    assert result["winner"] == b and result["ranking"][0] == b
    fac.ok("settle_ballot", ballot_id=ballot, others="park")
    fac.ok("go_to_phase", phase="close")
    vision = pia.fresh_state()["chain"].get("vision") or {}  # a ranked winner is a goal
    assert vision.get("statement") == ("Fitter teams" if rule == "ranked" else None)
    minutes = server.export(session, "minutes", format="md").text
    assert "Decision by Pia: “Fitter teams” wins the tie, because: closest to users" in minutes


def test_dot_voting_settings_are_the_facilitators_and_refusals_say_why(
    server: LiveServer, people
) -> None:
    _, fac, (pia, tom, una) = strategy(server, people)
    ids = visions(pia, "One", "Two", "Three", "Four")
    fac.ok("go_to_phase", phase="decide")
    dot = {"proposal_ids": ids, "rule": "dot", "rule_reason": "shortlist"}
    for settings, said in [
        ({"dots": 0}, "dots must be between 1 and 100, got 0"),
        ({"dots": 2.5}, "settings.dots must be a whole number, got 2.5"),
        ({"dots": 2, "max_per_option": 3}, "settings.max_per_option (3) cannot be more than"),
        ({"dot": 2}, "settings: unknown setting 'dot' (known: advisory_rule, dots,"),
    ]:
        refused = fac.refused("open_ballot", "invalid_input", settings=settings, **dot)
        assert said in refused["message"]
    # A budget alone is also the limit per option: 3 dots may all go on one proposal.
    opened = fac.ok("open_ballot", settings={"dots": 3}, **dot)["events"][0]["ballot"]
    assert opened["settings"]["dots"] == 3 and opened["settings"]["max_per_option"] == 3
    pia.ok("cast_vote", ballot_id=opened["id"], vote={"dots": {ids[0]: 3}})
    over = {"dots": {ids[0]: 2, ids[1]: 2}}
    refused = tom.refused("cast_vote", "invalid_input", ballot_id=opened["id"], vote=over)
    assert "4 dots spent, the budget is 3" in refused["message"]


def test_a_goal_retired_in_a_review_leaves_no_orphan(server: LiveServer, people) -> None:
    session, fac = host(server, people, "review", chain=FITNESS)
    pia, tom = seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    fac.ok("go_to_phase", phase="propose")
    retire = tom.ok("propose_goal", change="retire", target="U1")["proposal_id"]
    sleep = {"level": "product", "title": "Sleep tracking", "parents": ["U1"], "due": "2027-09"}
    sleep["metrics"] = [{"name": "nights tracked", "target": 5}]
    child = pia.ok("propose_goal", **sleep)["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[retire])["ballot_id"]
    vote_all(ballot, {p: {"choice": "consent"} for p in (pia, tom)})
    reveal(fac, ballot)
    seq = fac.fresh_state()["seq"]

    refused = fac.refused("open_ballot", "conflict", proposal_ids=[child])
    assert refused["message"] == (
        "the proposal “Sleep tracking”: its parent U1 (“Lose weight without dieting misery”)"
        " is retired: choose a parent still in force"
    )
    refused = pia.refused("propose_goal", "invalid_input", **sleep)
    assert refused["message"].startswith(
        "parents: 'U1' (“Lose weight without dieting misery”) is retired"
    )
    after = fac.fresh_state()
    assert after["seq"] == seq and not after["ballots"][-1]["status"] == "open"
    assert [g["id"] for g in after["chain"]["goals"] if "U1" in g.get("parents", [])] == ["P1"]
    assert proposal(tom, child)["status"] == "proposed"


def test_an_electorate_is_only_people_present(server: LiveServer, people) -> None:
    _, fac, (pia, tom, una) = strategy(server, people)
    (vision,) = visions(pia, "Healthier lives")
    fac.ok("go_to_phase", phase="decide")
    una.close()
    poll(
        lambda: (
            not [p for p in fac.fresh_state()["participants"] if p["id"] == una.id][0]["present"]
        )
    )
    seq = fac.fresh_state()["seq"]
    refused = fac.refused(
        "open_ballot", "invalid_input", proposal_ids=[vision], electorate=[pia.id, una.id]
    )
    assert refused["message"].startswith("electorate: Una is not present")
    for field in ("electorate", "remote_voters"):  # an id nobody has: no role to blame
        unknown = fac.refused(
            "open_ballot", "invalid_input", proposal_ids=[vision], **{field: ["pt99"]}
        )
        assert unknown["message"] == f"{field}: 'pt99' is not in this session"
    assert fac.fresh_state()["seq"] == seq and fac.fresh_state()["ballots"] == []

    una.connect()  # back in the room: now she may be named
    ballot = fac.ok("open_ballot", proposal_ids=[vision], electorate=[pia.id, una.id])
    assert ballot["events"][0]["ballot"]["electorate"] == [pia.id, una.id]
    tom.refused("cast_vote", "forbidden", ballot_id=ballot["ballot_id"], vote={"choice": "agree"})


def test_an_option_settled_with_the_tied_ballot_is_not_settled_again_by_its_runoff(
    server: LiveServer, people
) -> None:
    _, fac, (pia, tom, una) = strategy(server, people)
    a, b, c = visions(pia, "Healthier lives", "Fitter teams", "Happier people")
    fac.ok("go_to_phase", phase="decide")
    tied = ranked(fac, [a, b, c], {pia: [a, b, c], tom: [b, a, c]})
    runoff = fac.ok("break_tie", ballot_id=tied, how="runoff")["ballot_id"]
    vote_all(runoff, {p: {"ranking": [b, a]} for p in (pia, tom, una)})
    reveal(fac, runoff)
    settled = fac.ok("settle_ballot", ballot_id=tied, others="reject")["events"][0]
    assert settled["kept"] == [b] and settled["others"] == [a, c]

    refused = fac.refused("settle_ballot", "conflict", ballot_id=runoff, others="park")
    assert "has nothing left to settle" in refused["message"]
    assert [proposal(una, pid)["status"] for pid in (a, b, c)] == [
        "rejected",
        "accepted",
        "rejected",
    ]
    assert ballot_of(una, runoff)["settled"] is None


def test_facilitation_is_not_handed_to_someone_voting(server: LiveServer, people) -> None:
    _, fac, (pia, tom, una) = strategy(server, people)
    (vision,) = visions(pia, "Healthier lives")
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[vision])["ballot_id"]
    refused = fac.refused("hand_over", "conflict", participant_id=tom.id)
    assert refused["message"] == (
        "Tom is voting in the ballot on “Healthier lives”: a facilitator never votes;"
        " close it first"
    )
    assert tom.fresh_state()["me"]["role"] == "team"
    vote_all(ballot, {p: {"choice": "agree"} for p in (pia, tom, una)})  # unanimity can pass
    assert any(e["type"] == "goal_accepted" for e in reveal(fac, ballot))
    fac.ok("hand_over", participant_id=tom.id)  # once the vote is over
    assert tom.fresh_state()["me"]["role"] == "facilitator"


def test_facilitation_is_not_handed_to_whom_a_ruling_or_a_decision_waits_on(
    server: LiveServer, people
) -> None:
    """Tom objected, the objection awaited its ruling, and Tom, handed the facilitation,
    ruled his own objection not paramount; Pia, the decider, handed it while her decision was
    due, left nobody able to decide and the session unable to close; a delegated decider
    handed it decided as facilitator."""
    _, fac, (pia, tom, una) = strategy(server, people)
    (vision,) = visions(pia, "Healthier lives")
    other = tom.ok("propose_goal", level="user", title="Lose weight", parents=[vision])
    other = other["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    ballot = objected(fac, vision, tom, "It names no one it helps", [pia, una])
    refused = fac.refused("hand_over", "conflict", participant_id=tom.id)["message"]
    assert "waits for the facilitator's ruling on Tom's objection" in refused
    assert "may not rule on their own objection" in refused
    fac.ok("hand_over", participant_id=una.id)  # anyone else may take over
    assert una.fresh_state()["me"]["role"] == "facilitator"
    una.ok("rule_objection", ballot_id=ballot, voter=tom.id, stands=False, reason="A preference")

    advice = una.ok("open_ballot", proposal_ids=[other], rule="decider", rule_reason="Pia")
    vote_all(advice["ballot_id"], {p: {"choice": "consent"} for p in (pia, tom)})
    reveal(una, advice["ballot_id"])
    refused = una.refused("hand_over", "conflict", participant_id=pia.id)["message"]
    assert "waits for Pia's decision" in refused and "a facilitator never decides" in refused
    una.ok("delegate_decider", participant_id=tom.id)
    refused = una.refused("hand_over", "conflict", participant_id=tom.id)["message"]
    assert "waits for Tom's decision" in refused
    tom.ok("record_decision", ballot_id=advice["ballot_id"], passed=True, rationale="We need it")
    una.ok("hand_over", participant_id=tom.id)  # no decision due: a facilitator never decides
    assert tom.fresh_state()["me"]["is_decider"] is False
    assert tom.fresh_state()["session"]["decider_id"] == pia.id  # the product person again
    tom.ok("hand_over", participant_id=una.id)  # handed back, he is not the decider again
    assert tom.fresh_state()["session"]["decider_id"] == pia.id


def test_the_room_is_told_a_ballots_options_by_title(server: LiveServer, people) -> None:
    """A page told of a ballot before it had fetched the proposal announced it by id ("A
    ballot opened: pr3 (Consent)"): the event names each option's title as voted on."""
    _, fac, (pia, tom, _una) = strategy(server, people)
    (vision,) = visions(pia, "Healthier lives")
    fac.ok("go_to_phase", phase="decide")
    fac.ok("open_ballot", proposal_ids=[vision])
    told = tom.wait_event("ballot_opened")["ballot"]
    assert told["titles"] == {vision: "Healthier lives"}


def test_one_vision_a_second_one_is_refused_and_a_new_statement_amends_it(
    server: LiveServer, people
) -> None:
    session, fac, team = strategy(server, people)
    help_, fun = "Help people live healthier lives", "Make fitness fun for everyone"
    first, second = visions(team[0], help_, fun)
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[first])["ballot_id"]
    vote_all(ballot, {person: {"choice": "agree"} for person in team})
    reveal(fac, ballot)
    refused = fac.refused("open_ballot", "conflict", proposal_ids=[second])
    assert f"the chain has a vision (“{help_}”)" in refused["message"]
    assert "amend the vision" in refused["message"]
    amend = team[1].ok("propose_goal", level="vision", title=fun)["proposal_id"]
    shown = proposal(team[2], amend)
    assert (shown["change"], shown["target"]) == ("amend", "V1")
    ballot = fac.ok("open_ballot", proposal_ids=[amend])["ballot_id"]
    vote_all(ballot, {person: {"choice": "agree"} for person in team})
    reveal(fac, ballot)
    chain = server.export(session, "chain", format="yaml").text
    assert f"  id: V1\n  statement: {fun}\n" in chain and help_ not in chain
    minutes = server.export(session, "minutes").text
    assert f"Outcome: Vision changed from “{help_}” to “{fun}”" in minutes
    assert minutes.count(f"Outcome: “{help_}” accepted into the chain") == 2  # ballot, summary


def test_a_ballot_closed_and_not_yet_revealed_still_decides_its_proposal(
    server: LiveServer, people
) -> None:
    """Everyone agreed in a first ballot, closed but not revealed; a second ballot on the same
    proposal would have rejected it, and the first one's later reveal turned that into an
    accepted goal. The proposal is decided by the first ballot: a second waits for its reveal,
    and so does any change to the proposal."""
    _, fac, (pia, tom, una) = strategy(server, people)
    (vision,) = visions(pia, "Healthier lives")
    fac.ok("go_to_phase", phase="decide")
    first = fac.ok("open_ballot", proposal_ids=[vision])["ballot_id"]
    vote_all(first, {person: {"choice": "agree"} for person in (pia, tom, una)})
    fac.ok("close_ballot", ballot_id=first)
    awaiting = (
        "the proposal “Healthier lives” is being voted on in the ballot on “Healthier lives”:"
        " reveal that ballot first"
    )
    assert fac.refused("open_ballot", "conflict", proposal_ids=[vision])["message"] == awaiting
    edit = {"proposal_id": vision, "title": "Healthier, longer lives"}
    assert pia.refused("edit_proposal", "conflict", **edit)["message"] == awaiting
    assert proposal(pia, vision)["status"] == "proposed"
    assert [b["id"] for b in pia.fresh_state()["ballots"]] == [first]

    fac.ok("reveal_ballot", ballot_id=first)
    assert proposal(pia, vision)["status"] == "accepted"
    assert fac.refused("open_ballot", "conflict", proposal_ids=[vision])


def test_the_runoff_of_an_anonymous_tie_is_anonymous_too(server: LiveServer, people) -> None:
    """Named, the runoff would show who prefers which of the same options: what the
    anonymous ballot promised nobody would see."""
    _, fac, (pia, tom, una) = strategy(server, people)
    a, b, c = visions(pia, "Healthier lives", "Fitter teams", "Happier people")
    fac.ok("go_to_phase", phase="decide")
    tied = fac.ok(
        "open_ballot",
        proposal_ids=[a, b, c],
        rule="ranked",
        rule_reason="several visions",
        anonymous=True,
    )["ballot_id"]
    cycle = {pia: [a, b, c], tom: [b, c, a], una: [c, a, b]}  # a Condorcet cycle: a tie
    vote_all(tied, {person: {"ranking": ranking} for person, ranking in cycle.items()})
    reveal(fac, tied)
    assert ballot_of(fac, tied)["result"]["ties"][0] == [a, b, c]
    named = fac.refused("break_tie", "invalid_input", ballot_id=tied, how="runoff", anonymous=False)
    assert named["message"] == "anonymous: the runoff of an anonymous ballot is anonymous too"

    runoff = fac.ok("break_tie", ballot_id=tied, how="runoff")["events"][0]["ballot"]
    assert runoff["anonymous"] is True
    vote_all(runoff["id"], {pia: {"ranking": [a, b, c]}, tom: {"ranking": [a, c, b]}})
    votes = shown_event(reveal(fac, runoff["id"]))["votes"]
    people_ids = {person.id for person in (pia, tom, una)}
    assert sorted(v["voter"] for v in votes) == ["voter 1", "voter 2"]
    assert not people_ids & {v["voter"] for v in ballot_of(una, runoff["id"])["votes"]}


def test_a_ballot_waiting_for_a_ruling_or_a_decider_still_decides_and_holds_the_close(
    server: LiveServer, people
) -> None:
    """A second ballot opened on a proposal whose objection awaited its ruling (majority
    rejected it, then the ruling passed the first: the minutes said both); the session
    closed with the ruling and a tie's decision never made; and a tie sent to the decider
    kept naming the first decider after the facilitator delegated another."""
    session, fac, (pia, tom, una) = strategy(server, people)
    (vision,) = visions(pia, "Healthier lives")
    fac.ok("go_to_phase", phase="decide")
    ballot = objected(fac, vision, tom, "too vague", [pia, una])
    again = fac.refused(
        "open_ballot", "conflict", proposal_ids=[vision], rule="majority", rule_reason="r"
    )
    assert "waits for the facilitator's ruling on Tom's objection" in again["message"]
    pia.refused("edit_proposal", "conflict", proposal_id=vision, title="Healthy lives")
    closing = fac.refused("go_to_phase", "conflict", phase="close")
    assert "Tom's objection, which comes before closing the session" in closing["message"]
    fac.ok("rule_objection", ballot_id=ballot, voter=tom.id, stands=False, reason="preference")
    assert proposal(pia, vision)["status"] == "accepted"

    a, b = (tom.ok("propose_goal", level="user", title=t, parents=["V1"]) for t in "AB")
    a, b = a["proposal_id"], b["proposal_id"]
    tie = ranked(fac, [a, b], {pia: [a, b], tom: [b, a]})
    assert fac.ok("break_tie", ballot_id=tie, how="decider")["events"][0]["decider"] == pia.id
    fac.ok("delegate_decider", participant_id=una.id)
    assert ballot_of(fac, tie)["tie_break"]["decider"] == una.id
    closing = fac.refused("go_to_phase", "conflict", phase="close")
    assert "waits for Una's decision among the tied" in closing["message"]
    refused = pia.refused("record_decision", "forbidden", ballot_id=tie, winner=a, rationale="r")
    # It said "a product person cannot record decision in a strategizing session".
    assert refused["message"] == "only the decider, Una, can record a decision"
    una.ok("record_decision", ballot_id=tie, winner=a, rationale="users first")
    fac.ok("go_to_phase", phase="close")
    markdown = server.export(session, "minutes", format="md").text
    assert "Tie for first place: sent to the decider, Una." in markdown


def test_a_decider_chooses_among_several_after_ranked_or_dot_advice(
    server: LiveServer, people
) -> None:
    """PRODUCT §4: the decider decides after advisory votes "under any rule above". Advice by
    dot voting or ranked choice was refused ("advise by unanimity, consent, majority or fist
    of five"), though the recount knew it."""
    session, fac, (pia, tom, una) = strategy(server, people)
    (vision,) = visions(pia, "Healthier lives")
    fac.ok("go_to_phase", phase="decide")
    first = fac.ok("open_ballot", proposal_ids=[vision])["ballot_id"]
    vote_all(first, {p: {"choice": "agree"} for p in (pia, tom, una)})
    reveal(fac, first)
    a, b, c = (
        tom.ok("propose_goal", level="user", title=t, parents=["V1"])["proposal_id"]
        for t in ("Sleep better", "Move more", "Eat well")
    )
    several = {"proposal_ids": [a, b, c], "rule": "decider", "rule_reason": "Pia owns this"}
    refused = fac.refused("open_ballot", "invalid_input", **several)
    assert "after advice by dot voting or ranked choice" in refused["message"]
    opened = fac.ok("open_ballot", **several, settings={"advisory_rule": "ranked"})
    ballot = opened["ballot_id"]
    vote_all(ballot, {pia: {"ranking": [a, b, c]}, tom: {"ranking": [b, a]}, una: {"ranking": [a]}})
    advised = shown_event(reveal(fac, ballot))["result"]["advisory"]
    assert advised["winner"] == a and advised["ranking"][0] == a
    assert proposal(pia, b)["status"] == "proposed"  # the decider has not decided yet
    early = fac.refused("settle_ballot", "conflict", ballot_id=ballot, others="park")
    assert "waits for Pia's decision" in early["message"]  # not "break the tie first"
    bad = pia.refused("record_decision", "invalid_input", ballot_id=ballot, passed=True)
    assert "passed: after advice that ranked several proposals" in bad["message"]
    bad = pia.refused("record_decision", "invalid_input", ballot_id=ballot, rationale="r")
    assert "winner must be one of the options" in bad["message"]
    assert "“Move more”" in bad["message"]
    decided = pia.ok(
        "record_decision", ballot_id=ballot, winner=b, rationale="the team can ship it"
    )["events"]
    assert [e["proposal_id"] for e in decided if e["type"] == "goal_accepted"] == [b]
    assert "The decision goes against the advice." in decided[0]["result"]["reasons"]
    settled = fac.ok("settle_ballot", ballot_id=ballot, others="park")["events"][0]
    assert settled["kept"] == [b] and settled["others"] == [a, c]

    d, e = (
        una.ok("propose_goal", level="business", title=t, parents=["V1"])["proposal_id"]
        for t in ("Sell coaching", "Partner with gyms")
    )
    dots = {"advisory_rule": "dot", "dots": 1}
    ballot = fac.ok("open_ballot", **several | {"proposal_ids": [d, e]}, settings=dots)["ballot_id"]
    vote_all(ballot, {pia: {"dots": {d: 1}}, tom: {"dots": {e: 1}}, una: {"dots": {e: 1}}})
    assert shown_event(reveal(fac, ballot))["result"]["advisory"]["winner"] == e
    pia.ok("record_decision", ballot_id=ballot, winner=e, rationale="as advised")
    assert proposal(pia, e)["status"] == "accepted"
    markdown = server.export(session, "minutes", format="md").text
    assert "Decision by Pia: “Move more” goes forward, because: the team can ship it" in markdown
    assert "Pia chose “Move more” after advice by ranked choice (3 of 3 voted)" in markdown


def test_a_consent_round_may_hear_the_product_person_last(server: LiveServer, people) -> None:
    """A consent ballot's round went in join order, the product person first (the HIPPO
    anchor the seed warns about); the round-robin's "seniors last" did not reach it."""
    _, fac, (pia, tom, una) = strategy(server, people)
    (vision,) = visions(tom, "Healthier lives")
    fac.ok("go_to_phase", phase="decide")
    opened = fac.ok(
        "open_ballot", proposal_ids=[vision], rule="consent", rule_reason="r", seniors_last=True
    )
    started = next(e for e in opened["events"] if e["type"] == "round_started")
    assert started["round"]["order"] == [tom.id, una.id, pia.id]
    granted = next(e for e in opened["events"] if e["type"] == "floor_granted")
    assert granted["turn"]["participant_id"] == tom.id
