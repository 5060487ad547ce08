"""Hidden texts against anchoring: while on, people read only their own proposals' texts.

As in Parabol's reflect phase, everyone else's proposals show as hidden cards (how many,
at which level) until the facilitator reveals them, so the first ideas written do not
anchor the rest. The facilitator, who neither proposes nor votes, sees every text. The
texts stay hidden only during check-in and the silent propose phase: moving on reveals
them, so nobody presents, discusses or votes on a card they cannot read.
"""

from __future__ import annotations

from collections.abc import Mapping

from workshop.domain import agenda
from workshop.domain.commands import Context, command, event
from workshop.domain.errors import Conflict
from workshop.domain.state import Participant, WorkshopState

HIDING_PHASES = ("check_in", *agenda.SILENT_PHASES)
# What a hidden card shows: that it exists, where, and whose (if authors are not hidden).
CARD_FIELDS = ("id", "level", "change", "status", "created_at", "author", "hidden_author", "mine")


def marked(s: WorkshopState, item: dict) -> dict:
    """An event carrying a proposal's text, marked when that text is hidden from the room."""
    if s.texts_hidden:
        item["hidden_text"] = True
    return item


def card(proposal: Mapping) -> dict:
    """A proposal as a hidden card: no title, description, metrics, comments or revisions."""
    return {**{k: proposal[k] for k in CARD_FIELDS if k in proposal}, "hidden_text": True}


def room_view(item: dict) -> dict:
    """A marked event as the room receives it: every text taken out."""
    if not item.get("hidden_text"):
        return item
    if item["type"] == "goal_proposed":
        return {**item, "proposal": card(item["proposal"])}
    if item["type"] == "proposal_revised":
        return {**item, "changes": {}}
    if item["type"] == "comment_added":
        return {**item, "comment": {k: item["comment"][k] for k in ("id", "by")}}
    return item


def revealed_by_phase(s: WorkshopState, phase: str) -> list[dict]:
    """Leaving check-in and the silent phase reveals the texts."""
    if s.texts_hidden and phase not in HIDING_PHASES:
        return [event("texts_revealed", how="phase")]
    return []


@command("hide_texts", "facilitator")
def hide_texts(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Hide each proposal's text from everyone but its author until the reveal."""
    if s.texts_hidden:
        raise Conflict("the texts are hidden already")
    if s.phase not in HIDING_PHASES:
        raise Conflict(
            f"texts can be hidden during check-in and the silent propose phase, not in {s.phase}"
        )
    # The room reads what it votes on, as no ballot opens on hidden texts.
    if any(not s.participants[pid].remote for b in s.open_ballots() for pid in b.electorate):
        raise Conflict("a ballot is open: the room reads what it votes on; close it first")
    return [event("texts_hidden")]


@command("reveal_texts", "facilitator")
def reveal_texts(s: WorkshopState, actor: Participant, p: Mapping, ctx: Context) -> list[dict]:
    """Show everyone every proposal's text."""
    if not s.texts_hidden:
        raise Conflict("the texts are not hidden")
    return [event("texts_revealed", how="facilitator")]
