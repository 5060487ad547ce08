"""The floor in the record: every turn, every round-robin, and the airtime figures."""

from __future__ import annotations

from workshop.domain import views
from workshop.domain.state import WorkshopState
from workshop.domain.turns import NO_WORD
from workshop.minutes.times import utc


def floor(s: WorkshopState, log: list[dict]) -> dict:
    """The turns at the floor and the round-robins, in the order they happened."""
    return {"turns": _turns(s, log), "rounds": _rounds(log)}


def _turns(s: WorkshopState, log: list[dict]) -> list[dict]:
    """Every turn at the floor: who, how it was given, when, how long, how it ended."""
    kinds = {e["turn"]["id"]: e["turn"]["kind"] for e in log if e["type"] == "floor_granted"}
    turns = [
        {
            "turn_id": t["turn_id"],
            "participant_id": t["participant_id"],
            "kind": kinds.get(t["turn_id"]),
            "started_at": utc(t["started_at"]),
            "ended_at": utc(t["at"]),
            "seconds": t["seconds"],
            "how": t["how"],
        }
        for t in s.floor.log
    ]
    holder = s.floor.holder
    if holder is not None:
        turns.append(
            {
                "turn_id": holder.id,
                "participant_id": holder.participant_id,
                "kind": holder.kind,
                "started_at": utc(holder.started_at),
                "ended_at": None,
                "seconds": None,
                "how": None,
            }
        )
    return turns


def _rounds(log: list[dict]) -> list[dict]:
    """Round-robins from the log: order, who passed, when they started and ended."""
    rounds: dict[str, dict] = {}
    running: dict | None = None
    for e in log:
        if e["type"] == "round_started":
            running = rounds[e["round"]["id"]] = {
                "id": e["round"]["id"],
                "purpose": e["round"].get("purpose"),
                "order": list(e["round"]["order"]),
                "passed": [],
                "started_at": utc(e["at"]),
                "ended_at": None,
            }
        elif e["type"] == "turn_ended" and e["how"] in NO_WORD and running is not None:
            running["passed"].append(e["participant_id"])
        elif e["type"] == "round_ended" and e["round_id"] in rounds:
            rounds[e["round_id"]]["ended_at"] = utc(e["at"])
            running = None
    return list(rounds.values())


def airtime(s: WorkshopState) -> dict:
    """The facilitator's airtime figures (which count no hidden author's proposals)."""
    summary = views.airtime(s)
    summary["hidden_proposals"] = sum(1 for p in s.proposals.values() if p.hidden_author)
    return summary
