"""Pages behind a personal link (`/v/<token>`): vote and comment without JavaScript.

Plain HTML forms, so a phone with a flaky connection works; each form carries a CSRF
token bound to the link, and a cid so a double submit counts once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from workshop import timezones
from workshop.chainfile import metric_text
from workshop.domain import anonymity, plain
from workshop.domain import chain as chains
from workshop.domain.errors import InvalidInput, WorkshopError
from workshop.domain.rules.ballot import CHOICES
from workshop.domain.state import Ballot, Proposal, WorkshopState
from workshop.domain.text import shown
from workshop.domain.voting import vote_rule
from workshop.minutes.record import revisions
from workshop.minutes.times import seconds
from workshop.minutes.votes_csv import vote_text
from workshop.web import service

blueprint = Blueprint("links", __name__)


@blueprint.after_request
def no_store(response: Response) -> Response:
    """A personal page holds its link and the person's vote: no cache, shared or not, keeps it."""
    response.headers["Cache-Control"] = "no-store"
    return response


def csrf_token(token: str) -> str:
    return hmac.new(service().secret().encode(), token.encode(), hashlib.sha256).hexdigest()


def check_csrf(token: str) -> None:
    if not hmac.compare_digest(request.form.get("csrf", ""), csrf_token(token)):
        raise InvalidInput(
            "the form is out of date: reload the page and send it again", code="csrf"
        )


# The answers the personal link's form offers: the rules' own, but unanimity's without
# abstain (not agreeing is disagreeing there).
FORM_CHOICES = {**CHOICES, "unanimity": ("agree", "disagree")}


def vote_from_form(ballot: Ballot, form: Mapping[str, str]) -> dict:
    """The vote a plain form describes, in the ballot record's shape. A form sent blank is
    refused, not counted as a vote (it would close a ballot whose last vote it was); its
    refusals name the options by title, as the page shows them."""
    rule, options = vote_rule(ballot.rule, ballot.settings), ballot.options
    title = {o: f"“{ballot.titles.get(o, o)}”" for o in options}
    vote: dict = {}
    if rule in FORM_CHOICES:
        offered = FORM_CHOICES[rule]
        if form.get("choice") not in offered:  # blank, or an answer the form does not offer
            words = [plain.CHOICE_NAMES[c] for c in offered]
            answers = f"{', '.join(words[:-1])} or {words[-1]}"
            raise InvalidInput(f"choose one answer before sending the vote: {answers}")
        vote["choice"] = form["choice"]
    elif rule == "fist_of_five":
        vote["value"] = _whole(form.get("value", ""), "fingers", 0, 5)
    elif rule == "dot":
        dots = {o: _whole(form.get(f"dots-{o}") or "0", f"dots on {title[o]}") for o in options}
        vote["dots"] = {o: n for o, n in dots.items() if n}
        if not vote["dots"]:
            raise InvalidInput("place at least one dot before sending the vote")
    elif rule == "ranked":
        ranks = {
            o: _whole(form[f"rank-{o}"], f"the place of {title[o]}", 1, len(options))
            for o in options
            if form.get(f"rank-{o}")
        }
        if not ranks:
            raise InvalidInput("give at least one option a place (1 for your first choice)")
        vote["ranking"] = sorted(ranks, key=lambda o: ranks[o])
        if len(set(ranks.values())) != len(ranks):
            raise InvalidInput("give each option its own place (1, 2, 3 ...)")
    if form.get("reason", "").strip():
        vote["reason"] = form["reason"]
    return vote


def _whole(text: str, what: str, least: int = 0, most: int | None = None) -> int:
    """A whole number from a form field, in its range, or a refusal saying which."""
    try:
        number = int(text)
    except ValueError:
        raise InvalidInput(f"{what}: give a whole number, not {shown(text)}") from None
    if number < least or (most is not None and number > most):
        bounds = f"{least} to {most}" if most is not None else f"{least} or more"
        raise InvalidInput(f"{what}: give a number from {bounds}, not {number}")
    return number


