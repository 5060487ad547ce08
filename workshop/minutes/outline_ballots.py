"""The ballots in the outline: rule, turnout, result, the votes that may be shown, outcome."""

from __future__ import annotations

from collections.abc import Mapping

from workshop.domain.plain import CHOICE_NAMES, quoted, rule_name
from workshop.domain.rules.ranking import numbered
from workshop.domain.text import ended, sentence
from workshop.minutes.blocks import NONE, Block, Words, table
from workshop.minutes.votes_csv import vote_text

VOTE_HEADERS = ("Voter", "Vote", "Reason", "Time")
STATUS = {"open": "open", "closed": "closed, not revealed", "revealed": "revealed"}
OUTCOMES = {
    "accepted": "accepted into the chain",
    "rejected": "not accepted",
    "achieved": "marked as achieved",
    "retired": "retired",
    "sent back to amend": "sent back to its author to amend",
    "parked": "parked",
}


def ballot_title(ballot: Mapping, words: Words) -> str:
    """'Unanimity on “Move more”': what was decided, by which rule."""
    return f"{sentence(rule_name(ballot['rule']))} on {words.each(ballot['options'])}"


def ballots_blocks(record: Mapping, words: Words) -> list[Block]:
    """A heading and facts for each ballot; once revealed, its votes and notes too."""
    blocks: list[Block] = [("h", 2, "Ballots")]
    for b in record["ballots"]:
        voted = words.voted_on(b)
        facts = _ballot_facts(b, voted) + words.revisions_since(b)
        blocks += [("h", 3, ballot_title(b, voted)), ("ul", facts)]
        if b["result"] is not None:
            blocks += [
                table(VOTE_HEADERS, _vote_rows(b, voted)),
                ("ul", _ballot_notes(b, voted) + _after_notes(b, voted)),
            ]
    return blocks if record["ballots"] else [*blocks, NONE]


def _vote_words(vote: Mapping, words: Words) -> str:
    """One vote in words: a choice, a fist (0-5), or dots and a ranking as votes.csv has
    them, proposals by title."""
    if "choice" in vote:
        return CHOICE_NAMES.get(vote["choice"], vote["choice"])
    if "value" in vote:
        return f"{vote['value']} of 5"
    return vote_text(vote, words.title)


def _vote_rows(ballot: Mapping, words: Words) -> list[tuple[str, str, str, str]]:
    times = ballot.get("voted_at", {})
    return [
        (
            words(v["voter"]),
            _vote_words(v, words),
            v.get("reason", ""),
            words.clock(times.get(v["voter"])),
        )
        for v in ballot.get("votes", [])
    ]


def _rule_text(ballot: Mapping) -> str:
    rule = rule_name(ballot["rule"])
    if ballot["rule"] == ballot["default_rule"] or not ballot["default_rule"]:
        return f"{rule} (the default)"
    text = f"{rule} instead of the default ({rule_name(ballot['default_rule'])})"
    return f"{text}, because: {ballot['rule_reason']}" if ballot["rule_reason"] else text


def verdict(ballot: Mapping, words: Words) -> str:
    """The result in a few words that name the proposal: passed, not passed, who came first."""
    result = ballot["result"]
    if result is None:
        return "not revealed"
    if result.get("awaiting_ruling"):
        return "no verdict yet: awaiting the facilitator's ruling"
    if result["passed"] is None:
        winner = result["winner"]
        return f"{words.title(winner)} came first" if winner else "no single option came first"
    if ballot["rule"] == "decider" and not ballot.get("decision"):
        return "the decider has not decided yet"
    return "passed" if result["passed"] else "did not pass"


def _ballot_facts(b: Mapping, words: Words) -> list:
    times = [f"opened {words.clock(b['opened_at'])}"]
    times += [
        f"{what} {words.clock(b[what + '_at'])}"
        for what in ("closed", "revealed")
        if b[what + "_at"]
    ]
    facts: list = [
        f"Rule: {_rule_text(b)}",
        f"Status: {STATUS.get(b['status'], b['status'])} ({', '.join(times)})",
        f"Anonymous: {'yes' if b['anonymous'] else 'no'}"
        + (f"; by personal link, until {words.clock(b['deadline'])}" if b["remote"] else ""),
        f"Electorate ({b['electorate_size']}): {words.all(b['members'])}",
        f"Turnout: {b['turnout']} of {b['electorate_size']}",
    ]
    result = b["result"]
    if result is None:
        return [*facts, "Votes are secret until the facilitator reveals them."]
    facts.append((f"Result: {verdict(b, words)}", list(result["reasons"])))
    if result["ranking"]:
        ranked = numbered(result["ranking"], result.get("ties") or [], result["winner"])
        places = [f"{n}. {words.title(o)}" for n, o in ranked]
        facts.append(f"Order: {', '.join(places)}")
    return facts


def objection_notes(b: Mapping, words: Words) -> list[str]:
    """Each objection and how the facilitator ruled on it."""
    rulings = {r["voter"]: r for r in b["rulings"]}
    awaited = (b.get("result") or {}).get("awaiting_ruling") or []
    return [
        f"Objection by {words(v['voter'])}: {ended(v['reason'])} "
        + _ruling_text(rulings.get(v["voter"]), v["voter"] in awaited, words)
        if b["rule"] == "consent"
        else f"Objection by {words(v['voter'])}, as advice to the decider: {ended(v['reason'])}"
        for v in b.get("votes", [])
        if v.get("choice") == "objection"
    ]


