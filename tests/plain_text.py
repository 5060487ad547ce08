"""What people must never read in pages or minutes: ids, snake_case names, ISO-Z stamps."""

from __future__ import annotations

import html
import re

UNREADABLE = {
    "an id": re.compile(r"\b(?:pt|pr|b|t|r|c)\d+\b|\b[VUBPS]\d+\b"),
    "a snake_case name": re.compile(r"\b[a-z]+_[a-z_]+\b"),
    "an ISO stamp": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d"),
}
MERMAID = re.compile(r"```mermaid\n(.*?)```", re.S)
LABEL = re.compile(r'\["([^"]*)"\]')


def unreadable(text: str, *secrets: str) -> list[str]:
    """Each thing in `text` a person should not read, with what it is; `secrets` are ids
    (a session's) that must not show either. A link is an address, not words: skipped."""
    text = re.sub(r"\S+://\S+", " ", text)
    found = [
        f"{what}: {hit.group()!r}" for what, rx in UNREADABLE.items() for hit in rx.finditer(text)
    ]
    return found + [f"the id {secret!r}" for secret in secrets if secret in text]


def markdown_text(markdown: str) -> str:
    """What a reader of rendered Markdown sees: no escapes, and of a Mermaid chart only the
    labels in its boxes (the node names are the chart's code)."""
    labels = lambda found: "\n".join(LABEL.findall(found.group(1)))  # noqa: E731
    return re.sub(r"\\(.)", r"\1", MERMAID.sub(labels, markdown))


def html_text(page: str) -> str:
    """What a reader of an HTML page sees: text, not tags, styles or attributes."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))
