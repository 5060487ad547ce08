"""The minutes of a session: one JSON-ready record, rendered as Markdown, HTML and CSV.

Pure: the record is a function of the session state, its attendance rows and its event
log, so the same session always gives the same minutes. Every format is rendered from
the record alone, so what one format hides (an anonymous voter, a hidden author) no
format can show.

record.py builds the record (with record_floor.py and record_ballots.py); outline.py
turns it into format-neutral blocks (with outline_proposals.py, outline_ballots.py and
outline_chain.py); markdown.py, html.py (with picture.py) and votes_csv.py render them;
formats.py picks a renderer by name.
"""

from workshop.domain.errors import InvalidInput
from workshop.minutes.formats import FORMATS, check_format, render, to_json
from workshop.minutes.html import content_security_policy, html
from workshop.minutes.markdown import markdown
from workshop.minutes.outline import outline
from workshop.minutes.record import VERSION, build
from workshop.minutes.votes_csv import CSV_COLUMNS, vote_text, votes_csv

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "VERSION",
    "InvalidInput",
    "build",
    "check_format",
    "content_security_policy",
    "html",
    "markdown",
    "outline",
    "render",
    "to_json",
    "vote_text",
    "votes_csv",
]
