"""In a real browser: downloads are named files fetched with the token in a header, and
times show in the viewer's own time zone.

Playwright's download event gives the name the browser saves under and the bytes saved.
"""

from __future__ import annotations

import re
from pathlib import Path

import requests

from tests.browser import (
    PHONE,
    WIDE,
    OpenPage,
    command,
    console_page,
    enter,
    expect,
    open_ballot,
    state,
)
from tests.chains import FITNESS
from tests.live import LiveServer
from tests.plain_text import unreadable

CONSOLE_FILES = {
    "Goal chain file (YAML)": ("Fitness roadmap.goalchain.yaml", "chain", {"format": "yaml"}),
    "Goal chain file (JSON)": ("Fitness roadmap.goalchain.json", "chain", {"format": "json"}),
    "Minutes (printable HTML)": ("Fitness roadmap.minutes.html", "minutes", {"format": "html"}),
    "Minutes (Markdown)": ("Fitness roadmap.minutes.md", "minutes", {"format": "md"}),
    "The whole record (JSON)": ("Fitness roadmap.minutes.json", "minutes", {"format": "json"}),
    "Votes (CSV)": ("Fitness roadmap.votes.csv", "votes.csv", {}),
}


def test_the_console_saves_named_files_and_never_puts_the_token_in_a_url(
    server: LiveServer, open_page: OpenPage
) -> None:
    session = server.create_session("roadmapping", title="Fitness roadmap", chain=FITNESS)
    fac = console_page(open_page, server, session)
    urls: list[str] = []
    fac.on("request", lambda request: urls.append(request.url))
    saved: dict[str, bytes] = {}
    for label, (name, what, params) in CONSOLE_FILES.items():
        with fac.expect_download() as download:
            fac.get_by_role("button", name=label, exact=True).click()
        assert download.value.suggested_filename == name
        saved[name] = Path(download.value.path()).read_bytes()
        assert saved[name] == server.export(session, what, **params).content, name
    expect(fac.locator("#exports-error")).to_be_hidden()
    token = session["facilitator_token"]
    assert urls and not [url for url in urls if token in url]

    # The home page's picker takes the saved chain file, and a new session starts from it.
    home = open_page("next facilitator", WIDE)
    home.goto(server.url + "/")
    accepted = (home.locator("#chain-file").get_attribute("accept") or "").split(",")
    chain_file = "Fitness roadmap.goalchain.yaml"
    assert any(chain_file.endswith(kind) for kind in accepted if kind.startswith("."))
    home.select_option("#kind", "sprint_planning")
    home.fill("#title", "Sprint 1")
    home.fill("#facilitator-name", "Maya")
    home.set_input_files(
        "#chain-file",
        files=[
            {
                "name": chain_file,
                "mimeType": "application/yaml",
                "buffer": saved[chain_file],
            }
        ],
    )
    home.get_by_role("button", name="Create session").click()
    expect(home.locator("#chain-body .node-title").first).to_have_text(
        "Help people live healthier lives"
    )


def test_a_participant_saves_the_chain_file(server: LiveServer, open_page: OpenPage) -> None:
    session = server.create_session("roadmapping", title="Fitness roadmap", chain=FITNESS)
    joined = server.join(session, "Tom", "team")
    tom = enter(open_page("Tom"), server, session, joined, "Tom")
    with tom.expect_download() as download:
        tom.get_by_role("button", name="Goal chain file (YAML)").click()
    assert download.value.suggested_filename == "Fitness roadmap.goalchain.yaml"
    expected = server.export(session, "chain").content
    assert Path(download.value.path()).read_bytes() == expected


def rita_invited(server: LiveServer, **options: str) -> tuple[dict, str]:
    """A roadmapping session with a product goal sent to Rita by personal link: her link."""
    session = server.create_session("roadmapping", chain=FITNESS, **options)
    pia = server.join(session, "Pia", "product")
    command(server, session, session["facilitator_token"], "next_phase")
    goal = {"level": "product", "title": "Smart scale sync", "parents": ["U1"], "due": "2027-Q2"}
    goal["metrics"] = [{"name": "synced users", "target": 500}]
    proposal = command(server, session, pia["token"], "propose_goal", **goal)["proposal_id"]
    sent = command(
        server,
        session,
        session["facilitator_token"],
        "send_remote_ballot",
        proposal_ids=[proposal],
        voters=["Rita"],
        deadline_seconds=3600,
    )
    return session, server.url + sent["invitations"][0]["link"]


