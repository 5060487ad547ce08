"""The minutes of a session: one JSON-ready record, rendered as Markdown, HTML and CSV.

Pure: the record is a function of the session state, its attendance rows and its event
log, so the same session always gives the same minutes. Every format is rendered from
the record alone, so what one format hides (an anonymous voter, a hidden author) no
format can show.
"""

from __future__ import annotations

import base64
import csv
import functools
import hashlib
import io
import json
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import jinja2
from markupsafe import Markup

from workshop import _asset_dir, chainfile
from workshop.chainfile import _md as md_text
from workshop.chainfile import _metric_text
from workshop.domain import chain as chains
from workshop.domain import views, voting
from workshop.domain.errors import InvalidInput
from workshop.domain.state import Ballot, Participant, Proposal, WorkshopState

VERSION = 1
FORMATS = ("md", "html", "json")
CSV_COLUMNS = ("ballot_id", "options", "rule", "voter", "vote", "reason", "time")
PERSON_ID = re.compile(r"\bpt\d+\b")  # how result reasons name people (voting ids)


def utc(at: float | None) -> str | None:
    """Seconds since the epoch as UTC ISO 8601, the one time format of the minutes."""
    if at is None:
        return None
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the record -----------------------------------------------------------------------------


def build(state: WorkshopState, attendance: Iterable[Mapping], events: Iterable[dict]) -> dict:
    """The whole record of a session (the JSON minutes); every other format renders it."""
    log = [item for item in events if item.get("seq", 0) <= state.seq]
    record = {
        "minutes": VERSION,
        "session": _session(state, log),
        "participants": [_participant(person) for person in state.participants.values()],
        "attendance": [_connection(row) for row in attendance],
        "agenda": _agenda(state),
        "proposals": [_proposal(proposal) for proposal in state.proposals.values()],
        "floor": {"turns": _turns(state, log), "rounds": _rounds(log)},
        "airtime": _airtime(state),
        "ballots": _ballots(state, log),
        "kpi_readings": list(state.kpi_readings),
        "chain_before": state.input_chain,
        "chain_after": chainfile.to_document(state.chain),
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
        "facilitator": s.facilitator_id,
        "handovers": handovers,
        "phase": s.phase,
        "authors_revealed": s.authors_revealed,
    }


def _participant(person: Participant) -> dict:
    return {
        "id": person.id,
        "name": person.name,
        "role": person.role,
        "remote": person.remote,
        "joined_at": utc(person.joined_at),
    }


def _connection(row: Mapping) -> dict:
    return {
        "participant_id": row["participant_id"],
        "connected_at": utc(row["connected_at"]),
        "disconnected_at": utc(row.get("disconnected_at")),
    }


def _agenda(s: WorkshopState) -> dict:
    """The planned phases, and each phase entered: when, how, and until when."""
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
    return {"phases": list(s.agenda), "log": log}


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
        "proposed_at": utc(p.created_at),
        "reviewers": list(p.reviewers),
        "revisions": [dict(change, by=by(change["by"])) for change in _revisions(p)],
        "comments": [
            {"id": c["id"], "by": by(c["by"]), "text": c["text"], "at": utc(c["at"])}
            for c in p.comments
        ],
    }


def _revisions(p: Proposal) -> list[dict]:
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
        elif e["type"] == "turn_ended" and e["how"] == "passed" and running is not None:
            running["passed"].append(e["participant_id"])
        elif e["type"] == "round_ended" and e["round_id"] in rounds:
            rounds[e["round_id"]]["ended_at"] = utc(e["at"])
            running = None
    return list(rounds.values())


def _airtime(s: WorkshopState) -> dict:
    """The facilitator's airtime figures (which count no hidden author's proposals)."""
    summary = views.airtime(s)
    summary["hidden_proposals"] = sum(1 for p in s.proposals.values() if p.hidden_author)
    return summary


# --- ballots --------------------------------------------------------------------------------


