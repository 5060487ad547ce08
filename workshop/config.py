"""Settings with their defaults; `create_app(config)` overrides any of them."""

from __future__ import annotations

import secrets

# name: (default, what it is for)
SETTINGS: dict[str, tuple[object, str]] = {
    "DATA_DIR": ("sessions", "Folder holding the SQLite database workshop.db."),
    "ASYNC_MODE": (
        "threading",
        "gevent, eventlet or threading; `workshop serve` defaults to gevent.",
    ),
    "MESSAGE_QUEUE": (None, "Redis URL shared by several server processes (scale-out)."),
    "SECRET_KEY": (
        None,
        "Flask's secret key, random per start if unset (form tokens use one kept in the database).",
    ),
    "MAX_CONTENT_LENGTH": (1024 * 1024, "Largest HTTP body accepted, in bytes."),
    "MAX_MESSAGE_BYTES": (
        1024 * 1024,
        "Largest Socket.IO message; below it, oversize fields get a named error.",
    ),
    "TIMER_INTERVAL": (0.25, "Seconds between checks for expired turns, stages and ballots."),
}


def defaults() -> dict[str, object]:
    values = {name: default for name, (default, _help) in SETTINGS.items()}
    values["SECRET_KEY"] = secrets.token_hex(32)
    return values
