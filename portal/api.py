"""JSON API routes: users and sessions, lots, registrations and deposits, bids, ledger."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bidding.events import public_bid, public_entry
from core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PortalError,
    TooLarge,
)
from core.money import fen_to_yuan, yuan_to_fen
from core.names import user_id
from portal import keys
from portal.apispec import Op, api, read_body, respond
from portal.lots import lot_view, state_view
from portal.notifications import notify_outbid
from portal.openapi import openapi_schema
from portal.payments import SIGNATURE_HEADER, is_payer
from portal.schemas.lots import LedgerCheck
from portal.schemas.users import Credentials, SessionOut
from portal.sessions import end_session, require_user, start_session
from portal.users import Users

log = logging.getLogger(__name__)
MAX_JSON = 64 * 1024
BID_ERROR_STATUS = {"not_found": 404, "not_registered": 403, "deposit_unpaid": 403,
                    "not_open": 409, "closed": 409, "already_leading": 409,
                    "below_minimum": 422, "off_increment": 422}
BID_ERROR_TEXT = {
    "not_found": "No such lot", "not_open": "Bidding has not opened yet",
    "closed": "Bidding has ended", "not_registered": "Register for this lot first",
    "deposit_unpaid": "Pay the deposit before bidding",
    "already_leading": "You already hold the highest bid",
    "below_minimum": "The bid is below the minimum next bid",
    "off_increment": "Bids must be the starting price plus a whole number of increments",
}


async def json_body(request: Request) -> Any:
    body = await request.body()
    if len(body) > MAX_JSON:
        raise TooLarge("Request body too large", code="body_too_large")
    try:
        return json.loads(body or b"{}")
    except ValueError:
        raise BadRequest("Body is not valid JSON", code="invalid_json") from None


def services(request: Request) -> Any:
    return request.app.state


async def create_user(request: Request) -> Response:
    user = await Users(services(request).redis).create(await json_body(request))
    return JSONResponse(user.public(), status_code=201)


async def create_session(request: Request) -> Response:
    data = await read_body(request, Credentials)
    user = await Users(services(request).redis).authenticate(data.username, data.password)
    if user is None:
        raise PortalError("Wrong username or password", code="bad_credentials", status=401)
    response = JSONResponse({"user": user.public()})
    await start_session(request, response, user)
    return response


async def delete_session(request: Request) -> Response:
    response = Response(status_code=204)
    await end_session(request, response)
    return response


async def me(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse({"user": user.public()})


async def list_lots(request: Request) -> Response:
    filters = dict(request.query_params)
    pairs = await services(request).lots.search(filters)
    items = [lot_view(lot, state) for lot, state in pairs]
    return JSONResponse({"items": items, "total": len(items)})


async def get_lot(request: Request) -> Response:
    lot_id = request.path_params["lot_id"]
    lot = await services(request).lots.get(lot_id)
    return JSONResponse(lot_view(lot, await services(request).store.state(lot_id)))


async def create_lot(request: Request) -> Response:
    officer = await require_user(request, "officer")
    app = services(request)
    lot = await app.lots.create(await json_body(request), officer, app.settings.rules)
    return JSONResponse(lot_view(lot, await app.store.state(lot["id"])), status_code=201)


async def patch_lot(request: Request) -> Response:
    await require_user(request, "officer")
    app, lot_id = services(request), request.path_params["lot_id"]
    lot = await app.lots.update(lot_id, await json_body(request), app.settings.rules)
    return JSONResponse(lot_view(lot, await app.store.state(lot_id)))


async def register_for_lot(request: Request) -> Response:
    user = await require_user(request, "bidder", "applicant")
    app, lot_id = services(request), request.path_params["lot_id"]
    result, created = await register(app, lot_id, user.username)
    return JSONResponse(result, status_code=201 if created else 200)


async def register(app: Any, lot_id: int, username: str) -> tuple[dict[str, Any], bool]:
    """Register a user for a lot (idempotent) and open the deposit order."""
    lot = await app.lots.get(lot_id)
    state = await app.store.state(lot_id)
    if state and state["status"] not in ("upcoming", "live"):
        raise Conflict("This auction has ended", code="closed")
    uid = user_id(username)
    if uid in {user_id(b) for b in lot.get("barred", [])}:
        raise Forbidden("A buyer who defaulted on this property may not bid in its re-auction "
                        "(法释〔2016〕18号 第二十四条)", code="barred_after_default")
    existing = await app.store.code_for(lot_id, uid)
    code = existing or await app.store.register(
        lot_id, uid, rank=app.lots.rank_for(lot, username))
    await app.redis.sadd(keys.user_lots(username), lot_id)
    order = await app.payments.deposit_order(lot_id, username, code, lot["deposit"])
    return registration_view(lot, code, order), existing is None


def registration_view(lot: dict[str, Any], code: str, order: dict[str, Any]) -> dict[str, Any]:
    return {"lot_id": lot["id"], "bidder_code": code,
            "priority_rank": next((p["rank"] for p in lot["priority_purchasers"]
                                   if p["username"] == order["username"]), None),
            "deposit": {"amount": fen_to_yuan(order["amount"]), "status": order["status"],
                        "payment_id": order["id"], "pay_url": f"/pay/{order['id']}"}}


def payment_view(order: dict[str, Any]) -> dict[str, Any]:
    return {"id": order["id"], "lot_id": order["lot_id"], "purpose": order["purpose"],
            "amount": fen_to_yuan(order["amount"]), "status": order["status"]}


async def get_payment(request: Request) -> Response:
    user = await require_user(request)
    order = await services(request).payments.get(request.path_params["payment_id"])
    if not is_payer(order, user.username):
        raise NotFound("No such payment", code="payment_not_found")
    return JSONResponse(payment_view(order))


async def confirm_payment(request: Request) -> Response:
    user = await require_user(request)
    result = await services(request).payments.confirm_as_payer(
        request.path_params["payment_id"], user.username)
    return JSONResponse({"payment": payment_view(result["payment"]),
                         "changed": result["changed"]})


async def payment_callback(request: Request) -> Response:
    body = await request.body()
    result = await services(request).payments.callback(body, request.headers.get(SIGNATURE_HEADER))
    return JSONResponse({"payment": payment_view(result["payment"]),
                         "changed": result["changed"]})


async def place_bid(request: Request) -> Response:
    user = await require_user(request, "bidder", "applicant")
    app, lot_id = services(request), request.path_params["lot_id"]
    data = await json_body(request)
    try:
        amount = yuan_to_fen(data.get("amount") if isinstance(data, dict) else None)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        raise Invalid("amount must be yuan, e.g. \"1015000.00\"", code="invalid_amount") from None
    outcome = await app.store.place_bid_as(lot_id, user_id(user.username), amount)
    if not outcome.ok:
        if outcome.error == "not_found":
            raise NotFound("No such lot", code="lot_not_found")
        raise bid_error(outcome.error or "rejected", outcome.min_next)
    bid = public_bid(outcome.bid)
    if outcome.previous_leader and outcome.bid:  # not on the bidder's critical path
        in_background(app, notify_outbid(app, lot_id, outcome.previous_leader, outcome.bid))
    return JSONResponse({"bid": bid, "state": state_view(outcome.state)}, status_code=201)


def in_background(app: Any, coro: Coroutine[Any, Any, None]) -> None:
    """Run a side effect after the response; failures are logged, never raised."""
    tasks: set[asyncio.Task[None]] | None = getattr(app, "background_tasks", None)
    if tasks is None:
        tasks = app.background_tasks = set()
    task = asyncio.get_running_loop().create_task(coro)
    tasks.add(task)

    def done(t: asyncio.Task[None]) -> None:
        tasks.discard(t)
        if not t.cancelled() and t.exception():
            log.error("background task failed", exc_info=t.exception())

    task.add_done_callback(done)


def bid_error(code: str, min_next: int | None) -> PortalError:
    return PortalError(BID_ERROR_TEXT.get(code, "Bid refused"), code=code,
                       status=BID_ERROR_STATUS.get(code, 409),
                       min_next=fen_to_yuan(min_next) if min_next else None)


async def list_bids(request: Request) -> Response:
    app, lot_id = services(request), request.path_params["lot_id"]
    await app.lots.get(lot_id)
    entries = await app.store.ledger(lot_id)
    return JSONResponse([public_bid(e) for e in entries if e["kind"] == "bid"])


async def full_ledger(request: Request) -> Response:
    app, lot_id = services(request), request.path_params["lot_id"]
    await app.lots.get(lot_id)
    return JSONResponse([public_entry(e) for e in await app.store.ledger(lot_id)])


async def verify_ledger(request: Request) -> Response:
    app, lot_id = services(request), request.path_params["lot_id"]
    await app.lots.get(lot_id)
    result = await app.store.verify(lot_id)
    return respond(LedgerCheck(ok=result.ok, length=result.length, head=result.head,
                               bad_seq=result.bad_seq, reason=result.reason))


async def my_lots(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse({"items": await my_lot_summaries(services(request), user.username)})


async def my_lot_summaries(app: Any, username: str) -> list[dict[str, Any]]:
    ids = sorted(int(i) for i in await app.redis.smembers(keys.user_lots(username)))
    out = []
    for lot_id in ids:
        lot = await app.lots.get(lot_id)
        code = await app.store.code_for(lot_id, user_id(username))
        order = await app.payments.deposit_order(lot_id, username, code, lot["deposit"])
        entries = await app.store.ledger(lot_id)
        mine = [public_bid(e) for e in entries if e["kind"] == "bid" and e["code"] == code]
        out.append({"lot": lot_view(lot, await app.store.state(lot_id)),
                    "registration": registration_view(lot, code, order), "bids": mine})
    return out


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_schema(request.app.routes))


async def api_not_found(request: Request) -> Response:
    raise NotFound("No such API route", code="not_found")


routes = [
    api("/api/openapi.json", openapi, Op("This document", dict[str, Any])),
    Route("/api/users", create_user, methods=["POST"]),
    api("/api/session", create_session, Op(
        "Log in; sets the session cookie (HttpOnly, SameSite=Lax)", SessionOut,
        body=Credentials, errors=(401,)), ["POST"]),
    Route("/api/session", delete_session, methods=["DELETE"]),
    Route("/api/me", me),
    Route("/api/me/lots", my_lots),
    Route("/api/lots", list_lots, methods=["GET"]),
    Route("/api/lots", create_lot, methods=["POST"]),
    Route("/api/lots/{lot_id:int}", get_lot, methods=["GET"]),
    Route("/api/lots/{lot_id:int}", patch_lot, methods=["PATCH"]),
    Route("/api/lots/{lot_id:int}/registrations", register_for_lot, methods=["POST"]),
    Route("/api/lots/{lot_id:int}/bids", place_bid, methods=["POST"]),
    Route("/api/lots/{lot_id:int}/bids", list_bids, methods=["GET"]),
    Route("/api/lots/{lot_id:int}/ledger", full_ledger),
    api("/api/lots/{lot_id:int}/ledger/verify", verify_ledger, Op(
        "Re-hash the lot's bid ledger and check the chain", LedgerCheck)),
    Route("/api/payments/callback", payment_callback, methods=["POST"]),
    Route("/api/payments/{payment_id}", get_payment),
    Route("/api/payments/{payment_id}/confirm", confirm_payment, methods=["POST"]),
    Route("/api/{rest:path}", api_not_found, methods=["GET", "POST", "PATCH", "PUT", "DELETE"]),
]
