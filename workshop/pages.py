"""The HTML pages: home, facilitator console, join page and participant view."""

from __future__ import annotations

from flask import Blueprint, render_template, request

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def home() -> str:
    """Create a session, or join one with a code."""
    return render_template("home.html")


@blueprint.get("/s/<workshop_id>/facilitator")
def facilitator_page(workshop_id: str) -> str:
    """The facilitator console; the token travels in the link's fragment."""
    return render_template("console.html", workshop_id=workshop_id)


@blueprint.get("/s/<workshop_id>/join")
def join_page(workshop_id: str) -> str:
    """Name and role, then the participant view."""
    return render_template("join.html", workshop_id=workshop_id, code=request.args.get("code", ""))


@blueprint.get("/s/<workshop_id>")
def participant_page(workshop_id: str) -> str:
    """The participant view; the token stays in the browser."""
    return render_template("participant.html", workshop_id=workshop_id)
