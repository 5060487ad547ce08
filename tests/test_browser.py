"""The pages in a real browser: Debian's Chromium driven by Playwright.

Each person has their own browser context (their own localStorage), as on their own
device. Every page is watched: a console error, an uncaught exception or a dialog
fails the test. Set WORKSHOP_SCREENSHOTS=1 to refresh docs/screenshots/*.png.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
import requests
import socketio

from tests.browser import (
    DESKTOP,
    PHONE,
    WIDE,
    OpenPage,
    Page,
    Route,
    Watch,
    command,
    console_page,
    enter,
    expect,
    fits,
    open_as,
    open_ballot,
    propose,
    shoot,
    state,
    vision_by_ann,
    vote,
)
from tests.live import LiveServer, Person, host, seat
from tests.tools import Cluster


def test_a_whole_workshop_in_four_browsers(server: LiveServer, open_page: OpenPage) -> None:
    fac = open_page("facilitator", WIDE)
    fac.goto(server.url + "/")
    fac.select_option("#kind", "strategizing")
    fac.fill("#title", "Fitness strategy")
    fac.fill("#facilitator-name", "Maya")
    fac.fill("#product", "Fitness app")
    fac.get_by_role("button", name="Create session").click()

    # The console keeps the token and takes it out of the address bar.
    expect(fac).to_have_url(re.compile(r"/s/[\w-]+/facilitator$"))
    expect(fac.locator("#join-code")).to_have_text(re.compile(r"^[A-Z2-9]{6}$"))
    expect(fac.locator("#qr")).to_be_visible()
    assert fac.locator("#qr").evaluate("img => img.complete && img.naturalWidth > 0")
    join_link = fac.locator("#join-link").get_attribute("href") or ""
    assert "/join?code=" in join_link

    people: dict[str, Page] = {}
    for name, role, viewport in [
        ("Pia", "product", DESKTOP),
        ("Tom", "team", PHONE),
        ("Una", "stakeholder", DESKTOP),
    ]:
        page = open_page(name, viewport)
        page.goto(join_link)
        expect(page.locator("#join-session-title")).to_contain_text("Fitness strategy")
        page.fill("#name", name)
        page.check(f"input[name=role][value={role}]")
        page.get_by_role("button", name="Join", exact=True).click()
        expect(page.locator("#phase")).to_have_text("Check-in")
        people[name] = page
    pia, tom, una = people["Pia"], people["Tom"], people["Una"]
    expect(fac.locator("#present-count")).to_have_text("3 of 3 participants here")

    # Speaking: the phone raises a hand, gets the floor with a countdown, yields it.
    tom.get_by_role("button", name="Raise my hand").click()
    expect(fac.locator("#floor-body .queue")).to_contain_text("Tom")
    fac.get_by_role("button", name="Give the floor to the next").click()
    expect(tom.locator(".my-turn")).to_contain_text("It's your turn")
    expect(tom.locator(".my-turn .countdown")).to_have_text(re.compile(r"^[12]:\d\d$"))
    expect(una.locator("#floor-body")).to_contain_text("Tom has the floor")
    tom.get_by_role("button", name="End my turn").click()
    expect(fac.locator("#floor-body")).to_contain_text("Nobody has the floor")

    # Silent proposing: authors stay hidden from the others.
    fac.get_by_role("button", name="Next phase", exact=True).click()
    for page in people.values():
        expect(page.locator("#phase")).to_have_text("Propose (silently)")
    propose(tom, "vision", "Help people live healthier lives")
    propose(pia, "user", "Lose weight without dieting misery", ("weekly active users", "5000"))
    vision_card = una.locator("article.proposal", has_text="Help people live healthier lives")
    expect(vision_card).to_contain_text("author hidden")
    expect(fac.locator("#board-body")).to_contain_text("Lose weight without dieting misery")

    # The facilitator jumps to the decision and opens a unanimity ballot on the vision.
    fac.select_option("#goto-phase", "decide")
    fac.locator("#goto-form").get_by_role("button", name="Go").click()
    expect(tom.locator("#phase")).to_have_text("Decide")
    fac.get_by_label("Select Help people live healthier lives").check()
    expect(fac.locator("#rule")).to_have_value("unanimity")
    expect(fac.locator("#reason-row")).to_be_hidden()
    fac.get_by_role("button", name="Open ballot").click()
    expect(fac.locator("#turnout")).to_have_text("0 of 3 voted")
    expect(tom.locator("#vote-turnout")).to_have_text("0 of 3 voted")
    expect(tom.locator("#announcer")).to_contain_text("A ballot opened")

    vote(tom, "agree")
    vote(pia, "agree", "A good north star")
    expect(fac.locator("#turnout")).to_have_text("2 of 3 voted")
    expect(fac.locator(".not-voted")).to_have_text("Not voted yet: Una")
    expect(una.locator("#vote-turnout")).to_have_text("2 of 3 voted")
    expect(una.locator(".verdict")).to_have_count(0)  # never partial results
    shoot(tom, "participant.png")

    # Una votes with the keyboard alone: the radio group, the reason, the button.
    una.locator("input[name=choice][value=agree]").focus()
    una.keyboard.press("Space")
    una.keyboard.press("Tab")
    expect(una.locator("#vote-reason")).to_be_focused()
    una.keyboard.press("Tab")
    una.keyboard.press("Enter")
    expect(una.locator("#vote-body .my-vote")).to_have_text("Your vote: Agree")
    expect(fac.locator(".not-voted")).to_have_text("Everyone has voted.")

    fac.get_by_role("button", name="Close and reveal").click()
    for page in [fac, *people.values()]:
        expect(page.locator(".verdict")).to_have_text("Passed")
        expect(page.locator("#chain-body .node-title")).to_have_text(
            ["Help people live healthier lives"]
        )
    expect(pia.locator("#vote-body .reasons")).to_contain_text("3 of 3 voters agreed.")

    # The chain grows: the user goal passes too and hangs under the vision.
    fac.get_by_label("Select Lose weight without dieting misery").check()
    fac.get_by_role("button", name="Open ballot").click()
    expect(fac.locator("#turnout")).to_have_text("0 of 3 voted")
    for page in people.values():
        vote(page, "agree")
    fac.get_by_role("button", name="Close and reveal").click()
    for page in [fac, *people.values()]:
        expect(page.locator("#chain-body .node-title")).to_have_text(
            ["Help people live healthier lives", "Lose weight without dieting misery"]
        )
    expect(tom.locator("#chain-body .level-vision .level-user .node-title")).to_have_text(
        "Lose weight without dieting misery"
    )
    shoot(fac, "console.png")
    with fac.expect_download() as saved:
        fac.get_by_role("button", name="Goal chain file (JSON)").click()
    assert saved.value.suggested_filename == "Fitness strategy.goalchain.json"
    chain = json.loads(Path(saved.value.path()).read_text(encoding="utf-8"))
    assert chain["vision"]["statement"] == "Help people live healthier lives"


CHAIN = """goalchain: 1
product: Fitness app
vision: {id: V1, statement: Help people live healthier lives}
goals:
  - {id: U1, level: user, title: Lose weight, parents: [V1], status: accepted}
  - id: P1
    level: product
    title: Smart scale sync
    parents: [U1]
    metrics: [{name: synced users, target: 500}]
    due: 2027-03-31
    status: accepted
