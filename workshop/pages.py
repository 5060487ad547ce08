"""The HTML pages: home, facilitator console, join page, participant view and room screen.

The pages are static shells; their scripts talk to the JSON API and the Socket.IO
endpoint. Every HTML answer carries a strict Content-Security-Policy.
"""

from __future__ import annotations

import io
import re

import segno
from flask import (
    Blueprint,
    Response,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from workshop.domain.errors import Forbidden, NotFound
from workshop.domain.text import shown
from workshop.domain.views import SCREEN, sees_all
from workshop.web import external_url, guessing, person_in, service

blueprint = Blueprint("pages", __name__)

# A Host header is echoed into the policy only if it looks like a host, so a forged
# header cannot add directives.
HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def content_security_policy(host: str) -> str:
    """No inline script or style, no framing; sockets only to this server."""
    sockets = f" ws://{host} wss://{host}" if HOST.match(host) else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "font-src 'self'",
            f"connect-src 'self'{sockets}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


@blueprint.after_app_request
def security_headers(response: Response) -> Response:
    """Every HTML page gets the policy, unless its view set a stricter one of its own."""
    if response.mimetype == "text/html":
        response.headers.setdefault(
            "Content-Security-Policy", content_security_policy(request.host)
        )
        response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


@blueprint.get("/")
def home() -> str:
    """Create a session, or join one with a code."""
    return render_template("home.html")


@blueprint.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for it whatever the page says."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@blueprint.get("/s/<workshop_id>/facilitator")
def facilitator_page(workshop_id: str) -> str:
    """The facilitator console; the token travels in the link's fragment."""
    return render_template("console.html", workshop_id=workshop_id)


@blueprint.get("/s/<workshop_id>/join")
def join_page(workshop_id: str) -> str:
    """Name and role, then the participant view."""
    return render_template("join.html", workshop_id=workshop_id, code=request.args.get("code", ""))


@blueprint.get("/s/<workshop_id>/screen")
def screen_page(workshop_id: str) -> str:
    """The room screen for a projector; its read-only token travels in the fragment."""
    return render_template("screen.html", workshop_id=workshop_id)


@blueprint.get("/s/<workshop_id>")
def participant_page(workshop_id: str) -> str:
    """The participant view; the token stays in the browser."""
    return render_template("participant.html", workshop_id=workshop_id)


def _join_code(workshop_id: str) -> str:
    with service().store.reading():
        row = service().store.workshop(workshop_id)
    if row is None:
        raise NotFound(f"session {shown(workshop_id)} does not exist")
    return row["join_code"]


def _join_url(workshop_id: str, code: str) -> str:
    return external_url("pages.join_page", workshop_id=workshop_id, code=code)


@blueprint.get("/s/<workshop_id>/invite")
def invite(workshop_id: str) -> Response:
    """The join code and link for the console, with its room screen link; the room screen
    gets the code and link alone."""
    viewer = person_in(workshop_id, screen=True)
    code = _join_code(workshop_id)
    answer = {"join_code": code, "join": _join_url(workshop_id, code)}
    if viewer == SCREEN:
        return jsonify(answer)
    if not sees_all(service().state(workshop_id), viewer):
        raise Forbidden("only the facilitator sees the invitation")
    screen = url_for("pages.screen_page", workshop_id=workshop_id, _external=True)
    answer["screen"] = f"{screen}#token={service().screen_token(workshop_id)}"
    return jsonify(answer)


@blueprint.get("/s/<workshop_id>/qr.svg")
def join_qr(workshop_id: str) -> Response:
    """The join link as a QR code; it needs the code, so it gives nothing away."""
    code = request.args.get("code", "").strip().upper()
    with guessing():  # the QR answer tells a right code from a wrong one: a guess too
        if code != _join_code(workshop_id):
            raise Forbidden("wrong join code for this session", code="wrong_join_code")
    buffer = io.BytesIO()
    segno.make(_join_url(workshop_id, code), error="m").save(
        buffer, kind="svg", scale=6, border=2, xmldecl=False, title="Join link"
    )
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
