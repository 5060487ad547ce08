"""Every page as people with assistive technology meet it: axe-core in Chromium.

axe-core (the engine browsers' accessibility tools use) runs on each page in each state a
person sees it in; a serious or critical violation fails the test with its elements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from tests.browser import (
    PHONE,
    Locator,
    OpenPage,
    Page,
    accessible,
    command,
    console_page,
    enter,
    expect,
    open_ballot,
    propose,
    vision_by_ann,
    vote,
)
from tests.chains import FITNESS
from tests.live import LiveServer


def test_home_and_join_pages(server: LiveServer, open_page: OpenPage, watch) -> None:
    watch.allowed.append(re.compile(r"Failed to load resource: .* status of 404"))
    page = open_page("visitor", PHONE)
    page.goto(server.url + "/")
    accessible(page, "the home page")
    page.fill("#join-code", "WRONG9")
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page.locator("#code-error")).to_be_visible()
    page.get_by_role("button", name="Create session").click()
    expect(page.locator("#create-error")).to_be_visible()
    # The field to fix says it is wrong and why: a screen reader on it heard nothing of it.
    title = page.locator("#title")
    expect(title).to_be_focused()
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_accessible_description("Give the session a title.")
    accessible(page, "the home page with its errors")
    page.keyboard.type("Q3 strategy")
    expect(title).not_to_have_attribute("aria-invalid", "true")

    session = server.create_session("strategizing", product="Fitness app")
    page.goto(f"{server.url}/s/{session['id']}/join?code={session['join_code']}")
    expect(page.locator("input[name=role]")).not_to_have_count(0)
    accessible(page, "the join page")
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page.locator("#join-error")).to_be_visible()
    accessible(page, "the join page with an error")


PROJECTOR = {"width": 1920, "height": 1080}


@dataclass
class Room:
    """A session seen on its console, on Ann's phone and on the room screen; Bob uses the API."""

    session: dict
    ann: dict
    bob: dict
    console: Page
    page: Page
    screen: Page

    def accessible(self, when: str) -> None:
        accessible(self.console, f"the console {when}")
        accessible(self.page, f"the participant view {when}")
        accessible(self.screen, f"the room screen {when}")


def room(server: LiveServer, open_page: OpenPage) -> Room:
    """A strategizing session with Ann in the room and Bob, its console and its room screen."""
    session = server.create_session("strategizing", product="Fitness app")
    ann = server.join(session, "Ann", "team")
    bob = server.join(session, "Bob", "team")
    console = console_page(open_page, server, session)
    page = enter(open_page("Ann", PHONE), server, session, ann, "Ann")
    link = console.get_by_role("link", name="Open room screen")
    expect(link).to_be_visible()
    screen = open_page("room screen", PROJECTOR)
    screen.goto(urljoin(server.url, link.get_attribute("href")))
    expect(screen.locator("#conn")).to_have_text("Live")
    return Room(session, ann, bob, console, page, screen)


