"""HTML pages: browse and search, lot page, accounts, my lots, payments, officer lot forms."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bidding import rules
from core.errors import NotFound, PortalError
from core.money import fen_to_yuan
from core.names import user_id
from core.offload import DECODING, offload
from core.timefmt import local_input_to_ms, ms_to_local_input
from portal import policy
from portal.case_read import lot_extras
from portal.document_routes import form_documents, lot_page_documents
from portal.error_handlers import add_retry_after
from portal.event_pages import upcoming_for_home
from portal.forms import read_form, redirect
from portal.lot_routes import register
from portal.lots import lot_view, state_view
from portal.my_lots import by_urgency, my_lot_summaries
from portal.payment_routes import require_self_confirm
from portal.payments import is_payer
from portal.photos import save_photo
from portal.services import services
from portal.sessions import (
    current_user,
    end_session,
    require_user,
    start_session,
)
from portal.templating import render
from portal.throttles import TooManyAttempts, authenticate, create_account

DISTRICTS = ["东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区", "通州区", "昌平区",
             "大兴区", "顺义区", "房山区", "门头沟区", "怀柔区", "平谷区", "密云区", "延庆区"]
FILTER_KEYS = ("status", "type", "district", "q", "min_price", "max_price")


async def home(request: Request) -> Response:

    user = await current_user(request)
    filters = {k: request.query_params.get(k, "") for k in FILTER_KEYS}
    error = None
    try:
        pairs = await services(request).lots.search(filters)
    except PortalError as exc:
        pairs, error = [], exc
    pairs.sort(key=lambda p: ({"live": 0, "upcoming": 1}.get(p[1].get("status", ""), 2),
                              p[0]["ends_at"]))
    counters = await services(request).lots.counters([lot["id"] for lot, _ in pairs])
    return render(request, "home.html", {
        "pairs": pairs, "counters": counters, "filters": filters, "districts": DISTRICTS,
        "error": error,
        "types": sorted(rules.PROPERTY_TYPES),
        "upcoming_events": await upcoming_for_home(services(request),
                                                   user.username if user else None)})


async def lot_page(request: Request) -> Response:
    user = await current_user(request)
    app = services(request)
    lot_id = request.path_params["lot_id"]
    lot = await app.lots.get(lot_id)
    state = await app.store.state(lot_id)
    registration = None
    if user:
        code = await app.store.code_for(lot_id, user_id(user.username))
        if code:
            order = await app.payments.deposit_order(lot_id, user.username, code, lot["deposit"])
            registration = {"code": code, "order": order}
    min_next = rules.min_next_bid(lot["starting_price"], lot["increment"],
                                  state.get("current_price") if state else None,
                                  state.get("bid_count", 0) if state else 0)
    return render(request, "lot.html", {
        "lot": lot, "state": state or {}, "view": lot_view(lot, state),
        "registration": registration, "min_next": min_next,
        "has_tour": await app.tours.current_version(lot_id) > 0,
        "tour_poster": await app.tours.poster(lot_id),
        "is_real_estate": lot["property_type"] in rules.REAL_ESTATE_TYPES,
        **await lot_extras(app, lot, state, user),
        **await lot_page_documents(app, lot, user)})


async def register_page(request: Request) -> Response:
    await current_user(request)
    next_url = safe_next(request.query_params.get("next", "/"))
    if request.method == "GET":
        return render(request, "register.html", {"values": {}, "error": None,
                                                 "next": next_url})
    form = await read_form(request)
    values = {k: str(form.get(k) or "") for k in
              ("username", "password", "real_name", "id_number", "phone")}
    next_url = safe_next(str(form.get("next") or "/"))
    try:
        user = await create_account(request, values)
    except PortalError as exc:
        values.pop("password")
        response = render(request, "register.html", {"values": values, "error": exc,
                                                     "next": next_url}, 400)
        if isinstance(exc, TooManyAttempts):
            response.status_code = exc.status
            add_retry_after(response, exc)
        return response
    done = redirect(next_url)
    await start_session(request, done, user)
    return done


async def login_page(request: Request) -> Response:
    await current_user(request)
    next_url = safe_next(request.query_params.get("next", "/"))
    if request.method == "GET":
        return render(request, "login.html", {"error": None, "next": next_url, "username": ""})
    form = await read_form(request)
    username = str(form.get("username") or "")
    next_url = safe_next(str(form.get("next") or "/"))
    context = {"next": next_url, "username": username}
    try:
        user = await authenticate(request, username, str(form.get("password") or ""))
    except TooManyAttempts as exc:
        response = render(request, "login.html", {"error": exc.code, **context}, exc.status)
        add_retry_after(response, exc)
        return response
    if user is None:
        return render(request, "login.html", {"error": "bad_credentials", **context}, 401)
    done = redirect(landing(user.role, next_url))
    await start_session(request, done, user)
    return done


def safe_next(url: str) -> str:
    """A local path to go on to after a form, or "/" (never another site: no "//host",
    no "/\\host" that browsers read as "//host", no scheme, no control characters)."""
    ok = (url.startswith("/") and not url.startswith(("//", "/\\"))
          and not any(ord(ch) < 32 or ch == "\\" for ch in url) and len(url) <= 2000)
    return url if ok else "/"


LANDING = {"officer": "/officer/dashboard", "applicant": "/cases"}


def landing(role: str, next_url: str) -> str:
    """Where a login goes: the page asked for, else the role's own start page (officers work
    from the dashboard, applicants from their cases, bidders from the lot list)."""
    return next_url if next_url != "/" else LANDING.get(role, "/")


async def logout(request: Request) -> Response:
    await read_form(request)
    response = redirect("/")
    await end_session(request, response)
    return response


async def my_lots_page(request: Request) -> Response:
    user = await current_user(request)
    if user is None:
        return redirect("/login?next=/me")
    items = by_urgency(await my_lot_summaries(services(request), user.username))
    return render(request, "me.html", {"items": items})


async def lot_register(request: Request) -> Response:
    user = await current_user(request)
    lot_id = request.path_params["lot_id"]
    if user is None:
        return redirect(f"/login?next=/lots/{lot_id}")
    form = await read_form(request)
    result, _ = await register(services(request), lot_id, user.username,
                               accept_terms=form.get("accept_terms") == "yes")
    if result["deposit"]["status"] == "paid":
        return redirect(f"/lots/{lot_id}")
    return redirect(result["deposit"]["pay_url"])


async def pay_page(request: Request) -> Response:
    user = await require_user(request)
    pid = request.path_params["payment_id"]
    payments = services(request).payments
    order = await payments.get(pid)
    if not is_payer(order, user.username):
        raise NotFound("No such payment", code="payment_not_found")
    if request.method == "POST":
        await read_form(request)
        require_self_confirm(request)  # strict: only the provider's callback pays
        await payments.confirm_as_payer(pid, user.username)
        return redirect(f"/lots/{order['lot_id']}")
    lot = await services(request).lots.get(order["lot_id"])
    return render(request, "pay.html", {"order": order, "lot": lot,
                                        "self_confirm": payments.self_confirm})


async def officer_home(request: Request) -> Response:
    user = await require_user(request, "officer")
    lots = [lot for lot in await services(request).lots.all()  # the officer's court's lots
            if policy.in_court(services(request), user, lot.get("court"))]
    states = await services(request).store.states([lot["id"] for lot in lots])
    pairs = [(lot, states.get(lot["id"]) or {}) for lot in lots]
    return render(request, "officer.html", {"pairs": pairs[::-1]})


def lot_form_to_input(form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {k: str(form.get(k) or "").strip() for k in (
        "title", "case_number", "debtor_id_number",
        "property_type", "district", "address", "description",
        "appraisal_price", "starting_price", "increment", "deposit")}
    data["area_m2"] = form.get("area_m2") or None
    for field in ("starts_at", "ends_at"):
        raw = str(form.get(field) or "")
        try:
            data[field] = local_input_to_ms(raw) if raw else None
        except ValueError:
            data[field] = raw
    try:
        data["extension_seconds"] = int(str(form.get("extension_seconds") or "300"))
    except ValueError:
        data["extension_seconds"] = -1
    data["priority_purchasers"] = parse_priority_text(str(form.get("priority") or ""))
    return data


def parse_priority_text(text: str) -> list[dict[str, Any]]:
    """One "username:rank" per line (rank defaults to the line's position)."""
    out = []
    for i, line in enumerate(filter(None, (x.strip() for x in text.splitlines())), start=1):
        name, _, rank = line.partition(":")
        out.append({"username": name.strip(), "rank": int(rank) if rank.strip().isdigit()
                    else i})
    return out


async def lot_form(request: Request) -> Response:
    user = await require_user(request, "officer")  # visitors are sent to the login page
    app = services(request)
    lot_id = request.path_params.get("lot_id")
    lot = await policy.lot_for_officer(app, user, lot_id) if lot_id else None
    if request.method == "GET":
        return render(request, "lot_form.html", {"lot": lot, "values": form_values(lot),
                                                 "court": policy.court_of(app, user),
                                                 "error": None, "districts": DISTRICTS,
                                                 "types": sorted(rules.PROPERTY_TYPES),
                                                 **await form_documents(app, lot)})
    form = await read_form(request, max_files=12, max_part_size=16 * 1024 * 1024)
    data = lot_form_to_input(form)
    try:
        photos = [await offload(DECODING, save_photo, await f.read(), app.settings.data_dir /
                                "media", app.settings.max_image_pixels)
                  for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]
        if photos or lot is None:
            data["photos"] = (lot or {}).get("photos", []) + photos
        saved = (await app.lots.update(int(lot["id"]), data, app.settings.rules) if lot
                 else await app.lots.create(data, user, app.settings.rules))
    except PortalError as exc:
        values = {k: form.get(k) or "" for k in form.keys() if k not in ("photos", "csrf_token")}
        return render(request, "lot_form.html", {"lot": lot, "values": values, "error": exc,
                                                 "court": policy.court_of(app, user),
                                                 "districts": DISTRICTS,
                                                 "types": sorted(rules.PROPERTY_TYPES),
                                                 **await form_documents(app, lot)}, 422)
    return redirect(f"/lots/{saved['id']}")


def form_values(lot: dict[str, Any] | None) -> dict[str, Any]:
    if lot is None:
        return {"extension_seconds": 300}
    values = dict(lot)
    for k in ("appraisal_price", "starting_price", "increment", "deposit"):
        values[k] = fen_to_yuan(lot[k])
    values["starts_at"] = ms_to_local_input(lot["starts_at"])
    values["ends_at"] = ms_to_local_input(lot["ends_at"])
    values["priority"] = "\n".join(f"{p['username']}:{p['rank']}"
                                   for p in lot["priority_purchasers"])
    return values


routes = [
    Route("/", home),
    Route("/lots/{lot_id:int}", lot_page),
    Route("/lots/{lot_id:int}/register", lot_register, methods=["POST"]),
    Route("/register", register_page, methods=["GET", "POST"]),
    Route("/login", login_page, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/me", my_lots_page),
    Route("/pay/{payment_id}", pay_page, methods=["GET", "POST"]),
    Route("/officer", officer_home),
    Route("/officer/lots/new", lot_form, methods=["GET", "POST"]),
    Route("/officer/lots/{lot_id:int}/edit", lot_form, methods=["GET", "POST"]),
]

__all__ = ["routes", "state_view"]
