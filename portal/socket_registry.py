"""Which websockets of this process belong to which session and user, so logging out (or a
password change) closes them on every worker.

`end_session` publishes ``{"sid": <hash of the session id>}`` (a password change
``{"user": <user id>}``) on ``keys.SESSIONS_CLOSED``; every worker's registry hears it through
the pub/sub hub and closes its matching sockets with 1008 (policy violation). Raw session ids
never travel: only their SHA-256.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as aioredis
from starlette.websockets import WebSocket

from bidding.hub import Hub, Item
from core.names import user_id
from portal import keys

log = logging.getLogger(__name__)
POLICY_VIOLATION = 1008


def session_hash(sid: str) -> str:
    return hashlib.sha256(f"session|{sid}".encode()).hexdigest()


async def publish_closed(redis: aioredis.Redis, *, sid: str | None = None,
                         username: str | None = None) -> None:
    """Ask every worker to close the sockets of a session (logout) or of a user."""
    message = {"sid": session_hash(sid)} if sid else {"user": user_id(username or "")}
    await redis.publish(keys.SESSIONS_CLOSED, json.dumps(message))


class SocketRegistry:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.by_key: dict[str, set[WebSocket]] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self._stack = contextlib.AsyncExitStack()

    async def start(self) -> None:
        await self._stack.enter_async_context(self.hub.attach(keys.SESSIONS_CLOSED,
                                                              self._deliver))

    async def stop(self) -> None:
        await self._stack.aclose()

    @contextlib.asynccontextmanager
    async def track(self, websocket: WebSocket, sid: str | None,
                    username: str | None) -> AsyncIterator[None]:
        """Register a logged-in socket for the time inside (anonymous ones need nothing)."""
        names = [f"sid:{session_hash(sid)}", f"user:{user_id(username)}"] if sid and username \
            else []
        for name in names:
            self.by_key.setdefault(name, set()).add(websocket)
        try:
            yield
        finally:
            for name in names:
                sockets = self.by_key.get(name, set())
                sockets.discard(websocket)
                if not sockets:
                    self.by_key.pop(name, None)

    def _deliver(self, channel: str, item: Item) -> None:
        kind, payload = item
        if kind != "event":
            return
        for text in payload[1]:
            try:
                message: dict[str, Any] = json.loads(text)
            except ValueError:
                continue
            name = (f"sid:{message['sid']}" if "sid" in message
                    else f"user:{message.get('user', '')}")
            for websocket in list(self.by_key.get(name, ())):
                task = asyncio.create_task(self._close(websocket))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)

    @staticmethod
    async def _close(websocket: WebSocket) -> None:
        with contextlib.suppress(Exception):  # already closing or gone: nothing to do
            await websocket.close(code=POLICY_VIOLATION, reason="session ended")
