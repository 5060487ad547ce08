"""The minutes as Markdown: every piece of text escaped, the chain as Mermaid."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from workshop import chainfile
from workshop.chainfile import markdown_text
from workshop.domain import chain as chains
from workshop.minutes.blocks import Block
from workshop.minutes.outline import outline


def markdown(record: Mapping) -> str:
    """The minutes as Markdown: every piece of text escaped, the chain as Mermaid."""
    return "\n\n".join(_md_block(block) for block in outline(record)) + "\n"


def _md_block(block: Block) -> str:
    kind = block[0]
    if kind == "h":
        return "#" * block[1] + " " + markdown_text(block[2])
    if kind == "p":
        return markdown_text(block[1])
    if kind == "ul":
        return "\n".join(_md_item(item) for item in block[1])
    if kind == "table":
        return "\n".join(_md_table(block[1], block[2]))
    mermaid = chainfile.render_mermaid(chains.from_dict(block[1]), ids=False)
    return f"```mermaid\n{mermaid}```"


def _md_item(item: str | tuple[str, list[str]]) -> str:
    if isinstance(item, str):
        return f"- {markdown_text(item, '  ')}"
    head, subs = item
    lines = [f"- {markdown_text(head, '  ')}", *(f"  - {markdown_text(s, '    ')}" for s in subs)]
    return "\n".join(lines)


def _md_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    def line(cells: Iterable[str]) -> str:
        return "| " + " | ".join(markdown_text(cell) or " " for cell in cells) + " |"

    return [line(headers), "|" + "---|" * len(headers), *(line(row) for row in rows)]
