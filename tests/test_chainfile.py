"""The goal chain file: canonical round trips, clear messages for bad files, the docs example."""

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_chain import TRICKY, fitness, valid_chains
from workshop import chainfile
from workshop.chainfile import (
    ChainFileError,
    check_files,
    dumps,
    dumps_json,
    from_document,
    load,
    loads,
    render_markdown,
    render_mermaid,
    to_document,
)
from workshop.domain.chain import LEVELS, STATUSES, Chain, Goal, Metric, Vision, validate
from workshop.domain.errors import InvalidInput

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "fitness.goalchain.yaml"

SKELETON = """\
goalchain: 1            # format version
product: Fitness app
vision: {id: V1, statement: Help people live healthier lives}
goals:
  - id: U1
    level: user
    title: Lose weight without dieting misery
    parents: [V1]
    metrics: [{name: weekly active users, baseline: 1200, target: 5000}]
    due: 2027-06-30
    status: accepted
    decided: {session: s1, rule: unanimity, at: 2027-01-12T10:42:00Z, tally: {agree: 6}}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ChainFileError) as caught:
        loads(text, "f.yaml")
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_the_skeleton_of_the_product_brief_loads() -> None:
    chain = loads(SKELETON)
    goal = chain.goals[0]
    assert chain.vision == Vision("V1", "Help people live healthier lives")
    assert goal.due == "2027-06-30"  # a date stays the text the author wrote
    assert goal.metrics == [Metric("weekly active users", 1200, 5000)]
    assert goal.decided == {
        "session": "s1",
        "rule": "unanimity",
        "at": "2027-01-12T10:42:00Z",
        "tally": {"agree": 6},
    }


def test_dates_are_written_quoted_so_that_any_yaml_reader_keeps_them_as_text() -> None:
    """A team checks its file with a plain YAML library and the published schema: a bare
    date would be read as a date, which the schema refuses as not text."""
    text = dumps(loads(SKELETON.replace("Lose weight without dieting misery", "'2027-06-30'")))
    assert "    due: '2027-06-30'\n" in text
    assert "    title: '2027-06-30'\n" in text
    assert "      at: '2027-01-12T10:42:00Z'\n" in text
    document = yaml.safe_load(text)
    assert document["goals"][0]["due"] == "2027-06-30"
    assert jsonschema.Draft202012Validator(chainfile.schema()).is_valid(document)
    assert "vision: {id: V1, statement: Help people live healthier lives}\n" in text
    assert "    parents: [V1]\n" in text
    assert loads(text).goals[0].due == "2027-06-30"


@settings(max_examples=200)
@given(valid_chains())
def test_every_valid_chain_round_trips_byte_for_byte(chain: Chain) -> None:
    text = dumps(chain)
    again = loads(text)
    assert dumps(again) == text
    assert to_document(again) == to_document(chain)
    assert yaml.safe_load(text) == to_document(chain)  # any YAML library reads the same
    assert list(to_document(chain)) == ["goalchain", "product", "vision", "goals"]


@given(valid_chains())
def test_json_import_of_the_document_gives_the_same_chain(chain: Chain) -> None:
    from_yaml = loads(dumps(chain))
    assert from_document(to_document(chain)) == from_yaml
    assert loads(dumps_json(chain)) == from_yaml
    assert json.loads(dumps_json(chain)) == to_document(chain)


@pytest.mark.parametrize("tricky", TRICKY)
def test_tricky_strings_round_trip(tricky: str) -> None:
    chain = fitness()
    chain.product = tricky
    chain.goals[0].description = tricky
    chain.goals[0].metrics = [Metric("users", baseline=tricky, unit=tricky, owner=tricky)]
    chain.goals[1].title = tricky if tricky.strip() else "t"
    text = dumps(chain)
    assert loads(text) == loads(dumps(loads(text)))
    assert to_document(loads(text)) == to_document(chain)


def test_the_same_chain_in_any_order_is_written_the_same() -> None:
    shuffled = fitness()
    shuffled.goals.reverse()
    for goal in shuffled.goals:
        goal.parents.reverse()
    assert dumps(shuffled) == dumps(fitness())
    goal_ids = re.findall(r"^  - id: (\w+)$", dumps(fitness()), re.M)
    assert goal_ids == ["U1", "B1", "P1", "P2", "S1"]
    assert "    parents: [U1, B1]\n" in dumps(fitness())


def test_keys_come_in_the_documented_order() -> None:
    goal = Goal(
        id="P1",
        level="product",
        title="t",
        description="d",
        parents=["U1"],
        metrics=[Metric("m", 1, 2, "u", "o")],
        features=["f"],
        due="2027",
        owner="Ann",
        status="accepted",
        decided={"rule": "consent"},
    )
    document = to_document(Chain("p", Vision("V1", "s", "d"), [goal]))
    assert list(document) == ["goalchain", "product", "vision", "goals"]
    assert list(document["goals"][0]) == [
        "id",
        "level",
        "title",
        "description",
        "parents",
        "metrics",
        "features",
        "due",
        "owner",
        "status",
        "decided",
    ]
    assert list(document["goals"][0]["metrics"][0]) == [
        "name",
        "baseline",
        "target",
        "unit",
        "owner",
    ]


def test_empty_optional_fields_are_left_out() -> None:
    document = to_document(
        Chain(vision=Vision("V1", "s"), goals=[Goal("U1", "user", "t", parents=["V1"])])
    )
    assert document == {
        "goalchain": 1,
        "product": None,
        "vision": {"id": "V1", "statement": "s"},
        "goals": [
            {"id": "U1", "level": "user", "title": "t", "parents": ["V1"], "status": "accepted"}
        ],
    }


def test_the_skeleton_keys_are_written_even_when_empty() -> None:
    """PRODUCT.md's skeleton, which every version keeps: goalchain, product, vision, goals."""
    bare = Chain(vision=Vision("V1", "s"))
    text = dumps(bare)
    assert text == "goalchain: 1\nproduct: null\nvision: {id: V1, statement: s}\ngoals: []\n"
    assert dumps(loads(text)) == text
    assert json.loads(dumps_json(bare)) == {
        "goalchain": 1,
        "product": None,
        "vision": {"id": "V1", "statement": "s"},
        "goals": [],
    }
    assert list(to_document(Chain())) == ["goalchain", "product", "goals"]  # no vision yet