"""


def test_a_session_from_a_chain_file_joined_with_a_code(
    server: LiveServer, open_page: OpenPage, watch: Watch
) -> None:
    # The browser logs the refusals this test provokes (a bad file, a wrong code).
    watch.allowed.append(re.compile(r"Failed to load resource: .* status of (400|404)"))
    fac = open_page("facilitator")
    fac.goto(server.url + "/")
    fac.select_option("#kind", "sprint_planning")
    fac.fill("#title", "Sprint 14")
    fac.fill("#facilitator-name", "Maya")
    chain_file = {"name": "team.goalchain.yaml", "mimeType": "application/yaml"}
    fac.set_input_files("#chain-file", files=[{**chain_file, "buffer": b"goalchain: 9\n"}])
    fac.get_by_role("button", name="Create session").click()
    expect(fac.locator("#create-error")).to_have_text(
        "chain: goalchain: unknown format version 9: this Workshop reads 1"
    )
    fac.set_input_files("#chain-file", files=[{**chain_file, "buffer": CHAIN.encode()}])
    fac.get_by_role("button", name="Create session").click()
    expect(fac.locator("#chain-body .node-title")).to_have_text(
        ["Help people live healthier lives", "Lose weight", "Smart scale sync"]
    )
    code = fac.locator("#join-code").inner_text()

    ann = open_page("Ann", PHONE)
    ann.goto(server.url + "/")
    ann.fill("#join-code", "WRONG9")
    ann.get_by_role("button", name="Join", exact=True).click()
    expect(ann.locator("#code-error")).to_have_text(
        "No open workshop has the code WRONG9. Check it with your facilitator."
    )
    ann.fill("#join-code", code.lower())
    ann.get_by_role("button", name="Join", exact=True).click()
    expect(ann.locator("#join-session-title")).to_have_text("Sprint 14 — Sprint planning")
    # Stakeholders only observe sprint planning: the kind's roles are offered, no others.
    expect(ann.locator("input[name=role]")).to_have_count(3)
    expect(ann.locator("#roles")).not_to_contain_text("Stakeholder")
    ann.fill("#name", "Ann")
    ann.check("input[name=role][value=team]")
    ann.get_by_role("button", name="Join", exact=True).click()
    expect(ann.locator("#phase")).to_have_text("Check-in")
    expect(fac.locator("#people-body")).to_contain_text("Ann")

    # A sprint goal serves a product goal: the form offers the chain's one.
    fac.get_by_role("button", name="Next phase", exact=True).click()
    expect(ann.locator("#p-level")).to_have_value("sprint")
    expect(ann.locator("#p-parent-list")).to_contain_text("Smart scale sync")
    expect(ann.locator("#p-hints")).to_contain_text(
        "A sprint goal serves exactly one product goal."
    )
    ann.get_by_label("Smart scale sync").check()
    expect(ann.locator("#p-hints")).not_to_contain_text("exactly one product goal")


def test_the_join_page_says_why_a_name_already_taken_is_refused(
    server: LiveServer, open_page: OpenPage, watch: Watch
) -> None:
    watch.allowed.append(re.compile(r"Failed to load resource: .* status of 409"))
    session = server.create_session("strategizing")
    server.join(session, "Alice", "team")
    page = open_page("Alice again", PHONE)
    page.goto(session["links"]["join"])
    expect(page.locator("input[name=role][value=team]")).to_be_checked()
    page.fill("#name", "alice ")
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page.locator("#join-error")).to_have_text(
        "Someone named Alice is already in this session: if that is you, reopen the page on"
        " the device you joined with, or ask the facilitator for a new link to your place;"
        " otherwise join with another name"
    )
    page.fill("#name", "Alicia")
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page.locator("#phase")).to_have_text("Check-in")


def test_reload_in_the_middle_of_a_ballot_keeps_my_vote(
    server: LiveServer, open_page: OpenPage
) -> None:
    session = server.create_session("strategizing")
    fac = session["facilitator_token"]
    ann = server.join(session, "Ann", "team")
    bob = server.join(session, "Bob", "team")
    cy = server.join(session, "Cy", "stakeholder")
    page = enter(open_page("Ann"), server, session, ann, "Ann")

    command(server, session, fac, "next_phase")
    proposal = command(
        server, session, bob["token"], "propose_goal", level="vision", title="Healthier lives"
    )
    command(server, session, fac, "go_to_phase", phase="decide")
    ballot = open_ballot(server, session, [ann, bob, cy], proposal_ids=[proposal["proposal_id"]])
    command(server, session, bob["token"], "cast_vote", ballot_id=ballot, vote={"choice": "agree"})
    vote(page, "disagree", "Too vague for now")
    expect(page.locator("#vote-turnout")).to_have_text("2 of 3 voted")

    page.reload()
    expect(page.locator("#conn")).to_have_text("Live")
    expect(page.locator("#vote-turnout")).to_have_text("2 of 3 voted")
    expect(page.locator("input[name=choice][value=disagree]")).to_be_checked()
    expect(page.locator("#vote-reason")).to_have_value("Too vague for now")
    expect(page.locator("#vote-body .my-vote")).to_have_text(
        "Your vote: Disagree — Too vague for now"
    )
    expect(page.get_by_role("button", name="Change my vote")).to_be_visible()
    assert [b["turnout"] for b in state(server, session, fac)["ballots"]] == [2]


def test_an_objection_that_stands_is_amended_and_voted_again(
    server: LiveServer, open_page: OpenPage
) -> None:
    session = server.create_session("strategizing")
    fac = session["facilitator_token"]
    ann = server.join(session, "Ann", "team")
    bob = server.join(session, "Bob", "team")
    page = enter(open_page("Ann"), server, session, ann, "Ann")
    console = console_page(open_page, server, session)

    command(server, session, fac, "next_phase")
    vision = command(server, session, bob["token"], "propose_goal", level="vision", title="V")
    command(server, session, fac, "go_to_phase", phase="decide")
    first = open_ballot(server, session, [ann, bob], proposal_ids=[vision["proposal_id"]])
    for person in (ann, bob):
        command(
            server, session, person["token"], "cast_vote", ballot_id=first, vote={"choice": "agree"}
        )
    command(server, session, fac, "close_ballot", ballot_id=first, reveal=True)
    propose(page, "user", "Feel better")

    # Consent: Bob's objection stands after the facilitator tested it.
    card = page.locator("article.proposal", has_text="Feel better")
    goal = card.get_attribute("data-proposal-id")
    ballot = {"proposal_ids": [goal], "rule": "consent", "rule_reason": "consent for user goals"}
    second = open_ballot(server, session, [ann, bob], **ballot)
    objection = {"choice": "objection", "reason": "No metric: we cannot tell"}
    command(server, session, bob["token"], "cast_vote", ballot_id=second, vote=objection)
    vote(page, "consent")
    console.get_by_role("button", name="Close and reveal").click()
    # No verdict before the ruling: the room and the console both wait for it.
    expect(page.locator("#vote-body .verdict")).to_have_text("Awaiting the facilitator's ruling")
    expect(console.locator(".ballot-card .verdict").first).to_have_text(
        "Awaiting the facilitator's ruling"
    )
    expect(console.locator(".rulings")).to_contain_text("Bob objects: No metric: we cannot tell")
    console.locator(".ruling input").fill("Paramount: the goal must be measurable")
    console.get_by_role("button", name="It stands: back to its author to amend").click()
    expect(card.locator(".badge.st-to_amend")).to_have_text("to amend")
    expect(page.locator("#vote-body .verdict")).to_have_text(
        "An objection stands: back to its author to amend"
    )

    # Ann, its author, is asked to amend it, and amends it in place; a new round passes.
    prompt = page.locator(".to-amend")
    expect(prompt).to_contain_text("“Feel better” is back with you to amend.")
    expect(prompt).to_contain_text("Bob objected: “No metric: we cannot tell”")
    expect(prompt).to_contain_text("Paramount: the goal must be measurable")
    prompt.get_by_role("button", name="Amend it now").click()
    expect(page.locator("#propose-h")).to_have_text("Amend “Feel better”")
    expect(page.locator("#p-title")).to_have_value("Feel better")
    page.click("#p-add-metric")
    page.fill("#p-metric-rows input[data-field=name]", "self-reported wellbeing")
    page.fill("#p-metric-rows input[data-field=target]", "8")
    page.get_by_role("button", name="Save the amendment").click()
    expect(card).to_contain_text("self-reported wellbeing: 8")
    expect(card.locator(".badge")).not_to_contain_text(["to amend"])
    expect(page.locator(".to-amend")).to_have_count(0)
    expect(page.locator("#propose-h")).to_have_text("Propose a goal")
    # The console keeps consent for the new round, and asks for no reason again.
    console.get_by_label("Select Feel better").check()
    expect(console.locator("#rule")).to_have_value("consent")
    expect(console.locator("#rule option:checked")).to_have_text("Consent (as in the first round)")
    expect(console.locator("#reason-row")).to_be_hidden()
    console.get_by_role("button", name="Open ballot").click()
    expect(page.locator("#vote-head .rule")).to_contain_text("Consent")
    expect(page.locator("#vote-head")).to_contain_text("consent for user goals")
    vote(page, "consent")  # Bob is not in the room now: Ann alone is the electorate
    console.get_by_role("button", name="Close and reveal").click()
    expect(page.locator("#chain-body .level-user .node-title")).to_have_text("Feel better")


def test_an_objection_never_ruled_on_goes_back_to_its_author_when_a_response_is_missing(
    server: LiveServer, open_page: OpenPage
) -> None:
    """Cem never answered and Bob objected: no ruling could make it pass. The proposal was
    rejected, its objection never to be met, and the page called the objection "awaiting the
    facilitator's ruling" while no ruling was awaited."""
    session, ann, vision = vision_by_ann(server, "Healthier lives")
    bob, cem = server.join(session, "Bob", "team"), server.join(session, "Cem", "team")
    fac = session["facilitator_token"]
    command(server, session, fac, "go_to_phase", phase="decide")
    page = enter(open_page("Ann"), server, session, ann, "Ann")
    ballot = open_ballot(
        server, session, [ann, bob, cem], proposal_ids=[vision], rule="consent", rule_reason="r"
    )
    objection = {"choice": "objection", "reason": "It names no one it helps"}
    command(server, session, bob["token"], "cast_vote", ballot_id=ballot, vote=objection)
    vote(page, "consent")
    command(server, session, fac, "close_ballot", ballot_id=ballot, reveal=True)

    expect(page.locator("#vote-body .verdict")).to_have_text(
        "Not passed: back to its author to amend"
    )
    expect(page.locator("#vote-body .objection")).to_contain_text("(not ruled on)")
    prompt = page.locator(".to-amend")
    expect(prompt).to_contain_text("“Healthier lives” is back with you to amend.")
    expect(prompt).to_contain_text("Bob objected: “It names no one it helps”.")
    expect(prompt).to_contain_text("Not everyone responded, so the proposal did not pass")
    expect(prompt.get_by_role("button", name="Amend it now")).to_be_visible()
    # Nothing is due from the facilitator: no ruling could change the verdict now (the console
    # asked for one, and listed the ballot as needing them, even after the session closed).
    console = console_page(open_page, server, session)
    expect(console.locator(".ballot-card .verdict").first).to_have_text(
        "Not passed: back to its author to amend"
    )
    expect(console.locator(".rulings")).to_have_count(0)
    expect(console.locator("body")).not_to_contain_text("objections to rule on")


