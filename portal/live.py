"""WS /ws/lots/{id}: snapshot, then bid/extended/closed/viewers events; resume from the ledger.

Gap-free: a client that sees a `seq` jump (or no frame for a while: the server sends a
`heartbeat` every 10 s) sends `{"type": "resume", "after_seq": N}` (or `"last_event_id"`) and
gets every ledger event after it. When this process's pub/sub listener reconnected, the hub
hands each socket a "resync": it replays the ledger after the last event it sent, so events
published while the listener was re-subscribing are delivered (once) without the client
asking."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, cast

from redis.exceptions import RedisError
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from bidding import keys
from bidding.codec import parse_entry
from bidding.events import encode, public_bid, stream_id_key, to_messages
from bidding.hub import Subscription, json_text
from portal.lots import state_view
from portal.middleware import same_origin
from portal.services import Services, services
from portal.sockets import json_messages

MAX_OVERFLOWS = 3
RECENT_BIDS = 20
HEARTBEAT = '{"type":"heartbeat"}'
RESYNC_TRIES, RESYNC_PAUSE = 10, 0.5


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
    await websocket.accept()
    channel = keys.events(lot_id)
    async with app.hub.subscribe(channel) as sub:
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(_reader(websocket, sub))
                tg.create_task(_writer(websocket, app, lot_id, sub))
        except* (WebSocketDisconnect, ConnectionError, _Drop):
            pass
        except* RedisError:  # Redis went away for long: the client reconnects and resumes
            with contextlib.suppress(RuntimeError):
                await websocket.close(code=1013)
        except* RuntimeError:  # sending on a socket that closed under us
            pass


class _Drop(Exception):
    pass


async def _reader(websocket: WebSocket, sub: Subscription) -> None:
    async for message in json_messages(websocket):
        if message.get("type") == "resume":
            after_seq = message.get("after_seq")
            if isinstance(after_seq, int) and not isinstance(after_seq, bool) and after_seq >= 0:
                sub.queue.put_nowait(("resume", after_seq))
            else:
                sub.queue.put_nowait(("resume", str(message.get("last_event_id") or "0-0")))
        elif message.get("type") == "ping":
            sub.queue.put_nowait(("pong", message.get("t")))


async def _replay(websocket: WebSocket, app: Services, lot_id: int, after: str | int,
                  last_id: str, sent_after: str | None = None) -> str:
    """Send the ledger's events after a stream id (or, given an int, after that seq),
    except those after `sent_after` already sent on this socket; returns the newest id sent
    so far on this socket."""
    if isinstance(after, int):
        entries = [e for e in await app.store.ledger(lot_id) if int(e["seq"]) > after]
    else:
        entries = await app.store.ledger(lot_id, after_id=after)
    if sent_after is not None:
        done = (stream_id_key(sent_after), stream_id_key(last_id))
        entries = [e for e in entries if not done[0] < stream_id_key(e["id"]) <= done[1]]
    for entry in entries:
        for text in encode(to_messages(entry)):
            await websocket.send_text(text)
        if stream_id_key(entry["id"]) > stream_id_key(last_id):
            last_id = entry["id"]
    return last_id


async def _resync(websocket: WebSocket, app: Services, lot_id: int, last_id: str) -> str:
    """Replay after `last_id` once Redis holds the subscription again (retried while Redis
    is still coming back: the socket stays and the client needs to do nothing)."""
    for _ in range(RESYNC_TRIES - 1):
        await app.hub.ready()
        try:
            return await _replay(websocket, app, lot_id, last_id, last_id)
        except RedisError:
            await asyncio.sleep(RESYNC_PAUSE)
    await app.hub.ready()
    return await _replay(websocket, app, lot_id, last_id, last_id)


async def _writer(websocket: WebSocket, app: Services, lot_id: int, sub: Subscription) -> None:
    last_id, snap = await snapshot(app, lot_id, sub.channel)
    await websocket.send_text(json_text(snap))
    snap_id = last_id  # events after it were sent on this socket: a resume skips them
    while True:
        kind, payload = await sub.queue.get()
        if kind == "event":
            event_id, texts = payload
            if event_id is None or stream_id_key(event_id) > stream_id_key(last_id):
                for text in texts:
                    await websocket.send_text(text)
                last_id = event_id or last_id
        elif kind == "resume":
            last_id = await _replay(websocket, app, lot_id, payload, last_id, snap_id)
        elif kind == "resync":  # the listener reconnected: what was published meanwhile
            last_id = await _resync(websocket, app, lot_id, last_id)
        elif kind == "heartbeat":
            await websocket.send_text(HEARTBEAT)
        elif kind == "overflow":
            if payload > MAX_OVERFLOWS:
                await websocket.close(code=4408)
                raise _Drop()
            last_id, snap = await snapshot(app, lot_id, sub.channel)
            await websocket.send_text(json_text(snap))
        elif kind == "viewers":
            await websocket.send_text(json_text({"type": "viewers", "count": payload}))
        elif kind == "pong":
            await websocket.send_text(json_text({"type": "pong", "t": payload}))


routes = [WebSocketRoute("/ws/lots/{lot_id}", lot_socket)]
