"""`workshop migrate`: one database made a copy of another, SQLite or PostgreSQL, so that a
server on the copy serves exactly as one on the original did."""

from __future__ import annotations

import time

from workshop.lease import alive
from workshop.store import DatabaseProblem, Store

# Every table, and what its rows are called. The leases of the servers that ran on the
# source come along: a server on the copy ends their open connections as one on the
# source would (the copy is refused while any of them still serves).
COPIED = {
    "workshops": "sessions",
    "events": "events",
    "tokens": "tokens",
    "commands": "acknowledgements",
    "deadlines": "deadlines",
    "ballot_keys": "ballot keys",
    "attendance": "attendance records",
    "meta": "settings",
    "processes": "leases of stopped servers",
}


def ensure_stopped(source: Store) -> None:
    """A database being served changes while it is copied: refuse (DatabaseProblem)."""
    with source.reading():
        serving = [lease for lease in source.processes() if alive(lease, time.time())]
    if serving:
        raise DatabaseProblem(
            f"a workshop server (pid {serving[0]['pid']} on {serving[0]['host']}) is serving"
            f" {source.url}: stop every server on it first"
        )


def copy_database(source: Store, target: Store) -> dict[str, int]:
    """Copy every table of `source` into `target` in one transaction; how many rows each.
    Refused (DatabaseProblem, nothing written) when the target already holds sessions."""
    copied = {}
    with target.transaction(), source.reading():
        held = len(target.workshops())
        if held:
            raise DatabaseProblem(
                f"{target.url} already holds {held} session{'' if held == 1 else 's'}:"
                " migrate only into an empty database"
            )
        for table, what in COPIED.items():
            copied[what] = target.replace_rows(table, source.rows(table))
    return copied