def test_console_and_participant_view_in_every_phase(
    server: LiveServer, open_page: OpenPage
) -> None:
    seen = room(server, open_page)
    session, ann, bob, console, page = seen.session, seen.ann, seen.bob, seen.console, seen.page
    fac = session["facilitator_token"]

    # Joining: the invite, people arriving, a hand raised, the floor given.
    expect(console.locator("#join-code")).to_have_text(re.compile(r"^[A-Z2-9]{6}$"))
    seen.accessible("while people join")
    page.get_by_role("button", name="Raise my hand").click()
    # Ann first: the server has her in the queue before Bob raises his hand.
    expect(page.get_by_role("button", name="Lower my hand")).to_be_visible()
    command(server, session, bob["token"], "raise_hand")
    console.get_by_role("button", name="Give the floor to the next").click()
    expect(page.locator(".my-turn")).to_contain_text("It's your turn")
    seen.accessible("while Ann has the floor")

    # Proposing, in silence.
    console.get_by_role("button", name="Next phase", exact=True).click()
    expect(page.locator("#phase")).to_have_text("Propose (silently)")
    propose(page, "vision", "Help people live healthier lives")
    command(server, session, bob["token"], "propose_goal", level="vision", title="Make fitness fun")
    expect(console.locator("#board-body")).to_contain_text("Make fitness fun")
    seen.accessible("while people propose")

    # A ballot open, then its result.
    command(server, session, fac, "go_to_phase", phase="decide")
    console.get_by_label("Select Help people live healthier lives").check()
    expect(console.locator("#open-form")).to_be_visible()
    accessible(console, "the console with the ballot form")
    console.get_by_role("button", name="Open ballot").click()
    expect(page.locator("#vote-turnout")).to_have_text("0 of 1 voted")
    seen.accessible("with a ballot open")
    vote(page, "agree", "A good north star")
    seen.accessible("after a vote")
    console.get_by_role("button", name="Close and reveal").click()
    expect(page.locator(".verdict")).to_have_text("Passed")
    seen.accessible("with a result")

    # Consent on a user goal: an objection waits for the facilitator's ruling.
    propose(page, "user", "Feel better")
    goal = page.locator("article.proposal", has_text="Feel better").get_attribute(
        "data-proposal-id"
    )
    ballot = open_ballot(
        server,
        session,
        [ann, bob],
        proposal_ids=[goal],
        rule="consent",
        rule_reason="consent for user goals",
    )
    expect(page.locator("label.choice-objection")).to_be_visible()
    seen.accessible("with a consent ballot open")
    objection = {"choice": "objection", "reason": "No metric: we cannot tell"}
    command(server, session, bob["token"], "cast_vote", ballot_id=ballot, vote=objection)
    vote(page, "concern", "Vague")
    console.get_by_role("button", name="Close and reveal").click()
    expect(console.locator(".rulings")).to_contain_text("Bob objects")
    seen.accessible("with an objection to rule on")
    console.locator(".ruling input").fill("Paramount: the goal must be measurable")
    console.get_by_role("button", name="It stands: back to its author to amend").click()
    expect(page.locator("article.proposal", has_text="Feel better")).to_contain_text("to amend")
    seen.accessible("after the ruling")


def test_every_rule_from_ballot_to_result_and_the_pages_after(
    server: LiveServer, open_page: OpenPage, watch
) -> None:
    watch.allowed.append(re.compile(r"Failed to load resource: .* status of 401"))
    seen = room(server, open_page)
    session, ann, bob, console, page = seen.session, seen.ann, seen.bob, seen.console, seen.page
    fac = session["facilitator_token"]
    command(server, session, fac, "delegate_decider", participant_id=ann["participant_id"])
    command(server, session, fac, "go_to_phase", phase="decide")

    def proposal(level: str, title: str, **fields: object) -> str:
        made = command(
            server, session, bob["token"], "propose_goal", level=level, title=title, **fields
        )
        return made["proposal_id"]

    def ballot(options: list[str], rule: str, votes: list[dict], **fields: object) -> str:
        opened = open_ballot(
            server,
            session,
            [ann, bob],
            proposal_ids=options,
            rule=rule,
            rule_reason=f"trying {rule}",
            **fields,
        )
        expect(page.locator("#vote-turnout")).to_have_text("0 of 2 voted")
        seen.accessible(f"with a {rule} ballot open")
        for person, cast in zip((ann, bob), votes, strict=True):
            command(server, session, person["token"], "cast_vote", ballot_id=opened, vote=cast)
        command(server, session, fac, "close_ballot", ballot_id=opened, reveal=True)
        expect(console.locator(f"[data-ballot-id={opened}] .verdict")).to_be_visible()
        expect(page.locator("#vote-body .verdict")).to_be_visible()
        seen.accessible(f"with the result of a {rule} ballot")
        return opened

    visions = [proposal("vision", title) for title in ("Healthy lives", "Fun", "Long lives")]
    ballot(visions, "dot", [{"dots": {visions[0]: 1}}, {"dots": {visions[1]: 1}}])
    ranking = [visions[1], visions[0], visions[2]]
    ballot(visions, "ranked", [{"ranking": ranking}, {"ranking": ranking}])
    parents = {"parents": [visions[1]]}
    ballot(
        [proposal("user", "Sleep well", **parents)], "fist_of_five", [{"value": 1}, {"value": 4}]
    )
    ballot([proposal("user", "Eat well", **parents)], "majority", [{"choice": "agree"}] * 2)
    ballot([proposal("user", "Move more", **parents)], "decider", [{"choice": "consent"}] * 2)
    expect(page.locator(".decision-form")).to_be_visible()
    accessible(page, "the decider's form")

    # A remote stakeholder's personal link: open, voted, closed; a link that does not work.
    remote = command(
        server,
        session,
        fac,
        "send_remote_ballot",
        proposal_ids=[proposal("user", "Rest", **parents)],
        voters=["Rita Remote"],
        deadline_seconds=3600,
    )
    link = server.url + remote["invitations"][0]["link"]
    expect(console.locator(".ballot-card.remote .turnout")).to_have_text("0 of 1 voted")
    accessible(console, "the console with a remote ballot")
    rita = open_page("Rita", PHONE)
    rita.goto(link)
    accessible(rita, "a personal link's ballot")
    rita.get_by_role("button", name="Vote").click()  # no answer chosen: the form says so
    rita.check("input[name=choice][value=agree]")
    rita.get_by_role("button", name="Vote").click()
    expect(rita.get_by_role("status")).to_have_text("Your vote is recorded.")
    # Said once: a reload (once the ballot has closed) repeated it from the address.
    expect(rita).to_have_url(re.compile(r"/v/[^?]*$"))
    expect(rita.locator("main")).to_contain_text("Closed.")
    accessible(rita, "a personal link after its ballot closed")
    rita.goto(server.url + "/v/no-such-link")
    expect(rita.locator("h1")).to_have_text("This link does not work")
    accessible(rita, "a personal link that does not work")

    # The printable minutes, as the console saves them.
    with console.expect_download() as saved:
        console.get_by_role("button", name="Minutes (printable HTML)").click()
    reader = open_page("reader", PHONE)
    reader.set_content(Path(saved.value.path()).read_text(encoding="utf-8"))
    expect(reader.locator("h1")).to_contain_text("Minutes")
    accessible(reader, "the printable minutes")


