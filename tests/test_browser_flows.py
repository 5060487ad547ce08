"""Turn and proposal flows in a real browser (Chromium through Playwright)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests import browser as pages
from tests.browser import Watch, command, console_page, enter, expect
from tests.live import LiveServer


def team(server: LiveServer, *names: str) -> tuple[dict, str, list[dict]]:
    """A strategizing session, its facilitator token, and team members who joined by API."""
    session = server.create_session("strategizing")
    joined = [server.join(session, name, "team") for name in names]
    return session, session["facilitator_token"], joined


def test_the_queue_shown_is_the_order_served_on_console_and_participant_view(
    server: LiveServer, open_page
) -> None:
    session, fac, (tom, raj) = team(server, "Tom", "Raj")
    command(server, session, fac, "grant_floor", participant_id=tom["participant_id"])
    command(server, session, tom["token"], "end_turn")
    command(server, session, fac, "set_queue_mode", mode="progressive")
    command(server, session, tom["token"], "raise_hand")
    command(server, session, raj["token"], "raise_hand")

    console = console_page(open_page, server, session)
    raj_page = enter(open_page("Raj", pages.PHONE), server, session, raj, "Raj")
    tom_page = enter(open_page("Tom", pages.PHONE), server, session, tom, "Tom")
    expect(console.locator("#floor-body .queue li span")).to_have_text(["Raj", "Tom"])
    expect(console.locator("#floor-body .up-next")).to_have_text("Next: Raj")
    expect(tom_page.locator("#floor-body .queue li")).to_have_text(["Raj", "You"])
    expect(raj_page.locator("#turn-message")).to_have_text("You're next")
    expect(tom_page.locator("#turn-message")).to_have_text("")

    console.get_by_role("button", name="Give the floor to the next").click()
    expect(raj_page.locator("#turn-message")).to_have_text("It's your turn")
    expect(tom_page.locator("#turn-message")).to_have_text("You're next")
    expect(tom_page.locator("#turn-tools")).to_contain_text("Raj has the floor")


def test_my_turn_reaches_me_while_i_write_in_a_form(server: LiveServer, open_page) -> None:
    session, fac, (ann, bob) = team(server, "Ann", "Bob")
    command(server, session, fac, "next_phase")
    command(server, session, fac, "next_phase")  # present: proposals still welcome
    page = enter(open_page("Ann", pages.PHONE), server, session, ann, "Ann")
    bar = page.locator("#turn-bar")

    # Ann is down in the proposal form, typing; the Speaking card is far above.
    page.locator("#p-description").click()
    page.keyboard.type("Members who sleep well")
    expect(page.locator("#floor")).not_to_be_in_viewport()
    expect(page.locator("#turn-message")).to_have_attribute("aria-live", "polite")

    # Bob speaks and Ann's hand is up: she is told she is next, where she is.
    command(server, session, ann["token"], "raise_hand")
    command(server, session, fac, "grant_floor", participant_id=bob["participant_id"])
    expect(bar).to_be_in_viewport()
    expect(page.locator("#turn-message")).to_have_text("You're next")
    expect(bar).to_contain_text("Bob has the floor")
    expect(bar.locator(".countdown")).to_have_text(re.compile(r"^[12]:\d\d$"))

    command(server, session, bob["token"], "end_turn")  # the floor passes to Ann
    expect(page.locator("#turn-message")).to_have_text("It's your turn")
    expect(bar).to_be_in_viewport()
    expect(bar.locator(".countdown")).to_have_text(re.compile(r"^[12]:\d\d$"))
    expect(page.locator("#p-description")).to_be_focused()  # her writing was not disturbed
    expect(page.locator("#p-description")).to_have_value("Members who sleep well")
    expect(page.locator("#announcer")).to_contain_text("You have the floor")

    bar.get_by_role("button", name="End my turn").click()
    expect(page.locator("#turn-message")).to_have_text("")
    expect(page.locator("#floor-body")).to_contain_text("Nobody has the floor")


def test_the_home_page_asks_the_facilitators_name(server: LiveServer, open_page) -> None:
    page = open_page("facilitator")
    page.goto(server.url + "/")
    page.fill("#title", "Q3 strategy")
    page.get_by_role("button", name="Create session").click()
    expect(page.locator("#create-error")).to_contain_text("Say your name")
    expect(page.locator("#facilitator-name")).to_be_focused()
    page.get_by_label("Your name").fill("Maya Lindqvist")
    page.get_by_role("button", name="Create session").click()
    expect(page).to_have_url(re.compile(r"/s/[\w-]+/facilitator$"))
    expect(page.locator("#conn")).to_have_text("Live")
    workshop_id = page.url.split("/")[-2]
    saved = page.evaluate(f"localStorage.getItem('workshop:{workshop_id}:facilitator')")
    token = json.loads(saved)["token"]
    minutes = server.get(f"/api/sessions/{workshop_id}/minutes", token, format="md").text
    assert "Facilitator: Maya Lindqvist" in minutes


def test_withdraw_offers_undo_and_undo_brings_the_proposal_back(
    server: LiveServer, open_page
) -> None:
    session, ann, proposal = pages.vision_by_ann(server, "Feel strong every day")
    page = enter(open_page("Ann", pages.PHONE), server, session, ann, "Ann")
    console = console_page(open_page, server, session)
    card = page.locator("article.proposal", has_text="Feel strong every day")
    card.get_by_role("button", name="Withdraw").click()
    expect(card).to_have_count(0)
    expect(console.locator("#board-body")).not_to_contain_text("Feel strong every day")
    notice = page.locator("#proposals-notice")
    expect(notice).to_contain_text("You withdrew “Feel strong every day”.")
    expect(notice.get_by_role("button", name="Undo")).to_be_focused()
    expect(page.locator("#announcer")).to_contain_text("Undo brings it back")
    page.keyboard.press("Enter")  # the keyboard finds Undo where the card was
    expect(card).to_have_count(1)
    expect(notice).to_be_hidden()
    expect(console.locator("#board-body")).to_contain_text("Feel strong every day")
    assert card.get_attribute("data-proposal-id") == proposal

    # The facilitator withdraws from the board and undoes it there too.
    console_card = console.locator("article.proposal", has_text="Feel strong every day")
    console_card.get_by_role("button", name="Withdraw").click()
    expect(card).to_have_count(0)
    console.locator("#board-notice").get_by_role("button", name="Undo").click()
    expect(card).to_have_count(1)


def test_texts_stay_hidden_until_the_facilitator_reveals_them(
    server: LiveServer, open_page
) -> None:
    session, fac, (ann, bob) = team(server, "Ann", "Bob")
    command(server, session, fac, "next_phase")
    console = console_page(open_page, server, session)
    page = enter(open_page("Ann", pages.PHONE), server, session, ann, "Ann")
    console.get_by_role("button", name="Hide texts until reveal").click()
    expect(console.get_by_role("button", name="Reveal texts")).to_be_visible()
    expect(page.locator("#now-body")).to_contain_text("Texts are hidden")

    secret = "Sleep nine hours a night"
    command(server, session, bob["token"], "propose_goal", level="vision", title=secret)
    pages.propose(page, "vision", "Walk every day")  # her own text she reads
    expect(page.locator("#proposals-body .hidden-cards")).to_have_text(
        "1 hidden card from others, until the facilitator reveals the texts"
    )
    expect(page.locator("#proposals-body h3").first).to_have_text("Vision (2)")
    expect(page.locator("body")).not_to_contain_text(secret)
    expect(page.locator("#c-proposal option")).to_have_text(["Walk every day"])
    expect(console.locator("#board-body")).to_contain_text(secret)

    console.get_by_role("button", name="Reveal texts").click()
    expect(page.locator("#proposals-body")).to_contain_text(secret)
    expect(page.locator("#proposals-body .hidden-cards")).to_have_count(0)
    expect(page.locator("#announcer")).to_contain_text("Every proposal's text is revealed")


def test_the_code_of_a_closed_workshop_is_said_to_open_nothing_open(
    server: LiveServer, open_page, watch
) -> None:
    """A late arrival typing the code of a workshop that has closed read "No workshop has
    the code", and thought they had mistyped it."""
    watch.allowed.append(re.compile(r"Failed to load resource: .* status of 404"))
    session = server.create_session("strategizing")
    closed = server.post(
        f"/api/sessions/{session['id']}/commands/go_to_phase",
        {"cid": "c1", "phase": "close"},
        session["facilitator_token"],
    )
    assert closed.status_code == 200, closed.text
    home = open_page("Late", pages.PHONE)
    home.goto(server.url + "/")
    home.fill("#join-code", session["join_code"])
    home.get_by_role("button", name="Join", exact=True).click()
    expect(home.locator("#code-error")).to_have_text(
        f"No open workshop has the code {session['join_code']}. Check it with your facilitator."
    )


