"""The JSON API of API.md, plus state and command endpoints for socket-less clients."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from werkzeug import exceptions as http
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Request

from workshop.domain.errors import Forbidden, InvalidInput, NotFound, Unauthorized, WorkshopError
from workshop.domain.payload import check_depth, too_deep
from workshop.domain.text import shown, size_words
from workshop.domain.workshop import CLIENT_COMMANDS
from workshop.service import Service
from workshop.throttle import RateLimited, Throttle

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

blueprint = Blueprint("web", __name__)


def service() -> Service:
    return current_app.extensions["workshop"]


def error_response(code: str, message: str, status: int) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message}}), status


@blueprint.app_errorhandler(WorkshopError)
def workshop_error(error: WorkshopError) -> Response:
    """Every refusal answers the one error shape of API.md."""
    if error.status >= 500:  # the server's trouble (a full disk), not the client's
        current_app.logger.warning("%s %s: %s", request.method, request.path, error.message)
    return refusal(error)


def refusal(error: WorkshopError) -> Response:
    """The answer to a refused request, with `Retry-After` when it was too many; made
    without Flask's request context, for the WSGI layers around the app too."""
    response = Response(json.dumps({"error": error.as_dict()}), error.status)
    response.mimetype = "application/json"
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


PROBES = ("/healthz", "/readyz")  # asked for by address, not by name


def lower_host(url: str) -> str:
    """`url` with its host in lower case, as browsers send it (host names know no case): a
    public URL given as https://Workshop.Example.org refused every request they made."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.lower()).geturl()


class PublicHostOnly:
    """With --public-url, a request naming another host is refused `400 wrong_host` before
    anything else reads it: links never echo a forged Host header, and a page on another
    name (a DNS rebinding) cannot reach the server. Outermost, as a WSGI layer: Socket.IO's
    handshakes and websockets are answered before Flask, and its hooks never saw them."""

    def __init__(self, app: WSGIApplication, public_url: str) -> None:
        self.app, self.host = app, urlsplit(public_url).netloc

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        asked = Request(environ)
        if asked.host.lower() == self.host or asked.path in PROBES:  # names know no case
            return self.app(environ, start_response)
        error = InvalidInput(
            f"this server answers for {self.host}, not {shown(asked.host)}", code="wrong_host"
        )
        return refusal(error)(environ, start_response)


@blueprint.before_app_request
def known_origin() -> None:
    """With --public-url, a change sent by a page of another origin is refused: a page
    elsewhere cannot make people's browsers act; scripts send no Origin, and stay allowed.
    (Socket.IO checks the origin of its connections itself.)"""
    public = current_app.config["PUBLIC_URL"]
    origin = request.headers.get("Origin")
    changes = request.method not in ("GET", "HEAD", "OPTIONS")
    if public and changes and origin is not None and origin.lower() != public.lower():
        raise Forbidden(
            f"this server takes changes only from pages of {public}, not from {shown(origin)}",
            code="wrong_origin",
        )


def external_url(endpoint: str, **values: str) -> str:
    """A full link to a page: on the public URL when one is set, else on the request's host."""
    public = current_app.config["PUBLIC_URL"]
    if public:
        return public + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def throttle() -> Throttle:
    return current_app.extensions["workshop_throttle"]


@contextmanager
def guessing() -> Iterator[None]:
    """A join code tried from this address: refused while the address is over its limit,
    and counted when it turns out wrong (a right code never counts)."""
    address = request.remote_addr or ""
    throttle().check("CODE_GUESS_RATE", address)
    try:
        yield
    except (NotFound, Forbidden) as wrong:
        if wrong.code in ("not_found", "wrong_join_code"):
            throttle().count("CODE_GUESS_RATE", address)
        raise


def answers_json(path: str) -> bool:
    """The API and the health probes are read by scripts: their errors are JSON."""
    return path in ("/api", *PROBES) or path.startswith("/api/")


@blueprint.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[Response, int] | HTTPException:
    """The one error shape for scripts; pages keep their HTML. A wrong method or a body over
    the limit is never a person's page view, so it is JSON wherever it happens."""
    if not answers_json(request.path) and error.code not in (405, 413):
        return error
    code = (error.name or "error").lower().replace(" ", "_")
    message = error.description or code
    if isinstance(error, RequestEntityTooLarge):
        limit = size_words(current_app.config["MAX_CONTENT_LENGTH"])
        message = f"the request body is larger than {limit}, the most this server takes"
        message += " (the MAX_CONTENT_LENGTH setting)"
    elif isinstance(error, http.NotFound):  # Werkzeug's page text, for a script
        message = f"there is no {request.path} here: docs/protocol.md lists the calls"
    allowed = sorted(error.valid_methods or []) if isinstance(error, http.MethodNotAllowed) else []
    if allowed:
        message = f"{request.method} {request.path} is not answered here: use {', '.join(allowed)}"
    response, status = error_response(code, message, error.code or 500)
    if allowed:  # RFC 9110: a 405 says which methods are
        response.headers["Allow"] = ", ".join(allowed)
    return response, status