@pytest.mark.parametrize(
    "text",
    [
        "goalchain: 1\nvision: {id: V1, statement: s}\n",  # written before product was kept
        "goalchain: 1\nproduct:\nvision: {id: V1, statement: s}\ngoals:\n",
        '{"goalchain": 1, "product": null, "vision": {"id": "V1", "statement": "s"}}',
    ],
)
def test_a_file_without_a_product_or_goals_imports_and_is_written_in_full(text: str) -> None:
    chain = loads(text)
    assert chain.product is None and chain.goals == []
    assert dumps(chain).startswith("goalchain: 1\nproduct: null\nvision: ")
    assert jsonschema.Draft202012Validator(chainfile.schema()).is_valid(to_document(chain))


def test_multi_line_text_is_written_as_a_block() -> None:
    chain = fitness()
    chain.goals[0].description = "line one\nline two\n"
    assert "    description: |\n      line one\n      line two\n" in dumps(chain)


def test_readings_are_kept_in_their_metric() -> None:
    chain = fitness()
    chain.goals[0].metrics = [Metric("users", 1, 5, readings=[{"at": "2027-03-31", "value": 3}])]
    text = dumps(chain)
    assert "          - {at: '2027-03-31', value: 3}\n" in text
    assert loads(text).goals[0].metrics[0].readings == [{"at": "2027-03-31", "value": 3}]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("goalchain: 1\nvision: {id: V1\n", 2),  # where the { left open is
        ("goalchain: 1\nproduct: a\n  bad: indent\n", 3),
        ("goalchain: 1\ngoals:\n  - id: U1\n\ttitle: tab\n", 4),
        ("goalchain: 1\nproduct: a\nproduct: b\n", 3),
        ('{\n  "goalchain": 1,\n  "product": "a",,\n}', 3),
    ],
)
def test_malformed_files_report_the_line(text: str, line: int) -> None:
    (problem,) = problems_of(text)
    assert re.match(rf"f\.yaml:{line}: malformed (YAML|JSON): ", problem), problem


def test_duplicate_keys_are_refused_rather_than_the_last_one_kept() -> None:
    text = SKELETON + "vision: {id: V2, statement: Another}\n"
    assert problems_of(text) == ["f.yaml:13: malformed YAML: duplicate key 'vision'"]
    assert (
        "duplicate key 'vision'" in problems_of('{"goalchain": 1, "vision": {}, "vision": {}}')[0]
    )


