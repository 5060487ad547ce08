"""Fixtures: live servers under each green-thread mode, with their own database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from tests.live import LiveServer, Person

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from tests.browser import OpenPage, Watch

# A 2-core CI machine running servers beside the tests is slow now and then: properties are
# judged on what they find, not on how long one example takes.
settings.register_profile("workshop", deadline=None)
settings.load_profile("workshop")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One gevent server shared by tests that each make their own session."""
    live = LiveServer(tmp_path_factory.mktemp("data")).start()
    yield live
    live.stop()


@pytest.fixture(scope="session", params=["gevent", "eventlet"])
def any_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The same tests under gevent (the default) and eventlet (fully supported)."""
    live = LiveServer(tmp_path_factory.mktemp(request.param), request.param).start()
    yield live
    live.stop()


@pytest.fixture
def people() -> Iterator[list[Person]]:
    """Clients made in a test, disconnected after it."""
    made: list[Person] = []
    yield made
    # Closing in parallel: under gevent a client waits up to 3 s for the close frame.
    closing = [threading.Thread(target=person.close) for person in made]
    for thread in closing:
        thread.start()
    for thread in closing:
        thread.join()


# The browser fixtures import tests.browser when first used, so that only the browser tests
# skip (or fail in CI) when Playwright or Chromium is missing.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module."""
    from tests.browser import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def watch() -> Watch:
    from tests.browser import Watch

    return Watch()


@pytest.fixture
def open_page(browser: Browser, watch: Watch) -> Iterator[OpenPage]:
    """A page in a fresh browser context, i.e. one person's own browser."""
    from tests.browser import DESKTOP

    contexts = []

    def make(who: str, viewport: dict | None = None, **options: object) -> Page:
        context = browser.new_context(viewport=viewport or DESKTOP, **options)
        contexts.append(context)
        page = context.new_page()
        watch.attach(page, who)
        return page

    yield make
    for context in contexts:
        context.close()
    watch.check()
