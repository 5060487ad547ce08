"""Whole workshops over the real server with real clients: issue 3's scenarios."""

from __future__ import annotations

from tests.chains import FITNESS
from tests.live import LiveServer, Person, host, seat


def vote_all(ballot_id: str, votes: dict[Person, dict]) -> None:
    for person, vote in votes.items():
        person.ok("cast_vote", ballot_id=ballot_id, vote=vote)


def test_strategizing_workshop_from_check_in_to_accepted_goals(
    any_server: LiveServer, people
) -> None:
    server = any_server
    session, fac = host(server, people, "strategizing", product="Fitness app")
    pia, tom, una, raj, sam = seat(
        server,
        session,
        people,
        ("Pia", "product"),
        ("Tom", "team"),
        ("Una", "team"),
        ("Raj", "stakeholder"),
        ("Sam", "team"),
    )
    everyone = [pia, tom, una, raj, sam]

    # Check-in: a round-robin in which the product person speaks last; everyone speaks or passes.
    ack = fac.ok("start_round", seniors_last=True, purpose="check-in")
    order = ack["events"][0]["round"]["order"]
    assert order[-2:] == [raj.id, pia.id] and set(order) == {p.id for p in everyone}
    for speaker in [p for pid in order for p in everyone if p.id == pid]:
        if speaker is una:
            speaker.ok("pass_turn")
        else:
            speaker.ok("end_turn")
    fac.wait_event("round_ended")
    after_round = fac.fresh_state()
    assert after_round["floor"]["round"] is None and after_round["floor"]["holder"] is None
    turns = {row["participant_id"]: row["turns"] for row in after_round["airtime"]["rows"]}
    assert turns == {p.id: (0 if p is una else 1) for p in everyone}
    assert una.id in after_round["airtime"]["silent"]

    # Silent proposing: authors hidden from everyone but themselves.
    fac.ok("next_phase")
    vision = tom.ok("propose_goal", level="vision", title="Help people live healthier lives")[
        "proposal_id"
    ]
    pia.wait_event("goal_proposed", lambda e: e["proposal"]["id"] == vision)
    assert pia.events("goal_proposed")[-1]["proposal"]["author"] is None
    assert [p for p in tom.fresh_state()["proposals"] if p["id"] == vision][0]["mine"] is True
    fac.ok("reveal_authors")
    pia.wait_event("authors_revealed")
    user_goal = una.ok(
        "propose_goal",
        level="user",
        title="Lose weight without dieting misery",
        metrics=[{"name": "weekly active users", "baseline": 1200, "target": 5000}],
        due="2027-06-30",
    )["proposal_id"]
    business_goal = raj.ok(
        "propose_goal",
        level="business",
        title="Open a new revenue source",
        metrics=[{"name": "monthly revenue", "target": 20000, "unit": "EUR"}],
        due="2027-Q4",
    )["proposal_id"]

    # Discussion with a speaking queue and a time-box that runs out with nobody acting.
    fac.ok("go_to_phase", phase="discuss")
    fac.ok("set_time_box", seconds=1)
    tom.ok("raise_hand")
    sam.ok("raise_hand")
    since = fac.ok("grant_floor")["seq"]
    expired = fac.wait_event("turn_ended", lambda e: e["how"] == "expired")
    assert expired["participant_id"] == tom.id
    granted = fac.wait_event(
        "floor_granted", lambda e: e["seq"] > since and e["turn"]["participant_id"] == sam.id
    )
    assert granted["turn"]["deadline"] is not None
    ended = fac.wait_event("turn_ended", lambda e: e["turn_id"] == granted["turn"]["id"])
    assert ended["how"] == "expired"  # nobody acts: the floor empties when Sam's time is up too
    fac.ok("set_time_box", seconds=None)

    # Unanimity on the vision.
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[vision])["ballot_id"]
    vote_all(ballot, {p: {"choice": "agree"} for p in everyone})
    fac.wait_event("vote_cast", lambda e: e["ballot_id"] == ballot and e["turnout"] == 5)
    pia.wait_event("vote_cast", lambda e: e["ballot_id"] == ballot and e["turnout"] == 5)
    for person in (fac, pia):
        turnout = [e for e in person.events("vote_cast") if e["ballot_id"] == ballot]
        assert turnout and all("vote" not in e for e in turnout), "secret votes left the server"
    revealed = fac.ok("close_ballot", ballot_id=ballot, reveal=True)
    result = [e for e in revealed["events"] if e["type"] == "ballot_revealed"][0]["result"]
    assert result["passed"] is True
    accepted = pia.wait_event("goal_accepted", lambda e: e["proposal_id"] == vision)
    assert accepted["goal"]["id"] == "V1"

    # Consent on the user goal: an objection stands, the proposal is amended, a new round passes.
    refused = fac.refused("open_ballot", "invalid_input", proposal_ids=[user_goal], rule="consent")
    assert "rule_reason" in refused["message"]
    ballot = fac.ok(
        "open_ballot",
        proposal_ids=[user_goal],
        rule="consent",
        rule_reason="the team asked for consent on user goals",
    )["ballot_id"]
    votes = {p: {"choice": "consent"} for p in everyone}
    votes[sam] = {
        "choice": "objection",
        "reason": "No metric for misery: we cannot tell if it works",
    }
    votes[tom] = {"choice": "concern", "reason": "Ambitious date"}
    vote_all(ballot, votes)
    fac.ok("close_ballot", ballot_id=ballot)
    shown = fac.ok("reveal_ballot", ballot_id=ballot)["events"][0]
    assert shown["result"]["passed"] is False
    assert {v["voter"] for v in shown["votes"]} == {p.id for p in everyone}
    fac.ok(
        "rule_objection",
        ballot_id=ballot,
        voter=sam.id,
        stands=True,
        reason="Paramount: the goal must be measurable",
    )
    una.wait_event("proposal_to_amend", lambda e: e["proposal_id"] == user_goal)
    una.ok(
        "edit_proposal",
        proposal_id=user_goal,
        metrics=[
            {"name": "weekly active users", "baseline": 1200, "target": 5000},
            {"name": "self-reported misery", "baseline": 7, "target": 3, "unit": "1-10"},
        ],
    )
    ballot = fac.ok("open_ballot", proposal_ids=[user_goal])["ballot_id"]  # consent, kept
    vote_all(ballot, {p: {"choice": "consent"} for p in everyone})
    fac.ok("close_ballot", ballot_id=ballot, reveal=True)
    user = pia.wait_event("goal_accepted", lambda e: e["proposal_id"] == user_goal)["goal"]
    assert user["id"] == "U1" and user["parents"] == ["V1"] and len(user["metrics"]) == 2

    # The business goal passes by unanimity too.
    ballot = fac.ok("open_ballot", proposal_ids=[business_goal])["ballot_id"]
    vote_all(ballot, {p: {"choice": "agree"} for p in everyone})
    fac.ok("close_ballot", ballot_id=ballot, reveal=True)
    pia.wait_event("goal_accepted", lambda e: e["proposal_id"] == business_goal)

    chain = server.export(session, "chain", format="json").json()
    assert chain["vision"]["statement"] == "Help people live healthier lives"
    assert [(g["id"], g["level"], g["parents"]) for g in chain["goals"]] == [
        ("U1", "user", ["V1"]),
        ("B1", "business", ["V1"]),
    ]
    assert chain["goals"][0]["decided"]["rule"] == "consent"

    # Everyone ends with exactly the state the others have, seq for seq.
    final = fac.fresh_state()["seq"]
    for person in everyone:
        person.wait_for(lambda person=person: person.last_seq() >= final)
        seen = person.seqs()
        assert seen == sorted(seen) and len(seen) == len(set(seen))