def _ballots(s: WorkshopState, log: list[dict]) -> list[dict]:
    outcomes = _outcomes(log)
    return [_ballot(s, ballot, outcomes.get(ballot.id, [])) for ballot in s.ballots.values()]


def _ballot(s: WorkshopState, ballot: Ballot, outcome: list) -> dict:
    """The ballot record of API.md (votes only once revealed) with what the minutes add."""
    revealed = ballot.status == "revealed"
    entry: dict[str, Any] = {"id": ballot.id, "status": ballot.status}
    entry.update(voting.public_record(ballot))
    if not revealed:  # secret until the reveal: the turnout is all anyone may know
        entry.pop("votes")
        entry.pop("decision", None)
        entry["electorate"] = list(ballot.electorate)
    first = s.proposals.get(ballot.options[0])
    entry.update(
        members=list(ballot.electorate),
        anonymous=ballot.anonymous,
        remote=ballot.remote,
        default_rule=voting.default_rule(s, first) if first else None,
        rule_reason=ballot.rule_reason,
        opened_by=ballot.opened_by,
        opened_at=utc(ballot.opened_at),
        deadline=utc(ballot.deadline),
        closed_at=utc(ballot.closed_at),
        revealed_at=utc(ballot.revealed_at),
        turnout=len(ballot.votes),
        electorate_size=len(ballot.electorate),
        result=ballot.result if revealed else None,
        rulings=[
            {"voter": voter, **{k: ruling[k] for k in ("stands", "reason", "by")}}
            | {"at": utc(ruling["at"])}
            for voter, ruling in sorted(ballot.rulings.items())
        ],
        outcome=outcome,
    )
    if revealed and not ballot.anonymous:  # a time next to an anonymous vote could identify
        entry["voted_at"] = {voter: utc(at) for voter, at in sorted(ballot.voted_at.items())}
    return entry


def _outcomes(log: list[dict]) -> dict[str, list[dict]]:
    """What each ballot did to its proposals: accepted as a goal, rejected, achieved, retired."""
    found: dict[str, list[dict]] = {}
    for e in log:
        if e["type"] == "goal_accepted":
            decided, outcome, goal = e["goal"].get("decided") or {}, "accepted", e["goal"]["id"]
        elif e["type"] == "goal_status_changed" and e.get("proposal_id"):
            decided, outcome, goal = e.get("decided") or {}, e["status"], e["goal_id"]
        elif e["type"] == "proposal_rejected":
            decided, outcome, goal = {"ballot": e.get("ballot_id")}, "rejected", None
        else:
            continue
        item = {"proposal_id": e["proposal_id"], "outcome": outcome, "goal_id": goal}
        found.setdefault(decided.get("ballot"), []).append(item)
    return found


def vote_text(vote: Mapping) -> str:
    """One vote in a cell: a choice, a fist (0-5), dots "A:2;C:1" or a ranking "B>A>C"."""
    if "choice" in vote:
        return str(vote["choice"])
    if "value" in vote:
        return str(vote["value"])
    if "dots" in vote:
        return ";".join(f"{option}:{count}" for option, count in vote["dots"].items())
    if "ranking" in vote:
        return ">".join(vote["ranking"])
    return ""


# --- the outline every format renders -------------------------------------------------------

# Blocks of plain text, escaped by each renderer: ("h", level, text), ("p", text),
# ("ul", [text | (text, [text])]), ("table", headers, rows), ("chain", document, caption).
Block = tuple
NONE: Block = ("p", "(none)")
VOTE_HEADERS = ("Voter", "Vote", "Reason", "Time")


class _People:
    """Names for the ids in a record; a hidden author is "anonymous", a label stays a label."""

    def __init__(self, record: Mapping) -> None:
        self.names = {person["id"]: person["name"] for person in record["participants"]}

    def __call__(self, pid: str | None, hidden: str = "anonymous") -> str:
        return hidden if pid is None else self.names.get(pid, pid)

    def all(self, ids: Iterable[str]) -> str:
        return ", ".join(self(pid) for pid in ids) or "nobody"

    def in_text(self, text: str) -> str:
        """A result's reason with voter ids replaced by names."""
        return PERSON_ID.sub(lambda found: self.names.get(found.group(), found.group()), text)


