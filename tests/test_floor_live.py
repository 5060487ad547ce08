"""The floor against the real server, with real Socket.IO clients: whoever is away is passed
over and keeps their place, the order shown is the order served, a round turn leaves a hand
up, and a press for a turn that has ended changes nothing."""

from __future__ import annotations

from tests.live import LiveServer, Person, host, seat


def away_now(person: Person, watcher: Person) -> None:
    """`person` leaves (a dead laptop); `watcher` hears it on the floor."""
    person.close()
    watcher.wait_event(
        "presence_changed", lambda e: e["participant_id"] == person.id and not e["present"]
    )


def test_someone_who_left_keeps_their_hand_up_and_is_passed_over(
    server: LiveServer, people: list[Person]
) -> None:
    """Bob and Cat raised hands, Bob's laptop died: the floor went to Bob, his time-box ran
    out and was booked to him; the screen showed "Next Bob Cat"."""
    session, fac = host(server, people)
    ann, bob, cat = seat(server, session, people, ("Ann", "team"), ("Bob", "team"), ("Cat", "team"))
    bob.ok("raise_hand")
    cat.ok("raise_hand")
    away_now(bob, cat)  # Cat is told too: who is next depends on it
    change = cat.events("presence_changed")[-1]
    assert change["floor"] is True
    for person in (fac, ann):
        floor = person.fresh_state()["floor"]
        assert floor["queue"] == [cat.id, bob.id] and floor["away"] == [bob.id]
        assert floor["next"] == cat.id and floor["up_next"] == [cat.id]
    granted = fac.ok("grant_floor")["events"][-1]
    assert granted["turn"]["participant_id"] == cat.id and granted["passed_over"] == [bob.id]
    cat.ok("end_turn")
    assert "Bob is away" in fac.refused("grant_floor", "conflict")["message"]
    back = Person(server, bob.token, "Bob-again")
    people.append(back)
    fac.wait_event("presence_changed", lambda e: e["participant_id"] == bob.id and e["present"])
    assert fac.fresh_state()["floor"]["next"] == bob.id
    assert fac.ok("grant_floor")["events"][-1]["turn"]["participant_id"] == bob.id


def test_a_speaker_whose_connection_drops_keeps_the_floor_and_the_turn_counts(
    server: LiveServer, people: list[Person]
) -> None:
    """Shown away, the speaker is not cut off (in the room they go on speaking); the turn
    runs out and counts as any other, then the floor goes to the next who is here."""
    session, fac = host(server, people)
    ann, bob = seat(server, session, people, ("Ann", "team"), ("Bob", "team"))
    fac.ok("set_time_box", seconds=1)
    fac.ok("grant_floor", participant_id=bob.id)
    ann.ok("raise_hand")
    away_now(bob, ann)
    assert fac.fresh_state()["floor"]["holder"]["participant_id"] == bob.id  # not ended at once
    assert fac.fresh_state()["floor"]["away"] == [bob.id]
    ended = fac.wait_event("turn_ended", lambda e: e["participant_id"] == bob.id)
    assert ended["how"] == "expired"
    fac.wait_event("floor_granted", lambda e: e["turn"]["participant_id"] == ann.id)
    rows = {row["participant_id"]: row for row in fac.fresh_state()["airtime"]["rows"]}
    assert (rows[bob.id]["seconds"], rows[bob.id]["turns"]) == (1, 1)


def test_a_round_passes_over_a_member_who_left_and_ends_naming_them(
    server: LiveServer, people: list[Person]
) -> None:
    session, fac = host(server, people)
    ann, bob, cat = seat(server, session, people, ("Ann", "team"), ("Bob", "team"), ("Cat", "team"))
    fac.ok("start_round")
    away_now(bob, ann)
    assert fac.fresh_state()["floor"]["up_next"] == [cat.id]
    granted = ann.ok("end_turn")["events"][-1]
    assert granted["turn"]["participant_id"] == cat.id and granted["passed_over"] == [bob.id]
    ended = cat.ok("end_turn")["events"][-1]
    assert ended["type"] == "round_ended" and ended["away"] == [bob.id]
    minutes = server.export(session, "minutes?format=json").json()
    answers = [r["how"] for r in minutes["floor"]["rounds"][0]["responses"]]
    assert answers == ["yielded", "away", "yielded"]


