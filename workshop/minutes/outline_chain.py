"""The goal chain in the outline: before and after the session, and what changed."""

from __future__ import annotations

from collections.abc import Mapping

from workshop.minutes.blocks import NONE, Block, table


def chain_blocks(record: Mapping) -> list[Block]:
    """The chain before and after (drawn by each renderer), its goals, and the changes."""
    before, after = record["chain_before"], record["chain_after"]
    goals = [
        (
            g["id"],
            g.get("level", "vision"),
            g["title"],
            ", ".join(g.get("parents", [])),
            g.get("status", ""),
            g.get("due", ""),
        )
        for g in goals_of(after).values()
    ]
    changes = _chain_changes(before, after)
    return [
        ("h", 2, "Goal chain"),
        ("h", 3, "Before"),
        ("chain", before, "The goal chain before the session")
        if before
        else ("p", "The session started with no goal chain."),
        ("h", 3, "After"),
        ("chain", after, "The goal chain after the session"),
        table(("Goal", "Level", "Title", "Parents", "Status", "Due"), goals),
        ("h", 3, "Changes"),
        ("ul", changes) if changes else NONE,
    ]


def goals_of(doc: Mapping) -> dict[str, dict]:
    """The vision (its statement as title) and the goals of a chain document, by id."""
    goals = {g["id"]: dict(g) for g in doc.get("goals", [])}
    vision = doc.get("vision")
    if vision:
        return {vision["id"]: {**vision, "title": vision["statement"]}, **goals}
    return goals


def _chain_changes(before: Mapping | None, after: Mapping) -> list[str]:
    """Goals added, changed or gone between the input chain and the chain at the end."""
    old, new = goals_of(before or {}), goals_of(after)
    lines = [f"added {gid}: {goal['title']}" for gid, goal in new.items() if gid not in old]
    lines += [
        f"changed {gid}: {goal['title']} ({_what_changed(old[gid], goal)})"
        for gid, goal in new.items()
        if gid in old and old[gid] != goal
    ]
    return lines + [f"no longer in the chain: {gid}" for gid in old if gid not in new]


def _what_changed(old: Mapping, new: Mapping) -> str:
    fields = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
    if "status" in fields:
        fields[fields.index("status")] = f"status {old.get('status')} to {new.get('status')}"
    return ", ".join(fields)
