"""The downloads of a session over HTTP: chain file, minutes and votes CSV.

Thin shells over the service, `chainfile` and `minutes`. Reading needs a token of the
session (the session id travels in every join link and QR code on a projector), and
every answer is a file with a name and an extension.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import quote

from flask import Blueprint, Response, current_app, request

from workshop import files, minutes
from workshop.domain.errors import Conflict, InvalidInput
from workshop.domain.text import shown
from workshop.offload import Offload
from workshop.web import person_in, service

blueprint = Blueprint("exports", __name__)

MINUTES_TYPES = {"md": "text/markdown", "html": "text/html", "json": "application/json"}
CHAIN_TYPES = {"yaml": "application/yaml", "json": "application/json"}
UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def file_stem(title: str) -> str:
    """A session title as a file name: no path separators or characters systems refuse."""
    stem = " ".join(UNSAFE.sub(" ", title).split()).strip(". ")
    return stem[:100] or "workshop"


def download(body: str, media_type: str, workshop_id: str, suffix: str) -> Response:
    """An attachment named `<title>.<suffix>`, in UTF-8 and, for old clients, ASCII."""
    title = service().state(workshop_id).title
    name = f"{file_stem(title)}.{suffix}"
    # What ASCII keeps of the title, made a stem again: "Café 🚀" is "Cafe", not "Cafe ",
    # and a title in another script "workshop", not a hidden ".minutes.md".
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    ascii_name = f"{file_stem(folded)}.{suffix}"
    response = Response(body, mimetype=media_type)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    response.headers["Cache-Control"] = "private, no-store"  # a token-gated read
    return response


class Renderings:
    """Each export of a session made once per version of it (its last `seq` and attendance),
    off the event loop: asking again for the same file costs a dictionary look-up. One
    rendering at a time, so a crowd of downloads queues up rather than taking every core."""

    def __init__(self, offload: Offload, most: int = 64) -> None:
        self.offload = offload
        self.most = most
        self._done: OrderedDict[tuple[str, str], tuple[tuple, str]] = OrderedDict()
        self._busy = threading.Lock()

    def get(self, workshop_id: str, name: str, job: Callable[[], tuple]) -> str:
        """The export `name`; on a miss `job()` reads what it needs (here, on the loop) and
        returns `(function, *args)` for the offload to render."""
        key = (workshop_id, name)
        with self._busy:
            version = service().version(workshop_id)
            done = self._done.get(key)
            if done is None or done[0] != version:
                self._done[key] = done = (version, self.offload(*job()))
                while len(self._done) > self.most:
                    self._done.popitem(last=False)
            self._done.move_to_end(key)
        return done[1]


def renderings() -> Renderings:
    return current_app.extensions["workshop_renderings"]


def from_log(workshop_id: str, function: Callable[..., str], *extra: str) -> tuple:
    """A rendering job over the session's log and attendance, read now."""
    return (function, workshop_id, *service().log(workshop_id), *extra)


def readable(workshop_id: str, reader: str) -> None:
    """The minutes and votes hold every proposal's text: while the texts are hidden from the
    room, only the facilitator may read them."""
    state = service().state(workshop_id)
    person = state.participants.get(reader)
    if state.texts_hidden and (person is None or person.role != "facilitator"):
        raise Conflict("the proposals' texts are hidden until the facilitator reveals them")


@blueprint.get("/api/sessions/<workshop_id>/chain")
def session_chain(workshop_id: str) -> Response:
    """The session's goal chain file, YAML by default."""
    person_in(workshop_id)
    fmt = request.args.get("format", "yaml")
    if fmt not in CHAIN_TYPES:
        raise InvalidInput(f"format must be yaml or json, got {shown(fmt)}")
    chain = service().state(workshop_id).chain
    body = renderings().get(workshop_id, f"chain.{fmt}", lambda: (files.chain_text, chain, fmt))
    return download(body, CHAIN_TYPES[fmt], workshop_id, f"goalchain.{fmt}")


@blueprint.get("/api/sessions/<workshop_id>/minutes")
def session_minutes(workshop_id: str) -> Response:
    """The minutes as Markdown (the default), printable HTML or JSON."""
    reader = person_in(workshop_id)
    fmt = minutes.check_format(request.args.get("format", "md"))
    readable(workshop_id, reader)
    text = renderings().get(
        workshop_id, f"minutes.{fmt}", lambda: from_log(workshop_id, files.minutes_text, fmt)
    )
    response = download(text, MINUTES_TYPES[fmt], workshop_id, f"minutes.{fmt}")
    if fmt == "html":  # the page's one <style> block is allowed by its hash, nothing else
        response.headers["Content-Security-Policy"] = minutes.content_security_policy()
    return response


@blueprint.get("/api/sessions/<workshop_id>/votes.csv")
def session_votes(workshop_id: str) -> Response:
    """Every vote that may be shown, one row each."""
    readable(workshop_id, person_in(workshop_id))
    body = renderings().get(
        workshop_id, "votes.csv", lambda: from_log(workshop_id, files.votes_text)
    )
    return download(body, "text/csv", workshop_id, "votes.csv")