# Where the keyboard's focus is, and whether it shows: an outline of at least 2 px.
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const width = style.outlineStyle === "none" ? 0 : parseFloat(style.outlineWidth);
  return {tag: el.tagName, text: (el.innerText || el.value || "").slice(0, 40), outline: width};
}"""


def tab_to(page: Page, target: Locator, key: str = "Tab", most: int = 200) -> None:
    """Press Tab (or Shift+Tab) until `target` has the focus, as a keyboard user would:
    it must be reachable, and every stop on the way must show the focus."""
    for _ in range(most):
        page.keyboard.press(key)
        focus = page.evaluate(FOCUS)
        assert focus is None or focus["outline"] >= 2, f"the focus does not show on {focus}"
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} is never reached by {key}")


def focus_in(page: Page, selector: str) -> bool:
    return page.evaluate("s => !!document.activeElement.closest(s)", selector)


def in_sight(page: Page) -> bool:
    """Whether the focused element lies within the window."""
    return page.evaluate(
        """() => { const r = document.activeElement.getBoundingClientRect();
        return r.top >= -1 && r.bottom <= innerHeight + 1
          && r.left >= -1 && r.right <= innerWidth + 1; }"""
    )


def test_a_ballot_run_with_the_keyboard_only(server: LiveServer, open_page: OpenPage) -> None:
    title = "Help people live healthier lives"
    session, ann, _ = vision_by_ann(server, title)
    command(server, session, session["facilitator_token"], "go_to_phase", phase="decide")
    console = console_page(open_page, server, session)
    page = enter(open_page("Ann", PHONE), server, session, ann, "Ann")

    # The facilitator selects the proposal, goes back up to the form and opens the ballot.
    select = console.get_by_label(f"Select {title}")
    tab_to(console, select)
    console.keyboard.press("Space")
    expect(select).to_be_checked()
    tab_to(console, console.get_by_role("button", name="Open ballot"), "Shift+Tab")
    console.keyboard.press("Enter")
    expect(console.locator("#turnout")).to_have_text("0 of 1 voted")
    assert focus_in(console, "#ballot"), "the focus follows the ballot just opened"

    # Ann moves through the answers with the arrow keys, gives a reason and votes.
    agree = page.locator("input[name=choice][value=agree]")
    tab_to(page, agree)
    page.keyboard.press("ArrowDown")
    expect(page.locator("input[name=choice][value=disagree]")).to_be_checked()
    page.keyboard.press("ArrowUp")
    expect(agree).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator("#vote-reason")).to_be_focused()
    page.keyboard.type("A good north star")
    tab_to(page, page.locator("#vote-body button[type=submit]"))
    page.keyboard.press("Enter")
    expect(page.locator("#vote-body .my-vote")).to_have_text("Your vote: Agree — A good north star")
    # Disabled while it was sent, the button dropped the focus to the start of the page.
    assert focus_in(page, "#vote-body, #ballot, section"), page.evaluate(FOCUS)
    assert in_sight(page), "the focus is where the eye can follow it"

    # The facilitator, whose focus is on the ballot, closes it and reveals the votes.
    expect(console.locator(".not-voted")).to_have_text("Everyone has voted.")
    tab_to(console, console.get_by_role("button", name="Close and reveal"))
    console.keyboard.press("Enter")
    expect(console.locator(".verdict")).to_have_text("Passed")
    expect(page.locator(".verdict")).to_have_text("Passed")
    assert focus_in(console, "#ballot"), "the focus stays with the ballot, not lost to the page"


def test_a_button_that_goes_disabled_hands_the_focus_to_its_panel_in_sight(
    server: LiveServer, open_page: OpenPage
) -> None:
    """The buttons "End the round" and "Next phase" into the last phase go disabled once
    pressed: the focus fell to the start of the page, and a keyboard user tabbed from the top."""
    session, ann, _ = vision_by_ann(server, "Help people live healthier lives")
    fac = session["facilitator_token"]
    enter(open_page("Ann", PHONE), server, session, ann, "Ann")  # present: a round needs her
    command(server, session, fac, "start_round")
    console = console_page(open_page, server, session)
    end_round = console.get_by_role("button", name="End the round")
    tab_to(console, end_round)
    console.keyboard.press("Enter")
    expect(end_round).to_be_disabled()
    assert focus_in(console, "section"), console.evaluate(FOCUS)
    assert in_sight(console), "the focus is where the eye can follow it"
    command(server, session, fac, "go_to_phase", phase="review_chain")
    next_phase = console.get_by_role("button", name="Next phase", exact=True)
    tab_to(console, next_phase, "Shift+Tab")
    console.keyboard.press("Enter")
    expect(next_phase).to_be_disabled()
    assert console.evaluate(FOCUS) is not None, "the focus is not lost to the page"
    assert in_sight(console)


LAPTOP = {"width": 1366, "height": 768}


def on_first_screen(page: Page, *needed: Locator) -> None:
    """Each of `needed` is wholly on screen with the page scrolled to its top."""
    page.evaluate("window.scrollTo(0, 0)")
    for locator in needed:
        expect(locator).to_be_in_viewport(ratio=1)


def test_the_console_fits_a_laptop_screen_in_every_phase(
    server: LiveServer, open_page: OpenPage
) -> None:
    session = server.create_session("strategizing", product="Fitness app")
    fac = session["facilitator_token"]
    people = [server.join(session, name, "team") for name in ("Ann", "Bob", "Cy", "Dee")]
    console = open_page("facilitator", LAPTOP)
    console.goto(f"{server.url}/s/{session['id']}/facilitator#token={fac}")
    expect(console.locator("#conn")).to_have_text("Live")
    phase = console.locator("#phase-h")

    def button(name: str) -> Locator:
        """A button by its text; one that acts on a ballot names it after a dash."""
        return console.get_by_role("button", name=re.compile(rf"^{re.escape(name)}( — .*)?$"))

    # Joining: the phase, the code and its QR, who is here, the floor.
    for person in people[:3]:
        command(server, session, person["token"], "raise_hand")
    expect(console.locator("#floor-body .queue li")).to_have_count(3)
    on_first_screen(
        console,
        phase,
        button("Next phase"),
        console.locator("#join-code"),
        console.locator("#qr"),
        console.locator("#present-count"),
        button("Give the floor to the next"),
    )

    # Proposing: the proposals as they come, and the floor.
    button("Next phase").click()
    expect(phase).to_contain_text("Propose")
    titles = ["Help people live healthier lives", "Make fitness fun", "Everyone fit at 80"]
    made = [
        command(server, session, person["token"], "propose_goal", level="vision", title=title)
        for person, title in zip(people[:3], titles, strict=True)
    ]
    expect(console.locator("#board-body article.proposal")).to_have_count(3)
    on_first_screen(
        console,
        phase,
        console.locator("#board-body article.proposal").first,
        button("Give the floor to the next"),
    )

    # Deciding: a proposal selected, the ballot's form.
    command(server, session, fac, "go_to_phase", phase="decide")
    expect(phase).to_contain_text("Decide")
    console.get_by_label(f"Select {titles[0]}").check()
    on_first_screen(console, phase, console.locator("#rule"), button("Open ballot"))

    # A ballot open: its turnout, who has not voted, closing it.
    ballot = open_ballot(server, session, people, proposal_ids=[made[0]["proposal_id"]])
    command(
        server, session, people[0]["token"], "cast_vote", ballot_id=ballot, vote={"choice": "agree"}
    )
    expect(console.locator("#turnout")).to_have_text("1 of 4 voted")
    on_first_screen(
        console,
        phase,
        console.locator("#turnout"),
        console.locator(".not-voted"),
        button("Close and reveal"),
        button("Give the floor to the next"),
    )

    # The result: the verdict and its chart.
    for person in people[1:]:
        agree = {"choice": "agree"}
        command(server, session, person["token"], "cast_vote", ballot_id=ballot, vote=agree)
    button("Close and reveal").click()
    expect(console.locator(".verdict")).to_have_text("Passed")
    on_first_screen(
        console, phase, console.locator(".verdict"), console.locator("#ballot .result-chart")
    )

    # An objection to rule on: the ruling, its reason and both answers, not a screen below
    # the chart, the objections and every vote.
    user_goal = command(
        server,
        session,
        people[0]["token"],
        "propose_goal",
        level="user",
        title="Sleep better",
        parents=[made[0]["proposal_id"]],
    )
    consent = open_ballot(
        server,
        session,
        people,
        proposal_ids=[user_goal["proposal_id"]],
        rule="consent",
        rule_reason="consent lets us move",
    )
    reasons = "it is too broad to guide a roadmap, and it leaves out the people we serve " * 2
    votes = [{"choice": "objection", "reason": reasons}] + [
        {"choice": "concern", "reason": reasons}
    ] * 3
    for person, cast in zip(people, votes, strict=True):
        command(server, session, person["token"], "cast_vote", ballot_id=consent, vote=cast)
    button("Close and reveal").click()
    ruling = console.locator(".ruling")
    expect(ruling).to_be_visible()
    on_first_screen(
        console,
        phase,
        ruling.locator("input"),
        button("It stands: back to its author to amend"),
        button("Not paramount"),
    )


def test_each_ballots_close_buttons_name_their_ballot(
    server: LiveServer, open_page: OpenPage
) -> None:
    """With a remote ballot open beside the room's, "Close and reveal" and "Close" each came
    twice, alike to a screen reader."""
    session = server.create_session("roadmapping", chain=FITNESS)
    ann = server.join(session, "Ann", "product")
    fac = session["facilitator_token"]
    command(server, session, fac, "next_phase")
    ready = {"level": "product", "parents": ["U1"], "due": "2027-Q2"}
    ready["metrics"] = [{"name": "users", "target": 5}]
    ids = [
        command(server, session, ann["token"], "propose_goal", title=title, **ready)["proposal_id"]
        for title in ("Coach chat", "Scale sync")
    ]
    console = console_page(open_page, server, session)
    enter(open_page("Ann"), server, session, ann, "Ann")
    command(server, session, fac, "go_to_phase", phase="decide")
    remote = {"proposal_ids": [ids[1]], "voters": ["Rita"], "deadline_seconds": 3600}
    command(server, session, fac, "send_remote_ballot", **remote)
    open_ballot(server, session, [ann], proposal_ids=[ids[0]])
    closing = console.get_by_role("button", name=re.compile(r"^Close and reveal"))
    expect(closing).to_have_count(2)
    names = sorted(closing.nth(i).get_attribute("aria-label") or "" for i in range(2))
    assert names == [
        "Close and reveal — ballot on Coach chat",
        "Close and reveal — remote ballot on Scale sync",
    ], names