def outline(record: Mapping) -> list[Block]:
    """The minutes in their stable order, as blocks of plain text."""
    people = _People(record)
    return [
        *_header_blocks(record, people),
        *_attendance_blocks(record, people),
        *_agenda_blocks(record),
        *_proposals_blocks(record, people),
        *_floor_blocks(record, people),
        *_ballots_blocks(record, people),
        *_kpis_blocks(record, people),
        *_chains_blocks(record),
    ]


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> Block:
    shown = [tuple("" if cell is None else str(cell) for cell in row) for row in rows]
    return ("table", tuple(headers), shown) if shown else NONE


def _header_blocks(record: Mapping, people: _People) -> list[Block]:
    s = record["session"]
    facts = [
        f"Kind: {s['kind']}",
        f"Product: {s['product'] or '(none)'}",
        f"Session: {s['id']}",
        f"Created: {s['created_at']}",
        f"Facilitator: {people(s['facilitator'])}",
        f"Phase at export: {s['phase']}",
    ]
    facts += [
        f"Facilitation handed over from {people(h['from'])} to {people(h['to'])} at {h['at']}"
        for h in s["handovers"]
    ]
    return [("h", 1, f"Minutes: {s['title']}"), ("ul", facts)]


def _connections(record: Mapping, person: Mapping) -> str:
    spans = [
        f"{row['connected_at']} to {row['disconnected_at'] or 'the end'}"
        for row in record["attendance"]
        if row["participant_id"] == person["id"]
    ]
    return "; ".join(spans) or ("by personal link" if person["remote"] else "never connected")


def _attendance_blocks(record: Mapping, people: _People) -> list[Block]:
    rows = [
        (
            p["name"],
            p["role"],
            "remote" if p["remote"] else "in the room",
            p["joined_at"],
            _connections(record, p),
        )
        for p in record["participants"]
    ]
    return [("h", 2, "Attendance"), _table(("Name", "Role", "Where", "Joined", "Connected"), rows)]


def _agenda_blocks(record: Mapping) -> list[Block]:
    rows = [(e["phase"], e["at"], e["how"], e["until"]) for e in record["agenda"]["log"]]
    return [
        ("h", 2, "Agenda"),
        ("p", "Planned: " + " → ".join(record["agenda"]["phases"])),
        _table(("Phase", "Entered", "How", "Until"), rows),
    ]


def _proposals_blocks(record: Mapping, people: _People) -> list[Block]:
    blocks: list[Block] = [("h", 2, "Proposals")]
    for p in record["proposals"]:
        blocks += [("h", 3, f"{p['id']}: {p['title']}"), ("ul", _proposal_facts(p, people))]
    return blocks if record["proposals"] else [*blocks, NONE]


def _proposal_facts(p: Mapping, people: _People) -> list:
    status = p["status"] + (f" as goal {p['goal_id']}" if p["goal_id"] else "")
    status += f" into {p['merged_into']}" if p["merged_into"] else ""
    facts = [
        f"{p['level']} goal" + (f", {p['change']} {p['target']}" if p["target"] else ""),
        f"author: {people(p['author'])}",
        f"proposed: {p['proposed_at']}",
        f"status: {status}",
        p["parents"] and "parents: " + ", ".join(p["parents"]),
        p["due"] and f"due: {p['due']}",
        p["owner"] and f"owner: {p['owner']}",
        p["description"] and f"description: {p['description']}",
        p["reviewers"] and f"shared for review with: {people.all(p['reviewers'])}",
        *[_metric(m) for m in p["metrics"]],
        *[
            (f"revised {r['at']} by {people(r['by'], 'the author')}:", _change_lines(r["changes"]))
            for r in p["revisions"]
        ],
        *[
            f"comment {c['at']} by {people(c['by'], 'the author')}: {c['text']}"
            for c in p["comments"]
        ],
    ]
    return [fact for fact in facts if fact]


