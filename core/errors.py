"""One small exception family carrying an HTTP status and an error code.

Engines raise these; the web layer (portal/error_handlers.py) turns them into a JSON error
body on the API or a readable page."""

from __future__ import annotations

from typing import Any


class PortalError(Exception):
    status = 400
    code = "bad_request"
    headers: dict[str, str] | None = None  # extra response headers (Retry-After, ...)

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


class BadRequest(PortalError):
    status, code = 400, "bad_request"


class Unauthenticated(PortalError):
    status, code = 401, "not_logged_in"


class Forbidden(PortalError):
    status, code = 403, "forbidden"


class NotFound(PortalError):
    status, code = 404, "not_found"


class Conflict(PortalError):
    status, code = 409, "conflict"


class Invalid(PortalError):
    status, code = 422, "invalid"


class TooLarge(PortalError):
    status, code = 413, "too_large"
