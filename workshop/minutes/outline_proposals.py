"""The proposals in the outline: each with its facts, revisions and comments."""

from __future__ import annotations

from collections.abc import Mapping

from workshop.chainfile import metric_text
from workshop.domain import chain as chains
from workshop.domain.plain import LEVEL_NAMES
from workshop.domain.text import sentence
from workshop.minutes.blocks import NONE, Block, Words

STATUS = {
    "accepted": "accepted into the chain",
    "rejected": "not accepted",
    "withdrawn": "withdrawn by its author",
    "proposed": "still proposed",
    "to_amend": "sent back to its author to amend",
    "parked": "parked",
    "merged": "merged",
}
CHANGES = {"amend": "changes", "achieve": "marks as achieved", "retire": "retires"}
# A change of a goal of the chain, accepted: no new goal came into the chain.
CHANGE_ACCEPTED = {
    "amend": "accepted: its goal is amended",
    "achieve": "accepted: its goal is marked as achieved",
    "retire": "accepted: its goal is retired",
}
FIELDS = {"parents": "serves", "due": "due"}


def proposals_blocks(record: Mapping, words: Words) -> list[Block]:
    """A heading and a list of facts for each proposal, or "(none)"."""
    blocks: list[Block] = [("h", 2, "Proposals")]
    for p in record["proposals"]:
        blocks += [("h", 3, p["title"]), ("ul", _proposal_facts(p, words))]
    return blocks if record["proposals"] else [*blocks, NONE]


def _status(p: Mapping, words: Words) -> str:
    if p["merged_into"]:
        return f"merged into {words.title(p['merged_into'])}"
    if p["status"] == "withdrawn" and p.get("withdrawn_by"):
        return f"withdrawn by {words(p['withdrawn_by'])}, not its author"
    if p["status"] == "accepted" and p["change"] in CHANGE_ACCEPTED:
        return CHANGE_ACCEPTED[p["change"]]
    return STATUS.get(p["status"], p["status"])


def _proposal_facts(p: Mapping, words: Words) -> list:
    level = sentence(LEVEL_NAMES.get(p["level"], p["level"]))
    change = CHANGES.get(p["change"])
    facts = [
        level
        + (f" that {change} {words.title_before(p['target'])}" if change and p["target"] else ""),
        f"Author: {words(p['author'])}",
        f"Proposed at {words.clock(p['proposed_at'])}",
        f"Status: {_status(p, words)}",
        p["parents"] and f"Serves {words.each(p['parents'])}",
        p["due"] and f"Due {p['due']}",
        p["owner"] and f"Owner: {p['owner']}",
        p["description"] and f"Description: {p['description']}",
        p["reviewers"] and f"Shared for review with {words.all(p['reviewers'])}",
        *[sentence(_metric(m)) for m in p["metrics"]],
        p.get("features") and f"Features: {'; '.join(p['features'])}",
        *[
            (
                f"Revised at {words.clock(r['at'])} by {words(r['by'], 'the author')}:",
                _change_lines(r["changes"], words),
            )
            for r in p["revisions"]
        ],
        *[
            f"Comment at {words.clock(c['at'])} by {words(c['by'], 'the author')}: {c['text']}"
            for c in p["comments"]
        ],
    ]
    return [fact for fact in facts if fact]


def _metric(metric: Mapping) -> str:
    return metric_text(chains.metric_from_dict(metric))


def _change_lines(changes: Mapping, words: Words) -> list[str]:
    return [
        f"{FIELDS.get(name, name)}: {_field_text(name, change['before'], words)}"
        f" → {_field_text(name, change['after'], words)}"
        for name, change in changes.items()
    ]


def _field_text(name: str, value: object, words: Words) -> str:
    if name == "parents" and isinstance(value, list):
        return words.each(value) or "(none)"
    if isinstance(value, list):
        items = [_metric(v) if isinstance(v, Mapping) else str(v) for v in value]
        return "; ".join(items) or "(none)"
    return "(none)" if value is None else str(value)
