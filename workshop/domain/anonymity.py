"""Anonymous ballots: a vote is filed under a keyed pseudonym of its voter, never the voter.

Each anonymous ballot has its own random key, kept by the service only while the ballot is
open: with it a voter can replace their vote and the facilitator can see who has voted;
once the ballot is revealed the key is forgotten, and nobody (not even whoever holds the
database) can tell whose pseudonym is whose.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from workshop.domain.errors import Conflict
from workshop.domain.state import Ballot

PREFIX = "anon-"
# What the pages tell people before they vote in an anonymous ballot.
PROMISE = (
    "This vote is anonymous. Until the reveal, only the facilitator sees who has voted,"
    " never how; after it, nobody, not even whoever runs the server, can tell who voted what."
    " The votes themselves, with their reasons, are shown to everyone at the reveal: a"
    " reason can still give you away."
)


def pseudonym(key: str, ballot_id: str, participant_id: str) -> str:
    mac = hmac.new(key.encode(), f"{ballot_id}:{participant_id}".encode(), hashlib.sha256)
    return PREFIX + mac.hexdigest()[:24]


def voter(ballot: Ballot, participant_id: str, keys: Mapping[str, str]) -> str:
    """The name a person's vote is filed under: their id, or their pseudonym while the key
    of an anonymous ballot exists."""
    if not ballot.anonymous:
        return participant_id
    key = keys.get(ballot.id)
    if key is None:
        raise Conflict(
            "this anonymous ballot takes no more votes: its key is gone (the database was"
            " restored from a backup, which never holds the keys of open anonymous ballots,"
            " so nobody can tell who voted already): the facilitator can close and reveal it"
        )
    return pseudonym(key, ballot.id, participant_id)


def known_voter(ballot: Ballot, participant_id: str, keys: Mapping[str, str]) -> str | None:
    """Like `voter`, or None where nobody can tell any more (the key is gone)."""
    if ballot.anonymous and ballot.id not in keys:
        return None
    return voter(ballot, participant_id, keys)


def sealed(cast: list[dict]) -> list[dict]:
    """The `vote_cast` events of an anonymous ballot still open (in seq order), as a copy of
    the database keeps them once the ballot's key is left out: the votes that count, dealt
    out in an order of their own (by what they say) over the last of those events, and none
    in the others. Filed by seq and time as cast, a vote would link to whoever the
    facilitator saw vote at that moment. Read back in order, they give the same votes."""
    final = {item["voter"]: item.get("vote", {}) for item in cast}
    dealt = sorted(final.items(), key=lambda pair: json.dumps(pair[1], sort_keys=True))
    emptied = [{k: v for k, v in item.items() if k != "vote"} for item in cast]
    early, last = emptied[: len(cast) - len(dealt)], emptied[len(cast) - len(dealt) :]
    first = dealt[0][0] if dealt else None
    return [{**item, "voter": first} for item in early] + [
        {**item, "voter": voter, "vote": vote}
        for item, (voter, vote) in zip(last, dealt, strict=True)
    ]
