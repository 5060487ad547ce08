"""Fixtures: live servers under each green-thread mode, with their own database."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from hypothesis import settings

from tests.live import LiveServer, Person

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
