"""Jinja2 environment (autoescaped) and a render() that every page uses."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from core.money import format_yuan as yuan
from core.money import yuan_to_fen
from core.timefmt import iso_to_ms, ms_to_iso, ms_to_local, ms_to_local_input
from portal.headers import STATIC_DIR, importmap_text
from portal.i18n import catalogue, request_lang, translate
from portal.services import services
from portal.sessions import csrf_token
from portal.static_files import versioned

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("portal", "templates"),
    autoescape=True, trim_blocks=True, lstrip_blocks=True,
    undefined=jinja2.ChainableUndefined,
)


def wan(fen: int | None) -> str:
    """Large amounts in 万元 for cards: 1015000.00 yuan -> 101.5."""
    if fen is None:
        return "—"
    return f"{fen / 1_000_000:,.2f}".rstrip("0").rstrip(".")


def yuan_text(value: str | None) -> str:
    """An API amount ("690000.00") in display form (¥690,000.00)."""
    return yuan(yuan_to_fen(value)) if value else "—"


def local_iso(value: str | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """An API time (ISO UTC) in Beijing time for a page."""
    return ms_to_local(iso_to_ms(value), fmt) if value else "—"


_env.filters.update(yuan=yuan, yuan_text=yuan_text, wan=wan, local=ms_to_local, iso=ms_to_iso,
                    local_iso=local_iso,
                    local_input=ms_to_local_input, tojson_attr=lambda v: json.dumps(v))
_env.globals.update(importmap=importmap_text,  # its hash is in the CSP (portal/headers.py)
                    static=partial(versioned, STATIC_DIR))


def explain(lang: str, code: str, message: str) -> str:
    """A refusal in the page's language: the catalogue's err_<code>, else the message."""
    return catalogue(lang).get(f"err_{code}") or message


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    lang = request_lang(request)
    settings = services(request).settings
    ctx = {
        "request": request, "lang": lang, "t": partial(translate, lang),
        "explain": partial(explain, lang),
        "user": getattr(request.state, "user", None), "csrf_token": csrf_token(request),
        "sandbox": settings.sandbox, "path": request.url.path,
    }
    ctx.update(context or {})
    html = _env.get_template(name).render(ctx)
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") == lang:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax")
    return response
