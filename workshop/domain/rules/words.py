"""Words for the sentences the rules say: lists of names, and the kind of a wrong value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def names(names: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c': for sentences a facilitator reads aloud."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def kind(value: object) -> str:
    """The JSON name of a value's type, for messages about the wrong type."""
    kinds = {bool: "a boolean", str: "a string", int: "a number", float: "a number"}
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return kinds.get(type(value), type(value).__name__)