def test_one_press_of_join_joins_and_a_wrong_code_is_said_plainly(
    server: LiveServer, open_page, watch
) -> None:
    watch.allowed.append(re.compile(r"Failed to load resource: .* status of 404"))
    session = server.create_session("strategizing")
    home = open_page("Ann", pages.PHONE)
    home.goto(server.url + "/")
    home.fill("#join-code", "ZZZZZZ")
    home.get_by_role("button", name="Join", exact=True).click()
    expect(home.locator("#code-error")).to_have_text(
        "No open workshop has the code ZZZZZZ. Check it with your facilitator."
    )

    # The join page without a code: Ann types her name and the code, and presses Join once.
    page = open_page("Ann", pages.PHONE)
    page.goto(f"{server.url}/s/{session['id']}/join")
    page.fill("#name", "Ann")
    page.fill("#code", "zzzzzz")
    expect(page.locator("#join-error")).to_have_text(
        "No open workshop has the code ZZZZZZ. Check it with your facilitator."
    )
    page.fill("#code", session["join_code"].lower())
    expect(page.locator("input[name=role][value=team]")).to_be_checked()  # shown as she types
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page.locator("#phase")).to_have_text("Check-in")


def test_the_console_counts_participants_as_the_room_screen_does(
    server: LiveServer, open_page
) -> None:
    session, fac, joined = team(server, "Ann", "Bob")
    console = console_page(open_page, server, session)
    expect(console.locator("#present-count")).to_have_text("0 of 2 participants here")
    enter(open_page("Ann", pages.PHONE), server, session, joined[0], "Ann")
    expect(console.locator("#present-count")).to_have_text("1 of 2 participants here")
    screen = open_page("screen", pages.DESKTOP)
    screen.goto(console.locator("#open-screen").get_attribute("href"))
    expect(screen.locator("main")).to_contain_text("2 people have joined")


