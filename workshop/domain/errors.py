"""Errors with a stable code, so every channel (socket ack, HTTP, CLI) can answer alike."""


class WorkshopError(Exception):
    """A refused request: `code` is stable for clients, `message` names the field and value."""

    code = "invalid_input"
    status = 400

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


class InvalidInput(WorkshopError):
    """The request is malformed: wrong type, missing field, oversize, unknown value."""

    code = "invalid_input"
    status = 400


class Unauthorized(WorkshopError):
    """No token, or a token that belongs to nobody."""

    code = "unauthorized"
    status = 401


class Forbidden(WorkshopError):
    """The person is known but their role may not do this."""

    code = "forbidden"
    status = 403


class NotFound(WorkshopError):
    """The session, proposal, ballot or participant named does not exist."""

    code = "not_found"
    status = 404


class Conflict(WorkshopError):
    """The request is well formed but the session is not in a state that allows it."""

    code = "conflict"
    status = 409


class Unavailable(WorkshopError):
    """The server could not read or write its database (disk full, I/O error): not the
    client's fault, nothing was applied, and retrying the same cid later is safe."""

    code = "unavailable"
    status = 503
