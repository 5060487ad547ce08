"""The minutes as a format-neutral outline: blocks of plain text in a stable order.

Every format renders this outline of the record alone, so what one format hides (an
anonymous voter, a hidden author) no format can show.
"""

from __future__ import annotations

from collections.abc import Mapping

from workshop.minutes.blocks import Block, People, table
from workshop.minutes.outline_ballots import ballots_blocks
from workshop.minutes.outline_chain import chain_blocks
from workshop.minutes.outline_proposals import proposals_blocks


def outline(record: Mapping) -> list[Block]:
    """The minutes in their stable order, as blocks of plain text."""
    people = People(record)
    return [
        *_header_blocks(record, people),
        *_attendance_blocks(record, people),
        *_agenda_blocks(record),
        *proposals_blocks(record, people),
        *_floor_blocks(record, people),
        *ballots_blocks(record, people),
        *_kpis_blocks(record, people),
        *chain_blocks(record),
    ]


def _header_blocks(record: Mapping, people: People) -> list[Block]:
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


def _attendance_blocks(record: Mapping, people: People) -> list[Block]:
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
    return [("h", 2, "Attendance"), table(("Name", "Role", "Where", "Joined", "Connected"), rows)]


def _agenda_blocks(record: Mapping) -> list[Block]:
    rows = [(e["phase"], e["at"], e["how"], e["until"]) for e in record["agenda"]["log"]]
    return [
        ("h", 2, "Agenda"),
        ("p", "Planned: " + " → ".join(record["agenda"]["phases"])),
        table(("Phase", "Entered", "How", "Until"), rows),
    ]


def _seconds(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds:.1f} s"


def _floor_blocks(record: Mapping, people: People) -> list[Block]:
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
        table(("Turn", "Speaker", "Given by", "Started", "Held", "How it ended"), turns),
        ("h", 3, "Rounds"),
        table(("Round", "Purpose", "Started", "Ended", "Order", "Passed"), rounds),
        ("h", 3, "Airtime"),
        *_airtime_blocks(record["airtime"], people),
    ]


def _airtime_blocks(airtime: Mapping, people: People) -> list[Block]:
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
    return [table(headers, rows), ("ul", facts)]


def _kpis_blocks(record: Mapping, people: People) -> list[Block]:
    rows = [
        (k["goal_id"], k["metric"], k["value"], k["at"], people(k["by"]))
        for k in record["kpi_readings"]
    ]
    return [("h", 2, "KPI readings"), table(("Goal", "Metric", "Value", "Date", "By"), rows)]
