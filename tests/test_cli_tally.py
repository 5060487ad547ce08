"""`workshop tally`: the real command, run as a user runs it, on records written to disk."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

RANKED = {
    "rule": "ranked",
    "options": ["A", "B", "C"],
    "electorate": ["v1", "v2", "v3"],
    "settings": {"quorum": 0.5, "supermajority": False, "dots": 3, "max_per_option": 1},
    "votes": [
        {"voter": "v1", "ranking": ["B", "A", "C"]},
        {"voter": "v2", "ranking": ["B", "C"]},
        {"voter": "v3", "ranking": ["A", "B", "C"]},
    ],
}
MAJORITY = {
    "rule": "majority",
    "options": ["P1"],
    "electorate": ["a", "b", "c", "d", "e"],
    "settings": {"quorum": 0.5, "supermajority": True},
    "votes": [
        {"voter": "a", "choice": "agree"},
        {"voter": "b", "choice": "agree", "reason": "worth it"},
        {"voter": "c", "choice": "disagree"},
    ],
    "id": "ballot-7",
}


def workshop_tally(path: Path, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workshop", "tally", str(path), *flags],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def written(tmp_path: Path, content: object, name: str = "ballot.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_a_ranked_record_is_recounted_as_json(tmp_path):
    run = workshop_tally(written(tmp_path, RANKED), "--json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["rule"] == "ranked"
    assert result["passed"] is None
    assert result["winner"] == "B"
    assert result["ranking"] == ["B", "A", "C"]
    assert result["reasons"]


def test_a_majority_record_is_recounted_as_json(tmp_path):
    run = workshop_tally(written(tmp_path, MAJORITY), "--json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert (result["rule"], result["passed"], result["winner"]) == ("majority", True, "P1")
    assert result["ranking"] == []
    assert "Enough people voted: 3 of 5, with at least 3 needed." in result["reasons"]
    assert "2 of the 3 who took a side agreed: at least two thirds." in result["reasons"]


def test_a_failed_ballot_still_exits_zero(tmp_path):
    failed = MAJORITY | {"votes": MAJORITY["votes"][:1]}
    run = workshop_tally(written(tmp_path, failed))
    assert run.returncode == 0, run.stderr
    assert "result: did not pass" in run.stdout
    assert "Too few people voted: 1 of 5, with at least 3 needed." in run.stdout
    assert "Too few people voted, so P1 does not pass." in run.stdout


def test_the_text_report_gives_the_verdict_and_the_reasons(tmp_path):
    run = workshop_tally(written(tmp_path, RANKED))
    assert run.returncode == 0, run.stderr
    assert "winner: B" in run.stdout
    assert "ranking: B, A, C" in run.stdout
    assert "why:" in run.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (RANKED | {"votes": RANKED["votes"] * 2}, "votes[3]: voter 'v1' voted twice"),
        (RANKED | {"rule": "plurality"}, "rule must be one of"),
        (MAJORITY | {"votes": [{"voter": "zed", "choice": "agree"}]}, "'zed' is not in the"),
        ([RANKED], "a ballot record must be a JSON object, got a list"),
        ('{"rule": "ranked",\n "options": ["A"],\n "votes": [,]}', "invalid JSON at line 3"),
        ("", "invalid JSON at line 1"),
        (MAJORITY | {"options": ["\ud800"]}, "broken unicode"),  # a traceback in text
        ('{"rule": "majority", "n": 1' + "0" * 5000 + "}", "a number has too many digits"),
        (MAJORITY | {"votes": None}, "was not revealed: its votes are secret"),
        (
            {k: v for k, v in MAJORITY.items() if k != "votes"} | {"result": None},
            "was not revealed: its votes are secret",  # as the minutes' JSON holds it
        ),
        (
            MAJORITY
            | {
                "rule": "decider",
                "settings": {"advisory_rule": "consent"},
                "votes": [
                    {
                        "voter": "a",
                        "choice": "objection",
                        "reason": "harm",
                        "ruled_out": {"by": "f", "reason": "no"},
                    }
                ],
            },
            "advice, which the decider weighs: nobody rules on it",
        ),
        (
            RANKED | {"rule": "dot", "settings": {"dots": 2, "max_per_option": 3}, "votes": []},
            "settings.max_per_option (3) cannot be more than settings.dots",
        ),
    ],
)
@pytest.mark.parametrize("flags", [["--json"], []], ids=["json", "text"])
def test_a_malformed_record_exits_one_with_one_clear_line(tmp_path, content, message, flags):
    run = workshop_tally(written(tmp_path, content), *flags)
    assert run.returncode == 1
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert message in run.stderr
    assert "ballot.json" in run.stderr


@pytest.mark.parametrize("name", ["missing.json", "."])
def test_an_unreadable_file_exits_one_with_one_clear_line(tmp_path, name):
    run = workshop_tally(tmp_path / name)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "cannot read" in run.stderr


def test_a_record_saved_with_a_byte_order_mark_is_read(tmp_path):
    """Notepad's UTF-8 starts with a BOM: it was "Unexpected UTF-8 BOM (decode using
    utf-8-sig)"."""
    path = tmp_path / "ballot.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(MAJORITY).encode())
    run = workshop_tally(path, "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["rule"] == "majority"


def test_a_file_that_is_not_text_exits_one(tmp_path):
    path = tmp_path / "ballot.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    run = workshop_tally(path)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "not UTF-8 text" in run.stderr


ONE_AGREE = {"electorate": ["a"], "votes": [{"voter": "a", "choice": "agree"}]}


@pytest.mark.parametrize(
    "content",
    [
        {"rule": rule, "options": [], **ONE_AGREE}
        for rule in ("unanimity", "majority", "consent", "decider")
    ]
    + [
        {"rule": "fist_of_five", "options": [], "electorate": ["a"], "votes": []},
        {"rule": "dot", "options": [], "electorate": ["a"], "votes": []},
        {"rule": "ranked", "options": [], "electorate": ["a"], "votes": []},
    ],
)
def test_a_record_with_no_options_exits_one_with_one_clear_line(tmp_path, content):
    run = workshop_tally(written(tmp_path, content), "--json")
    assert run.returncode == 1, run.stdout
    assert "Traceback" not in run.stderr
    [line] = run.stderr.strip().splitlines()
    assert line.endswith("ballot.json: options must name at least one option, got none")


TIED = RANKED | {
    "votes": [{"voter": "v1", "ranking": ["A", "B"]}, {"voter": "v2", "ranking": ["B", "A"]}]
}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (TIED | {"decision": {"by": "v1", "winner": "C", "rationale": "r"}}, "tied for first"),
        (RANKED | {"decision": {"by": "v1", "winner": "A", "rationale": "r"}}, "nobody is tied"),
        (
            {
                "rule": "dot",
                "options": ["A", "B"],
                "electorate": ["v1"],
                "votes": [{"voter": "v1", "dots": {"A": 1}}],
                "decision": {"by": "v1", "winner": "B", "rationale": "r"},
            },
            "nobody is tied",
        ),
    ],
)
def test_a_tie_decision_the_count_refuses_exits_one_with_one_clear_line(tmp_path, content, message):
    run = workshop_tally(written(tmp_path, content), "--json")
    assert run.returncode == 1, run.stdout
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert message in run.stderr and "decision.winner" in run.stderr
    assert "ballot.json" in run.stderr


