"""Pure ASGI middleware: pre-session cookie, JSON-only API bodies, Origin checks, security
headers (on every response, refusals included).

CSRF tokens are derived from the session (portal/sessions.py): a visitor without a session
gets a random pre-session id cookie (``psid``) to bind the token of the login and sign-up
forms to. That cookie is only set on a non-cacheable response that issued a token; no cookie
at all is ever sent on a response a shared cache may keep (Cache-Control public, s-maxage or
immutable) or on static files.
"""

from __future__ import annotations

import json
import re
import secrets
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.headers import is_cacheable, security_headers
from portal.sessions import CSRF_ISSUED, PRE_SESSION_COOKIE, PRE_SESSION_SCOPE, SESSION_COOKIE

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# The one raw-file body the API takes: a court document, PUT as application/pdf (a type no
# cross-site form can send, so it needs no CSRF token, like JSON).
RAW_PDF = re.compile(r"^/api/lots/\d+/documents/[a-z]+$")
STATIC_PREFIXES = ("/static/", "/media/", "/panoramas/", "/hls/")


def same_origin(headers: Headers) -> bool:
    origin = headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc.lower() == headers.get("host", "").lower()


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"), *security_headers()]})
    await send({"type": "http.response.body", "body": body})


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, secure_cookies: bool = False) -> None:
        self.app = app
        self.secure = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal:
            await _send_error(send, *refusal)
            return
        cookies = {name: _cookie(headers, name) for name in (SESSION_COOKIE, PRE_SESSION_COOKIE)}
        new_psid = None
        if not cookies[SESSION_COOKIE] and not cookies[PRE_SESSION_COOKIE]:
            new_psid = secrets.token_urlsafe(32)
            scope[PRE_SESSION_SCOPE] = new_psid
        static = scope["path"].startswith(STATIC_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(raw=list(message.get("headers", [])))
                if static or is_cacheable(out.get("cache-control", "")):
                    del out["set-cookie"]  # a shared cache would hand it to everyone
                elif new_psid and scope.get(CSRF_ISSUED):
                    cookie = f"{PRE_SESSION_COOKIE}={new_psid}; Path=/; HttpOnly; SameSite=Lax"
                    out.append("set-cookie", cookie + ("; Secure" if self.secure else ""))
                message["headers"] = out.raw + security_headers()
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _refusal(scope: Scope, headers: Headers) -> tuple[int, str, str] | None:
        path: str = scope["path"]
        if scope["method"] not in UNSAFE or not path.startswith("/api/"):
            return None
        if not same_origin(headers):
            return 403, "bad_origin", "Cross-origin requests are not accepted"
        has_body = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        needs_json = has_body or scope["method"] in {"POST", "PUT", "PATCH"}
        if ctype == "application/pdf" and scope["method"] == "PUT" and RAW_PDF.match(path):
            return None
        if needs_json and ctype != "application/json":
            if scope["method"] == "DELETE" and not has_body:
                return None
            return 415, "unsupported_media_type", "The API accepts only application/json bodies"
        return None


def _cookie(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None
