"""A session driven through the service layer: a real database, a clock the test moves."""

from __future__ import annotations

import itertools
from contextlib import suppress
from pathlib import Path

from workshop.domain.errors import WorkshopError
from workshop.service import Service
from workshop.store import Store, open_store

BACKENDS = ["sqlite", "postgres"]


class Database:
    """A fresh database of one backend (the `database` fixture): what a test opens on it is
    closed after the test."""

    def __init__(self, backend: str, url: str) -> None:
        self.backend, self.url = backend, url
        self.opened: list[Store] = []

    @property
    def server_url(self) -> str | None:
        """What a LiveServer on this database is given: None for SQLite, whose file is the
        default one in the server's data folder (the test's folder)."""
        return None if self.backend == "sqlite" else self.url

    def open(self, **options: object) -> Store:
        store = open_store(self.url, **options)  # type: ignore[arg-type]
        self.opened.append(store)
        return store

    def close(self) -> None:
        for store in self.opened:
            with suppress(Exception):  # a test may have closed it already
                store.close()


def sqlite_in(folder: Path) -> Database:
    return Database("sqlite", f"sqlite:///{folder / 'workshop.db'}")


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Room:
    """One session: join people, run commands as them, read what they see."""

    def __init__(
        self,
        database: Database | Path,
        kind: str = "strategizing",
        chain: object = None,
        **options: object,
    ) -> None:
        """A session on `database`, or on SQLite in a folder (tests of rendering alone)."""
        self.clock = Clock()
        if isinstance(database, Path):
            database = sqlite_in(database)
        self.service = Service(database.open(), clock=self.clock)
        created = self.service.create(kind, f"{kind} session", "Fitness app", chain, **options)
        self.id, self.fac, self.join_code = created["id"], "pt1", created["join_code"]
        self._cids = itertools.count(1)

    def join(self, name: str, role: str, present: bool = True) -> str:
        person = self.service.join(self.id, self.join_code, name, role)["participant_id"]
        if present:
            self.service.connected(self.id, person)
        return person

    def do(self, actor: str, command: str, **payload: object) -> dict:
        return self.service.execute(self.id, actor, command, payload, f"c{next(self._cids)}")

    def refused(self, actor: str, command: str, code: str, **payload: object) -> str:
        try:
            self.do(actor, command, **payload)
        except WorkshopError as error:
            assert error.code == code, f"{command}: {error.code} {error.message}"
            return error.message
        raise AssertionError(f"{command} by {actor} was accepted")

    def view(self, person: str) -> dict:
        return self.service.snapshot(self.id, person)

    @property
    def state(self):
        return self.service.state(self.id)

    def events(self, kind: str) -> list[dict]:
        return [e for e in self.service.store.events(self.id) if e["type"] == kind]

    def vote(self, ballot: str, votes: dict[str, dict]) -> None:
        for person, vote in votes.items():
            self.do(person, "cast_vote", ballot_id=ballot, vote=vote)

    def propose(self, person: str, **fields: object) -> str:
        return self.do(person, "propose_goal", **fields)["proposal_id"]
