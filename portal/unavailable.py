"""Redis not serving -> 503 `unavailable` with Retry-After (a page for pages), not a 500.

While Redis is down, restarting or loading its AOF, every request that needs it fails the
same way; answering each with a traceback and a closed connection helped nobody. The handler
answers 503 `{"error": {"code": "unavailable", "message"}}` with `Retry-After` (a readable
page outside the API), keeps the connection, and logs one line when the outage starts and
one when a background probe finds Redis serving again. Websockets close with 1013 (try
again later); the client reconnects and resumes.
"""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketState

from core.errors import PortalError
from core.redis import unavailable
from portal import keys
from portal.error_handlers import handle_portal_error
from portal.services import services

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 2
PROBE_SECONDS = 0.5


class Unavailable(PortalError):
    status, code = 503, "unavailable"


class Outage:
    """Per process: when the current Redis outage began (None: none) and its probe."""

    since: float | None = None
    probe: asyncio.Task[None] | None = None


def note_outage(conn: HTTPConnection, exc: BaseException) -> None:
    if Outage.since is not None:
        return
    Outage.since = time.monotonic()
    log.error("Redis unavailable (%s: %s); answering 503 until it is back",
              type(exc).__name__, exc)
    Outage.probe = asyncio.get_running_loop().create_task(_probe(conn))


async def _probe(conn: HTTPConnection) -> None:
    redis = services(conn).redis
    while True:
        await asyncio.sleep(PROBE_SECONDS)
        try:
            await redis.set(keys.HEALTH_PROBE, "1", px=10_000)  # a write: MISCONF shows too
        except Exception:
            continue
        since, Outage.since, Outage.probe = Outage.since, None, None
        log.warning("Redis is serving again after %.1f s", time.monotonic() - (since or 0))
        return


async def handle_redis_error(conn: HTTPConnection, exc: Exception) -> Response | None:
    if not unavailable(exc):
        raise exc  # a bug, not an outage: the server error handler logs it
    note_outage(conn, exc)
    if isinstance(conn, WebSocket):
        if conn.application_state != WebSocketState.DISCONNECTED:
            try:
                await conn.close(code=1013)
            except RuntimeError:  # the socket is already closing
                pass
        return None
    assert isinstance(conn, Request)
    error = Unavailable("The service is briefly unavailable; try again in a few seconds",
                        retry_after=RETRY_AFTER_SECONDS)
    error.headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return await handle_portal_error(conn, error)
