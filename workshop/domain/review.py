"""What a review session changed: the chain against its input, and loose ends to fix."""

from __future__ import annotations

import dataclasses

from workshop.domain import chain as chains
from workshop.domain.state import WorkshopState

COMPARED = ("title", "description", "parents", "metrics", "features", "due", "owner")


def _content(goal: chains.Goal) -> dict:
    """What a review compares. Parents are a set: their order carries no meaning (the chain
    writes them in its canonical order), so a reordering is no change."""
    fields = {name: getattr(goal, name) for name in COMPARED}
    fields["parents"] = sorted(set(goal.parents))
    fields["metrics"] = [
        {k: v for k, v in dataclasses.asdict(m).items() if k != "readings"} for m in goal.metrics
    ]
    return fields


def review_report(before: chains.Chain | None, after: chains.Chain, readings: list[dict]) -> dict:
    """Goals added, changed, achieved, retired; goals that lost a parent; KPIs with no owner."""
    old = chains.goals_by_id(before) if before else {}
    new = chains.goals_by_id(after)
    report: dict[str, list] = {"added": [], "changed": [], "achieved": [], "retired": []}
    for goal_id, goal in new.items():
        earlier = old.get(goal_id)
        if earlier is None:
            report["added"].append(goal_id)
            continue
        fields = list(changes(earlier, goal))
        if fields:
            report["changed"].append({"goal_id": goal_id, "fields": fields})
        if goal.status != earlier.status and goal.status in ("achieved", "retired"):
            report[goal.status].append(goal_id)
    report["lost_parent"] = [
        {"goal_id": goal.id, "parent": parent} for goal, parent in chains.lost_parents(after)
    ]
    report["kpis_without_owner"] = [
        {"goal_id": goal.id, "metric": metric.name}
        for goal in new.values()
        if goal.status in chains.IN_FORCE  # a goal only proposed has no KPI to read yet
        for metric in goal.metrics
        if not (metric.owner or goal.owner)
    ]
    report["kpi_readings"] = list(readings)
    return report


def changes(before: chains.Goal, after: chains.Goal) -> dict[str, dict]:
    """What an amendment changed, field by field ({field: {before, after}}): a KPI reading is
    no change of its goal."""
    old, new = _content(before), _content(after)
    return {f: {"before": old[f], "after": new[f]} for f in COMPARED if old[f] != new[f]}


def session_review(s: WorkshopState) -> dict | None:
    """A review session's report against its input chain, as its pages and minutes show it;
    None for the other kinds."""
    if s.kind != "review":
        return None
    before = chains.from_dict(s.input_chain) if s.input_chain else None
    return review_report(before, s.chain, s.kpi_readings)