def page(
    token: str,
    message: str | None = None,
    error: WorkshopError | None = None,
    failed: str | None = None,
    status: int = 200,
):
    """The remote page: my ballots and the drafts shared with me. After a refused form, the
    form `failed` (a ballot or draft id) keeps what the person entered, with the error."""
    workshop_id, me, expires = service().link_reader(token)
    expired = expires is not None and expires < service().clock()
    state = service().state(workshop_id)
    ballots = [b for b in state.ballots.values() if me in b.electorate]
    with service().store.reading():
        keys = service().store.ballot_keys(workshop_id)
    filed = {b.id: anonymity.known_voter(b, me, keys) for b in ballots}
    my_votes = {b.id: b.votes[filed[b.id]] for b in ballots if filed[b.id] in b.votes}
    drafts = [p for p in state.proposals.values() if me in p.reviewers]
    zone = state.time_zone
    if failed not in {b.id for b in ballots} | {d.id for d in drafts}:
        failed = None  # a form for nothing on this page: its refusal goes at the top
    form = request.form if failed else None
    context = {
        "token": token,
        "expired": expired,
        "expires": expires,
        "state": state,
        "me": state.participants[me],
        "ballots": ballots,
        "my_votes": my_votes,
        "anonymity": anonymity.PROMISE,
        "drafts": drafts,
        "csrf": csrf_token(token),
        "cid": secrets.token_hex(8),
        "message": message,
        "error": _titled(state, error.message) if error else None,
        "failed": failed,
        "kept_comment": form.get("text", "") if form is not None else "",
        "vote_rule": vote_rule,
        "form_choices": FORM_CHOICES,
        "plain": plain,
        "option": lambda pid: _option(state, pid),
        "entered": lambda ballot: _entered(
            ballot, my_votes.get(ballot.id, {}), form if failed == ballot.id else None
        ),
        "outcome": lambda ballot: _outcome(state, ballot),
        "revisions": lambda draft: _revisions(state, draft),
        "my_vote": lambda ballot: vote_text(
            my_votes[ballot.id], lambda pid: f"“{plain.title_of(state, pid)}”"
        ),
        "my_comments": lambda draft: _my_comments(state, draft, me),
        "when": lambda at: timezones.moment(at, zone),
        "machine_time": lambda at: timezones.machine(at, zone),
    }
    return render_template("remote.html", **context), status


_PROPOSAL_ID = re.compile(r"'(pr\d+)'|\b(pr\d+)\b")


def _titled(state: WorkshopState, message: str) -> str:
    """A refusal with the proposals it names by id ("dots on 'pr6'") named by title, as this
    page shows them."""

    def title(found: re.Match) -> str:
        pid = found.group(1) or found.group(2)
        return f"“{plain.title_of(state, pid)}”" if pid in state.proposals else found.group()

    return _PROPOSAL_ID.sub(title, message)


def _option(state: WorkshopState, proposal_id: str) -> dict:
    """What a voter needs to know about one option: not only its title."""
    p = state.proposals[proposal_id]
    return {
        "id": p.id,
        "title": p.title,
        "level": plain.LEVEL_NAMES.get(p.level, p.level),
        "description": p.description,
        "parents": [plain.title_of(state, parent) for parent in p.parents],
        "metrics": [
            metric_text(chains.metric_from_dict(m)).removeprefix("metric ") for m in p.metrics
        ],
        "due": p.due,
    }


def _entered(ballot: Ballot, mine: dict, form: Mapping[str, str] | None) -> dict:
    """What the form shows: what was just sent and refused, else my vote so far (`mine`)."""
    if form is not None:
        return {
            "choice": form.get("choice"),
            "value": form.get("value"),
            "dots": {o: form.get(f"dots-{o}", "") for o in ballot.options},
            "ranks": {o: form.get(f"rank-{o}", "") for o in ballot.options},
            "reason": form.get("reason", ""),
        }
    ranking = list(mine.get("ranking", []))
    return {
        "choice": mine.get("choice"),
        "value": str(mine["value"]) if "value" in mine else None,
        "dots": {o: str(mine.get("dots", {}).get(o, 0)) for o in ballot.options},
        "ranks": {o: str(ranking.index(o) + 1) if o in ranking else "" for o in ballot.options},
        "reason": mine.get("reason", ""),
    }


def _revisions(state: WorkshopState, draft: Proposal) -> list[str]:
    """What each revision of a shared draft changed, in order: a reviewer sees what became of
    the text they commented on ("Revision 2, Friday 15 January 2027, 14:30 CET: title was
    “…”")."""
    lines = []
    for number, revision in enumerate(revisions(draft), 2):
        said = [
            f"{plain.FIELD_NAMES.get(name, name)} was “{change['before']}”"
            if name in ("title", "description", "due", "owner") and change["before"]
            else f"{plain.FIELD_NAMES.get(name, name)} changed"
            for name, change in revision["changes"].items()
        ]
        when = timezones.moment(seconds(revision["at"]), state.time_zone)
        lines.append(f"Revision {number}, {when}: {'; '.join(said) or 'no change'}")
    return lines