def _metric(metric: Mapping) -> str:
    return _metric_text(chains.metric_from_dict(metric))


def _change_lines(changes: Mapping) -> list[str]:
    return [
        f"{name}: {_field_text(change['before'])} → {_field_text(change['after'])}"
        for name, change in changes.items()
    ]


def _field_text(value: object) -> str:
    if isinstance(value, list):
        items = [_metric(v) if isinstance(v, Mapping) else str(v) for v in value]
        return "; ".join(items) or "(none)"
    return "(none)" if value is None else str(value)


def _seconds(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds:.1f} s"


def _floor_blocks(record: Mapping, people: _People) -> list[Block]:
    turns = [
        (
            t["turn_id"],
            people(t["participant_id"]),
            t["kind"],
            t["started_at"],
            _seconds(t["seconds"]),
            t["how"] or "still speaking",
        )
        for t in record["floor"]["turns"]
    ]
    rounds = [
        (
            r["id"],
            r["purpose"],
            r["started_at"],
            r["ended_at"] or "still running",
            people.all(r["order"]),
            ", ".join(map(people, r["passed"])),
        )
        for r in record["floor"]["rounds"]
    ]
    return [
        ("h", 2, "Floor"),
        ("h", 3, "Turns"),
        _table(("Turn", "Speaker", "Given by", "Started", "Held", "How it ended"), turns),
        ("h", 3, "Rounds"),
        _table(("Round", "Purpose", "Started", "Ended", "Order", "Passed"), rounds),
        ("h", 3, "Airtime"),
        *_airtime_blocks(record["airtime"], people),
    ]


def _airtime_blocks(airtime: Mapping, people: _People) -> list[Block]:
    rows = [
        (
            people(r["participant_id"]),
            _seconds(r["seconds"]),
            r["turns"],
            r["proposals"],
            r["comments"],
            f"{r['share']:.0%}",
        )
        for r in airtime["rows"]
    ]
    facts = [
        f"Gini of airtime: {airtime['gini']}",
        f"Dominant: {people.all(airtime['dominant'])}",
        f"Silent (no turn): {people.all(airtime['silent'])}",
    ]
    if airtime["hidden_proposals"]:
        hidden = airtime["hidden_proposals"]
        facts.append(f"{hidden} proposal(s) by hidden authors are counted for nobody")
    headers = ("Name", "Airtime", "Turns", "Proposals", "Comments", "Share")
    return [_table(headers, rows), ("ul", facts)]


def _titles(record: Mapping) -> dict[str, str]:
    return {p["id"]: p["title"] for p in record["proposals"]}


def _ballots_blocks(record: Mapping, people: _People) -> list[Block]:
    blocks: list[Block] = [("h", 2, "Ballots")]
    named = _titles(record)
    for b in record["ballots"]:
        options = ", ".join(f"{o} ({named.get(o, '?')})" for o in b["options"])
        blocks += [
            ("h", 3, f"{b['id']}: {b['rule']} on {options}"),
            ("ul", _ballot_facts(b, people)),
        ]
        if b["result"] is not None:
            blocks += [
                _table(VOTE_HEADERS, _vote_rows(b, people)),
                ("ul", _ballot_notes(b, people)),
            ]
    return blocks if record["ballots"] else [*blocks, NONE]


def _rule_text(ballot: Mapping) -> str:
    if ballot["rule_reason"]:
        return (
            f"{ballot['rule']} instead of the default {ballot['default_rule']}, "
            f"because: {ballot['rule_reason']}"
        )
    return f"{ballot['rule']} (the default)"


