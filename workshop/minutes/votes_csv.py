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
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for ballot in record["ballots"]:
        for voter, vote, reason, time in vote_rows(ballot, people):
            options = ";".join(ballot["options"])
            writer.writerow(
                (ballot["id"], options, ballot["rule"], _cell(voter), vote, _cell(reason), time)
            )
    return out.getvalue()


def _cell(text: str) -> str:
    """Typed text that a spreadsheet would run as a formula is kept as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