def test_aliases_are_refused() -> None:
    text = "goalchain: 1\nproduct: Fitness\ngoals: [*p]\n"
    assert problems_of(text) == ["f.yaml:3: malformed YAML: aliases (*name) are not allowed"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("goalchain: 2\n", "f.yaml: goalchain: unknown format version 2: this Workshop reads 1"),
        (
            "goalchain: '1'\n",
            "f.yaml: goalchain: unknown format version '1': this Workshop reads 1",
        ),
        (
            "goalchain: true\n",
            "f.yaml: goalchain: unknown format version true: this Workshop reads 1",
        ),
        (
            "product: x\n",
            "f.yaml: goalchain: no format version: a goal chain file starts with 'goalchain: 1'",
        ),
    ],
)
def test_the_format_version_is_checked_first(text: str, message: str) -> None:
    assert problems_of(text + "goals: 3\n") == [message]


@pytest.mark.parametrize(
    ("text", "found"),
    [("", "nothing"), ("- a\n- b\n", "a list holding 'a', 'b'"), ("just text\n", "'just text'")],
)
def test_a_file_that_is_not_a_mapping_gets_a_clear_message(text: str, found: str) -> None:
    expected = "expected a mapping with goalchain, vision and goals"
    assert problems_of(text) == [f"f.yaml: not a goal chain: {expected}, found {found}"]


def test_nan_is_refused_in_json_and_in_yaml() -> None:
    text = '{"goalchain": 1, "vision": {"id": "V1", "statement": "s"}, "product": NaN}'
    assert problems_of(text) == ["f.yaml:1: malformed JSON: NaN is not a number JSON allows"]
    yaml_text = SKELETON.replace("target: 5000", "target: .nan")
    assert problems_of(yaml_text) == ["f.yaml: goal U1, metrics[0].target: not a finite number"]


SCHEMA_CASES = [
    ("title: Lose", "titel: Lose", "goal U1: unknown field 'titel' (did you mean 'title'?)"),
    ("    title: Lose weight without dieting misery\n", "", "goal U1: missing field 'title'"),
    ("- id: U1\n    level", "- level", "goal #1: missing field 'id'"),
    ("status: accepted", "status: done", "goal U1, status: unknown status 'done': one of"),
    ("level: user", "level: epic", "goal U1, level: unknown level 'epic': one of vision,"),
    ("title: Lose", "title: yes\n    x: Lose", "goal U1, title: must be text, not true (put it in"),
    ("due: 2027-06-30", "due: 2027", "goal U1, due: must be text, not 2027 (put it in quotes)"),
    ("baseline: 1200", "baseline: [1]", "goal U1, metrics[0].baseline: must be a number or text"),
    ("target: 5000}", "tagret: 5}", "goal U1, metrics[0]: unknown field 'tagret' (did you mean"),
    ("  - id: U1", "  - id: u-1", "goal u-1, id: 'u-1' is not an id like U1: a capital letter"),
    ("statement: Help", "statement: '', s: Help", "vision: unknown field 's'"),
    ("statement: Help", "statement: '', x: Help", "goal V1, statement: must not be empty"),
    ("product: Fitness", "prodcut: Fitness", "unknown field 'prodcut' (did you mean 'product'?)"),
    ("parents: [V1]", "parents: V1", "goal U1, parents: must be a list, not 'V1'"),
    (
        "target: 5000}",
        "target: 5000, readings: [{at: 31.1.2027, value: 3}]}",
        "goal U1, metrics[0].readings[0].at: '31.1.2027' is not an ISO date like 2027-06-30",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), SCHEMA_CASES)
def test_schema_violations_name_the_goal_and_the_field(old: str, new: str, message: str) -> None:
    assert old in SKELETON
    problems = problems_of(SKELETON.replace(old, new))
    assert any(problem.startswith(f"f.yaml: {message}") for problem in problems), problems


def test_chain_rules_are_checked_after_the_schema_and_all_reported() -> None:
    text = SKELETON + (
        "  - {id: P1, level: product, title: Grow, parents: [U9]}\n"
        "  - {id: S1, level: sprint, title: Try, parents: [U1]}\n"
        "  - {id: U1, level: user, title: Again, parents: [V1]}\n"
        "  - {id: V2, level: vision, title: Other}\n"
    )
    assert problems_of(text) == [
        "f.yaml: goal U1, id: duplicate id 'U1'",
        "f.yaml: goal V2, level: a second vision: the chain's vision is V1",
        "f.yaml: goal P1, parents: unknown parent 'U9'",
        "f.yaml: goal S1, parents: parent 'U1' is a user goal; a sprint goal serves exactly one "
        "product goal",
    ]


