"""Livestream pages: event list, scheduling form, host control, public event page and replay."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from core.errors import PortalError
from core.money import fen_to_yuan
from core.timefmt import local_input_to_ms, ms_to_iso
from livestream.events import MAX_VENUES, SOURCES, event_view, status_of
from portal import policy
from portal.event_views import base_url, event_id_param, full_view, viewer_ids
from portal.forms import read_form
from portal.services import Services, services
from portal.sessions import current_user, require_user
from portal.templating import render


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def upcoming_for_home(app: Services, username: str | None) -> list[dict[str, Any]]:
    """Live and upcoming events for the home page, soonest first, with reminder flags."""
    pairs = await app.events.listing(include_ended=False, limit=6)
    now = await app.events.now_ms()
    mine = await app.events.reminded_ids(username) if username else set()
    out = []
    for event, live in pairs:
        view = event_view(app.events, event, live, now)
        view["starts_ms"], view["reminded"] = event["starts_at"], event["id"] in mine
        out.append(view)
    return sorted(out, key=lambda v: (v["status"] != "live", v["starts_ms"]))


async def events_page(request: Request) -> Response:
    user = await current_user(request)
    app = services(request)
    pairs = await app.events.listing()
    now = await app.events.now_ms()
    items = [(e, status_of(e, live, now)) for e, live in pairs][::-1]
    mine = await app.events.reminded_ids(user.username) if user else set()
    return render(request, "events.html", {"items": items, "mine": mine})


async def lot_titles(app: Services, event: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Only what the page shows of each venue's lot (id, title, photos, starting price)."""
    out = {}
    for venue in event["venues"]:
        try:
            lot = await app.lots.get(venue["lot_id"])
        except PortalError:
            lot = {"title": "—", "photos": []}
        out[venue["lot_id"]] = {"id": venue["lot_id"], "title": lot["title"],
                                "photos": lot.get("photos") or [],
                                "starting_price": fen_to_yuan(lot["starting_price"])
                                if lot.get("starting_price") is not None else None}
    return out


async def event_page(request: Request) -> Response:
    user = await current_user(request)
    app = services(request)
    event = await app.events.get(event_id_param(request))
    view = await full_view(app, event)
    reminded, reminders = await app.events.reminder_state(event["id"],
                                                          user.username if user else None)
    timeline = await app.events.timeline(event["id"])
    response = render(request, "event.html", {
        "event": event, "view": view, "lots": await lot_titles(app, event),
        "reminded": reminded, "reminders": reminders,
        "timeline": [{"at": ms_to_iso(e["at"]), "at_ms": e["at"], "venue_id": e["venue_id"],
                      "edge": e.get("edge") or {}} for e in timeline],
        "announcements": await app.chat.announcements(event["id"]),
        "viewer": viewer_ids(app).issue(event["id"])[0]})
    response.headers["Cache-Control"] = "private, no-store"  # the page carries a viewer id
    return response


async def host_page(request: Request) -> Response:
    user = await require_user(request, "officer")  # visitors are sent to the login page
    app = services(request)
    event = await policy.event_for_officer(app, user, event_id_param(request))
    view = await full_view(app, event, officer=True, base=base_url(request))
    return render(request, "event_host.html", {
        "event": event, "view": view, "lots": await lot_titles(app, event)})


async def reminder_form(request: Request) -> Response:
    user = await current_user(request)
    event_id = event_id_param(request)
    if user is None:
        return redirect(f"/login?next=/events/{event_id}")
    form = await read_form(request)
    await services(request).events.remind(event_id, user.username, form.get("on") == "1")
    return redirect(str(form.get("back") or f"/events/{event_id}") if str(
        form.get("back") or "").startswith("/") else f"/events/{event_id}")


def form_to_input(form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {"title": str(form.get("title") or ""),
                            "description": str(form.get("description") or "")}
    for field in ("starts_at", "ends_at"):
        raw = str(form.get(field) or "")
        try:
            data[field] = local_input_to_ms(raw)
        except ValueError:
            data[field] = raw
    venues = []
    for i in range(MAX_VENUES):
        name = str(form.get(f"venue_name_{i}") or "").strip()
        lot = str(form.get(f"venue_lot_{i}") or "").strip()
        if not name and not lot:
            continue
        source = str(form.get(f"venue_source_{i}") or "ingest")
        venue: dict[str, Any] = {"name": name, "lot_id": int(lot) if lot.isdigit() else lot,
                                 "source": source}
        if source == "external":
            venue["url"] = str(form.get(f"venue_url_{i}") or "")
        venues.append(venue)
    data["venues"] = venues
    return data


async def event_form(request: Request) -> Response:
    user = await require_user(request, "officer")  # visitors are sent to the login page
    app = services(request)
    lots = [lot for lot in await app.lots.all() if policy.in_court(app, user, lot.get("court"))]
    context: dict[str, Any] = {"lots": lots, "max_venues": MAX_VENUES, "sources": SOURCES,
                               "values": {}, "error": None}
    if request.method == "GET":
        return render(request, "event_form.html", context)
    form = await read_form(request, max_fields=200)
    try:
        data = form_to_input(form)
        await policy.lots_for_event(app, user, [v["lot_id"] for v in data["venues"]
                                                if isinstance(v.get("lot_id"), int)])
        event = await app.events.create(data, user.username)
    except PortalError as exc:
        context.update(values={k: form.get(k) for k in form.keys() if k != "csrf_token"},
                       error=exc)
        return render(request, "event_form.html", context, 422)
    return redirect(f"/events/{event['id']}/host")


def page_routes() -> list[BaseRoute]:
    return [
        Route("/events", events_page),
        Route("/events/{event_id:int}", event_page),
        Route("/events/{event_id:int}/host", host_page),
        Route("/events/{event_id:int}/reminder", reminder_form, methods=["POST"]),
        Route("/officer/events/new", event_form, methods=["GET", "POST"]),
    ]
