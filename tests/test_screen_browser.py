"""The room screen in a real Chromium at 1920×1080, following a session through a ballot
under every rule: turnout only before each reveal, then the chart fit for the rule."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser import OpenPage, Page, Route, Watch, accessible, console_page, expect, shoot
from tests.chains import FITNESS
from tests.live import LiveServer, Person, host, seat

PROJECTOR = {"width": 1920, "height": 1080}
# The example chain: its decisions are dated 2027, later than the server's clock may be.
EXAMPLE = (Path(__file__).parent.parent / "docs/examples/fitness.goalchain.yaml").read_text()

# Every visible piece of text on the page with its computed size, for those under 48 px.
SMALL_TEXT = """() => [...document.querySelectorAll("body *")]
  .filter((el) => el.checkVisibility() &&
    [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
  .map((el) => [parseFloat(getComputedStyle(el).fontSize), el.textContent.trim().slice(0, 40)])
  .filter(([size]) => size < 48)"""


def readable(screen: Page) -> None:
    """Nothing on the screen is smaller than 48 px at 1920×1080."""
    assert screen.evaluate(SMALL_TEXT) == []


def ballot(fac: Person, options: list[str], rule: str, **extra: object) -> str:
    reason = {} if rule == "unanimity" else {"rule_reason": f"we try {rule}"}
    ack = fac.ok("open_ballot", proposal_ids=options, rule=rule, **reason, **extra)
    return ack["ballot_id"]


def votes_then_reveal(
    screen: Page, fac: Person, ballot_id: str, votes: dict[Person, dict], secrets: list[str]
) -> None:
    """Everyone votes; the screen shows the turnout and no vote; then the facilitator reveals."""
    for person, vote in votes.items():
        person.ok("cast_vote", ballot_id=ballot_id, vote=vote)
    stage = screen.locator("#stage")
    expect(stage.locator("#turnout")).to_have_text(f"{len(votes)} of {len(votes)} voted")
    expect(stage.locator(".result-chart")).to_have_count(0)
    for secret in secrets:
        expect(stage).not_to_contain_text(secret)
    readable(screen)
    fac.ok("close_ballot", ballot_id=ballot_id, reveal=True)
    expect(stage.locator(".result-chart")).to_be_visible()


def bars(screen: Page) -> dict[str, str]:
    """The revealed chart's bars: label → value."""
    labels = screen.locator("#stage .bar-label").all_inner_texts()
    return dict(zip(labels, screen.locator("#stage .bar-value").all_inner_texts(), strict=True))


def test_the_room_screen_through_a_session_with_every_rule(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    session, fac = host(server, people, title="Fitness strategy", product="Fitness app")

    # The console opens the screen in a new window; the token leaves the address bar.
    console = open_page("facilitator", PROJECTOR)
    console.goto(f"{server.url}/s/{session['id']}/facilitator#token={session['facilitator_token']}")
    opener = console.get_by_role("link", name="Open room screen")
    expect(opener).to_have_attribute("href", re.compile(r"/screen#token=screen\."))
    with console.context.expect_page() as opened:
        opener.click()
    screen = opened.value
    expect(screen.locator("#conn")).to_have_text("Live")
    expect(screen).to_have_url(re.compile(r"/s/[\w-]+/screen$"))
    expect(screen.locator("button, input, select, textarea, form")).to_have_count(0)

    # While people join: the code and its QR, and how many are here.
    expect(screen.locator("#screen-code")).to_have_text(session["join_code"])
    assert screen.locator(".screen-qr").evaluate("img => img.complete && img.naturalWidth > 0")
    pia, tom, una, raj = seat(
        server,
        session,
        people,
        ("Pia", "product"),
        ("Tom", "team"),
        ("Una", "team"),
        ("Raj", "stakeholder"),
    )
    everyone = [pia, tom, una, raj]
    expect(screen.locator("#stage")).to_contain_text("4 people have joined")
    readable(screen)

    # The floor: who has it, with the countdown, and who is next in the order served.
    for person in (tom, una, raj):
        person.ok("raise_hand")
    fac.ok("grant_floor")
    expect(screen.locator("#holder")).to_contain_text("Tom")
    expect(screen.locator("#holder .countdown")).to_have_text(re.compile(r"^[12]:\d\d$"))
    expect(screen.locator("#next li")).to_have_text(["Una", "Raj"])
    tom.ok("end_turn")  # the queue passes the floor on
    expect(screen.locator("#holder strong")).to_have_text("Una")
    expect(screen.locator("#next li")).to_have_text(["Raj"])

    # Proposals, then the decide phase: the phase and what to do now.
    fac.ok("next_phase")
    expect(screen.locator("#phase-line")).to_have_text("Propose (silently)")
    expect(screen.locator("#stage")).to_contain_text("Write goals silently")
    vision = tom.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("reveal_authors")
    fac.ok("go_to_phase", phase="decide")

    # Unanimity: agree/disagree/abstain bars; the chain starts with the vision.
    b = ballot(fac, [vision], "unanimity")
    expect(screen.locator("#stage .question")).to_have_text("Healthier lives")
    expect(screen.locator("#stage .rule-sentence")).to_have_text(
        "Unanimity: it passes only if everyone agrees."
    )
    expect(screen.locator("#turnout")).to_have_text("0 of 4 voted")
    votes_then_reveal(screen, fac, b, {p: {"choice": "agree"} for p in everyone}, [])
    expect(screen.locator("#stage .verdict")).to_have_text("Passed")
    assert bars(screen) == {"Agree": "4", "Disagree": "0", "Abstain": "0"}
    expect(screen.locator("#chain-body .node-title")).to_have_text(["Healthier lives"])
    readable(screen)

    def user_goal(title: str, by: Person = pia) -> str:
        return by.ok("propose_goal", level="user", title=title, parents=[vision])["proposal_id"]

    # Consent: the concerns and objections with their reasons, by name.
    coaching = user_goal("Coaching that fits a busy week")
    b = ballot(fac, [coaching], "consent")
    expect(screen.locator("#stage .rule-sentence")).to_contain_text("no objection stands")
    consent = {
        pia: {"choice": "consent"},
        tom: {"choice": "concern", "reason": "costly coaches"},
        una: {"choice": "consent"},
        raj: {"choice": "objection", "reason": "leaves out our clinics"},
    }
    votes_then_reveal(screen, fac, b, consent, ["costly coaches", "clinics", "Objection"])
    assert bars(screen) == {"Consent": "2", "Concern": "1", "Objection": "1"}
    expect(screen.locator("#stage .objections li")).to_have_text(
        [
            "Objection — Raj: (awaiting the facilitator's ruling) leaves out our clinics",
            "Concern — Tom: costly coaches",
        ]
    )

    # Majority: the bars, and the goal accepted into the chain.
    habits = user_goal("Small daily habits")
    b = ballot(fac, [habits], "majority")
    expect(screen.locator("#stage .rule-sentence")).to_contain_text("more than half")
    majority = {pia: {"choice": "agree"}, tom: {"choice": "agree"}, una: {"choice": "disagree"}}
    majority[raj] = {"choice": "abstain"}
    votes_then_reveal(screen, fac, b, majority, [])
    assert bars(screen) == {"Agree": "2", "Disagree": "1", "Abstain": "1"}
    expect(screen.locator("#chain-body .node-title")).to_have_text(
        ["Healthier lives", "Small daily habits"]
    )

    # Fist of five: a histogram of 0 to 5 fingers.
    sleep = user_goal("Better sleep")
    b = ballot(fac, [sleep], "fist_of_five")
    fists = {pia: {"value": 5}, tom: {"value": 4}, una: {"value": 4}, raj: {"value": 1}}
    votes_then_reveal(screen, fac, b, fists, [])
    expect(screen.locator("#stage .histogram-value")).to_have_text(["0", "1", "2", "3", "4", "5"])
    expect(screen.locator("#stage .histogram-count")).to_have_text(["0", "1", "0", "0", "2", "1"])
    heights = screen.locator("#stage .histogram-bar").evaluate_all(
        "bars => bars.map((bar) => bar.getBoundingClientRect().height)"
    )
    one = heights[1]
    assert one > 0 and heights == [0, one, 0, 0, pytest.approx(2 * one, abs=1), one]
    # Each row read as its header says, fingers then votes (screen readers said "1 finger, 2
    # votes" for 2 fingers and 1 vote); the count still shows above its bar.
    read = screen.locator("#stage .histogram-col").evaluate_all(
        "rows => rows.map((row) => [...row.querySelectorAll('[role=rowheader], [role=cell]')]"
        ".map((cell) => cell.textContent).join(' '))"
    )
    assert read == ["0 0", "1 1", "2 0", "3 0", "4 2", "5 1"]
    count, value = (
        screen.locator(f"#stage .histogram-col >> nth=4 >> .{part}")
        for part in ("histogram-count", "histogram-value")
    )
    assert count.bounding_box()["y"] < value.bounding_box()["y"]

    # Dot voting: dots per proposal, most first, by title.
    titles = ["Fewer injuries", "Cheaper plans", "More friends"]
    business = [
        pia.ok("propose_goal", level="business", title=title, parents=[vision])["proposal_id"]
        for title in titles
    ]
    b = ballot(fac, business, "dot", settings={"dots": 2, "max_per_option": 2})
    expect(screen.locator("#stage .options li")).to_have_text(titles)
    dots = {
        pia: {"dots": {business[1]: 2}},
        tom: {"dots": {business[1]: 1, business[2]: 1}},
        una: {"dots": {business[0]: 2}},
        raj: {"dots": {business[1]: 1}},
    }
    votes_then_reveal(screen, fac, b, dots, [])
    expect(screen.locator("#stage .bar-label")).to_have_text(
        ["Cheaper plans", "Fewer injuries", "More friends"]
    )
    expect(screen.locator("#stage .bar-value")).to_have_text(["4 dots", "2 dots", "1 dot"])

    # Ranked: each option's place (a tie shares it) and its head-to-head wins.
    b = ballot(fac, business, "ranked")
    f, c, m = business
    rankings = {pia: [c, f, m], tom: [c, m, f], una: [f, c, m], raj: [m, c, f]}
    votes_then_reveal(screen, fac, b, {p: {"ranking": r} for p, r in rankings.items()}, [])
    rows = screen.locator("#stage .ranked-row")
    expect(rows.locator(".place")).to_have_text(["1.", "2.", "2."])
    expect(rows.locator(".ranked-title")).to_have_text(
        ["Cheaper plans", "Fewer injuries", "More friends"]
    )
    expect(rows.locator(".ranked-wins")).to_have_text(
        [
            "beats 2 of 2 head to head: Fewer injuries, More friends",
            "beats none of the 2 others head to head",
            "beats none of the 2 others head to head",
        ]
    )
    expect(screen.locator("#chain-body")).to_contain_text("Cheaper plans")
    readable(screen)
    shoot(screen, "screen.png")

    # Decider: the advice as a chart, then the decision and its rationale.
    b = ballot(fac, [user_goal("Sleep tracking")], "decider")
    expect(screen.locator("#stage .rule-sentence")).to_contain_text("then Pia decides")
    advice = {p: {"choice": "consent"} for p in everyone}
    advice[everyone[-1]] = {"choice": "objection", "reason": "no sleep data yet"}
    votes_then_reveal(screen, fac, b, advice, [])
    expect(screen.locator("#stage .verdict")).to_contain_text("awaiting the decider")
    assert bars(screen) == {"Consent": "3", "Concern": "0", "Objection": "1"}
    # Advice is advice: its objection awaits no ruling of the facilitator, before or after.
    ruling = screen.locator("#stage .objection-ruling")
    expect(ruling).to_have_text("(advice to the decider: no ruling needed) ")
    pia.ok("record_decision", ballot_id=b, passed=True, rationale="the advice is clear")
    expect(screen.locator("#stage .verdict")).to_have_text("Decided: accepted")
    expect(ruling).not_to_contain_text("awaiting")
    expect(screen.locator("#stage .decision")).to_have_text("Pia decided: the advice is clear")
    expect(screen.locator("#chain-body")).to_contain_text("Sleep tracking")
    readable(screen)


# --- the screen fits the projector, and shows what the room is doing now --------------------

SIZES = [PROJECTOR, {"width": 1366, "height": 768}, {"width": 1280, "height": 720}]

# Every visible element that sticks out of the window, and whether the page scrolls. Text that
# the screen shortens on purpose (clamped to some lines, with an ellipsis) counts by its box.
OUTSIDE = """() => {
  const [w, h] = [innerWidth, innerHeight];
  const shortened = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.webkitLineClamp !== "none" || style.textOverflow === "ellipsis") return true;
    }
    return false;
  };
  const out = [...document.querySelectorAll("body *")]
    .filter((el) => el.checkVisibility() && !el.closest(".sr-only") && !shortened(el))
    .filter((el) => {
      const r = el.getBoundingClientRect();
      const outside = r.top < -1 || r.left < -1 || r.bottom > h + 1 || r.right > w + 1;
      return r.width && r.height && outside;
    })
    .map((el) => `${el.tagName}.${el.className}: ${el.textContent.trim().slice(0, 40)}`);
  const page = document.documentElement;
  if (page.scrollHeight > h || page.scrollWidth > w) out.push(`scrolls: ${page.scrollHeight} px`);
  return out;
}"""


def fits_the_window(screen: Page) -> None:
    """Everything on the screen lies within the window: nobody can scroll a projector."""
    try:
        screen.wait_for_function(f"({OUTSIDE})().length === 0", timeout=5_000)
    except Exception:  # say what sticks out
        pytest.fail(f"at {screen.viewport_size}: {screen.evaluate(OUTSIDE)}")


def in_view(screen: Page, text: str, selector: str = "#chain-body .node-title") -> None:
    """The element with this text is shown whole, inside the window and not clipped."""
    expect(screen.locator(selector, has_text=text)).to_be_in_viewport(ratio=1)


def readable_at_any_size(screen: Page) -> None:
    """No text under 48 px at 1080 px high, nor under the same share of a smaller screen."""
    least = 48 * screen.viewport_size["height"] / 1080 - 0.5
    assert [size for size, _ in screen.evaluate(SMALL_TEXT.replace("< 48", f"< {least}"))] == []


def open_screens(
    open_page: OpenPage, server: LiveServer, session: dict, sizes: list[dict] = SIZES
) -> list[Page]:
    """The room screen at each size, opened with the console's link."""
    screens = []
    for size in sizes:
        screen = open_page(f"screen {size['width']}", size)
        open_screen(screen, server, session)
        screens.append(screen)
    return screens


def open_screen(screen: Page, server: LiveServer, session: dict) -> None:
    """Open the room screen on `screen` with the console's link."""
    invite = server.get(f"/s/{session['id']}/invite", session["facilitator_token"]).json()
    screen.goto(invite["screen"] if "://" in invite["screen"] else server.url + invite["screen"])
    expect(screen.locator("#conn")).to_have_text("Live")


LONG = (
    "it asks the coaches for a weekly report that nobody has time to write, and the clinics"
    " we partner with have said twice that they cannot share patients' data this way"
)


def test_the_title_bar_shows_the_sessions_title_whole_and_the_chain_names_its_product(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """The title bar held title and product on one line beside the phase and the join code,
    and cut "Fitness strategy — Fitness app" to "Fitness strategy — Fit…" at 1920 px."""
    session, _fac = host(server, people, title="Fitness strategy", product="Fitness app")
    for screen in open_screens(open_page, server, session):
        title = screen.locator("#session-title")
        expect(title).to_have_text("Fitness strategy")
        assert title.evaluate("(el) => el.scrollWidth <= el.clientWidth"), screen.viewport_size
        expect(screen.locator("#chain-product")).to_have_text("Fitness app")
        fits_the_window(screen)


def test_the_title_bar_says_code_rather_than_cut_a_short_title(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """At 1366 px, beside "Review the chain" and "Join with code …", the title "Sprint 14
    planning" was cut to "Sprint 14 plan…"."""
    session, fac = host(
        server, people, "sprint_planning", chain=EXAMPLE, title="Sprint 14 planning"
    )
    fac.ok("go_to_phase", phase="review_chain")
    for screen in open_screens(open_page, server, session):
        expect(screen.locator("#stage-h")).to_have_text("Review the chain")
        title = screen.locator("#session-title")
        expect(title).to_have_text("Sprint 14 planning")
        assert title.evaluate("(el) => el.scrollWidth <= el.clientWidth"), screen.viewport_size
        expect(screen.locator("#join-line")).to_contain_text(session["join_code"])
        fits_the_window(screen)


def test_a_title_too_long_for_the_top_bar_takes_a_line_of_its_own(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """At 1366×768 a long title was cut to "Q3 strategy offsite — Fi…" beside the phase and
    "Code …": the room could not tell which workshop this was."""
    title = "Q3 strategy offsite — Fitness app, roadmapping for the next two quarters"
    session, fac = host(server, people, "roadmapping", chain=EXAMPLE, title=title)
    fac.ok("go_to_phase", phase="review_chain")
    for screen in open_screens(open_page, server, session):
        shown = screen.locator("#session-title")
        expect(shown).to_have_text(title)
        expect(shown).to_be_in_viewport(ratio=1)
        assert shown.evaluate(WHOLE), screen.viewport_size
        expect(screen.locator("#phase-line")).to_have_text("Review the chain")
        expect(screen.locator("#phase-line")).to_be_in_viewport(ratio=1)
        join = screen.locator("#join-line")
        expect(join).to_have_text(f"Join with code {session['join_code']}")
        expect(join).to_be_in_viewport(ratio=1)
        fits_the_window(screen)


# The join code and the box it is shown in: where each ends, and the code's size.
CODE_BOX = """() => {
  const code = document.getElementById("screen-code");
  const box = code.parentElement.getBoundingClientRect();
  const main = document.getElementById("main").getBoundingClientRect();
  return {
    right: code.getBoundingClientRect().right, width: code.scrollWidth,
    boxRight: Math.min(box.right, main.right), boxWidth: code.clientWidth,
    size: parseFloat(getComputedStyle(code).fontSize),
    largest: 2.6 * parseFloat(getComputedStyle(document.documentElement).fontSize),
  };
}"""


@pytest.mark.parametrize("shown_code", ["WWWWWW", "MMMMMM", None])
def test_the_join_code_is_shown_whole_and_as_large_as_fits(
    server: LiveServer, open_page: OpenPage, people: list[Person], shown_code: str | None
) -> None:
    """At 1920×1080 the code ran past its column (to 1195 px of 1121) and lost a letter or two.
    Codes are six letters of the join alphabet; the widest letters (W, M) are shown in place
    of the session's own, which the QR code still encodes."""
    session, _fac = host(server, people)
    code = shown_code or session["join_code"]

    def widest_code(route: Route) -> None:
        answer = route.fetch()
        route.fulfill(response=answer, json=answer.json() | {"join_code": code})

    def real_qr(route: Route) -> None:
        route.continue_(url=route.request.url.replace(code, session["join_code"]))

    for size in SIZES:
        screen = open_page(f"screen {size['width']}", size)
        screen.route(f"**/s/{session['id']}/invite", widest_code)
        screen.route("**/qr.svg?*", real_qr)
        open_screen(screen, server, session)
        expect(screen.locator("#screen-code")).to_have_text(code)
        box = screen.evaluate(CODE_BOX)
        assert box["right"] <= box["boxRight"] + 1 and box["width"] <= box["boxWidth"], (size, box)
        assert box["size"] >= 48 * size["height"] / 1080, (size, box)
        # As large as fits: the stylesheet's size, or as wide as its box.
        assert box["size"] == box["largest"] or box["width"] >= 0.95 * box["boxWidth"], box
        fits_the_window(screen)
        readable_at_any_size(screen)


def test_the_screen_fits_the_projector_whatever_it_shows(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    session, fac = host(server, people, "roadmapping", chain=FITNESS, title="Q4 roadmap")
    screens = open_screens(open_page, server, session)
    cast = [("Pia", "product"), ("Tom", "team"), ("Una", "team"), ("Raj", "stakeholder")]
    cast += [("Lea", "team"), ("Sam", "stakeholder")]
    room = seat(server, session, people, *cast)
    pia = room[0]
    for screen in screens:
        expect(screen.locator("#stage")).to_contain_text("6 people have joined")
        fits_the_window(screen)
        readable_at_any_size(screen)
    fac.ok("next_phase")
    ready = {"metrics": [{"name": "weekly active users", "baseline": 1200, "target": 5000}]}
    ready["due"] = "2027-06-30"

    def product_goal(title: str) -> str:
        answer = pia.ok("propose_goal", level="product", title=title, parents=["U1"], **ready)
        return answer["proposal_id"]

    titles = [
        "Coaching plans that adapt to a busy week of shifts",
        "A weekly check-in with a real coach for every member",
        "Sleep tracking that works with the watches people own",
        "Recipes for a healthy family dinner in twenty minutes",
        "Group challenges between friends, with weekly prizes",
    ]
    proposals = [product_goal(title) for title in titles]
    fac.ok("go_to_phase", phase="decide")

    # Goal after goal enters the chain: the newest is always in view, nothing runs off.
    for title, proposal in zip(titles, proposals, strict=True):
        b = fac.ok("open_ballot", proposal_ids=[proposal])["ballot_id"]  # by consent
        for person in room:
            person.ok("cast_vote", ballot_id=b, vote={"choice": "consent"})
        fac.ok("close_ballot", ballot_id=b, reveal=True)
        for screen in screens:
            in_view(screen, title)
            fits_the_window(screen)
    for screen in screens:
        readable_at_any_size(screen)

    # Five long proposals ranked: the question, the options, then the winner stay in view.
    long_titles = [f"{title}, measured every month against the baseline" for title in titles]
    options = [product_goal(title) for title in long_titles]
    b = ballot(fac, options, "ranked")
    for screen in screens:
        expect(screen.locator("#stage .question")).to_have_text("Which proposals come first?")
        fits_the_window(screen)
    for person in room:
        person.ok("cast_vote", ballot_id=b, vote={"ranking": options})
    fac.ok("close_ballot", ballot_id=b, reveal=True)
    for screen in screens:
        in_view(screen, f"Winner: {long_titles[0]}", "#stage .verdict")
        fits_the_window(screen)

    # A consent round with long objections and concerns: the verdict and every bar in view.
    objected = product_goal("Monthly health reports shared with partner clinics")
    b = fac.ok("open_ballot", proposal_ids=[objected])["ballot_id"]
    votes = ["consent", "objection", "concern", "objection", "concern", "concern"]
    for person, choice in zip(room, votes, strict=True):
        vote = {"choice": choice} if choice == "consent" else {"choice": choice, "reason": LONG}
        person.ok("cast_vote", ballot_id=b, vote=vote)
    fac.ok("close_ballot", ballot_id=b, reveal=True)
    for screen in screens:
        expect(screen.locator("#stage .verdict")).to_have_text("Awaiting the facilitator's ruling")
        fits_the_window(screen)
        in_view(screen, "Objection", "#stage .bar-label")

    # The decider's rationale, however long, is in view under the advice.
    decided = product_goal("A coach chat inside the app for premium members")
    b = ballot(fac, [decided], "decider", settings={"advisory_rule": "consent"})
    for person, choice in zip(room, votes, strict=True):
        vote = {"choice": choice} if choice == "consent" else {"choice": choice, "reason": LONG}
        person.ok("cast_vote", ballot_id=b, vote=vote)
    fac.ok("close_ballot", ballot_id=b, reveal=True)
    rationale = "the clinics can wait for the next quarter; " * 8
    pia.ok("record_decision", ballot_id=b, passed=True, rationale=rationale.strip())
    for screen in screens:
        expect(screen.locator("#stage .verdict")).to_have_text("Decided: accepted")
        in_view(screen, "Pia decided", "#stage .decision")
        in_view(screen, "A coach chat inside the app")
        fits_the_window(screen)
        readable_at_any_size(screen)


def vision_passed(screen: Page, fac: Person, room: list[Person]) -> str:
    """A vision proposed, then passed by everyone in the decide phase, as the screen shows."""
    fac.ok("next_phase")
    vision = room[1].ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    b = ballot(fac, [vision], "unanimity")
    for person in room:
        person.ok("cast_vote", ballot_id=b, vote={"choice": "agree"})
    fac.ok("close_ballot", ballot_id=b, reveal=True)
    expect(screen.locator("#stage .verdict")).to_have_text("Passed")
    return vision


def test_a_remote_ballot_the_room_votes_in_shows_like_any_ballot(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    session, fac = host(server, people)
    (screen,) = open_screens(open_page, server, session, [PROJECTOR])
    room = seat(server, session, people, ("Pia", "product"), ("Tom", "team"), ("Una", "team"))
    pia, tom, una = room
    vision = vision_passed(screen, fac, room)

    # The board votes by link, the room votes too: the room sees the question and turnout.
    goal = pia.ok("propose_goal", level="user", title="Sleep better", parents=[vision])
    sent = fac.ok(
        "send_remote_ballot",
        proposal_ids=[goal["proposal_id"]],
        voters=[{"name": "Board member"}],
        include_room=True,
        deadline_seconds=3600,
    )
    stage = screen.locator("#stage")
    expect(stage.locator("h2")).to_have_text("Vote now")
    expect(stage.locator(".question")).to_have_text("Sleep better")
    expect(stage.locator(".rule-sentence")).to_contain_text("Unanimity")
    expect(stage.locator("#turnout")).to_have_text("0 of 4 voted")
    pia.ok("cast_vote", ballot_id=sent["ballot_id"], vote={"choice": "disagree", "reason": "vague"})
    board = sent["invitations"][0]
    body = {"cid": "board-1", "ballot_id": sent["ballot_id"], "vote": {"choice": "agree"}}
    by_link = f"/api/sessions/{session['id']}/commands/cast_vote"
    assert server.post(by_link, body, token=board["token"]).status_code == 200
    expect(stage.locator("#turnout")).to_have_text("2 of 4 voted")
    expect(stage.locator(".result-chart")).to_have_count(0)
    for secret in ("vague", "Disagree", "Pia", "Board member"):
        expect(stage).not_to_contain_text(secret)
    fits_the_window(screen)

    # When everyone has voted it closes under its rule: the room sees this ballot's result.
    for person in (tom, una):
        person.ok("cast_vote", ballot_id=sent["ballot_id"], vote={"choice": "agree"})
    expect(stage.locator(".verdict")).to_have_text("Not passed")
    expect(stage.locator(".question")).to_have_text("Sleep better")
    assert bars(screen) == {"Agree": "3", "Disagree": "1", "Abstain": "0"}
    fits_the_window(screen)


def test_the_room_sees_the_turnout_of_a_ballot_only_remote_people_vote_in(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """PRODUCT §5: the live room sees turnout (7 of 9 voted), never partial results."""
    session, fac = host(server, people)
    (screen,) = open_screens(open_page, server, session, [PROJECTOR])
    room = seat(server, session, people, ("Pia", "product"), ("Tom", "team"), ("Una", "team"))
    vision = vision_passed(screen, fac, room)
    goal = room[0].ok("propose_goal", level="user", title="Sleep better", parents=[vision])
    sent = fac.ok(
        "send_remote_ballot",
        proposal_ids=[goal["proposal_id"]],
        voters=[{"name": "Board member"}, {"name": "Investor"}],
        deadline_seconds=3600,
    )
    remote = screen.locator("#stage .remote-turnout")
    expect(remote).to_have_text("Remote vote on “Sleep better”: 0 of 2 voted")
    board = sent["invitations"][0]
    body = {"cid": "board-1", "ballot_id": sent["ballot_id"], "vote": {"choice": "disagree"}}
    by_link = f"/api/sessions/{session['id']}/commands/cast_vote"
    assert server.post(by_link, body, token=board["token"]).status_code == 200
    expect(remote).to_have_text("Remote vote on “Sleep better”: 1 of 2 voted")
    for secret in ("Board member", "Investor"):  # the line above is all it says of the vote
        expect(screen.locator("#stage")).not_to_contain_text(secret)
    fits_the_window(screen)
    # The last vote closes it and reveals it: the room is told the result, not left with
    # nothing (the line disappeared and the screen never said how it came out).
    investor = sent["invitations"][1]
    body = {"cid": "investor-1", "ballot_id": sent["ballot_id"], "vote": {"choice": "agree"}}
    assert server.post(by_link, body, token=investor["token"]).status_code == 200
    expect(remote).to_have_text("Remote vote on “Sleep better”: Not passed")
    expect(screen.locator("#stage .question")).to_have_text("Healthier lives")  # the room's own
    fits_the_window(screen)


def test_a_1_2_4_all_after_a_result_takes_the_stage(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    session, fac = host(server, people)
    (screen,) = open_screens(open_page, server, session, [PROJECTOR])
    cast = [("Pia", "product"), ("Tom", "team"), ("Una", "team"), ("Raj", "stakeholder")]
    vision_passed(screen, fac, seat(server, session, people, *cast))
    stage = screen.locator("#stage")

    # The room starts a 1-2-4-All to find the next goals: it takes over from the old result.
    fac.ok("start_1_2_4_all")
    expect(stage.locator(".structure strong")).to_have_text("1-2-4-All: alone")
    expect(stage.locator(".structure .countdown")).to_have_text(re.compile(r"^[01]:\d\d$"))
    expect(stage.locator(".result-chart")).to_have_count(0)
    fac.ok("next_stage")
    expect(stage.locator(".structure strong")).to_have_text("1-2-4-All: pairs")
    groups = stage.locator(".structure .groups li")
    expect(groups).to_have_count(2)
    names = " ".join(groups.all_inner_texts())
    assert all(name in names for name, _ in cast), names
    fits_the_window(screen)


def test_a_1_2_4_all_at_check_in_takes_the_stage_from_the_join_code(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """Started in the first phase, a 1-2-4-All showed nowhere on the screen: it kept "Join
    the workshop" while the room worked in pairs, its groups only on people's phones."""
    session, fac = host(server, people)
    (screen,) = open_screens(open_page, server, session, [PROJECTOR])
    seat(server, session, people, *((name, "team") for name in ("Pia", "Tom", "Una", "Raj")))
    stage = screen.locator("#stage")
    expect(stage.locator("#screen-code")).to_be_visible()
    fac.ok("start_1_2_4_all")
    fac.ok("next_stage")
    expect(stage.locator(".structure strong")).to_have_text("1-2-4-All: pairs")
    expect(stage.locator(".structure .groups li")).to_have_count(2)
    expect(screen.locator("#join-line")).to_have_text(f"Join with code {session['join_code']}")
    fits_the_window(screen)


def test_closing_the_workshop_ends_a_running_1_2_4_all_on_the_screen(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    session, fac = host(server, people)
    (screen,) = open_screens(open_page, server, session, [PROJECTOR])
    seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    fac.ok("next_phase")
    fac.ok("start_1_2_4_all")
    stage = screen.locator("#stage")
    expect(stage.locator(".structure strong")).to_have_text("1-2-4-All: alone")

    # The facilitator closes the workshop: no stage, no countdown left running.
    fac.ok("go_to_phase", phase="close")
    expect(stage.locator("h2")).to_have_text("Close")
    expect(stage).to_contain_text("The workshop is closed")
    expect(stage.locator(".structure")).to_have_count(0)
    expect(screen.locator("#main .countdown")).to_have_count(0)
    fits_the_window(screen)


def test_a_past_ballot_is_named_by_the_text_voted_on(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    session, fac = host(server, people)
    (screen,) = open_screens(open_page, server, session, [PROJECTOR])
    pia, tom, raj = seat(
        server, session, people, ("Pia", "product"), ("Tom", "team"), ("Raj", "stakeholder")
    )
    fac.ok("next_phase")
    vision = tom.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    b = ballot(fac, [vision], "consent")
    pia.ok("cast_vote", ballot_id=b, vote={"choice": "consent"})
    tom.ok("cast_vote", ballot_id=b, vote={"choice": "consent"})
    raj.ok("cast_vote", ballot_id=b, vote={"choice": "objection", "reason": "too vague"})
    fac.ok("close_ballot", ballot_id=b, reveal=True)
    fac.ok("rule_objection", ballot_id=b, voter=raj.id, stands=True, reason="it is paramount")
    stage = screen.locator("#stage")
    expect(stage.locator(".objection-ruling")).to_contain_text("it stands")

    console = console_page(open_page, server, session)
    expect(console.locator(".ballot-card .ballot-title")).to_have_text("Healthier lives")

    # The author amends it; the result on the screen and the console's ballot still name
    # what was voted on.
    tom.ok("edit_proposal", proposal_id=vision, title="Healthier lives for busy parents")
    pia.ok("raise_hand")  # once the screen shows her hand, it has heard of the edit too
    expect(screen.locator("#next li")).to_have_text(["Pia"])
    expect(stage.locator(".question")).to_have_text("Healthier lives")
    expect(console.locator(".proposal", has_text="for busy parents")).to_be_visible()
    expect(console.locator(".ballot-card .ballot-title")).to_have_text("Healthier lives")


# The side column's content and its height: the chain must not run out of it.
SIDE = """() => {
  const side = document.querySelector(".screen-side");
  return {content: side.scrollHeight, column: side.clientHeight};
}"""


def chain_fits(screen: Page) -> None:
    """The side column holds all it shows, the "and N more goals" line included (once the
    screen has fitted it again: a change of room is told to it before the next paint)."""
    with contextlib.suppress(PlaywrightTimeout):
        screen.wait_for_function(f"() => ({SIDE})().content <= ({SIDE})().column + 1", timeout=5000)
    side = screen.evaluate(SIDE)
    assert side["content"] <= side["column"] + 1, (screen.viewport_size, side)
    expect(screen.locator("#chain .fit-more")).to_be_in_viewport(ratio=1)
    fits_the_window(screen)


def newest_is(screen: Page, title: str) -> None:
    """The goal highlighted as decided last is `title`, shown whole."""
    newest = screen.locator("#chain-body li.node.newest > .node-box > .node-title")
    expect(newest).to_have_text(title)
    in_view(screen, title)


def consented(fac: Person, room: list[Person], proposal: str) -> None:
    b = fac.ok("open_ballot", proposal_ids=[proposal], rule="consent")["ballot_id"]
    for person in room:
        person.ok("cast_vote", ballot_id=b, vote={"choice": "consent"})
    fac.ok("close_ballot", ballot_id=b, reveal=True)


def roadmap_with_a_coach(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> tuple[Person, list[Page], list[Person], str]:
    """A roadmapping session from the example chain on screens of every size, in its decide
    phase, Pia (product) and Tom in the room and a product goal proposed: its proposal id."""
    session, fac = host(server, people, "roadmapping", chain=EXAMPLE, title="Q4 roadmap")
    screens = open_screens(open_page, server, session)
    room = seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    fac.ok("next_phase")
    coach = product_goal(room[0], "Coach beta for 500 users")
    fac.ok("go_to_phase", phase="decide")
    return fac, screens, room, coach


def product_goal(person: Person, title: str) -> str:
    """A product goal serving U1, with a metric and a date: ready for a vote; its id."""
    metrics = [{"name": "beta users", "target": 500}]
    fields = {"level": "product", "parents": ["U1"], "metrics": metrics, "due": "2027-Q3"}
    return person.ok("propose_goal", title=title, **fields)["proposal_id"]


def test_the_chain_shows_the_goal_the_room_accepted_last_and_fits(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """From the example chain, the screen highlighted its sprint goal (dated 2027, after the
    server's clock) instead of the goal the room had just accepted, and the chain ran 140 px
    past the bottom of a 1080 px screen, its "and 6 more goals" line out of sight."""
    fac, screens, room, coach = roadmap_with_a_coach(server, open_page, people)
    b = fac.ok("open_ballot", proposal_ids=[coach], rule="consent")["ballot_id"]
    for screen in screens:  # nothing decided here yet: the file's last goal in force
        expect(screen.locator("#stage .question")).to_have_text("Coach beta for 500 users")
        newest = screen.locator("#chain-body li.node.newest > .node-box > .node-title")
        expect(newest).to_have_text(
            "Finish the dashboard to release a first version to the test group"
        )
        expect(newest).to_be_in_viewport(ratio=1)
        chain_fits(screen)
    for person in room:
        person.ok("cast_vote", ballot_id=b, vote={"choice": "consent"})
    fac.ok("close_ballot", ballot_id=b, reveal=True)
    for screen in screens:
        newest_is(screen, "Coach beta for 500 users")
        chain_fits(screen)
        readable_at_any_size(screen)


def test_a_goal_retired_or_rejected_is_never_shown_as_the_newest(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """A review amends a goal, then retires another: the amended goal stays the one in view."""
    session, fac = host(server, people, "review", chain=EXAMPLE, title="Q2 review")
    (screen,) = open_screens(open_page, server, session, [PROJECTOR])
    room = seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    fac.ok("go_to_phase", phase="propose")
    renamed = "Launch the premium plan in three markets"
    amend = {"change": "amend", "target": "P2", "level": "product", "title": renamed}
    amended = room[0].ok("propose_goal", **amend)["proposal_id"]
    retire = {"change": "retire", "target": "U2", "level": "user"}
    retired = room[0].ok("propose_goal", **retire)["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    consented(fac, room, amended)
    newest_is(screen, renamed)
    consented(fac, room, retired)
    question = screen.locator("#stage .question")
    expect(question).to_have_text("Retire ‘Lower the risk of developing diabetes’")
    expect(screen.locator("#stage .verdict")).to_have_text("Passed")
    newest_is(screen, renamed)
    chain_fits(screen)


def test_a_ranking_the_screen_has_room_for_is_shown_whole(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """Three options, two tied for first: the screen showed the first alone and "and 2 more
    proposals" over a fifth of the screen left empty, the other option tied for first among
    them. Trimmed before the type was tightened, the list stayed trimmed once it had room."""
    session, fac = host(server, people)
    (screen,) = open_screens(open_page, server, session, [PROJECTOR])
    room = seat(
        server,
        session,
        people,
        ("Pia", "product"),
        ("Tom", "team"),
        ("Una", "team"),
        ("Sam", "stakeholder"),
    )
    pia, tom, una, sam = room
    fac.ok("next_phase")
    vision = pia.ok("propose_goal", level="vision", title="Help people live healthier lives")
    fac.ok("go_to_phase", phase="decide")
    agreed = ballot(fac, [vision["proposal_id"]], "unanimity")
    votes_then_reveal(screen, fac, agreed, {person: {"choice": "agree"} for person in room}, [])
    fac.ok("go_to_phase", phase="propose")
    titles = ["Enter corporate wellness", "Build a trusted brand", "Diversify into nutrition"]
    parents = [vision["proposal_id"]]
    a, b, c = (
        pia.ok("propose_goal", level="business", title=title, parents=parents)["proposal_id"]
        for title in titles
    )
    fac.ok("go_to_phase", phase="decide")
    ranked = ballot(fac, [a, b, c], "ranked")
    rankings = {pia: [a, b, c], tom: [a, b, c], una: [b, a, c], sam: [b, a, c]}
    votes_then_reveal(screen, fac, ranked, {p: {"ranking": r} for p, r in rankings.items()}, [])
    stage = screen.locator("#stage")
    expect(stage).to_contain_text("Tie for first place")
    expect(stage.locator(".ranked-result li")).to_have_count(3)
    for title in titles:
        in_view(screen, title, ".ranked-result .ranked-title")
    expect(screen.locator("#main .fit-more")).to_have_count(0)
    fits_the_window(screen)


def test_a_tie_between_long_titles_leaves_every_option_of_the_chart_in_view(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """Two long proposals tied for first in a dot vote: the verdict repeated both titles over
    nine lines of a 1080p screen and left one bar in view, "and 2 more proposals" in place of
    the other proposal tied for first. Each title had a tenth of the screen beside its bar."""
    session, fac = host(server, people)
    screens = open_screens(open_page, server, session)
    room = seat(server, session, people, ("Pia", "product"), ("Tom", "team"), ("Una", "team"))
    pia, tom, una = room
    fac.ok("next_phase")
    vision = pia.ok("propose_goal", level="vision", title="Help people live healthier lives")
    fac.ok("go_to_phase", phase="decide")
    agreed = ballot(fac, [vision["proposal_id"]], "unanimity")
    for person in room:
        person.ok("cast_vote", ballot_id=agreed, vote={"choice": "agree"})
    fac.ok("close_ballot", ballot_id=agreed, reveal=True)
    fac.ok("go_to_phase", phase="propose")
    titles = [
        "Create a new revenue source with subscriptions that members renew every year",
        "Strengthen the main brand so that it is recognised by every second person in our "
        "target markets across Europe, North America and Asia-Pacific by the next fiscal year",
        "Diversify into nutrition",
    ]
    parents = [vision["proposal_id"]]
    a, b, c = (
        pia.ok("propose_goal", level="business", title=title, parents=parents)["proposal_id"]
        for title in titles
    )
    fac.ok("go_to_phase", phase="decide")
    dot = ballot(fac, [a, b, c], "dot", settings={"dots": 2, "max_per_option": 2})
    votes = {pia: {a: 2}, tom: {b: 2}, una: {a: 1, b: 1}}
    for person, dots in votes.items():
        person.ok("cast_vote", ballot_id=dot, vote={"dots": dots})
    fac.ok("close_ballot", ballot_id=dot, reveal=True)
    for screen in screens:
        expect(screen.locator("#stage .verdict")).to_contain_text("Tie for first place")
        expect(screen.locator("#stage .bar-value")).to_have_text(["3 dots", "3 dots", "0 dots"])
        for title in titles:
            in_view(screen, title, "#stage .bar-label")
        expect(screen.locator("#main .fit-more")).to_have_count(0)
        fits_the_window(screen)
        readable_at_any_size(screen)


# Whether the element is shown whole: not shortened, and inside the window.
WHOLE = """(el) => {
  const r = el.getBoundingClientRect();
  const inside = r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
  return inside && el.scrollHeight <= el.clientHeight + 1 && el.scrollWidth <= el.clientWidth + 1;
}"""


def shown_whole(screen: Page, title: str) -> None:
    """The chain's goal of this title is in view, its title not cut short."""
    node = screen.locator("#chain-body .node-title", has_text=title).first
    expect(node).to_be_visible()
    assert node.evaluate(WHOLE), (screen.viewport_size, title)


def test_the_chain_takes_the_stage_while_the_room_reviews_it_and_at_the_close(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """In "Review the chain" and at "Close" the chain stayed in the side column, each goal cut
    to a few words ("Help people live…") beside a stage holding one sentence, and nothing
    said which goals this session had decided."""
    fac, screens, room, coach = roadmap_with_a_coach(server, open_page, people)
    consented(fac, room, coach)
    for phase in ("review_chain", "close"):
        fac.ok("go_to_phase", phase=phase)
        for screen in screens:
            expect(screen.locator("#stage-h")).to_have_text(
                "Review the chain" if phase == "review_chain" else "Close"
            )
            chain = screen.locator("#chain").bounding_box()
            assert chain and chain["width"] >= 0.6 * screen.viewport_size["width"], chain
            shown_whole(screen, "Help people live healthier lives")
            shown_whole(screen, "Coach beta for 500 users")
            coached = screen.locator("#chain-body li.node", has_text="Coach beta for 500 users")
            expect(coached.locator(".decided-here")).to_have_text("decided in this session")
            expect(screen.locator("#holder")).to_be_in_viewport(ratio=1)
            more = screen.locator("#chain .fit-more")
            if more.count():
                expect(more).to_be_in_viewport(ratio=1)
            fits_the_window(screen)
            readable_at_any_size(screen)
    # Voting again, the ballot has the stage and the chain goes back to the side.
    fac.ok("go_to_phase", phase="decide")
    second = product_goal(room[0], "Coach chat for premium members")
    fac.ok("open_ballot", proposal_ids=[second], rule="consent")
    for screen in screens:
        expect(screen.locator("#stage .question")).to_have_text("Coach chat for premium members")
        expect(screen.locator("#chain-body .decided-here").first).to_be_hidden()
        chain_fits(screen)


def test_a_majority_short_of_its_quorum_says_so_beside_its_chart(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """Two of four agreed, nobody disagreed, the quorum was three: the screen showed the bars
    (2 agree, 0 disagree) and a bare "Not passed", which the room could not square with them."""
    session, fac = host(server, people)
    (screen,) = open_screens(open_page, server, session, [PROJECTOR])
    room = seat(server, session, people, *((name, "team") for name in ("Pia", "Tom", "Una", "Raj")))
    fac.ok("next_phase")
    vision = room[0].ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    b = ballot(fac, [vision], "majority", settings={"quorum": 0.75})
    for person in room[:2]:
        person.ok("cast_vote", ballot_id=b, vote={"choice": "agree"})
    fac.ok("close_ballot", ballot_id=b, reveal=True)
    expect(screen.locator("#stage .verdict")).to_have_text("Not passed: 2 of 4 voted, 3 needed")
    assert bars(screen) == {"Agree": "2", "Disagree": "0", "Abstain": "0"}
    fits_the_window(screen)


LONG_NAMES = [
    ("Alexandra Konstantinopoulou-Whitfield", "team"),
    ("Kwame Mensah", "team"),
    ("Sam Li", "team"),
    ("Bo", "team"),
    ("Maria Fernanda dos Santos Oliveira", "team"),
    ("Jo", "product"),
    ("Priyanka Raghunathan-Iyer", "team"),
    ("Tom", "team"),
]


def test_every_member_of_a_foursome_is_named_on_the_screen(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """A foursome's line was cut at three lines: with long names its fourth member was left
    out ("Sam Li, Bo, Alexandra Konstantinopoulou-…"), and could not find their group."""
    session, fac = host(server, people)
    screens = open_screens(open_page, server, session)
    seat(server, session, people, *LONG_NAMES)
    fac.ok("start_1_2_4_all", seed=3)
    fac.ok("next_stage")
    fac.ok("next_stage")
    for screen in screens:
        stage = screen.locator("#stage")
        expect(stage.locator(".structure strong")).to_have_text("1-2-4-All: foursomes")
        expect(stage.locator(".tip")).to_have_text(
            "In fours: compare the pairs' ideas and pick the strongest."
        )
        named = " ".join(stage.locator(".groups li").all_inner_texts())
        assert all(name in named for name, _ in LONG_NAMES), (screen.viewport_size, named)
        for group in stage.locator(".groups li").all():
            assert group.evaluate(WHOLE), screen.viewport_size
        fits_the_window(screen)
        accessible(screen, f"the room screen's numbered groups at {screen.viewport_size}")


def test_the_screen_shows_the_chain_in_force_and_stops_inviting_at_the_close(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """The screen's chain showed goals the file holds as rejected ("Show ads in the free
    app"), retired or only proposed among those the room holds to; and after the close the
    top bar still invited the room to join with a code nobody could use."""
    session, fac = host(server, people, "review", chain=EXAMPLE, title="Q2 review")
    screens = open_screens(open_page, server, session, [PROJECTOR])
    (screen,) = screens
    seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    fac.ok("go_to_phase", phase="review_chain")
    expect(screen.locator("#stage-h")).to_have_text("Review the chain")
    chain = screen.locator("#chain-body")
    shown_whole(screen, "Help people live healthier lives")
    for gone in ("Show ads in the free app", "Strengthen the main brand"):
        expect(chain).not_to_contain_text(gone)
    expect(chain).not_to_contain_text("Sync weight from smart scales")  # only proposed
    expect(screen.locator("#join-line")).to_have_text(f"Join with code {session['join_code']}")
    fac.ok("go_to_phase", phase="close")
    expect(screen.locator("#stage-h")).to_have_text("Close")
    expect(screen.locator("#join-line")).to_have_text("")
    fits_the_window(screen)


def test_a_long_queue_leaves_the_chain_and_its_summary_in_view(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """Six hands up under the progressive stack, long names: "Next" took four lines and
    the chain ran off the bottom of the screen, its "and 8 more goals" line out of sight."""
    session, fac = host(server, people, "roadmapping", chain=EXAMPLE, title="Q4 roadmap")
    screens = open_screens(open_page, server, session)
    room = seat(server, session, people, *LONG_NAMES[:7])
    fac.ok("set_queue_mode", mode="progressive")
    for person in room:
        person.ok("raise_hand")
    fac.ok("grant_floor")
    for screen in screens:
        holder = screen.locator("#holder strong")
        expect(holder).to_have_text(LONG_NAMES[0][0])
        assert holder.evaluate(WHOLE), screen.viewport_size  # whole, the queue summed up
        expect(screen.locator(".next-up")).to_be_in_viewport(ratio=1)
        chain_fits(screen)
        in_view(screen, "Finish the dashboard")  # the goal decided last, still in view


# The example chain with its readings of days past: a review's come after them.
READ = EXAMPLE.replace("{at: '2027-03-31',", "{at: '2026-03-31',").replace(
    "{at: '2027-04-30',", "{at: '2026-04-30',"
)
assert READ.count("at: '2026-0") == 2


def test_a_review_shows_its_changes_and_kpi_readings_on_the_screen_and_the_console(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """A review records KPI readings and changes goals, and the room saw none of it: the
    screen showed the chain alone (its metrics without readings, cut to fit), and the
    console listed a reading's day as "2026-05-31"."""
    session, fac = host(server, people, "review", chain=READ, title="Q2 review")
    (screen,) = open_screens(open_page, server, session, [PROJECTOR])
    console = console_page(open_page, server, session)
    pia, tom = seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    pia.ok("record_kpi", goal_id="P1", metric="weekly active users", value=3100, date="2026-05-31")
    pia.ok("record_kpi", goal_id="P1", metric="weekly active users", value=3300, date="2026-06-30")
    fac.ok("next_phase")
    done = pia.ok("propose_goal", change="achieve", target="S2")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[done], rule="consent")["ballot_id"]
    for person in (pia, tom):
        person.ok("cast_vote", ballot_id=ballot, vote={"choice": "consent"})
    fac.ok("close_ballot", ballot_id=ballot, reveal=True)
    fac.ok("go_to_phase", phase="review_chain")
    coach = "“Acquire users through a free weight-loss coach”"
    reading = f"KPI readings: {coach}: weekly active users 3100 on 31 May 2026"
    readings = f"{coach}: weekly active users 3100 → 3300 on 30 June 2026"  # the KPI's readings
    done = "“Finish the dashboard to release a first version to the test group”"
    for kind, line in (("KPI readings", readings), ("Achieved", done)):
        group = screen.locator(".review-group", has_text=f"{kind}: {line}")
        expect(group.locator(".finding", has_text=line)).to_be_in_viewport(ratio=1)
    fits_the_window(screen)
    accessible(screen, "the room screen with a review's findings")
    expect(console.locator(".review-report")).to_contain_text(reading.split(": ", 1)[1])
    coach_box = console.locator('#chain-body li.node[data-goal="P1"]:not(.ref) > .node-box')
    metric = coach_box.locator(".node-meta", has_text="weekly active users")
    expect(metric).to_have_text("weekly active users: 1200 → 5000, read 3300 on 30 June 2026")


def reviewed(
    server: LiveServer, people: list[Person], kpis: list[tuple[str, str]], changes: list[dict]
) -> tuple[dict, dict]:
    """A review of the example chain, Pia (product) and Tom in the room: each KPI (goal id,
    metric) read on the 15th of January, February and March 2026 (1010 → 1020 → 1030, the
    next 1011 → …), each change proposed and consented to; in its "Review the chain" phase.
    The session and its findings."""
    session, fac = host(server, people, "review", chain=EXAMPLE, title="Q2 review")
    pia, tom = seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    for month in range(1, 4):
        for n, (goal, metric) in enumerate(kpis):
            value = 1000 + 10 * month + n
            pia.ok("record_kpi", goal_id=goal, metric=metric, value=value, date=f"2026-0{month}-15")
    fac.ok("go_to_phase", phase="propose")
    proposals = [pia.ok("propose_goal", **change)["proposal_id"] for change in changes]
    fac.ok("go_to_phase", phase="decide")
    for proposal in proposals:
        consented(fac, [pia, tom], proposal)
    fac.ok("go_to_phase", phase="review_chain")
    return session, fac.fresh_state()["review"]


def test_a_reviews_findings_show_whole_beside_the_chain(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """Ten findings of a review beside the chain at 1920×1080: a line of its own for each,
    in a third of the width, showed four and "and 6 more findings" (the tester's review of
    thirteen: four and "and 9 more")."""
    kpis = [("P1", "weekly active users"), ("U1", "weekly active users")]
    changes = [
        {"change": "achieve", "target": "S2"},
        {"change": "amend", "target": "P2", "level": "product", "title": "Premium in 3 markets"},
        {"change": "retire", "target": "U2", "level": "user"},
    ]
    session, findings = reviewed(server, people, kpis, changes)
    kinds = ("changed", "achieved", "retired", "lost_parent", "kpi_readings")
    assert sum(len(findings[kind]) for kind in kinds) == 10, findings
    for screen in open_screens(open_page, server, session, SIZES[:2]):
        expect(screen.locator("#stage-h")).to_have_text("Review the chain")
        expect(screen.locator("#chain-body .node-title", has_text="Premium in 3")).to_be_visible()
        expect(screen.locator("#main .fit-more")).to_have_count(0)  # none summed up
        shown = screen.locator("#stage .review-group")
        expect(shown).to_have_count(5)
        for line in (
            "Changed: “Premium in 3 markets” (title)",
            "Achieved: “Finish the dashboard to release a first version to the test group”",
            "Retired: “Lower the risk of developing diabetes”",
            "“Acquire users through a free weight-loss coach”: weekly active users "
            "1010 → 1020 → 1030 on 15 March 2026",
            "“Lose weight without dieting misery”: weekly active users "
            "1011 → 1021 → 1031 on 15 March 2026",
            "Lost their parent: “Sync weight from smart scales”",
        ):
            expect(shown.filter(has_text=line)).to_be_in_viewport(ratio=1)
        for finding in screen.locator("#stage .finding").all():
            expect(finding).to_be_in_viewport(ratio=1)
        in_view(screen, "Premium in 3 markets")  # the chain beside them
        fits_the_window(screen)
        readable_at_any_size(screen)


def test_sprint_planning_shows_every_product_goal_its_sprint_goal_can_serve(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """From a chain whose product goals carry no decision record, sprint planning's screen
    took them for the oldest decisions and summed them up first: "Acquire users through a
    free weight-loss coach" was not shown, the user and business goals above it were."""
    undated = re.sub(r"\n    decided:\n(      .*\n)+", "\n", EXAMPLE.split("  - id: P1")[1])
    chain = EXAMPLE.split("  - id: P1")[0] + "  - id: P1" + undated.split("  - id: S1")[0]
    assert "decided" not in undated.split("  - id: S1")[0] and "id: P2" in chain
    session, fac = host(server, people, "sprint_planning", chain=chain, title="Sprint 14")
    seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    fac.ok("next_phase")
    for screen in open_screens(open_page, server, session, SIZES[:2]):
        expect(screen.locator("#phase-line")).to_have_text("Propose (silently)")
        for title in ("Acquire users through a free", "Launch the premium plan"):
            node = screen.locator("#chain-body li.node.level-product:not(.ref)", has_text=title)
            expect(node).to_be_in_viewport(ratio=1)
        fits_the_window(screen)
        readable_at_any_size(screen)


ROUND_NAMES = [
    ("Zoë O'Sullivan-McAllister", "team"),
    ("عبد الله بن خالد الراشدي", "team"),
    ("Nguyễn Thị Minh Khai", "team"),
    ("Søren Kierkegaard-Jensen of the Northern Product Division", "team"),
    ("Bo", "team"),
    ("Björn Þórðarson", "team"),
    ("María-José Fernández de la Vega", "product"),
    *[(f"Kim {i}", "team") for i in range(7)],
]


def test_the_next_speakers_shown_are_the_first_in_the_order_served(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """Summing up "Next" hid a long name from the middle and kept shorter ones after it:
    "Next: عبد الله…, Nguyễn, Björn" with Søren, who comes before Björn, left out."""
    session, fac = host(server, people, "strategizing", title="Q3 strategy offsite")
    room = seat(server, session, people, *ROUND_NAMES)
    fac.ok("next_phase")
    title = "Lose weight without the misery of restrictive diets or giving up food you love"
    proposal = room[0].ok("propose_goal", level="vision", title=title)["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    screens = open_screens(open_page, server, session, SIZES[:2])
    fac.ok("open_ballot", proposal_ids=[proposal], rule="consent", rule_reason="a round")
    floor = fac.fresh_state()["floor"]
    names = {p["id"]: p["name"] for p in fac.fresh_state()["participants"]}
    holder = floor["holder"]["participant_id"]
    served = [names[pid] for pid in floor["round"]["order"] if pid != holder]
    for screen in screens:
        expect(screen.locator("#next li").first).to_be_visible()
        fits_the_window(screen)
        shown = screen.locator("#next li:not([hidden])").all_inner_texts()
        assert 0 < len(shown) < len(served), (screen.viewport_size, shown)
        assert [name.rstrip(",") for name in shown] == served[: len(shown)], shown


def test_many_remote_ballots_are_summed_up_on_the_screen(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """Seven remote ballots open at once: their lines ran down the stage, the fifth cut in
    the middle of its text and the last two not shown, with no "and N more"."""
    session, fac = host(server, people, "roadmapping", chain=EXAMPLE, title="Q4 roadmap")
    screens = open_screens(open_page, server, session, SIZES[:2])
    (pia,) = seat(server, session, people, ("Pia", "product"))
    fac.ok("next_phase")
    ready = {"parents": ["U1"], "metrics": [{"name": "users", "target": 500}], "due": "2027-Q2"}
    for n in range(7):
        title = f"Product idea number {n} with a long enough title to take two lines"
        proposal = pia.ok("propose_goal", level="product", title=title, **ready)["proposal_id"]
        fac.ok(
            "send_remote_ballot",
            proposal_ids=[proposal],
            voters=[f"Board member {n}"],
            deadline_seconds=3600,
        )
    for screen in screens:
        lines = screen.locator("#stage .remote-turnout")
        expect(lines).to_have_count(7)
        fits_the_window(screen)
        shown = screen.locator("#stage .remote-turnout:not([hidden])").count()
        if shown < 7:
            expect(screen.locator("#stage .remote-lines + .fit-more")).to_have_text(
                f"and {7 - shown} more remote ballot{'s' if 7 - shown > 1 else ''}"
            )


def test_a_ruling_on_an_objection_stays_in_view_beside_its_verdict(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """The verdict "Passed" beside an objection's bar, and the ruling that made it pass out
    of sight: the objection's line was cut after its reason, a fifth of the screen empty."""
    session, fac = host(server, people, "strategizing", title="Q3 strategy offsite")
    voters = [cast for cast in ROUND_NAMES if not cast[0].startswith("Søren")]  # cid-sized
    room = seat(server, session, people, *voters[:12])
    fac.ok("next_phase")
    title = "Lose weight safely without the misery of restrictive dieting, calorie-counting apps"
    proposal = room[0].ok("propose_goal", level="vision", title=title)["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    screens = open_screens(open_page, server, session, SIZES[:2])
    ballot = fac.ok("open_ballot", proposal_ids=[proposal], rule="consent", rule_reason="r")
    ballot = ballot["ballot_id"]
    objector, worried = room[3], room[6]
    for person in room:
        vote = {"choice": "consent"}
        if person is objector:
            vote = {"choice": "objection", "reason": "I would rather we focus on muscle " * 3}
        elif person is worried:
            vote = {"choice": "concern", "reason": "Medical review needed before any launch"}
        person.ok("cast_vote", ballot_id=ballot, vote=vote)
    fac.ok("close_ballot", ballot_id=ballot, reveal=True)
    fac.ok(
        "rule_objection", ballot_id=ballot, voter=objector.id, stands=False, reason="a preference"
    )
    for screen in screens:
        expect(screen.locator("#stage .verdict")).to_contain_text("Passed")
        ruling = screen.locator("#stage .objection-ruling")
        expect(ruling).to_have_text("(ruled not paramount: a preference) ")
        expect(ruling).to_be_in_viewport(ratio=1)
        assert ruling.evaluate(WHOLE), screen.viewport_size
        fits_the_window(screen)


def test_a_runoff_is_called_one_on_the_screen(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """A runoff showed the plain "Which proposals come first?": nothing said the room was
    voting again on a tie."""
    session, fac = host(server, people)
    (screen,) = open_screens(open_page, server, session, [PROJECTOR])
    pia, tom = seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    fac.ok("next_phase")
    ids = [pia.ok("propose_goal", level="vision", title=t)["proposal_id"] for t in "AB"]
    fac.ok("go_to_phase", phase="decide")
    ranked = {"proposal_ids": ids, "rule": "ranked", "rule_reason": "two visions"}
    ballot = fac.ok("open_ballot", **ranked)["ballot_id"]
    pia.ok("cast_vote", ballot_id=ballot, vote={"ranking": ids})
    tom.ok("cast_vote", ballot_id=ballot, vote={"ranking": ids[::-1]})
    fac.ok("close_ballot", ballot_id=ballot, reveal=True)
    expect(screen.locator("#stage .question")).to_have_text("Which proposals come first?")
    fac.ok("break_tie", ballot_id=ballot, how="runoff")
    expect(screen.locator("#stage .question")).to_have_text("Runoff of the tie: which comes first?")


def test_the_speakers_name_never_gives_way_to_a_crowded_floor_or_chain(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """A long name holding the floor in a round, six hands up, the chain beside them: the
    side column cut "Zoë O'Sullivan-McAllister" to "Zoë O'Sullivan-…", and with the chain on
    stage the queue ran out of sight under the holder."""
    session, fac = host(server, people, "roadmapping", chain=EXAMPLE, title="Q4 roadmap")
    cast = [name for name in ROUND_NAMES if not name[0].startswith("Søren")][:9]  # cid-sized
    room = seat(server, session, people, *cast)
    fac.ok("next_phase")
    coach = product_goal(room[0], "Coach beta for 500 users with weekly check-ins")
    fac.ok("go_to_phase", phase="review_chain")
    fac.ok("start_round", purpose="what changed since the last roadmap, and what we learned")
    for person in room[1:]:
        person.ok("raise_hand")
    screens = open_screens(open_page, server, session, SIZES[:2])
    holder = cast[0][0]

    def speaker_and_next_in_view() -> None:
        for screen in screens:
            name = screen.locator("#holder strong")
            expect(name).to_have_text(holder)
            expect(name).to_be_in_viewport(ratio=1)
            assert name.evaluate(WHOLE), screen.viewport_size
            expect(screen.locator("#next li").first).to_be_in_viewport(ratio=1)
            fits_the_window(screen)

    for screen in screens:
        expect(screen.locator("body")).to_have_class(re.compile(r"\bchain-stage\b"))
    speaker_and_next_in_view()
    ballot(fac, [coach], "majority")  # the ballot takes the stage, the chain the side
    for screen in screens:
        expect(screen.locator("#stage .question")).to_have_text(
            "Coach beta for 500 users with weekly check-ins"
        )
    speaker_and_next_in_view()


# Each goal shown in the chain: its level as the room reads it before the title, and its title.
LABELS = """(tree) => [...tree.querySelectorAll("li.node:not(.ref)")]
  .filter((node) => node.checkVisibility())
  .map((node) => {
    const title = node.querySelector(":scope > .node-box > .node-title");
    return [getComputedStyle(title, "::before").content, title.textContent];
  })"""


def test_a_crowded_chain_keeps_each_goals_level_and_what_this_session_decided(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """Reviewing a crowded chain, "decided in this session" went before the due date and
    metrics of the goal decided last, and nothing said which goal was a user, business,
    product or sprint goal but the colour of its frame."""
    session, fac = host(server, people, "review", chain=EXAMPLE, title="Q2 review")
    screens = open_screens(open_page, server, session)
    room = seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    fac.ok("go_to_phase", phase="propose")
    titles = {
        "P1": "Acquire users through a free weight-loss coach in three markets this year",
        "S2": "Finish the dashboard and release a first version to the whole test group",
    }
    amended = [
        room[0].ok("propose_goal", change="amend", target=goal, level=level, title=title)
        for (goal, title), level in zip(titles.items(), ("product", "sprint"), strict=True)
    ]
    fac.ok("go_to_phase", phase="decide")
    for proposal in amended:
        consented(fac, room, proposal["proposal_id"])
    fac.ok("go_to_phase", phase="review_chain")
    goals = fac.fresh_state()["chain"]["goals"]
    levels = {goal["title"]: goal["level"] for goal in goals}
    decided = list(titles)
    for screen in screens:
        expect(screen.locator("#stage-h")).to_have_text("Review the chain")
        shown = screen.locator("#chain-body .tree").evaluate(LABELS)
        assert len(shown) >= 3, (screen.viewport_size, shown)
        for label, title in shown:
            level = levels.get(title, "vision").capitalize()
            assert label == f'"{level}: "', (screen.viewport_size, title, label)
        for goal_id in decided:
            node = screen.locator(f'#chain-body li.node[data-goal="{goal_id}"]:not(.ref)')
            if node.is_visible():
                mark = node.locator(":scope > .node-box > .decided-here")
                expect(mark).to_be_in_viewport(ratio=1)
        newest = screen.locator("#chain-body li.node.newest")
        expect(newest.locator(":scope > .node-box > .decided-here")).to_be_in_viewport(ratio=1)
        fits_the_window(screen)


GOAL_TITLE = "#chain-body li.node:not(.ref) > .node-box > .node-title"  # not "also serves"
# Each product goal's title the chain shows cut short, with the lines it shows: never fewer
# than two ("Product: Acquire…").
CUT_TITLES = """(tree) => [...tree.querySelectorAll(".level-product > .node-box > .node-title")]
  .filter((title) => title.checkVisibility() && title.scrollHeight > title.clientHeight + 1)
  .map((title) => {
    const lines = title.clientHeight / parseFloat(getComputedStyle(title).lineHeight);
    return [title.textContent, lines];
  })
  .filter(([, lines]) => lines < 1.9)"""


def test_sprint_planning_with_a_crowded_floor_shows_its_product_goals_whole_and_in_view(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """Sprint planning, a long name holding the floor, six hands up: the product goals the
    sprint goal can serve were cut to one word ("Product: Launch…") or summed up, beside a
    stage holding one sentence."""
    undated = re.sub(r"\n    decided:\n(      .*\n)+", "\n", EXAMPLE.split("  - id: P1")[1])
    chain = EXAMPLE.split("  - id: P1")[0] + "  - id: P1" + undated.split("  - id: S1")[0]
    session, fac = host(server, people, "sprint_planning", chain=chain, title="Sprint 14")
    room = seat(server, session, people, *LONG_NAMES[:7])
    screens = open_screens(open_page, server, session)
    fac.ok("set_queue_mode", mode="progressive")
    fac.ok("next_phase")
    for person in room:
        person.ok("raise_hand")
    fac.ok("grant_floor")
    servable = ("Acquire users through a free weight-loss coach", "Launch the premium plan")

    def product_goals_in_view(titles: tuple[str, ...]) -> None:
        for screen in screens:
            holder = screen.locator("#holder strong")
            expect(holder).to_have_text(LONG_NAMES[0][0])
            assert holder.evaluate(WHOLE), screen.viewport_size
            for title in titles:
                node = screen.locator(GOAL_TITLE, has_text=title)
                expect(node).to_be_in_viewport(ratio=1)
                assert node.evaluate(WHOLE), (screen.viewport_size, title)
            cut = screen.locator("#chain-body .tree").evaluate(CUT_TITLES)
            assert cut == [], (screen.viewport_size, cut)
            more = screen.locator("#chain .fit-more")
            if more.count():  # what gave way is counted, in view
                expect(more).to_be_in_viewport(ratio=1)
            fits_the_window(screen)
            readable_at_any_size(screen)

    product_goals_in_view(servable)
    title = "Let ten test users buy the premium plan with a card and cancel it in one tap"
    sprint = room[5].ok("propose_goal", level="sprint", parents=["P2"], title=title)
    fac.ok("go_to_phase", phase="decide")
    fac.ok("open_ballot", proposal_ids=[sprint["proposal_id"]], rule="consent")
    for screen in screens:
        expect(screen.locator("#stage .question")).to_have_text(title)
    product_goals_in_view(servable[1:])  # the one it serves; the chain gives way


def test_a_review_that_retires_a_goal_shows_every_finding_whole(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """A review retired a business goal, and the screen showed the goals that lost it as
    their parent but cut or summed up the rest: "Changed: “Launch the premiu… (title)", a KPI
    reading as "and 1 more finding", the changed goal cut in the chain to "Launch the
    premium plan in…"."""
    kpis = [("P1", "weekly active users"), ("B1", "monthly recurring revenue")]
    premium = "Launch the premium plan in three markets with a yearly price and a family plan"
    changes = [
        {"change": "amend", "target": "P2", "level": "product", "title": premium},
        {"change": "retire", "target": "B1", "level": "business"},
    ]
    session, findings = reviewed(server, people, kpis, changes)
    assert findings["changed"] and findings["retired"] and findings["lost_parent"], findings
    revenue = "“Create a new revenue source with subscriptions”"
    lines = {
        "Changed": f"“{premium}” (title)",
        "Retired": revenue,
        "KPI readings": [
            "weekly active users 1010 → 1020 → 1030 on 15 March 2026",
            "monthly recurring revenue 1011 → 1021 → 1031 on 15 March 2026",
        ],
        "Lost their parent": ["“Acquire users through a free weight-loss coach”", revenue],
    }
    for screen in open_screens(open_page, server, session):
        expect(screen.locator("#stage-h")).to_have_text("Review the chain")
        expect(screen.locator("#main .fit-more")).to_have_count(0)  # no finding summed up
        for kind, texts in lines.items():
            group = screen.locator("#stage .review-group", has_text=f"{kind}: ")
            for text in [texts] if isinstance(texts, str) else texts:
                expect(group).to_contain_text(text)
        for finding in screen.locator("#stage .finding, #stage .finding-title").all():
            expect(finding).to_be_in_viewport(ratio=1)
            assert finding.evaluate(WHOLE), (screen.viewport_size, finding.text_content())
        node = screen.locator(GOAL_TITLE, has_text=premium)  # the chain beside them
        expect(node).to_be_in_viewport(ratio=1)
        assert node.evaluate(WHOLE), screen.viewport_size
        fits_the_window(screen)
        readable_at_any_size(screen)


# A short chain whose product goal lists its features.
PREMIUM = """goalchain: 1
product: Fitness app
vision: {id: V1, statement: Help people live healthier lives}
goals:
  - id: B1
    level: business
    title: Create a new revenue source with subscriptions
    parents: [V1]
    status: accepted
  - id: P2
    level: product
    title: Launch the premium plan
    parents: [B1]
    features: [Weekly summary e-mail, Streaks]
    metrics: [{name: paying subscribers, target: 2000}]
    due: 2027-Q3
    status: accepted
"""


def test_a_product_goals_features_show_in_its_box_in_the_chain(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """A product goal's features reached the screen and were never drawn: the room saw
    "Launch the premium plan" and not what it is reached with."""
    session, fac = host(server, people, "roadmapping", chain=PREMIUM, title="Q4 roadmap")
    fac.ok("go_to_phase", phase="review_chain")
    for screen in open_screens(open_page, server, session):
        expect(screen.locator("#stage-h")).to_have_text("Review the chain")
        box = screen.locator('#chain-body li.node[data-goal="P2"]:not(.ref) > .node-box')
        shown = box.locator(".node-features")
        expect(shown).to_have_text("Features: Weekly summary e-mail · Streaks")
        expect(shown).to_be_in_viewport(ratio=1)
        assert shown.evaluate(WHOLE), screen.viewport_size
        fits_the_window(screen)
        readable_at_any_size(screen)


# --- the screen says as much as its columns have room for --------------------------------


# An objection's reason of four lines on the stage: it was cut at three.
REASON = LONG.split(" that they cannot")[0]


def whole_with_room(screen: Page, selector: str) -> None:
    """The text is whole and in view: its column has room for it."""
    text = screen.locator(selector)
    expect(text).to_be_in_viewport(ratio=1)
    assert text.evaluate(WHOLE), (screen.viewport_size, selector)


def test_a_long_text_is_whole_while_its_column_has_room(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """With half the screen empty, the phase's sentence was cut at three lines ("Write goals
    silently: nobody sees who proposed what until th…"), a round's purpose to a line
    ("Round-robin: How do you…") and an objection's reason at three lines."""
    session, fac = host(server, people, title="Fitness strategy", product="Fitness app")
    room = seat(server, session, people, *[(name, "team") for name in ("Tom", "Aiko", "Lars")])
    room += seat(server, session, people, ("Dana", "stakeholder"), ("Priya", "product"))
    screens = open_screens(open_page, server, session)
    fac.ok("start_round", purpose="How do you arrive today?")
    for screen in screens:
        expect(screen.locator("#next li")).to_have_count(4)
        whole_with_room(screen, "#floor .round-purpose")
        fits_the_window(screen)
    fac.ok("end_round")
    fac.ok("next_phase")
    for screen in screens:
        expect(screen.locator("#stage .tip")).to_contain_text("Write goals silently")
        whole_with_room(screen, "#stage .tip")
        fits_the_window(screen)
    sleep = room[0].ok("propose_goal", level="vision", title="Sleep better")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    b = ballot(fac, [sleep], "consent")
    objection = {"choice": "objection", "reason": REASON}
    room[2].ok("cast_vote", ballot_id=b, vote=objection)
    for person in room[:2] + room[3:]:
        person.ok("cast_vote", ballot_id=b, vote={"choice": "consent"})
    fac.ok("close_ballot", ballot_id=b, reveal=True)
    for screen in screens:
        expect(screen.locator("#stage .objections li")).to_contain_text(REASON[-30:])
        whole_with_room(screen, "#stage .objections li")
        whole_with_room(screen, "#stage .verdict")
        fits_the_window(screen)
        readable_at_any_size(screen)


# Each goal title the chain shows cut short to fewer than two lines.
ONE_LINE_TITLES = """(tree) => [...tree.querySelectorAll(".node:not(.ref) > * > .node-title")]
  .filter((title) => title.checkVisibility() && title.scrollHeight > title.clientHeight + 1)
  .filter((title) => title.clientHeight < 1.9 * parseFloat(getComputedStyle(title).lineHeight))
  .map((title) => title.textContent)"""


def test_beside_a_ballot_the_chain_sums_up_goals_rather_than_cut_titles_to_a_word(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """A ballot on the stage, three people waiting for the floor: the chain beside it showed
    every title cut to a word or two ("Product: Acquire…", "Business: Create a…", "Sprint:
    Finish the…"), the stage a third empty; and the name of the speaker shrank from 64 to
    48 px as the chain grew."""
    session, fac = host(server, people, "review", chain=EXAMPLE, title="Q2 review")
    room = seat(
        server, session, people, ("Tom", "team"), ("Aiko", "team"), ("Dana", "team")
    ) + seat(server, session, people, ("Priya", "product"))
    screens = open_screens(open_page, server, session)
    for person in room:
        person.ok("raise_hand")
    fac.ok("grant_floor")
    name_size = [s.locator("#holder strong").evaluate(SIZE) for s in screens]
    fac.ok("next_phase")
    done = room[3].ok("propose_goal", change="achieve", target="S2")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    ballot(fac, [done], "consent")
    for screen, size in zip(screens, name_size, strict=True):
        expect(screen.locator("#stage .question")).to_contain_text("Finish the dashboard")
        holder = screen.locator("#holder strong")
        expect(holder).to_have_text("Tom")
        assert holder.evaluate(SIZE) == size, screen.viewport_size  # never in smaller type
        cut = screen.locator("#chain-body .tree").evaluate(ONE_LINE_TITLES)
        assert cut == [], (screen.viewport_size, cut)
        expect(screen.locator("#chain .fit-more")).to_have_text(
            re.compile(r"^and \d+ more goals?$")
        )
        newest = screen.locator("#chain-body li.node.newest > .node-box > .node-title")
        expect(newest).to_have_text(
            "Finish the dashboard to release a first version to the test group"
        )
        expect(newest).to_be_in_viewport(ratio=1)
        chain_fits(screen)
        readable_at_any_size(screen)


SIZE = "(el) => getComputedStyle(el).fontSize"


TESTERS = ("Tom Becker", "Aiko Tanaka", "Dana Okafor", "Priya Raman")


def test_the_screen_fits_again_when_the_server_is_out_of_reach_and_back(
    open_page: OpenPage, watch: Watch, people: list[Person], tmp_path: Path
) -> None:
    """The server stopped: the banner "Can't reach the server" pushed everything down without
    the screen fitting again, and at 720 px the chain's last goal was cut mid-line."""
    live = LiveServer(tmp_path).start()
    try:
        session, fac = host(live, people, "roadmapping", chain=EXAMPLE, title="Q4 roadmap")
        room = seat(live, session, people, *[(name, "team") for name in TESTERS])
        screens = open_screens(open_page, live, session)
        for person in room:
            person.ok("raise_hand")
        fac.ok("grant_floor")
        for screen in screens:
            expect(screen.locator("#holder strong")).to_have_text(TESTERS[0])
            chain_fits(screen)
            screen.wait_for_load_state("networkidle")
        watch.allowed.append(re.compile(r"WebSocket connection to .* failed"))
        live.kill()
        for screen in screens:
            expect(screen.locator("#offline")).to_have_text(
                "Can't reach the server — reconnecting…"
            )
            chain_fits(screen)
            in_view(screen, "Finish the dashboard")
        live.start()
        for screen in screens:
            expect(screen.locator("#offline")).to_be_hidden()
            chain_fits(screen)
            in_view(screen, "Finish the dashboard")
    finally:
        live.stop()


def test_a_reviews_findings_show_under_the_ballot_that_made_them(
    server: LiveServer, open_page: OpenPage, people: list[Person]
) -> None:
    """In a review's Decide phase, a KPI reading recorded and a goal marked achieved by a
    ballot: the screen showed the result and the chain, and no "Achieved: …" nor the reading
    until the room reviewed the chain."""
    session, fac = host(server, people, "review", chain=READ, title="Q2 review")
    pia, tom = seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    screens = open_screens(open_page, server, session)
    pia.ok("record_kpi", goal_id="P1", metric="weekly active users", value=3100, date="2026-05-31")
    fac.ok("next_phase")
    done = pia.ok("propose_goal", change="achieve", target="S2")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    b = ballot(fac, [done], "consent")
    coach = "“Acquire users through a free weight-loss coach”: weekly active users"
    for screen in screens:  # what the review has recorded so far, under the vote
        expect(screen.locator("#turnout")).to_have_text("0 of 2 voted")
        reading = screen.locator("#stage .review-group", has_text="KPI readings: ")
        expect(reading.locator(".finding")).to_contain_text(coach)
        expect(reading).to_be_in_viewport()
        fits_the_window(screen)
    for person in (pia, tom):
        person.ok("cast_vote", ballot_id=b, vote={"choice": "consent"})
    fac.ok("close_ballot", ballot_id=b, reveal=True)
    achieved = "Achieved: “Finish the dashboard to release a first version to the test group”"
    for screen in screens:
        expect(screen.locator("#phase-line")).to_have_text("Decide")
        expect(screen.locator("#stage .verdict")).to_have_text("Passed")
        expect(screen.locator("#stage .review-group", has_text=achieved)).to_be_in_viewport(ratio=1)
        expect(screen.locator("#stage .review-group", has_text="KPI readings: ")).to_be_visible()
        fits_the_window(screen)
        readable_at_any_size(screen)


def short_goals(count: int) -> str:
    """A chain of a vision and `count` user goals, each title a few words on one line but the
    first's, the oldest: three lines."""
    titles = [LONG[:69]] + [f"Goal {n}" for n in range(2, count + 1)]
    goals = "".join(
        f"  - {{id: U{n}, level: user, title: {title}, parents: [V1], status: accepted}}\n"
        for n, title in enumerate(titles, 1)
    )
    vision = "vision: {id: V1, statement: Live well}"
    return f"goalchain: 1\nproduct: Fitness app\n{vision}\ngoals:\n{goals}"


@pytest.mark.parametrize("count", [5, 6])
def test_the_goals_summed_up_are_counted_as_more_beside_those_shown(
    server: LiveServer, open_page: OpenPage, people: list[Person], count: int
) -> None:
    """The vision and its user goals shown, the oldest summed up: the line under the chain
    said "1 goal", as if no goal were shown."""
    chain = short_goals(count)
    session, fac = host(server, people, "roadmapping", chain=chain, title="Q4 roadmap")
    (screen,) = open_screens(open_page, server, session, [PROJECTOR])
    for person in seat(server, session, people, ("Tom", "team"), ("Aiko", "team")):
        person.ok("raise_hand")
    fac.ok("grant_floor")
    expect(screen.locator("#holder strong")).to_have_text("Tom")
    shown = screen.locator("#chain-body li.node:not(.ref)").evaluate_all(
        "(nodes) => nodes.filter((node) => node.checkVisibility()).length"
    )
    hidden = count + 1 - shown
    more = screen.locator("#chain .fit-more")
    if hidden:
        expect(more).to_have_text(f"and {hidden} more {'goal' if hidden == 1 else 'goals'}")
    else:
        expect(more).to_have_count(0)
    fits_the_window(screen)