@blueprint.app_errorhandler(Exception)
def internal_error(error: Exception) -> tuple[Response, int]:
    if isinstance(error, RecursionError):  # its traceback runs to hundreds of kilobytes
        current_app.logger.error("request failed: %s %s: %r", request.method, request.path, error)
    else:
        current_app.logger.exception("request failed: %s %s", request.method, request.path)
    return error_response("internal", "internal error", 500)


def json_body() -> dict:
    # A body sent in chunks has no length to refuse it by: read, it stops at the limit, cut
    # short, which is then no JSON. Reaching the limit, it is too large, as with a length.
    data = request.get_data(cache=True)
    if request.content_length is None and len(data) >= current_app.config["MAX_CONTENT_LENGTH"]:
        raise RequestEntityTooLarge()
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # silent=True does not cover nesting deeper than Python recurses
        raise too_deep() from None
    if not isinstance(body, Mapping):
        raise InvalidInput("the request body must be a JSON object", code="invalid_json")
    check_depth(body)
    return dict(body)


def bearer() -> str:
    """The token of `Authorization: Bearer <token>`; the scheme in any case (RFC 7235)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send the token as 'Authorization: Bearer <token>'")
    return token.strip()


def person_in(workshop_id: str, screen: bool = False) -> str:
    """The participant a bearer token belongs to, who must be of this session; with
    `screen`, the room screen's token passes too, as the viewer SCREEN."""
    token_workshop, participant_id = service().authenticate(bearer(), screen)
    if token_workshop != workshop_id:
        raise Unauthorized("this token belongs to another session")
    return participant_id


def links(workshop_id: str, join_code: str, token: str) -> dict:
    facilitator = external_url("pages.facilitator_page", workshop_id=workshop_id)
    join = external_url("pages.join_page", workshop_id=workshop_id, code=join_code)
    return {"facilitator": f"{facilitator}#token={token}", "join": join}


@blueprint.post("/api/sessions")
def create_session() -> tuple[Response, int]:
    """Set up a session; the answer holds the private facilitator token and link."""
    throttle().take("CREATE_RATE", request.remote_addr or "")
    body = json_body()
    earlier = body.get("from_session")
    if isinstance(earlier, str):  # its chain is read as its download is: with its token
        try:
            person_in(earlier)
        except Unauthorized as error:
            raise Unauthorized(
                f"from_session: starting from another session's chain needs a token of that"
                f" session, as 'Authorization: Bearer <token>' ({error.message})",
                error.code,
            ) from None
    created = service().create(
        body.get("kind"),
        body.get("title"),
        body.get("product"),
        body.get("chain"),
        body.get("from_session"),
        body.get("facilitator_name"),
        body.get("time_zone"),
    )
    created["links"] = links(created["id"], created["join_code"], created["facilitator_token"])
    return jsonify(created), 201


@blueprint.post("/api/sessions/<workshop_id>/participants")
def join_session(workshop_id: str) -> tuple[Response, int]:
    """Join with the code, a name and a role the kind allows."""
    body = json_body()
    with guessing():
        joined = service().join(
            workshop_id, body.get("join_code"), body.get("name"), body.get("role")
        )
    return jsonify(joined), 201


@blueprint.get("/api/join/<code>")
def find_by_code(code: str) -> Response:
    """Which session a join code opens, so the join page can offer its roles."""
    with guessing():
        with service().store.reading():
            row = service().store.workshop_by_code(code.strip().upper())
        if row is None or service().state(row["id"]).phase == "close":
            raise NotFound(f"no open session has the join code {shown(code)}")
    from workshop.domain.agenda import JOINABLE_ROLES

    return jsonify(
        {
            "id": row["id"],
            "kind": row["kind"],
            "title": row["title"],
            "roles": list(JOINABLE_ROLES[row["kind"]]),
        }
    )


@blueprint.get("/api/sessions/<workshop_id>/state")
def session_state(workshop_id: str) -> Response:
    """The session as the token's holder may see it (for clients without a socket)."""
    return jsonify(service().snapshot(workshop_id, person_in(workshop_id)))


@blueprint.post("/api/sessions/<workshop_id>/commands/<name>")
def run_command(workshop_id: str, name: str) -> tuple[Response, int]:
    """Any socket command over plain HTTP, with the same cid idempotency and ack."""
    actor = person_in(workshop_id)
    throttle().take("COMMAND_RATE", f"{workshop_id}/{actor}")
    if name not in CLIENT_COMMANDS:  # the same answer as on the socket
        raise InvalidInput(f"unknown command {shown(name)}", code="unknown_command")
    body = json_body()
    cid = body.pop("cid", None)
    return jsonify(service().execute(workshop_id, actor, name, body, cid)), 200
