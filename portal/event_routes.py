"""Livestream API, event websocket, and the ingest/playback routes.

JSON API (see portal/openapi.py): events, on-air switching, the cacheable room state, chat
and Q&A, moderation, announcements, viewer heartbeats, reminders. WS /ws/events/{id}.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from bidding import keys as lot_keys
from core.errors import NotFound, PortalError
from core.timefmt import ms_to_iso
from livestream.chat import Chat
from livestream.events import Events, event_view, on_air_of, status_of, timeline_view
from livestream.fanout import Client
from livestream.frames import RESYNC, batch_frame, wire
from livestream.store import IngestStore
from livestream.viewers import room_key, valid_viewer_id
from portal.api import json_body
from portal.ingest_routes import ingest_routes, playback_routes
from portal.lots import state_view
from portal.middleware import same_origin
from portal.sessions import current_user, require_user
from portal.sockets import json_messages

STATE_TTL = 1.0
STATE_CACHE_CONTROL = "public, max-age=1, s-maxage=2, stale-while-revalidate=2"
STATE_MESSAGES = 20


def event_id_param(request: Request | WebSocket) -> int:
    try:
        return int(request.path_params["event_id"])
    except ValueError:
        raise NotFound("No such event", code="event_not_found") from None


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def prices(app: Any, event: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """{venue id: {current_price, bid_count, status}} from the venues' lots, one round trip."""
    states = await app.store.states(sorted({v["lot_id"] for v in event["venues"]}))
    out = {}
    for venue in event["venues"]:
        view = state_view(states.get(venue["lot_id"]))
        out[venue["id"]] = {"current_price": view["current_price"],
                            "bid_count": view["bid_count"], "status": view["status"]}
    return out


async def full_view(app: Any, event: dict[str, Any], *, officer: bool = False,
                    base: str = "") -> dict[str, Any]:
    live = await app.events.live_state(event["id"])
    per_venue, total = await app.viewers.counts(room_key(event),
                                                [v["id"] for v in event["venues"]])
    view = event_view(app.events, event, live, await app.events.now_ms(), officer=officer,
                      base_url=base, viewers=per_venue, total=total)
    price = await prices(app, event)
    for venue in view["venues"]:
        venue["lot"] = {"id": venue["lot_id"], **price[venue["id"]]}
    return view


# -- events --------------------------------------------------------------------------------------


async def create_event(request: Request) -> Response:
    officer = await require_user(request, "officer")
    app = request.app.state
    event = await app.events.create(await json_body(request), officer.username)
    view = await full_view(app, event, officer=True, base=base_url(request))
    return JSONResponse(view, status_code=201)


async def list_events(request: Request) -> Response:
    app = request.app.state
    wanted = request.query_params.get("status")
    pairs = await app.events.listing()
    now = await app.events.now_ms()
    items = [event_view(app.events, e, live, now) for e, live in pairs]
    if wanted:
        items = [i for i in items if i["status"] in wanted.split(",")]
    return JSONResponse({"items": items, "total": len(items)})


async def get_event(request: Request) -> Response:
    app = request.app.state
    event = await app.events.get(event_id_param(request))
    user = await current_user(request)
    officer = user is not None and user.role == "officer"
    return JSONResponse(await full_view(app, event, officer=officer, base=base_url(request)))


async def on_air(request: Request) -> Response:
    await require_user(request, "officer")
    data = await json_body(request)
    venue_id = data.get("venue_id") if isinstance(data, dict) else None
    entry = await request.app.state.events.set_on_air(event_id_param(request), venue_id)
    return JSONResponse({"on_air_venue_id": venue_id, "entry": timeline_view(entry)})


async def end_event(request: Request) -> Response:
    await require_user(request, "officer")
    app, event_id = request.app.state, event_id_param(request)
    live = await app.events.end(event_id)
    return JSONResponse({"status": "ended", "ended_at": ms_to_iso(int(live["ended_at"]))})


async def get_timeline(request: Request) -> Response:
    app, event_id = request.app.state, event_id_param(request)
    await app.events.get(event_id)
    return JSONResponse({"items": [timeline_view(e) for e in await app.events.timeline(event_id)]})


