"""`workshop migrate`: a real workshop moved SQLite → PostgreSQL → SQLite serves as before."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.chains import FITNESS
from tests.live import ENV, LiveServer, Person, host, seat
from tests.test_remote import form_fields
from tests.tools import PostgresServer
from workshop.store import open_store


def workshop(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workshop", *args], capture_output=True, text=True, env=ENV
    )


def migrate(source: str, target: str) -> subprocess.CompletedProcess:
    return workshop("migrate", "--from", source, "--to", target)


def minutes_of(url: str, session: str) -> tuple[str, str]:
    """The minutes in Markdown and JSON, read from the database with no server running."""
    found = []
    for fmt in ("md", "json"):
        done = workshop("export", "--minutes", fmt, "--database", url, "--", session)
        assert done.returncode == 0, done.stderr
        found.append(done.stdout)
    return found[0], found[1]


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'workshop.db'}"


def refusal(done: subprocess.CompletedProcess) -> str:
    """The one line a refused migration prints; it exits 1 and shows no password."""
    assert done.returncode == 1, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert PostgresServer.PASSWORD not in done.stdout + done.stderr
    return lines[0]


AGREE = {"choice": "agree"}


class Visit:
    """What a server on a copy must do exactly as the original did."""

    def __init__(self, session: dict, tokens: dict[str, str], ballots: list[str], link: str):
        self.session, self.tokens, self.link = session, tokens, link
        self.ballot, self.remote_ballot = ballots
        self.vote_ack: dict = {}
        self.log: list[dict] = []
        self.form: dict = {}
        self.screen = ""

    def record(self, server: LiveServer, pia: Person, fac: Person) -> None:
        """On the original: Pia's vote (cid `pia-vote`), the log, Ann's form, the screen."""
        self.vote_ack = pia.ok("cast_vote", cid="pia-vote", ballot_id=self.ballot, vote=AGREE)
        page = requests.get(server.url + self.link, timeout=10).text
        self.form = form_fields(page, self.remote_ballot)
        self.screen = self.screen_link(server)
        self.ann_votes(server, "first", "agree")
        self.log = fac.ok("sync", since=2)["events"]

    def screen_link(self, server: LiveServer) -> str:
        """The room screen's link, without the server's address: its token is signed."""
        answer = server.get(f"/s/{self.session['id']}/invite", self.session["facilitator_token"])
        assert answer.status_code == 200, answer.text
        return answer.json()["screen"].removeprefix(server.url)

    def ann_votes(self, server: LiveServer, label: str, choice: str) -> None:
        """Ann votes by her personal link with the form she was given on the original."""
        body = {**self.form, "cid": f"{self.form['cid']}-{label}", "choice": choice}
        posted = requests.post(
            f"{server.url}{self.link}/ballots/{self.remote_ballot}", data=body, timeout=10
        )
        assert posted.status_code == 200 and "Your vote is recorded" in posted.text, posted.text

    def check(self, server: LiveServer, people: list[Person], database: str, label: str) -> None:
        """Tokens, acks, the log, the signing key, ballot keys and deadlines, as they were."""
        pia = Person(server, self.tokens["Pia"], "Pia")
        fac = Person(server, self.session["facilitator_token"], "fac")
        people += [pia, fac]
        replayed = pia.send("cast_vote", cid="pia-vote", ballot_id=self.ballot, vote=AGREE)
        assert replayed == self.vote_ack  # a retry after the move gets the same answer
        assert fac.ok("sync", since=2)["events"][: len(self.log)] == self.log
        top = fac.fresh_state()["seq"]
        later = fac.ok("set_time_box", seconds=120)
        assert later["seq"] == top + 1  # the log continues exactly
        assert [e["seq"] for e in fac.ok("sync", since=top)["events"]] == [top + 1]
        assert self.screen_link(server) == self.screen  # signed with the same key
        # The same CSRF key takes Ann's old form; the same ballot key counts her once.
        self.ann_votes(server, label, "disagree")
        ballots = {b["id"]: b for b in fac.fresh_state()["ballots"]}
        assert ballots[self.remote_ballot]["turnout"] == 1
        store = open_store(database)  # and the remote ballot's deadline is still kept
        try:
            with store.reading():
                due = {row["workshop_id"]: row["due_at"] for row in store.rows("deadlines")}
        finally:
            store.close()
        assert due[self.session["id"]] <= ballots[self.remote_ballot]["deadline"]
        pia.close()
        fac.close()


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Visit]]:
    """A workshop run on SQLite and stopped: proposals, a revealed ballot, an open anonymous
    remote ballot with a deadline and a vote by personal link."""
    folder = tmp_path_factory.mktemp("original")
    server, people = LiveServer(folder).start(), []
    try:
        session, fac = host(server, people, "strategizing", chain=FITNESS)
        pia, tom = seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
        fac.ok("next_phase")
        user = {"level": "user", "parents": ["V1"]}
        vision = pia.ok("propose_goal", title="Healthier lives", **user)["proposal_id"]
        other = tom.ok("propose_goal", title="Calmer cities", **user)["proposal_id"]
        fac.ok("go_to_phase", phase="decide")
        ballot = fac.ok("open_ballot", proposal_ids=[vision])["ballot_id"]
        tom.ok("cast_vote", ballot_id=ballot, vote=AGREE)
        remote = fac.ok(
            "send_remote_ballot",
            proposal_ids=[other],
            rule="majority",
            rule_reason="the board votes from afar",
            anonymous=True,
            voters=["Ann", "Ben"],  # Ben never votes: the ballot stays open
            deadline_seconds=3600,
        )
        tokens = {"Pia": pia.token, "Tom": tom.token}
        visit = Visit(
            session, tokens, [ballot, remote["ballot_id"]], remote["invitations"][0]["link"]
        )
        visit.record(server, pia, fac)
    finally:
        for person in people:
            person.close()
        server.stop()
    yield folder, visit


def test_a_workshop_moved_to_postgresql_and_back_serves_exactly_as_before(
    original: tuple[Path, Visit], postgres: PostgresServer, tmp_path: Path, people: list[Person]
) -> None:
    folder, visit = original
    session = visit.session["id"]
    before = minutes_of(sqlite_url(folder), session)
    back = tmp_path / "back"
    with postgres.database() as moved:
        done = migrate(sqlite_url(folder), moved)
        assert done.returncode == 0, done.stderr
        assert postgres.PASSWORD not in done.stdout + done.stderr
        assert minutes_of(moved, session) == before

        on_postgres = LiveServer(tmp_path, database=moved).start()
        try:
            visit.check(on_postgres, people, moved, "pg")
        finally:
            on_postgres.stop()
        after = minutes_of(moved, session)
        assert after != before  # the visit added to the record

        done = migrate(moved, sqlite_url(back))
        assert done.returncode == 0, done.stderr
        assert minutes_of(sqlite_url(back), session) == after

    on_sqlite = LiveServer(back).start()
    try:
        visit.check(on_sqlite, people, sqlite_url(back), "back")
    finally:
        on_sqlite.stop()


def test_a_migration_that_cannot_be_done_is_refused_in_one_line_and_changes_nothing(
    original: tuple[Path, Visit], postgres: PostgresServer, tmp_path: Path
) -> None:
    folder, _visit = original
    source = sqlite_url(folder)
    with postgres.database() as target:
        assert migrate(source, target).returncode == 0
        assert "already holds 1 session" in refusal(migrate(source, target))
        missing = postgres.url("no_such_database")
        assert "no_such_database" in refusal(migrate(missing, sqlite_url(tmp_path / "x")))
        assert not (tmp_path / "x").exists()
    nowhere = tmp_path / "nowhere" / "workshop.db"
    assert "no workshop database" in refusal(migrate(f"sqlite:///{nowhere}", source))
    assert not nowhere.exists()
    wrong = f"mysql://root:{PostgresServer.PASSWORD}@127.0.0.1/workshop"
    assert "database URL" in refusal(migrate(source, wrong))
    served = LiveServer(folder).start()
    try:
        assert "stop every server" in refusal(migrate(source, sqlite_url(tmp_path / "y")))
    finally:
        served.stop()
    assert not (tmp_path / "y").exists()
