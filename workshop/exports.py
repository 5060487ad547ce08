"""The minutes and the votes CSV over HTTP: thin shells over the service and `minutes`."""

from __future__ import annotations

from flask import Blueprint, Response, request

from workshop import minutes
from workshop.web import service

blueprint = Blueprint("exports", __name__)

MEDIA_TYPES = {"md": "text/markdown", "html": "text/html", "json": "application/json"}


def record(workshop_id: str) -> dict:
    """The minutes record of a session, from a fresh replay of its log (404 if unknown)."""
    return minutes.build(*service().history(workshop_id))


@blueprint.get("/api/sessions/<workshop_id>/minutes")
def session_minutes(workshop_id: str) -> Response:
    """The minutes as Markdown (the default), printable HTML or JSON."""
    fmt = minutes.check_format(request.args.get("format", "md"))  # 400 before any lookup
    response = Response(minutes.render(record(workshop_id), fmt), mimetype=MEDIA_TYPES[fmt])
    if fmt == "html":  # the page's one <style> block is allowed by its hash, nothing else
        response.headers["Content-Security-Policy"] = minutes.content_security_policy()
    return response


@blueprint.get("/api/sessions/<workshop_id>/votes.csv")
def session_votes(workshop_id: str) -> Response:
    """Every vote that may be shown, one row each."""
    return Response(minutes.votes_csv(record(workshop_id)), mimetype="text/csv")
