"""`workshop chain validate|format|render`, run as a user runs them: a real subprocess."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from workshop.chainfile import dumps, loads

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "fitness.goalchain.yaml"

BROKEN = """\
goalchain: 1
product: Fitness app
vision: {id: V1, statement: Help people live healthier lives}
goals:
  - {id: U1, level: user, title: Lose weight, parents: [V1]}
  - {id: P2, level: product, title: Grow, parents: [U9]}
  - {id: S1, level: sprint, title: Try, parents: [P2, U1]}
"""

# Valid, but not canonical: goals out of order, a comment, flow style, unquoted date.
MESSY = """\
# our strategy
goals:
  - {id: P1, level: product, title: Grow, parents: [B1, U1], due: 2027-06-30}
  - {id: B1, level: business, title: Revenue, parents: [V1], status: proposed}
  - {id: U1, level: user, title: Lose weight, parents: [V1]}
vision: {id: V1, statement: Help people live healthier lives}
goalchain: 1
"""


def workshop(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "workshop", "chain", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_validate_a_valid_file_exits_0_quietly() -> None:
    run = workshop("validate", str(EXAMPLE))
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


def test_validate_reports_every_problem_with_file_and_goal(tmp_path: Path) -> None:
    broken = write(tmp_path / "broken.yaml", BROKEN)
    missing = str(tmp_path / "missing.yaml")
    run = workshop("validate", str(EXAMPLE), broken, missing)
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.splitlines() == [
        f"{broken}: goal P2, parents: unknown parent 'U9'",
        f"{broken}: goal S1, parents: 2 parents: a sprint goal serves exactly one product goal",
        f"{broken}: goal S1, parents: parent 'U1' is a user goal; a sprint goal serves exactly one "
        "product goal",
        f"{missing}: cannot read: No such file or directory",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("goalchain: 1\nvision: {id: V1\n", ":2: malformed YAML: "),
        ('{"goalchain": 1,\n "vision": }', ":2: malformed JSON: "),
        ("goalchain: 7\n", ": goalchain: unknown format version 7"),
        ("- a list\n", ": not a goal chain"),
        # Both were taken: the anchor as if it were not there, the merge key adding an owner.
        ("goalchain: 1\nvision: &v {id: V1, statement: S}\n", ":2: malformed YAML: anchors"),
        (
            "goalchain: 1\nvision: {id: V1, statement: S}\ngoals:\n"
            "  - id: U1\n    level: user\n    title: t\n    parents: [V1]\n    <<: {owner: x}\n",
            ":8: malformed YAML: merge keys (<<) are not allowed",
        ),
    ],
)
def test_validate_explains_unreadable_files_without_a_traceback(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path / "bad.yaml", text)
    run = workshop("validate", path)
    assert run.returncode == 1
    assert run.stderr.startswith(path + expected) and run.stderr.count("\n") == 1
    assert "Traceback" not in run.stderr


def test_advice_is_printed_only_when_asked_and_is_not_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "messy.yaml", MESSY)
    assert workshop("validate", path).stdout == ""
    run = workshop("validate", "--advice", path)
    assert run.returncode == 0
    assert run.stdout.splitlines() == [
        f"{path}: goal U1: advice: no metric",
        f"{path}: goal U1: advice: no due date or timeframe",
        f"{path}: goal B1: advice: no metric",
        f"{path}: goal B1: advice: no due date or timeframe",
        f"{path}: goal P1: advice: no metric",
    ]


ORPHANED = """goalchain: 1
vision: {id: V1, statement: Help people}
goals:
  - {id: B1, level: business, title: Revenue, parents: [V1], status: retired}
  - id: B2
    level: business
    title: Brand
    parents: [V1]
    status: accepted
    due: 2027-Q4
    metrics: [{name: awareness, target: 40}]
  - id: P2
    level: product
    title: Premium
    parents: [B1]
    status: accepted
    due: 2027-Q3
    metrics: [{name: subscribers, target: 2000}]
  - id: P3
    level: product
    title: Brand app
    parents: [B1, B2]
    status: accepted
    due: 2027-Q3
    metrics: [{name: subscribers, target: 2000}]
