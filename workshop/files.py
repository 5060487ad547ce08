"""What each download holds: pure functions from a session's log (or its chain) to the text
of a file. They run in the offload worker, so they take only what pickles."""

from __future__ import annotations

from workshop import chainfile, minutes
from workshop.domain.chain import Chain
from workshop.domain.workshop import replay


def chain_text(chain: Chain, fmt: str) -> str:
    """The goal chain file: canonical YAML, or JSON."""
    return chainfile.dumps_json(chain) if fmt == "json" else chainfile.dumps(chain)


def minutes_text(workshop_id: str, events: list[dict], attendance: list[dict], fmt: str) -> str:
    """The minutes in Markdown, HTML or JSON, from a fresh replay of the log."""
    return minutes.render(_record(workshop_id, events, attendance), fmt)


def votes_text(workshop_id: str, events: list[dict], attendance: list[dict]) -> str:
    """Every vote that may be shown, as CSV."""
    return minutes.votes_csv(_record(workshop_id, events, attendance))


def _record(workshop_id: str, events: list[dict], attendance: list[dict]) -> dict:
    return minutes.build(replay(workshop_id, events), attendance, events)
