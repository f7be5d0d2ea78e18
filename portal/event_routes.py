"""Livestream JSON API, the event websocket route, the calendar file, and ingest/playback.

Each /api route is declared once with its types (portal/schemas/events.py): events, on-air
switching, the cacheable room state, chat and Q&A, moderation, announcements, viewer
heartbeats, reminders. The websocket itself lives in portal/event_socket.py.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute

from core.errors import PortalError
from core.timefmt import ms_to_iso
from livestream.events import event_view, timeline_view
from livestream.store import IngestStore
from livestream.viewers import room_key
from portal import policy
from portal.apispec import Op, api, body_dict, read_body, read_query, respond
from portal.event_socket import event_socket
from portal.event_views import (
    base_url,
    ensure_open,
    event_id_param,
    full_view,
    room_state,
    viewer_ids,
)
from portal.ingest_routes import ingest_routes, playback_routes
from portal.schemas import events as s
from portal.services import Services, services
from portal.sessions import current_user, require_user

STATE_TTL = 1.0
STATE_CACHE_CONTROL = "public, max-age=1, s-maxage=2, stale-while-revalidate=2"


# -- events --------------------------------------------------------------------------------------


async def create_event(request: Request) -> Response:
    officer = await require_user(request, "officer")
    app = services(request)
    data = await read_body(request, s.EventIn)
    await policy.lots_for_event(app, officer, [int(v.lot_id) for v in data.venues
                                               if str(v.lot_id).isdigit()])
    event = await app.events.create(body_dict(data), officer.username)
    return respond(await full_view(app, event, officer=True, base=base_url(request)), 201)


async def list_events(request: Request) -> Response:
    app = services(request)
    wanted = read_query(request, s.EventsQuery).status
    pairs = await app.events.listing()
    now = await app.events.now_ms()
    items = [event_view(app.events, e, live, now) for e, live in pairs]
    if isinstance(wanted, str) and wanted:
        items = [i for i in items if i["status"] in wanted.split(",")]
    return respond({"items": items, "total": len(items)})


async def get_event(request: Request) -> Response:
    app = services(request)
    event = await app.events.get(event_id_param(request))
    user = await current_user(request)
    officer = await policy.is_event_officer(app, user, event)
    return respond(await full_view(app, event, officer=officer, base=base_url(request)))


async def on_air(request: Request) -> Response:
    await officer_in_event(request)
    venue_id = (await read_body(request, s.OnAirIn)).venue_id
    entry = await services(request).events.set_on_air(event_id_param(request), venue_id)
    return respond({"on_air_venue_id": venue_id, "entry": timeline_view(entry)})


async def end_event(request: Request) -> Response:
    await officer_in_event(request)
    live = await services(request).events.end(event_id_param(request))
    return respond({"status": "ended", "ended_at": ms_to_iso(int(live["ended_at"]))})


async def get_timeline(request: Request) -> Response:
    app, event_id = services(request), event_id_param(request)
    await app.events.get(event_id)
    return respond({"items": [timeline_view(e) for e in await app.events.timeline(event_id)]})


async def get_state(request: Request) -> Response:
    """Small and identical for everyone: cacheable by a CDN for 1-2 s, memoised per process."""
    app, event_id = services(request), event_id_param(request)
    memo: dict[int, tuple[float, bytes, str]] = app.state_memo
    hit = memo.get(event_id)
    if hit is None or time.monotonic() - hit[0] > STATE_TTL:
        body = json.dumps(await room_state(app, event_id), ensure_ascii=False,
                          separators=(",", ":")).encode()
        etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
        hit = memo[event_id] = (time.monotonic(), body, etag)
    headers = {"Cache-Control": STATE_CACHE_CONTROL, "ETag": hit[2]}  # gzip adds Vary
    if request.headers.get("if-none-match") == hit[2]:
        return Response(status_code=304, headers=headers)
    return Response(hit[1], media_type="application/json", headers=headers)


async def issue_viewer(request: Request) -> Response:
    """A signed viewer id for this event's heartbeats. Never from the cacheable state: a shared
    cache would hand one id to everyone (no-store, private)."""
    app, event_id = services(request), event_id_param(request)
    await app.events.get(event_id)
    viewer, expires = viewer_ids(app).issue(event_id)
    return respond(s.ViewerId(viewer=viewer, expires_at=str(ms_to_iso(expires * 1000))),
                   headers={"Cache-Control": "no-store, private"})


async def heartbeat(request: Request) -> Response:
    """Anonymous viewers: {viewer, venue_id} every 20 s; noted in memory, flushed in batches.
    Only ids this server issued for this event count: others get 403 bad_viewer."""
    app, event_id = services(request), event_id_param(request)
    data = await read_body(request, s.HeartbeatIn)
    event = await app.events.get(event_id)
    if data.venue_id not in {v["id"] for v in event["venues"]}:
        raise PortalError("venue_id is not a venue of this event",
                          code="invalid_heartbeat", status=422)
    viewer = viewer_ids(app).verify(data.viewer, event_id)
    if viewer is None:
        raise PortalError("Unknown or expired viewer id: get one from "
                          f"/api/events/{event_id}/viewer", code="bad_viewer", status=403)
    app.viewers.note(room_key(event), data.venue_id, viewer)
    return Response(status_code=204)


# -- chat, Q&A, moderation -----------------------------------------------------------------------


async def list_messages(request: Request) -> Response:
    app, event_id = services(request), event_id_param(request)
    await app.events.get(event_id)
    kind = read_query(request, s.MessagesQuery).kind
    if kind not in ("chat", "question"):
        raise PortalError("kind must be chat or question", code="invalid_kind", status=422)
    return respond({"items": await app.chat.recent(event_id, kind)})


async def post_message(request: Request) -> Response:
    user = await require_user(request)
    app, event_id = services(request), event_id_param(request)
    data = await read_body(request, s.MessageIn)
    await ensure_open(app, event_id)
    event = await app.events.get(event_id)
    result = await app.chat.post(event_id, user.username, data.text, data.kind or "chat",
                                 moderator=await policy.is_event_officer(app, user, event))
    return respond(result, 201 if result["status"] == "published" else 202)


async def officer_in_event(request: Request) -> tuple[Any, int]:
    """(app state, event id) for a request of an officer of the event's court."""
    officer = await require_user(request, "officer")
    app, event_id = services(request), event_id_param(request)
    await policy.event_for_officer(app, officer, event_id)
    return app, event_id


