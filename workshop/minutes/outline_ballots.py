"""The ballots in the outline: rule, turnout, result, the votes that may be shown, outcome."""

from __future__ import annotations

from collections.abc import Mapping

from workshop.minutes.blocks import NONE, Block, People, table

VOTE_HEADERS = ("Voter", "Vote", "Reason", "Time")


def ballots_blocks(record: Mapping, people: People) -> list[Block]:
    """A heading and facts for each ballot; once revealed, its votes and notes too."""
    blocks: list[Block] = [("h", 2, "Ballots")]
    named = {p["id"]: p["title"] for p in record["proposals"]}
    for b in record["ballots"]:
        options = ", ".join(f"{o} ({named.get(o, '?')})" for o in b["options"])
        blocks += [
            ("h", 3, f"{b['id']}: {b['rule']} on {options}"),
            ("ul", _ballot_facts(b, people)),
        ]
        if b["result"] is not None:
            blocks += [
                table(VOTE_HEADERS, vote_rows(b, people)),
                ("ul", _ballot_notes(b, people)),
            ]
    return blocks if record["ballots"] else [*blocks, NONE]


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


def vote_rows(ballot: Mapping, people: People) -> list[tuple[str, str, str, str]]:
    """(voter, vote, reason, time) for each vote that may be shown."""
    times = ballot.get("voted_at", {})
    return [
        (people(v["voter"]), vote_text(v), v.get("reason", ""), times.get(v["voter"], ""))
        for v in ballot.get("votes", [])
    ]


def _rule_text(ballot: Mapping) -> str:
    if ballot["rule_reason"]:
        return (
            f"{ballot['rule']} instead of the default {ballot['default_rule']}, "
            f"because: {ballot['rule_reason']}"
        )
    return f"{ballot['rule']} (the default)"


def _ballot_facts(b: Mapping, people: People) -> list:
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
    facts.append((f"Result: {_verdict(result)}", list(result["reasons"])))
    if result["ranking"]:
        facts.append(f"Ranking: {', '.join(result['ranking'])}")
    return facts


def _verdict(result: Mapping) -> str:
    if result["passed"] is None:
        return f"winner {result['winner']}" if result["winner"] else "no single winner"
    return "passed" if result["passed"] else "did not pass"


def _ballot_notes(b: Mapping, people: People) -> list[str]:
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


def _ruling_text(ruling: Mapping | None, people: People) -> str:
    if ruling is None:
        return "Not ruled on."
    said = "It stands" if ruling["stands"] else "Ruled not paramount"
    return f"{said} ({people(ruling['by'])}, {ruling['at']}): {ruling['reason']}"


def _outcome_text(item: Mapping) -> str:
    goal = f" as goal {item['goal_id']}" if item["goal_id"] else ""
    return f"{item['proposal_id']} {item['outcome']}{goal}"
