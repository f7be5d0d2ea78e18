"""The fan-out benchmark's baseline: the portal with a naive event websocket.

One hub subscription per socket and one websocket frame per message, as the lot websocket
does, instead of the production room fan-out (one subscription per room and process, one
batched frame per tick). Benchmark-only; bench/fanout.py serves it with

    python -m uvicorn bench.naive_fanout:create_app --factory ...
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from starlette.applications import Starlette  # noqa: E402
from starlette.routing import WebSocketRoute  # noqa: E402
from starlette.websockets import WebSocket, WebSocketDisconnect  # noqa: E402

from livestream import keys  # noqa: E402
from livestream.fanout import Client  # noqa: E402
from portal import app as portal_app  # noqa: E402
from portal.event_socket import accept_client, reader, snapshot  # noqa: E402
from portal.services import services  # noqa: E402

EVENT_SOCKET = "/ws/events/{event_id:int}"


def create_app() -> Starlette:
    """The portal, its event websocket route replaced by the naive one."""
    app = portal_app.create_app()
    app.router.routes = [WebSocketRoute(EVENT_SOCKET, naive_socket)
                         if getattr(route, "path", None) == EVENT_SOCKET else route
                         for route in app.router.routes]
    return app


async def naive_socket(websocket: WebSocket) -> None:
    opened = await accept_client(websocket)
    if opened is None:
        return
    event, client, venue_ids = opened
    try:
        await naive_session(websocket, services(websocket), event, client, venue_ids)
    except* (WebSocketDisconnect, ConnectionError, RuntimeError):
        pass


async def naive_session(websocket: WebSocket, app: Any, event: dict[str, Any], client: Client,
                        venue_ids: set[int]) -> None:
    """One hub subscription per socket and one websocket frame per message."""
    async with app.hub.subscribe(keys.channel(event["id"])) as sub:
        async def write() -> None:
            await websocket.send_text(await snapshot(app, event, client))
            while True:
                kind, payload = await sub.queue.get()
                if kind == "event":
                    for text in payload[1]:
                        await websocket.send_text(text)

        async with asyncio.TaskGroup() as tg:
            tg.create_task(reader(websocket, app, event, client, venue_ids))
            tg.create_task(write())