def test_markup_in_a_title_is_refused_and_shown_as_text(
    server: LiveServer, open_page: OpenPage, watch: Watch
) -> None:
    session = server.create_session("strategizing")
    page = enter(open_page("Ann"), server, session, server.join(session, "Ann", "team"), "Ann")
    command(server, session, session["facilitator_token"], "next_phase")

    page.select_option("#p-level", "vision")
    page.fill("#p-title", "<img src=x onerror=alert(1)>")
    page.click("#propose-form button[type=submit]")
    error = page.locator("#propose-error")
    expect(error).to_contain_text("Title must be plain text: HTML markup is not allowed")
    expect(error).to_contain_text("<img src=x o")
    assert page.locator("img[src=x]").count() == 0
    assert state(server, session, session["facilitator_token"])["proposals"] == []

    # Accepted text with <, > and & shows exactly as typed, for its author and the room.
    title = '1 < 2 && 3 > 2, "quoted" &amp; done'
    propose(page, "vision", title)
    expect(page.locator(".proposal-title")).to_have_text([title])
    console = console_page(open_page, server, session)
    expect(console.locator("#board-body .proposal-title")).to_have_text([title])
    assert "token=" not in console.url
    assert not watch.dialogs


def test_a_title_with_comparisons_shows_exactly(server: LiveServer, open_page: OpenPage) -> None:
    session = server.create_session("strategizing")
    page = enter(open_page("Ann"), server, session, server.join(session, "Ann", "team"), "Ann")
    command(server, session, session["facilitator_token"], "next_phase")
    page.select_option("#p-level", "vision")
    page.fill("#p-title", "a < b && c > d")
    page.click("#propose-form button[type=submit]")
    expect(page.locator(".proposal-title")).to_have_text(["a < b && c > d"])
    expect(page.locator("#propose-error")).to_be_hidden()


