"""The exception handlers: core errors as a JSON error body on the API, a page elsewhere."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from bidding import errors as be
from core.errors import PortalError


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.startswith("/ingest/")


async def handle_portal_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PortalError)
    if wants_json(request):
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)
    if exc.status == 401:  # a page (or form post) that needs a login
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    from portal.templating import render  # local import: templating imports settings

    page = render(request, "error.html", {"error": exc}, status_code=exc.status)
    page.headers.update(exc.headers or {})
    return page


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