def _ballot_facts(b: Mapping, people: _People) -> list:
    times = [f"opened {b['opened_at']}"]
    times += [f"{what} {b[what + '_at']}" for what in ("closed", "revealed") if b[what + "_at"]]
    facts: list = [
        f"Rule: {_rule_text(b)}",
        f"Status: {b['status']} ({', '.join(times)})",
        f"Anonymous: {'yes' if b['anonymous'] else 'no'}"
        + (f"; remote, deadline {b['deadline']}" if b["remote"] else ""),
        f"Electorate ({b['electorate_size']}): {people.all(b['members'])}",
        f"Turnout: {b['turnout']} of {b['electorate_size']}",
    ]
    result = b["result"]
    if result is None:
        return [*facts, "Votes are secret until the facilitator reveals them."]
    facts.append((f"Result: {_verdict(result)}", [people.in_text(r) for r in result["reasons"]]))
    if result["ranking"]:
        facts.append(f"Ranking: {', '.join(result['ranking'])}")
    return facts


def _verdict(result: Mapping) -> str:
    if result["passed"] is None:
        return f"winner {result['winner']}" if result["winner"] else "no single winner"
    return "passed" if result["passed"] else "did not pass"


def _vote_rows(ballot: Mapping, people: _People) -> list[tuple[str, str, str, str]]:
    """(voter, vote, reason, time) for each vote that may be shown."""
    times = ballot.get("voted_at", {})
    return [
        (people(v["voter"]), vote_text(v), v.get("reason", ""), times.get(v["voter"], ""))
        for v in ballot.get("votes", [])
    ]


def _ballot_notes(b: Mapping, people: _People) -> list[str]:
    """Objections and their rulings, the decider's decision, and the outcome."""
    rulings = {r["voter"]: r for r in b["rulings"]}
    notes = [
        f"Objection by {people(v['voter'])}: {v['reason']}. "
        + (_ruling_text(rulings.get(v["voter"]), people) if b["rule"] == "consent" else "Advice.")
        for v in b["votes"]
        if v.get("choice") == "objection"
    ]
    decision = b.get("decision")
    if decision:
        decided = "passes" if decision["passed"] else "does not pass"
        notes.append(
            f"Decision by {people(decision['by'])}: the proposal {decided}, "
            f"because: {decision['rationale']}"
        )
    outcome = "; ".join(_outcome_text(item) for item in b["outcome"])
    return [*notes, f"Outcome: {outcome or 'no change to the chain'}"]


def _ruling_text(ruling: Mapping | None, people: _People) -> str:
    if ruling is None:
        return "Not ruled on."
    said = "It stands" if ruling["stands"] else "Ruled not paramount"
    return f"{said} ({people(ruling['by'])}, {ruling['at']}): {ruling['reason']}"


def _outcome_text(item: Mapping) -> str:
    goal = f" as goal {item['goal_id']}" if item["goal_id"] else ""
    return f"{item['proposal_id']} {item['outcome']}{goal}"


def _kpis_blocks(record: Mapping, people: _People) -> list[Block]:
    rows = [
        (k["goal_id"], k["metric"], k["value"], k["at"], people(k["by"]))
        for k in record["kpi_readings"]
    ]
    return [("h", 2, "KPI readings"), _table(("Goal", "Metric", "Value", "Date", "By"), rows)]


def _chains_blocks(record: Mapping) -> list[Block]:
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
        for g in _goals_of(after).values()
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
        _table(("Goal", "Level", "Title", "Parents", "Status", "Due"), goals),
        ("h", 3, "Changes"),
        ("ul", changes) if changes else NONE,
    ]


def _chain_changes(before: Mapping | None, after: Mapping) -> list[str]:
    """Goals added, changed or gone between the input chain and the chain at the end."""
    old, new = _goals_of(before or {}), _goals_of(after)
    lines = [f"added {gid}: {goal['title']}" for gid, goal in new.items() if gid not in old]
    lines += [
        f"changed {gid}: {goal['title']} ({_what_changed(old[gid], goal)})"
        for gid, goal in new.items()
        if gid in old and old[gid] != goal
    ]
    return lines + [f"no longer in the chain: {gid}" for gid in old if gid not in new]


