"""The minutes and votes endpoints against the real server, and `workshop export` as run."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import requests

from tests.chains import FITNESS
from tests.live import LiveServer, Person, host, seat
from tests.test_ballot_flows import ranked, reveal, strategy, visions
from tests.test_minutes import scripted_workshop
from tests.test_workshop_e2e import vote_all
from workshop import chainfile, minutes
from workshop.service import new_session_id

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


def minutes_of(server: LiveServer, session: dict, **params: str):
    return server.export(session, "minutes", **params)


def test_the_minutes_default_to_markdown(server: LiveServer, decided: dict) -> None:
    answer = minutes_of(server, decided)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert answer.text.startswith("# Minutes: strategizing test\n")
    assert "- Author: anonymous" in answer.text and "```mermaid" in answer.text


def test_the_minutes_name_their_time_zone_as_people_read_it(server: LiveServer) -> None:
    """ "America/New\\_York time" in the Markdown header: the zone's name is no markup."""
    session = server.create_session("review", title="Q2 review", time_zone="America/New_York")
    markdown = minutes_of(server, session).text
    assert "every time in these minutes is America/New York time" in markdown


def test_the_minutes_as_printable_html(server: LiveServer, decided: dict) -> None:
    answer = minutes_of(server, decided, format="html")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<svg" in answer.text and "<script" not in answer.text
    assert "Healthier lives &amp; &#34;fun&#34; &gt; 1" in answer.text
    assert "yes &amp; &#34;why&#34; &lt; 2" in answer.text
    policy = answer.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


def test_the_minutes_as_json_hold_the_ballot_record(server: LiveServer, decided: dict) -> None:
    answer = minutes_of(server, decided, format="json")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    record = answer.json()
    assert record["session"]["id"] == decided["id"]
    (ballot,) = record["ballots"]
    assert {"rule", "options", "electorate", "settings", "votes"} <= set(ballot)
    assert ballot["result"]["passed"] is True
    assert record["chain_after"]["vision"]["statement"] == TITLE


def test_the_votes_csv(server: LiveServer, decided: dict) -> None:
    answer = server.export(decided, "votes.csv")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(row["voter"], row["vote"], row["reason"]) for row in rows] == [
        ("Pia", "agree", REASON),
        ("Tom", "agree", REASON),
    ]


def test_an_unknown_format_is_refused_naming_it(server: LiveServer, decided: dict) -> None:
    answer = minutes_of(server, decided, format="pdf")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid_input" and "'pdf'" in error["message"]


DOWNLOADS = {
    "chain?format=yaml": ("goalchain.yaml", "application/yaml"),
    "chain?format=json": ("goalchain.json", "application/json"),
    "minutes?format=md": ("minutes.md", "text/markdown; charset=utf-8"),
    "minutes?format=html": ("minutes.html", "text/html; charset=utf-8"),
    "minutes?format=json": ("minutes.json", "application/json"),
    "votes.csv": ("votes.csv", "text/csv; charset=utf-8"),
}