@contextmanager
def ann_cut_off(
    open_page: OpenPage, watch: Watch, tmp_path: Path, proposing: bool = False
) -> Iterator[tuple[LiveServer, dict, Page]]:
    """Ann's participant view (in the propose phase if `proposing`), and its server (one of
    its own, on `tmp_path`) just gone down."""
    tmp_path.mkdir(exist_ok=True)
    live = LiveServer(tmp_path).start()
    try:
        session = live.create_session("strategizing")
        page = enter(open_page("Ann"), live, session, live.join(session, "Ann", "team"), "Ann")
        expect(page.locator("#offline")).to_be_hidden()
        if proposing:
            command(live, session, session["facilitator_token"], "next_phase")
            expect(page.locator("#phase")).to_have_text("Propose (silently)")
        # Cut only the live connection: a request of the page's still in flight (its clock
        # reading, a slow stylesheet) would fail too, and the browser logs that as an error.
        page.wait_for_load_state("networkidle")
        watch.allowed.append(re.compile(r"WebSocket connection to .* failed"))
        live.kill()
        expect(page.locator("#offline")).to_be_visible()
        yield live, session, page
    finally:
        live.stop()


def test_offline_banner_and_the_exact_state_after_reconnect(
    open_page: OpenPage, watch: Watch, tmp_path: Path
) -> None:
    with ann_cut_off(open_page, watch, tmp_path) as (live, session, page):
        expect(page.locator("#offline")).to_have_text("Can't reach the server — reconnecting…")
        live.start()
        command(live, session, session["facilitator_token"], "next_phase")

        expect(page.locator("#offline")).to_be_hidden()
        expect(page.locator("#phase")).to_have_text("Propose (silently)")


def test_a_server_down_is_not_called_offline_while_the_device_is_online(
    open_page: OpenPage, watch: Watch, tmp_path: Path
) -> None:
    """The server stopped, Ann's network fine: her page does not send her to check her Wi-Fi."""
    with ann_cut_off(open_page, watch, tmp_path) as (_live, _session, page):
        expect(page.locator("#offline")).to_have_text("Can't reach the server — reconnecting…")
        expect(page.locator("#conn")).to_have_text("Reconnecting")
        page.context.set_offline(True)
        expect(page.locator("#offline")).to_have_text("Offline — reconnecting…")
        expect(page.locator("#conn")).to_have_text("Offline")
        page.context.set_offline(False)
        expect(page.locator("#offline")).to_have_text("Can't reach the server — reconnecting…")


