"""The goal chain rules: tables for each broken link, properties over random valid chains."""

import ast
import copy
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workshop.domain import chain as chain_module
from workshop.domain.chain import (
    ID_PREFIX,
    LEVELS,
    PARENT_LEVELS,
    STATUSES,
    Chain,
    Goal,
    Metric,
    Problem,
    Vision,
    children,
    from_dict,
    goal_from_dict,
    goals_by_id,
    next_goal_id,
    ordered_goals,
    ordered_ids,
    put_goal,
    smart_advice,
    to_dict,
    validate,
)
from workshop.domain.errors import InvalidInput
from workshop.domain.review import review_report
from workshop.domain.text import CONTROL, DIRECTION_CONTROLS, MARKUP, is_blank

# Strings YAML would misread if written bare, and text that needs escaping somewhere.
TRICKY = [
    "yes",
    "No",
    "on",
    "null",
    "~",
    "1.0",
    "0o17",
    "1_000",
    "0x1F",
    ".inf",
    "2027-06-30",
    "2027-06-30 10:00:00",
    ": x",
    "- a",
    "#c",
    "'",
    '"',
    "a: b",
    "a #b",
    "[x]",
    "{y}",
    "&a",
    "*b",
    "!t",
    "%p",
    "@q",
    "`r",
    " lead",
    "trail ",
    "two\nlines",
    "end\n",
    "\n",
    "tab\there",
    "Zoë 💪",
    "|",
    ">",
    "? q",
    "---",
    "...",
    "\\",
    "a < b && c > d",
    "end",
]
RULES = ("unanimity", "consent", "majority", "fist_of_five", "dot", "ranked", "decider")

# Any text but markup, direction and other control characters, which a chain refuses like
# everything typed (PRODUCT.md section 7).
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=12).filter(
    lambda text: (
        not (MARKUP.search(text) or DIRECTION_CONTROLS.search(text) or CONTROL.search(text))
    )
)
words = st.one_of(st.sampled_from(TRICKY), texts)
titles = words.filter(lambda text: not is_blank(text))
numbers = st.one_of(
    st.integers(-(10**12), 10**12), st.floats(allow_nan=False, allow_infinity=False)
)
iso_dates = st.dates().map(lambda day: day.isoformat())
readings = st.fixed_dictionaries({"at": iso_dates, "value": numbers})
metrics = st.builds(
    Metric,
    name=titles,
    baseline=st.none() | numbers | words,
    target=st.none() | numbers | words,
    unit=st.none() | words,
    owner=st.none() | words,
    readings=st.lists(readings, max_size=2),
)
decided = st.none() | st.fixed_dictionaries(
    {
        "session": words,
        "rule": st.sampled_from(RULES),
        "at": st.datetimes().map(lambda moment: moment.isoformat()),
        "tally": st.dictionaries(words, st.integers(0, 9), max_size=3),
    }
)


@st.composite
def goals_at(draw: st.DrawFn, level: str, parent_ids: st.SearchStrategy[list[str]]) -> list[Goal]:
    """Between none and three goals at `level`, with distinct ids like U7 and U12."""
    numbers = draw(st.lists(st.integers(1, 30), max_size=3, unique=True))
    return [
        Goal(
            id=f"{ID_PREFIX[level]}{number}",
            level=level,
            title=draw(titles),
            description=draw(st.none() | words),
            parents=draw(parent_ids),
            metrics=draw(st.lists(metrics, max_size=2)),
            due=draw(st.none() | iso_dates | st.sampled_from(["2027-Q2", "2028-H1", "2029"])),
            owner=draw(st.none() | words),
            status=draw(st.sampled_from(STATUSES)),
            decided=draw(decided),
        )
        for number in numbers
    ]


@st.composite
def valid_chains(draw: st.DrawFn) -> Chain:
    """A random chain that keeps every rule: each level linked to the level it serves."""
    vision = Vision("V1", draw(titles), draw(st.none() | words), draw(decided))
    strategic = draw(goals_at("user", st.just(["V1"]))) + draw(
        goals_at("business", st.just(["V1"]))
    )
    products = []
    if strategic:
        upper = st.lists(st.sampled_from([g.id for g in strategic]), min_size=1, unique=True)
        products = draw(goals_at("product", upper))
    sprints = []
    if products:
        sprints = draw(
            goals_at("sprint", st.sampled_from([g.id for g in products]).map(lambda i: [i]))
        )
    goals = draw(st.permutations(strategic + products + sprints))
    return Chain(product=draw(st.none() | titles), vision=vision, goals=goals)


