"""What the outline is made of: blocks of plain text, and the names of a record's people.

Blocks are plain text, escaped by each renderer: ("h", level, text), ("p", text),
("ul", [text | (text, [text])]), ("table", headers, rows), ("chain", document, caption).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

Block = tuple
NONE: Block = ("p", "(none)")


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> Block:
    """A table of text cells (None shows as empty), or "(none)" when there is no row."""
    shown = [tuple("" if cell is None else str(cell) for cell in row) for row in rows]
    return ("table", tuple(headers), shown) if shown else NONE


class People:
    """Names for the ids in a record; a hidden author is "anonymous", a label stays a label."""

    def __init__(self, record: Mapping) -> None:
        self.names = {person["id"]: person["name"] for person in record["participants"]}

    def __call__(self, pid: str | None, hidden: str = "anonymous") -> str:
        return hidden if pid is None else self.names.get(pid, pid)

    def all(self, ids: Iterable[str]) -> str:
        return ", ".join(self(pid) for pid in ids) or "nobody"