def test_the_personal_page_shows_the_deadline_in_the_viewers_time_zone(
    server: LiveServer, open_page: OpenPage
) -> None:
    _session, link = rita_invited(server, time_zone="Europe/Berlin")
    in_new_york = open_page("Rita", PHONE, timezone_id="America/New_York", locale="en-US")
    in_new_york.goto(link)
    expect(in_new_york.locator("time.deadline")).to_contain_text(re.compile(r"EST|EDT|GMT-[45]"))
    without_script = open_page("Rita offline", PHONE, java_script_enabled=False)
    without_script.goto(link)
    expect(without_script.locator("time.deadline")).to_contain_text(re.compile(r"CES?T$"))


def test_the_personal_page_keeps_a_vote_sent_offline_and_says_so(
    server: LiveServer, open_page: OpenPage
) -> None:
    """On a phone out of signal, Vote gave way to the browser's "No internet" page; only Back
    brought the form back, and nothing said what had happened."""
    session, link = rita_invited(server)
    rita = open_page("Rita", PHONE)
    rita.goto(link)
    rita.get_by_label("Concern").check()
    rita.fill("textarea[name=reason]", "the scale vendor is unproven")
    rita.context.set_offline(True)
    rita.get_by_role("button", name="Vote").click()
    expect(rita.locator(".offline-note")).to_have_text(
        "You are offline: nothing was sent. What you entered stays here: press the button"
        " again once you are back online."
    )
    expect(rita.locator("textarea[name=reason]")).to_have_value("the scale vendor is unproven")
    assert state(server, session, session["facilitator_token"])["ballots"][0]["turnout"] == 0
    rita.context.set_offline(False)
    expect(rita.locator(".offline-note")).to_be_hidden()
    rita.get_by_role("button", name="Vote").click()
    expect(rita.locator("body")).to_contain_text("Your vote is recorded.")


def test_pages_show_no_id_snake_case_or_iso_stamp(server: LiveServer, open_page: OpenPage) -> None:
    """A session with a chain, amended proposals, a comment, a KPI reading, a revealed ranked
    ballot and a remote ballot: what each page shows a person, scanned."""
    session = server.create_session("roadmapping", chain=FITNESS, time_zone="Europe/Berlin")
    fac_token = session["facilitator_token"]
    pia = server.join(session, "Pia", "product")
    tom = server.join(session, "Tom", "team")
    command(server, session, fac_token, "next_phase")
    ids = []
    for title in ("Smart scale sync", "Meal photo log"):
        goal = {"level": "product", "title": title, "parents": ["U1"], "due": "2027-Q2"}
        goal["metrics"] = [{"name": "synced users", "target": 500}]
        ids.append(command(server, session, pia["token"], "propose_goal", **goal)["proposal_id"])
    command(server, session, tom["token"], "comment", proposal_id=ids[0], text="Which scales?")
    command(server, session, fac_token, "go_to_phase", phase="decide")
    ballot = open_ballot(
        server,
        session,
        [pia, tom],
        proposal_ids=ids,
        rule="ranked",
        rule_reason="pick one for the quarter",
    )
    for who in (pia, tom):
        vote = {"ranking": [ids[1], ids[0]]}
        command(server, session, who["token"], "cast_vote", ballot_id=ballot, vote=vote)
    command(server, session, fac_token, "close_ballot", ballot_id=ballot, reveal=True)
    sent = command(
        server,
        session,
        fac_token,
        "send_remote_ballot",
        proposal_ids=[ids[0]],
        voters=["Rita"],
        deadline_seconds=3600,
    )

    pages = {
        "console": console_page(open_page, server, session),
        "participant": enter(open_page("Pia"), server, session, pia, "Pia"),
    }
    remote = open_page("Rita", PHONE)
    remote.goto(server.url + sent["invitations"][0]["link"])
    pages["personal link"] = remote
    expect(pages["console"].locator(".reasons").first).to_contain_text("“Meal photo log”")
    for name, page in pages.items():
        text = page.locator("body").inner_text()
        assert not unreadable(text, session["id"]), f"{name}: {unreadable(text, session['id'])}"


def test_the_console_gives_a_remote_person_a_new_link(
    server: LiveServer, open_page: OpenPage
) -> None:
    session, old = rita_invited(server)
    fac = console_page(open_page, server, session)  # a reload: the first links are gone
    rita = fac.locator("#people-body li", has_text="Rita")
    rita.get_by_role("button", name="New link").click()
    rita.get_by_role("button", name="Confirm: replace Rita's link").click()
    expect(fac.locator("#remote-links h3")).to_have_text("New link for Rita")
    new = fac.locator("#remote-links code.link").inner_text()
    assert new != old
    assert requests.get(old, timeout=10).status_code == 401
    assert "Vote on “Smart scale sync”" in requests.get(new, timeout=10).text