def test_a_page_refused_for_reconnecting_too_often_connects_again_when_allowed(
    open_page: OpenPage, tmp_path: Path
) -> None:
    """Ann's other tab used up her connections for the moment (CONNECT_RATE): her page says
    it is reconnecting, not that it was turned away, and connects once it may."""
    live = LiveServer(tmp_path, extra=("--set", "CONNECT_RATE=2/10 seconds"), strict=True)
    live.start()
    try:
        session = live.create_session("strategizing")
        joined = live.join(session, "Ann", "team")
        for _ in range(2):
            other_tab = socketio.Client(reconnection=False)
            other_tab.connect(
                live.url, auth={"token": joined["token"]}, transports=["websocket"], wait_timeout=10
            )
            other_tab.disconnect()
        page = open_as(open_page("Ann"), live, session, joined, "Ann")
        expect(page.locator("#conn")).to_have_text("Reconnecting")
        expect(page.locator("#conn")).to_have_text("Live", timeout=20_000)
        command(live, session, session["facilitator_token"], "next_phase")
        expect(page.locator("#phase")).to_have_text("Propose (silently)")
    finally:
        live.stop()


def test_a_lost_message_queue_says_live_updates_are_paused_not_that_the_server_is_gone(
    open_page: OpenPage, watch: Watch, tmp_path: Path
) -> None:
    """Redis stops under two processes: Ann's page is still connected to hers, so it says
    the live updates are paused (nobody checks their Wi-Fi or reloads); they come back."""
    watch.allowed.append(re.compile(r"WebSocket connection to .* failed"))  # at the end
    cluster = Cluster(tmp_path).start()
    try:
        first = cluster.servers[0]
        session = first.create_session("strategizing")
        page = enter(open_page("Ann"), first, session, first.join(session, "Ann", "team"), "Ann")
        cluster.queue.stop()
        expect(page.locator("#offline")).to_have_text(
            "Live updates paused — the server catches you up when they are back…"
        )
        expect(page.locator("#conn")).to_have_text("Paused")
        cluster.queue.start()
        expect(page.locator("#offline")).to_be_hidden()
        command(first, session, session["facilitator_token"], "next_phase")
        expect(page.locator("#phase")).to_have_text("Propose (silently)")
    finally:
        cluster.stop()


def test_a_hand_raised_offline_says_it_waits_until_it_is_sent(
    open_page: OpenPage, watch: Watch, tmp_path: Path
) -> None:
    with ann_cut_off(open_page, watch, tmp_path) as (live, _session, page):
        page.get_by_role("button", name="Raise my hand").click()
        hand = page.locator("#floor-body [data-key=hand]")
        expect(hand).to_have_text("Waiting to send…")
        expect(hand).to_have_attribute("aria-disabled", "true")
        live.start()
        expect(page.locator("#offline")).to_be_hidden()
        expect(hand).to_have_text("Lower my hand")
        expect(page.locator("#floor-body .queue li")).to_have_text(["You"])


def test_a_proposal_and_a_vote_sent_offline_say_they_wait_until_they_are_sent(
    open_page: OpenPage, watch: Watch, tmp_path: Path
) -> None:
    """The vote button only greyed out while the server was away (the hand and the
    console's buttons said "Waiting to send…"), and so did the proposal's."""
    with ann_cut_off(open_page, watch, tmp_path, proposing=True) as (live, session, page):
        fac = session["facilitator_token"]
        page.select_option("#p-level", "vision")
        page.fill("#p-title", "Healthier lives")
        page.click("#propose-form button[type=submit]")
        expect(page.locator("#propose-form button[type=submit]")).to_have_text("Waiting to send…")
        live.start()
        expect(page.locator(".proposal-title")).to_have_text(["Healthier lives"])
        expect(page.locator("#propose-form button[type=submit]")).not_to_have_text(
            "Waiting to send…"
        )

        command(live, session, fac, "go_to_phase", phase="decide")
        (proposal,) = state(live, session, fac)["proposals"]
        command(live, session, fac, "open_ballot", proposal_ids=[proposal["id"]])
        expect(page.locator("#vote-turnout")).to_have_text("0 of 1 voted")
        page.wait_for_load_state("networkidle")
        live.kill()
        expect(page.locator("#offline")).to_be_visible()
        page.locator("label.choice-agree").click()
        submit = page.locator("#vote-body button[type=submit]")
        submit.click()
        expect(submit).to_have_text("Waiting to send…")
        expect(submit).to_have_attribute("aria-disabled", "true")
        live.start()
        expect(page.locator("#vote-body .my-vote")).to_have_text("Your vote: Agree")
        expect(page.locator("#vote-turnout")).to_have_text("1 of 1 voted")


def test_every_press_waiting_to_be_sent_is_answered_once_the_connection_is_refused(
    open_page: OpenPage, watch: Watch, tmp_path: Path
) -> None:
    """Ann's proposal and her raised hand waited for the server; it came back without her
    (a database restored from before she joined): only the last press heard the refusal,
    the other said "Waiting to send…" for ever."""
    with ann_cut_off(open_page, watch, tmp_path / "before", proposing=True) as (live, _, page):
        page.select_option("#p-level", "vision")
        page.fill("#p-title", "Healthier lives")
        propose = page.locator("#propose-form button[type=submit]")
        propose.click()
        hand = page.locator("#floor-body [data-key=hand]")
        hand.click()
        expect(propose).to_have_text("Waiting to send…")
        expect(hand).to_have_text("Waiting to send…")
        live.data = tmp_path / "after"  # the same address, a database that never knew her
        live.data.mkdir()
        live.start()
        expect(page.locator("#fatal")).to_contain_text("Not connected")
        expect(propose).not_to_have_text("Waiting to send…")
        expect(hand).not_to_have_text("Waiting to send…")