def test_sprint_planning_from_a_chain(any_server: LiveServer, people) -> None:
    server = any_server
    chain = FITNESS
    session = server.create_session("sprint_planning", chain=chain)
    refused = server.post(
        f"/api/sessions/{session['id']}/participants",
        {"join_code": session["join_code"], "name": "Raj", "role": "stakeholder"},
    )
    assert refused.status_code == 403
    fac = Person(server, session["facilitator_token"], "fac")
    people.append(fac)
    pia, tom, obs = seat(
        server, session, people, ("Pia", "product"), ("Tom", "team"), ("Olga", "observer")
    )
    fac.ok("next_phase")
    obs.refused("propose_goal", "forbidden", level="sprint", title="x", parents=["P1"])
    tom.refused("propose_goal", "invalid_input", level="sprint", title="Orphan", parents=["U1"])
    goal = tom.ok(
        "propose_goal", level="sprint", title="Test sync with two leading scales", parents=["P1"]
    )["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok(
        "open_ballot",
        proposal_ids=[goal],
        rule="fist_of_five",
        rule_reason="a quick check of confidence",
    )
    opened = ballot["events"][0]["ballot"]
    assert set(opened["electorate"]) == {pia.id, tom.id}
    obs.refused("cast_vote", "forbidden", ballot_id=opened["id"], vote={"value": 5})
    pia.ok("cast_vote", ballot_id=opened["id"], vote={"value": 4})
    tom.ok("cast_vote", ballot_id=opened["id"], vote={"value": 2})
    tom.ok("cast_vote", ballot_id=opened["id"], vote={"value": 3})  # changed until the close
    fac.ok("close_ballot", ballot_id=opened["id"], reveal=True)
    pia.wait_event("goal_accepted")
    sprint = [g for g in fac.fresh_state()["chain"]["goals"] if g["level"] == "sprint"]
    assert sprint[0]["parents"] == ["P1"] and sprint[0]["decided"]["rule"] == "fist_of_five"
    chain_yaml = server.export(session, "chain").text
    assert "level: sprint" in chain_yaml
