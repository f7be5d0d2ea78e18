"""Input of HTML forms: reading a CSRF-checked form, amount fields, the redirect after a post."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse

from core.money import parse_amount
from portal.sessions import check_csrf


async def read_form(request: Request, **limits: Any) -> FormData:
    form = await request.form(max_files=limits.get("max_files", 0),
                              max_fields=limits.get("max_fields", 100),
                              max_part_size=limits.get("max_part_size", 1024 * 1024))
    check_csrf(request, form.get("csrf_token"))
    return form


def redirect(url: str) -> RedirectResponse:
    """See other (303): where a form post sends the browser."""
    return RedirectResponse(url, status_code=303)


def fen_field(value: Any, field: str) -> int:
    """An amount of yuan (form or JSON field) in fen; Invalid naming the field otherwise
    (422 ``amount_too_large`` beyond the maximum)."""
    return parse_amount(value, field)
