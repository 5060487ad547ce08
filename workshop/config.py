"""Settings with their defaults; `create_app(config)` overrides any of them."""

from __future__ import annotations

import secrets

from limits import parse_many

from workshop.throttle import WHAT as RATE_LIMITS

# name: (default, what it is for)
SETTINGS: dict[str, tuple[object, str]] = {
    "DATA_DIR": ("sessions", "Folder holding the SQLite database workshop.db."),
    "DATABASE_URL": (
        None,
        "sqlite:///path/to/file.db or postgresql://user:password@host:5432/dbname"
        " (`--database`, WORKSHOP_DATABASE_URL); unset: workshop.db in DATA_DIR.",
    ),
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
    "PUBLIC_URL": (
        None,
        "The address people reach (`--public-url`): links and QR codes use it, and requests"
        " for another host or from another origin are refused.",
    ),
    "CODE_GUESS_RATE": (
        "10/minute;100/hour",
        "Failed join-code look-ups and wrong-code joins allowed per client address.",
    ),
    "CREATE_RATE": (
        "10/minute;60/hour",
        "Requests to create a session one client address may send (refused ones count).",
    ),
    "COMMAND_RATE": ("20/second;300/minute", "Commands (and sync, get_state) per connection."),
    "CONNECT_RATE": (
        "30/minute;300/hour",
        "Live connections one person (or a session's room screens) may open: a client"
        " reconnecting in a loop is refused, not recorded and announced each time.",
    ),
    "CONNECTIONS_PER_ADDRESS": (256, "Open connections one client address may hold."),
    "CONNECT_TIMEOUT": (
        30.0,
        "Seconds a Socket.IO handshake has to connect (send its token); one that does not"
        " is closed.",
    ),
    "HANDSHAKES_PER_ADDRESS": (
        256,
        "Socket.IO handshakes not connected yet that one client address may hold; one more"
        " is refused (429) until they connect or their time runs out.",
    ),
    "PROXY_HOPS": (
        0,
        "Reverse proxies in front of the server (behind nginx: 1). Client addresses, for the"
        " rate limits, are then read from X-Forwarded-For, and the proxy limits connections"
        " per address.",
    ),
    "HEADER_TIMEOUT": (10.0, "Seconds a client has to send a request's line and headers."),
    "IDLE_TIMEOUT": (60.0, "Seconds a connection may stay silent (Socket.IO pings every 25)."),
    "PING_INTERVAL": (25.0, "Seconds between Socket.IO's pings to each client."),
    "PING_TIMEOUT": (
        20.0,
        "Seconds a client has to answer a ping; one that does not is disconnected.",
    ),
    "OUTBOUND_QUEUE_LIMIT": (
        1000,
        "Messages that may wait for one connection; a client that falls this far behind (it"
        " does not read) is dropped, and catches up by sync when it comes back.",
    ),
    "OUTBOUND_QUEUE_BYTES": (
        8 * 1024 * 1024,
        "Bytes that may wait for one connection, as OUTBOUND_QUEUE_LIMIT counts messages: a"
        " client that asks for big answers (sync) and does not read them is dropped.",
    ),
    "SESSIONS_CACHED": (200, "Sessions kept in memory; the least recently used are let go."),
}


# Settings whose value is one of a few words, or a number with a least value: as their
# command-line options (`--async-mode`, `--timer-interval`) check them.
CHOICES = {"ASYNC_MODE": ("gevent", "eventlet", "threading")}
LEAST = {"TIMER_INTERVAL": 0.01}


def parse(name: str, text: str) -> object:
    """A setting given on the command line (`--set NAME=VALUE`), typed like its default."""
    if name not in SETTINGS:
        raise ValueError(f"no setting named {name}; see the README for the list")
    default = SETTINGS[name][0]
    kind = type(default) if default is not None else str
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{name} must be a {kind.__name__}, got {text!r}") from None
    if name in CHOICES and value not in CHOICES[name]:
        raise ValueError(f"{name} must be one of {', '.join(CHOICES[name])}, got {text!r}")
    if name in LEAST and not value >= LEAST[name]:  # type: ignore[operator]
        raise ValueError(f"{name} must be at least {LEAST[name]}, got {text!r}")
    if name in RATE_LIMITS:
        try:
            parse_many(text)
        except ValueError:
            raise ValueError(f"{name} must be limits such as {default}, got {text!r}") from None
    return value


def defaults() -> dict[str, object]:
    values = {name: default for name, (default, _help) in SETTINGS.items()}
    values["SECRET_KEY"] = secrets.token_hex(32)
    return values