def test_the_console_lays_out_its_forms_on_a_laptop(server: LiveServer, open_page) -> None:
    session, fac, joined = team(server, "Ann")
    command(server, session, fac, "next_phase")
    command(server, session, joined[0]["token"], "propose_goal", level="vision", title="Fit")
    command(server, session, fac, "go_to_phase", phase="decide")
    console = open_page("facilitator", {"width": 1366, "height": 768})
    console.goto(f"{server.url}/s/{session['id']}/facilitator#token={fac}")
    expect(console.locator("#conn")).to_have_text("Live")

    # A checkbox sits on the line of its label.
    box = console.locator("#seniors-last").bounding_box()
    label = console.get_by_text("Product person and stakeholders speak last").bounding_box()
    assert (
        box
        and label
        and abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 8
    )
    # The rule's name shows whole in its select.
    console.get_by_label("Select Fit").check()
    shown = console.locator("#rule").evaluate(
        """select => {
            const style = getComputedStyle(select);
            const context = document.createElement("canvas").getContext("2d");
            context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
            const text = context.measureText(select.selectedOptions[0].text).width;
            const room = select.clientWidth - parseFloat(style.paddingLeft) - 24; // the arrow
            return text <= room;
        }"""
    )
    assert shown, "the rule select cuts its text short"