@pytest.mark.parametrize(
    "path", ["/", "/s/abc/join?code=X", "/s/abc", "/s/abc/facilitator", "/s/abc/screen"]
)
def test_every_page_has_a_strict_content_security_policy(server: LiveServer, path: str) -> None:
    answer = requests.get(server.url + path, timeout=10)
    policy = answer.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["connect-src"].startswith("'self'")
    html = answer.text
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), "inline script"
    assert " style=" not in html, "inline style attribute"
    assert "<style" not in html, "inline style element"


def test_the_printable_minutes_never_break_a_word_or_a_time_across_lines(
    server: LiveServer, people: list[Person], open_page: OpenPage
) -> None:
    """The page let any word break anywhere: the votes table squeezed its short columns to
    "18:45:3 / 8" and "Reaso / n" beside a long vote."""
    session, fac = host(server, people, "strategizing")
    voters = seat(server, session, people, ("Priya Raman", "product"), ("Tom", "team"))
    fac.ok("next_phase")
    titles = [
        "Lose weight without dieting misery",
        "Eat better without counting calories",
        "Move more every day, wherever you are, with a coach",
    ]
    options = [voters[1].ok("propose_goal", level="vision", title=t)["proposal_id"] for t in titles]
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=options, rule="ranked", rule_reason="two")
    for voter in voters:
        voter.ok("cast_vote", ballot_id=ballot["ballot_id"], vote={"ranking": options})
    fac.ok("close_ballot", ballot_id=ballot["ballot_id"], reveal=True)
    page = open_page("reader")
    page.set_content(server.export(session, "minutes", format="html").text)
    broken = page.evaluate(
        """() => [...document.querySelectorAll("th, td")].filter((cell) => {
            const words = cell.textContent.trim().split(/\\s+/).filter(Boolean);
            return words.some((word) => {
                const range = document.createRange();
                const text = [...cell.childNodes].find(
                    (n) => n.nodeType === 3 && n.data.includes(word)
                );
                if (!text) return false;
                const at = text.data.indexOf(word);
                range.setStart(text, at);
                range.setEnd(text, at + word.length);
                return range.getClientRects().length > 1;
            });
        }).map((cell) => cell.textContent.trim())"""
    )
    assert broken == []
    assert page.locator("th", has_text="Time").count() >= 1


def test_a_page_with_its_own_policy_keeps_it(server: LiveServer) -> None:
    session = server.create_session("strategizing")
    minutes = server.export(session, "minutes", format="html")
    assert minutes.status_code == 200
    assert "style-src 'sha256-" in minutes.headers["Content-Security-Policy"]


def test_the_qr_code_shows_once_it_has_loaded_and_says_when_it_cannot(
    server: LiveServer, open_page: OpenPage, watch: Watch
) -> None:
    watch.allowed.append(re.compile(r"Failed to load resource: net::ERR_FAILED"))
    session = server.create_session("review")
    console = f"{server.url}/s/{session['id']}/facilitator#token={session['facilitator_token']}"
    # A slow network: the join code is on the screen first, with no empty frame beside it.
    slow = open_page("facilitator", WIDE)
    held: list[Route] = []
    slow.route("**/qr.svg?*", lambda route: held.append(route))
    slow.goto(console)
    expect(slow.locator("#join-code")).to_have_text(session["join_code"])
    for _ in range(250):  # the picture's request reaches the route (5 s at most)
        if held:
            break
        slow.wait_for_timeout(20)
    assert held, "the console never asked for the QR code"
    expect(slow.locator("#qr")).to_be_hidden()
    held[0].continue_()
    expect(slow.locator("#qr")).to_be_visible()
    assert slow.locator("#qr").evaluate("img => img.complete && img.naturalWidth > 0")
    # A picture that cannot load says so, and the code and the link still serve.
    failing = open_page("facilitator", WIDE)
    failing.route("**/qr.svg?*", lambda route: route.abort())
    failing.goto(console)
    expect(failing.locator("#invite-error")).to_have_text(
        "The QR code did not load: give the join code or the link."
    )
    expect(failing.locator("#qr")).to_be_hidden()
    expect(failing.locator("#join-code")).to_have_text(session["join_code"])