"""


def test_advice_names_a_goal_serving_a_goal_no_longer_in_force(tmp_path: Path) -> None:
    """A review retired B1: P2, serving it, passed validation without a word, and the next
    session took sprint goals under it."""
    path = write(tmp_path / "after-review.yaml", ORPHANED)
    run = workshop("validate", "--advice", path)
    assert run.returncode == 0
    assert run.stdout.splitlines() == [
        f"{path}: goal P2: advice: it serves B1, which is retired: give it a parent in force,"
        " or retire it too",
        f"{path}: goal P3: advice: it serves B1, which is retired: drop it",  # B2 stands
    ]


def test_format_prints_the_canonical_form_and_is_idempotent(tmp_path: Path) -> None:
    run = workshop("format", write(tmp_path / "messy.yaml", MESSY))
    assert run.returncode == 0, run.stderr
    assert run.stdout == dumps(loads(MESSY))
    assert run.stdout.startswith(
        "goalchain: 1\nproduct: null\nvision: {id: V1, statement: Help people"
    )
    assert "    parents: [U1, B1]\n    due: '2027-06-30'\n" in run.stdout
    again = workshop("format", write(tmp_path / "formatted.yaml", run.stdout))
    assert again.stdout == run.stdout


def test_formatting_the_docs_example_changes_nothing() -> None:
    assert workshop("format", str(EXAMPLE)).stdout == EXAMPLE.read_text(encoding="utf-8")


def test_format_json_holds_the_same_chain(tmp_path: Path) -> None:
    run = workshop("format", "--json", str(EXAMPLE))
    assert run.returncode == 0
    assert json.loads(run.stdout)["goalchain"] == 1
    json_file = write(tmp_path / "chain.json", run.stdout)
    assert workshop("format", json_file).stdout == EXAMPLE.read_text(encoding="utf-8")


def test_format_refuses_an_invalid_file(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.yaml", BROKEN)
    run = workshop("format", path)
    assert (run.returncode, run.stdout) == (1, "")
    assert f"{path}: goal P2, parents: unknown parent 'U9'" in run.stderr.splitlines()


def test_render_markdown() -> None:
    run = workshop("render", str(EXAMPLE), "--to", "markdown")
    assert run.returncode == 0
    lines = run.stdout.splitlines()
    assert lines[0] == "# Goal chain: Fitness app"
    assert "- **V1** vision: Help people live healthier lives" in lines
    assert (
        "  - **U1** user goal: Lose weight without dieting misery (accepted, due 2027-06-30)"
        in lines
    )


def test_render_mermaid() -> None:
    run = workshop("render", str(EXAMPLE), "--to", "mermaid")
    assert run.returncode == 0
    lines = run.stdout.splitlines()
    assert lines[0] == "graph TD"
    assert '  V1["V1: Help people live healthier lives"]' in lines
    assert "  P1 --> S1" in lines


def test_render_an_invalid_file_or_an_unknown_target(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.yaml", BROKEN)
    assert workshop("render", path, "--to", "mermaid").returncode == 1
    assert workshop("render", str(EXAMPLE), "--to", "svg").returncode == 2


def test_a_file_of_too_many_goals_is_refused_without_reading_the_rest(tmp_path: Path) -> None:
    """Goal 501 stops the reading: the broken text after it is never parsed (25,000 goals
    were read in full, taking seconds and hundreds of megabytes, before the refusal)."""
    goals = "".join(
        f"  - {{id: U{i}, level: user, title: Goal {i}, parents: [V1]}}\n" for i in range(1, 600)
    )
    text = f"goalchain: 1\nvision: {{id: V1, statement: S}}\ngoals:\n{goals}  - [unclosed\n"
    big = write(tmp_path / "big.yaml", text)
    run = workshop("validate", big)
    assert (run.returncode, run.stderr) == (
        1,
        f"{big}: more than 500 goals: a goal chain holds at most 500\n",
    )


# Text that a YAML 1.1 or a YAML 1.2 reader would take for a number, a boolean or nothing.
NUMBER_LIKE = ["1e3", "1.0e3", "1.5e3", "0o17", "+.5", "1E+3", "0x1F", "010", "1:30", "0b101"]
NUMBER_LIKE += ["1_000", ".inf", "-.Inf", ".NaN", "y", "N", "yes", "Off", "null", "~", "2027-06-30"]


def test_text_any_yaml_reader_takes_for_a_number_is_written_quoted(tmp_path: Path) -> None:
    """`title: 1e3` was written bare: a YAML 1.2 reader (ruamel, js-yaml) reads a number."""
    goals = [
        {"id": f"U{i}", "level": "user", "title": text, "parents": ["V1"]}
        for i, text in enumerate(NUMBER_LIKE, 1)
    ]
    document = {"goalchain": 1, "vision": {"id": "V1", "statement": "S"}, "goals": goals}
    source = write(tmp_path / "numbers.json", json.dumps(document))
    written = workshop("format", source).stdout
    titles = [line.split(": ", 1)[1] for line in written.splitlines() if "title:" in line]
    assert titles == [f"'{text}'" for text in NUMBER_LIKE]
    again = workshop("format", write(tmp_path / "numbers.yaml", written))
    assert again.stdout == written
    as_json = json.loads(workshop("format", "--json", str(tmp_path / "numbers.yaml")).stdout)
    assert [goal["title"] for goal in as_json["goals"]] == NUMBER_LIKE


def test_numbers_are_read_as_yaml_1_2_reads_them(tmp_path: Path) -> None:
    """1e3 was read as text and 1.5e+3 as a number; 010 as 8 and 1:30 as 90 (YAML 1.1)."""
    metrics = "[{name: a, baseline: 1e3, target: 1.5e3}, {name: b, baseline: 1.5e+3, target: 0o17},"
    metrics += (
        " {name: c, baseline: 010, target: 1:30}, {name: d, baseline: 0x1F, target: -2.5E-1}]"
    )
    text = MESSY.replace("title: Grow,", f"title: Grow, metrics: {metrics},")
    run = workshop("format", "--json", write(tmp_path / "numbers.yaml", text))
    assert run.returncode == 0, run.stderr
    (product,) = [goal for goal in json.loads(run.stdout)["goals"] if goal["id"] == "P1"]
    values = [(metric["baseline"], metric["target"]) for metric in product["metrics"]]
    assert values == [(1000.0, 1500.0), (1500.0, 15), (10, "1:30"), (31, -0.25)]


def test_line_breaks_in_values_never_start_a_line_of_their_own(tmp_path: Path) -> None:
    """An id, level, status, field name or parent holding a line break was echoed raw: five
    problems took fourteen lines, one of them forged ("fake.yaml: all good")."""
    goal = {"id": "U1\nfake.yaml: all good", "level": "user\nx", "title": "t", "parents": ["V1"]}
    goal |= {"status": "done\r\nmore", "bad\nfield": 1, "metrics": [{"name": "m", "\u2028x": 1}]}
    product = {"id": "P1", "level": "product", "title": "p", "parents": ["U9\nU8"]}
    document = {"goalchain": 1, "vision": {"id": "V1", "statement": "S"}, "goals": [goal, product]}
    source = write(tmp_path / "newlines.json", json.dumps(document))
    run = workshop("validate", source)
    lines = run.stderr.split("\n")[:-1]  # split() alone would not see \u2028 as a line break
    assert len(lines) == 6, run.stderr
    assert all(line.startswith(f"{source}: goal ") for line in lines)
    assert lines[0] == f"{source}: goal 'U1?fake.yaml: all good': unknown field 'bad?field'"
    assert lines[-1] == f"{source}: goal P1, parents: unknown parent 'U9?U8'"


# A Workshop export whose provenance has every kind of nested mapping: choice counts, counts
# by option (ranked: pairwise, strongest paths), a decider's decision.
EXPORTED = """\
goalchain: 1
product: 'Fit: app'
vision:
  id: V1
  statement: Help people
  decided: {session: s1, rule: unanimity, at: '2026-12-05T13:21:39Z', ballot: b1,
    tally: {agree: 3, disagree: 0, abstain: 0}}
