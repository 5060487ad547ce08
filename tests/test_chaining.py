"""Strategizing → roadmapping → sprint planning: each session starts from the last one's chain."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path

from tests.chains import FITNESS
from tests.live import LiveServer, Person, host, seat
from tests.test_workshop_e2e import vote_all


def accept(fac: Person, voters: list[Person], proposal: str, vote: dict, **rule: object) -> None:
    ballot = fac.ok("open_ballot", proposal_ids=[proposal], **rule)["ballot_id"]
    vote_all(ballot, {person: vote for person in voters})
    ack = fac.ok("close_ballot", ballot_id=ballot, reveal=True)
    assert any(e["type"] == "goal_accepted" for e in ack["events"]), ack


def test_three_sessions_build_one_linked_chain(server: LiveServer, people, tmp_path: Path) -> None:
    # 1. Strategizing from nothing: a vision, a user goal and a business goal.
    strategy, fac = host(server, people, "strategizing", product="Fitness app")
    team = seat(
        server, strategy, people, ("Pia", "product"), ("Tom", "team"), ("Raj", "stakeholder")
    )
    fac.ok("next_phase")
    vision = team[0].ok("propose_goal", level="vision", title="Help people live healthier lives")
    user = team[1].ok("propose_goal", level="user", title="Lose weight without misery")
    business = team[2].ok("propose_goal", level="business", title="A new revenue source")
    fac.ok("go_to_phase", phase="decide")
    for proposal in (vision, user, business):
        accept(fac, team, proposal["proposal_id"], {"choice": "agree"})

    # 2. Roadmapping, naming the earlier session: product goals link to its user goal.
    roadmap, fac = host(
        server,
        people,
        "roadmapping",
        title="Roadmap",
        from_session=strategy["id"],
        token=strategy["facilitator_token"],  # its chain is read with a token of it
    )
    assert [g["id"] for g in fac.state["chain"]["goals"]] == ["U1", "B1"]
    team = seat(server, roadmap, people, ("Pia", "product"), ("Tom", "team"))
    fac.ok("next_phase")
    product = team[0].ok(
        "propose_goal",
        level="product",
        title="Smart scale sync",
        parents=["U1", "B1"],
        metrics=[{"name": "synced users", "target": 500}],
        due="2027-Q2",
    )
    fac.ok("go_to_phase", phase="decide")
    accept(fac, team, product["proposal_id"], {"choice": "consent"})
    roadmap_file = server.export(roadmap, "chain").text

    # 3. Sprint planning from the uploaded file: a sprint goal serving the product goal.
    sprint, fac = host(server, people, "sprint_planning", title="Sprint 14", chain=roadmap_file)
    team = seat(server, sprint, people, ("Pia", "product"), ("Tom", "team"))
    fac.ok("next_phase")
    goal = team[1].ok("propose_goal", level="sprint", title="Sync with two scales", parents=["P1"])
    fac.ok("go_to_phase", phase="decide")
    accept(fac, team, goal["proposal_id"], {"choice": "consent"})

    final = tmp_path / "fitness.goalchain.yaml"
    final.write_text(server.export(sprint, "chain").text)
    checked = subprocess.run(
        [sys.executable, "-m", "workshop", "chain", "validate", str(final)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    chain = server.export(sprint, "chain", format="json").json()
    links = {g["id"]: (g["level"], g["parents"]) for g in chain["goals"]}
    assert links == {
        "U1": ("user", ["V1"]),
        "B1": ("business", ["V1"]),
        "P1": ("product", ["U1", "B1"]),
        "S1": ("sprint", ["P1"]),
    }
    sessions = {g["id"]: g["decided"]["session"] for g in chain["goals"]}
    assert sessions == {
        "U1": strategy["id"],
        "B1": strategy["id"],
        "P1": roadmap["id"],
        "S1": sprint["id"],
    }  # provenance carries over
    # in UTC as the chain file's examples and the minutes write it (it said "+00:00")
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", g["decided"]["at"]) for g in chain["goals"]
    )


def test_from_session_and_chain_are_checked(server: LiveServer) -> None:
    empty = server.create_session("strategizing")
    other = server.create_session("strategizing")
    own, others = empty["facilitator_token"], other["facilitator_token"]
    for body, token, status in (
        ({"from_session": empty["id"]}, own, 400),  # no vision yet: not a chain to start from
        ({"from_session": empty["id"], "chain": {"goalchain": 1}}, own, 400),
        ({"from_session": 7}, own, 400),
        # Its chain is read as its download is, with a token of that session: anyone who saw
        # a session id (every join link and QR code holds one) read its chain so.
        ({"from_session": empty["id"]}, None, 401),
        ({"from_session": empty["id"]}, others, 401),
        ({"from_session": "no-such-session"}, own, 401),
    ):
        answer = server.post("/api/sessions", {"kind": "roadmapping", "title": "x", **body}, token)
        assert answer.status_code == status, (body, answer.text)
        assert set(answer.json()["error"]) == {"code", "message"}
        if status == 401:
            assert answer.json()["error"]["message"].startswith(
                "from_session: starting from another session's chain needs a token of that"
            )


def test_a_kpi_an_amendment_keeps_keeps_its_readings(server: LiveServer, people) -> None:
    """A review raised the target of P1's KPI: the chain it left had lost every reading of
    that KPI, the earlier review's and this one's, though the next workshop starts from it."""
    chain = copy.deepcopy(FITNESS)  # P1 has the KPI "synced users", read once already
    scale_sync = next(goal for goal in chain["goals"] if goal["id"] == "P1")
    scale_sync["metrics"][0]["readings"] = [{"at": "2026-06-30", "value": 120}]
    review, fac = host(server, people, "review", chain=chain)
    (pia,) = seat(server, review, people, ("Pia", "product"))
    pia.ok("record_kpi", goal_id="P1", metric="synced users", value=310, date="2026-12-01")
    fac.ok("go_to_phase", phase="propose")
    raised = pia.ok(
        "propose_goal",
        level="product",
        change="amend",
        target="P1",
        title="Smart scale sync",
        parents=["U1"],
        metrics=[{"name": "synced users", "target": 900}],
        due="2027-Q3",
    )
    fac.ok("go_to_phase", phase="decide")
    accept(fac, [pia], raised["proposal_id"], {"choice": "consent"})
    goal = next(g for g in pia.fresh_state()["chain"]["goals"] if g["id"] == "P1")
    assert goal["metrics"] == [
        {
            "name": "synced users",
            "target": 900,
            "readings": [{"at": "2026-06-30", "value": 120}, {"at": "2026-12-01", "value": 310}],
        }
    ]


def test_an_amendment_that_changes_nothing_is_refused_and_a_status_change_gets_no_smart_advice(
    server: LiveServer, people
) -> None:
    """An amendment giving a goal's own fields back was voted on and reported as "amended",
    with no change listed; a card proposing to mark a goal achieved said "no metric"."""
    review, fac = host(server, people, "review", chain=copy.deepcopy(FITNESS))
    (pia,) = seat(server, review, people, ("Pia", "product"))
    fac.ok("go_to_phase", phase="propose")
    p1 = next(g for g in pia.fresh_state()["chain"]["goals"] if g["id"] == "P1")
    same = {k: p1[k] for k in ("title", "parents", "metrics", "due") if k in p1}
    refused = pia.refused(
        "propose_goal", "invalid_input", level="product", change="amend", target="P1", **same
    )
    assert refused["message"].startswith(f"the amendment of “{p1['title']}” changes nothing")
    assert not pia.fresh_state()["proposals"]  # nothing proposed
    assert (
        "changes nothing"
        in pia.refused("propose_goal", "invalid_input", change="amend", target="P1")["message"]
    )
    as_text = [{"name": "synced users", "target": "500"}]  # the number, typed as text
    again = pia.refused(
        "propose_goal", "invalid_input", change="amend", target="P1", metrics=as_text
    )
    assert "changes nothing" in again["message"]
    pia.ok("propose_goal", change="amend", target="P1", due="2027-06-30")  # a change

    done = pia.ok("propose_goal", change="achieve", target="U1")["proposal_id"]
    card = next(p for p in pia.fresh_state()["proposals"] if p["id"] == done)
    assert card["advice"] == []


def test_a_product_goal_carries_its_features_as_a_go_roadmap_does(
    server: LiveServer, people
) -> None:
    """The GO roadmap's fields are date, name, goal, features and metrics: a product goal had
    no features, and a chain file that listed them was refused as having an unknown field."""
    features = ["Weekly summary e-mail", "Streaks"]
    strategy, fac = host(server, people, "strategizing", chain=copy.deepcopy(FITNESS))
    (una,) = seat(server, strategy, people, ("Una", "product"))
    fac.ok("go_to_phase", phase="propose")
    refused = una.refused(
        "propose_goal", "invalid_input", level="user", title="Stay fit", features=features
    )
    assert refused["message"].startswith("features: only a product goal lists features")

    roadmap, fac = host(server, people, "roadmapping", chain=copy.deepcopy(FITNESS))
    (pia,) = seat(server, roadmap, people, ("Pia", "product"))
    fac.ok("go_to_phase", phase="propose")
    goal = pia.ok(
        "propose_goal",
        level="product",
        title="Habit loop",
        parents=["U1"],
        metrics=[{"name": "retained users", "target": 40, "unit": "%"}],
        features=features,
        due="2027-Q3",
    )["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    accept(fac, [pia], goal, {"choice": "consent"})

    exported = server.export(roadmap, "chain").text
    assert "    features:\n      - Weekly summary e-mail\n      - Streaks\n" in exported
    again, _fac = host(server, people, "review", chain=exported)
    assert server.export(again, "chain").text.replace(again["id"], roadmap["id"]) == exported
    minutes = server.export(roadmap, "minutes").text
    assert "- Features: Weekly summary e-mail; Streaks" in minutes
    blank = pia.refused(
        "propose_goal", "invalid_input", level="product", title="Blank", features=["\u200b"]
    )["message"]  # accepted, it made an export no session or `chain validate` took back
    assert blank.startswith("features[0] must not be empty"), blank
    listed = "    features:\n      - Weekly summary e-mail\n      - Streaks\n"
    twice = exported.replace(listed, listed + "      - Streaks\n")
    answer = server.post("/api/sessions", {"kind": "review", "title": "t", "chain": twice})
    assert answer.status_code == 400, answer.text  # a session refuses it: so does a file
    assert "features[2]: 'Streaks' listed twice" in answer.json()["error"]["message"]
    many = exported.replace(
        listed, "    features:\n" + "".join(f"      - f{i}\n" for i in range(21))
    )
    answer = server.post("/api/sessions", {"kind": "review", "title": "t", "chain": many})
    assert "features: 21 features, at most 20" in answer.json()["error"]["message"]
    served = "    parents: [V1]\n"  # U1's: a user goal lists no features
    misplaced = exported.replace(served, served + "    features: [Log in]\n", 1)
    answer = server.post("/api/sessions", {"kind": "review", "title": "t", "chain": misplaced})
    assert answer.status_code == 400, answer.text
    message = answer.json()["error"]["message"]
    assert "goal U1, features: only a product goal lists features" in message


def test_an_amendment_of_a_goal_changed_since_is_not_voted_on(server: LiveServer, people) -> None:
    """Two amendments of one goal: the title's passed, then the due date's, which held the
    goal as it was when proposed, and its vote put the old title back without a word."""
    review, fac = host(server, people, "review", chain=copy.deepcopy(FITNESS))
    (pia,) = seat(server, review, people, ("Pia", "product"))
    fac.ok("go_to_phase", phase="propose")
    retitled = pia.ok("propose_goal", change="amend", target="P1", title="Scale sync for all")
    later = pia.ok("propose_goal", change="amend", target="P1", due="2027-09-30")
    fac.ok("go_to_phase", phase="decide")
    accept(fac, [pia], retitled["proposal_id"], {"choice": "consent"})
    refused = fac.refused("open_ballot", "conflict", proposal_ids=[later["proposal_id"]])
    assert "“Scale sync for all” was changed since" in refused["message"], refused
    assert "propose the amendment again from the goal as it is now" in refused["message"]
    goal = next(g for g in pia.fresh_state()["chain"]["goals"] if g["id"] == "P1")
    assert goal["title"] == "Scale sync for all"