def _goals_of(doc: Mapping) -> dict[str, dict]:
    """The vision (its statement as title) and the goals of a chain document, by id."""
    goals = {g["id"]: dict(g) for g in doc.get("goals", [])}
    vision = doc.get("vision")
    if vision:
        return {vision["id"]: {**vision, "title": vision["statement"]}, **goals}
    return goals


def _what_changed(old: Mapping, new: Mapping) -> str:
    fields = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
    if "status" in fields:
        fields[fields.index("status")] = f"status {old.get('status')} to {new.get('status')}"
    return ", ".join(fields)


# --- Markdown -------------------------------------------------------------------------------


def markdown(record: Mapping) -> str:
    """The minutes as Markdown: every piece of text escaped, the chain as Mermaid."""
    return "\n\n".join(_md_block(block) for block in outline(record)) + "\n"


def _md_block(block: Block) -> str:
    kind = block[0]
    if kind == "h":
        return "#" * block[1] + " " + md_text(block[2])
    if kind == "p":
        return md_text(block[1])
    if kind == "ul":
        return "\n".join(_md_item(item) for item in block[1])
    if kind == "table":
        return "\n".join(_md_table(block[1], block[2]))
    mermaid = chainfile.render_mermaid(chains.from_dict(block[1]))
    return f"```mermaid\n{mermaid}```"


def _md_item(item: str | tuple[str, list[str]]) -> str:
    if isinstance(item, str):
        return f"- {md_text(item)}"
    head, subs = item
    return "\n".join([f"- {md_text(head)}", *(f"  - {md_text(sub)}" for sub in subs)])


def _md_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    def line(cells: Iterable[str]) -> str:
        return "| " + " | ".join(md_text(cell) or " " for cell in cells) + " |"

    return [line(headers), "|" + "---|" * len(headers), *(line(row) for row in rows)]


# --- HTML -----------------------------------------------------------------------------------

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
    goals = list(_goals_of(doc or {}).values())
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
        "label": f"{goal['id']} · {goal.get('level', 'vision')}"
        + ("" if status == "accepted" else f" · {status}"),
        "lines": lines,
        "fill": FILL.get(status, "#ffffff"),
        "dashed": status in ("rejected", "retired"),
    }


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_asset_dir("templates")),
        autoescape=True,  # every piece of user text is escaped, in the page and in the SVG
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def _css() -> str:
    return _templates().loader.get_source(_templates(), "minutes.css")[0]  # type: ignore[union-attr]


def content_security_policy() -> str:
    """The page's own policy: its one <style> block by hash, no script, nothing fetched."""
    digest = base64.b64encode(hashlib.sha256(_css().encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def html(record: Mapping) -> str:
    """A self-contained printable page: styles inline, the chain drawn as inline SVG."""
    return (
        _templates()
        .get_template("minutes.html")
        .render(
            title=record["session"]["title"],
            blocks=outline(record),
            css=Markup(_css()),  # our own stylesheet, not user text
            picture=picture,
        )
    )


# --- JSON and CSV ---------------------------------------------------------------------------


def to_json(record: Mapping) -> str:
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


RENDER: dict[str, Callable[[Mapping], str]] = {"md": markdown, "html": html, "json": to_json}


def check_format(fmt: str) -> str:
    """One of FORMATS; anything else is refused naming the value."""
    if fmt not in RENDER:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return fmt


def render(record: Mapping, fmt: str) -> str:
    """The minutes in one of FORMATS."""
    return RENDER[check_format(fmt)](record)


def votes_csv(record: Mapping) -> str:
    """One row per vote that may be shown: revealed ballots only, anonymous ones by label."""
    people = _People(record)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for ballot in record["ballots"]:
        for voter, vote, reason, time in _vote_rows(ballot, people):
            options = ";".join(ballot["options"])
            writer.writerow(
                (ballot["id"], options, ballot["rule"], _cell(voter), vote, _cell(reason), time)
            )
    return out.getvalue()


def _cell(text: str) -> str:
    """Typed text that a spreadsheet would run as a formula is kept as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