def fitness() -> Chain:
    """A small valid chain with every level, for the tables below."""
    return Chain(
        product="Fitness app",
        vision=Vision("V1", "Help people live healthier lives"),
        goals=[
            Goal("U1", "user", "Lose weight without dieting misery", parents=["V1"]),
            Goal("B1", "business", "A new revenue source", parents=["V1"]),
            Goal("P1", "product", "Acquire users", parents=["U1", "B1"]),
            Goal("P2", "product", "Launch premium", parents=["B1"]),
            Goal("S1", "sprint", "Test smart scales", parents=["P1"]),
        ],
    )


def test_the_example_chain_is_valid() -> None:
    assert validate(fitness()) == []


def broken(change) -> Chain:
    chain = fitness()
    change(chain, goals_by_id(chain))
    return chain


def set_parents(goal_id: str, parents: list[str]):
    return lambda chain, goals: setattr(goals[goal_id], "parents", parents)


def set_field(goal_id: str, name: str, value: object):
    return lambda chain, goals: setattr(goals[goal_id], name, value)


def add_goal(goal: Goal):
    return lambda chain, goals: chain.goals.append(goal)


BROKEN = [
    ("no vision", lambda c, g: setattr(c, "vision", None), None, "vision", "no vision"),
    ("empty vision", lambda c, g: setattr(c.vision, "statement", " "), "V1", "statement", "empty"),
    ("second vision", add_goal(Goal("V2", "vision", "Another")), "V2", "level", "second vision"),
    (
        "duplicate id",
        add_goal(Goal("U1", "user", "Again", parents=["V1"])),
        "U1",
        "id",
        "duplicate",
    ),
    (
        "vision's id",
        add_goal(Goal("V1", "user", "Clash", parents=["V1"])),
        "V1",
        "id",
        "vision's id",
    ),
    ("unknown parent", set_parents("P1", ["U9"]), "P1", "parents", "unknown parent 'U9'"),
    ("user under product", set_parents("U1", ["P1"]), "U1", "parents", "is a product goal"),
    ("business under user", set_parents("B1", ["U1"]), "B1", "parents", "is a user goal"),
    ("product under vision", set_parents("P2", ["V1"]), "P2", "parents", "is the vision"),
    ("product under product", set_parents("P2", ["P1"]), "P2", "parents", "is a product goal"),
    ("sprint under user", set_parents("S1", ["U1"]), "S1", "parents", "is a user goal"),
    ("sprint, two products", set_parents("S1", ["P1", "P2"]), "S1", "parents", "2 parents"),
    ("orphan user", set_parents("U1", []), "U1", "parents", "no parent"),
    ("orphan product", set_parents("P1", []), "P1", "parents", "no parent"),
    ("orphan sprint", set_parents("S1", []), "S1", "parents", "exactly one product goal"),
    ("self parent", set_parents("P1", ["P1"]), "P1", "parents", "its own parent"),
    ("parent twice", set_parents("P1", ["U1", "U1"]), "P1", "parents", "listed twice"),
    ("unknown status", set_field("P1", "status", "done"), "P1", "status", "unknown status"),
    ("unknown level", set_field("P1", "level", "epic"), "P1", "level", "unknown level 'epic'"),
    ("empty title", set_field("B1", "title", "  "), "B1", "title", "empty title"),
    (
        "empty metric name",
        set_field("P1", "metrics", [Metric(" ", target=3)]),
        "P1",
        "metrics[0].name",
        "empty metric name",
    ),
    (
        "NaN target",
        set_field("P1", "metrics", [Metric("users", target=math.nan)]),
        "P1",
        "metrics[0].target",
        "not a finite number",
    ),
]


@pytest.mark.parametrize(
    ("change", "goal_id", "field", "words"),
    [case[1:] for case in BROKEN],
    ids=[c[0] for c in BROKEN],
)
def test_each_broken_rule_is_reported_with_goal_and_field(change, goal_id, field, words) -> None:
    problems = validate(broken(change))
    assert any((p.goal_id, p.field) == (goal_id, field) and words in p.message for p in problems), (
        problems
    )


