"""Pages in a real browser: Debian's Chromium driven by Playwright, watched and checked.

A test module that imports this is skipped when Playwright or Chromium is missing (and
fails in CI, where both must be). The fixtures `browser`, `watch` and `open_page` are in
conftest.py; the helpers here act as one person would on a page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.live import LiveServer, Person, poll

CHROMIUM = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
WHY_NOT = None
try:
    from axe_playwright_python.base import AXE_SCRIPT
    from axe_playwright_python.sync_playwright import DEFAULT_OPTIONS as AXE_OPTIONS
    from playwright.sync_api import (
        Browser,
        Locator,  # noqa: F401 - for the browser tests' type hints
        Page,
        Route,  # noqa: F401 - for the browser tests' type hints
        expect,
        sync_playwright,
    )
except ImportError:  # pragma: no cover - depends on the machine
    WHY_NOT = "playwright or axe-playwright-python is not installed (pip install -e '.[test]')"
if WHY_NOT is None and not CHROMIUM:
    WHY_NOT = "Chromium is not installed (apt-get install chromium)"
if WHY_NOT:
    if os.environ.get("CI"):  # in CI the browser tests must run, never skip
        pytest.fail(f"browser tests cannot run in CI: {WHY_NOT}", pytrace=False)
    pytest.skip(f"browser tests skipped: {WHY_NOT}", allow_module_level=True)

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 900}
WIDE = {"width": 1440, "height": 900}

expect.set_options(timeout=10_000)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, never a browser build downloaded by Playwright."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


class Watch:
    """Collects what must never happen on a page: console errors, exceptions, dialogs."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.allowed: list[re.Pattern] = []

    def attach(self, page: Page, who: str) -> None:
        page.on("console", lambda message: self._console(who, message))
        page.on("pageerror", lambda error: self.problems.append(f"{who}: uncaught {error}"))
        page.on("dialog", lambda dialog: self._dialog(who, dialog))

    def _console(self, who: str, message) -> None:
        if message.type == "error" and not any(p.search(message.text) for p in self.allowed):
            self.problems.append(f"{who}: console error: {message.text}")

    def _dialog(self, who: str, dialog) -> None:
        self.dialogs.append(f"{who}: {dialog.type} {dialog.message!r}")
        dialog.dismiss()

    def check(self) -> None:
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"
        assert not self.problems, "\n".join(self.problems)


OpenPage = Callable[..., Page]


def open_as(page: Page, server: LiveServer, session: dict, joined: dict, name: str) -> Page:
    """Open the participant view as someone who joined through the API (connecting)."""
    page.goto(f"{server.url}/s/{session['id']}/join")
    identity = {"token": joined["token"], "participant_id": joined["participant_id"], "name": name}
    page.evaluate(
        "([key, value]) => localStorage.setItem(key, value)",
        [f"workshop:{session['id']}", json.dumps(identity)],
    )
    page.goto(f"{server.url}/s/{session['id']}")
    return page


def enter(page: Page, server: LiveServer, session: dict, joined: dict, name: str) -> Page:
    """Open the participant view as someone who joined through the API, connected."""
    open_as(page, server, session, joined, name)
    expect(page.locator("#conn")).to_have_text("Live")
    return page


def command(server: LiveServer, session: dict, token: str, name: str, **payload: object) -> dict:
    """Run a command over HTTP as the token's holder (no socket client to tear down)."""
    body = {"cid": uuid.uuid4().hex, **payload}
    answer = server.post(f"/api/sessions/{session['id']}/commands/{name}", body, token)
    assert answer.status_code == 200 and answer.json()["ok"], answer.text
    return answer.json()


def state(server: LiveServer, session: dict, token: str) -> dict:
    return server.get(f"/api/sessions/{session['id']}/state", token=token).json()


@contextmanager
def present(server: LiveServer, session: dict, *joined: dict) -> Iterator[None]:
    """People who act over HTTP, in the room while a ballot opens: its electorate is who is
    present then. Those who were not in the room leave after it (and vote over HTTP), so
    later electorates are as they were."""

    def here() -> set[str]:
        shown = state(server, session, joined[0]["token"])["participants"]
        return {p["id"] for p in shown if p["present"]}

    away = {person["participant_id"] for person in joined} - here()
    clients = [Person(server, person["token"]) for person in joined]
    try:
        yield
    finally:
        for client in clients:
            client.close()
        poll(lambda: not here() & away)


def open_ballot(server: LiveServer, session: dict, voters: list[dict], **fields: object) -> str:
    """A ballot the facilitator opens over HTTP with `voters` (as `server.join` answered) as
    its electorate, each in the room as it opens (see `present`); its id."""
    electorate = [voter["participant_id"] for voter in voters]
    fac = session["facilitator_token"]
    with present(server, session, *voters):
        return command(server, session, fac, "open_ballot", electorate=electorate, **fields)[
            "ballot_id"
        ]


def shoot(page: Page, name: str) -> None:
    if os.environ.get("WORKSHOP_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def console_page(open_page: OpenPage, server: LiveServer, session: dict, **options) -> Page:
    """The facilitator console, opened with the private link."""
    page = open_page("facilitator", WIDE, **options)
    page.goto(f"{server.url}/s/{session['id']}/facilitator#token={session['facilitator_token']}")
    expect(page.locator("#conn")).to_have_text("Live")
    return page


def vision_by_ann(server: LiveServer, title: str) -> tuple[dict, dict, str]:
    """A strategizing session in its propose phase, where Ann (team) proposed a vision."""
    session = server.create_session("strategizing")
    ann = server.join(session, "Ann", "team")
    command(server, session, session["facilitator_token"], "next_phase")
    proposal = command(server, session, ann["token"], "propose_goal", level="vision", title=title)
    return session, ann, proposal["proposal_id"]


def fits(page: Page, width: int = PHONE["width"]) -> None:
    """Nothing sticks out sideways: the page needs no horizontal scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def propose(page: Page, level: str, title: str, metric: tuple[str, str] | None = None) -> None:
    page.select_option("#p-level", level)
    page.fill("#p-title", title)
    if metric:
        page.click("#p-add-metric")
        page.fill("#p-metric-rows input[data-field=name]", metric[0])
        page.fill("#p-metric-rows input[data-field=target]", metric[1])
        page.fill("#p-due", "2027-06-30")
    page.click("#propose-form button[type=submit]")
    expect(page.locator("#propose-error")).to_be_hidden()
    expect(page.locator("#proposals-body")).to_contain_text(title)


def vote(page: Page, choice: str, reason: str = "") -> None:
    page.locator(f"label.choice-{choice}").click()
    if reason:
        page.fill("#vote-reason", reason)
    page.click("#vote-body button[type=submit]")
    label = choice.capitalize() + (f" — {reason}" if reason else "")
    expect(page.locator("#vote-body .my-vote")).to_have_text(f"Your vote: {label}")


def accessible(page: Page, where: str) -> None:
    """axe-core finds no serious or critical violation on the page as it is now.

    Each one found is listed with the elements it concerns, so that a failure says what to fix.
    axe-core (half a megabyte of script) is put into a page once, not before every check.
    """
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    found = page.evaluate(f"axe.run({json.dumps(AXE_OPTIONS)})")["violations"]
    serious = [v for v in found if v["impact"] in ("serious", "critical")]
    lines = [
        f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(map(str, node['target']))}"
        for v in serious
        for node in v["nodes"]
    ]
    assert not lines, f"axe-core on {where}:\n" + "\n".join(lines)
