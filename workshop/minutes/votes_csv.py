"""The votes as CSV: one row per vote that may be shown, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping

from workshop.minutes.blocks import People

CSV_COLUMNS = ("ballot_id", "options", "rule", "voter", "vote", "reason", "time")


def votes_csv(record: Mapping) -> str:
    """One row per vote that may be shown: revealed ballots only, anonymous ones by label."""
    people = People(record)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)  # OWASP: every cell quoted
    writer.writerow(CSV_COLUMNS)
    for ballot in record["ballots"]:
        title = _titles(ballot)
        for voter, vote, reason, time in vote_rows(ballot, people):
            options = "; ".join(title(option) for option in ballot["options"])
            row = (ballot["id"], options, ballot["rule"], voter, vote, reason, time)
            writer.writerow([_cell(str(cell)) for cell in row])
    return out.getvalue()


def _cell(text: str) -> str:
    """Text a spreadsheet would run as a formula is kept as text (OWASP's CSV injection rules:
    a leading = + - @ tab or carriage return gets a quote mark in front)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _titles(ballot: Mapping) -> Callable[[str], str]:
    """An option as people know it: its title in quotes (the ballot's labels), never its id."""
    labels = ballot.get("labels", {})
    return lambda option: labels.get(option, option)


def vote_text(vote: Mapping, title: Callable[[str], str] = str) -> str:
    """One vote in a cell: a choice, a fist (0-5), dots "“A” 2; “C” 1" or a ranking
    "“B” > “A” > “C”" (options by `title`)."""
    if "choice" in vote:
        return str(vote["choice"])
    if "value" in vote:
        return str(vote["value"])
    if "dots" in vote:
        spent = "; ".join(f"{title(option)} {count}" for option, count in vote["dots"].items())
        return spent or "no dots"  # an empty cell would read as no vote
    if "ranking" in vote:
        return " > ".join(title(option) for option in vote["ranking"]) or "no ranking"
    return ""


def vote_rows(ballot: Mapping, people: People) -> list[tuple[str, str, str, str]]:
    """(voter, vote, reason, time) for each vote that may be shown."""
    times, title = ballot.get("voted_at", {}), _titles(ballot)
    return [
        (people(v["voter"]), vote_text(v, title), v.get("reason", ""), times.get(v["voter"], ""))
        for v in ballot.get("votes", [])
    ]