goals:
  - id: U1
    level: user
    title: Lose weight
    parents: [V1]
    decided:
      session: s1
      rule: ranked
      at: '2026-12-05T13:21:39Z'
      ballot: b2
      tally:
        pairwise:
          U1: {Sleep better: 2, 'yes': 3}
          Sleep better: {U1: 1, 'yes': 2}
          'yes': {U1: 0, Sleep better: 1}
        strongest_paths:
          U1: {Sleep better: 2, 'yes': 3}
          Sleep better: {U1: 0, 'yes': 2}
          'yes': {U1: 0, Sleep better: 0}
  - id: B1
    level: business
    title: Revenue
    parents: [V1]
    decided:
      session: s1
      rule: decider
      at: '2026-12-05T13:21:39Z'
      ballot: b3
      tally: {consent: 1, concern: 1, objection: 1}
      advisory_rule: consent
      decision: {by: Pia, passed: true, rationale: a small pilot}
      note: kept
"""


def test_a_chain_with_its_keys_sorted_by_another_tool_formats_as_the_export(
    tmp_path: Path,
) -> None:
    """PyYAML's safe_dump sorts keys: `decided`, its tally and decision kept that order."""
    import yaml

    canonical = workshop("format", write(tmp_path / "export.yaml", EXPORTED)).stdout
    assert "decided:\n      session: s1\n      rule: ranked\n" in canonical
    assert "decision:\n        by: Pia\n        passed: true\n        rationale:" in canonical
    sorted_keys = yaml.safe_dump(yaml.safe_load(EXPORTED), sort_keys=True)
    assert sorted_keys != EXPORTED
    assert workshop("format", write(tmp_path / "sorted.yaml", sorted_keys)).stdout == canonical
    assert workshop("format", write(tmp_path / "again.yaml", canonical)).stdout == canonical


