"""Pure ASGI middleware: CSRF cookie, JSON-only API bodies, Origin checks, security headers."""

from __future__ import annotations

import json
import re
import secrets
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.sessions import CSRF_COOKIE

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# The one raw-file body the API takes: a court document, PUT as application/pdf (a type no
# cross-site form can send, so it needs no CSRF token, like JSON).
RAW_PDF = re.compile(r"^/api/lots/\d+/documents/[a-z]+$")
CSP = ("default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: https:; "
       "connect-src 'self' ws: wss: https:; script-src 'self' 'unsafe-inline'; "
       "style-src 'self' 'unsafe-inline'; worker-src 'self' blob:; frame-ancestors 'none'")


def same_origin(headers: Headers) -> bool:
    origin = headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc.lower() == headers.get("host", "").lower()


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
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
        token = _cookie(headers, CSRF_COOKIE)
        new_token = None if token and len(token) == 43 else secrets.token_urlsafe(32)
        scope["csrf_token"] = new_token or token

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"same-origin"),
                         (b"x-frame-options", b"DENY"),
                         (b"content-security-policy", CSP.encode())]
                if new_token:
                    cookie = f"{CSRF_COOKIE}={new_token}; Path=/; HttpOnly; SameSite=Lax"
                    extra.append((b"set-cookie", (cookie + ("; Secure" if self.secure else ""))
                                  .encode()))
                message["headers"] = list(message.get("headers", [])) + extra
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
