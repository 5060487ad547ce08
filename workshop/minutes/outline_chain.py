"""The goal chain in the outline: before and after the session, and what changed."""

from __future__ import annotations

from collections.abc import Mapping

from workshop.domain.plain import FIELD_NAMES, LEVEL_NAMES, quoted
from workshop.minutes.blocks import NONE, Block, Words, goals_of, table


def chain_blocks(record: Mapping, words: Words) -> list[Block]:
    """The chain before and after (drawn by each renderer), its goals, and the changes."""
    before, after = record["chain_before"], record["chain_after"]
    goals = [
        (
            g["title"],
            LEVEL_NAMES.get(g["level"], g["level"]),
            words.each(g.get("parents", [])),
            g.get("status", ""),
            g.get("due", ""),
        )
        for g in goals_of(after).values()
    ]
    changes = session_changes(record, words)
    return [
        ("h", 2, "Goal chain"),
        ("h", 3, "Before"),
        ("chain", before, "The goal chain before the session")
        if before
        else ("p", "The session started with no goal chain."),
        ("h", 3, "After"),
        ("chain", after, "The goal chain after the session"),
        table(("Goal", "Level", "Serves", "Status", "Due"), goals),
        ("h", 3, "Changes"),
        ("ul", changes) if changes else NONE,
    ]


def session_changes(record: Mapping, words: Words) -> list[str]:
    """What the session changed in the chain: a review's as its pages list them (a KPI
    reading no change of its goal), any other's goal by goal."""
    before, after, review = record["chain_before"], record["chain_after"], record.get("review")
    if review:
        return review_lines(before, after, review, words)
    return chain_changes(before, after, words)


def chain_changes(before: Mapping | None, after: Mapping, words: Words) -> list[str]:
    """Goals added, changed or gone between the input chain and the chain at the end; a KPI
    reading is no change of its goal, in any session as in a review."""
    old = {gid: _unread(goal) for gid, goal in goals_of(before or {}).items()}
    new = {gid: _unread(goal) for gid, goal in goals_of(after).items()}

    def level(goal: Mapping) -> str:
        return LEVEL_NAMES.get(goal["level"], goal["level"])

    lines = [
        f"Added {words.title(gid)} ({level(goal)})" for gid, goal in new.items() if gid not in old
    ]
    lines += [
        _vision_changed(old[gid], goal)
        if goal["level"] == "vision" and old[gid]["title"] != goal["title"]
        else f"Changed {words.title(gid)}: {_what_changed(old[gid], goal)}"
        for gid, goal in new.items()
        if gid in old and old[gid] != goal
    ]
    return lines + [f"No longer in the chain: {words.title(gid)}" for gid in old if gid not in new]


def review_lines(
    before: Mapping | None, after: Mapping, report: Mapping, words: Words
) -> list[str]:
    """A review's changes as its pages list them: a KPI reading is no change of its goal,
    a retirement no "status" change, and the loose ends are said too."""
    title = words.title
    rows = [
        ("Added", [title(g) for g in report["added"]]),
        (
            "Changed",
            [
                f"{title(c['goal_id'])} ({', '.join(FIELD_NAMES.get(f, f) for f in c['fields'])})"
                for c in report["changed"]
            ],
        ),
        ("Achieved", [title(g) for g in report["achieved"]]),
        ("Retired", [title(g) for g in report["retired"]]),
        (
            "Lost their parent",
            [
                f"{title(x['goal_id'])} (it served {title(x['parent'])})"
                for x in report["lost_parent"]
            ],
        ),
        (
            "KPIs without an owner",
            [f"{title(k['goal_id'])}: {k['metric']}" for k in report["kpis_without_owner"]],
        ),
    ]
    old, new = _vision(before), _vision(after)
    vision = [_vision_changed(old, new)] if old and new and old["title"] != new["title"] else []
    return vision + [f"{label}: {'; '.join(items) if items else 'none'}" for label, items in rows]


def _unread(goal: Mapping) -> dict:
    """A goal without its metrics' readings."""
    metrics = [{k: v for k, v in m.items() if k != "readings"} for m in goal.get("metrics", [])]
    return {**goal, "metrics": metrics} if "metrics" in goal else dict(goal)


def _vision(doc: Mapping | None) -> Mapping | None:
    """A chain document's vision, its statement as title."""
    vision = (doc or {}).get("vision")
    return goals_of(doc or {})[vision["id"]] if vision else None


def _vision_changed(old: Mapping, new: Mapping) -> str:
    """The one vision restated: both statements, since a title alone would show only one."""
    return f"Vision changed from {quoted(old['title'])} to {quoted(new['title'])}"


def _what_changed(old: Mapping, new: Mapping) -> str:
    fields = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
    shown = [FIELD_NAMES.get(key, key) for key in fields]
    if "status" in fields:
        shown[fields.index("status")] = f"status {old.get('status')} to {new.get('status')}"
    return ", ".join(shown)