def test_every_problem_is_reported_not_just_the_first() -> None:
    def many(chain: Chain, goals: dict[str, Goal]) -> None:
        goals["P1"].parents = ["U9"]
        goals["S1"].status = "done"
        goals["B1"].title = ""

    found = {(p.goal_id, p.field) for p in validate(broken(many))}
    assert found == {("P1", "parents"), ("S1", "status"), ("B1", "title")}


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (Problem("P2", "parents", "unknown parent 'U9'"), "goal P2, parents: unknown parent 'U9'"),
        (Problem(None, "vision", "no vision"), "vision: no vision"),
        (Problem("U1", None, "unknown field 'x'"), "goal U1: unknown field 'x'"),
        (Problem(None, None, "odd"), "odd"),
    ],
)
def test_a_problem_reads_as_goal_field_message(problem: Problem, text: str) -> None:
    assert str(problem) == text


@pytest.mark.parametrize(
    ("goal", "advice"),
    [
        (Goal("P1", "product", "Grow", due="2027-Q2", metrics=[Metric("users", 1, 5)]), []),
        (Goal("P1", "product", "Grow", due="2027-Q2"), ["no metric"]),
        (
            Goal("P1", "product", "Grow", due="2027-06-30", metrics=[Metric("users", 1)]),
            ["metric 'users' has no target"],
        ),
        (
            Goal("U1", "user", "Grow", metrics=[Metric("users", target=5)]),
            ["no due date or timeframe"],
        ),
        (
            Goal("S1", "sprint", "Try", status="proposed"),
            ["no metric", "no due date or timeframe"],
        ),
        (Goal("V1", "vision", "A stretch goal"), []),
        (Goal("B1", "business", "Old", status="retired"), []),
        (Goal("B1", "business", "No", status="rejected"), []),
    ],
)
def test_smart_advice(goal: Goal, advice: list[str]) -> None:
    assert smart_advice(goal) == advice


@pytest.mark.parametrize(
    ("ids", "level", "expected"),
    [
        ([], "user", "U1"),
        (["U1", "U2", "U10"], "user", "U11"),
        (["U1", "U2x", "XU7"], "user", "U2"),
        (["U3"], "business", "B1"),
        (["P4", "S2"], "sprint", "S3"),
        ([], "vision", "V2"),
    ],
)
def test_next_goal_id(ids: list[str], level: str, expected: str) -> None:
    chain = Chain(vision=Vision("V1", "Purpose"), goals=[Goal(i, "user", "t") for i in ids])
    assert next_goal_id(chain, level) == expected


def test_next_goal_id_refuses_an_unknown_level() -> None:
    with pytest.raises(InvalidInput, match="unknown level 'epic'"):
        next_goal_id(Chain(), "epic")


@given(valid_chains(), st.sampled_from(LEVELS))
def test_next_goal_id_never_reuses_an_id(chain: Chain, level: str) -> None:
    assert next_goal_id(chain, level) not in {g.id for g in chain.goals} | {"V1"}


def test_goals_come_in_level_order_then_natural_id_order() -> None:
    chain = Chain(
        goals=[
            Goal(i, level, "t")
            for i, level in [
                ("P10", "product"),
                ("U10", "user"),
                ("P2", "product"),
                ("B1", "business"),
                ("U2", "user"),
                ("S1", "sprint"),
            ]
        ]
    )
    assert [g.id for g in ordered_goals(chain)] == ["U2", "U10", "B1", "P2", "P10", "S1"]
    assert ordered_ids(chain, ["P2", "B1", "U10", "U2"]) == ["U2", "U10", "B1", "P2"]


def test_children_and_goals_by_id() -> None:
    chain = fitness()
    assert [g.id for g in children(chain, "V1")] == ["U1", "B1"]
    assert [g.id for g in children(chain, "B1")] == ["P1", "P2"]
    assert children(chain, "S1") == []
    assert goals_by_id(chain)["P2"].title == "Launch premium"


def test_put_goal_adds_replaces_and_sets_the_vision() -> None:
    chain = fitness()
    put_goal(chain, Goal("P1", "product", "Acquire more users", parents=["U1"]))
    put_goal(chain, Goal("P3", "product", "New", parents=["U1"]))
    put_goal(chain, Goal("V1", "vision", "A better purpose", decided={"rule": "unanimity"}))
    assert goals_by_id(chain)["P1"].title == "Acquire more users"
    assert [g.id for g in chain.goals].count("P1") == 1
    assert "P3" in goals_by_id(chain)
    assert chain.vision == Vision("V1", "A better purpose", None, {"rule": "unanimity"})