def test_a_quote_left_open_is_reported_on_the_line_it_opens(tmp_path: Path) -> None:
    """It was reported at the end of the file (line 11), where the text ran out."""
    text = MESSY.replace("title: Revenue,", 'title: "Revenue,') + "# more\n# and more\n"
    source = write(tmp_path / "open.yaml", text)
    run = workshop("validate", source)
    assert run.returncode == 1
    assert run.stderr == (
        f"{source}:4: malformed YAML: while scanning a quoted scalar,"
        " found unexpected end of stream on line 10\n"
    )


def test_empty_optional_fields_are_left_out_however_they_are_written(tmp_path: Path) -> None:
    """`field:` was left out, but `field: ''` and `decided: {}` were written back as they were."""
    empty = write(
        tmp_path / "empty.yaml",
        "goalchain: 1\nproduct: ''\nvision: {id: V1, statement: S, description: ''}\ngoals:\n"
        "  - {id: U1, level: user, title: t, parents: [V1], description: '', owner: ' ',"
        " due: '', decided: {}, metrics: [{name: m, unit: '', owner: '', baseline: ''}]}\n",
    )
    absent = write(
        tmp_path / "absent.yaml",
        "goalchain: 1\nproduct:\nvision: {id: V1, statement: S, description:}\ngoals:\n"
        "  - {id: U1, level: user, title: t, parents: [V1], metrics: [{name: m, unit:}]}\n",
    )
    written = workshop("format", empty).stdout
    assert written == workshop("format", absent).stdout
    assert "''" not in written and "{}" not in written and "product: null" in written


