"""The downloads of a session over HTTP: chain file, minutes and votes CSV.

Thin shells over the service, `chainfile` and `minutes`. Reading needs a token of the
session (the session id travels in every join link and QR code on a projector), and
every answer is a file with a name and an extension.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Blueprint, Response, request

from workshop import chainfile, minutes
from workshop.domain.errors import Conflict, InvalidInput
from workshop.domain.text import shown
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
    name = f"{file_stem(service().state(workshop_id).title)}.{suffix}"
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    response = Response(body, mimetype=media_type)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    response.headers["Cache-Control"] = "private, no-store"  # a token-gated read
    return response


def record(workshop_id: str, reader: str) -> dict:
    """The minutes record of a session, from a fresh replay of its log (404 if unknown).

    It holds every proposal's text: while the texts are hidden from the room, only the
    facilitator may read it.
    """
    state, attendance, log = service().history(workshop_id)
    person = state.participants.get(reader)
    if state.texts_hidden and (person is None or person.role != "facilitator"):
        raise Conflict("the proposals' texts are hidden until the facilitator reveals them")
    return minutes.build(state, attendance, log)


@blueprint.get("/api/sessions/<workshop_id>/chain")
def session_chain(workshop_id: str) -> Response:
    """The session's goal chain file, YAML by default."""
    person_in(workshop_id)
    fmt = request.args.get("format", "yaml")
    if fmt not in CHAIN_TYPES:
        raise InvalidInput(f"format must be yaml or json, got {shown(fmt)}")
    chain = service().state(workshop_id).chain
    body = chainfile.dumps_json(chain) if fmt == "json" else chainfile.dumps(chain)
    return download(body, CHAIN_TYPES[fmt], workshop_id, f"goalchain.{fmt}")


@blueprint.get("/api/sessions/<workshop_id>/minutes")
def session_minutes(workshop_id: str) -> Response:
    """The minutes as Markdown (the default), printable HTML or JSON."""
    reader = person_in(workshop_id)
    fmt = minutes.check_format(request.args.get("format", "md"))
    text = minutes.render(record(workshop_id, reader), fmt)
    response = download(text, MINUTES_TYPES[fmt], workshop_id, f"minutes.{fmt}")
    if fmt == "html":  # the page's one <style> block is allowed by its hash, nothing else
        response.headers["Content-Security-Policy"] = minutes.content_security_policy()
    return response


@blueprint.get("/api/sessions/<workshop_id>/votes.csv")
def session_votes(workshop_id: str) -> Response:
    """Every vote that may be shown, one row each."""
    votes = minutes.votes_csv(record(workshop_id, person_in(workshop_id)))
    return download(votes, "text/csv", workshop_id, "votes.csv")
