"""The minutes as a format-neutral outline: blocks of plain text in a stable order.

Every format renders this outline of the record alone, so what one format hides (an
anonymous voter, a hidden author) no format can show. People read it: names and titles,
never ids; rules, roles and phases in words; times in the session's time zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from workshop.domain.plain import KIND_NAMES, PHASE_NAMES, ROLE_NAMES
from workshop.domain.text import day_words, sentence
from workshop.minutes.blocks import Block, Words, table
from workshop.minutes.outline_ballots import ballots_blocks
from workshop.minutes.outline_chain import chain_blocks
from workshop.minutes.outline_proposals import proposals_blocks
from workshop.minutes.outline_summary import summary_blocks

PHASE_HOW = {"start": "at the start", "next": "next", "skip": "skipped to", "go_to": "chosen"}
TURN_KIND = {"round": "round", "queue": "speaking queue", "direct": "the facilitator"}
TURN_END = {
    "yielded": "gave the floor back",
    "passed": "passed",
    "ended": "ended by the facilitator",
    "skipped": "skipped by the facilitator",
    "expired": "time ran out",
    "unanswered": "no answer",
    "voted": "voted",
}
# A member's answer in a round-robin, from how their turn in it ended (or their vote).
ROUND_ANSWER = {
    "yielded": "spoke",
    "ended": "spoke",
    "expired": "spoke",
    "passed": "passed",
    "skipped": "skipped",
    "unanswered": "no answer",
    "voted": "voted",
    "away": "away, not asked",
}


def words_for(table_: Mapping[str, str], key: str | None) -> str:
    """A name in words from `table_`, else the name with spaces for underscores."""
    return table_.get(key or "", (key or "").replace("_", " "))


def outline(record: Mapping) -> list[Block]:
    """The minutes in their stable order: the one-page summary, then the audit trail."""
    words = Words(record)
    return [
        *_header_blocks(record, words),
        *summary_blocks(record, words),
        *_attendance_blocks(record, words),
        *_agenda_blocks(record, words),
        *proposals_blocks(record, words),
        *_floor_blocks(record, words),
        *ballots_blocks(record, words),
        *_kpis_blocks(record, words),
        *chain_blocks(record, words),
    ]


def _header_blocks(record: Mapping, words: Words) -> list[Block]:
    s = record["session"]
    facts = [
        f"Kind: {words_for(KIND_NAMES, s['kind'])}",
        f"Product: {s['product'] or '(none)'}",
        f"Held on {words.clock.moment(s['created_at'])};"
        f" every time in these minutes is {words.clock.zone.replace('_', ' ')} time",
        f"Facilitator: {words(s['facilitator'])}",
        f"Phase at export: {words_for(PHASE_NAMES, s['phase'])}",
    ]
    facts += [
        f"Facilitation handed over from {words(h['from'])} to {words(h['to'])}"
        f" at {words.clock(h['at'])}"
        for h in s["handovers"]
    ]
    return [("h", 1, f"Minutes: {s['title']}"), ("ul", facts)]


def _connections(record: Mapping, person: Mapping, words: Words) -> str:
    """When a person was there: their connections' spans, overlapping ones (a phone and a
    laptop at once) as one ("12:14:06 to the end; 12:15:35 to the end" read as two)."""
    rows = sorted(
        (row for row in record["attendance"] if row["participant_id"] == person["id"]),
        key=lambda row: row["connected_at"],
    )
    merged: list[list] = []
    for row in rows:  # ISO stamps in UTC compare as text; None is "still connected"
        start, end = row["connected_at"], row["disconnected_at"]
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            last = merged[-1][1]
            merged[-1][1] = None if last is None or end is None else max(last, end)
        else:
            merged.append([start, end])
    spans = [f"{words.clock(start)} to {words.clock(end, 'the end')}" for start, end in merged]
    return "; ".join(spans) or ("by personal link" if person["remote"] else "never connected")


def _roles(person: Mapping, words: Words) -> str:
    """ "team member", or "team member, facilitator from 10:32" after a hand-over."""
    held = person.get("roles") or [{"role": person["role"]}]
    first, *then = (words_for(ROLE_NAMES, h["role"]) for h in held)
    later = [
        f"{role} from {words.clock(h['from'])}" for role, h in zip(then, held[1:], strict=True)
    ]
    return ", ".join([first, *later])


def _attendance_blocks(record: Mapping, words: Words) -> list[Block]:
    rows = [
        (
            p["name"],
            _roles(p, words),
            "remote" if p["remote"] else "in the room",
            words.clock(p["joined_at"]),
            _connections(record, p, words),
        )
        for p in record["participants"]
    ]
    return [("h", 2, "Attendance"), table(("Name", "Role", "Where", "Joined", "Connected"), rows)]


def _agenda_blocks(record: Mapping, words: Words) -> list[Block]:
    rows = [
        (
            sentence(words_for(PHASE_NAMES, e["phase"])),
            words.clock(e["at"]),
            words_for(PHASE_HOW, e["how"]),
            words.clock(e["until"]),
        )
        for e in record["agenda"]["log"]
    ]
    agenda = record["agenda"]
    planned = agenda.get("planned", agenda["phases"])  # minutes of before the changes were kept
    said = [("p", "Planned: " + _phases(planned))]
    before = planned
    for change in agenda.get("changes", []):
        said.append(
            ("p", f"Changed at {words.clock(change['at'])}: {_phases(change['phases'], before)}")
        )
        before = change["phases"]
    return [("h", 2, "Agenda"), *said, table(("Phase", "Entered", "How", "Until"), rows)]


def _phases(phases: list[str], before: list[str] | None = None) -> str:
    """'Check-in → Decide → Close', and after a change what it left out ('left out:
    Discuss')."""
    shown = " → ".join(sentence(words_for(PHASE_NAMES, phase)) for phase in phases)
    dropped = [p for p in before or [] if p not in phases]
    if dropped:
        shown += " (left out: " + ", ".join(words_for(PHASE_NAMES, p) for p in dropped) + ")"
    return shown


def _seconds(seconds: float | None) -> str:
    """Tenths of a second; a moment too short for one is "under 0.1 s", never "0.0 s" beside a
    share of the floor."""
    if seconds is None:
        return ""
    return "under 0.1 s" if 0 < seconds < 0.05 else f"{seconds:.1f} s"


def _floor_blocks(record: Mapping, words: Words) -> list[Block]:
    turns = [
        (
            words(t["participant_id"]),
            words_for(TURN_KIND, t["kind"]),
            words.clock(t["started_at"]),
            _seconds(t["seconds"]),
            words_for(TURN_END, t["how"]) if t["how"] else "still speaking",
        )
        for t in record["floor"]["turns"]
    ]
    rounds = [
        (
            r["purpose"],
            words.clock(r["started_at"]),
            words.clock(r["ended_at"], "still running"),
            words.all(r["order"]),
            _answers(r, words),
        )
        for r in record["floor"]["rounds"]
    ]
    return [
        ("h", 2, "Floor"),
        ("h", 3, "Turns"),
        table(("Speaker", "Given by", "Started", "Held", "How it ended"), turns),
        ("h", 3, "Rounds"),
        table(("Purpose", "Started", "Ended", "Order", "Answers"), rounds),
        ("h", 3, "Airtime"),
        *_airtime_blocks(record, words),
    ]


def _answers(entry: Mapping, words: Words) -> str:
    """'Ann voted, Bob passed, Cid not reached': each member's answer, in the round's order."""
    unheard = "not reached" if entry["ended_at"] else "still to come"
    return ", ".join(
        f"{words(r['participant_id'])} {ROUND_ANSWER.get(r['how'], unheard)}"
        for r in entry["responses"]
    )


def _by_link(record: Mapping, words: Words) -> list[str]:
    """What people taking part by personal link said (they never hold the room's floor, so
    the table leaves them out): "Comments by personal link: Rex 2"."""
    remote = {person["id"] for person in record["participants"] if person.get("remote")}
    said = Counter(
        comment["by"]
        for proposal in record["proposals"]
        for comment in proposal["comments"]
        if comment["by"] in remote
    )
    if not said:
        return []
    return [
        "Comments by personal link: " + ", ".join(f"{words(pid)} {n}" for pid, n in said.items())
    ]


def _airtime_blocks(record: Mapping, words: Words) -> list[Block]:
    airtime = record["airtime"]
    measured = airtime.get("measured", True)  # records made before it was kept: as they were
    rows = [
        (
            words(r["participant_id"]),
            _seconds(r["seconds"]),
            r["turns"],
            r["proposals"],
            r["comments"],
            f"{r['share']:.0%}" if measured else "–",
        )
        for r in airtime["rows"]
    ]
    gini = (
        f"Gini of airtime (0 is even, 1 is one voice): {airtime['gini']}"
        if measured
        else "Gini of airtime: not measured (the floor was held for less than a second in all)"
    )
    facts = [
        gini,
        f"Dominant: {words.all(airtime['dominant'])}",
        f"Silent (no turn): {words.all(airtime['silent'])}",
    ]
    facts += _by_link(record, words)
    if airtime["hidden_proposals"]:
        hidden = airtime["hidden_proposals"]
        proposals = (
            "1 proposal by a hidden author is"
            if hidden == 1
            else f"{hidden} proposals by hidden authors are"
        )
        facts.append(f"{proposals} counted for nobody")
    headers = ("Name", "Airtime", "Turns", "Proposals", "Comments", "Share")
    return [table(headers, rows), ("ul", facts)]


def _kpis_blocks(record: Mapping, words: Words) -> list[Block]:
    rows = [
        (words.title(k["goal_id"]), k["metric"], k["value"], day_words(k["at"]), words(k["by"]))
        for k in record["kpi_readings"]
    ]
    return [("h", 2, "KPI readings"), table(("Goal", "Metric", "Value", "Date", "By"), rows)]