def test_dates_that_are_no_real_day_and_bad_provenance_are_refused(tmp_path: Path) -> None:
    """All of these validated: a due date, a reading's day and a decision's time that look
    like dates and are none, an unknown rule, a time that is no time, a tally of 5."""
    goals = [
        "{id: U1, level: user, title: t, parents: [V1], due: 2027-13-45}",
        "{id: U2, level: user, title: t, parents: [V1], due: Q3 2027, metrics: [{name: m,"
        " readings: [{at: 2027-02-30, value: 1}]}]}",
        "{id: U3, level: user, title: t, parents: [V1], decided: {rule: bogus, at: yesterday,"
        " tally: 5}}",
        "{id: U4, level: user, title: t, parents: [V1], decided: {rule: consent,"
        " at: 2027-02-30T10:00:00Z, tally: {consent: 1}}}",
    ]
    text = "goalchain: 1\nvision: {id: V1, statement: S}\ngoals:\n"
    source = write(tmp_path / "dates.yaml", text + "".join(f"  - {goal}\n" for goal in goals))
    run = workshop("validate", source)
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        f"{source}: goal U3, decided.rule: unknown rule 'bogus': one of unanimity, consent,"
        " majority, fist_of_five, dot, ranked, decider",
        f"{source}: goal U3, decided.at: 'yesterday' is not an ISO date and time like"
        " 2027-06-30T14:10:00Z",
        f"{source}: goal U3, decided.tally: must be a mapping, not 5",
    ]
    write(
        tmp_path / "dates.yaml", text + "".join(f"  - {goal}\n" for goal in goals[:2] + goals[3:])
    )
    assert workshop("validate", source).stderr.splitlines() == [
        f"{source}: goal U1, due: '2027-13-45' is not a real date: an ISO date like 2027-06-30",
        f"{source}: goal U2, metrics[0].readings[0].at: '2027-02-30' is not a real date: an ISO"
        " date like 2027-06-30",
        f"{source}: goal U4, decided.at: '2027-02-30T10:00:00Z' is not a real date: an ISO date"
        " and time like 2027-06-30T14:10:00Z",
    ]


def test_chain_text_follows_the_rules_of_typed_text(tmp_path: Path) -> None:
    """BEL and ESC, a title of 5,000 characters and one of a zero-width space were accepted,
    and `chain render` wrote the ESC to the terminal."""
    goals = [
        {"id": "U1", "title": "t", "description": "ctrl\u0007bell \u001b[31mred"},
        {"id": "U2", "title": "L" * 5000, "owner": "O" * 81},
        {"id": "U3", "title": "\u200b", "metrics": [{"name": "m", "target": "x" * 41}]},
    ]
    goals = [goal | {"level": "user", "parents": ["V1"]} for goal in goals]
    document = {"goalchain": 1, "vision": {"id": "V1", "statement": "S"}, "goals": goals}
    source = write(tmp_path / "text.json", json.dumps(document))
    run = workshop("validate", source)
    assert run.stderr.splitlines() == [
        f"{source}: goal U1, description: contains control characters or broken unicode",
        f"{source}: goal U2, title: 5000 characters long, at most 200 allowed",
        f"{source}: goal U2, owner: 81 characters long, at most 80 allowed",
        f"{source}: goal U3, title: empty title",
        f"{source}: goal U3, metrics[0].target: 41 characters long, at most 40 allowed",
    ]
    rendered = workshop("render", source)
    assert rendered.returncode == 1 and "\u001b" not in rendered.stdout + rendered.stderr


def test_messages_say_plainly_what_is_wrong_and_where(tmp_path: Path) -> None:
    """NaN had no line; a vision given as a list was "not a list holding an object, an
    object"; `title: null` had no "(put it in quotes)" as `title: yes` has."""
    nan = write(
        tmp_path / "nan.json",
        '{"goalchain": 1, "product": "NaN",\n "vision": {"id": "V1", "statement": "S"},\n'
        ' "goals": [{"id": "U1", "level": "user", "title": "t", "parents": ["V1"],\n'
        '   "metrics": [{"name": "m", "baseline": NaN}]}]}\n',
    )
    assert workshop("validate", nan).stderr == (
        f"{nan}:4: malformed JSON: NaN is not a number JSON allows\n"
    )
    text = "goalchain: 1\nvision: [{id: V1}, {id: V2}]\ngoals:\n"
    text += "  - {id: U1, level: user, title: null, parents: [V1]}\n"
    text += "  - {id: U2, level: user, title: yes, parents: [V1]}\n"
    source = write(tmp_path / "types.yaml", text)
    assert workshop("validate", source).stderr.splitlines() == [
        f"{source}: vision: must be a mapping, not a list",
        f"{source}: goal U1, title: must be text, not nothing (put it in quotes)",
        f"{source}: goal U2, title: must be text, not true (put it in quotes)",
    ]
