"""The formats of the minutes by name: Markdown, HTML and JSON, each rendered from the record."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from workshop.domain.errors import InvalidInput
from workshop.domain.text import shown
from workshop.minutes.html import html
from workshop.minutes.markdown import markdown

FORMATS = ("md", "html", "json")


def to_json(record: Mapping) -> str:
    """The record itself, indented, non-ASCII text kept as it is."""
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


RENDER: dict[str, Callable[[Mapping], str]] = {"md": markdown, "html": html, "json": to_json}


def check_format(fmt: str) -> str:
    """One of FORMATS; anything else is refused naming the value."""
    if fmt not in RENDER:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}, got {shown(fmt)}")
    return fmt


def render(record: Mapping, fmt: str) -> str:
    """The minutes in one of FORMATS."""
    return RENDER[check_format(fmt)](record)
