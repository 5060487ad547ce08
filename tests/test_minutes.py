"""The minutes of a scripted workshop: golden Markdown and JSON, HTML, CSV, anonymity, recount.

The workshop runs through the service on a real database with a clock that moves a fixed
step at every reading, so the minutes are the same on every run. To rewrite the golden
files after an intended change: UPDATE_GOLDEN=1 pytest tests/test_minutes.py, then read
the diff before committing it.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests.engine import Clock, Room
from tests.plain_text import html_text, markdown_text, unreadable
from workshop import chainfile, minutes

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
STEP = 5.0
INPUT_CHAIN = {
    "goalchain": 1,
    "product": "Fitness app",
    "vision": {"id": "V1", "statement": "Help people live healthier lives"},
    "goals": [
        {
            "id": "U1",
            "level": "user",
            "title": "Track workouts without effort",
            "parents": ["V1"],
            "metrics": [{"name": "weekly active users", "baseline": 1200, "target": 5000}],
            "due": "2027-06-30",
        }
    ],
}
TRICKY = 'Gyms compete with us: cost < 2 * gain & "churn" [sic] | #1'  # markup characters


class Ticking(Clock):
    """Every reading moves time on by STEP: each command gets its own moment."""

    def __call__(self) -> float:
        self.now += STEP
        return self.now


def ticking_room(folder: Path, chain: object = INPUT_CHAIN) -> Room:
    room = Room(folder, "strategizing", chain, time_zone="Europe/Berlin")
    room.service.clock = room.clock = Ticking(room.clock.now)
    return room


def check_in(room: Room, passing: str) -> None:
    """A round-robin, seniors last, in which `passing` passes and everyone else speaks."""
    room.do(room.fac, "start_round", seniors_last=True, purpose="check-in")
    while room.state.floor.round is not None:
        holder = room.state.floor.holder.participant_id
        room.do(holder, "pass_turn" if holder == passing else "end_turn")


def scripted_workshop(folder: Path) -> tuple[Room, dict[str, str]]:
    """Joins, a round, proposals (one silent), unanimity, consent with an objection ruled
    not paramount, an anonymous majority, a ranked ballot, a KPI reading, an unrevealed
    ballot, and someone leaving before the close."""
    room = ticking_room(folder)
    fac = room.fac
    pia, tom, una = room.join("Pia", "product"), room.join("Tom", "team"), room.join("Una", "team")
    raj, olga = room.join("Raj", "stakeholder"), room.join("Olga", "observer")
    check_in(room, passing=una)

    room.do(fac, "next_phase")  # propose: silent, authors hidden
    pr1 = room.propose(
        una,
        level="user",
        title="Lose weight without dieting misery",
        parents=["V1"],
        metrics=[{"name": "self-reported misery", "baseline": 7, "target": 3, "unit": "1-10"}],
        due="2027-06-30",
    )
    room.do(fac, "skip_phase")  # past present, to discuss
    pr2 = room.propose(
        raj,
        level="business",
        title="Premium coaching tier",
        metrics=[{"name": "monthly revenue", "target": 20000, "unit": "EUR"}],
        due="2027-Q4",
    )
    pr3 = room.propose(tom, level="business", title="Partner with gyms & clinics")
    pr4, pr5, pr6 = (
        room.propose(pia, level="user", title=title)
        for title in ("Sleep better", "Eat better", "Move more")
    )
    pr7 = room.propose(tom, level="user", title="Move more every day")
    pr8 = room.propose(raj, level="business", title="Sell anonymised user data")
    room.do(fac, "merge_proposals", into=pr6, merge=[pr7])
    room.do(raj, "withdraw_proposal", proposal_id=pr8)
    room.do(una, "edit_proposal", proposal_id=pr1, due="2027-09-30")
    room.do(tom, "edit_proposal", proposal_id=pr3, metrics=[{"name": "partner gyms", "target": 50}])
    room.do(raj, "comment", proposal_id=pr1, text="How do we measure *misery*? Ask [weekly] | more")
    room.do(pia, "comment", proposal_id=pr3, text="Start with two cities")

    room.do(tom, "raise_hand")
    room.do(pia, "raise_hand")
    room.do(fac, "grant_floor")
    room.do(tom, "end_turn")  # the floor passes to Pia, next in the queue
    room.do(pia, "end_turn")
    room.do(fac, "grant_floor", participant_id=raj)
    room.do(fac, "end_turn")

    room.do(fac, "go_to_phase", phase="decide")
    b1 = room.do(fac, "open_ballot", proposal_ids=[pr1])["ballot_id"]
    room.vote(b1, {person: {"choice": "agree"} for person in (pia, tom, una, raj)})
    room.do(fac, "close_ballot", ballot_id=b1, reveal=True)

    b2 = room.do(
        fac,
        "open_ballot",
        proposal_ids=[pr3],
        rule="consent",
        rule_reason="the stakeholders asked for consent on partnerships",
    )["ballot_id"]
    while room.state.floor.round is not None:  # the consent round: everyone speaks
        room.do(room.state.floor.holder.participant_id, "end_turn")
    room.vote(
        b2,
        {
            pia: {"choice": "consent"},
            tom: {"choice": "consent"},
            una: {"choice": "concern", "reason": "Contracts take time"},
            raj: {"choice": "objection", "reason": TRICKY},
        },
    )
    room.do(fac, "close_ballot", ballot_id=b2, reveal=True)
    room.do(
        fac,
        "rule_objection",
        ballot_id=b2,
        voter=raj,
        stands=False,
        reason="A preference, not harm to the aim",
    )

    b3 = room.do(
        fac,
        "open_ballot",
        proposal_ids=[pr2],
        rule="majority",
        rule_reason="a quick secret check on pricing",
        anonymous=True,
    )["ballot_id"]
    room.vote(
        b3,
        {
            pia: {"choice": "agree"},
            tom: {"choice": "agree"},
            una: {"choice": "disagree", "reason": "Too early for pricing"},
            raj: {"choice": "abstain"},
        },
    )
    room.do(fac, "close_ballot", ballot_id=b3, reveal=True)

    b4 = room.do(
        fac,
        "open_ballot",
        proposal_ids=[pr4, pr5, pr6],
        rule="ranked",
        rule_reason="pick one user goal for this year",
    )["ballot_id"]
    room.vote(
        b4,
        {
            pia: {"ranking": [pr6, pr4, pr5]},
            tom: {"ranking": [pr6, pr5, pr4]},
            una: {"ranking": [pr4, pr6, pr5]},
            raj: {"ranking": [pr5]},
        },
    )
    room.do(fac, "close_ballot", ballot_id=b4)
    room.do(fac, "reveal_ballot", ballot_id=b4)
    room.do(
        pia, "record_kpi", goal_id="U1", metric="weekly active users", value=1350, date="2027-01-10"
    )

    b5 = room.do(fac, "open_ballot", proposal_ids=[pr4])["ballot_id"]
    room.vote(b5, {pia: {"choice": "agree"}, una: {"choice": "disagree"}})
    room.do(fac, "close_ballot", ballot_id=b5)  # closed, never revealed

    leaving = [r for r in room.service.store.attendance(room.id) if r["participant_id"] == tom]
    room.service.disconnected(leaving[0]["id"])
    room.do(fac, "next_phase")
    room.do(fac, "next_phase")
    people = {"Pia": pia, "Tom": tom, "Una": una, "Raj": raj, "Olga": olga}
    return room, people


def other_rules_workshop(folder: Path) -> tuple[Room, dict[str, str]]:
    """Dot voting, fist of five, a decider going against the advice, and a remote ballot."""
    room = ticking_room(folder)
    fac = room.fac
    pia, tom = room.join("Pia", "product"), room.join("Tom", "team")
    room.do(fac, "go_to_phase", phase="discuss")
    a, b, c, d, e = (room.propose(tom, level="user", title=title) for title in "ABCDE")
    dot = room.do(
        fac,
        "open_ballot",
        proposal_ids=[a, b, c],
        rule="dot",
        rule_reason="a shortlist",
        settings={"dots": 2, "max_per_option": 1},
    )["ballot_id"]
    room.vote(dot, {pia: {"dots": {a: 1, c: 1}}, tom: {"dots": {a: 1, b: 1}}})
    room.do(fac, "close_ballot", ballot_id=dot, reveal=True)
    fist = room.do(
        fac, "open_ballot", proposal_ids=[a], rule="fist_of_five", rule_reason="confidence"
    )["ballot_id"]
    room.vote(fist, {pia: {"value": 4}, tom: {"value": 2}})
    room.do(fac, "close_ballot", ballot_id=fist, reveal=True)
    room.do(fac, "end_turn")  # Tom, who showed 2, was given the floor first
    decider = room.do(
        fac, "open_ballot", proposal_ids=[d], rule="decider", rule_reason="Pia owns the product"
    )["ballot_id"]
    while room.state.floor.round is not None:
        room.do(room.state.floor.holder.participant_id, "end_turn")
    room.vote(
        decider,
        {pia: {"choice": "consent"}, tom: {"choice": "objection", "reason": "not now"}},
    )
    room.do(fac, "close_ballot", ballot_id=decider, reveal=True)
    room.do(pia, "record_decision", ballot_id=decider, passed=True, rationale="Needed for Q3")
    sent = room.do(
        fac, "send_remote_ballot", proposal_ids=[e], voters=["Rosa"], deadline_seconds=3600
    )
    rosa = next(x for x in sent["events"] if x["type"] == "participant_joined")["participant"]
    room.do(rosa["id"], "cast_vote", ballot_id=sent["ballot_id"], vote={"choice": "agree"})
    return room, {"Pia": pia, "Tom": tom, "Rosa": rosa["id"]}


@pytest.fixture(scope="module")
def workshop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Room, dict[str, str]]:
    return scripted_workshop(tmp_path_factory.mktemp("minutes"))


@pytest.fixture(scope="module")
def record(workshop) -> dict:
    room, _people = workshop
    return minutes.build(*room.service.history(room.id))


def without_session_id(text: str, workshop_id: str) -> str:
    """The session id is random: the golden files say SESSION instead."""
    escaped = chainfile.markdown_text(workshop_id)
    return text.replace(escaped, "SESSION").replace(workshop_id, "SESSION")


def matches_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {name}: run with UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file"


# --- golden files ---------------------------------------------------------------------------


def test_markdown_minutes_match_the_golden_file(workshop, record) -> None:
    room, _people = workshop
    matches_golden("minutes.md", without_session_id(minutes.render(record, "md"), room.id))


def test_json_minutes_match_the_golden_file(workshop, record) -> None:
    room, _people = workshop
    matches_golden("minutes.json", without_session_id(minutes.render(record, "json"), room.id))


def test_a_ballot_on_a_text_revised_since_says_what_changed(tmp_path: Path) -> None:
    """An objection that stood sent "Move more" back; its author changed only the target,
    and the second round passed. Both ballots read "Consent on “Move more”", with nothing
    to tell which target each voted on: the note came only when the title changed."""
    room = ticking_room(tmp_path)
    pia, tom = room.join("Pia", "product"), room.join("Tom", "team")
    room.do(room.fac, "go_to_phase", phase="propose")
    steps = {"level": "user", "title": "Move more", "metrics": [{"name": "steps", "target": 20000}]}
    proposal = room.propose(tom, **steps)
    room.do(room.fac, "go_to_phase", phase="decide")
    rule = {"rule": "consent", "rule_reason": "a check"}
    first = room.do(room.fac, "open_ballot", proposal_ids=[proposal], **rule)["ballot_id"]
    objection = {"choice": "objection", "reason": "20000 steps will hurt people"}
    room.vote(first, {pia: objection, tom: {"choice": "consent"}})
    room.do(room.fac, "close_ballot", ballot_id=first, reveal=True)
    room.do(room.fac, "rule_objection", ballot_id=first, voter=pia, stands=True, reason="harm")
    gentler = [{"name": "steps", "target": 8000}]
    room.do(tom, "edit_proposal", proposal_id=proposal, metrics=gentler, due="2027-06")
    second = room.do(room.fac, "open_ballot", proposal_ids=[proposal], **rule)["ballot_id"]
    room.vote(second, {pia: {"choice": "consent"}, tom: {"choice": "consent"}})
    room.do(room.fac, "close_ballot", ballot_id=second, reveal=True)
    text = minutes.render(minutes.build(*room.service.history(room.id)), "md")
    note = "“Move more” was revised after this ballot (changed: metrics and due date)."
    assert text.count(note) == 2  # under the first ballot, and in the summary's line of it
    ballots = text[text.index("\n## Ballots") :]
    first_part, second_part = ballots.split("### Consent on “Move more”")[1:3]
    assert note in first_part and "revised after this ballot" not in second_part


def test_a_description_of_several_lines_keeps_them_in_the_markdown_minutes(
    tmp_path: Path,
) -> None:
    """Written as a short list, the description ran together into one line ("Why: - fewer
    gym visits - more walking"); a line of its own that looks like markup stays text."""
    room = ticking_room(tmp_path)
    tom = room.join("Tom", "team")
    room.do(room.fac, "go_to_phase", phase="propose")
    description = "Why:\n- fewer gym visits\n2. more walking\n===\n\nSee 2027-06 survey"
    room.propose(tom, level="user", title="Move more", description=description)
    record = minutes.build(*room.service.history(room.id))
    page = minutes.render(record, "html")
    assert '<span class="lines">Description: Why:\n- fewer gym visits\n2. more' in page
    assert ".lines { white-space: pre-line; }" in page
    text = minutes.render(record, "md")
    said = "- Description: Why:\\\n  \\- fewer gym visits\\\n  2\\. more walking\\\n"
    said += "  \\===\\\n  See 2027-06 survey\n"
    assert said in text, text[text.index("Move more") :][:600]


def test_a_moment_at_the_floor_is_no_zero_seconds_beside_a_share(tmp_path: Path) -> None:
    """ "0.0 s" beside a share of "1%": a turn of a hundredth of a second among short ones."""
    room = Room(tmp_path, "strategizing", INPUT_CHAIN, time_zone="Europe/Berlin")
    tom, una = room.join("Tom", "team"), room.join("Una", "team")
    room.do(room.fac, "grant_floor", participant_id=tom)
    room.clock.advance(0.01)
    room.do(room.fac, "grant_floor", participant_id=una)
    room.clock.advance(1.0)
    room.do(room.fac, "end_turn")
    text = minutes.render(minutes.build(*room.service.history(room.id)), "md")
    assert "| Tom | under 0.1 s | 1 | 0 | 0 | 1% |" in text, text[text.index("## Airtime") :][:500]
    assert "0.0 s" not in text[text.index("## Airtime") :]


def test_a_decider_ballot_not_revealed_reads_as_a_sentence(tmp_path: Path) -> None:
    """ "“Tracker B”: a a decider after advice vote, not revealed"."""
    room = Room(tmp_path, "strategizing", INPUT_CHAIN)
    room.join("Pia", "product")  # the decider
    tom = room.join("Tom", "team")
    room.do(room.fac, "go_to_phase", phase="propose")
    proposal = room.propose(tom, level="user", title="Tracker B", parents=["V1"])
    room.do(room.fac, "go_to_phase", phase="decide")
    room.do(room.fac, "open_ballot", proposal_ids=[proposal], rule="decider", rule_reason="r")
    text = minutes.render(minutes.build(*room.service.history(room.id)), "md")
    assert "“Tracker B”: a vote by a decider after advice, not revealed (0 of 2 voted)" in text


def test_after_a_hand_over_the_minutes_keep_each_role_held_and_the_airtime_before_it(
    tmp_path: Path,
) -> None:
    """The minutes listed the one who created and ran the session as an observer, the team
    member who took over as having joined as facilitator, and dropped that member's airtime
    row (turns and proposals before the hand-over) while the turns table still showed it."""
    room = ticking_room(tmp_path)
    tom, una = room.join("Tom", "team"), room.join("Una", "team")
    room.do(room.fac, "go_to_phase", phase="discuss")  # not silent: authors are named
    room.propose(tom, level="user", title="Move more")
    room.do(room.fac, "grant_floor", participant_id=tom)
    room.do(tom, "end_turn")
    room.do(room.fac, "hand_over", participant_id=tom)
    record = minutes.build(*room.service.history(room.id))
    text = minutes.render(record, "md")
    clock = re.compile(r"\d\d:\d\d:\d\d")
    rows = {line.split(" | ")[0]: line for line in text.splitlines() if " | in the room | " in line}
    assert clock.search(rows["| Facilitator"].split(" | ")[1])
    assert rows["| Facilitator"].split(" | ")[1].startswith("facilitator, observer from ")
    assert rows["| Tom"].split(" | ")[1].startswith("team member, facilitator from ")
    assert rows["| Una"].split(" | ")[1] == "team member"
    airtime = {row["participant_id"]: row for row in record["airtime"]["rows"]}
    assert set(airtime) == {tom, una}
    assert (airtime[tom]["turns"], airtime[tom]["proposals"]) == (1, 1)


def test_the_summary_says_a_tie_and_who_broke_it(tmp_path: Path) -> None:
    """A tie the decider broke read "“Coaching” came first by ranked choice", naming neither
    the tie nor the decision; a runoff read as an ordinary second vote."""
    room = ticking_room(tmp_path)
    pia, tom = room.join("Pia", "product"), room.join("Tom", "team")
    room.do(room.fac, "go_to_phase", phase="propose")
    gyms, coach, ads = (
        room.propose(tom, level="vision", title=t) for t in ("Gyms", "Coach", "Ads")
    )
    room.do(room.fac, "go_to_phase", phase="decide")
    ranked = {"rule": "ranked", "rule_reason": "pick one"}
    tied = room.do(room.fac, "open_ballot", proposal_ids=[gyms, coach], **ranked)["ballot_id"]
    room.vote(tied, {pia: {"ranking": [gyms, coach]}, tom: {"ranking": [coach, gyms]}})
    room.do(room.fac, "close_ballot", ballot_id=tied, reveal=True)
    room.do(room.fac, "break_tie", ballot_id=tied, how="decider")
    decision = {"winner": coach, "rationale": "coaching keeps people"}
    room.do(pia, "record_decision", ballot_id=tied, **decision)
    again = room.do(room.fac, "open_ballot", proposal_ids=[gyms, ads], **ranked)["ballot_id"]
    room.vote(again, {pia: {"ranking": [gyms, ads]}, tom: {"ranking": [ads, gyms]}})
    room.do(room.fac, "close_ballot", ballot_id=again, reveal=True)
    runoff = room.do(room.fac, "break_tie", ballot_id=again, how="runoff")["ballot_id"]
    room.vote(runoff, {pia: {"ranking": [ads, gyms]}, tom: {"ranking": [ads, gyms]}})
    room.do(room.fac, "close_ballot", ballot_id=runoff, reveal=True)
    text = markdown_text(minutes.render(minutes.build(*room.service.history(room.id)), "md"))
    summary = text[text.index("What was decided") : text.index("The goal chain after")]
    assert "“Gyms” and “Coach”: tied by ranked choice (2 of 2 voted); Pia chose “Coach”" in summary
    assert "Decision by Pia: “Coach” wins the tie, because: coaching keeps people" in summary
    assert "Tie for first place: a runoff among the tied options followed." in summary
    assert "A runoff among the options tied for first place in an earlier ballot." in summary


def test_reading_a_closed_session_does_not_change_its_minutes(tmp_path: Path) -> None:
    """Someone opening a closed session to read it was recorded as attending: the minutes
    changed after the close, and the same session no longer gave the same minutes. Whoever
    was there at the close was there to the end; a reopened session is attended again."""
    room = ticking_room(tmp_path)
    tom = room.join("Tom", "team")
    una = room.join("Una", "team", present=False)
    room.do(room.fac, "go_to_phase", phase="close")
    closed = minutes.render(minutes.build(*room.service.history(room.id)), "md")
    assert "| Tom | team member | in the room |" in closed and "to the end |" in closed
    reading = room.service.connected(room.id, una)
    room.service.disconnected(reading)
    assert minutes.render(minutes.build(*room.service.history(room.id)), "md") == closed
    room.do(room.fac, "go_to_phase", phase="decide")  # reopened: Una comes
    room.service.connected(room.id, una)
    attended = minutes.build(*room.service.history(room.id))["attendance"]
    assert [row["participant_id"] for row in attended] == [tom, tom, una]  # Tom stayed


def test_the_live_state_and_a_replay_of_the_log_give_the_same_minutes(workshop, record) -> None:
    room, _people = workshop
    store = room.service.store
    with store.reading():
        attendance, events = store.attendance(room.id), store.events(room.id)
    assert minutes.build(room.service.state(room.id), attendance, events) == record


# --- HTML -----------------------------------------------------------------------------------

VOID = {"meta", "br", "hr", "img", "link", "input", "wbr", "col", "area", "base", "source"}


class TagChecker(HTMLParser):
    """Balanced tags, every start and end tag seen, and the text of <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.seen: list[str] = []
        self.problems: list[str] = []
        self.style = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.seen.append(tag)
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.seen.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] == "style":
            self.style += data


def test_html_minutes_are_well_formed_escaped_and_draw_the_chain(record) -> None:
    page = minutes.render(record, "html")
    checker = TagChecker()
    checker.feed(page)
    checker.close()
    assert checker.problems == [] and checker.open == []
    assert page.startswith("<!DOCTYPE html>")
    assert checker.seen.count("svg") == 2  # the chain before and after
    assert checker.seen.count("rect") == 2 + 6  # one box per goal
    assert "script" not in checker.seen and "<script" not in page
    assert "Gyms compete with us: cost &lt; 2 * gain &amp; &#34;churn&#34; [sic] | #1" in page
    assert "Partner with gyms &amp; clinics" in page
    assert "How do we measure *misery*? Ask [weekly] | more" in page  # no Markdown escapes


def test_the_html_policy_allows_exactly_its_own_style_block(record) -> None:
    checker = TagChecker()
    checker.feed(minutes.render(record, "html"))
    digest = base64.b64encode(hashlib.sha256(checker.style.encode()).digest()).decode()
    policy = minutes.content_security_policy()
    assert f"style-src 'sha256-{digest}'" in policy
    assert "script-src" not in policy and "default-src 'none'" in policy


def test_markdown_escapes_user_text(record) -> None:
    text = minutes.render(record, "md")
    assert 'Gyms compete with us: cost \\< 2 \\* gain & "churn" \\[sic\\] \\| \\#1' in text
    assert not re.search(r"(?<!\\)<", text), "a < left unescaped"
    assert "How do we measure \\*misery\\*? Ask \\[weekly\\] \\| more" in text


# --- what may be shown ----------------------------------------------------------------------


def ballot(record: dict, ballot_id: str) -> dict:
    return next(b for b in record["ballots"] if b["id"] == ballot_id)


def test_a_ballot_not_revealed_shows_its_turnout_and_no_vote(record) -> None:
    b5 = ballot(record, "b5")
    assert b5["status"] == "closed" and b5["turnout"] == 2 and b5["result"] is None
    assert "votes" not in b5 and "voted_at" not in b5
    assert not [row for row in csv_rows(record) if row["ballot_id"] == "b5"]


def test_authors_never_revealed_stay_anonymous_in_their_proposal(record, workshop) -> None:
    _room, people = workshop
    pr1 = record["proposals"][0]
    assert pr1["author"] is None and pr1["revisions"][0]["by"] is None
    assert pr1["comments"][0]["by"] == people["Raj"]
    una = next(row for row in record["airtime"]["rows"] if row["participant_id"] == people["Una"])
    assert una["proposals"] == 0 and record["airtime"]["hidden_proposals"] == 1


def csv_rows(record: dict) -> list[dict]:
    return list(csv.DictReader(io.StringIO(minutes.votes_csv(record))))


def test_the_votes_csv_has_one_row_per_vote_that_may_be_shown(record) -> None:
    text = minutes.votes_csv(record)
    assert next(csv.reader(io.StringIO(text))) == list(minutes.CSV_COLUMNS)
    rows = csv_rows(record)
    assert [row["ballot_id"] for row in rows] == ["b1"] * 4 + ["b2"] * 4 + ["b3"] * 4 + ["b4"] * 4
    raj = next(row for row in rows if row["ballot_id"] == "b2" and row["voter"] == "Raj")
    assert raj == {
        "ballot_id": "b2",
        "options": "“Partner with gyms & clinics”",
        "rule": "consent",
        "voter": "Raj",
        "vote": "objection",
        "reason": TRICKY,
        "time": raj["time"],
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", raj["time"])
    ranked = [row["vote"] for row in rows if row["ballot_id"] == "b4"]
    move, sleep, eat = "“Move more”", "“Sleep better”", "“Eat better”"
    assert ranked == [
        f"{move} > {sleep} > {eat}",
        f"{move} > {eat} > {sleep}",
        f"{sleep} > {move} > {eat}",
        eat,
    ]
    assert {row["options"] for row in rows if row["ballot_id"] == "b4"} == {
        f"{sleep}; {eat}; {move}"
    }
    secret = [row for row in rows if row["ballot_id"] == "b3"]
    assert {row["voter"] for row in secret} == {"voter 1", "voter 2", "voter 3", "voter 4"}
    assert {row["time"] for row in secret} == {""}


@pytest.mark.parametrize(
    "vote, shown",
    [
        ({"choice": "agree"}, "agree"),
        ({"value": 4}, "4"),
        ({"dots": {"A": 2, "C": 1}}, "“a” 2; “c” 1"),
        ({"ranking": ["B", "A", "C"]}, "“b” > “a” > “c”"),
        ({"dots": {}}, "no dots"),  # as the minutes say: an empty cell read as no vote
        ({"ranking": []}, "no ranking"),
    ],
)
def test_each_kind_of_vote_fits_one_cell_naming_options_by_title(vote, shown) -> None:
    assert minutes.vote_text(vote, lambda option: f"“{option.lower()}”") == shown


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_kept_as_text() -> None:
    record = {
        "participants": [{"id": "pt2", "name": "Pia"}],
        "ballots": [
            {
                "id": "b1",
                "options": ["pr1"],
                "rule": "consent",
                "votes": [{"voter": "pt2", "choice": "concern", "reason": "=HYPERLINK(1)"}],
            }
        ],
    }
    assert csv_rows(record)[0]["reason"] == "'=HYPERLINK(1)"


def test_an_unknown_format_is_refused_naming_it(record) -> None:
    with pytest.raises(minutes.InvalidInput, match="'pdf'"):
        minutes.render(record, "pdf")


# --- anonymity: swapping who cast which vote changes nothing -------------------------------

NAMES = ("Ana", "Ben", "Cem", "Dee")
VOTES = st.builds(
    lambda choice, reason: {"choice": choice, **({"reason": reason} if reason else {})},
    st.sampled_from(("agree", "disagree", "abstain")),
    st.sampled_from(("", "too early", "worth it", 'no & "why" < 2')),
)


def anonymous_minutes(votes: list[dict]) -> dict[str, str]:
    """Every export of a session whose only ballot is anonymous, cast in NAMES order."""
    with tempfile.TemporaryDirectory() as folder:
        room = ticking_room(Path(folder), chain=None)
        voters = [room.join(name, "team") for name in NAMES]
        room.do(room.fac, "next_phase")
        vision = room.propose(voters[0], level="vision", title="A vision")
        room.do(room.fac, "go_to_phase", phase="decide")
        opened = room.do(
            room.fac,
            "open_ballot",
            proposal_ids=[vision],
            rule="majority",
            rule_reason="secret",
            anonymous=True,
        )
        room.vote(opened["ballot_id"], dict(zip(voters, votes, strict=True)))
        room.do(room.fac, "close_ballot", ballot_id=opened["ballot_id"], reveal=True)
        record = minutes.build(*room.service.history(room.id))
        room.service.store.close()
    exports = {fmt: minutes.render(record, fmt) for fmt in minutes.FORMATS}
    exports["csv"] = minutes.votes_csv(record)
    return {fmt: without_session_id(text, room.id) for fmt, text in exports.items()}


@settings(max_examples=15, deadline=None)
@given(votes=st.lists(VOTES, min_size=4, max_size=4), order=st.permutations(range(4)))
def test_an_anonymous_ballot_never_shows_who_voted_what(votes, order) -> None:
    as_cast = anonymous_minutes(votes)
    swapped = anonymous_minutes([votes[i] for i in order])
    assert as_cast == swapped  # in md, html, json and csv alike
    for name in NAMES:
        assert not re.search(rf"{name}.*(agree|abstain)", as_cast["csv"])


# --- the JSON minutes recount with `workshop tally` -----------------------------------------


@pytest.mark.parametrize("script", [scripted_workshop, other_rules_workshop])
def test_every_ballot_in_the_json_minutes_recounts_to_its_stored_result(
    script, tmp_path: Path
) -> None:
    room, _people = script(tmp_path / "db")
    record = json.loads(minutes.render(minutes.build(*room.service.history(room.id)), "json"))
    revealed = [b for b in record["ballots"] if b["status"] == "revealed"]
    assert len(revealed) == 4
    for entry in revealed:
        path = tmp_path / f"{entry['id']}.json"
        path.write_text(json.dumps(entry), encoding="utf-8")
        run = subprocess.run(
            [sys.executable, "-m", "workshop", "tally", str(path), "--json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
        recount = json.loads(run.stdout)
        stored = entry["result"]
        assert (recount["passed"], recount["winner"]) == (stored["passed"], stored["winner"])
        assert recount["reasons"] == stored["reasons"]


def test_the_other_rules_and_a_remote_voter_in_the_minutes(tmp_path: Path) -> None:
    room, people = other_rules_workshop(tmp_path)
    text = minutes.render(minutes.build(*room.service.history(room.id)), "md")
    assert "| Rosa | stakeholder | remote | 09:02:15 | by personal link |" in text
    assert "| Pia | “A” 1; “C” 1 |" in text and "| Tom | 2 of 5 |" in text
    assert "- Order: 1. “A”, 2. “B”, 2. “C”" in text  # B and C tie with 1 dot each
    assert "- Objection by Tom, as advice to the decider: not now." in text
    assert "- Decision by Pia: “D” passes, because: Needed for Q3" in text
    assert "  - The decision goes against the advice." in text
    assert "- Anonymous: no; by personal link, until 10:02:15" in text


def test_the_minutes_name_the_levels_default_rule_also_after_a_round_sent_it_back(
    tmp_path: Path,
) -> None:
    """User goals default to unanimity (PRODUCT.md §4): a dot ballot and both consent rounds
    on a goal an objection sent back say so, as the console did before each vote."""
    room = ticking_room(tmp_path)
    fac = room.fac
    pia, tom = room.join("Pia", "product"), room.join("Tom", "team")
    room.do(fac, "go_to_phase", phase="decide")
    lose, sleep = (room.propose(tom, level="user", title=t) for t in ("Lose weight", "Sleep"))
    shortlist = {"proposal_ids": [lose, sleep], "rule": "dot", "rule_reason": "focus"}
    dot = room.do(fac, "open_ballot", **shortlist)["ballot_id"]
    room.vote(dot, {pia: {"dots": {lose: 1}}, tom: {"dots": {sleep: 1}}})
    room.do(fac, "close_ballot", ballot_id=dot, reveal=True)
    for objection in ({"choice": "objection", "reason": "harm"}, {"choice": "consent"}):
        ballot = room.do(
            fac, "open_ballot", proposal_ids=[lose], rule="consent", rule_reason="safe to try"
        )["ballot_id"]
        while room.state.floor.round is not None:
            room.do(room.state.floor.holder.participant_id, "end_turn")
        room.vote(ballot, {pia: {"choice": "consent"}, tom: objection})
        room.do(fac, "close_ballot", ballot_id=ballot, reveal=True)
        if objection["choice"] == "objection":
            room.do(fac, "rule_objection", ballot_id=ballot, voter=tom, stands=True, reason="real")
            room.do(tom, "edit_proposal", proposal_id=lose, title="Lose weight, healthily")
    record = minutes.build(*room.service.history(room.id))
    assert [b["default_rule"] for b in record["ballots"]] == ["unanimity"] * 3
    text = minutes.render(record, "md")
    assert "- Rule: dot voting instead of the default (unanimity), because: focus" in text
    assert text.count("- Rule: consent instead of the default (unanimity), because: safe") == 2
    assert "instead of the default (consent)" not in text


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("script", [scripted_workshop, other_rules_workshop])
def test_the_minutes_show_no_id_snake_case_or_iso_stamp(script, fmt: str, tmp_path: Path) -> None:
    room, _people = script(tmp_path / "db")
    text = minutes.render(minutes.build(*room.service.history(room.id)), fmt)
    shown = markdown_text(text) if fmt == "md" else html_text(text)
    assert not unreadable(shown, room.id), unreadable(shown, room.id)


MARKDOWN_HEAVY = st.text(
    st.sampled_from(list("-+*_=#>`<[]()!&;.)|~\\ \n0123456789aé"))
    | st.characters(blacklist_categories=("Cc", "Cs")),
    min_size=1,
).filter(str.split)


@settings(max_examples=400)
@given(text=MARKDOWN_HEAVY | st.sampled_from(["R&amp;D", "&#35; 1", "&copy; us", "1. Run", "- a"]))
def test_text_in_the_markdown_minutes_reads_as_typed(text: str) -> None:
    """Rendered by a CommonMark viewer, a title or reason in a paragraph or a list item shows
    what was typed: no entity decoded ("R&amp;D" stayed "R&D" before), no list or heading."""
    render = MarkdownIt("commonmark").render
    typed = " ".join(text.split())
    assert " ".join(html_text(render(chainfile.markdown_text(text))).split()) == typed
    item = render("- " + chainfile.markdown_text(text, "  "))
    assert item.count("<li>") == 1
    assert " ".join(html_text(item).split()) == typed


def review_revised_after_its_ballot(folder: Path) -> Room:
    """A review: a product goal rejected by consent (Tom never responds), then revised; and a
    proposal to mark the input's product goal achieved, accepted."""
    chain = {**INPUT_CHAIN, "goals": [*INPUT_CHAIN["goals"]]}
    chain["goals"].append(
        {"id": "P1", "level": "product", "title": "Weekly active runners 5,000", "parents": ["U1"]}
    )
    room = Room(folder, "review", chain)
    pia, tom = room.join("Pia", "product"), room.join("Tom", "team")
    room.do(room.fac, "go_to_phase", phase="propose")
    ready = {"parents": ["U1"], "metrics": [{"name": "runs", "target": 1}], "due": "2027-05"}
    tracker = room.propose(tom, level="product", title="Run tracker", **ready)
    achieved = room.propose(tom, change="achieve", target="P1")
    room.do(room.fac, "go_to_phase", phase="decide")
    ballot = room.do(room.fac, "open_ballot", proposal_ids=[tracker])["ballot_id"]
    room.vote(ballot, {pia: {"choice": "consent"}})
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    room.do(tom, "edit_proposal", proposal_id=tracker, title="Run tracker v2")
    ballot = room.do(room.fac, "open_ballot", proposal_ids=[achieved])["ballot_id"]
    room.vote(ballot, {pia: {"choice": "consent"}, tom: {"choice": "consent"}})
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    return room


def test_a_reviews_minutes_list_its_changes_as_its_pages_do(tmp_path: Path) -> None:
    """The pages list what a review added, changed, achieved and retired, the goals that
    lost their parent and the KPIs without an owner. The minutes listed a KPI reading as a
    change of its goal's metrics, a retirement as a change of status, and neither loose
    end."""
    chain = {**INPUT_CHAIN, "goals": [*INPUT_CHAIN["goals"]]}
    chain["goals"].append(
        {"id": "P1", "level": "product", "title": "Runs logged", "parents": ["U1"], "owner": "Pia"}
    )
    room = Room(tmp_path, "review", chain)
    pia, tom = room.join("Pia", "product"), room.join("Tom", "team")
    room.do(room.fac, "go_to_phase", phase="propose")
    reading = {"goal_id": "U1", "metric": "weekly active users", "value": 1500}
    room.do(pia, "record_kpi", **reading, date="2027-01-10")
    retire = room.propose(tom, change="retire", target="U1")
    room.do(room.fac, "go_to_phase", phase="decide")
    ballot = room.do(room.fac, "open_ballot", proposal_ids=[retire])["ballot_id"]
    room.vote(ballot, {pia: {"choice": "consent"}, tom: {"choice": "consent"}})
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    record = minutes.build(*room.service.history(room.id))
    assert record["review"] == room.view(room.fac)["review"]
    text = markdown_text(minutes.render(record, "md"))
    changes = text[text.index("Changes") :]
    assert "Changed: none" in changes and "metrics" not in changes
    assert "Retired: “Track workouts without effort”" in changes
    lost = "Lost their parent: “Runs logged” (it served “Track workouts without effort”)"
    assert lost in changes
    assert "KPIs without an owner: none" in changes  # the retired goal's KPI is no loose end
    # The summary says the same: it listed the reading as a change of U1's metrics.
    summary = text[text.index("The goal chain after the session") : text.index("Changes")]
    assert "Retired: “Track workouts without effort”" in summary
    assert "metrics" not in summary and ": none" not in summary


def test_an_amendment_is_said_to_change_its_goal_not_to_add_one(tmp_path: Path) -> None:
    """A review amended a goal's title: the minutes said the new title was "accepted into the
    chain", as if a new goal had come, the old title only in the picture of the chain."""
    chain = {**INPUT_CHAIN, "goals": [*INPUT_CHAIN["goals"]]}
    room = Room(tmp_path, "review", chain)
    pia, tom = room.join("Pia", "product"), room.join("Tom", "team")
    room.do(room.fac, "go_to_phase", phase="propose")
    amend = room.propose(tom, change="amend", target="U1", title="Track workouts, sustainably")
    room.do(room.fac, "go_to_phase", phase="decide")
    ballot = room.do(room.fac, "open_ballot", proposal_ids=[amend])["ballot_id"]
    room.vote(ballot, {pia: {"choice": "consent"}, tom: {"choice": "consent"}})
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    text = markdown_text(minutes.render(minutes.build(*room.service.history(room.id)), "md"))
    said = "Outcome: “Track workouts without effort” amended: now “Track workouts, sustainably”"
    assert said in text
    assert "accepted into the chain" not in text
    # The proposal names the goal it changes as it was: by its new title, it seemed to
    # change itself ("User goal that changes “Track workouts, sustainably”").
    assert "User goal that changes “Track workouts without effort”" in text


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_ballot_is_named_by_the_text_voted_on_and_a_change_by_its_goals_title(
    tmp_path: Path, fmt: str
) -> None:
    room = review_revised_after_its_ballot(tmp_path)
    record = minutes.build(*room.service.history(room.id))
    text = minutes.render(record, fmt)
    shown = markdown_text(text) if fmt == "md" else html_text(text)
    assert "Consent on “Run tracker”" in shown
    assert "“Run tracker”: did not pass by consent" in shown
    assert "Outcome: “Run tracker” not accepted" in shown
    assert "“Run tracker” was revised after this ballot: now “Run tracker v2”." in shown
    assert "on “Run tracker v2”" not in shown and "“Run tracker v2”: did" not in shown
    assert "Consent on “Mark ‘Weekly active runners 5,000’ achieved”" in shown
    assert "Outcome: “Weekly active runners 5,000” marked as achieved" in shown
    assert not unreadable(shown, room.id), unreadable(shown, room.id)
    assert [b["titles"] for b in record["ballots"]] == [
        {"pr1": "Run tracker"},
        {"pr2": "Mark ‘Weekly active runners 5,000’ achieved"},
    ]


def test_the_minutes_say_what_an_amendment_changed_and_name_the_goal_achieved(
    tmp_path: Path,
) -> None:
    """A review raised a metric's target and moved a date: the minutes said "“Track workouts
    without effort” amended: now “Track workouts without effort”", and nowhere 5000 → 6000;
    an achievement read "“Mark ‘…’ achieved” marked as achieved"."""
    chain = {**INPUT_CHAIN, "goals": [*INPUT_CHAIN["goals"]]}
    chain["goals"].append(
        {"id": "P1", "level": "product", "title": "Weekly active runners 5,000", "parents": ["U1"]}
    )
    room = Room(tmp_path / "db", "review", chain)
    pia, tom = room.join("Pia", "product"), room.join("Tom", "team")
    room.do(room.fac, "go_to_phase", phase="propose")
    metric = {"name": "weekly active users", "baseline": 1200, "target": 6000, "owner": "Priya"}
    amend = room.propose(
        tom, change="amend", target="U1", metrics=[metric], due="2027-09-30", parents=["V1"]
    )
    achieved = room.propose(tom, change="achieve", target="P1")
    room.do(room.fac, "go_to_phase", phase="decide")
    for option in (amend, achieved):
        ballot = room.do(room.fac, "open_ballot", proposal_ids=[option])["ballot_id"]
        room.vote(ballot, {pia: {"choice": "consent"}, tom: {"choice": "consent"}})
        room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    text = markdown_text(minutes.render(minutes.build(*room.service.history(room.id)), "md"))
    assert (
        "Outcome: “Track workouts without effort” amended; metric weekly active users:"
        " target 5000 → 6000, owner none → Priya; due 2027-06-30 → 2027-09-30"
    ) in text
    assert "amended: now" not in text
    assert "Outcome: “Weekly active runners 5,000” marked as achieved" in text


def test_a_kpi_reading_outside_a_review_is_no_change_of_its_goal(tmp_path: Path) -> None:
    room = Room(tmp_path / "db", "roadmapping", INPUT_CHAIN)
    pia = room.join("Pia", "product")
    room.do(pia, "record_kpi", goal_id="U1", metric="weekly active users", value=2100)
    text = minutes.render(minutes.build(*room.service.history(room.id)), "md")
    assert "Changed “Track workouts without effort”" not in text


def test_the_summary_says_what_a_dot_vote_took_forward(tmp_path: Path) -> None:
    """The summary of a dot vote said only that the others were parked, never which option
    went forward (under dot voting, the one that still needs its own ballot)."""
    room = Room(tmp_path / "db", "strategizing")
    pia, tom = room.join("Pia", "product"), room.join("Tom", "team")
    room.do(room.fac, "next_phase")
    walk, run = (room.propose(pia, level="vision", title=t) for t in ("Walk more", "Run more"))
    room.do(room.fac, "go_to_phase", phase="decide")
    ballot = room.do(
        room.fac, "open_ballot", proposal_ids=[walk, run], rule="dot", rule_reason="shortlist"
    )["ballot_id"]
    room.vote(ballot, {pia: {"dots": {walk: 1}}, tom: {"dots": {walk: 1}}})
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    room.do(room.fac, "settle_ballot", ballot_id=ballot, others="park")
    text = markdown_text(minutes.render(minutes.build(*room.service.history(room.id)), "md"))
    summary = text[text.index("## Summary") : text.index("## Attendance")]
    assert "“Walk more” taken forward; “Run more” parked." in summary


def test_the_summary_of_a_ballot_without_its_verdict_yet_reads_as_such(tmp_path: Path) -> None:
    """It read "no verdict yet: awaiting the facilitator's ruling by consent", as if consent
    were what awaited the ruling."""
    room = Room(tmp_path / "db", "strategizing")
    pia, tom = room.join("Pia", "product"), room.join("Tom", "team")
    room.do(room.fac, "next_phase")
    walk = room.propose(pia, level="vision", title="Walk more")
    room.do(room.fac, "go_to_phase", phase="decide")
    ballot = room.do(
        room.fac, "open_ballot", proposal_ids=[walk], rule="consent", rule_reason="a round"
    )["ballot_id"]
    objection = {"choice": "objection", "reason": "too vague"}
    room.vote(ballot, {pia: {"choice": "consent"}, tom: objection})
    room.do(room.fac, "close_ballot", ballot_id=ballot, reveal=True)
    text = markdown_text(minutes.render(minutes.build(*room.service.history(room.id)), "md"))
    assert (
        "“Walk more”: by consent, 2 of 2 voted; no verdict yet: awaiting the facilitator's ruling"
    ) in text


def test_the_summary_counts_the_chain_in_force(tmp_path: Path) -> None:
    """It counted the file's rejected, retired and only-proposed goals with the rest ("7
    product goals" where 5 were in force)."""
    chain = {**INPUT_CHAIN, "goals": [*INPUT_CHAIN["goals"]]}
    chain["goals"].append(
        {"id": "U2", "level": "user", "title": "Ads", "parents": ["V1"], "status": "rejected"}
    )
    room = Room(tmp_path / "db", "review", chain)
    text = markdown_text(minutes.render(minutes.build(*room.service.history(room.id)), "md"))
    assert (
        "The chain holds 1 vision, 1 user goal in force (and 1 more the file keeps, not in force)."
    ) in text


def test_a_person_on_two_devices_at_once_is_present_once(tmp_path: Path) -> None:
    """A phone and a laptop connected together read "12:14:06 to the end; 12:15:35 to the
    end", two spans where the person was there once."""
    room = Room(tmp_path / "db", "strategizing")
    room.join("Pia", "product")
    record = minutes.build(*room.service.history(room.id))
    (row,) = [
        r for r in record["attendance"] if r["participant_id"] != record["session"]["facilitator"]
    ]
    later = row["connected_at"].replace(row["connected_at"][-3:-1], "59")  # a second after
    record["attendance"].append({**row, "connected_at": later, "disconnected_at": None})
    line = next(line for line in minutes.render(record, "md").splitlines() if "Pia" in line)
    assert line.count("the end") == 1, line