async def delete_message(request: Request) -> Response:
    app, event_id = await officer_in_event(request)
    await app.chat.delete(event_id, request.path_params["message_id"])
    return Response(status_code=204)


async def approve_question(request: Request) -> Response:
    app, event_id = await officer_in_event(request)
    question = await app.chat.approve(event_id, request.path_params["question_id"])
    return respond({"status": "published", "message": question})


async def moderation(request: Request) -> Response:
    app, event_id = await officer_in_event(request)
    return respond({"held": await app.chat.held(event_id),
                    "muted": await app.chat.muted(event_id),
                    "settings": await app.chat.settings(event_id)})


async def mute(request: Request) -> Response:
    app, event_id = await officer_in_event(request)
    data = await read_body(request, s.MuteIn)
    return respond({"muted": await app.chat.mute(event_id, data.username, True)})


async def unmute(request: Request) -> Response:
    app, event_id = await officer_in_event(request)
    username = request.path_params["username"]
    return respond({"muted": await app.chat.mute(event_id, username, False)})


async def settings(request: Request) -> Response:
    app, event_id = await officer_in_event(request)
    data = await read_body(request, s.SettingsIn)
    return respond(await app.chat.set_settings(event_id, body_dict(data)))


async def announce(request: Request) -> Response:
    app, event_id = await officer_in_event(request)
    data = await read_body(request, s.AnnouncementIn)
    return respond(await app.chat.announce(event_id, data.text), 201)


async def unpin(request: Request) -> Response:
    app, event_id = await officer_in_event(request)
    await app.chat.unpin(event_id, request.path_params["announcement_id"])
    return Response(status_code=204)


async def reminder(request: Request) -> Response:
    user = await require_user(request)
    app, event_id = services(request), event_id_param(request)
    count = await app.events.remind(event_id, user.username, request.method == "POST")
    return respond({"reminder": request.method == "POST", "count": count})


# -- the calendar file ---------------------------------------------------------------------------


async def calendar(request: Request) -> Response:
    """An iCalendar file with a 10-minute alarm: the reminder that works on every phone."""
    app, event_id = services(request), event_id_param(request)
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


# -- route table ---------------------------------------------------------------------------------
OC = "403 other_court: the event belongs to another court."


