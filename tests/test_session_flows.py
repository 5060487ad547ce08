"""Session and proposal flows in the pure domain: names, withdrawing, hidden texts."""

from __future__ import annotations

import pytest

from workshop.domain.errors import InvalidInput
from workshop.domain.session import created


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        (None, "Facilitator"),  # a client that does not send a name keeps working
        ("", "Facilitator"),
        ("  Maya Lindqvist ", "Maya Lindqvist"),
        ("Zoë O'Brien-Ñúñez", "Zoë O'Brien-Ñúñez"),
    ],
)
def test_the_facilitator_has_the_name_given(given, shown):
    first = created("strategizing", "Q3 strategy", None, None, given)
    assert first["facilitator"] == {"id": "pt1", "name": shown, "role": "facilitator"}


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        (42, "facilitator_name must be text"),
        ("M" * 81, "facilitator_name is 81 characters long, at most 80"),
        ("<b>Maya</b>", "facilitator_name must be plain text"),
        ("Maya\x00", "facilitator_name contains control characters"),
    ],
)
def test_a_bad_facilitator_name_is_refused_by_name(given, problem):
    with pytest.raises(InvalidInput, match=problem):
        created("strategizing", "Q3 strategy", None, None, given)
