"""The goal chain as a layered tree of boxes and lines, laid out for the inline SVG."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

from workshop.domain.plain import LEVEL_NAMES
from workshop.domain.text import sentence
from workshop.minutes.blocks import goals_of

TIER = {"vision": 0, "user": 1, "business": 1, "product": 2, "sprint": 3}
BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 180, 72, 16, 44, 12
FILL = {
    "accepted": "#e8f5e9",
    "proposed": "#fff8e1",
    "achieved": "#e3f2fd",
    "rejected": "#f2f2f2",
    "retired": "#f2f2f2",
}


def picture(doc: Mapping | None) -> dict | None:
    """The chain as a layered tree for the inline SVG: boxes in a row per tier, lines from
    parent to child. User and business goals share a tier: both serve the vision."""
    goals = list(goals_of(doc or {}).values())
    if not goals:
        return None
    rows = [[g for g in goals if TIER[g.get("level", "vision")] == t] for t in range(4)]
    rows = [row for row in rows if row]
    width = max(len(row) for row in rows) * (BOX_W + GAP_X) - GAP_X + 2 * PAD
    boxes: dict[str, dict] = {}
    for r, row in enumerate(rows):
        left = (width - (len(row) * (BOX_W + GAP_X) - GAP_X)) // 2
        for i, goal in enumerate(row):
            boxes[goal["id"]] = _box(goal, left + i * (BOX_W + GAP_X), PAD + r * (BOX_H + GAP_Y))
    edges = [
        {"x1": p["cx"], "y1": p["y"] + BOX_H, "x2": child["cx"], "y2": child["y"]}
        for goal in goals
        for child in [boxes[goal["id"]]]
        for p in [boxes[parent] for parent in goal.get("parents", []) if parent in boxes]
    ]
    height = len(rows) * (BOX_H + GAP_Y) - GAP_Y + 2 * PAD
    return {"width": width, "height": height, "boxes": list(boxes.values()), "edges": edges}


def _box(goal: Mapping, x: int, y: int) -> dict:
    status = goal.get("status", "accepted")
    lines = textwrap.wrap(goal["title"], 26) or [""]
    if len(lines) > 3:
        lines = [*lines[:2], lines[2][:25] + "…"]
    return {
        "x": x,
        "y": y,
        "cx": x + BOX_W // 2,
        "w": BOX_W,
        "h": BOX_H,
        "label": sentence(LEVEL_NAMES.get(goal.get("level", "vision"), "goal"))
        + ("" if status == "accepted" else f" · {status}"),
        "lines": lines,
        "fill": FILL.get(status, "#ffffff"),
        "dashed": status in ("rejected", "retired"),
    }
