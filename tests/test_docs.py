"""The docs keep up with the code: every command, event, error code and setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import workshop
from workshop.config import SETTINGS
from workshop.domain import errors
from workshop.domain.events import EVENT_TYPES
from workshop.domain.workshop import COMMANDS  # importing it registers every command

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = ROOT / "docs" / "protocol.md"
# What the socket carries besides the commands and the logged events.
SOCKET_EXTRAS = ("state", "presence_changed", "sync", "get_state", "cid", "seq")


def documented(text: str) -> set[str]:
    """Names that appear as a code span, or as a word of a heading."""
    names = set(re.findall(r"`([^`\n]+)`", text))
    for heading in re.findall(r"^#{1,6}\s+(.+)$", text, flags=re.MULTILINE):
        names.update(re.findall(r"[A-Za-z0-9_]+", heading))
    return names


PROTOCOL_NAMES = documented(PROTOCOL.read_text(encoding="utf-8"))


def all_docs() -> str:
    pages = sorted((ROOT / "docs").glob("*.md"))
    readme = ROOT / "README.md"
    if readme.exists():
        pages.append(readme)
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def error_codes() -> set[str]:
    """Every stable error code: the classes' own, and each `code="..."` given in the source."""
    codes = {
        kind.code
        for kind in vars(errors).values()
        if isinstance(kind, type) and issubclass(kind, errors.WorkshopError)
    }
    source = Path(workshop.__file__).parent
    for path in source.rglob("*.py"):
        codes.update(re.findall(r"""code=["']([a-z_]+)["']""", path.read_text(encoding="utf-8")))
    return codes


@pytest.mark.parametrize(
    "name", sorted(name for name, spec in COMMANDS.items() if spec.who != "system")
)
def test_every_command_is_in_the_protocol(name: str) -> None:
    assert name in PROTOCOL_NAMES, f"command {name} is not documented in docs/protocol.md"


@pytest.mark.parametrize(
    "name", sorted(name for name, spec in COMMANDS.items() if spec.who == "system")
)
def test_the_commands_only_the_server_sends_are_in_the_protocol(name: str) -> None:
    assert name in PROTOCOL_NAMES, f"server command {name} is not documented in docs/protocol.md"


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_event_is_in_the_protocol(event_type: str) -> None:
    assert event_type in PROTOCOL_NAMES, f"event {event_type} is not in docs/protocol.md"


@pytest.mark.parametrize("name", SOCKET_EXTRAS)
def test_the_socket_extras_are_in_the_protocol(name: str) -> None:
    assert name in PROTOCOL_NAMES


@pytest.mark.parametrize("code", sorted(error_codes()))
def test_every_error_code_is_in_the_protocol(code: str) -> None:
    assert code in PROTOCOL_NAMES, f"error code {code} is not in docs/protocol.md"


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_every_setting_is_documented(setting: str) -> None:
    assert setting in documented(all_docs()), f"setting {setting} is in no README or docs page"


def test_readme_picture_is_the_rendered_example() -> None:
    """The README's Mermaid picture is what `workshop chain render` draws of the example."""
    from workshop import chainfile

    example = chainfile.load(ROOT / "docs" / "examples" / "fitness.goalchain.yaml")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert block == chainfile.render_mermaid(example)