def read(server: LiveServer, workshop_id: str, path: str, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(
        f"{server.url}/api/sessions/{workshop_id}/{path}", headers=headers, timeout=10
    )


@pytest.mark.parametrize("path", DOWNLOADS)
def test_every_download_is_a_named_file(server: LiveServer, decided: dict, path: str) -> None:
    answer = read(server, decided["id"], path, decided["facilitator_token"])
    assert answer.status_code == 200, answer.text
    suffix, media_type = DOWNLOADS[path]
    assert answer.headers["Content-Type"] == media_type
    disposition = answer.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="strategizing test.{suffix}"')
    assert f"filename*=UTF-8''strategizing%20test.{suffix}" in disposition


def test_a_title_becomes_a_safe_file_name(server: LiveServer) -> None:
    session = server.create_session("review", title='Q3: "Café" / review?')
    answer = server.export(session, "chain")
    assert answer.headers["Content-Disposition"] == (
        'attachment; filename="Q3 Cafe review.goalchain.yaml"; '
        "filename*=UTF-8''Q3%20Caf%C3%A9%20review.goalchain.yaml"
    )


@pytest.mark.parametrize(
    ("title", "plain"),
    [("Café Ünïcode 🚀", "Cafe Unicode"), ("目標 2027", "2027"), ("目標", "workshop")],
)
def test_a_file_names_ascii_form_is_a_name_too(server: LiveServer, title: str, plain: str) -> None:
    """What ASCII keeps of a title: no space left where an emoji was ("Cafe Unicode .md"),
    never nothing at all (a hidden ".minutes.md")."""
    session = server.create_session("strategizing", title=title)
    disposition = server.export(session, "minutes", format="md").headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="{plain}.minutes.md"; filename*=')


@pytest.mark.parametrize("path", DOWNLOADS)
def test_reading_a_session_needs_a_token_of_that_session(
    server: LiveServer, decided: dict, path: str
) -> None:
    other = server.create_session("review")
    refusals = {
        "no token": read(server, decided["id"], path),
        "a token of another session": read(server, decided["id"], path, other["facilitator_token"]),
        "a made-up token": read(server, decided["id"], path, "not-a-token"),
        "an unknown session": read(server, "no-such-session", path, other["facilitator_token"]),
    }
    for why, answer in refusals.items():
        assert answer.status_code == 401, f"{why}: {answer.status_code} {answer.text[:200]}"
        assert answer.json()["error"]["code"] == "unauthorized", why
        assert "Pia" not in answer.text and "Content-Disposition" not in answer.headers, why


def test_participants_observers_and_live_personal_links_may_read(
    server: LiveServer, people
) -> None:
    session, fac = host(server, people, "strategizing")
    member = server.join(session, "Tom", "team")
    observer = server.join(session, "Olga", "observer")
    fac.ok("next_phase")
    vision = Person(server, member["token"], "Tom")
    people.append(vision)
    proposal = vision.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    invited = fac.ok(
        "send_remote_ballot",
        proposal_ids=[proposal],
        voters=[{"name": "Rita"}],
        deadline_seconds=3600,
    )["invitations"][0]
    for who, token in (
        ("participant", member["token"]),
        ("observer", observer["token"]),
        ("personal link", invited["token"]),
    ):
        for path in DOWNLOADS:
            answer = read(server, session["id"], path, token)
            assert answer.status_code == 200, f"{who} {path}: {answer.text[:200]}"


def test_a_session_without_a_product_writes_the_whole_skeleton_and_reads_it_back(
    server: LiveServer, people
) -> None:
    """PRODUCT.md §1: every chain file keeps goalchain, product, vision and goals; export then
    import gives back the same file byte for byte."""
    session, fac = host(server, people, "strategizing")
    (pia,) = seat(server, session, people, ("Pia", "product"))
    fac.ok("next_phase")
    vision = pia.ok("propose_goal", level="vision", title="Healthier lives")["proposal_id"]
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[vision])["ballot_id"]
    pia.ok("cast_vote", ballot_id=ballot, vote={"choice": "agree"})
    fac.ok("close_ballot", ballot_id=ballot, reveal=True)

    exported = server.export(session, "chain", format="yaml").text
    assert exported.splitlines()[:2] == ["goalchain: 1", "product: null"]
    assert "\ngoals: []\n" in exported
    as_json = server.export(session, "chain", format="json").json()
    assert list(as_json) == ["goalchain", "product", "vision", "goals"]
    assert as_json["product"] is None
    again = server.create_session("review", chain=exported)
    assert server.export(again, "chain", format="yaml").text == exported


def test_the_minutes_name_the_text_voted_on_not_a_later_revision(
    server: LiveServer, people
) -> None:
    """A proposal rejected and then revised: its ballot names the text that was voted on."""
    session, fac = host(server, people, "roadmapping", chain=FITNESS)
    pia, tom = seat(server, session, people, ("Pia", "product"), ("Tom", "team"))
    fac.ok("next_phase")
    goal = {"parents": ["U1"], "metrics": [{"name": "runs", "target": 1}], "due": "2027-05"}
    proposal = tom.ok("propose_goal", level="product", title="Run tracker", **goal)
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[proposal["proposal_id"]])["ballot_id"]
    pia.ok("cast_vote", ballot_id=ballot, vote={"choice": "consent"})  # Tom never responds
    fac.ok("close_ballot", ballot_id=ballot, reveal=True)
    tom.ok("edit_proposal", proposal_id=proposal["proposal_id"], title="Run tracker v2")

    text = server.export(session, "minutes", format="md").text
    assert "### Consent on “Run tracker”\n" in text
    assert "- Outcome: “Run tracker” not accepted" in text
    assert "“Run tracker”: did not pass by consent" in text
    assert "“Run tracker v2”: did not pass" not in text
    assert "“Run tracker v2” not accepted" not in text
    assert "Consent on “Run tracker v2”" not in text
    assert "- “Run tracker” was revised after this ballot: now “Run tracker v2”." in text
    record = server.export(session, "minutes", format="json").json()
    assert record["ballots"][0]["titles"] == {proposal["proposal_id"]: "Run tracker"}


# --- workshop export ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict]:
    """A database folder holding the scripted workshop, and its minutes record."""
    folder = tmp_path_factory.mktemp("exported")
    room, _people = scripted_workshop(folder)
    return folder, room.id, minutes.build(*room.service.history(room.id))


def test_no_session_id_reads_as_an_option_on_the_command_line() -> None:
    """`workshop export SESSION` takes the id as typed: one starting with '-' would be read
    as an option (one id in 64 did)."""
    made = [new_session_id() for _ in range(2000)]
    assert not [made_id for made_id in made if made_id.startswith("-")]
    assert len(set(made)) == len(made)


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


