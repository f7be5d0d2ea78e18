"""What the livestream API, the event socket and the event pages all show: an event with its
venues' live lot prices and viewer counts, and the small cacheable room state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import HTTPConnection, Request

from core.errors import PortalError
from core.timefmt import ms_to_iso
from livestream.events import event_view, on_air_of, status_of
from livestream.viewers import ViewerIds, room_key
from portal.lots import state_view

if TYPE_CHECKING:  # annotations only; services.py imports this module's dependencies
    from portal.services import Services

STATE_MESSAGES = 20


def event_id_param(conn: HTTPConnection) -> int:
    return int(conn.path_params["event_id"])  # an {event_id:int} route


def viewer_ids(app: Services) -> ViewerIds:
    """Issues and checks the signed viewer ids of heartbeats (keyed by SECRET_KEY)."""
    return ViewerIds(str(app.settings.secret_key))


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def prices(app: Services, event: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """{venue id: {current_price, bid_count, status}} from the venues' lots, one round trip."""
    states = await app.store.states(sorted({v["lot_id"] for v in event["venues"]}))
    out = {}
    for venue in event["venues"]:
        view = state_view(states.get(venue["lot_id"]))
        out[venue["id"]] = {"current_price": view["current_price"],
                            "bid_count": view["bid_count"], "status": view["status"]}
    return out


async def full_view(app: Services, event: dict[str, Any], *, officer: bool = False,
                    base: str = "") -> dict[str, Any]:
    """An event as portal.schemas.events.Event."""
    live = await app.events.live_state(event["id"])
    per_venue, total = await app.viewers.counts(room_key(event),
                                                [v["id"] for v in event["venues"]])
    view = event_view(app.events, event, live, await app.events.now_ms(), officer=officer,
                      base_url=base, viewers=per_venue, total=total)
    price = await prices(app, event)
    for venue in view["venues"]:
        venue["lot"] = {"id": venue["lot_id"], **price[venue["id"]]}
    return view


async def room_state(app: Services, event_id: int) -> dict[str, Any]:
    """The room as portal.schemas.events.RoomState."""
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


async def ensure_open(app: Services, event_id: int) -> None:
    """409 ``event_ended`` once the event is over (404 if there is no such event)."""
    event = await app.events.get(event_id)
    live = await app.events.live_state(event_id)
    if status_of(event, live, await app.events.now_ms()) == "ended":
        raise PortalError("The event has ended", code="event_ended", status=409)
