"""Server-side sessions in Redis behind an opaque SameSite cookie; role checks; CSRF tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from core.errors import Forbidden, Unauthenticated
from portal import keys
from portal.services import services
from portal.socket_registry import publish_closed
from portal.users import User, Users

SESSION_COOKIE = "sid"
PRE_SESSION_COOKIE = "psid"
PRE_SESSION_SCOPE = "pre_session_id"  # a psid the middleware is about to set
CSRF_ISSUED = "csrf_issued"  # the response carries a token: the middleware may set the psid
SESSION_TTL = 7 * 24 * 3600


async def start_session(request: Request, response: Response, user: User) -> None:
    token = secrets.token_urlsafe(32)
    redis = services(request).redis
    await redis.set(keys.session(token), user.username, ex=SESSION_TTL)
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_TTL, httponly=True,
                        samesite="lax", secure=services(request).settings.cookie_secure)


async def end_session(request: Request, response: Response) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await services(request).redis.delete(keys.session(token))
        await publish_closed(services(request).redis, sid=token)  # its open websockets too
    response.delete_cookie(SESSION_COOKIE, samesite="lax")


async def current_user(conn: HTTPConnection) -> User | None:
    """The logged-in user or None; cached on the request."""
    if hasattr(conn.state, "user"):
        return conn.state.user  # type: ignore[no-any-return]
    user = None
    token = conn.cookies.get(SESSION_COOKIE)
    if token and len(token) < 100:
        username = await services(conn).redis.get(keys.session(token))
        if username:
            user = await _cached_user(services(conn).redis, str(username))
    conn.state.user = user
    return user


_USER_CACHE: dict[str, tuple[float, User]] = {}
USER_CACHE_SECONDS = 5.0


async def _cached_user(redis: object, username: str) -> User | None:
    """Account records change rarely; keep them a few seconds per process.

    The session itself is read from Redis on every request, so logging out takes effect at
    once; this saves one round trip on hot paths such as placing a bid.
    """
    now = time.monotonic()
    hit = _USER_CACHE.get(username)
    if hit and hit[0] > now:
        return hit[1]
    user = await Users(redis).get(username)  # type: ignore[arg-type]
    if user is not None:
        if len(_USER_CACHE) > 10_000:
            _USER_CACHE.clear()
        _USER_CACHE[username] = (now + USER_CACHE_SECONDS, user)
    return user


async def require_user(conn: HTTPConnection, *roles: str) -> User:
    user = await current_user(conn)
    if user is None:
        raise Unauthenticated("Please log in first")
    if roles and user.role not in roles:
        raise Forbidden(f"This needs the role: {' or '.join(roles)}", code="wrong_role")
    return user


def csrf_token(request: HTTPConnection) -> str:
    """The CSRF token of this browser, echoed in forms (and x-csrf-token on uploads).

    HMAC-SHA256 of the session id under the server's secret, so a token is good for one
    session only and cannot be planted from outside; before logging in, of the pre-session
    id cookie (set by portal/middleware.py on the response that issues the token).
    """
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        bound = f"sid|{sid}"
    else:
        psid = request.cookies.get(PRE_SESSION_COOKIE) or request.scope.get(PRE_SESSION_SCOPE)
        if not psid:
            return ""
        bound = f"psid|{psid}"
        request.scope[CSRF_ISSUED] = True
    secret = str(services(request).settings.secret_key).encode()
    digest = hmac.new(secret, f"csrf|{bound}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def check_csrf(request: Request, submitted: object) -> None:
    expected = csrf_token(request)
    if not expected or not isinstance(submitted, str) or not hmac.compare_digest(
        expected, submitted
    ):
        raise Forbidden("The form expired or came from another site; reload and try again",
                        code="csrf_failed")
