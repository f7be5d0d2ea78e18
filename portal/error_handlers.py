"""The exception handlers: core errors as a JSON error body on the API, a page elsewhere."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from bidding import errors as be
from core.errors import PortalError
from core.throttle import retry_after
from portal.headers import security_headers


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.startswith("/ingest/")


async def handle_portal_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PortalError)
    if wants_json(request):
        response: Response = JSONResponse(exc.body(), status_code=exc.status,
                                          headers=exc.headers)
    elif exc.status == 401:  # a page (or form post) that needs a login
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    else:
        from portal.templating import render  # local import: templating imports settings

        response = render(request, "error.html", {"error": exc}, status_code=exc.status)
        response.headers.update(exc.headers or {})
    add_retry_after(response, exc)
    return response


def add_retry_after(response: Response, exc: PortalError) -> None:
    """A refusal that says when to come back (429, 503) carries Retry-After."""
    wait_ms = exc.extra.get("retry_after_ms")
    if isinstance(wait_ms, int):
        response.headers["retry-after"] = str(retry_after(wait_ms / 1000))


async def handle_server_error(request: Request, exc: Exception) -> Response:
    """500: a JSON error or a plain page, with the security headers (this handler runs
    outside the security middleware)."""
    headers = {k.decode(): v.decode() for k, v in security_headers()}
    if wants_json(request):
        body = {"error": {"code": "internal_error", "message": "Internal server error"}}
        return JSONResponse(body, status_code=500, headers=headers)
    return PlainTextResponse("Internal server error", status_code=500, headers=headers)


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    status = int(getattr(exc, "status_code", 500))
    detail = str(getattr(exc, "detail", "") or "")
    codes = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}
    error = PortalError(detail or "Request failed", code=codes.get(status, "http_error"),
                        status=status)
    return await handle_portal_error(request, error)


async def handle_bidding_error(request: Request, exc: Exception) -> Response:
    """Engine exceptions (lot missing, locked, closed) as portal errors."""
    mapping: dict[type, tuple[int, str]] = {
        be.LotNotFound: (404, "lot_not_found"), be.LotLocked: (409, "lot_locked"),
        be.LotClosed: (409, "closed"), be.UnknownBidder: (404, "not_registered")}
    status, code = next((v for k, v in mapping.items() if isinstance(exc, k)), (409, "conflict"))
    return await handle_portal_error(request, PortalError(str(exc), code=code, status=status))