def test_a_file_with_problems_of_every_kind_reports_them_all_at_once() -> None:
    """An unknown level or status (the schema's to find) does not hide the duplicate ids and
    broken links (the rules'): one run of `chain validate` names everything to fix. A goal
    whose level is unknown is named once, not again as the wrong parent of its children."""
    text = SKELETON + (
        "  - {id: U1, level: user, title: Again, parents: [V1]}\n"
        "  - {id: B1, level: business, title: Earn, parents: [V9]}\n"
        "  - {id: X1, level: epic, title: Big, parents: [V1]}\n"
        "  - {id: P1, level: product, title: Grow, parents: [X1], status: done, colour: red}\n"
        "  - {id: S1, level: sprint, title: Try, parents: [U1]}\n"
    )
    assert problems_of(text) == [
        "f.yaml: goal X1, level: unknown level 'epic': one of vision, user, business, product, "
        "sprint",
        "f.yaml: goal P1: unknown field 'colour'",
        "f.yaml: goal P1, status: unknown status 'done': one of proposed, accepted, rejected, "
        "achieved, retired",
        "f.yaml: goal U1, id: duplicate id 'U1'",
        "f.yaml: goal B1, parents: unknown parent 'V9'",
        "f.yaml: goal S1, parents: parent 'U1' is a user goal; a sprint goal serves exactly one "
        "product goal",
    ]


def test_a_file_whose_goals_cannot_be_read_reports_what_the_schema_finds() -> None:
    """A field of the wrong type or a missing one leaves no chain to check the rules on."""
    text = SKELETON + (
        "  - {id: U1, level: user, title: Again, parents: [V1]}\n"
        "  - {id: B1, level: business, parents: [V1]}\n"
    )
    assert problems_of(text) == ["f.yaml: goal B1: missing field 'title'"]


ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)
GOAL_FIELDS = ["id", "level", "title", "parents", "metrics", "due", "status", "decided", "x"]


@settings(max_examples=300)
@given(st.sampled_from([0, 1]), st.sampled_from(GOAL_FIELDS), ANY_VALUE)
def test_any_value_in_any_field_is_a_named_problem_or_a_chain(
    which: int, field: str, value: object
) -> None:
    """However wrong a field, validating names the problem: it never ends in a traceback."""
    goals = [
        {"id": "U1", "level": "user", "title": "Be fit", "parents": ["V1"]},
        {"id": "P1", "level": "product", "title": "Grow", "parents": ["U1"]},
    ]
    goals[which][field] = value
    doc = {"goalchain": 1, "product": None, "vision": {"id": "V1", "statement": "s"}}
    try:
        from_document({**doc, "goals": goals}, "f.json")
    except ChainFileError as refused:
        assert refused.problems and all(p.startswith("f.json: ") for p in refused.problems)


def test_direction_controls_in_a_chain_file_are_named() -> None:
    """A right-to-left override in a goal's title showed the pages' words reversed."""
    text = SKELETON.replace("Lose weight without dieting misery", "Lose weight \u202eyrsim")
    assert problems_of(text) == [
        "f.yaml: goal U1, title: contains direction controls (U+202A–U+202E, U+2066–U+2069)"
    ]


def test_no_vision_is_reported() -> None:
    assert problems_of("goalchain: 1\nproduct: x\n") == [
        "f.yaml: vision: no vision: a chain has exactly one"
    ]


def test_from_document_checks_like_loads_and_is_an_invalid_input() -> None:
    document = to_document(fitness())
    assert from_document(document) == loads(dumps(fitness()))
    document["goals"][2]["parents"] = ["U9"]
    with pytest.raises(InvalidInput) as caught:
        from_document(document, "chain")
    assert caught.value.problems == ["chain: goal P1, parents: unknown parent 'U9'"]
    with pytest.raises(ChainFileError, match="chain: not a goal chain"):
        from_document(["not", "a", "mapping"], "chain")  # type: ignore[arg-type]


def test_oversize_text_and_files_are_refused(tmp_path: Path) -> None:
    big = SKELETON + "# " + "x" * chainfile.MAX_BYTES + "\n"
    assert problems_of(big) == ["f.yaml: larger than 5 MB, the most a goal chain file may be"]
    path = tmp_path / "big.yaml"
    path.write_text(big, encoding="utf-8")
    with pytest.raises(ChainFileError, match=r"big\.yaml: larger than 5 MB"):
        load(path)


