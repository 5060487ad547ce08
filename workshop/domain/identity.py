"""One person, one name: the names people go by in a session are told apart as people read
them, so nobody joins twice as "Alice", "alice ", "Аlice" (a Cyrillic А) or "Alice" with a
zero-width space, and votes once per name.

Two names are the same when their keys are: Unicode NFKC, case folded, spaces trimmed and
collapsed, invisible characters dropped, and the Cyrillic and Greek letters that look like
Latin ones read as those. A small table, not a full confusables list: it covers the letters
a name is spoofed with, and it is easy to check.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from workshop.domain.errors import Conflict, InvalidInput
from workshop.domain.state import Participant, WorkshopState
from workshop.domain.text import NAME_MAX, clean_text, shows

# Look-alikes of Latin letters, after case folding (capitals fold to these).
LOOK_ALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ѐ": "è", "ё": "ë", "һ": "h", "і": "i", "ї": "ï",
        "ј": "j", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
        "у": "y", "х": "x", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y",
        # Greek
        "α": "a", "β": "b", "ε": "e", "ζ": "z", "η": "h", "ι": "i", "κ": "k", "μ": "m",
        "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "y", "χ": "x",
        # Latin letters read as others
        "ı": "i", "ɑ": "a", "ɡ": "g",
    }
)  # fmt: skip


def name_key(name: str) -> str:
    """What a name reads as: the same key for names people cannot tell apart."""
    visible = "".join(char for char in unicodedata.normalize("NFKC", name) if shows(char))
    folded = unicodedata.normalize("NFC", visible.casefold().translate(LOOK_ALIKES))
    return " ".join(folded.split())


def person_name(value: object, field: str) -> str:
    """A person's name as typed (trimmed), or InvalidInput: one of invisible characters only
    is as blank as an empty one."""
    name = clean_text(value, field, NAME_MAX)
    if not name_key(name):
        raise InvalidInput(f"{field} must not be empty: it holds only invisible characters")
    return name


def named_like(people: Iterable[Participant], name: str) -> Participant | None:
    """Who among `people` already goes by `name` (as people read it), if anyone."""
    key = name_key(name)
    return next((person for person in people if name_key(person.name) == key), None)


def check_free(s: WorkshopState, name: str) -> None:
    """A newcomer's name taken by nobody in the session, the facilitator included."""
    taken = named_like(s.participants.values(), name)
    if taken is not None:
        raise Conflict(
            f"someone named {taken.name} is already in this session: if that is you, reopen"
            " the page on the device you joined with, or ask the facilitator for a new link to"
            " your place; otherwise join with another name"
        )
