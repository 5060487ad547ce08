"""Every page as people with assistive technology meet it: axe-core in Chromium.

axe-core (the engine browsers' accessibility tools use) runs on each page in each state a
person sees it in; a serious or critical violation fails the test with its elements.
"""

from __future__ import annotations

import re

from tests.browser import (
    PHONE,
    OpenPage,
    Page,
    accessible,
    command,
    console_page,
    enter,
    expect,
    propose,
    vote,
)
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
    accessible(page, "the home page with its errors")

    session = server.create_session("strategizing", product="Fitness app")
    page.goto(f"{server.url}/s/{session['id']}/join?code={session['join_code']}")
    expect(page.locator("input[name=role]")).not_to_have_count(0)
    accessible(page, "the join page")
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page.locator("#join-error")).to_be_visible()
    accessible(page, "the join page with an error")


def both(console: Page, participant: Page, when: str) -> None:
    accessible(console, f"the console {when}")
    accessible(participant, f"the participant view {when}")


def room(server: LiveServer, open_page: OpenPage) -> tuple[dict, dict, dict, Page, Page]:
    """A strategizing session, its console, and Ann in the room on her phone; Bob, by the API."""
    session = server.create_session("strategizing", product="Fitness app")
    ann = server.join(session, "Ann", "team")
    bob = server.join(session, "Bob", "team")
    console = console_page(open_page, server, session)
    page = enter(open_page("Ann", PHONE), server, session, ann, "Ann")
    return session, ann, bob, console, page


def test_console_and_participant_view_in_every_phase(
    server: LiveServer, open_page: OpenPage
) -> None:
    session, ann, bob, console, page = room(server, open_page)
    fac = session["facilitator_token"]
    electorate = [ann["participant_id"], bob["participant_id"]]

    # Joining: the invite, people arriving, a hand raised, the floor given.
    expect(console.locator("#join-code")).to_have_text(re.compile(r"^[A-Z2-9]{6}$"))
    both(console, page, "while people join")
    page.get_by_role("button", name="Raise my hand").click()
    command(server, session, bob["token"], "raise_hand")
    console.get_by_role("button", name="Give the floor to the next").click()
    expect(page.locator(".my-turn")).to_contain_text("It's your turn")
    both(console, page, "while Ann has the floor")

    # Proposing, in silence.
    console.get_by_role("button", name="Next phase", exact=True).click()
    expect(page.locator("#phase")).to_have_text("Propose (silently)")
    propose(page, "vision", "Help people live healthier lives")
    command(server, session, bob["token"], "propose_goal", level="vision", title="Make fitness fun")
    expect(console.locator("#board-body")).to_contain_text("Make fitness fun")
    both(console, page, "while people propose")

    # A ballot open, then its result.
    command(server, session, fac, "go_to_phase", phase="decide")
    console.get_by_label("Select Help people live healthier lives").check()
    expect(console.locator("#open-form")).to_be_visible()
    accessible(console, "the console with the ballot form")
    console.get_by_role("button", name="Open ballot").click()
    expect(page.locator("#vote-turnout")).to_have_text("0 of 1 voted")
    both(console, page, "with a ballot open")
    vote(page, "agree", "A good north star")
    both(console, page, "after a vote")
    console.get_by_role("button", name="Close and reveal").click()
    expect(page.locator(".verdict")).to_have_text("Passed")
    both(console, page, "with a result")

    # Consent on a user goal: an objection waits for the facilitator's ruling.
    propose(page, "user", "Feel better")
    goal = page.locator("article.proposal", has_text="Feel better").get_attribute(
        "data-proposal-id"
    )
    ballot = command(
        server,
        session,
        fac,
        "open_ballot",
        proposal_ids=[goal],
        rule="consent",
        rule_reason="consent for user goals",
        electorate=electorate,
    )["ballot_id"]
    expect(page.locator("label.choice-objection")).to_be_visible()
    both(console, page, "with a consent ballot open")
    objection = {"choice": "objection", "reason": "No metric: we cannot tell"}
    command(server, session, bob["token"], "cast_vote", ballot_id=ballot, vote=objection)
    vote(page, "concern", "Vague")
    console.get_by_role("button", name="Close and reveal").click()
    expect(console.locator(".rulings")).to_contain_text("Bob objects")
    both(console, page, "with an objection to rule on")
    console.locator(".ruling input").fill("Paramount: the goal must be measurable")
    console.get_by_role("button", name="It stands: amend and vote again").click()
    expect(page.locator("article.proposal", has_text="Feel better")).to_contain_text("rejected")
    both(console, page, "after the ruling")


def test_every_rule_from_ballot_to_result_and_the_pages_after(
    server: LiveServer, open_page: OpenPage, watch
) -> None:
    watch.allowed.append(re.compile(r"Failed to load resource: .* status of 401"))
    session, ann, bob, console, page = room(server, open_page)
    fac = session["facilitator_token"]
    electorate = [ann["participant_id"], bob["participant_id"]]
    command(server, session, fac, "delegate_decider", participant_id=ann["participant_id"])
    command(server, session, fac, "go_to_phase", phase="decide")

    def proposal(level: str, title: str, **fields: object) -> str:
        made = command(
            server, session, bob["token"], "propose_goal", level=level, title=title, **fields
        )
        return made["proposal_id"]

    def ballot(options: list[str], rule: str, votes: list[dict], **fields: object) -> str:
        opened = command(
            server,
            session,
            fac,
            "open_ballot",
            proposal_ids=options,
            rule=rule,
            rule_reason=f"trying {rule}",
            electorate=electorate,
            **fields,
        )["ballot_id"]
        expect(page.locator("#vote-turnout")).to_have_text("0 of 2 voted")
        both(console, page, f"with a {rule} ballot open")
        for person, cast in zip((ann, bob), votes, strict=True):
            command(server, session, person["token"], "cast_vote", ballot_id=opened, vote=cast)
        command(server, session, fac, "close_ballot", ballot_id=opened, reveal=True)
        expect(console.locator(f"[data-ballot-id={opened}] .verdict")).to_be_visible()
        expect(page.locator("#vote-body .verdict")).to_be_visible()
        both(console, page, f"with the result of a {rule} ballot")
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
    expect(rita.locator("main")).to_contain_text("Closed.")
    accessible(rita, "a personal link after its ballot closed")
    rita.goto(server.url + "/v/no-such-link")
    expect(rita.locator("h1")).to_have_text("This link does not work")
    accessible(rita, "a personal link that does not work")

    # The printable minutes, as the console links them.
    minutes = console.locator("#x-html").get_attribute("href")
    rita.goto(server.url + minutes)
    expect(rita.locator("h1")).to_contain_text("Minutes")
    accessible(rita, "the printable minutes")
