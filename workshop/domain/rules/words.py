"""Words for the sentences the rules say: lists of names."""

from __future__ import annotations

from collections.abc import Sequence


def names(names: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c': for sentences a facilitator reads aloud."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def counted(count: int, word: str) -> str:
    """'1 objection', '2 objections', '0 concerns': a count as people say it."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
