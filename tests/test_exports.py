"""The minutes and votes endpoints against the real server, and `workshop export` as run."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live import LiveServer, Person
from tests.test_minutes import scripted_workshop
from workshop import chainfile, minutes

ROOT = Path(__file__).resolve().parents[1]
TITLE = 'Healthier lives & "fun" > 1'
REASON = 'yes & "why" < 2'


@pytest.fixture(scope="module")
def decided(server: LiveServer) -> dict:
    """A live session in which a vision passed by unanimity, its author hidden."""
    session = server.create_session("strategizing", product="Fitness app")
    fac = Person(server, session["facilitator_token"], "fac")
    voters = []
    for name, role in (("Pia", "product"), ("Tom", "team")):
        joined = server.join(session, name, role)
        voters.append(Person(server, joined["token"], name))
    fac.ok("next_phase")
    vision = voters[1].ok("propose_goal", level="vision", title=TITLE)
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[vision["proposal_id"]])["ballot_id"]
    for person in voters:
        person.ok("cast_vote", ballot_id=ballot, vote={"choice": "agree", "reason": REASON})
    fac.ok("close_ballot", ballot_id=ballot, reveal=True)
    yield session
    for person in (fac, *voters):
        person.close()


def minutes_of(server: LiveServer, workshop_id: str, **params: str):
    return server.get(f"/api/sessions/{workshop_id}/minutes", **params)


def test_the_minutes_default_to_markdown(server: LiveServer, decided: dict) -> None:
    answer = minutes_of(server, decided["id"])
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert answer.text.startswith("# Minutes: strategizing test\n")
    assert "- author: anonymous" in answer.text and "```mermaid" in answer.text


def test_the_minutes_as_printable_html(server: LiveServer, decided: dict) -> None:
    answer = minutes_of(server, decided["id"], format="html")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<svg" in answer.text and "<script" not in answer.text
    assert "Healthier lives &amp; &#34;fun&#34; &gt; 1" in answer.text
    assert "yes &amp; &#34;why&#34; &lt; 2" in answer.text
    policy = answer.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


def test_the_minutes_as_json_hold_the_ballot_record(server: LiveServer, decided: dict) -> None:
    answer = minutes_of(server, decided["id"], format="json")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    record = answer.json()
    assert record["session"]["id"] == decided["id"]
    (ballot,) = record["ballots"]
    assert {"rule", "options", "electorate", "settings", "votes"} <= set(ballot)
    assert ballot["result"]["passed"] is True
    assert record["chain_after"]["vision"]["statement"] == TITLE


def test_the_votes_csv(server: LiveServer, decided: dict) -> None:
    answer = server.get(f"/api/sessions/{decided['id']}/votes.csv")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(row["voter"], row["vote"], row["reason"]) for row in rows] == [
        ("Pia", "agree", REASON),
        ("Tom", "agree", REASON),
    ]


def test_an_unknown_format_is_refused_naming_it(server: LiveServer, decided: dict) -> None:
    answer = minutes_of(server, decided["id"], format="pdf")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid_input" and "'pdf'" in error["message"]


@pytest.mark.parametrize("path", ["minutes", "minutes?format=html", "votes.csv"])
def test_an_unknown_session_is_not_found(server: LiveServer, path: str) -> None:
    answer = server.get(f"/api/sessions/no-such-session/{path}")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


# --- workshop export ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict]:
    """A database folder holding the scripted workshop, and its minutes record."""
    folder = tmp_path_factory.mktemp("exported")
    room, _people = scripted_workshop(folder)
    return folder, room.id, minutes.build(*room.service.history(room.id))


def workshop_export(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workshop", "export", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_export_writes_markdown_minutes_to_standard_output(stored) -> None:
    folder, workshop_id, record = stored
    run = workshop_export(workshop_id, "--data", folder)
    assert run.returncode == 0, run.stderr
    assert run.stdout == minutes.render(record, "md")


@pytest.mark.parametrize(
    "name, dumps", [("chain.yaml", chainfile.dumps), ("chain.json", chainfile.dumps_json)]
)
def test_export_writes_json_minutes_and_the_chain_file(stored, tmp_path: Path, name, dumps) -> None:
    folder, workshop_id, record = stored
    out, chain = tmp_path / "minutes.json", tmp_path / name
    run = workshop_export(
        workshop_id, "--minutes", "json", "--out", out, "--chain", chain, "--data", folder
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8")) == record
    written = chain.read_text(encoding="utf-8")
    assert written == dumps(chainfile.from_document(record["chain_after"]))
    assert chainfile.load(chain) is not None  # a valid chain file, ready for the next session


def test_export_of_the_chain_alone_prints_nothing(stored, tmp_path: Path) -> None:
    folder, workshop_id, _record = stored
    run = workshop_export(workshop_id, "--chain", tmp_path / "c.yaml", "--data", folder)
    assert run.returncode == 0 and run.stdout == ""
    assert (tmp_path / "c.yaml").read_text(encoding="utf-8").startswith("goalchain: 1\n")


def test_export_of_html_minutes(stored) -> None:
    folder, workshop_id, record = stored
    run = workshop_export(workshop_id, "--minutes", "html", "--data", folder)
    assert run.returncode == 0 and run.stdout == minutes.render(record, "html")


@pytest.mark.parametrize(
    "args, message",
    [
        (["no-such-session"], "session 'no-such-session' does not exist"),
        (["x", "--data", "no-such-folder"], "no workshop database in 'no-such-folder'"),
    ],
)
def test_export_fails_with_one_clear_line(stored, tmp_path: Path, args, message) -> None:
    folder, _workshop_id, _record = stored
    data = ["--data", folder] if "--data" not in args else []
    run = workshop_export(*args, *data)
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [f"Error: {message}"]
    assert run.stdout == ""
