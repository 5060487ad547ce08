"""After a ballot, in the browser: a tie broken in one click, the rest settled, dot settings.

The console and the participant view in Debian's Chromium, against the real server.
"""

from __future__ import annotations

import re
import signal
from pathlib import Path

from tests.browser import (
    PHONE,
    OpenPage,
    Page,
    Watch,
    command,
    console_page,
    enter,
    expect,
    open_ballot,
    state,
    vote,
)
from tests.live import LiveServer


def visions_session(server: LiveServer, *titles: str) -> tuple[dict, dict, dict, list[str]]:
    """A strategizing session in its decide phase with visions by Pia (product); Tom joined too."""
    session = server.create_session("strategizing")
    pia = server.join(session, "Pia", "product")
    tom = server.join(session, "Tom", "team")
    fac = session["facilitator_token"]
    command(server, session, fac, "next_phase")
    ids = [
        command(server, session, pia["token"], "propose_goal", level="vision", title=title)[
            "proposal_id"
        ]
        for title in titles
    ]
    command(server, session, fac, "go_to_phase", phase="decide")
    return session, pia, tom, ids


def ranked_tie(server: LiveServer, session: dict, pia: dict, tom: dict, ids: list[str]) -> str:
    """A revealed ranked ballot where the first two options tie."""
    fac = session["facilitator_token"]
    ballot = open_ballot(
        server, session, [pia, tom], proposal_ids=ids, rule="ranked", rule_reason="three visions"
    )
    for person, ranking in ((pia, ids), (tom, [ids[1], ids[0], *ids[2:]])):
        vote = {"ranking": ranking}
        command(server, session, person["token"], "cast_vote", ballot_id=ballot, vote=vote)
    command(server, session, fac, "close_ballot", ballot_id=ballot, reveal=True)
    return ballot


def test_a_tie_goes_to_a_runoff_in_one_click_and_the_rest_is_settled(
    server: LiveServer, open_page: OpenPage
) -> None:
    titles = ("Healthier lives", "Fitter teams", "Happier people")
    session, pia, tom, ids = visions_session(server, *titles)
    child = command(
        server,
        session,
        tom["token"],
        "propose_goal",
        level="user",
        title="Run more",
        parents=[ids[0]],
    )["proposal_id"]
    console = console_page(open_page, server, session)
    page = enter(open_page("Pia"), server, session, pia, "Pia")
    ranked_tie(server, session, pia, tom, ids)

    card = console.locator(".ballot-card", has_text="Tie for first place")
    expect(card.locator(".verdict")).to_have_text(
        "Tie for first place (Healthier lives and Fitter teams): "
        "the facilitator holds a runoff or asks the decider"
    )
    expect(page.locator("#vote-body .verdict")).to_contain_text("Tie for first place")
    # Tied options share their place, numbered as the minutes' "Final order" numbers them.
    expect(card.locator(".ranked-row .place")).to_have_text(["1.", "1.", "2."])
    card.get_by_role("button", name="Runoff among the tied (Ranked choice)").click()

    # The runoff is a new ballot among the tied only; Pia votes in her page.
    expect(page.locator("#vote-head")).to_contain_text("Healthier lives · Fitter teams")
    page.get_by_role("button", name="Move Fitter teams up").click()
    # A screen reader hears where it went, not only the button's name.
    expect(page.locator("#announcer")).to_contain_text("Fitter teams: place 1 of 2")
    page.click("#vote-body button[type=submit]")
    expect(page.locator("#vote-body .my-vote")).to_contain_text("Fitter teams > Healthier lives")
    # Tom is not in the room now: the runoff's electorate is Pia alone.
    console.get_by_role("button", name="Close and reveal").click()
    expect(page.locator("#chain-body .level-vision .node-title")).to_have_text("Fitter teams")

    # The tied ballot now settles in one step: the runoff's winner kept, the rest parked, and
    # "Run more" moves from the parked vision to the accepted one.
    settle = console.locator("form.settle")
    expect(settle.get_by_label("Fitter teams")).to_be_checked()
    expect(settle).to_contain_text("Proposals serving them: Run more.")
    expect(settle.locator("select").last).to_have_value(ids[1])
    # Only an option taken forward is offered to serve: a parked one got a refusal naming
    # an API field, at the foot of the panel.
    serve_to = settle.locator("select").last.locator("option")
    expect(serve_to).to_have_text(["Fitter teams"])
    settle.get_by_label("Healthier lives").check()
    expect(serve_to).to_have_text(["Healthier lives", "Fitter teams"])
    settle.get_by_label("Healthier lives").uncheck()
    expect(serve_to).to_have_text(["Fitter teams"])
    settle.get_by_role("button", name="Settle in one step").click()
    expect(console.locator("form.settle")).to_have_count(0)
    for title in ("Healthier lives", "Happier people"):
        card = page.locator("article.proposal", has_text=title)
        expect(card.locator(".badge.st-parked")).to_have_text("parked")
    run_more = page.locator("article.proposal", has_text="Run more")
    expect(run_more).to_contain_text("Fitter teams")
    assert [
        p["parents"] for p in state(server, session, tom["token"])["proposals"] if p["id"] == child
    ] == [[ids[1]]]