# -- the cacheable room state ----------------------------------------------------------------------


async def room_state(app: Any, event_id: int) -> dict[str, Any]:
    event = await app.events.get(event_id)
    live = await app.events.live_state(event_id)
    venue_ids = [v["id"] for v in event["venues"]]
    per_venue, total = await app.viewers.counts(room_key(event), venue_ids)
    price = await prices(app, event)
    now = await app.events.now_ms()
    return {
        "event_id": event_id, "status": status_of(event, live, now),
        "on_air_venue_id": on_air_of(live),
        "on_air_since": ms_to_iso(int(live["on_air_since"])) if live.get("on_air_since")
        else None,
        "viewers_total": total,
        "venues": [{"id": vid, "viewers": per_venue.get(vid, 0), "lot": price[vid]}
                   for vid in venue_ids],
        "announcements": await app.chat.announcements(event_id),
        "questions": await app.chat.recent(event_id, "question", STATE_MESSAGES),
        "messages": await app.chat.recent(event_id, "chat", STATE_MESSAGES),
        "settings": await app.chat.settings(event_id), "server_time": ms_to_iso(now)}


async def get_state(request: Request) -> Response:
    """Small and identical for everyone: cacheable by a CDN for 1-2 s, memoised per process."""
    app, event_id = request.app.state, event_id_param(request)
    memo: dict[int, tuple[float, bytes, str]] = app.state_memo
    hit = memo.get(event_id)
    if hit is None or time.monotonic() - hit[0] > STATE_TTL:
        body = json.dumps(await room_state(app, event_id), ensure_ascii=False,
                          separators=(",", ":")).encode()
        etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
        hit = memo[event_id] = (time.monotonic(), body, etag)
    headers = {"Cache-Control": STATE_CACHE_CONTROL, "ETag": hit[2], "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == hit[2]:
        return Response(status_code=304, headers=headers)
    return Response(hit[1], media_type="application/json", headers=headers)


async def heartbeat(request: Request) -> Response:
    """Anonymous viewers: {viewer, venue_id} every 20 s; noted in memory, flushed in batches."""
    app, event_id = request.app.state, event_id_param(request)
    data = await json_body(request)
    event = await app.events.get(event_id)
    viewer = valid_viewer_id(data.get("viewer") if isinstance(data, dict) else None)
    venue_id = data.get("venue_id") if isinstance(data, dict) else None
    if viewer is None or venue_id not in {v["id"] for v in event["venues"]}:
        raise PortalError("viewer (8-64 of A-Z a-z 0-9 _ -) and venue_id are required",
                          code="invalid_heartbeat", status=422)
    app.viewers.note(room_key(event), venue_id, viewer)
    return Response(status_code=204)


# -- chat, Q&A, moderation -----------------------------------------------------------------------


async def list_messages(request: Request) -> Response:
    app, event_id = request.app.state, event_id_param(request)
    await app.events.get(event_id)
    kind = request.query_params.get("kind", "chat")
    if kind not in ("chat", "question"):
        raise PortalError("kind must be chat or question", code="invalid_kind", status=422)
    return JSONResponse({"items": await app.chat.recent(event_id, kind)})


async def post_message(request: Request) -> Response:
    user = await require_user(request)
    app, event_id = request.app.state, event_id_param(request)
    data = await json_body(request)
    if not isinstance(data, dict):
        raise PortalError("Expected a JSON object", code="invalid_body", status=422)
    await ensure_open(app, event_id)
    result = await app.chat.post(event_id, user.username, data.get("text"),
                                 str(data.get("kind") or "chat"),
                                 moderator=user.role == "officer")
    return JSONResponse(result, status_code=201 if result["status"] == "published" else 202)


async def ensure_open(app: Any, event_id: int) -> None:
    event = await app.events.get(event_id)
    live = await app.events.live_state(event_id)
    if status_of(event, live, await app.events.now_ms()) == "ended":
        raise PortalError("The event has ended", code="event_ended", status=409)


async def delete_message(request: Request) -> Response:
    await require_user(request, "officer")
    app, event_id = request.app.state, event_id_param(request)
    await app.events.get(event_id)
    await app.chat.delete(event_id, request.path_params["message_id"])
    return Response(status_code=204)


async def approve_question(request: Request) -> Response:
    await require_user(request, "officer")
    app, event_id = request.app.state, event_id_param(request)
    await app.events.get(event_id)
    question = await app.chat.approve(event_id, request.path_params["question_id"])
    return JSONResponse({"status": "published", "message": question})


async def moderation(request: Request) -> Response:
    await require_user(request, "officer")
    app, event_id = request.app.state, event_id_param(request)
    await app.events.get(event_id)
    return JSONResponse({"held": await app.chat.held(event_id),
                         "muted": await app.chat.muted(event_id),
                         "settings": await app.chat.settings(event_id)})


async def mute(request: Request) -> Response:
    await require_user(request, "officer")
    app, event_id = request.app.state, event_id_param(request)
    await app.events.get(event_id)
    if request.method == "DELETE":
        muted = await app.chat.mute(event_id, request.path_params["username"], False)
    else:
        data = await json_body(request)
        muted = await app.chat.mute(event_id, (data or {}).get("username"), True)
    return JSONResponse({"muted": muted})


async def settings(request: Request) -> Response:
    await require_user(request, "officer")
    app, event_id = request.app.state, event_id_param(request)
    await app.events.get(event_id)
    data = await json_body(request)
    if not isinstance(data, dict):
        raise PortalError("Expected a JSON object", code="invalid_body", status=422)
    return JSONResponse(await app.chat.set_settings(event_id, data))


async def announce(request: Request) -> Response:
    await require_user(request, "officer")
    app, event_id = request.app.state, event_id_param(request)
    await app.events.get(event_id)
    if request.method == "DELETE":
        await app.chat.unpin(event_id, request.path_params["announcement_id"])
        return Response(status_code=204)
    data = await json_body(request)
    item = await app.chat.announce(event_id, (data or {}).get("text"))
    return JSONResponse(item, status_code=201)


async def reminder(request: Request) -> Response:
    user = await require_user(request)
    app, event_id = request.app.state, event_id_param(request)
    count = await app.events.remind(event_id, user.username, request.method == "POST")
    return JSONResponse({"reminder": request.method == "POST", "count": count})


async def calendar(request: Request) -> Response:
    """An iCalendar file with a 10-minute alarm: the reminder that works on every phone."""
    app, event_id = request.app.state, event_id_param(request)
    event = await app.events.get(event_id)
    return Response(ics(event, base_url(request)), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="event-{event_id}.ics"'})


def ics(event: dict[str, Any], base: str) -> str:
    def stamp(ms: int) -> str:
        return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(ms / 1000))

    def escape(text: str) -> str:
        return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
                .replace("\n", "\\n"))

    url = f"{base}/events/{event['id']}"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//judicial-auction-portal//live//ZH",
             "BEGIN:VEVENT", f"UID:event-{event['id']}@judicial-auction-portal",
             f"DTSTAMP:{stamp(event['created_at'])}", f"DTSTART:{stamp(event['starts_at'])}",
             f"DTEND:{stamp(event['ends_at'])}", f"SUMMARY:{escape(event['title'])}",
             f"DESCRIPTION:{escape(event['description'] + ' ' + url)}", f"URL:{url}",
             "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT10M",
             f"DESCRIPTION:{escape(event['title'])}", "END:VALARM", "END:VEVENT",
             "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