def test_exports_name_goals_by_id_or_title_and_keep_the_deciders_decision(
    server: LiveServer, people
) -> None:
    """A ranked ballot and a decider going against advice with an objection: votes.csv and
    the chain file say titles (the chain: goal ids once accepted), never a proposal's id."""
    session, fac, (pia, tom, una) = strategy(server, people)
    (vision,) = visions(tom, "Help people live healthier lives")
    brand, revenue, wellness = (
        tom.ok("propose_goal", level="business", title=title)["proposal_id"]
        for title in ("Strengthen the brand", "New revenue", "Corporate wellness")
    )
    fac.ok("go_to_phase", phase="decide")
    ballot = fac.ok("open_ballot", proposal_ids=[vision])["ballot_id"]
    vote_all(ballot, {person: {"choice": "agree"} for person in (pia, tom, una)})
    reveal(fac, ballot)
    ranked(fac, [brand, revenue, wellness], {p: [revenue, wellness, brand] for p in (pia, tom)})
    decider = fac.ok(
        "open_ballot", proposal_ids=[wellness], rule="decider", rule_reason="product call"
    )["ballot_id"]
    advice = {"choice": "objection", "reason": "distracts from the app"}
    vote_all(decider, {pia: {"choice": "consent"}, tom: advice, una: {"choice": "consent"}})
    reveal(fac, decider)
    pia.ok("record_decision", ballot_id=decider, passed=True, rationale="a small pilot")

    chain = server.export(session, "chain", format="yaml").text
    assert not re.search(r"\b(pr|pt)\d+\b", chain), chain
    tallied = {goal.title: goal.decided for goal in chainfile.loads(chain).goals}
    assert set(tallied["New revenue"]["tally"]["pairwise"]) == {
        "B1",
        "Strengthen the brand",
        "Corporate wellness",
    }
    decided = tallied["Corporate wellness"]
    assert decided["advisory_rule"] == "consent"
    assert decided["decision"] == {"by": "Pia", "passed": True, "rationale": "a small pilot"}
    schema = json.loads((ROOT / "docs" / "goalchain.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(server.export(session, "chain", format="json").text), schema)
    again, _ = host(server, people, "roadmapping", chain=chain)
    assert server.export(again, "chain", format="yaml").text == chain  # byte for byte

    rows = list(csv.DictReader(io.StringIO(server.export(session, "votes.csv").text)))
    ranked_rows = [row for row in rows if row["rule"] == "ranked"]
    assert {row["options"] for row in ranked_rows} == {
        "“Strengthen the brand”; “New revenue”; “Corporate wellness”"
    }
    assert ranked_rows[0]["vote"] == "“New revenue” > “Corporate wellness” > “Strengthen the brand”"
    assert not any(re.search(r"\b(pr|pt)\d+\b", ",".join(row.values())) for row in rows)


def test_a_reopened_session_keeps_who_stayed_connected_in_its_attendance(
    server: LiveServer, people: list[Person]
) -> None:
    """Closed, reopened and closed again while Pia stayed connected: the minutes said she
    left at the first close, though she proposed a goal after it."""
    session, fac = host(server, people, "strategizing", title="Reopened")
    (pia,) = seat(server, session, people, ("Pia", "product"))
    fac.ok("go_to_phase", phase="close")
    fac.ok("go_to_phase", phase="propose")  # reopened, Pia still here
    pia.ok("propose_goal", level="vision", title="Healthy lives")
    fac.ok("go_to_phase", phase="close")

    record = minutes_of(server, session, format="json").json()
    spans = [row for row in record["attendance"] if row["participant_id"] == pia.id]
    assert len(spans) == 2, spans  # one for each time the session was open
    assert spans[0]["disconnected_at"] is not None and spans[1]["disconnected_at"] is None
    line = next(x for x in minutes_of(server, session).text.splitlines() if x.startswith("| Pia"))
    assert line.endswith("to the end |"), line


def test_the_minutes_keep_the_planned_agenda_and_each_change_made_to_it(
    server: LiveServer, people: list[Person]
) -> None:
    """The minutes' "Planned" showed the agenda as it ended, and nothing said it had been
    changed: the phase left out had never existed, as far as the minutes told."""
    session, fac = host(server, people, "strategizing", title="Reordered")
    planned = fac.fresh_state()["session"]["agenda"]
    assert "discuss" in planned
    fac.ok("next_phase")
    changed = [phase for phase in planned if phase != "discuss"]
    fac.ok("reorder_agenda", agenda=changed)

    record = minutes_of(server, session, format="json").json()["agenda"]
    assert record["planned"] == planned and record["phases"] == changed
    assert [change["phases"] for change in record["changes"]] == [changed]
    text = minutes_of(server, session).text
    assert "Planned: Check-in → Propose (silently) → Present → Discuss → Decide" in text
    (line,) = [x for x in text.splitlines() if x.startswith("Changed at ")]
    assert line.endswith("Present → Decide → Review the chain → Close (left out: discuss)"), line
