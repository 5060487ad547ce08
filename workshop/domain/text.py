"""Checks for text people type: type, length, control characters and markup.

Markup is refused rather than silently kept, so nobody can plant HTML in a page, a
minutes file or a chain file; everything accepted is still escaped on output.
"""

from __future__ import annotations

import re

from workshop.domain.errors import InvalidInput

MARKUP = re.compile(r"<[A-Za-z!/?]")  # what a browser would start a tag with
# Control characters, and lone UTF-16 surrogates (no UTF-8 can carry them).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

NAME_MAX = 80
TITLE_MAX = 200
TEXT_MAX = 4000


def clean_text(value: object, field: str, max_len: int = TITLE_MAX, required: bool = True) -> str:
    """Return the stripped text, or raise InvalidInput naming the field and the problem."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text, got {type(value).__name__}")
    text = value.strip()
    if required and not text:
        raise InvalidInput(f"{field} must not be empty")
    if len(text) > max_len:
        raise InvalidInput(f"{field} is {len(text)} characters long, at most {max_len} allowed")
    if CONTROL.search(text):
        raise InvalidInput(f"{field} contains control characters or broken unicode")
    found = MARKUP.search(text)
    if found:
        snippet = text[found.start() : found.start() + 12]
        raise InvalidInput(f"{field} must be plain text: HTML markup is not allowed ({snippet!r})")
    return text


def optional_text(value: object, field: str, max_len: int = TEXT_MAX) -> str | None:
    """Like clean_text for an optional field: None or empty gives None."""
    text = clean_text(value, field, max_len, required=False)
    return text or None
