"""The shape of the code: a pure domain, and accepted sockets without Nagle's delay."""

from __future__ import annotations

import ast
import socket
from pathlib import Path

import pytest

from workshop.server import nodelay

DOMAIN = Path(__file__).resolve().parent.parent / "workshop" / "domain"
IO = {
    "flask",
    "flask_socketio",
    "socketio",
    "engineio",
    "sqlite3",
    "sqlite_utils",
    "psycopg",
    "psycopg_pool",
    "os",
    "time",
    "requests",
    "yaml",
    "jsonschema",
    "gevent",
    "eventlet",
    "redis",
    "socket",
    "pathlib",
    "workshop.store",
    "workshop.service",
    "workshop.realtime",
    "workshop.web",
}


def imported(module: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_the_domain_imports_no_io(module: Path) -> None:
    found = {name for name in imported(module) if name.split(".")[0] in IO or name in IO}
    assert not found, f"{module.name} imports {sorted(found)}"


def test_nodelay_turns_off_nagle_on_an_accepted_socket() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.create_connection(server.getsockname())
        accepted, _address = server.accept()
        with client, accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
            nodelay(accepted)
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