def _my_comments(state: WorkshopState, draft: Proposal, me: str) -> list[dict]:
    """My comments on a draft, each with when and on which revision it was made."""
    return [
        {
            "text": note["text"],
            "said": f"on revision {1 + sum(r['at'] <= note['at'] for r in draft.revisions)},"
            f" {timezones.moment(note['at'], state.time_zone)}",
        }
        for note in draft.comments
        if note["by"] == me
    ]


def _outcome(state: WorkshopState, ballot: Ballot) -> str:
    """The result in one sentence that names the proposal by its title; no verdict while a
    ruling or the decider's decision is still due (PRODUCT §4)."""
    result = ballot.result or {}
    title = f"“{plain.title_of(state, ballot.options[0])}”"
    if ballot.rule == "decider" and ballot.decision is None:
        return "The advice is in; the decider has not decided yet."
    if result.get("awaiting_ruling"):
        return "No verdict yet: awaiting the facilitator's ruling on an objection."
    if any(ruling.get("stands") for ruling in ballot.rulings.values()):
        return f"An objection stands: {title} goes back to its author to amend."
    chosen = (ballot.decision or {}).get("winner")
    if chosen:
        return f"“{plain.title_of(state, chosen)}” goes forward, chosen by the decider."
    if result.get("passed") is not None:
        return f"{title} {'passed' if result['passed'] else 'did not pass'}."
    if result.get("winner"):
        return f"“{plain.title_of(state, result['winner'])}” came first."
    return "No single option came first: the facilitator decides what goes forward."


@blueprint.get("/v/<token>")
def remote_page(token: str):
    """Ballots and drafts for one remote person."""
    try:
        done = request.args.get("done")
        return page(
            token,
            message={"vote": "Your vote is recorded.", "comment": "Your comment is recorded."}.get(
                done or ""
            ),
        )
    except WorkshopError as error:
        return _refused(error)


def _refused(error: WorkshopError):
    status = 410 if error.code == "expired" else error.status
    return render_template("remote_closed.html", error=error), status


def _act(token: str, command: str, payload: dict, done: str, form: str) -> Response | tuple:
    try:
        workshop_id, me = service().authenticate(token)
    except WorkshopError as error:
        return _late(token, error, form)
    try:
        check_csrf(token)
        service().execute(workshop_id, me, command, payload, request.form.get("cid"))
    except WorkshopError as error:
        return page(token, error=error, failed=form, status=error.status)
    anchor = f"{'ballot' if done == 'vote' else 'draft'}-{form}"  # back to the card sent
    return redirect(url_for("links.remote_page", token=token, done=done, _anchor=anchor), code=303)


def _late(token: str, error: WorkshopError, form: str) -> Response | tuple:
    """A form sent past the link's deadline: the page as it reads now (the outcome, for a
    week), the refusal on the card, and what was typed; past that week, the bare refusal."""
    if error.code != "expired":
        return _refused(error)
    try:
        return page(token, error=error, failed=form, status=410)
    except WorkshopError:
        return _refused(error)


@blueprint.post("/v/<token>/ballots/<ballot_id>")
def remote_vote(token: str, ballot_id: str):
    """Cast or change a vote from the plain form."""
    try:
        workshop_id, _me = service().authenticate(token)
        ballot = service().state(workshop_id).ballots.get(ballot_id)
        if ballot is None:
            raise InvalidInput(f"ballot {shown(ballot_id)} does not exist")
        vote = vote_from_form(ballot, request.form)
    except WorkshopError as error:
        if error.code in ("expired", "unauthorized"):
            return _late(token, error, ballot_id)
        return page(token, error=error, failed=ballot_id, status=error.status)
    return _act(token, "cast_vote", {"ballot_id": ballot_id, "vote": vote}, "vote", ballot_id)


@blueprint.post("/v/<token>/proposals/<proposal_id>/comments")
def remote_comment(token: str, proposal_id: str):
    """Comment on a draft shared with me."""
    payload = {"proposal_id": proposal_id, "text": request.form.get("text", "")}
    return _act(token, "comment", payload, "comment", proposal_id)
