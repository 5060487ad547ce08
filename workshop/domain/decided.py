"""The order a goal's provenance (`decided`) is written in: one order per chain.

A chain file rewritten by another tool (PyYAML sorts keys) must format back to the file
Workshop exported, so every mapping in `decided` has a fixed order: the keys Workshop
writes first, as it writes them, then any others, and options (in a tally by option) in
natural order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workshop.domain.text import natural_key

DECIDED_KEYS = ("session", "rule", "at", "ballot", "tally", "advisory_rule", "decision")
# The counts of every rule, by choice; a dot or ranked ballot counts by option instead.
TALLY_KEYS = ("agree", "disagree", "abstain", "consent", "concern", "objection")
TALLY_KEYS += tuple(str(value) for value in range(6)) + ("pairwise", "strongest_paths")
DECISION_KEYS = ("by", "passed", "winner", "rationale")
_NESTED_KEYS = {"tally": TALLY_KEYS, "decision": DECISION_KEYS}


def ordered_decided(decided: Mapping[str, Any]) -> dict[str, Any]:
    """`decided` with its keys, and those of every mapping in it, in the canonical order."""
    return _ordered(decided, DECIDED_KEYS, _NESTED_KEYS)


def _ordered(value: Any, first: tuple[str, ...] = (), nested: Mapping | None = None) -> Any:
    nested = nested or {}
    if isinstance(value, list):
        return [_ordered(item) for item in value]
    if not isinstance(value, Mapping):
        return value
    rank = {key: place for place, key in enumerate(first)}
    keys = sorted(value, key=lambda key: (rank.get(key, len(rank)), natural_key(str(key))))
    return {key: _ordered(value[key], nested.get(key, ())) for key in keys}
