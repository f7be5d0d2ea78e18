"""WS /ws/lots/{id}: snapshot, then bid/extended/closed/viewers events; resume from the ledger.

Live events reach the socket through the process's lot room (portal/lot_fanout.py): framed
once per process and written straight to the transport where uvicorn allows it.

Gap-free: a client that sees a `seq` jump (or no frame for a while: the server sends a
`heartbeat` every 10 s) sends `{"type": "resume", "after_seq": N}` (or `"last_event_id"`) and
gets every ledger event after it. When this process's pub/sub listener reconnected, the hub
hands the room a "resync": once Redis holds the subscription again every socket replays the
ledger after the last event it was sent, so events published while the listener was
re-subscribing are delivered without the client asking.

Resumes are bounded: one at a time per socket and WS_RESUME_LIMIT per socket (shared
throttle); a resume beyond that, or one naming an invalid event id, gets an error frame.
Logging out closes the session's sockets (portal/socket_registry.py)."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from bidding import keys
from bidding.codec import parse_entry
from bidding.events import encode, public_bid, stream_id_key, to_messages
from bidding.hub import json_text
from core.redis import TORN_DOWN
from core.throttle import parse
from portal import keys as portal_keys
from portal.lot_fanout import Watcher
from portal.lots import state_view
from portal.middleware import same_origin
from portal.services import Services, services
from portal.sessions import SESSION_COOKIE, current_user
from portal.sockets import json_messages
from portal.ws_direct import direct_writer

MAX_OVERFLOWS = 3
RECENT_BIDS = 20
RESYNC_TRIES, RESYNC_PAUSE = 10, 0.5
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
    watcher = Watcher(direct_writer(websocket))
    resuming = {"now": False}  # one resume at a time: set by the reader, cleared by the writer
    async with app.lot_rooms.join(keys.events(lot_id), watcher), app.sockets.track(
            websocket, websocket.cookies.get(SESSION_COOKIE), user.username if user else None):
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(_reader(websocket, app, watcher, resuming))
                tg.create_task(_writer(websocket, app, lot_id, watcher, resuming))
        except* (WebSocketDisconnect, ConnectionError, _Drop):
            pass
        except* RuntimeError:  # sending on a socket that closed under us
            pass


class _Drop(Exception):
    pass


async def _reader(websocket: WebSocket, app: Services, watcher: Watcher,
                  resuming: dict[str, bool]) -> None:
    def reject(code: str, message: str, **extra: Any) -> None:
        watcher.request("error", {"type": "error", "code": code, "message": message, **extra})

    socket_id = secrets.token_urlsafe(12)
    async for message in json_messages(websocket, reject):
        if message.get("type") == "resume":
            after_seq = message.get("after_seq")
            if isinstance(after_seq, int) and not isinstance(after_seq, bool) and after_seq >= 0:
                after: Any = after_seq
            else:
                after = message.get("last_event_id") or "0-0"
                if not isinstance(after, str) or not EVENT_ID.fullmatch(after):
                    reject("invalid_event_id",
                           "last_event_id must be a ledger event id such as 0-0")
                    continue
            await _ask_resume(app, watcher, socket_id, after, resuming, reject)
        elif message.get("type") == "ping":
            watcher.request("pong", message.get("t"))


async def _ask_resume(app: Services, watcher: Watcher, socket_id: str, after: str | int,
                      resuming: dict[str, bool], reject: Any) -> None:
    if resuming["now"]:
        reject("resume_in_progress", "A resume is already under way")
        return
    wait = await app.throttle.hit(parse(app.settings.ws_resume_limit),
                                  *portal_keys.throttle_resume(socket_id))
    if wait is not None:
        reject("too_many_resumes", "Too many resumes; reload the page",
               retry_after_ms=int(wait * 1000))
        return
    resuming["now"] = True
    watcher.request("resume", after)


Produce = Callable[[], Awaitable[tuple[str, list[str]]]]


async def _sync(websocket: WebSocket, watcher: Watcher, produce: Produce) -> None:
    """Hold the watcher, send what `produce` returns (its last event id, texts), then the
    live events that arrived meanwhile and are newer; the watcher is live again after."""
    watcher.hold()
    last_id, texts = await produce()
    for text in texts:
        await websocket.send_text(text)
    after = stream_id_key(last_id)
    while True:
        texts = watcher.take_pending(after)
        if not texts:
            watcher.ready = True  # no await since the check: nothing can slip in between
            return
        for text in texts:
            await websocket.send_text(text)


def _when_ready(app: Services, read: Produce) -> Produce:
    """`read` (a ledger replay) once Redis holds the hub's subscriptions again, retried while
    Redis is still coming back (the socket stays, the client does nothing)."""
    async def produce() -> tuple[str, list[str]]:
        for _ in range(RESYNC_TRIES - 1):
            await app.hub.ready()
            try:
                return await read()
            except (RedisError, *TORN_DOWN):  # (TORN_DOWN: a cluster's master restarting)
                await asyncio.sleep(RESYNC_PAUSE)
        await app.hub.ready()
        return await read()
    return produce


async def _writer(websocket: WebSocket, app: Services, lot_id: int, watcher: Watcher,
                  resuming: dict[str, bool]) -> None:
    snap_key = [(0, 0)]  # the newest event the last snapshot covered

    async def fresh_snapshot() -> tuple[str, list[str]]:
        last_id, snap = await snapshot(app, lot_id, keys.events(lot_id))
        snap_key[0] = stream_id_key(last_id)
        return last_id, [json_text(snap)]

    def replay(after: str | int) -> Produce:
        """The ledger's events after a stream id, or (an int) after that bid seq, except the
        ones this socket was sent after its snapshot (a client's resume never doubles them)."""
        async def produce() -> tuple[str, list[str]]:
            if isinstance(after, int):
                entries = [e for e in await app.store.ledger(lot_id) if int(e["seq"]) > after]
            else:
                entries = await app.store.ledger(lot_id, after_id=after)
            sent = (snap_key[0], watcher.last_key)
            entries = [e for e in entries if not sent[0] < stream_id_key(e["id"]) <= sent[1]]
            texts = [t for entry in entries for t in encode(to_messages(entry))]
            last = "{}-{}".format(*watcher.last_key) if isinstance(after, int) else after
            return (entries[-1]["id"] if entries else last), texts
        return produce

    await _sync(websocket, watcher, fresh_snapshot)
    while True:
        kind, payload = await watcher.control.get()
        if kind == "texts":  # the ASGI path (no direct transport)
            for text in payload:
                await websocket.send_text(text)
        elif kind == "resume":
            await _sync(websocket, watcher, replay(payload))
            resuming["now"] = False
            await websocket.send_text(json_text(
                {"type": "resumed", "last_event_id": "{}-{}".format(*watcher.last_key)}))
        elif kind == "resync":  # the hub may have missed events: replay after the last sent
            await _sync(websocket, watcher,
                        _when_ready(app, replay("{}-{}".format(*watcher.last_key))))
        elif kind == "overflow":
            if payload > MAX_OVERFLOWS:
                await websocket.close(code=4408)
                raise _Drop()
            resuming["now"] = False  # a queued resume went with the backlog
            await _sync(websocket, watcher, fresh_snapshot)
        elif kind == "pong":
            await websocket.send_text(json_text({"type": "pong", "t": payload}))
        elif kind == "error":
            await websocket.send_text(json_text(payload))


STATE_TTL = 0.5
STATE_CACHE_CONTROL = "public, max-age=1, s-maxage=1, stale-while-revalidate=1"


async def lot_state(request: Request) -> Response:
    """GET /api/lots/{id}/state: the snapshot as plain JSON for anonymous watchers, who poll
    it (through a CDN) instead of holding a websocket; memoised per process for 0.5 s."""
    app, lot_id = services(request), request.path_params["lot_id"]
    memo: dict[Any, tuple[float, bytes, str]] = app.state_memo
    hit = memo.get(("lot", lot_id))
    if hit is None or time.monotonic() - hit[0] > STATE_TTL:
        await app.lots.get(lot_id)  # 404 not_found
        _, snap = await snapshot(app, lot_id, keys.events(lot_id))
        snap.pop("type")
        body = json_text(snap).encode()
        etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
        hit = memo[("lot", lot_id)] = (time.monotonic(), body, etag)
    headers = {"Cache-Control": STATE_CACHE_CONTROL, "ETag": hit[2]}  # gzip adds Vary
    if request.headers.get("if-none-match") == hit[2]:
        return Response(status_code=304, headers=headers)
    return Response(hit[1], media_type="application/json", headers=headers)


routes = [WebSocketRoute("/ws/lots/{lot_id}", lot_socket)]