def test_a_kind_that_starts_from_a_chain_says_so(server: LiveServer, open_page) -> None:
    home = open_page("facilitator")
    home.goto(server.url + "/")
    note = home.locator("#chain-note")
    expect(note).to_be_hidden()
    home.select_option("#kind", "sprint_planning")
    expect(note).to_have_text(
        "Sprint planning starts from the product goals: choose the goal chain file your "
        "roadmapping workshop saved. Without one, no sprint goal can go to a vote, as each "
        "must serve a product goal of the chain."
    )
    home.set_input_files(
        "#chain-file",
        files=[{"name": "chain.yaml", "mimeType": "text/yaml", "buffer": b"goalchain: 1\n"}],
    )
    expect(note).to_be_hidden()

    # Created without a chain anyway: the propose form says where product goals come from.
    session = server.create_session("sprint_planning")
    ann = server.join(session, "Ann", "team")
    command(server, session, session["facilitator_token"], "next_phase")
    page = enter(open_page("Ann", pages.PHONE), server, session, ann, "Ann")
    expect(page.locator("#p-parent-list")).to_have_text(
        "No product goal to serve: this session did not start from a goal chain. Product goals "
        "come from the chain file a roadmapping workshop saved; the facilitator chooses it "
        "when creating the session (home page, “Start from a goal chain file”)."
    )
    stranded = (
        "This session started from no goal chain: a sprint goal has no product goal to serve,"
        " so none can go to a vote. Create it again from the chain it builds on (or from the"
        " session that made it)."
    )
    console = console_page(open_page, server, session)
    for shown in (console, page):
        expect(shown.locator("#chain-body")).to_have_text(stranded)


EXAMPLE = Path(__file__).parent.parent / "docs/examples/fitness.goalchain.yaml"


def test_a_goal_the_chain_only_proposes_is_not_offered_to_serve(
    server: LiveServer, open_page
) -> None:
    """Sprint planning from the example chain offered "Sync weight from smart scales", a
    product goal the file holds as proposed, like any other: the sprint goal proposed to serve
    it could never go to a vote (no session agrees a goal a chain file only proposes), and
    nobody said so until the facilitator tried to open the ballot."""
    session = server.create_session("sprint_planning", chain=EXAMPLE.read_text())
    ann = server.join(session, "Ann", "team")
    command(server, session, session["facilitator_token"], "next_phase")
    page = enter(open_page("Ann", pages.PHONE), server, session, ann, "Ann")
    expect(page.locator("#p-level")).to_have_value("sprint")
    expect(page.locator("#p-parent-list label")).to_have_text(
        [
            "Acquire users through a free weight-loss coach · Product goal",
            "Launch the premium plan · Product goal",
        ]
    )


def test_a_review_offers_each_change_only_the_goals_it_may_change(
    server: LiveServer, open_page
) -> None:
    """The change "Mark a goal achieved" listed every goal of the chain, the vision, retired,
    rejected, only proposed and already achieved goals: the refusal came once it was sent."""
    session = server.create_session("review", chain=EXAMPLE.read_text())
    pia = server.join(session, "Pia", "product")
    command(server, session, session["facilitator_token"], "go_to_phase", phase="propose")
    page = enter(open_page("Pia"), server, session, pia, "Pia")
    offered = {
        "achieve": ["U1", "U2", "B1", "P1", "P2", "S2"],  # accepted, not yet achieved
        "retire": ["U1", "U2", "B1", "P1", "P2", "S1", "S2"],  # in force
        "amend": ["V1", "U1", "U2", "B1", "P1", "P2", "S1", "S2"],  # the vision too
    }
    for change, ids in offered.items():
        page.select_option("#p-change", change)
        options = page.locator("#p-target option")
        expect(options).to_have_count(len(ids))
        assert options.evaluate_all("all => all.map((o) => o.value)") == ids, change


