"""The votes as CSV: one row per vote that may be shown, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from workshop.minutes.blocks import People
from workshop.minutes.outline_ballots import vote_rows

CSV_COLUMNS = ("ballot_id", "options", "rule", "voter", "vote", "reason", "time")


def votes_csv(record: Mapping) -> str:
    """One row per vote that may be shown: revealed ballots only, anonymous ones by label."""
    people = People(record)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)  # OWASP: every cell quoted
    writer.writerow(CSV_COLUMNS)
    for ballot in record["ballots"]:
        for voter, vote, reason, time in vote_rows(ballot, people):
            options = ";".join(ballot["options"])
            row = (ballot["id"], options, ballot["rule"], voter, vote, reason, time)
            writer.writerow([_cell(str(cell)) for cell in row])
    return out.getvalue()


def _cell(text: str) -> str:
    """Text a spreadsheet would run as a formula is kept as text (OWASP's CSV injection rules:
    a leading = + - @ tab or carriage return gets a quote mark in front)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