def api_routes() -> list[BaseRoute]:
    e = "/api/events/{event_id:int}"
    return [
        api("/api/events", create_event, Op(
            "Schedule an event with up to 12 venues, each linked to a lot; ingest venues get "
            "a secret stream key", s.Event, 201, body=s.EventIn, role="officer",
            description="403 other_court when a venue's lot belongs to another court."),
            ["POST"]),
        api("/api/events", list_events, Op("Live viewings (events)", s.EventList,
                                           query=s.EventsQuery)),
        api(e, get_event, Op(
            "An event: status, on-air venue, viewer counts, venues with playback URLs and "
            "their lots' prices (officers also get stream keys)", s.Event)),
        api(e + "/on-air", on_air, Op(
            "Put a venue on air; recorded on the timeline with its time and program date "
            "times", s.OnAirOut, body=s.OnAirIn, role="officer", errors=(409,),
            description=OC), ["POST"]),
        api(e + "/end", end_event, Op(
            "End the broadcast: stream keys stop working, recordings become VOD", s.Ended,
            role="officer", description=OC), ["POST"]),
        api(e + "/state", get_state, Op(
            "The small room state for anonymous viewers: public, identical for everyone, "
            "cacheable 1-2 s (Cache-Control: public, max-age=1, s-maxage=2; ETag, "
            "If-None-Match gives 304)", s.RoomState, also=(304,))),
        api(e + "/timeline", get_timeline, Op("Every on-air switch", s.Timeline)),
        api(e + "/viewer", issue_viewer, Op(
            "A signed viewer id for heartbeats (Cache-Control: no-store; valid 6 h)",
            s.ViewerId)),
        api(e + "/heartbeat", heartbeat, Op(
            "Anonymous viewer heartbeat (every 20 s) for the approximate viewer counts", None,
            204, body=s.HeartbeatIn, errors=(403, 422), description="403 bad_viewer: the "
            "viewer id was not issued by this server for this event, or expired; 422 "
            "invalid_heartbeat: venue_id is not one of the event's."), ["POST"]),
        *_chat_routes(e),
        api(e + "/reminder", reminder, Op("Remind me of this event (提醒)", s.Reminder,
                                          role="any"), ["POST"]),
        api(e + "/reminder", reminder, Op("Cancel the reminder", s.Reminder, role="any"),
            ["DELETE"]),
        Route("/events/{event_id:int}.ics", calendar, methods=["GET"]),
        WebSocketRoute("/ws/events/{event_id:int}", event_socket),
    ]


def _chat_routes(e: str) -> list[BaseRoute]:
    officer = "officer"
    return [
        api(e + "/messages", list_messages, Op(
            "Recent chat messages or approved questions", s.Messages, query=s.MessagesQuery,
            errors=(422,))),
        api(e + "/messages", post_message, Op(
            "Post a chat message or question (300 chars, 1/s and 10/30 s, slow mode, mutes); "
            "201 when published, 202 when held for approval", s.Posted, 201, body=s.MessageIn,
            role="any", errors=(403, 409, 429), also=(202,)), ["POST"]),
        api(e + "/messages/{message_id}", delete_message, Op(
            "Delete a message for everyone (or reject a held question)", None, 204,
            role=officer, description=OC), ["DELETE"]),
        api(e + "/questions/{question_id}/approve", approve_question, Op(
            "Publish a held question", s.Approved, role=officer, description=OC), ["POST"]),
        api(e + "/moderation", moderation, Op(
            "Held questions, muted users, settings", s.Moderation, role=officer, description=OC)),
        api(e + "/mutes", mute, Op("Mute a user in this room", s.Muted, body=s.MuteIn,
                                   role=officer, description=OC), ["POST"]),
        api(e + "/mutes/{username}", unmute, Op("Unmute a user", s.Muted, role=officer,
                                                errors=(422,), description=OC), ["DELETE"]),
        api(e + "/settings", settings, Op(
            "Slow mode (0, 5, 10, 30, 60, 300 s) and holding questions for approval",
            s.ChatSettings, body=s.SettingsIn, role=officer, description=OC), ["PATCH"]),
        api(e + "/announcements", announce, Op(
            "Pin an announcement (the newest 5 stay pinned)", s.Announcement, 201,
            body=s.AnnouncementIn, role=officer, description=OC), ["POST"]),
        api(e + "/announcements/{announcement_id}", unpin, Op(
            "Unpin an announcement", None, 204, role=officer, description=OC), ["DELETE"]),
    ]


def stream_routes(store: IngestStore, state: Callable[[], Services]) -> list[BaseRoute]:
    """PUT/DELETE /ingest/{key}/{name} and GET /hls/{stream id}/{name} (see docs/livestream.md).
    `state()` gives the services whose `events` resolves stream keys (built in the lifespan)."""

    async def resolve(key: str) -> str | None:
        return await state().events.resolve_key(key)

    return ingest_routes(store, resolve) + playback_routes(store)


__all__ = ["api_routes", "stream_routes"]
