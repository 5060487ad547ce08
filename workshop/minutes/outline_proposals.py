"""The proposals in the outline: each with its facts, revisions and comments."""

from __future__ import annotations

from collections.abc import Mapping

from workshop.chainfile import metric_text
from workshop.domain import chain as chains
from workshop.minutes.blocks import NONE, Block, People


def proposals_blocks(record: Mapping, people: People) -> list[Block]:
    """A heading and a list of facts for each proposal, or "(none)"."""
    blocks: list[Block] = [("h", 2, "Proposals")]
    for p in record["proposals"]:
        blocks += [("h", 3, f"{p['id']}: {p['title']}"), ("ul", _proposal_facts(p, people))]
    return blocks if record["proposals"] else [*blocks, NONE]


def _proposal_facts(p: Mapping, people: People) -> list:
    status = p["status"] + (f" as goal {p['goal_id']}" if p["goal_id"] else "")
    status += f" into {p['merged_into']}" if p["merged_into"] else ""
    facts = [
        f"{p['level']} goal" + (f", {p['change']} {p['target']}" if p["target"] else ""),
        f"author: {people(p['author'])}",
        f"proposed: {p['proposed_at']}",
        f"status: {status}",
        p["parents"] and "parents: " + ", ".join(p["parents"]),
        p["due"] and f"due: {p['due']}",
        p["owner"] and f"owner: {p['owner']}",
        p["description"] and f"description: {p['description']}",
        p["reviewers"] and f"shared for review with: {people.all(p['reviewers'])}",
        *[_metric(m) for m in p["metrics"]],
        *[
            (f"revised {r['at']} by {people(r['by'], 'the author')}:", _change_lines(r["changes"]))
            for r in p["revisions"]
        ],
        *[
            f"comment {c['at']} by {people(c['by'], 'the author')}: {c['text']}"
            for c in p["comments"]
        ],
    ]
    return [fact for fact in facts if fact]


def _metric(metric: Mapping) -> str:
    return metric_text(chains.metric_from_dict(metric))


def _change_lines(changes: Mapping) -> list[str]:
    return [
        f"{name}: {_field_text(change['before'])} → {_field_text(change['after'])}"
        for name, change in changes.items()
    ]


def _field_text(value: object) -> str:
    if isinstance(value, list):
        items = [_metric(v) if isinstance(v, Mapping) else str(v) for v in value]
        return "; ".join(items) or "(none)"
    return "(none)" if value is None else str(value)
