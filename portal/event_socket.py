"""WS /ws/events/{event_id}: the live room of an event (snapshot, then fanned-out events; chat
and questions sent over the socket). The frames are described in portal/openapi.py (WS_DOC)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from typing import Any

from redis.exceptions import RedisError
from starlette.websockets import WebSocket, WebSocketDisconnect

from core.errors import PortalError
from core.timefmt import ms_to_iso
from livestream.events import on_air_of, timeline_view
from livestream.fanout import Client
from livestream.frames import RESYNC, wire
from livestream.publish import room_seqs
from portal import policy
from portal.event_views import ensure_open, event_id_param, full_view, viewer_ids
from portal.middleware import same_origin
from portal.services import Services, services
from portal.sessions import SESSION_COOKIE, current_user
from portal.sockets import json_messages

RESYNC_SECONDS = 1.0


async def snapshot(app: Services, event: dict[str, Any], client: Client) -> str:
    """The room's state; `seq`/`mseq` are read first, so the state is at least that new
    (events up to them are in it; later ones may be too, and applying them is idempotent)."""
    event_id = event["id"]
    seq, mseq = await room_seqs(app.redis, event_id)
    view = await full_view(app, event)
    message: dict[str, Any] = {
        "type": "snapshot", "seq": seq, "event": view,
        "timeline": [timeline_view(e) for e in await app.events.timeline(event_id)],
        "messages": await app.chat.recent(event_id, "chat"),
        "questions": await app.chat.recent(event_id, "question"),
        "announcements": await app.chat.announcements(event_id),
        "settings": await app.chat.settings(event_id),
        "viewers": {"total": view["viewers_total"],
                    "venues": {str(v["id"]): v["viewers"] for v in view["venues"]}},
        "me": {"username": client.username, "moderator": client.moderator},
        "server_time": ms_to_iso(await app.events.now_ms())}
    if client.moderator:
        message["mseq"] = mseq
        message["held"] = await app.chat.held(event_id)
        message["muted"] = await app.chat.muted(event_id)
    return wire(message)


async def accept_client(websocket: WebSocket) -> tuple[dict[str, Any], Client, set[int]] | None:
    """Resolve the event, check the origin, accept the socket; (event, client, venue ids), or
    None when the socket was closed instead."""
    app = services(websocket)
    try:
        event = await app.events.get(event_id_param(websocket))
    except Exception:
        await websocket.close(code=4404)
        return None
    if not same_origin(websocket.headers):
        await websocket.close(code=4403)
        return None
    user = await current_user(websocket)
    live = await app.events.live_state(event["id"])
    venue_ids = {v["id"] for v in event["venues"]}
    venue = on_air_of(live) or event["venues"][0]["id"]
    # a made-up ?viewer= counts as nothing more than this one connection
    viewer = (viewer_ids(app).verify(websocket.query_params.get("viewer"), event["id"]) or
              (user.username if user else None) or secrets.token_urlsafe(12))
    client = Client(viewer_id=viewer, venue_id=venue, username=user.username if user else None,
                    moderator=await policy.is_event_officer(app, user, event))
    await websocket.accept()
    return event, client, venue_ids


async def event_socket(websocket: WebSocket) -> None:
    opened = await accept_client(websocket)
    if opened is None:
        return
    app = services(websocket)
    event, client, venue_ids = opened
    sid = websocket.cookies.get(SESSION_COOKIE)
    try:
        async with app.rooms.join(event, client), app.sockets.track(
                websocket, sid, client.username), asyncio.TaskGroup() as tg:
            tg.create_task(reader(websocket, app, event, client, venue_ids))
            tg.create_task(_writer(websocket, app, event, client))
    except* (WebSocketDisconnect, ConnectionError, RuntimeError):
        pass
    except* RedisError:  # Redis went away: the page reconnects and gets a snapshot
        with contextlib.suppress(RuntimeError):
            await websocket.close(code=1013)


async def reader(websocket: WebSocket, app: Services, event: dict[str, Any], client: Client,
                 venue_ids: set[int]) -> None:
    """What a client sends: the venue it watches, pings, resync requests (it saw a gap in
    `seq`; at most one snapshot per RESYNC_SECONDS), chat messages and questions."""
    last_resync = 0.0

    def reject(code: str, message: str) -> None:
        client.offer(wire({"type": "error", "code": code, "message": message}))

    async for message in json_messages(websocket, reject):
        kind = message.get("type")
        if kind == "watch" and message.get("venue_id") in venue_ids:
            client.venue_id = int(message["venue_id"])
        elif kind == "ping":
            client.offer(wire({"type": "pong", "t": message.get("t")}))
        elif kind == "resync" and time.monotonic() - last_resync >= RESYNC_SECONDS:
            last_resync = time.monotonic()
            client.offer(RESYNC)
        elif kind in ("chat", "question"):
            await _post_from_socket(app, event, client, kind, message)


async def _post_from_socket(app: Services, event: dict[str, Any], client: Client, kind: str,
                            message: dict[str, Any]) -> None:
    if client.username is None:
        client.offer(wire({"type": "error", "code": "not_logged_in",
                           "message": "Please log in first"}))
        return
    try:
        await ensure_open(app, event["id"])
        result = await app.chat.post(event["id"], client.username, message.get("text"), kind,
                                     moderator=client.moderator)
    except PortalError as exc:
        client.offer(wire({"type": "error", **exc.body()["error"]}))
        return
    if result["status"] == "held":
        client.offer(wire({"type": "question_received", "question": result["message"]}))


async def _writer(websocket: WebSocket, app: Services, event: dict[str, Any],
                  client: Client) -> None:
    await websocket.send_text(await snapshot(app, event, client))
    while True:
        frame = await client.queue.get()
        if frame == RESYNC:
            client.overflowed = False
            await websocket.send_text(await snapshot(app, event, client))
        else:
            await websocket.send_text(frame)