def test_files_that_cannot_be_read_are_problems_too(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes(b"goalchain: 1\nproduct: Caf\xe9\n")
    (tmp_path / "ok.yaml").write_text(SKELETON, encoding="utf-8")
    paths = [tmp_path / "latin1.yaml", tmp_path / "missing.yaml", tmp_path / "ok.yaml"]
    assert check_files(paths) == [
        f"{paths[0]}:2: not UTF-8 text",
        f"{paths[1]}: cannot read: No such file or directory",
    ]


def test_deeply_nested_input_is_refused_not_crashed() -> None:
    deep = "goalchain: 1\nproduct: " + "[" * 100_000 + "]" * 100_000 + "\n"
    (problem,) = problems_of(deep)
    assert problem.startswith("f.yaml")


def test_check_files_names_file_goal_and_field(tmp_path: Path) -> None:
    path = tmp_path / "chain.yaml"
    path.write_text(SKELETON.replace("parents: [V1]", "parents: [U7]"), encoding="utf-8")
    assert check_files([path]) == [f"{path}: goal U1, parents: unknown parent 'U7'"]
    assert check_files([EXAMPLE]) == []


def test_the_docs_example_is_valid_canonical_and_has_every_level() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    chain = loads(text, str(EXAMPLE))
    assert validate(chain) == []
    assert dumps(chain) == text
    assert {goal.level for goal in chain.goals} == set(LEVELS[1:])
    assert {goal.status for goal in chain.goals} == set(STATUSES)
    assert any(metric.readings for goal in chain.goals for metric in goal.metrics)


def test_the_docs_show_the_example_and_its_mermaid_picture() -> None:
    doc = (ROOT / "docs" / "goalchain.md").read_text(encoding="utf-8")
    pictures = re.findall(r"```mermaid\n(.*?)```", doc, re.S)
    assert render_mermaid(load(EXAMPLE)) in pictures
    assert EXAMPLE.read_text(encoding="utf-8") in re.findall(r"```yaml\n(.*?)```", doc, re.S)


def test_the_schema_is_published_once_and_valid() -> None:
    link = ROOT / "docs" / "goalchain.schema.json"
    assert link.is_symlink()
    assert os.readlink(link) == "../workshop/schema/goalchain.schema.json"
    schema = chainfile.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert json.loads(link.read_text(encoding="utf-8")) == schema
    assert schema["$defs"]["goal"]["properties"]["level"]["enum"] == list(LEVELS)
    jsonschema.validate(yaml.safe_load(json.dumps(to_document(load(EXAMPLE)))), schema)


def test_markdown_nests_goals_under_their_parents_and_escapes_markup() -> None:
    chain = fitness()
    chain.goals[0].title = "Lose *weight* <script>"
    chain.goals[0].metrics = [
        Metric("users", 1200, 5000, "people", "Ann", [{"at": "2027-03-31", "value": 1800}])
    ]
    chain.goals[0].due = "2027-06-30"
    lines = render_markdown(chain).splitlines()
    assert lines[:4] == [
        "# Goal chain: Fitness app",
        "",
        "- **V1** vision: Help people live healthier lives",
        "  - **U1** user goal: Lose \\*weight\\* \\<script\\> (accepted, due 2027-06-30)",
    ]
    metric = "metric users: baseline 1200 people, target 5000 people, latest 1800 people on"
    assert f"    - {metric} 31 March 2027, owner Ann" in lines
    assert "    - **P1** product goal: Acquire users (accepted)" in lines
    assert "      - **S1** sprint goal: Test smart scales (accepted)" in lines
    assert "    - **P1** (see above)" in lines  # P1 serves U1 and B1


def test_markdown_still_shows_goals_cut_off_from_the_vision() -> None:
    chain = fitness()
    chain.goals[3].parents = ["U9"]
    assert "- **P2** product goal: Launch premium (accepted)" in render_markdown(chain).splitlines()


def test_mermaid_has_a_node_per_goal_and_an_edge_per_link() -> None:
    chain = fitness()
    chain.goals[2].title = 'Acquire "users" [fast] #1 <now>'
    chain.goals[3].status = "proposed"
    picture = render_mermaid(chain)
    assert picture.splitlines() == [
        "graph TD",
        '  V1["V1: Help people live healthier lives"]',
        '  U1["U1: Lose weight without dieting misery"]',
        '  B1["B1: A new revenue source"]',
        '  P1["P1: Acquire #quot;users#quot; #91;fast#93; #35;1 #lt;now#gt;"]',
        '  P2["P2: Launch premium (proposed)"]',
        '  S1["S1: Test smart scales"]',
        "  V1 --> U1",
        "  V1 --> B1",
        "  U1 --> P1",
        "  B1 --> P1",
        "  B1 --> P2",
        "  P1 --> S1",
    ]


def test_mermaid_node_names_are_safe_whatever_the_id() -> None:
    chain = Chain(vision=Vision("V1", "s"), goals=[Goal("end", "user", "t", parents=["V1"])])
    assert "  V1 --> id_656e64\n" in render_mermaid(chain)