def test_a_tie_goes_to_the_decider_who_chooses_in_her_page(
    server: LiveServer, open_page: OpenPage
) -> None:
    session, pia, tom, ids = visions_session(server, "Healthier lives", "Fitter teams")
    console = console_page(open_page, server, session)
    page = enter(open_page("Pia"), server, session, pia, "Pia")
    ranked_tie(server, session, pia, tom, ids)

    console.get_by_role("button", name="Let the decider choose (Pia)").click()
    expect(console.locator(".ballot-card .verdict").first).to_contain_text(
        "awaiting the decider's choice"
    )
    form = page.locator("form.decision-form")
    expect(form.locator("h3")).to_have_text("You break the tie")
    form.get_by_role("button", name="Record my choice").click()
    expect(form.locator(".error")).to_have_text("Winner: choose one.")
    # The field at fault has the focus and is marked (the focus stayed on the button).
    expect(form.get_by_label("Healthier lives")).to_be_focused()
    expect(form.get_by_label("Healthier lives")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("Fitter teams").check()
    form.get_by_role("button", name="Record my choice").click()
    expect(form.locator(".error")).to_have_text("Give the reasons for the minutes.")
    expect(form.get_by_label("Rationale")).to_be_focused()
    expect(form.get_by_label("Rationale")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("Rationale").fill("Closer to what our users ask for")
    form.get_by_role("button", name="Record my choice").click()
    expect(page.locator("#vote-body .verdict")).to_have_text(
        "Winner, chosen by the decider from a tie: Fitter teams"
    )
    expect(page.locator("#vote-body .ranked-row .place")).to_have_text(["1.", "2."])
    expect(page.locator("#chain-body .level-vision .node-title")).to_have_text("Fitter teams")
    expect(console.locator(".ballot-card .reasons").first).to_contain_text("Pia chose")


def test_the_console_sets_dots_per_person_and_per_proposal_and_says_what_is_wrong(
    server: LiveServer, open_page: OpenPage
) -> None:
    titles = ("One", "Two", "Three", "Four")
    session, pia, tom, ids = visions_session(server, *titles)
    console = console_page(open_page, server, session)
    page = enter(open_page("Pia"), server, session, pia, "Pia")
    for title in titles:
        console.get_by_label(f"Select {title}").check()
    expect(console.locator("#rule")).to_have_value("dot")
    expect(console.locator("#dots")).to_have_value("2")
    expect(console.locator("#max-per-option")).to_have_value("2")
    expect(console.locator("#dot-defaults")).to_have_text(
        "Default for 4 proposals: 2 dots each, all of them allowed on one proposal."
    )
    console.fill("#rule-reason", "a shortlist")
    console.fill("#dots", "3")
    expect(console.locator("#max-per-option")).to_have_value("3")  # follows the budget
    console.fill("#max-per-option", "5")
    console.get_by_role("button", name="Open ballot").click()
    expect(console.locator("#board-error")).to_have_text(
        "At most on one proposal: give a whole number from 1 to 3, the dots each person has."
    )
    expect(console.locator("#max-per-option")).to_be_focused()
    console.fill("#dots", "0")
    console.get_by_role("button", name="Open ballot").click()
    expect(console.locator("#board-error")).to_have_text(
        "Dots per person: give a whole number from 1 to 100."
    )
    console.fill("#dots", "3")
    console.fill("#max-per-option", "2")
    console.get_by_role("button", name="Open ballot").click()
    expect(console.locator("#board-error")).to_be_hidden()
    expect(page.locator("#vote-body .dots-left")).to_have_text(
        "Dots left: 3 of 3 (at most 2 on one proposal)"
    )
    # Pia puts 3 dots on one proposal: the page says which, and what is allowed.
    page.fill(f"#dots-{ids[0]}", "3")
    page.click("#vote-body button[type=submit]")
    expect(page.locator("#vote-body .error")).to_have_text(
        "“One”: put a whole number of dots from 0 to 2 on it."
    )
    expect(page.locator(f"#dots-{ids[0]}")).to_be_focused()
    page.fill(f"#dots-{ids[0]}", "2")
    page.click("#vote-body button[type=submit]")
    expect(page.locator("#vote-body .my-vote")).to_have_text("Your vote: Dots: One 2")
    opened = [b for b in state(server, session, pia["token"])["ballots"] if b["status"] == "open"]
    assert opened[0]["settings"]["dots"] == 3 and opened[0]["settings"]["max_per_option"] == 2


# Each dot row's title and its buttons, where they lie on the page.
DOT_ROWS = """() => [...document.querySelectorAll("#vote-body .dot-row")].map((row) => ({
  row: row.getBoundingClientRect().toJSON(),
  title: row.querySelector("label").getBoundingClientRect().toJSON(),
  less: row.querySelector("button").getBoundingClientRect().toJSON(),
}))"""


def test_on_a_phone_each_proposal_of_a_dot_vote_stands_apart_above_its_own_buttons(
    server: LiveServer, open_page: OpenPage
) -> None:
    """On a phone the titles of a dot vote ran into each other down a narrow column, each
    row's buttons halfway down its title: a dot could land on the wrong proposal."""
    titles = (
        "Create a new revenue source with subscriptions",
        "Strengthen the main brand so that it is recognised by every second person in our "
        "target markets across Europe, North America and Asia-Pacific",
        "Keep churn under 5% and partner with health insurers",
    )
    session, pia, tom, ids = visions_session(server, *titles)
    page = enter(open_page("Pia", PHONE), server, session, pia, "Pia")
    open_ballot(server, session, [pia, tom], proposal_ids=ids, rule="dot", rule_reason="shortlist")
    expect(page.locator("#vote-body .dot-row label")).to_have_text(list(titles))
    rows = page.evaluate(DOT_ROWS)
    for row in rows:  # the title across the row, its buttons under it
        assert row["title"]["width"] >= 0.9 * row["row"]["width"], row
        assert row["less"]["top"] >= row["title"]["bottom"], row
    for above, below in zip(rows, rows[1:], strict=False):  # rows apart, not run together
        assert below["row"]["top"] - above["row"]["bottom"] >= 0, (above, below)
        assert below["title"]["top"] - above["less"]["bottom"] >= 12, (above, below)


def dot_tie(server: LiveServer, session: dict, pia: dict, tom: dict, ids: list[str]) -> str:
    """A revealed dot ballot where Pia's dot and Tom's tie the two options."""
    ballot = open_ballot(
        server, session, [pia, tom], proposal_ids=ids, rule="dot", rule_reason="a shortlist"
    )
    for person, option in ((pia, ids[0]), (tom, ids[1])):
        vote = {"dots": {option: 1}}
        command(server, session, person["token"], "cast_vote", ballot_id=ballot, vote=vote)
    fac = session["facilitator_token"]
    command(server, session, fac, "close_ballot", ballot_id=ballot, reveal=True)
    return ballot


def test_a_changed_choice_does_not_keep_the_reason_written_for_the_old_one(
    server: LiveServer, open_page: OpenPage
) -> None:
    session, pia, tom, ids = visions_session(server, "Healthier lives")
    page = enter(open_page("Pia"), server, session, pia, "Pia")
    open_ballot(server, session, [pia, tom], proposal_ids=ids)
    page.locator("label.choice-disagree").click()
    page.fill("#vote-reason", "too vague")
    page.click("#vote-body button[type=submit]")
    expect(page.locator("#vote-body .my-vote")).to_have_text("Your vote: Disagree — too vague")

    # Pia changes her mind: "too vague" was no reason to agree, so it does not come along.
    page.locator("label.choice-agree").click()
    expect(page.locator("#vote-reason")).to_have_value("")
    page.locator("label.choice-disagree").click()  # back: her reason for it comes back
    expect(page.locator("#vote-reason")).to_have_value("too vague")
    page.locator("label.choice-agree").click()
    page.click("#vote-body button[type=submit]")
    expect(page.locator("#vote-body .my-vote")).to_have_text("Your vote: Agree")


def asked_before_it_goes(page: Page, ask: tuple[str, str], change: str, back: str) -> None:
    """A vote easy to send by mistake goes in on the second press: the first asks (`ask`:
    the question, and what the button then says) and sends nothing; pressing `change` takes
    the question back, `back` undoes it, and the question comes again; then it goes."""
    submit = page.locator("#vote-body button[type=submit]")
    expect(submit).to_have_text("Cast my vote")
    submit.click()
    expect(page.locator("#vote-body .error")).to_have_text(ask[0])
    expect(submit).to_have_text(ask[1])
    expect(page.locator("#vote-turnout")).to_have_text("0 of 2 voted")  # nothing sent yet
    page.get_by_role("button", name=change).click()
    expect(submit).to_have_text("Cast my vote")
    expect(page.locator("#vote-body .error")).to_be_hidden()
    page.get_by_role("button", name=back).click()
    submit.click()
    expect(submit).to_have_text(ask[1])
    submit.click()


def test_a_dot_vote_with_no_dots_is_confirmed_first(
    server: LiveServer, open_page: OpenPage
) -> None:
    session, pia, tom, ids = visions_session(server, "Healthier lives", "Fitter teams")
    page = enter(open_page("Pia"), server, session, pia, "Pia")
    open_ballot(
        server, session, [pia, tom], proposal_ids=ids, rule="dot", rule_reason="a shortlist"
    )
    # A dot placed takes the question back; taken off again, it is asked again.
    asked_before_it_goes(
        page,
        ("You have placed no dots: submit an empty vote?", "Submit an empty vote"),
        "One dot more on Healthier lives",
        "One dot less on Healthier lives",
    )
    expect(page.locator("#vote-body .my-vote")).to_have_text("Your vote: Dots: none")
    expect(page.locator("#vote-turnout")).to_have_text("1 of 2 voted")


def test_a_ranking_nobody_moved_is_confirmed_first(server: LiveServer, open_page: OpenPage) -> None:
    """Everyone starts from the board's order: a quick tap on Cast my vote went in as a whole
    ranking, the first listed first, which favours whatever the board lists first."""
    session, pia, tom, ids = visions_session(server, "Healthier lives", "Fitter teams")
    page = enter(open_page("Pia"), server, session, pia, "Pia")
    open_ballot(
        server, session, [pia, tom], proposal_ids=ids, rule="ranked", rule_reason="two visions"
    )
    # Moved, the question goes; moved back to the order as listed, it is asked again.
    question = "You have moved nothing: cast the order as listed, “Healthier lives” first?"
    asked_before_it_goes(
        page, (question, "Cast this order"), "Move Fitter teams up", "Move Healthier lives up"
    )
    expect(page.locator("#vote-body .my-vote")).to_contain_text("Healthier lives > Fitter teams")
    expect(page.locator("#vote-turnout")).to_have_text("1 of 2 voted")
    # A vote already cast is her own order: changing it asks nothing.
    page.get_by_role("button", name="Move Fitter teams up").click()
    page.get_by_role("button", name="Move Healthier lives up").click()
    page.locator("#vote-body button[type=submit]").click()
    expect(page.locator("#vote-body .error")).to_be_hidden()
    expect(page.locator("#vote-body .my-vote")).to_contain_text("Healthier lives > Fitter teams")


def test_taking_every_tied_option_forward_is_explained_and_a_settled_tie_goes_away(
    server: LiveServer, open_page: OpenPage
) -> None:
    titles = ("Healthier lives", "Fitter teams")
    session, pia, tom, ids = visions_session(server, *titles)
    console = console_page(open_page, server, session)
    dot_tie(server, session, pia, tom, ids)
    settle = console.locator("form.settle")
    go = settle.get_by_role("button", name="Settle in one step")
    for title in titles:
        settle.get_by_label(title).check()
    expect(settle.locator(".settle-note")).to_have_text(
        "Taking every option forward leaves nothing to settle: they all stay on the board. "
        "To choose between them, hold a runoff or let the decider choose; to keep them all, "
        "put each to a ballot of its own."
    )
    expect(go).to_be_disabled()
    settle.get_by_label(titles[1]).uncheck()
    expect(settle.locator(".settle-note")).to_be_hidden()
    go.click()
    # Settled: the tie is dealt with, neither the tie panel nor the form stays.
    expect(console.locator("form.settle")).to_have_count(0)
    expect(console.locator(".tie-break")).to_have_count(0)
    expect(console.locator("#ballot-error")).to_be_hidden()


def test_earlier_ballots_fold_away_and_say_what_they_need(
    server: LiveServer, open_page: OpenPage
) -> None:
    titles = ("Healthier lives", "Fitter teams", "Happier people")
    session, pia, tom, ids = visions_session(server, *titles)
    console = console_page(open_page, server, session)
    tied = dot_tie(server, session, pia, tom, ids[:2])
    now = open_ballot(server, session, [pia, tom], proposal_ids=ids[2:])

    # The open ballot is in full; the tied one is folded, flagged as waiting for the facilitator.
    current = console.locator("#ballot-body > .ballot-card")
    expect(current).to_have_count(1)
    expect(current.locator(".ballot-title")).to_have_text("Happier people")
    fold = console.locator(f"details.ballot-fold[data-ballot-id={tied}]")
    expect(fold.locator(":scope > summary")).to_have_text(
        "Needs you: Healthier lives · Fitter teams — Dot voting: a tie to break, options to settle"
    )
    expect(fold.locator(".ballot-card")).to_be_hidden()
    fold.locator(":scope > summary").click()
    expect(fold.locator(".tie-break")).to_be_visible()
    # A vote comes in and the panel is drawn again: the fold stays open.
    command(server, session, pia["token"], "cast_vote", ballot_id=now, vote={"choice": "agree"})
    expect(current.locator(".turnout")).to_have_text("1 of 2 voted")
    expect(fold.locator(".tie-break")).to_be_visible()


def test_a_decider_chooses_among_several_proposals_after_ranked_advice(
    server: LiveServer, open_page: OpenPage
) -> None:
    """A decider ballot on several proposals was refused; the console offered only yes/no
    advice. Now the advice ranks them and the decider names the one that goes forward."""
    session, pia, tom, ids = visions_session(server, "Healthier lives", "Fitter teams")
    console = console_page(open_page, server, session)
    page = enter(open_page("Pia"), server, session, pia, "Pia")
    for title in ("Healthier lives", "Fitter teams"):
        console.get_by_label(f"Select {title}").check()
    # Unanimity decides one proposal: no "default here" beside it for two.
    expect(console.locator("#rule option[value=unanimity]")).to_have_text("Unanimity")
    console.select_option("#rule", "decider")
    advice = console.locator("#advisory-rule")
    expect(advice.locator("option")).to_have_text(["Dot voting", "Ranked choice"])
    expect(advice).to_have_value("ranked")
    console.fill("#rule-reason", "Pia owns the product")
    console.get_by_role("button", name="Open ballot").click()
    expect(console.locator("#ballot-body .ballot-card")).to_have_count(1)
    (ballot,) = state(server, session, pia["token"])["ballots"]
    vote = {"ranking": ids}  # Pia is the one present: the electorate
    command(server, session, pia["token"], "cast_vote", ballot_id=ballot["id"], vote=vote)
    fac = session["facilitator_token"]
    command(server, session, fac, "close_ballot", ballot_id=ballot["id"], reveal=True)
    form = page.locator("form.decision-form")
    expect(form.locator("h3")).to_have_text("You decide")
    form.get_by_label("Fitter teams").check()
    form.get_by_label("Rationale").fill("The team can ship it this quarter")
    form.get_by_role("button", name="Record decision").click()
    expect(page.locator("#vote-body .verdict")).to_have_text("Decided: Fitter teams goes forward")
    expect(page.locator("#chain-body .level-vision .node-title")).to_have_text("Fitter teams")
    expect(console.get_by_role("button", name="Settle in one step")).to_be_visible()


def test_the_console_opens_a_consent_round_with_the_product_person_last(
    server: LiveServer, open_page: OpenPage
) -> None:
    session, pia, tom, ids = visions_session(server, "Healthier lives")
    console = console_page(open_page, server, session)
    enter(open_page("Pia"), server, session, pia, "Pia")
    enter(open_page("Tom"), server, session, tom, "Tom")
    console.get_by_label("Select Healthier lives").check()
    seniors = console.get_by_label(
        "In the consent round, the product person and stakeholders answer last"
    )
    expect(seniors).to_be_hidden()  # unanimity runs no round
    console.select_option("#rule", "consent")
    expect(seniors).to_be_checked()
    console.fill("#rule-reason", "a round")
    console.get_by_role("button", name="Open ballot").click()
    expect(console.locator("#ballot-body .ballot-card")).to_have_count(1)
    order = state(server, session, pia["token"])["floor"]["round"]["order"]
    assert order == [tom["participant_id"], pia["participant_id"]]


def test_the_ballot_form_asks_a_quorum_and_starts_afresh_after_a_ballot_opens(
    server: LiveServer, open_page: OpenPage
) -> None:
    session, pia, tom, ids = visions_session(server, "Healthier lives", "Fitter teams")
    console = console_page(open_page, server, session)
    enter(open_page("Pia"), server, session, pia, "Pia")  # present: the electorate
    enter(open_page("Tom"), server, session, tom, "Tom")  # an anonymous ballot needs two
    console.get_by_label("Select Healthier lives").check()
    expect(console.locator("#quorum")).to_have_count(0)
    console.select_option("#rule", "decider")
    console.select_option("#advisory-rule", "majority")
    expect(console.get_by_label("Quorum (% of the voters who must vote)")).to_have_value("50")
    console.select_option("#advisory-rule", "consent")
    expect(console.locator("#quorum")).to_have_count(0)
    console.select_option("#rule", "majority")
    quorum = console.get_by_label("Quorum (% of the voters who must vote)")
    expect(quorum).to_have_value("50")
    quorum.fill("60")
    console.fill("#rule-reason", "a quick poll")
    console.get_by_label("Anonymous (nobody sees who voted what)").check()
    console.get_by_role("button", name="Open ballot").click()
    expect(console.locator("#ballot-body .ballot-card")).to_have_count(1)
    opened = state(server, session, pia["token"])["ballots"][0]
    assert opened["settings"]["quorum"] == 0.6 and opened["anonymous"]

    # The next ballot starts from the defaults, not from the last one's choices.
    command(server, session, session["facilitator_token"], "close_ballot", ballot_id=opened["id"])
    console.get_by_label("Select Fitter teams").check()
    expect(console.locator("#rule")).to_have_value("unanimity")
    expect(console.get_by_label("Anonymous (nobody sees who voted what)")).not_to_be_checked()
    expect(console.locator("#reason-row")).to_be_hidden()
    expect(console.locator("#rule-reason")).to_have_value("")


def test_a_vote_on_the_phone_shows_on_the_laptop_of_the_same_person(
    server: LiveServer, open_page: OpenPage, watch: Watch
) -> None:
    """Pia's phone and laptop show the vote the server holds, whichever of them cast it, and
    a vote the phone held while offline, once it is sent."""
    watch.allowed.append(re.compile(r"WebSocket connection to .* failed"))
    session, pia, tom, (proposal,) = visions_session(server, "Healthier lives")
    phone = enter(open_page("Pia's phone", PHONE), server, session, pia, "Pia")
    laptop = enter(open_page("Pia's laptop"), server, session, pia, "Pia")
    ballot = open_ballot(server, session, [pia, tom], proposal_ids=[proposal])

    vote(phone, "agree")
    expect(laptop.locator("#vote-body .my-vote")).to_have_text("Your vote: Agree")
    expect(laptop.locator("input[name=choice][value=agree]")).to_be_checked()
    vote(laptop, "disagree", "Too vague")
    expect(phone.locator("#vote-body .my-vote")).to_have_text("Your vote: Disagree — Too vague")
    expect(phone.locator("#vote-reason")).to_have_value("Too vague")

    phone.context.set_offline(True)
    expect(phone.locator("#offline")).to_be_visible()
    phone.locator("label.choice-abstain").click()
    phone.click("#vote-body button[type=submit]")
    vote(laptop, "agree")
    phone.context.set_offline(False)
    expect(phone.locator("#vote-body .my-vote")).to_have_text("Your vote: Abstain")
    expect(laptop.locator("#vote-body .my-vote")).to_have_text("Your vote: Abstain")
    mine = state(server, session, pia["token"])["ballots"][0]
    assert mine["id"] == ballot and mine["my_vote"]["choice"] == "abstain"


def test_someone_away_as_a_ballot_opened_is_told_why_they_do_not_vote(
    server: LiveServer, open_page: OpenPage
) -> None:
    """Pia's phone was off as the ballot opened: the electorate is who was there, so she
    does not vote in it, and her page says why rather than only that she does not."""
    session, pia, tom, (proposal,) = visions_session(server, "Healthier lives")
    open_ballot(server, session, [tom], proposal_ids=[proposal])
    phone = enter(open_page("Pia's phone", PHONE), server, session, pia, "Pia")
    expect(phone.locator("#vote-body")).to_have_text(
        "You are not voting in this ballot: its electorate is who was connected when it"
        " opened, or whom the facilitator named. You see the turnout, and the result after"
        " the reveal."
    )
    expect(phone.locator("#vote-body form")).to_have_count(0)


def test_a_vote_pressed_in_a_dead_zone_waits_for_the_connection_and_counts(
    open_page: OpenPage, watch: Watch, tmp_path: Path
) -> None:
    """Pia's Wi-Fi stops passing data without closing (here the server freezes: her phone
    cannot tell the two apart). Her page shows "Live" until the ping timeout, 45 s later;
    the vote she pressed meanwhile goes unanswered five times over, but nothing was heard
    from the server either: it is not given up, it waits for the connection and counts once
    the connection is back. (The phone's clock runs the 55 s at once.)"""
    watch.allowed.append(re.compile(r"WebSocket connection to .* failed"))
    live = LiveServer(tmp_path).start()
    try:
        session, pia, tom, (proposal,) = visions_session(live, "Healthier lives")
        phone = open_page("Pia's phone", PHONE)
        phone.clock.install()
        enter(phone, live, session, pia, "Pia")
        ballot = open_ballot(live, session, [pia, tom], proposal_ids=[proposal])
        expect(phone.locator("#vote-turnout")).to_have_text("0 of 2 voted")
        assert live.process is not None
        live.process.send_signal(signal.SIGSTOP)
        try:
            phone.locator("label.choice-agree").click()
            phone.click("#vote-body button[type=submit]")
            phone.clock.run_for(55_000)  # five attempts of 10 s; the ping timeout at 45 s
            expect(phone.locator("#offline")).to_be_visible()
            expect(phone.locator("#vote-body .error")).to_be_hidden()
        finally:
            live.process.send_signal(signal.SIGCONT)
        expect(phone.locator("#offline")).to_be_hidden()
        expect(phone.locator("#vote-body .my-vote")).to_have_text("Your vote: Agree")
        mine = state(live, session, pia["token"])["ballots"][0]
        assert mine["id"] == ballot and mine["my_vote"] == {"choice": "agree"}
    finally:
        live.stop()


def test_a_vote_held_offline_and_refused_after_the_close_is_said_not_counted(
    server: LiveServer, open_page: OpenPage, watch: Watch
) -> None:
    """Pia votes offline; the facilitator closes and reveals before her phone is back."""
    watch.allowed.append(re.compile(r"WebSocket connection to .* failed"))
    session, pia, tom, (proposal,) = visions_session(server, "Healthier lives")
    phone = enter(open_page("Pia's phone", PHONE), server, session, pia, "Pia")
    ballot = open_ballot(server, session, [pia, tom], proposal_ids=[proposal])
    command(server, session, tom["token"], "cast_vote", ballot_id=ballot, vote={"choice": "agree"})
    expect(phone.locator("#vote-turnout")).to_have_text("1 of 2 voted")
    phone.context.set_offline(True)
    expect(phone.locator("#offline")).to_be_visible()
    phone.locator("label.choice-disagree").click()
    phone.click("#vote-body button[type=submit]")
    fac = session["facilitator_token"]
    command(server, session, fac, "close_ballot", ballot_id=ballot, reveal=True)
    phone.context.set_offline(False)

    refused = phone.locator("#vote-body .not-counted")
    expect(refused).to_have_text(re.compile(r"^Your vote was not counted: .*clos"))
    expect(phone.locator("#vote-body .results")).to_be_visible()
    expect(phone.locator("#announcer")).to_contain_text("Your vote was not counted")
    assert "my_vote" not in state(server, session, pia["token"])["ballots"][0]


LAPTOP = {"width": 1366, "height": 768}


def test_a_ruling_or_a_runoff_that_becomes_due_is_in_view_on_a_laptop(
    server: LiveServer, open_page: OpenPage
) -> None:
    """On a 1366×768 laptop the buttons of an objection's ruling lay just below the fold
    ("Not paramount" half out of the window): nothing told the facilitator that the room
    waited for them."""
    vision = "Lose weight safely without the misery of restrictive dieting, calorie-counting apps"
    session, pia, tom, (proposal,) = visions_session(server, vision)
    fac = session["facilitator_token"]
    console = open_page("facilitator", LAPTOP)
    console.goto(f"{server.url}/s/{session['id']}/facilitator#token={fac}")
    expect(console.locator("#conn")).to_have_text("Live")
    fields = {"proposal_ids": [proposal], "rule": "consent", "rule_reason": "a round"}
    ballot = open_ballot(server, session, [pia, tom], **fields)
    for person in (pia, tom):
        objection = {"choice": "objection", "reason": "We would rather focus on muscle " * 3}
        command(server, session, person["token"], "cast_vote", ballot_id=ballot, vote=objection)
    command(server, session, fac, "close_ballot", ballot_id=ballot, reveal=True)
    ruling = console.locator(".ballot-card .ruling").first
    expect(ruling.get_by_role("button", name="Not paramount")).to_be_in_viewport(ratio=1)
    expect(ruling.get_by_role("button", name=re.compile("^It stands"))).to_be_in_viewport(ratio=1)
    expect(console.locator("#ballot-h")).to_be_in_viewport(ratio=1)
    for person in (pia, tom):
        ruled = {"voter": person["participant_id"], "stands": False, "reason": "a preference"}
        command(server, session, fac, "rule_objection", ballot_id=ballot, **ruled)
    expect(console.locator(".ballot-card .ruling")).to_have_count(0)

    console.mouse.wheel(0, 2000)  # the facilitator looks further down, at the floor say
    expect(console.locator("#ballot-h")).not_to_be_in_viewport()
    command(server, session, fac, "go_to_phase", phase="propose")
    titles = [f"{name}, measured each quarter against the baseline" for name in ("Fit", "Calm")]
    ids = [
        command(server, session, pia["token"], "propose_goal", level="vision", title=title)[
            "proposal_id"
        ]
        for title in titles
    ]
    command(server, session, fac, "go_to_phase", phase="decide")
    ranked_tie(server, session, pia, tom, ids)
    runoff = console.get_by_role("button", name=re.compile("^Runoff among the tied"))
    expect(runoff).to_be_in_viewport(ratio=1)