def test_amending_a_goal_of_the_chain_starts_from_the_goal_and_keeps_what_is_left(
    server: LiveServer, open_page
) -> None:
    """The review's "Amend a goal of the chain" started from an empty form, hid "Serves" and
    sent `metrics: []` and `parents: []`: renaming a product goal took its metric and the
    goal it serves, and the chain saved after it was no longer valid."""
    session = server.create_session("review", chain=EXAMPLE.read_text())
    pia = server.join(session, "Pia", "product")
    command(server, session, session["facilitator_token"], "go_to_phase", phase="propose")
    page = enter(open_page("Pia"), server, session, pia, "Pia")
    page.select_option("#p-change", "amend")
    page.select_option("#p-target", "P2")  # "Launch the premium plan", serving B1

    # The form holds the goal as it is, the goal it serves ticked under "Serves".
    expect(page.locator("#p-title")).to_have_value("Launch the premium plan")
    expect(page.locator("#p-metric-rows input[data-field=name]")).to_have_value(
        "paying subscribers"
    )
    expect(page.locator("#p-metric-rows input[data-field=target]")).to_have_value("2000")
    expect(page.locator("#p-due")).to_have_value("2027-Q3")
    expect(page.locator("#p-parents")).to_be_visible()
    expect(page.locator("#p-parent-list input:checked")).to_have_count(1)
    expect(page.locator("#p-parent-list input[value=B1]")).to_be_checked()

    # Only the title changes: the amendment keeps the metric, the due date and the parent.
    page.fill("#p-title", "Launch the premium plan in three markets")
    page.click("#p-submit")
    expect(page.locator("#propose-error")).to_be_hidden()
    expect(page.locator("#proposals-body")).to_contain_text("in three markets")
    (proposal,) = pages.state(server, session, pia["token"])["proposals"]
    assert (proposal["change"], proposal["target"]) == ("amend", "P2")
    assert proposal["parents"] == ["B1"]
    assert [(m["name"], m.get("target")) for m in proposal["metrics"]] == [
        ("paying subscribers", 2000)
    ]
    assert proposal["due"] == "2027-Q3"
    expect(page.locator("#p-change")).to_have_value("new")  # the form starts afresh
    expect(page.locator("#p-title")).to_have_value("")


def test_a_product_goal_is_proposed_with_its_features_and_shows_them(
    server: LiveServer, open_page
) -> None:
    """A roadmap entry names its main features (the GO roadmap's date, name, goal, features,
    metrics): the form had no place for them, and a product goal none to show."""
    session = server.create_session("roadmapping", chain=EXAMPLE.read_text())
    pia = server.join(session, "Pia", "product")
    command(server, session, session["facilitator_token"], "next_phase")
    page = enter(open_page("Pia", pages.PHONE), server, session, pia, "Pia")
    expect(page.locator("#p-level")).to_have_value("product")
    page.fill("#p-title", "Habit loop")
    page.locator("#p-parent-list input[value=U1]").check()
    page.get_by_label("Features").fill("Weekly summary e-mail\n\n  Streaks  \n")
    page.fill("#p-due", "2027-Q3")
    page.click("#p-submit")
    expect(page.locator("#propose-error")).to_be_hidden()
    card = page.locator("article.proposal", has_text="Habit loop")
    expect(card.locator("dd ul li")).to_have_text(["Weekly summary e-mail", "Streaks"])
    (proposal,) = pages.state(server, session, pia["token"])["proposals"]
    assert proposal["features"] == ["Weekly summary e-mail", "Streaks"]

    # Amended, its features come back in the form, one per line.
    card.get_by_role("button", name="Amend — Habit loop").click()
    expect(page.get_by_label("Features")).to_have_value("Weekly summary e-mail\nStreaks")


