"""The session state machine in one place: decide commands, apply events, find due timers.

Importing this module registers every command handler.
"""

from __future__ import annotations

from collections.abc import Iterable

from workshop.domain import (  # noqa: F401 (registers the commands)
    after_ballot,
    floor,
    hidden_texts,
    proposals,
    remote,
    session,
    voting,
)
from workshop.domain.commands import COMMANDS, SYSTEM, Context, decide
from workshop.domain.events import apply
from workshop.domain.state import WorkshopState

__all__ = [
    "CLIENT_COMMANDS",
    "COMMANDS",
    "SYSTEM",
    "Context",
    "apply",
    "decide",
    "due_timers",
    "next_due",
    "replay",
]

# What people may send, over the socket or HTTP; the rest only the server's timers run.
CLIENT_COMMANDS = frozenset(name for name, spec in COMMANDS.items() if spec.who != "system")


def replay(workshop_id: str, events: Iterable[dict]) -> WorkshopState:
    """Rebuild a session from its log."""
    state = WorkshopState(id=workshop_id)
    for item in events:
        apply(state, item)
    return state


def due_timers(state: WorkshopState, now: float) -> list[tuple[str, dict, str]]:
    """Timer commands whose time has come, each with a cid that makes it run once."""
    due = []
    holder = state.floor.holder
    if holder is not None and holder.deadline is not None and holder.deadline <= now:
        due.append(("expire_turn", {"turn_id": holder.id}, f"timer:turn:{holder.id}"))
    structure = state.floor.structure
    if structure is not None and structure.deadline <= now:
        cid = f"timer:stage:{structure.stage}:{state.seq}"
        due.append(("advance_stage", {"stage": structure.stage}, cid))
    for ballot in state.open_ballots():
        if ballot.deadline is not None and ballot.deadline <= now:
            due.append(
                ("close_expired_ballot", {"ballot_id": ballot.id}, f"timer:ballot:{ballot.id}")
            )
    return due


def next_due(state: WorkshopState) -> float | None:
    """The earliest moment a timer command will be due, for the store's deadline index."""
    moments = [b.deadline for b in state.open_ballots() if b.deadline is not None]
    if state.floor.holder is not None and state.floor.holder.deadline is not None:
        moments.append(state.floor.holder.deadline)
    if state.floor.structure is not None:
        moments.append(state.floor.structure.deadline)
    return min(moments) if moments else None
