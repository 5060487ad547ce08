"""The record of a session: the JSON minutes, which every other format renders.

Pure: the record is a function of the session state, its attendance rows and its event
log, so the same session always gives the same minutes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from workshop import chainfile
from workshop.domain.review import session_review
from workshop.domain.state import Participant, Proposal, WorkshopState
from workshop.minutes.record_ballots import ballots
from workshop.minutes.record_floor import airtime, floor
from workshop.minutes.times import utc

VERSION = 1


def build(state: WorkshopState, attendance: Iterable[Mapping], events: Iterable[dict]) -> dict:
    """The whole record of a session (the JSON minutes); every other format renders it."""
    log = [item for item in events if item.get("seq", 0) <= state.seq]
    record = {
        "minutes": VERSION,
        "session": _session(state, log),
        "participants": [_participant(person) for person in state.participants.values()],
        "attendance": [_connection(row) for row in attended(state, attendance)],
        "agenda": _agenda(state, log),
        "proposals": [_proposal(proposal) for proposal in state.proposals.values()],
        "floor": floor(state, log),
        "airtime": airtime(state),
        "ballots": ballots(state, log),
        "kpi_readings": list(state.kpi_readings),
        "chain_before": state.input_chain,
        "chain_after": chainfile.to_document(state.chain),
        "review": session_review(state),
    }
    return json.loads(json.dumps(record))  # a deep, plain copy: nothing shared with the state


def _session(s: WorkshopState, log: list[dict]) -> dict:
    handovers = [
        {"from": e["from_id"], "to": e["to_id"], "at": utc(e["at"])}
        for e in log
        if e["type"] == "facilitation_handed_over"
    ]
    return {
        "id": s.id,
        "kind": s.kind,
        "title": s.title,
        "product": s.product,
        "created_at": utc(s.created_at),
        "time_zone": s.time_zone,
        "facilitator": s.facilitator_id,
        "handovers": handovers,
        "phase": s.phase,
        "authors_revealed": s.authors_revealed,
    }


def _participant(person: Participant) -> dict:
    """`role` is the last one held; `roles`, when facilitation changed hands, each in turn."""
    shown = {
        "id": person.id,
        "name": person.name,
        "role": person.role,
        "remote": person.remote,
        "joined_at": utc(person.joined_at),
    }
    if len(person.held) > 1:
        shown["roles"] = [{"role": h["role"], "from": utc(h["at"])} for h in person.held]
    return shown


def attended(s: WorkshopState, attendance: Iterable[Mapping]) -> list[dict]:
    """The connections while the session was open: one made to read a closed session does
    not change its minutes. Whoever was there when it closed for good was there "to the
    end", however long their page stays open after."""
    periods = _open_periods(s)
    kept = []
    for row in attendance:
        start, end = row["connected_at"], row.get("disconnected_at")
        for first, last in periods:
            if (last is not None and start >= last) or (end is not None and end <= first):
                continue
            left = end  # within this period: a connection may span a close and a reopening
            if last is not None and (end is None or end >= last):  # there at the close
                left = None if (first, last) == periods[-1] else last
            kept.append({**row, "connected_at": max(start, first), "disconnected_at": left})
    return kept


def _open_periods(s: WorkshopState) -> list[tuple[float, float | None]]:
    """From each opening to the close that followed it (None: open still)."""
    periods: list[tuple[float, float | None]] = []
    opened_at: float | None = None
    for entry in s.phase_log:
        if entry["phase"] == "close" and opened_at is not None:
            periods.append((opened_at, entry["at"]))
            opened_at = None
        elif entry["phase"] != "close" and opened_at is None:
            opened_at = entry["at"]
    if opened_at is not None:
        periods.append((opened_at, None))
    return periods


def _connection(row: Mapping) -> dict:
    return {
        "participant_id": row["participant_id"],
        "connected_at": utc(row["connected_at"]),
        "disconnected_at": utc(row.get("disconnected_at")),
    }


def _agenda(s: WorkshopState, events: list[dict]) -> dict:
    """The phases planned at the start, each change of them the facilitator made (when, and
    the phases after it), the agenda at the end, and each phase entered: when, how, and until
    when."""
    planned = [e["agenda"] for e in events if e["type"] == "session_created"]
    changes = [
        {"at": utc(e["at"]), "phases": list(e["agenda"])}
        for e in events
        if e["type"] == "agenda_changed"
    ]
    entered = s.phase_log
    log = [
        {
            "phase": entry["phase"],
            "at": utc(entry["at"]),
            "until": utc(entered[i + 1]["at"]) if i + 1 < len(entered) else None,
            "how": entry.get("how") or "start",
        }
        for i, entry in enumerate(entered)
    ]
    return {
        "planned": list(planned[0]) if planned else list(s.agenda),
        "changes": changes,
        "phases": list(s.agenda),
        "log": log,
    }


def _proposal(p: Proposal) -> dict:
    """A proposal with its history; a hidden author stays hidden in what they did to it."""
    masked = p.author if p.hidden_author else None

    def by(pid: str) -> str | None:
        return None if pid == masked else pid

    return {
        "id": p.id,
        "level": p.level,
        "change": p.change,
        "target": p.target,
        **p.content(),
        "author": None if p.hidden_author else p.author,
        "status": p.status,
        "goal_id": p.goal_id,
        "merged_into": p.merged_into,
        "withdrawn_by": p.withdrawn_by,
        "proposed_at": utc(p.created_at),
        "reviewers": list(p.reviewers),
        "revisions": [dict(change, by=by(change["by"])) for change in revisions(p)],
        "comments": [
            {"id": c["id"], "by": by(c["by"]), "text": c["text"], "at": utc(c["at"])}
            for c in p.comments
        ],
    }


def revisions(p: Proposal) -> list[dict]:
    """Each revision as the fields it changed, before and after."""
    afters = [r["before"] for r in p.revisions[1:]] + [p.content()] if p.revisions else []
    return [
        {
            "at": utc(revision["at"]),
            "by": revision["by"],
            "changes": {
                name: {"before": revision["before"][name], "after": after[name]}
                for name in Proposal.CONTENT
                if revision["before"][name] != after[name]
            },
        }
        for revision, after in zip(p.revisions, afters, strict=True)
    ]