def test_a_press_repeated_offline_is_one_press_and_says_that_it_waits(
    server: LiveServer, open_page, watch: pages.Watch
) -> None:
    """Offline, "Next phase" and "Send comment" pressed twice each: one phase, one comment."""
    watch.allowed.append(re.compile(r"WebSocket connection to .* failed"))
    session, fac, (ann, bob) = team(server, "Ann", "Bob")
    command(server, session, fac, "next_phase")
    proposal = command(
        server, session, bob["token"], "propose_goal", level="vision", title="Healthier lives"
    )["proposal_id"]
    command(server, session, fac, "go_to_phase", phase="present")
    console = console_page(open_page, server, session)
    ann_page = enter(open_page("Ann", pages.PHONE), server, session, ann, "Ann")
    for page in (console, ann_page):
        page.context.set_offline(True)
        expect(page.locator("#offline")).to_be_visible()

    next_phase = console.locator("#next-phase")
    next_phase.click()
    expect(next_phase).to_have_text("Waiting to send…")
    expect(next_phase).to_have_attribute("aria-disabled", "true")
    next_phase.click(force=True)  # aria-disabled, as a person may press it anyway
    ann_page.fill("#c-text", "Which scales first?")
    send = ann_page.locator("#comment-form button[type=submit]")
    send.click()
    expect(send).to_have_text("Waiting to send…")
    send.click(force=True)

    for page in (console, ann_page):
        page.context.set_offline(False)
    expect(next_phase).to_have_text("Next phase")
    expect(next_phase).not_to_have_attribute("aria-disabled", "true")
    expect(ann_page.locator("#c-text")).to_have_value("")
    expect(send).not_to_have_attribute("aria-disabled", "true")
    shown = pages.state(server, session, fac)
    assert [step["phase"] for step in shown["session"]["phase_log"]][-2:] == ["present", "discuss"]
    (commented,) = [p for p in shown["proposals"] if p["id"] == proposal]
    assert [c["text"] for c in commented["comments"]] == ["Which scales first?"]


def test_a_refusal_says_the_phases_in_words_and_goes_when_the_phase_changes(
    server: LiveServer, open_page, watch
) -> None:
    """Opening a ballot while proposing silently said "ballots are held in the discuss or
    decide or review_chain phases" (a sentence without its capital), and the red line stayed
    once the session had moved on to a phase where it no longer held."""
    watch.allowed.append(re.compile(r"status of 409"))
    session, fac, (ann,) = team(server, "Ann")
    command(server, session, fac, "next_phase")
    command(server, session, ann["token"], "propose_goal", level="vision", title="Healthier lives")
    console = console_page(open_page, server, session)
    console.get_by_label("Select Healthier lives").check()
    console.get_by_role("button", name="Open ballot").click()
    error = console.locator("#board-error")
    expect(error).to_have_text(
        "Ballots are held in the phases “discuss”, “decide” and “review the chain”,"
        " not in “propose (silently)”"
    )
    command(server, session, fac, "go_to_phase", phase="discuss")
    expect(console.locator("#phase-h")).to_contain_text("Discuss")
    expect(error).to_be_hidden()