def test_a_round_started_during_a_queue_turn_serves_the_order_it_shows(
    server: LiveServer, people: list[Person]
) -> None:
    """Ann spoke from the queue when the round started: the screen showed "Next Bob Cat Dan"
    and the round served Bob, Ann, Cat, Dan."""
    session, fac = host(server, people)
    room = seat(
        server, session, people, ("Ann", "team"), ("Bob", "team"), ("Cat", "team"), ("Dan", "team")
    )
    ann = room[0]
    ann.ok("raise_hand")
    fac.ok("grant_floor")
    fac.ok("start_round")
    floor = ann.fresh_state()["floor"]
    order = [person.id for person in room]
    assert floor["up_next"] == order and floor["holder"]["answers_round"] is False
    served = []
    for _ in order:
        granted = fac.ok("end_turn")["events"][-1]
        served.append(granted["turn"]["participant_id"])
    assert served == order


def test_a_round_turn_leaves_a_raised_hand_up(server: LiveServer, people: list[Person]) -> None:
    """Cat raised her hand for the discussion, a round ran, she passed: her hand was gone, and
    nobody heard of it."""
    session, fac = host(server, people)
    ann, cat = seat(server, session, people, ("Ann", "team"), ("Cat", "team"))
    cat.ok("raise_hand")
    fac.ok("start_round")
    ann.ok("end_turn")
    cat.ok("pass_turn")
    floor = fac.fresh_state()["floor"]
    assert floor["round"] is None and floor["queue"] == [cat.id] and floor["next"] == cat.id


def test_a_press_for_a_turn_that_has_ended_changes_nothing(
    server: LiveServer, people: list[Person]
) -> None:
    """End, Skip and +time pressed as a turn ran out hit the next speaker: Bob lost his turn
    after 0.05 s, and it counted as a turn."""
    session, fac = host(server, people)
    ann, bob = seat(server, session, people, ("Ann", "team"), ("Bob", "team"))
    fac.ok("set_time_box", seconds=1)
    ann.ok("raise_hand")
    bob.ok("raise_hand")
    first = fac.ok("grant_floor")["events"][-1]["turn"]["id"]
    bob.wait_event("floor_granted", lambda e: e["turn"]["participant_id"] == bob.id)
    fac.ok("extend_turn", seconds=600)  # Bob's turn now outlasts the test
    seq = fac.fresh_state()["seq"]
    for name in ("end_turn", "skip_turn", "extend_turn"):
        message = fac.refused(name, "conflict", turn_id=first)["message"]
        assert f"turn '{first}' has ended already" in message and "Bob holds the floor" in message
    assert bob.refused("end_turn", "conflict", turn_id=first)
    state = fac.fresh_state()
    assert state["seq"] == seq and state["floor"]["holder"]["participant_id"] == bob.id
    assert fac.refused("end_turn", "invalid_input", turn_id=["t1"])["message"].startswith("turn_id")


def test_pass_is_refused_on_a_turn_from_the_queue(server: LiveServer, people: list[Person]) -> None:
    """Dan spoke 3 s from the queue, a round started, he pressed Pass: 0 turns, listed silent,
    "passed" in the minutes, and asked again by the round."""
    session, fac = host(server, people)
    ann, dan = seat(server, session, people, ("Ann", "team"), ("Dan", "team"))
    dan.ok("raise_hand")
    fac.ok("grant_floor")
    fac.ok("start_round")
    assert "not a turn in the round" in dan.refused("pass_turn", "conflict")["message"]
    dan.ok("end_turn")
    airtime = fac.fresh_state()["airtime"]
    assert dan.id not in airtime["silent"]
    assert {r["participant_id"]: r["turns"] for r in airtime["rows"]}[dan.id] == 1


def test_the_foursomes_of_seven_people_are_their_pairs_joined(
    server: LiveServer, people: list[Person]
) -> None:
    """Seven people: pairs 2+2+3 and foursomes 3+4, no foursome two of the pairs."""
    session, fac = host(server, people)
    seat(server, session, people, *((f"P{i}", "team") for i in range(7)))
    plan = fac.ok("start_1_2_4_all", seed=11)["events"][0]["plan"]
    pairs, fours = plan[1]["groups"], plan[2]["groups"]
    assert sorted(map(len, fours)) == [3, 4]
    assert all(any(set(pair) <= set(four) for four in fours) for pair in pairs)


