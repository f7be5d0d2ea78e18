"""One small exception family carrying an HTTP status and an error code, and one handler."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response


class PortalError(Exception):
    status = 400
    code = "bad_request"

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


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.startswith("/ingest/")


async def handle_portal_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PortalError)
    if wants_json(request):
        return JSONResponse(exc.body(), status_code=exc.status)
    if exc.status == 401:  # a page (or form post) that needs a login
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    from portal.templating import render  # local import: templating imports settings

    return render(request, "error.html", {"error": exc}, status_code=exc.status)


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    status = int(getattr(exc, "status_code", 500))
    detail = str(getattr(exc, "detail", "") or "")
    codes = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}
    error = PortalError(detail or "Request failed", code=codes.get(status, "http_error"),
                        status=status)
    return await handle_portal_error(request, error)


async def handle_bidding_error(request: Request, exc: Exception) -> Response:
    """Engine exceptions (lot missing, locked, closed) as portal errors."""
    from bidding import errors as be

    mapping: dict[type, tuple[int, str]] = {
        be.LotNotFound: (404, "lot_not_found"), be.LotLocked: (409, "lot_locked"),
        be.LotClosed: (409, "closed"), be.UnknownBidder: (404, "not_registered")}
    status, code = next((v for k, v in mapping.items() if isinstance(exc, k)), (409, "conflict"))
    return await handle_portal_error(request, PortalError(str(exc), code=code, status=status))