def test_the_join_qr_code_needs_the_code(server: LiveServer) -> None:
    session = server.create_session("review")
    qr = server.get(f"/s/{session['id']}/qr.svg", code=session["join_code"])
    assert qr.status_code == 200 and qr.headers["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in qr.content and b"<script" not in qr.content
    assert server.get(f"/s/{session['id']}/qr.svg", code="WRONG1").status_code == 403
    invite = server.get(f"/s/{session['id']}/invite", token=session["facilitator_token"])
    assert invite.json()["join_code"] == session["join_code"]
    joined = server.join(session, "Ann", "team")
    assert server.get(f"/s/{session['id']}/invite", token=joined["token"]).status_code == 403


def test_remote_stakeholders_vote_by_their_links_on_phones_without_javascript(
    server: LiveServer, open_page: OpenPage
) -> None:
    title = "Healthier lives for everyone"
    session, _ann, _vision = vision_by_ann(server, title)
    clipboard = {"permissions": ["clipboard-read", "clipboard-write"]}
    console = console_page(open_page, server, session, **clipboard)

    console.get_by_label(f"Select {title}").check()
    expect(console.locator("#rule")).to_have_value("unanimity")
    console.get_by_text("Send to remote stakeholders…").click()
    expect(console.locator("#remote-rule")).to_have_text("They vote by unanimity, as chosen above.")
    console.fill("#remote-names", "Rita Remote\n\n  Sam Faraway \n")
    console.fill("#remote-hours", "2")
    console.fill("#remote-minutes", "30")
    console.get_by_role("button", name="Send the ballot and make the links").click()

    # The links are shown once, each with its own Copy button, and all together.
    invites = console.locator("#remote-links .invite-list li")
    expect(invites.locator(".invitee")).to_have_text(["Rita Remote", "Sam Faraway"])
    links = invites.locator("code.link").all_inner_texts()
    assert len(set(links)) == 2 and all(link.startswith(f"{server.url}/v/") for link in links)
    expect(console.locator("#remote-links .notice")).to_contain_text("shown only this once")
    console.get_by_role("button", name="Copy all").click()
    expect(console.locator("#remote-links [role=status]")).to_have_text("All links copied")
    pasted = console.evaluate("navigator.clipboard.readText()")
    assert pasted == f"Rita Remote: {links[0]}\nSam Faraway: {links[1]}"

    card = console.locator(".ballot-card.remote")
    expect(card.locator(".badge.remote")).to_have_text("remote: 2 by link")
    expect(card.locator(".turnout")).to_have_text("0 of 2 voted")
    expect(card.locator(".not-voted")).to_have_text("Not voted yet: Rita Remote, Sam Faraway")
    expect(card.locator(".deadline .countdown")).to_have_text(re.compile(r"^2:(29|30):\d\d$"))

    # Each opens their own link on a phone, with JavaScript off, and votes with the form.
    for count, (name, link) in enumerate(zip(["Rita", "Sam"], links, strict=True), start=1):
        phone = open_page(name, PHONE, java_script_enabled=False)
        phone.goto(link)
        expect(phone.locator("main h2")).to_have_text(f"Vote on “{title}”")
        phone.check("input[name=choice][value=agree]")
        phone.get_by_role("button", name="Vote").click()
        expect(phone.get_by_role("status")).to_have_text("Your vote is recorded.")
        fits(phone)
        if count == 1:
            expect(card.locator(".turnout")).to_have_text("1 of 2 voted")
            expect(card.locator(".not-voted")).to_have_text("Not voted yet: Sam Faraway")
            expect(card.locator(".verdict")).to_have_count(0)  # never partial results

    # The last vote closes the ballot: turnout, the result, and the goal in the chain.
    expect(card.locator(".turnout")).to_have_text("2 of 2 voted")
    expect(card.locator(".verdict")).to_have_text("Passed")
    # It closed now, early, and says so on a 24-hour clock, as the personal page does.
    closed = card.locator(".deadline")
    expect(closed).to_have_text(re.compile(r"^Closed \w+day \d+ \w+ \d{4}, \d\d:\d\d \S+$"))
    stamp = closed.locator("time").get_attribute("datetime")
    assert abs(datetime.fromisoformat(stamp).timestamp() - time.time()) < 120, stamp
    expect(console.locator("#chain-body .level-vision .node-title")).to_have_text(title)
    expect(console.locator("#present-count")).to_have_text("0 of 1 participant here")


def test_a_remote_ballot_reuses_the_people_invited_to_review_the_draft(
    server: LiveServer, open_page: OpenPage
) -> None:
    """Carla reviewed the draft; the facilitator then sent it to a vote, naming her again:
    the console made a second Carla with a second link, and the minutes counted both."""
    session, _ann, draft = vision_by_ann(server, "Healthier lives")
    fac = session["facilitator_token"]
    shared = command(
        server,
        session,
        fac,
        "share_draft",
        proposal_id=draft,
        reviewers=[{"name": "Carla CFO"}],
        deadline_seconds=3600,
    )
    carla = shared["invitations"][0]
    console = console_page(open_page, server, session)
    console.get_by_label("Select Healthier lives").check()
    console.get_by_text("Send to remote stakeholders…").click()
    known = console.locator("#remote-known-box")
    expect(known).to_contain_text("Remote people already invited")
    expect(known.get_by_label("Carla CFO")).not_to_be_checked()
    # Typed again in lower case, with a zero-width space and two spaces before "cfo": she is
    # Carla, as the server reads names (it refused the "newcomer", naming her by id).
    console.fill("#remote-names", "carla\u200b  cfo\nDan Director")
    console.get_by_role("button", name="Send the ballot and make the links").click()
    expect(console.locator("#remote-links .invitee")).to_have_text(["Dan Director"])  # new
    card = console.locator(".ballot-card.remote")
    expect(card.locator(".not-voted")).to_have_text("Not voted yet: Carla CFO, Dan Director")
    remote = [p["name"] for p in state(server, session, fac)["participants"] if p["remote"]]
    assert sorted(remote) == ["Carla CFO", "Dan Director"]
    # Carla votes by the link she already has.
    body = {"cid": "carla-1", "ballot_id": state(server, session, fac)["ballots"][0]["id"]}
    body["vote"] = {"choice": "agree"}
    by_link = f"/api/sessions/{session['id']}/commands/cast_vote"
    assert server.post(by_link, body, token=carla["token"]).status_code == 200
    expect(card.locator(".turnout")).to_have_text("1 of 2 voted")


def test_a_draft_shared_for_comments_is_amended_then_put_to_a_ballot(
    server: LiveServer, open_page: OpenPage
) -> None:
    session, ann, draft = vision_by_ann(server, "Healthier lives")
    author = enter(open_page("Ann", PHONE), server, session, ann, "Ann")
    card = author.locator(f"article.proposal[data-proposal-id={draft}]")

    # Only the facilitator brings new people in: Ann's form offers nobody to invite yet.
    card.get_by_role("button", name="Share for comments").click()
    expect(author.locator("#share-h")).to_have_text("Share “Healthier lives” for comments")
    expect(author.locator("#share-names")).to_have_count(0)
    expect(author.locator(".share-known")).to_contain_text("only the facilitator invites")
    author.get_by_role("button", name="Cancel").click()

    # The facilitator shares Ann's draft with a new reviewer from the console.
    console = console_page(open_page, server, session)
    board_card = console.locator(f"#board-body article.proposal[data-proposal-id={draft}]")
    board_card.get_by_role("button", name="Share for comments").click()
    expect(console.locator("#share-names")).to_be_focused()
    console.keyboard.type("Carla CFO")
    console.fill("#share-for", "2")
    expect(console.locator("#share-unit")).to_have_value("86400")
    console.locator("#share-for").press("Enter")
    link = console.locator("#share .invite-list code.link")
    expect(link).to_have_count(1)
    expect(console.locator("#share .invitee")).to_have_text("Carla CFO")
    expect(card.locator(".reviewers")).to_have_text("Carla CFO")

    # Ann shares it again with the reviewer the facilitator invited, by keyboard.
    card.get_by_role("button", name="Share for comments").click()
    reviewer_box = author.get_by_label("Carla CFO")
    expect(reviewer_box).to_be_focused()
    author.keyboard.press("Space")
    author.locator("#share-for").press("Enter")
    expect(author.locator("#share [role=status]")).to_contain_text("Shared “Healthier lives”")
    expect(author.locator(".share-form")).to_be_hidden()
    fits(author)

    # The reviewer comments on her phone through the link's plain form.
    reviewer = open_page("Carla", PHONE, java_script_enabled=False)
    reviewer.goto(link.inner_text())
    expect(reviewer.locator("main h2")).to_have_text("Draft for your comments: Healthier lives")
    reviewer.fill("textarea[name=text]", "Whose lives? Say it is our members'.")
    reviewer.get_by_role("button", name="Send comment").click()
    expect(reviewer.get_by_role("status")).to_have_text("Your comment is recorded.")

    # The author sees the comment, by name, and amends the draft.
    comment = "Carla CFO (by link): Whose lives? Say it is our members'."
    expect(card.locator(".comments li")).to_have_text([comment])
    card.get_by_role("button", name="Amend").click()
    author.fill("#p-title", "Healthier lives for our members")
    author.get_by_role("button", name="Save the amendment").click()
    expect(card.locator(".proposal-title")).to_have_text("Healthier lives for our members")
    expect(card.locator(".revised")).to_have_text("once")

    # The facilitator sees the same, and opens a ballot on the revised goal.
    command(server, session, session["facilitator_token"], "go_to_phase", phase="decide")
    expect(board_card.locator(".comments li")).to_have_text([comment])
    expect(board_card.get_by_role("button", name="Share for comments")).to_be_visible()
    console.get_by_label("Select Healthier lives for our members").check()
    console.get_by_role("button", name="Open ballot").click()
    expect(console.locator("#turnout")).to_have_text("0 of 1 voted")
    expect(author.locator("#vote-turnout")).to_have_text("0 of 1 voted")
    expect(card.get_by_role("button", name="Share for comments")).to_have_count(0)


def test_one_two_four_all_shows_the_stage_and_the_groups(
    server: LiveServer, open_page: OpenPage
) -> None:
    session = server.create_session("strategizing")
    joined = [server.join(session, name, "team") for name in ("Ann", "Bob", "Cy", "Dee")]
    pages = [
        enter(open_page(j["participant_id"]), server, session, j, n)
        for j, n in zip(joined, ("Ann", "Bob", "Cy", "Dee"), strict=True)
    ]
    console = console_page(open_page, server, session)
    expect(console.locator("#present-count")).to_have_text("4 of 4 participants here")
    console.get_by_role("button", name="Start 1-2-4-All").click()
    expect(console.locator(".structure strong")).to_have_text("1-2-4-All: alone")
    expect(pages[0].locator(".structure strong")).to_have_text("1-2-4-All: alone")
    console.get_by_role("button", name="Next stage").click()
    expect(console.locator(".structure strong")).to_have_text("1-2-4-All: pairs")
    expect(console.locator(".structure .groups li")).to_have_count(2)
    for page in pages:
        expect(page.locator(".structure")).to_contain_text(re.compile(r"Your group: (.*, )?you\b"))


def test_a_word_longer_than_a_phone_breaks_rather_than_push_the_page_sideways(
    server: LiveServer, open_page: OpenPage
) -> None:
    """A pasted link in a description, a title of 200 letters without a space: the personal
    link page scrolled 37,000 px sideways on a phone, the participant view too."""
    title = "Ship" + "x" * 196
    session, ann, proposal = vision_by_ann(server, title)
    described = {"description": "https://example.org/" + "y" * 2000}
    command(server, session, ann["token"], "edit_proposal", proposal_id=proposal, **described)
    command(server, session, session["facilitator_token"], "go_to_phase", phase="decide")
    voters = [{"name": "Rita" + "r" * 70}]
    remote = {"proposal_ids": [proposal], "voters": voters, "deadline_seconds": 3600}
    sent = command(server, session, session["facilitator_token"], "send_remote_ballot", **remote)
    for javascript in (True, False):
        phone = open_page("Rita", PHONE, java_script_enabled=javascript)
        phone.goto(server.url + sent["invitations"][0]["link"])
        expect(phone.locator("main h2").first).to_contain_text("Ship")
        fits(phone)
    page = enter(open_page("Ann", PHONE), server, session, ann, "Ann")
    expect(page.locator("article.proposal").first).to_contain_text("Ship")
    fits(page)