def test_a_latecomer_is_in_the_running_round_and_the_1_2_4_all(
    server: LiveServer, people: list[Person]
) -> None:
    """Zed joined while a round-robin and a 1-2-4-All ran: the round never asked him and his
    page had no group, though everybody is to be heard."""
    session, fac = host(server, people)
    ann, bob = seat(server, session, people, ("Ann", "team"), ("Bob", "team"))
    fac.ok("start_round", purpose="check-in")
    fac.ok("start_1_2_4_all", seed=3)
    (zed,) = seat(server, session, people, ("Zed", "team"))
    floor = zed.fresh_state()["floor"]
    assert floor["round"]["order"] == [ann.id, bob.id, zed.id]  # last, having come last
    for stage in floor["structure"]["plan"]:
        assert sum(zed.id in group for group in stage["groups"]) == 1, stage
    served = [fac.fresh_state()["floor"]["holder"]["participant_id"]]
    for person in (ann, bob):
        served.append(person.ok("end_turn")["events"][-1]["turn"]["participant_id"])
    assert served == [ann.id, bob.id, zed.id]
    zed.ok("end_turn")
    minutes = server.export(session, "minutes", format="json").json()
    assert minutes["floor"]["rounds"][0]["order"] == [ann.id, bob.id, zed.id]


def test_someone_away_when_the_round_started_is_asked_once_back(
    server: LiveServer, people: list[Person]
) -> None:
    """Bob's phone was off when the round started, and back on while it ran: the round never
    asked him (one who joined then was asked), though he is in the room to be heard."""
    session, fac = host(server, people)
    ann, bob, cat = seat(server, session, people, ("Ann", "team"), ("Bob", "team"), ("Cat", "team"))
    away_now(bob, fac)  # the facilitator hears of everyone's presence
    fac.ok("start_round", purpose="check-in")
    assert fac.fresh_state()["floor"]["round"]["order"] == [ann.id, cat.id]
    back = Person(server, bob.token, "Bob back")
    people.append(back)
    fac.wait_event("round_joined", lambda e: e["participant_id"] == bob.id)
    assert fac.fresh_state()["floor"]["round"]["order"] == [ann.id, cat.id, bob.id]
    served = [fac.fresh_state()["floor"]["holder"]["participant_id"]]
    for person in (ann, cat):
        served.append(person.ok("end_turn")["events"][-1]["turn"]["participant_id"])
    assert served == [ann.id, cat.id, bob.id]


def test_a_team_member_who_comes_late_to_a_seniors_last_round_speaks_before_the_seniors(
    server: LiveServer, people: list[Person]
) -> None:
    """Bob's laptop was off when the facilitator started a round with the seniors last; back,
    he was put after the product person, who spoke last of all only to anchor him."""
    session, fac = host(server, people)
    ann, bob, pia, sam = seat(
        server,
        session,
        people,
        ("Ann", "team"),
        ("Bob", "team"),
        ("Pia", "product"),
        ("Sam", "stakeholder"),
    )
    away_now(bob, fac)
    fac.ok("start_round", purpose="check-in", seniors_last=True)
    assert fac.fresh_state()["floor"]["round"]["order"] == [ann.id, sam.id, pia.id]
    back = Person(server, bob.token, "Bob back")
    people.append(back)
    fac.wait_event("round_joined", lambda e: e["participant_id"] == bob.id)
    assert fac.fresh_state()["floor"]["round"]["order"] == [ann.id, bob.id, sam.id, pia.id]
    served = [fac.fresh_state()["floor"]["holder"]["participant_id"]]
    for person in (ann, back, sam):
        served.append(person.ok("end_turn")["events"][-1]["turn"]["participant_id"])
    assert served == [ann.id, bob.id, sam.id, pia.id]


def test_someone_who_joins_during_a_seniors_last_round_is_asked_before_the_seniors(
    server: LiveServer, people: list[Person]
) -> None:
    """A newcomer (not one coming back) joins while a seniors-last round runs: placing them
    before the seniors read their role from the session before they were in it."""
    session, fac = host(server, people)
    ann, pia = seat(server, session, people, ("Ann", "team"), ("Pia", "product"))
    fac.ok("start_round", purpose="check-in", seniors_last=True)
    (cal,) = seat(server, session, people, ("Cal", "team"))
    fac.wait_event("round_joined", lambda e: e["participant_id"] == cal.id)
    assert fac.fresh_state()["floor"]["round"]["order"] == [ann.id, cal.id, pia.id]
    ann.ok("end_turn")
    cal.ok("end_turn")
    pia.ok("end_turn")
    minutes = server.export(session, "minutes", format="json").json()
    assert minutes["floor"]["rounds"][0]["order"] == [ann.id, cal.id, pia.id]
