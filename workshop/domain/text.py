"""Checks for text people type: type, length, control characters and markup.

Markup is refused rather than silently kept, so nobody can plant HTML in a page, a
minutes file or a chain file; everything accepted is still escaped on output.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date

from workshop.domain.errors import InvalidInput

MARKUP = re.compile(r"<[A-Za-z!/?]")  # what a browser would start a tag with
# Direction overrides and isolates: typed into a title, they showed the page's own words
# reversed ("(yltnelis) esoporP") and a file name's extension as another.
DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
DIRECTION_PROBLEM = "contains direction controls (U+202A–U+202E, U+2066–U+2069)"
# Control characters, and lone UTF-16 surrogates (no UTF-8 can carry them).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# What must not reach a message of one line: control characters and every line break.
UNPRINTABLE = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029\ud800-\udfff]")

# Characters that show nothing but are not format characters (Unicode category Cf, which
# holds the zero-width space and joiners, the soft hyphen and the byte order mark): Hangul
# fillers, the Braille blank, the combining grapheme joiner.
BLANK = set("\u115f\u1160\u2800\u3164\uffa0\u034f")

NAME_MAX = 80
TITLE_MAX = 200
TEXT_MAX = 4000
SHOWN_MAX = 40  # characters of a wrong value quoted back in a message
SHOWN_ITEMS = 5  # items of a wrong list or object quoted back in a message
LARGE = 1e15  # beyond this a number is not worth spelling out


def kind(value: object) -> str:
    """What sort of value this is, in words, for messages about the wrong type."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return "a value of another kind"


def shown(value: object) -> str:
    """A value a client sent, quoted back in plain words: never Python's repr of it. A list
    or an object is shown by what it holds, so that a message names the offending item."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_words(value)
    if isinstance(value, str):
        text = one_line(value)
        return f"'{text[:SHOWN_MAX]}…'" if len(text) > SHOWN_MAX else f"'{text}'"
    if isinstance(value, Mapping | list | tuple):
        return _contents(value)
    return kind(value)


def shows(char: str) -> bool:
    """Whether a character shows anything, or takes room, where it is written."""
    return unicodedata.category(char) != "Cf" and char not in BLANK


def is_blank(text: str) -> bool:
    """Empty, or only spaces and characters that show nothing (a zero-width space, a Hangul
    filler): a title of only these reads as empty."""
    return not "".join(char for char in text if shows(char)).strip()


def one_line(text: str) -> str:
    """Text that stays on its line: a value echoed in a message of one line per problem
    could otherwise start a line of its own, forged ("x.yaml: all good")."""
    return UNPRINTABLE.sub("?", text)


def named(text: str) -> str:
    """A name (a goal id, a field) as it is when it reads plainly, else quoted by `shown`."""
    return text if re.fullmatch(r"[^\s',:]+", text) and text == one_line(text) else shown(text)


def _contents(value: Mapping | list | tuple) -> str:
    """A list or an object by its first few items (an object's keys with their values), as in
    "a list holding 'U1', 'U1'"; a list or an object inside it is named by its kind alone."""
    if not value:
        return "an empty object" if isinstance(value, Mapping) else "an empty list"
    if isinstance(value, Mapping):
        pairs = itertools.islice(value.items(), SHOWN_ITEMS)
        items = [f"{_item(key)}: {_item(item)}" for key, item in pairs]
        whole, part = "an object with", f"an object of {len(value)} keys with"
    else:
        items = [_item(item) for item in itertools.islice(value, SHOWN_ITEMS)]
        whole, part = "a list holding", f"a list of {len(value)} holding"
    if len(value) <= SHOWN_ITEMS:
        return f"{whole} {', '.join(items)}"
    return f"{part} {', '.join(items)}, …"


def _item(value: object) -> str:
    """An item inside a list or an object: JSON's null, a nested list or object by its kind."""
    if value is None:
        return "null"
    return kind(value) if isinstance(value, Mapping | list | tuple) else shown(value)


def number_words(value: float) -> str:
    """2147483648, 0.5, 1.25, 1.0: a number as people write it, without exponents; a whole
    number sent as a fraction (1.0) is quoted so, since that is what a refusal is about."""
    if math.isnan(value):
        return "not a number"
    if math.isinf(value):
        return "infinity" if value > 0 else "minus infinity"
    if abs(value) >= LARGE:
        return "a very large number" if value > 0 else "a very large negative number"
    if value == int(value):
        return f"{int(value)}.0" if isinstance(value, float) else str(int(value))
    written = f"{value:.6f}".rstrip("0").rstrip(".")
    return written if written not in ("0", "-0") else "a number very close to 0"


def day_words(day: object) -> str:
    """'31 March 2027' for '2027-03-31' (a KPI reading's day: a calendar day, no zone);
    anything else as it is."""
    try:
        when = date.fromisoformat(str(day))
    except ValueError:
        return str(day)
    return f"{when.day} {when:%B %Y}"


def bound_words(bound: float) -> str:
    """A limit of ours as people write it: 3600, 1,000,000,000,000, 0.5 (not 3600.0)."""
    return f"{bound:,.0f}" if bound == int(bound) else number_words(bound)


def clean_text(value: object, field: str, max_len: int = TITLE_MAX, required: bool = True) -> str:
    """Return the stripped text, or raise InvalidInput naming the field and the problem."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text, got {shown(value)}")
    text = value.strip()
    if required and not text:
        raise InvalidInput(f"{field} must not be empty")
    if required and is_blank(text):
        raise InvalidInput(f"{field} must not be empty: it holds only invisible characters")
    if len(text) > max_len:
        raise InvalidInput(f"{field} is {len(text)} characters long, at most {max_len} allowed")
    if CONTROL.search(text):
        raise InvalidInput(f"{field} contains control characters or broken unicode")
    if DIRECTION_CONTROLS.search(text):
        raise InvalidInput(f"{field} {DIRECTION_PROBLEM}")
    found = MARKUP.search(text)
    if found:
        snippet = text[found.start() : found.start() + 12]
        raise InvalidInput(
            f"{field} must be plain text: HTML markup is not allowed ({shown(snippet)})"
        )
    return text


def optional_text(value: object, field: str, max_len: int = TEXT_MAX) -> str | None:
    """Like clean_text for an optional field: None, empty or blank gives None."""
    text = clean_text(value, field, max_len, required=False)
    return None if is_blank(text) else text


def size_words(limit: int) -> str:
    """1 MB, 512 KB: a size limit as people read it in a refusal."""
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def natural_key(ident: str) -> tuple[list[str | int], str]:
    """Sort ids as people read them: U2 before U10, pt9 (who joined ninth) before pt10."""
    parts: list[str | int] = re.split(r"(\d+)", ident)
    parts[1::2] = [int(digits) for digits in parts[1::2]]
    return parts, ident


def with_article(noun: str) -> str:
    """ "a team member", "an observer"."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def sentence(text: str) -> str:
    """The text with a capital first letter, the rest as it was."""
    return text[:1].upper() + text[1:]


def ended(text: str) -> str:
    """The text as a sentence that ends: a full stop added unless it has its own."""
    return text if text.rstrip().endswith((".", "!", "?", "…")) else f"{text.rstrip()}."
