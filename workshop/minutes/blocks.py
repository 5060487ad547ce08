"""What the outline is made of: blocks of plain text, and the words for a record's ids.

Blocks are plain text, escaped by each renderer: ("h", level, text), ("p", text),
("ul", [text | (text, [text])]), ("table", headers, rows), ("chain", document, caption).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence

from workshop.domain.plain import FIELD_NAMES
from workshop.domain.rules.words import names
from workshop.minutes.times import Clock

Block = tuple
NONE: Block = ("p", "(none)")


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> Block:
    """A table of text cells (None shows as empty), or "(none)" when there is no row."""
    shown = [tuple("" if cell is None else str(cell) for cell in row) for row in rows]
    return ("table", tuple(headers), shown) if shown else NONE


def goals_of(doc: Mapping) -> dict[str, dict]:
    """The vision (its statement as title) and the goals of a chain document, by id."""
    goals = {g["id"]: dict(g) for g in doc.get("goals", [])}
    vision = doc.get("vision")
    if vision:
        return {vision["id"]: {**vision, "title": vision["statement"], "level": "vision"}, **goals}
    return goals


class People:
    """Names for the ids in a record; a hidden author is "anonymous", a label stays a label."""

    def __init__(self, record: Mapping) -> None:
        self.names = {person["id"]: person["name"] for person in record["participants"]}

    def __call__(self, pid: str | None, hidden: str = "anonymous") -> str:
        return hidden if pid is None else self.names.get(pid, pid)

    def all(self, ids: Iterable[str]) -> str:
        return ", ".join(self(pid) for pid in ids) or "nobody"


class Words(People):
    """What the minutes call a record's ids and times: people by name, proposals and goals
    by title in quotes, times in the session's time zone. Never an id."""

    def __init__(self, record: Mapping) -> None:
        super().__init__(record)
        self.clock = Clock(record["session"])
        before = goals_of(record["chain_before"] or {})
        goals = {**before, **goals_of(record["chain_after"])}
        self.titles = {key: goal["title"] for key, goal in goals.items()}
        self.titles |= {p["id"]: p["title"] for p in record["proposals"]}
        self._titles_before = {key: goal["title"] for key, goal in before.items()}

    def title(self, key: str | None) -> str:
        """“Move more”: a proposal or goal by its title."""
        return f"“{self.titles.get(key or '', 'an unknown goal')}”"

    def title_before(self, key: str | None) -> str:
        """A goal by its title when the session began: what a change of it changed."""
        before = self._titles_before.get(key or "")
        return f"“{before}”" if before is not None else self.title(key)

    def each(self, keys: Iterable[str]) -> str:
        """“A”, “B” and “C”."""
        return names([self.title(key) for key in keys])

    def voted_on(self, ballot: Mapping) -> Words:
        """These words with the ballot's options named as they were when it opened: what a
        ballot decided is the text voted on, not a later revision of it."""
        words = copy.copy(self)
        words.titles = {**self.titles, **ballot.get("titles", {})}
        return words

    def revisions_since(self, ballot: Mapping) -> list[str]:
        """A note for each option of the ballot revised since it was voted on, saying what
        changed: two ballots on "the same" title may have voted on other targets."""
        notes = []
        for key, fields in ballot.get("revised_since", {}).items():
            title = ballot["titles"][key]
            if "title" in fields:
                notes.append(f"“{title}” was revised after this ballot: now {self.title(key)}.")
            else:
                changed = names([FIELD_NAMES.get(name, name) for name in fields]) or "nothing"
                notes.append(f"“{title}” was revised after this ballot (changed: {changed}).")
        return notes