RANKED_ADVICE = {
    "rule": "decider",
    "options": ["A", "B"],
    "electorate": ["v1", "v2", "v3"],
    "settings": {"advisory_rule": "ranked"},
    "votes": [
        {"voter": "v1", "ranking": ["B", "A"]},
        {"voter": "v2", "ranking": ["B", "A"]},
        {"voter": "v3", "ranking": ["A", "B"]},
    ],
    "labels": {"A": "“Run more”", "B": "“Sleep better”", "v3": "Pat"},
}


def test_a_decider_over_ranked_advice_names_the_winning_option(tmp_path):
    decision = {"by": "v3", "winner": "B", "rationale": "the team asked for it"}
    run = workshop_tally(written(tmp_path, RANKED_ADVICE | {"decision": decision}), "--json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert (result["rule"], result["passed"], result["winner"]) == ("decider", True, "B")
    assert result["advisory"]["winner"] == "B"
    said = "Pat decided: “Sleep better” goes forward, because: the team asked for it"
    assert said in result["reasons"]
    assert not any("“Run more” passes" in reason for reason in result["reasons"])


def test_a_decider_over_dot_advice_may_go_against_it(tmp_path):
    dot = RANKED_ADVICE | {
        "settings": {"advisory_rule": "dot", "dots": 1},
        "votes": [{"voter": "v1", "dots": {"A": 1}}],
        "decision": {"by": "v3", "winner": "B", "rationale": "cheaper"},
    }
    run = workshop_tally(written(tmp_path, dot))
    assert run.returncode == 0, run.stderr
    assert "winner: “Sleep better” (B)" in run.stdout and "result: passed" in run.stdout
    assert "Pat decided: “Sleep better” goes forward, because: cheaper" in run.stdout
    assert "The decision goes against the advice." in run.stdout


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        ({"by": "v3", "passed": True, "rationale": "r"}, "decision.winner must name one of"),
        ({"by": "v3", "winner": "Z", "rationale": "r"}, "decision.winner must name one of"),
    ],
)
def test_a_decider_over_ranked_advice_must_name_one_of_the_options(tmp_path, decision, message):
    run = workshop_tally(written(tmp_path, RANKED_ADVICE | {"decision": decision}))
    assert run.returncode == 1, run.stdout
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert message in run.stderr and "A, B" in run.stderr


def test_a_reason_opening_with_an_anonymous_label_opens_with_a_capital(tmp_path: Path) -> None:
    """An anonymous ballot's record, as the minutes' JSON holds it: "voter 2 disagreed." began
    a sentence with a small letter."""
    record = {
        "rule": "unanimity",
        "options": ["P1"],
        "electorate": ["voter 1", "voter 2", "member 1", "ann"],
        "votes": [
            {"voter": "voter 1", "choice": "agree"},
            {"voter": "voter 2", "choice": "disagree"},
            {"voter": "ann", "choice": "agree"},
        ],
    }
    path = tmp_path / "anonymous.json"
    path.write_text(json.dumps(record))
    done = workshop_tally(path, "--json")
    assert done.returncode == 0, done.stderr
    reasons = json.loads(done.stdout)["reasons"]
    assert "Voter 2 disagreed." in reasons
    assert "Member 1 did not vote, which is not agreeing." in reasons