def test_handing_over_asks_one_confirmation_at_a_time_naming_whom(
    server: LiveServer, open_page
) -> None:
    """ "Hand over" named nobody to a screen reader, and pressed on two people it left both
    asking "Confirm: make … facilitator" at once."""
    session, _fac, (ann, bob) = team(server, "Ann", "Bob")
    seen = {
        name: enter(open_page(name, pages.PHONE), server, session, person, name)
        for person, name in ((ann, "Ann"), (bob, "Bob"))
    }
    console = console_page(open_page, server, session)
    console.get_by_role("button", name="Hand over to Ann").click()
    expect(console.get_by_role("button", name="Confirm: make Ann facilitator")).to_be_visible()
    console.get_by_role("button", name="Hand over to Bob").click()
    expect(console.get_by_role("button", name="Confirm: make Bob facilitator")).to_be_visible()
    expect(console.get_by_role("button", name="Hand over to Ann")).to_be_visible()
    expect(console.locator("button.hand-over[data-armed='1']")).to_have_count(1)
    console.get_by_role("button", name="Confirm: make Bob facilitator").click()
    expect(console.locator("body")).to_contain_text("no longer the facilitator")
    facilitator = [p for p in pages.state(server, session, bob["token"])["participants"]]
    assert any(p["name"] == "Bob" and p["role"] == "facilitator" for p in facilitator)
    # Bob's page sends him to the console, and no longer tells him what to do as one taking
    # part (it said both "open the console" and the phase's "vote when a ballot opens").
    expect(seen["Bob"].locator("#now-body .tips li")).to_have_text(
        ["You are the facilitator now: open the console."]
    )
    expect(seen["Bob"].locator("#vote-head")).to_have_text(
        "No ballot yet. You open ballots from the console; the facilitator does not vote."
    )
    # Handed back, the console is the console again, without a reload (it stayed on the
    # banner until one).
    giver = pages.state(server, session, session["facilitator_token"])["me"]["id"]
    command(server, session, bob["token"], "hand_over", participant_id=giver)
    expect(console.locator("#fatal")).to_be_hidden()
    expect(console.get_by_role("button", name="Hand over to Ann")).to_be_visible()


def test_someone_whose_phone_went_flat_gets_back_to_their_place_by_a_new_link(
    server: LiveServer, open_page, watch: Watch
) -> None:
    """Bob's phone went flat; on a borrowed one, joining as "Bob" was refused (one name is one
    person) and nothing else let him in as himself."""
    watch.allowed.append(re.compile(r"Failed to load resource: .* status of 409"))  # "bob"
    session, fac, (bob,) = team(server, "Bob")
    command(server, session, fac, "next_phase")
    command(server, session, bob["token"], "propose_goal", level="vision", title="Move more")
    borrowed = open_page("Bob again", pages.PHONE)
    borrowed.goto(f"{server.url}/s/{session['id']}/join?code={session['join_code']}")
    borrowed.fill("#name", "bob")
    borrowed.get_by_role("button", name="Join").click()
    expect(borrowed.locator("#join-error")).to_contain_text("ask the facilitator for a new link")

    console = console_page(open_page, server, session)
    console.get_by_role("button", name="New link for Bob").click()
    console.get_by_role("button", name="Confirm: replace Bob's link").click()
    link = console.locator("#remote-links code.link")
    expect(link).to_contain_text("/join#token=")
    borrowed.goto(link.inner_text())
    expect(borrowed).to_have_url(re.compile(rf"/s/{session['id']}$"))
    expect(borrowed.locator("#conn")).to_have_text("Live")
    expect(borrowed.locator("article.proposal", has_text="Move more")).to_be_visible()
    me = borrowed.evaluate(f"JSON.parse(localStorage.getItem('workshop:{session['id']}'))")
    assert me["participant_id"] == bob["participant_id"] and me["name"] == "Bob"
    assert server.get(f"/api/sessions/{session['id']}/state", bob["token"]).status_code == 401


def test_the_lost_phone_says_its_link_was_replaced_and_waits_for_nothing(
    server: LiveServer, open_page, watch: Watch
) -> None:
    """The lost phone, back online after Bob got a new link, said "Can't reach the server —
    reconnecting…" for ever, a press on it waited to be sent for ever, and once reloaded it
    offered "Join again", which one name for one person refuses."""
    watch.allowed.append(re.compile(r"WebSocket connection to .* failed|status of 401"))
    session, fac, (bob,) = team(server, "Bob")
    lost = enter(open_page("Bob's lost phone", pages.PHONE), server, session, bob, "Bob")
    expect(lost.locator("#conn")).to_have_text("Live")
    command(server, session, fac, "reissue_link", participant_id=bob["participant_id"])
    fatal = lost.locator("#fatal")
    expect(fatal).to_have_text(
        "Not connected: a new link to your place was made for you, for another device: this"
        " one no longer works. Open the new link, or ask the facilitator for it."
    )
    expect(fatal.locator("a")).to_have_count(0)  # no "Join again": the name is taken
    expect(lost.locator("#offline")).to_be_hidden()
    hand = lost.locator("#floor-body [data-key=hand]")
    hand.click()
    expect(hand).to_have_text("Raise my hand")  # answered, not waiting to be sent for ever


