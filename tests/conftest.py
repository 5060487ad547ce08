"""Fixtures: live servers under each green-thread mode, with their own database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from tests.engine import BACKENDS, Database, sqlite_in
from tests.live import LiveServer, Person

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from tests.browser import OpenPage, Watch
    from tests.tools import PostgresServer

# A 2-core CI machine running servers beside the tests is slow now and then: properties are
# judged on what they find, not on how long one example takes.
settings.register_profile("workshop", deadline=None)
settings.load_profile("workshop")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL cluster for the whole run (each test gets its own database)."""
    from tests.tools import PostgresServer

    cluster = PostgresServer().start()
    yield cluster
    cluster.stop()


@contextmanager
def fresh(request: pytest.FixtureRequest, backend: str, folder: Path) -> Iterator[Database]:
    """A new, empty database of `backend`; SQLite's lives in `folder`."""
    if backend == "sqlite":
        made = sqlite_in(folder)
        yield made
        made.close()
        return
    cluster: PostgresServer = request.getfixturevalue("postgres")
    with cluster.database() as url:
        made = Database(backend, url)
        yield made
        made.close()


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """Every test of the storage runs on SQLite and on PostgreSQL (its id names which)."""
    with fresh(request, request.param, tmp_path) as made:
        yield made


@pytest.fixture(scope="module", params=BACKENDS)
def shared_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """One database of each backend for a module whose tests each make sessions of their own
    in it, as a server's sessions share its database: making, migrating and emptying a
    database for each of them was most of such a test's time."""
    with fresh(request, request.param, tmp_path_factory.mktemp("shared")) as made:
        yield made


@contextmanager
def serving(
    request: pytest.FixtureRequest, folder: Path, backend: str, mode: str = "gevent"
) -> Iterator[LiveServer]:
    with fresh(request, backend, folder) as database:
        started = LiveServer(folder, mode, database=database.server_url).start()
        yield started
        started.stop()


# The browser tests drive pages (layout, focus, keyboard, what a phone shows): their `server`
# runs on SQLite alone. The pages read the same protocol whatever the database, and every
# command and read under them runs on both backends in the protocol-level tests.
PAGE_MODULES = {
    "test_accessibility",
    "test_browser",
    "test_browser_ballots",
    "test_browser_flows",
    "test_browser_plain",
    "test_screen_browser",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "server" in metafunc.fixturenames:
        pages = metafunc.module.__name__.rsplit(".", 1)[-1] in PAGE_MODULES
        backends = ["sqlite"] if pages else BACKENDS
        metafunc.parametrize("server", backends, indirect=True, scope="session")


@pytest.fixture(scope="session")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One gevent server per backend (`pytest_generate_tests` says which), shared by tests
    that each make their own session."""
    with serving(request, tmp_path_factory.mktemp("data"), request.param) as started:
        yield started


@pytest.fixture(
    scope="session",
    params=[(mode, backend) for mode in ("gevent", "eventlet") for backend in BACKENDS],
    ids="-".join,
)
def any_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The same tests under gevent (the default) and eventlet (fully supported), on each
    backend."""
    mode, backend = request.param
    with serving(request, tmp_path_factory.mktemp(mode), backend, mode) as started:
        yield started


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
