"""The floor on the pages, in a real Chromium: the room screen and the console show who is
away and the order that will be served; the participant page offers Pass on a round's turn
only; the console's airtime counts the turn under way as it runs."""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser import PHONE, OpenPage, console_page, enter, expect
from tests.live import LiveServer, Person, host, seat
from tests.test_screen_browser import open_screen
from tests.tools import SteppedClock

PROJECTOR = {"width": 1920, "height": 1080}


def test_someone_who_left_is_shown_away_after_those_who_will_be_served(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """Bob raised his hand and his laptop died: the room screen showed "Next Bob Cat" and the
    console's queue Bob first, with no mark."""
    session, fac = host(server, people)
    ann, bob, cat = seat(server, session, people, ("Ann", "team"), ("Bob", "team"), ("Cat", "team"))
    fac.ok("grant_floor", participant_id=ann.id)
    bob.ok("raise_hand")
    cat.ok("raise_hand")
    screen = open_page("screen", PROJECTOR)
    open_screen(screen, server, session)
    console = console_page(open_page, server, session)
    expect(screen.locator("#next li")).to_have_text(["Bob", "Cat"])
    bob.close()
    expect(screen.locator("#next li")).to_have_text(["Cat", "Bob (away)"])
    expect(console.locator("#floor-body .queue li span")).to_have_text(["Cat", "Bob (away)"])
    expect(console.locator("#floor-body .up-next")).to_have_text("Next: Cat")
    ann.close()  # the speaker's phone drops: the turn goes on, shown away
    expect(screen.locator("#holder")).to_contain_text("Ann (away)")
    expect(console.locator("#floor-body .holder-box")).to_contain_text("Ann (away) has the floor")


def test_the_screen_lists_the_round_as_served_while_a_queue_turn_runs(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """Ann spoke from the queue when a round started: the screen showed "Next Bob Cat Dan"
    (served: Bob, Ann, Cat, Dan) and the console "Ann — speaking" in the round."""
    session, fac = host(server, people)
    room = seat(
        server, session, people, ("Ann", "team"), ("Bob", "team"), ("Cat", "team"), ("Dan", "team")
    )
    room[0].ok("raise_hand")
    fac.ok("grant_floor")
    screen = open_page("screen", PROJECTOR)
    open_screen(screen, server, session)
    console = console_page(open_page, server, session)
    fac.ok("start_round")
    expect(screen.locator("#next li")).to_have_text(["Ann", "Bob", "Cat", "Dan"])
    expect(console.locator("#floor-body .round li")).to_have_text(["Ann", "Bob", "Cat", "Dan"])
    fac.ok("end_turn")  # the queue turn ends; Ann is asked in her place in the round
    expect(screen.locator("#next li")).to_have_text(["Bob", "Cat", "Dan"])
    expect(console.locator("#floor-body .round li").first).to_have_text("Ann — speaking")


def test_pass_is_offered_on_a_rounds_turn_only(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """Dan, speaking from the queue when a round started, pressed Pass: his 3 s counted no
    turn, he was listed silent, and the round asked him again."""
    session, fac = host(server, people)
    dan_joined = server.join(session, "Dan", "team")
    (ann,) = seat(server, session, people, ("Ann", "team"))
    page = enter(open_page("Dan", PHONE), server, session, dan_joined, "Dan")
    tools = page.locator("#turn-tools")
    fac.ok("grant_floor", participant_id=dan_joined["participant_id"])
    expect(page.locator("#turn-message")).to_have_text("It's your turn")
    fac.ok("start_round")
    expect(tools.get_by_role("button", name="End my turn")).to_be_visible()
    expect(tools.get_by_role("button", name="Pass")).to_have_count(0)
    tools.get_by_role("button", name="End my turn").click()
    # Dan, first to join, is asked first in the round: his own turn in it now.
    expect(tools.get_by_role("button", name="Pass")).to_be_visible()
    tools.get_by_role("button", name="Pass").click()
    expect(page.locator("#turn-message")).to_have_text("")
    floor = ann.fresh_state()["floor"]
    assert floor["holder"]["participant_id"] == ann.id
    assert floor["round"]["passed"] == [dan_joined["participant_id"]]


def test_the_consoles_airtime_counts_the_turn_under_way(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """Ann held the floor for minutes with no time-box: the console listed her "Not heard yet",
    with 0 s, until her turn ended."""
    session, fac = host(server, people)
    ann, bob = seat(server, session, people, ("Ann", "team"), ("Bob", "team"))
    fac.ok("set_time_box", seconds=None)
    console = console_page(open_page, server, session)
    airtime = console.locator("#airtime-body")
    expect(airtime).to_contain_text("Not heard yet: Ann, Bob")
    fac.ok("grant_floor", participant_id=ann.id)
    first = airtime.locator(".airtime-row").first
    expect(first.locator(".bar-label")).to_have_text("Ann")
    expect(first.locator(".bar-value")).to_have_text(re.compile(r"^[2-9] s · 100% · 1 turn"))
    expect(airtime.locator("p.muted")).to_have_text("Not heard yet: Bob")
    expect(airtime.locator(".gini")).to_have_text(re.compile(r"^Gini 0\.50"))
    ended = ann.ok("end_turn")["events"][0]
    shown = re.compile(rf"^{round(ended['seconds'])} s · 100% · 1 turn")
    expect(first.locator(".bar-value")).to_have_text(shown)  # as the minutes keep it


def test_a_countdown_follows_the_server_once_its_clock_stepped_back(
    tmp_path: Path, open_page: OpenPage, people: list[Person]
) -> None:
    """The server's clock stepped back ten minutes: the console went on reckoning with the
    clock it had learnt, and a new two-minute turn showed 0:00 in red until a reload."""
    clock = SteppedClock(tmp_path)
    server = LiveServer(tmp_path, env=clock.env()).start()
    try:
        session, fac = host(server, people)
        ann, bob = seat(server, session, people, ("Ann", "team"), ("Bob", "team"))
        console = console_page(open_page, server, session)
        fac.ok("grant_floor", participant_id=ann.id)  # the console learns the server's clock
        expect(console.locator("#floor-body .countdown")).to_have_text(re.compile(r"^[12]:\d\d$"))
        fac.ok("end_turn")  # nothing runs on the clock as it steps: the pages must hear of it
        clock.step(-600)
        fac.wait_event("clock_stepped")
        fac.ok("grant_floor", participant_id=bob.id)
        expect(console.locator("#floor-body .holder-box")).to_contain_text("Bob")
        expect(console.locator("#floor-body .countdown")).to_have_text(re.compile(r"^[12]:\d\d$"))
        console.close()  # before its server goes: a page left open tries to connect again
    finally:
        server.stop()
