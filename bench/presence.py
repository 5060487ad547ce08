"""Reading who is present late in a long session, with and without the index of open connections.

`python -m bench.presence [--people N] [--connections K] [--reads R]` makes one session of N
people in an SQLite database in a temporary folder, each with K connections recorded in
attendance, all closed but the last (phones that slept and came back), then times R reads of
who is present, the read every connect makes. It does the same on a copy without the index
of open connections (migration m006_open_attendance) and prints both medians.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from contextlib import closing
from pathlib import Path

from workshop.store import open_store

WORKSHOP = "bench-session"


def seat(folder: Path, people: int, connections: int) -> None:
    """The session's attendance: every person's connections, the last one still open."""
    store = open_store(None, folder)
    try:
        with store.transaction():
            for person in range(people):
                for k in range(connections):
                    opened = store.connected(WORKSHOP, f"p{person}", float(k), "bench")
                    if k < connections - 1:
                        store.disconnected(opened, k + 0.5)
    finally:
        store.close()


def median_read(folder: Path, reads: int, people: int) -> float:
    """The median time of one read of who is present, in milliseconds."""
    store = open_store(None, folder, migrate=False)
    try:
        times = []
        for _ in range(reads):
            started = time.perf_counter()
            with store.reading():
                present = store.present(WORKSHOP)
            times.append(time.perf_counter() - started)
            assert len(present) == people
        return statistics.median(times) * 1000
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=300, help="people in the session")
    parser.add_argument("--connections", type=int, default=30, help="connections per person")
    parser.add_argument("--reads", type=int, default=500, help="reads timed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        indexed, plain = Path(scratch, "indexed"), Path(scratch, "plain")
        seat(indexed, args.people, args.connections)
        shutil.copytree(indexed, plain)
        with closing(sqlite3.connect(plain / "workshop.db")) as copy:
            copy.execute("drop index attendance_open")
            copy.commit()
        with_index = median_read(indexed, args.reads, args.people)
        without = median_read(plain, args.reads, args.people)
    print(
        f"who of {args.people} people is present, with {args.connections} connections each"
        f" in attendance: {with_index:.2f} ms with the index of open connections,"
        f" {without:.2f} ms without (median of {args.reads} reads)"
    )


if __name__ == "__main__":
    main()
