"""Pure rules of identity and anonymity: which names are one, and how a backup deals votes."""

from __future__ import annotations

import pytest

from workshop.domain.anonymity import sealed
from workshop.domain.identity import name_key


@pytest.mark.parametrize(
    "typed",
    [
        "Alice",
        "alice ",
        "  ALICE",
        "\u0410lice",  # Cyrillic А
        "\u0391lice",  # Greek Α
        "Alic\u0435",  # Cyrillic е
        "Alice\u200b",  # zero-width space
        "Al\u00adice",  # soft hyphen
        "\uff21lice",  # fullwidth A (NFKC)
        "\u2060Alice\ufeff",  # word joiner, byte order mark
    ],
)
def test_names_that_read_the_same_are_one(typed: str) -> None:
    assert name_key(typed) == name_key("Alice")


@pytest.mark.parametrize(
    ("one", "other"),
    [("Alice", "Alicia"), ("Zoë", "Zoe"), ("Ann Lee", "Annlee"), ("Jan", "Jon")],
)
def test_names_people_tell_apart_stay_apart(one: str, other: str) -> None:
    assert name_key(one) != name_key(other)


def test_spaces_inside_a_name_collapse_and_invisible_names_are_blank() -> None:
    assert name_key("Ann \u00a0  Lee") == name_key("ann lee")
    assert name_key("\u200b\u2060 \u3164") == ""


def test_sealed_votes_read_back_as_the_votes_that_count_and_none_where_cast() -> None:
    cast = [
        {"seq": 10, "voter": "anon-p", "vote": {"choice": "agree", "reason": "first"}},
        {"seq": 11, "voter": "anon-t", "vote": {"choice": "disagree"}},
        {"seq": 12, "voter": "anon-p", "vote": {"choice": "abstain"}},
    ]
    dealt = sealed(cast)
    assert [item["seq"] for item in dealt] == [10, 11, 12]
    replayed: dict[str, dict] = {}
    for item in dealt:
        replayed[item["voter"]] = item.get("vote", {})
    assert replayed == {"anon-p": {"choice": "abstain"}, "anon-t": {"choice": "disagree"}}
    assert "first" not in str(dealt)  # a replaced vote is gone
    assert dealt[2]["vote"] != cast[2]["vote"]  # not where it was cast
    assert sealed([]) == []
