"""The floor in the record: every turn, every round-robin, and the airtime figures."""

from __future__ import annotations

from workshop.domain import views
from workshop.domain.state import WorkshopState
from workshop.domain.turns import AWAY, NO_WORD, with_joined
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
    """Round-robins from the log: order, how each member answered, when they started and
    ended. `passed` keeps those who said nothing (a pass, or no answer)."""
    rounds: dict[str, dict] = {}
    answers: dict[str, dict[str, str]] = {}
    running: str | None = None
    under_way = found = None  # the turn under way, and the one when the round started
    for e in log:
        if e["type"] == "floor_granted":
            under_way = e["turn"]["id"]
        if e["type"] == "round_started":
            running, found = e["round"]["id"], under_way
            rounds[running] = {
                "id": running,
                "purpose": e["round"].get("purpose"),
                "order": list(e["round"]["order"]),
                "passed": [],
                "responses": [],
                "started_at": utc(e["at"]),
                "ended_at": None,
            }
            answers[running] = {}
        elif e["type"] in ("turn_ended", "voted_in_round") and running is not None:
            how = e.get("how", "voted")  # a vote answers a ballot's round (`voted_in_round`)
            # The turn under way when the round began is no answer in the round.
            if e["type"] == "voted_in_round" or e["turn_id"] != found:
                answers[running].setdefault(e["participant_id"], how)
        elif e["type"] == "round_joined" and e["round_id"] in rounds:  # a latecomer
            joined = rounds[e["round_id"]]
            joined["order"] = with_joined(joined["order"], e["participant_id"], e.get("before"))
        elif e["type"] == "round_ended" and e["round_id"] in rounds:
            rounds[e["round_id"]]["ended_at"] = utc(e["at"])
            for pid in e.get("away", ()):  # never asked: away when the round came to them
                answers[e["round_id"]].setdefault(pid, AWAY)
            running = None
    for round_id, entry in rounds.items():
        given = answers[round_id]
        entry["passed"] = [pid for pid in entry["order"] if given.get(pid) in NO_WORD]
        entry["responses"] = [{"participant_id": p, "how": given.get(p)} for p in entry["order"]]
    return list(rounds.values())


def airtime(s: WorkshopState) -> dict:
    """The facilitator's airtime figures (which count no hidden author's proposals)."""
    summary = views.airtime(s)
    summary["hidden_proposals"] = sum(1 for p in s.proposals.values() if p.hidden_author)
    return summary