def test_an_observer_is_not_told_they_will_vote(server: LiveServer, open_page) -> None:
    """An observer's page said "When the facilitator opens one, you vote here.", beside
    "you do not propose or vote"."""
    session = server.create_session("strategizing")
    olga = server.join(session, "Olga", "observer")
    page = enter(open_page("Olga"), server, session, olga, "Olga")
    expect(page.locator("#vote-head")).to_have_text(
        "No ballot yet. When the facilitator opens one, you see its turnout here, and its"
        " result after the reveal."
    )


def test_the_author_of_a_proposal_the_facilitator_withdrew_is_told(
    server: LiveServer, open_page
) -> None:
    """The card left the author's board without a word when the facilitator withdrew it."""
    session, fac, (ann,) = team(server, "Ann")
    command(server, session, fac, "next_phase")
    proposal = command(
        server, session, ann["token"], "propose_goal", level="vision", title="Feel strong"
    )["proposal_id"]
    page = enter(open_page("ann"), server, session, ann, "Ann")
    expect(page.locator("#proposals-body")).to_contain_text("Feel strong")
    command(server, session, fac, "withdraw_proposal", proposal_id=proposal)
    note = page.locator(".withdrawn-note")
    expect(note).to_have_text("The facilitator withdrew your proposal “Feel strong”.")
    command(server, session, fac, "restore_proposal", proposal_id=proposal)
    expect(note).to_have_count(0)


def test_a_review_gives_a_kpi_its_owner_from_the_form(server: LiveServer, open_page) -> None:
    """The review listed "KPIs without an owner", and the form had no field to give one:
    only the API could clear the list."""
    session = server.create_session("review", chain=EXAMPLE.read_text())
    pia = server.join(session, "Pia", "product")
    command(server, session, session["facilitator_token"], "go_to_phase", phase="propose")
    page = enter(open_page("Pia"), server, session, pia, "Pia")
    unowned = page.locator(".review-report")
    expect(unowned).to_contain_text("“Launch the premium plan”: paying subscribers")
    page.select_option("#p-change", "amend")
    page.select_option("#p-target", "P2")
    owner = page.locator("#p-metric-rows input[data-field=owner]")
    expect(owner).to_have_value("")
    owner.fill("Sam from Sales")
    page.click("#p-submit")
    expect(page.locator("#propose-error")).to_be_hidden()
    # The page shows the amendment once the server has it (read at once, it was not there yet).
    expect(page.locator("article.proposal")).to_have_count(1)
    # Its card says what it changes in the goal, before anyone votes on it: the card showed
    # only the new values, "paying subscribers: 2000", which read as no change at all.
    expect(page.locator("article.proposal .amends li")).to_have_text(
        ["metric paying subscribers: owner none → Sam from Sales"]
    )
    (proposal,) = pages.state(server, session, pia["token"])["proposals"]
    assert proposal["metrics"] == [
        {"name": "paying subscribers", "target": 2000, "owner": "Sam from Sales"}
    ]
    # Amending a goal whose metric has an owner starts from it (and keeps it).
    page.select_option("#p-change", "amend")
    page.select_option("#p-target", "P1")
    expect(page.locator("#p-metric-rows input[data-field=owner]")).to_have_value("Priya")
    page.locator("#p-metric-rows input[data-field=target]").fill("6000")
    page.fill("#p-due", "2027-Q3")
    page.click("#p-submit")
    card = page.locator("article.proposal", has_text="Acquire users")
    expect(card.locator(".amends li")).to_have_text(
        ["metric weekly active users: target 5000 → 6000", "due 2027-Q2 → 2027-Q3"]
    )