# -- websocket -------------------------------------------------------------------------------------


async def snapshot(app: Any, event: dict[str, Any], client: Client) -> str:
    event_id = event["id"]
    view = await full_view(app, event)
    message: dict[str, Any] = {
        "type": "snapshot", "event": view,
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
        message["held"] = await app.chat.held(event_id)
        message["muted"] = await app.chat.muted(event_id)
    return wire(message)


async def accept_client(websocket: WebSocket) -> tuple[dict[str, Any], Client, set[int]] | None:
    """Resolve the event, check the origin, accept the socket; (event, client, venue ids), or
    None when the socket was closed instead."""
    app = websocket.app.state
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
    viewer = (valid_viewer_id(websocket.query_params.get("viewer")) or
              (user.username if user else None) or secrets.token_urlsafe(12))
    client = Client(viewer_id=viewer, venue_id=venue, username=user.username if user else None,
                    moderator=bool(user and user.role == "officer"))
    await websocket.accept()
    return event, client, venue_ids


async def event_socket(websocket: WebSocket) -> None:
    opened = await accept_client(websocket)
    if opened is None:
        return
    app = websocket.app.state
    event, client, venue_ids = opened
    try:
        async with app.rooms.join(event, client), asyncio.TaskGroup() as tg:
            tg.create_task(reader(websocket, app, event, client, venue_ids))
            tg.create_task(_writer(websocket, app, event, client))
    except* (WebSocketDisconnect, ConnectionError, RuntimeError):
        pass


async def reader(websocket: WebSocket, app: Any, event: dict[str, Any], client: Client,
                 venue_ids: set[int]) -> None:
    """What a client sends: the venue it watches, pings, chat messages and questions."""
    async for message in json_messages(websocket):
        kind = message.get("type")
        if kind == "watch" and message.get("venue_id") in venue_ids:
            client.venue_id = int(message["venue_id"])
        elif kind == "ping":
            client.offer(wire({"type": "pong", "t": message.get("t")}))
        elif kind in ("chat", "question"):
            await _post_from_socket(app, event, client, kind, message)


async def _post_from_socket(app: Any, event: dict[str, Any], client: Client, kind: str,
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


async def _writer(websocket: WebSocket, app: Any, event: dict[str, Any], client: Client) -> None:
    await websocket.send_text(await snapshot(app, event, client))
    while True:
        frame = await client.queue.get()
        if frame == RESYNC:
            client.overflowed = False
            await websocket.send_text(await snapshot(app, event, client))
        else:
            await websocket.send_text(frame)


def api_routes() -> list[BaseRoute]:
    e = "/api/events/{event_id:int}"
    return [
        Route("/api/events", create_event, methods=["POST"]),
        Route("/api/events", list_events, methods=["GET"]),
        Route(e, get_event, methods=["GET"]),
        Route(e + "/on-air", on_air, methods=["POST"]),
        Route(e + "/end", end_event, methods=["POST"]),
        Route(e + "/state", get_state, methods=["GET"]),
        Route(e + "/timeline", get_timeline, methods=["GET"]),
        Route(e + "/heartbeat", heartbeat, methods=["POST"]),
        Route(e + "/messages", list_messages, methods=["GET"]),
        Route(e + "/messages", post_message, methods=["POST"]),
        Route(e + "/messages/{message_id}", delete_message, methods=["DELETE"]),
        Route(e + "/questions/{question_id}/approve", approve_question, methods=["POST"]),
        Route(e + "/moderation", moderation, methods=["GET"]),
        Route(e + "/mutes", mute, methods=["POST"]),
        Route(e + "/mutes/{username}", mute, methods=["DELETE"]),
        Route(e + "/settings", settings, methods=["PATCH"]),
        Route(e + "/announcements", announce, methods=["POST"]),
        Route(e + "/announcements/{announcement_id}", announce, methods=["DELETE"]),
        Route(e + "/reminder", reminder, methods=["POST", "DELETE"]),
        Route("/events/{event_id:int}.ics", calendar, methods=["GET"]),
        WebSocketRoute("/ws/events/{event_id:int}", event_socket),
    ]


def stream_routes(store: IngestStore, state: Callable[[], Any]) -> list[BaseRoute]:
    """PUT/DELETE /ingest/{key}/{name} and GET /hls/{stream id}/{name} (see docs/livestream.md).
    `state()` gives the app state whose `events` resolves stream keys (set up in the lifespan)."""

    async def resolve(key: str) -> str | None:
        events: Events = state().events
        return await events.resolve_key(key)

    return ingest_routes(store, resolve) + playback_routes(store)


__all__ = ["api_routes", "stream_routes", "Chat", "batch_frame", "lot_keys"]
