"""The signed-in user's own things after registering: deposits, notifications, and the
reminders asked for on a lot."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.errors import Conflict
from core.money import fen_to_yuan
from core.timefmt import ms_to_iso
from portal import notifications
from portal.apispec import Op, api, respond
from portal.forms import read_form, redirect
from portal.i18n import request_lang
from portal.schemas.cases import Deposit, Notification, Notifications, Reminders, Unread
from portal.services import Services, services
from portal.sessions import current_user, require_user
from portal.templating import render
from portal.users import ROLES


async def api_my_deposits(request: Request) -> Response:
    user = await require_user(request)
    items = await services(request).settlement.deposits_for(user.username)
    return respond([Deposit(lot_id=d["lot_id"], amount=fen_to_yuan(d["amount"]),
                            status=d["status"], payment_id=d["payment_id"]) for d in items])


async def api_notifications(request: Request) -> Response:
    user = await require_user(request)
    app, lang = services(request), request_lang(request)
    items = await notifications.items(app.redis, user.username)
    return respond(Notifications(
        unread=await notifications.unread(app.redis, user.username),
        items=[Notification(kind=i["kind"], text=notifications.render(lang, i),
                            lot_id=i.get("lot_id"), case_id=i.get("case_id"),
                            at=ms_to_iso(i["at"]) or "") for i in items]))


async def api_unread(request: Request) -> Response:
    """The unread count alone: the nav polls it, so it reads one key."""
    user = await require_user(request)
    return respond(Unread(unread=await notifications.unread(services(request).redis,
                                                            user.username)))


async def api_mark_read(request: Request) -> Response:
    user = await require_user(request)
    await notifications.mark_read(services(request).redis, user.username)
    return respond(Unread(unread=0))


async def notifications_page(request: Request) -> Response:
    user = await current_user(request)
    if user is None:
        return redirect("/login?next=/notifications")
    app = services(request)
    items = await notifications.items(app.redis, user.username)
    unread = await notifications.unread(app.redis, user.username)
    await notifications.mark_read(app.redis, user.username)
    deposits = await app.settlement.deposits_for(user.username)
    lang = request_lang(request)
    shown = [{**i, "text": notifications.render(lang, i), "new": n < unread}
             for n, i in enumerate(items)]
    titles = {d["lot_id"]: (await app.lots.get(d["lot_id"]))["title"] for d in deposits}
    return render(request, "notifications.html", {"items": shown, "deposits": deposits,
                                                  "titles": titles})


async def subscribe(app: Services, lot_id: int, username: str) -> None:
    """Remind the user when the lot opens (if it has not) and before it ends."""
    lot = await app.lots.get(lot_id)
    state = await app.store.state(lot_id) or {}
    await notifications.subscribe_reminders(app.redis, lot_id, username, lot["starts_at"],
                                            state.get("ends_at", lot["ends_at"]),
                                            await app.store.server_time_ms())


async def api_remind(request: Request) -> Response:
    user = await require_user(request, *ROLES)
    app, lot_id = services(request), request.path_params["lot_id"]
    await app.lots.get(lot_id)
    state = await app.store.state(lot_id) or {}
    if state.get("status") not in ("upcoming", "live"):
        raise Conflict("This auction has ended", code="closed")
    await subscribe(app, lot_id, user.username)
    return respond(Reminders(subscribed=True), 201)


async def api_forget_reminders(request: Request) -> Response:
    user = await require_user(request, *ROLES)
    app, lot_id = services(request), request.path_params["lot_id"]
    await app.lots.get(lot_id)
    await notifications.unsubscribe_reminders(app.redis, lot_id, user.username)
    return respond(Reminders(subscribed=False))


async def reminder_form(request: Request) -> Response:
    user = await current_user(request)
    lot_id = request.path_params["lot_id"]
    if user is None:
        return redirect(f"/login?next=/lots/{lot_id}")
    form = await read_form(request)
    app = services(request)
    if form.get("off"):
        await notifications.unsubscribe_reminders(app.redis, lot_id, user.username)
    else:
        await subscribe(app, lot_id, user.username)
    return redirect(f"/lots/{lot_id}")


api_routes = [
    api("/api/lots/{lot_id:int}/reminders", api_remind, Op(
        "Remind me before the lot opens and before it ends", Reminders, 201, role="any",
        errors=(409,)), ["POST"]),
    api("/api/lots/{lot_id:int}/reminders", api_forget_reminders, Op(
        "Cancel my reminders for the lot", Reminders, role="any"), ["DELETE"]),
    api("/api/me/deposits", api_my_deposits, Op("My deposits", list[Deposit], role="any")),
    api("/api/me/notifications", api_notifications, Op(
        "My latest notifications and the unread count", Notifications, role="any")),
    api("/api/me/notifications/unread", api_unread, Op(
        "How many of my notifications are unread (cheap; the page navigation polls it)",
        Unread, role="any")),
    api("/api/me/notifications", api_mark_read, Op(
        "Mark my notifications read", Unread, role="any"), ["POST"]),
]

page_routes = [
    Route("/lots/{lot_id:int}/reminders", reminder_form, methods=["POST"]),
    Route("/notifications", notifications_page),
]