def _ballot_notes(b: Mapping, words: Words) -> list[str]:
    """Objections and their rulings, the decider's decision, and the outcome."""
    notes = objection_notes(b, words)
    decision = b.get("decision")
    if decision and b["rule"] == "decider":  # (a tie's decision: see _after_notes)
        if "winner" in decision:  # after advice that ranked the options
            decided = f"{words.title(decision['winner'])} goes forward"
        else:
            verb = "passes" if decision["passed"] else "does not pass"
            decided = f"{words.title(b['options'][0])} {verb}"
        notes.append(
            f"Decision by {words(decision['by'])}: {decided}, because: {decision['rationale']}"
        )
    outcome = "; ".join(outcome_text(item, words) for item in b["outcome"])
    return [*notes, f"Outcome: {outcome or 'no change to the chain'}"]


def _ruling_text(ruling: Mapping | None, awaited: bool, words: Words) -> str:
    """How the facilitator ruled; unruled, whether a ruling is still due ("yet") or could no
    longer change the verdict (a response was missing, another objection stood)."""
    if ruling is None:
        return "Not ruled on yet." if awaited else "Not ruled on."
    said = "It stands" if ruling["stands"] else "Ruled not paramount"
    return f"{said} ({words(ruling['by'])}, {words.clock(ruling['at'])}): {ruling['reason']}"


def outcome_text(item: Mapping, words: Words) -> str:
    now = words.title(item["proposal_id"])
    if item["outcome"] == "vision changed":
        return f"Vision changed from {quoted(item['replaced'])} to {now}"
    if item["outcome"] == "amended":
        changes = item.get("changes") or {}
        retitled = f": now {now}" if "title" in changes else ""
        said = [_change_text(name, change, words) for name, change in changes.items()]
        return f"{quoted(item['replaced'])} amended{retitled}" + "".join(
            f"; {text}" for text in said if text
        )
    if item["outcome"] in ("achieved", "retired") and item.get("goal_id"):
        now = words.title(item["goal_id"])  # the goal, not "Mark ‘…’ achieved"
    return f"{now} {OUTCOMES.get(item['outcome'], item['outcome'])}"


def _change_text(name: str, change: Mapping, words: Words) -> str:
    """One field an amendment changed, before and after: "due 2027-Q2 → 2027-Q3"."""
    before, after = change["before"], change["after"]
    if name == "title":
        return ""  # said by "now “…”"
    if name == "parents":
        return f"serves {words.each(after)} (served {words.each(before)})"
    if name == "metrics":
        return _metrics_change(before, after)
    if name == "description":
        return f"description now: {after}" if after else "description removed"
    if name == "features":
        added = [f"feature {f} added" for f in after if f not in before]
        return ", ".join(added + [f"feature {f} dropped" for f in before if f not in after])
    said = "the goal's owner" if name == "owner" else name  # not a metric's
    return f"{said} {_value(before)} → {_value(after)}"


def _metrics_change(before: list[Mapping], after: list[Mapping]) -> str:
    """Each metric added, dropped or changed, by name: "metric weekly active users: target
    5000 → 6000"."""
    old, new = {m["name"]: m for m in before}, {m["name"]: m for m in after}
    said = []
    for name, metric in new.items():
        if name not in old:
            said.append(f"metric {name} added")
            continue
        moved = [
            f"{key} {_value(old[name].get(key))} → {_value(metric.get(key))}"
            for key in ("baseline", "target", "unit", "owner")
            if old[name].get(key) != metric.get(key)
        ]
        if moved:
            said.append(f"metric {name}: {', '.join(moved)}")
    said += [f"metric {name} dropped" for name in old if name not in new]
    return "; ".join(said)


def _value(value: object) -> str:
    return "none" if value is None or value == "" else str(value)


def _after_notes(b: Mapping, words: Words) -> list[str]:
    """How a tie was broken, and how the other options of a dot or ranked ballot were settled."""
    notes = tie_notes(b, words) + settled_notes(b, words)
    settled = b.get("settled")
    if settled:
        notes += [
            f"{words.title(moved['proposal_id'])} now serves {words.each(moved['parents'])}"
            f" (it served {words.each(moved['before'])})."
            for moved in settled["reparented"]
        ]
    return notes


def settled_notes(b: Mapping, words: Words) -> list[str]:
    """Which options a dot or ranked ballot took forward, and what became of the others."""
    settled = b.get("settled")
    if not settled:
        return []
    return [
        f"Settled by {words(settled['by'])} ({words.clock(settled['at'])}): "
        f"{words.each(settled['kept'])} taken forward; {words.each(settled['others'])} "
        f"{settled['status']}."
    ]


def tie_notes(b: Mapping, words: Words) -> list[str]:
    """A runoff, and a tie for first place: sent to a runoff or to the decider, and decided."""
    notes = []
    if b.get("runoff_of"):
        notes.append("A runoff among the options tied for first place in an earlier ballot.")
    tie_break = b.get("tie_break")
    if tie_break and tie_break["how"] == "runoff":
        notes.append("Tie for first place: a runoff among the tied options followed.")
    elif tie_break:
        notes.append(f"Tie for first place: sent to the decider, {words(tie_break['decider'])}.")
    decision = b.get("decision")
    if decision and b["rule"] != "decider":
        notes.append(
            f"Decision by {words(decision['by'])}: {words.title(decision['winner'])} wins the "
            f"tie, because: {decision['rationale']}"
        )
    return notes
