"""WS /ws/lots/{id}: snapshot, then bid/extended/closed/viewers events; resume from the ledger.

Resumes are bounded: one at a time per socket and WS_RESUME_LIMIT per socket (shared
throttle); a resume beyond that, or one naming an invalid event id, gets an error frame.
Everything the reader asks of the writer goes through the subscription's bounded queue
(`Subscription.offer`: an overflow clears it and the writer resyncs or drops the socket)."""

from __future__ import annotations

import asyncio
import re
import secrets
from typing import Any, cast

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from bidding import keys
from bidding.codec import parse_entry
from bidding.events import encode, public_bid, stream_id_key, to_messages
from bidding.hub import Subscription, json_text
from core.throttle import parse
from portal import keys as portal_keys
from portal.lots import state_view
from portal.middleware import same_origin
from portal.services import Services, services
from portal.sessions import SESSION_COOKIE, current_user
from portal.sockets import json_messages

MAX_OVERFLOWS = 3
RECENT_BIDS = 20
EVENT_ID = re.compile(r"\d{1,20}-\d{1,20}")


async def snapshot(app: Services, lot_id: int, channel: str) -> tuple[str, dict[str, Any]]:
    """Current state, the newest bids and the newest event id (reads only the ledger's tail)."""
    state = await app.store.state(lot_id)
    tail = cast(list[tuple[str, dict[str, str]]],  # decoded replies (decode_responses)
                await app.redis.xrevrange(keys.ledger(lot_id), count=RECENT_BIDS + 1))
    entries = [parse_entry(str(i), f) for i, f in tail]
    last_id = entries[0]["id"] if entries else "0-0"
    bids = [public_bid(e) for e in entries if e["kind"] == "bid"][:RECENT_BIDS]
    return last_id, {"type": "snapshot", "lot_id": lot_id, "state": state_view(state),
                     "bids": bids, "server_time": state_view(state)["server_time"],
                     "last_event_id": last_id, "viewers": await app.hub.viewers(channel)}


async def lot_socket(websocket: WebSocket) -> None:
    app = services(websocket)
    try:
        lot_id = int(websocket.path_params["lot_id"])
        await app.lots.get(lot_id)
    except Exception:
        await websocket.close(code=4404)
        return
    if not same_origin(websocket.headers):
        await websocket.close(code=4403)
        return
    user = await current_user(websocket)
    await websocket.accept()
    channel = keys.events(lot_id)
    async with app.hub.subscribe(channel) as sub, app.sockets.track(
            websocket, websocket.cookies.get(SESSION_COOKIE), user.username if user else None):
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(_reader(websocket, app, sub))
                tg.create_task(_writer(websocket, app, lot_id, sub))
        except* (WebSocketDisconnect, ConnectionError, _Drop):
            pass
        except* RuntimeError:  # sending on a socket that closed under us
            pass


class _Drop(Exception):
    pass


async def _reader(websocket: WebSocket, app: Services, sub: Subscription) -> None:
    def reject(code: str, message: str, **extra: Any) -> None:
        sub.offer(("error", {"type": "error", "code": code, "message": message, **extra}))

    socket_id = secrets.token_urlsafe(12)
    async for message in json_messages(websocket, reject):
        if message.get("type") == "resume":
            await _ask_resume(app, sub, socket_id, message.get("last_event_id"), reject)
        elif message.get("type") == "ping":
            sub.offer(("pong", message.get("t")))


async def _ask_resume(app: Services, sub: Subscription, socket_id: str, last_id: Any,
                      reject: Any) -> None:
    last_id = last_id or "0-0"
    if not isinstance(last_id, str) or not EVENT_ID.fullmatch(last_id):
        reject("invalid_event_id", "last_event_id must be a ledger event id such as 0-0")
        return
    if sub.extra.get("resuming"):
        reject("resume_in_progress", "A resume is already under way")
        return
    wait = await app.throttle.hit(parse(app.settings.ws_resume_limit),
                                  *portal_keys.throttle_resume(socket_id))
    if wait is not None:
        reject("too_many_resumes", "Too many resumes; reload the page",
               retry_after_ms=int(wait * 1000))
        return
    sub.extra["resuming"] = True
    sub.offer(("resume", last_id))


async def _writer(websocket: WebSocket, app: Services, lot_id: int, sub: Subscription) -> None:
    last_id, snap = await snapshot(app, lot_id, sub.channel)
    await websocket.send_text(json_text(snap))
    while True:
        kind, payload = await sub.queue.get()
        if kind == "event":
            event_id, texts = payload
            if event_id is None or stream_id_key(event_id) > stream_id_key(last_id):
                for text in texts:
                    await websocket.send_text(text)
                last_id = event_id or last_id
        elif kind == "resume":
            last_id = await _replay(websocket, app, lot_id, payload, last_id)
            sub.extra["resuming"] = False
            await websocket.send_text(json_text({"type": "resumed", "last_event_id": last_id}))
        elif kind == "overflow":
            if payload > MAX_OVERFLOWS:
                await websocket.close(code=4408)
                raise _Drop()
            sub.extra["resuming"] = False  # a queued resume went with the backlog
            last_id, snap = await snapshot(app, lot_id, sub.channel)
            await websocket.send_text(json_text(snap))
        elif kind == "viewers":
            await websocket.send_text(json_text({"type": "viewers", "count": payload}))
        elif kind in ("pong", "error"):
            frame = {"type": "pong", "t": payload} if kind == "pong" else payload
            await websocket.send_text(json_text(frame))


async def _replay(websocket: WebSocket, app: Services, lot_id: int, after_id: str,
                  last_id: str) -> str:
    """Send the ledger's events after ``after_id``; the newest event id sent so far."""
    for entry in await app.store.ledger(lot_id, after_id=after_id):
        for text in encode(to_messages(entry)):
            await websocket.send_text(text)
        if stream_id_key(entry["id"]) > stream_id_key(last_id):
            last_id = entry["id"]
    return last_id


routes = [WebSocketRoute("/ws/lots/{lot_id}", lot_socket)]