def test_goal_from_dict_ignores_unknown_keys_and_builds_metrics() -> None:
    goal = goal_from_dict(
        {
            "id": "P1",
            "level": "product",
            "title": "Grow",
            "colour": "green",
            "features": ["x"],
            "due": None,
            "metrics": [{"name": "users", "target": 5}],
        }
    )
    expected = Goal("P1", "product", "Grow", metrics=[Metric("users", target=5)], features=["x"])
    assert goal == expected


@given(valid_chains())
def test_random_valid_chains_are_valid(chain: Chain) -> None:
    assert validate(chain) == []


@given(valid_chains())
def test_the_dict_form_round_trips(chain: Chain) -> None:
    assert to_dict(from_dict(to_dict(chain))) == to_dict(chain)


@st.composite
def chains_with_one_broken_link(draw: st.DrawFn) -> tuple[Chain, str]:
    """A valid chain in which one goal's parents now point at a missing id or a wrong level."""
    chain = draw(valid_chains().filter(lambda c: c.goals))
    goal = draw(st.sampled_from(chain.goals))
    wrong = [g.id for g in chain.goals if g.level not in PARENT_LEVELS[goal.level]]
    wrong += [] if "vision" in PARENT_LEVELS[goal.level] else ["V1"]
    wrong = [i for i in wrong if i != goal.id] or ["X99"]
    goal.parents = [draw(st.sampled_from(["X99", *wrong]))]
    return chain, goal.id


@given(chains_with_one_broken_link())
def test_one_broken_link_names_exactly_that_goal(case: tuple[Chain, str]) -> None:
    chain, goal_id = case
    problems = validate(chain)
    assert problems
    assert {(p.goal_id, p.field) for p in problems} == {(goal_id, "parents")}


def test_validation_does_not_change_the_chain() -> None:
    chain = broken(set_parents("P1", ["U9"]))
    before = copy.deepcopy(chain)
    validate(chain)
    assert chain == before


def test_the_domain_imports_no_io_library() -> None:
    tree = ast.parse(Path(chain_module.__file__).read_text(encoding="utf-8"))
    imported = {
        name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
        )
    }
    allowed = {"__future__", "collections.abc", "dataclasses", "json", "math", "re", "typing"}
    domain = {"workshop.domain.chain_fields", "workshop.domain.decided", "workshop.domain.errors"}
    domain.add("workshop.domain.text")
    assert imported <= allowed | domain


@pytest.mark.parametrize(
    "where, markup",
    [("title", "<script>alert(1)</script>"), ("description", "<img src=x onerror=alert(1)>")],
)
def test_markup_anywhere_in_a_goal_is_a_problem_naming_it(where: str, markup: str) -> None:
    chain = Chain(
        vision=Vision("V1", "Healthier lives"),
        goals=[Goal("U1", "user", "Lose weight", parents=["V1"])],
    )
    setattr(chain.goals[0], where, markup)
    assert [(p.goal_id, p.field) for p in validate(chain)] == [("U1", where)]


# -- what a review session changed -------------------------------------------------------------


def review_chain(product_parents: list[str], title: str = "Premium tier") -> Chain:
    """A vision, a user and a business goal, and P2 serving `product_parents`."""
    return Chain(
        product="Fitness app",
        vision=Vision("V1", "Help people live healthier lives"),
        goals=[
            Goal("U1", "user", "Lose weight", parents=["V1"], status="accepted"),
            Goal("B1", "business", "New revenue", parents=["V1"], status="accepted"),
            Goal("P2", "product", title, parents=product_parents, status="accepted"),
        ],
    )


@pytest.mark.parametrize(
    ("before", "after", "changed"),
    [
        # The parents only came back in the chain's canonical order: nothing changed.
        (review_chain(["B1", "U1"]), review_chain(["U1", "B1"]), []),
        (review_chain(["B1", "U1"]), review_chain(["U1", "B1"], "Premium (EU)"), ["title"]),
        (review_chain(["B1", "U1"]), review_chain(["U1"]), ["parents"]),
        (review_chain(["U1"]), review_chain(["B1"], "Premium (EU)"), ["title", "parents"]),
        (review_chain(["U1"]), review_chain(["U1", "B1"]), ["parents"]),
    ],
)
def test_a_review_reports_the_fields_that_changed(before, after, changed) -> None:
    report = review_report(before, after, [])
    assert report["changed"] == ([{"goal_id": "P2", "fields": changed}] if changed else [])


@given(st.permutations(["U1", "B1"]), st.permutations(["U1", "B1"]))
def test_the_order_of_parents_is_no_change(before, after) -> None:
    assert review_report(review_chain(before), review_chain(after), [])["changed"] == []
