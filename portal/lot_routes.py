"""JSON API of lots: the catalogue, registrations and deposits, bids and the bid ledger."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import Response

from bidding.events import public_bid, public_entry
from core.errors import BadRequest, Conflict, Forbidden, Invalid, NotFound, PortalError
from core.money import fen_to_yuan, parse_amount
from core.names import user_id
from core.redis import unavailable
from core.timefmt import ms_to_iso
from portal import keys, policy
from portal.apispec import Op, api, body_dict, read_body, read_query, respond
from portal.documents import TERMS, Documents, document_url
from portal.live import lot_state
from portal.lots import lot_view, state_view
from portal.notifications import notify_outbid
from portal.schemas.lots import (
    BidHeaders,
    BidIn,
    BidOut,
    BidPlaced,
    BidsQuery,
    LedgerCheck,
    LedgerEntry,
    LotInput,
    LotList,
    LotLive,
    LotOut,
    LotPatch,
    LotQuery,
    RegistrationIn,
    RegistrationOut,
)
from portal.services import Services, services
from portal.sessions import require_user

log = logging.getLogger(__name__)
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
BIDDERS = "bidder or applicant"
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


async def list_lots(request: Request) -> Response:
    query = read_query(request, LotQuery)
    filters = {k: v for k, v in body_dict(query).items() if v}
    app = services(request)
    pairs = await app.lots.search(filters)
    counters = await app.lots.counters([lot["id"] for lot, _ in pairs])
    items = [lot_view(lot, state, counters[lot["id"]]) for lot, state in pairs]
    return respond({"items": items, "total": len(items)})


async def get_lot(request: Request) -> Response:
    app, lot_id = services(request), request.path_params["lot_id"]
    lot = await app.lots.get(lot_id)
    counters = (await app.lots.counters([lot_id]))[lot_id]
    return respond(lot_view(lot, await app.store.state(lot_id), counters))


async def create_lot(request: Request) -> Response:
    officer = await require_user(request, "officer")
    app = services(request)
    data = body_dict(await read_body(request, LotInput))
    lot = await app.lots.create(data, officer, app.settings.rules)
    return respond(lot_view(lot, await app.store.state(lot["id"])), status=201)


async def patch_lot(request: Request) -> Response:
    officer = await require_user(request, "officer")
    app, lot_id = services(request), request.path_params["lot_id"]
    await policy.lot_for_officer(app, officer, lot_id)
    data = body_dict(await read_body(request, LotPatch))
    lot = await app.lots.update(lot_id, data, app.settings.rules)
    return respond(lot_view(lot, await app.store.state(lot_id)))


async def register_for_lot(request: Request) -> Response:
    user = await require_user(request)  # officers are refused by name in register()
    app, lot_id = services(request), request.path_params["lot_id"]
    data = await read_body(request, RegistrationIn)
    result, created = await register(app, lot_id, user.username,
                                     accept_terms=data.accept_terms)
    return respond(result, status=201 if created else 200)


async def register(app: Services, lot_id: int, username: str, *, accept_terms: bool
                   ) -> tuple[dict[str, Any], bool]:
    """Register a user for a lot (idempotent) and open the deposit order; the user must
    accept the lot's 竞买须知, and the first acceptance (time and version) is recorded."""
    lot = await app.lots.get(lot_id)
    await policy.may_register(app, lot, username)
    state = await app.store.state(lot_id)
    if state and state["status"] not in ("upcoming", "live"):
        raise Conflict("This auction has ended", code="closed")
    uid = user_id(username)
    if uid in {user_id(b) for b in lot.get("barred", [])}:
        raise Forbidden("A buyer who defaulted on this property may not bid in its re-auction "
                        "(法释〔2016〕18号 第二十四条)", code="barred_after_default")
    if accept_terms is not True:  # after who-may-bid: an excluded bidder hears why first
        raise Invalid("Read and accept the terms of sale (竞买须知) to register",
                      code="terms_not_accepted")
    existing = await app.store.code_for(lot_id, uid)
    code = existing or await app.store.register(
        lot_id, uid, rank=app.lots.rank_for(lot, username))
    await app.redis.sadd(keys.user_lots(username), lot_id)
    terms = await Documents(app.redis, app.settings.data_dir).accept_terms(
        lot_id, username, await app.store.server_time_ms())
    order = await app.payments.deposit_order(lot_id, username, code, lot["deposit"])
    return registration_view(lot, code, order, terms), existing is None


def registration_view(lot: dict[str, Any], code: str, order: dict[str, Any],
                      terms: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"lot_id": lot["id"], "bidder_code": code, "terms": terms_view(lot["id"], terms),
            "priority_rank": next((p["rank"] for p in lot["priority_purchasers"]
                                   if p["username"] == order["username"]), None),
            "deposit": {"amount": fen_to_yuan(order["amount"]), "status": order["status"],
                        "payment_id": order["id"], "pay_url": f"/pay/{order['id']}"}}


def terms_view(lot_id: int, terms: dict[str, Any] | None) -> dict[str, Any] | None:
    """An acceptance record as the API shows it (None: none recorded)."""
    if terms is None:
        return None
    version = terms.get("version")
    return {"accepted_at": ms_to_iso(terms["at"]), "version": version,
            "url": document_url(lot_id, TERMS, version) if version else None}


async def place_bid(request: Request) -> Response:
    user = await require_user(request, "bidder", "applicant")
    app, lot_id = services(request), request.path_params["lot_id"]
    data = await read_body(request, BidIn)
    amount = parse_amount(data.amount, "amount", code="invalid_amount")
    outcome = await app.store.place_bid_as(lot_id, user_id(user.username), amount,
                                           idempotency_key(request))
    replayed = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    if not outcome.ok:
        if outcome.error == "not_found":
            raise NotFound("No such lot", code="lot_not_found")
        raise bid_error(outcome.error or "rejected", outcome.min_next, replayed)
    bid = public_bid(cast(dict[str, Any], outcome.bid))  # an accepted bid always has one
    if outcome.previous_leader and outcome.bid and not outcome.replayed:  # off the critical path
        in_background(app, notify_outbid(app, lot_id, outcome.previous_leader, outcome.bid))
    return respond({"bid": bid, "state": state_view(outcome.state)}, status=201, headers=replayed)


def idempotency_key(request: Request) -> str:
    """The Idempotency-Key header ("" when absent); 400 when malformed."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return ""
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise BadRequest("Idempotency-Key: 1-64 of A-Za-z0-9_-", code="invalid_idempotency_key")
    return key


def in_background(app: Services, coro: Coroutine[Any, Any, None]) -> None:
    """Run a side effect after the response; failures are logged, never raised."""
    tasks = app.background_tasks
    task = asyncio.get_running_loop().create_task(coro)
    tasks.add(task)

    def done(t: asyncio.Task[None]) -> None:
        tasks.discard(t)
        if not t.cancelled() and (exc := t.exception()):
            if unavailable(exc):  # Redis went away meanwhile: the outage is logged once
                log.warning("background task dropped: %s", exc)
            else:
                log.error("background task failed", exc_info=exc)

    task.add_done_callback(done)


def bid_error(code: str, min_next: int | None,
              headers: dict[str, str] | None = None) -> PortalError:
    error = PortalError(BID_ERROR_TEXT.get(code, "Bid refused"), code=code,
                        status=BID_ERROR_STATUS.get(code, 409),
                        min_next=fen_to_yuan(min_next) if min_next else None)
    error.headers = headers
    return error


async def list_bids(request: Request) -> Response:
    app, lot_id = services(request), request.path_params["lot_id"]
    query = read_query(request, BidsQuery)
    mine = query.mine in ("1", "true")
    user = await require_user(request, "bidder", "applicant") if mine else None
    await app.lots.get(lot_id)
    code = await app.store.code_for(lot_id, user_id(user.username)) if user else None
    if user and code is None:
        return respond([])
    entries = await app.store.ledger(lot_id)
    return respond([public_bid(e) for e in entries
                    if e["kind"] == "bid" and (code is None or e["code"] == code)])


async def full_ledger(request: Request) -> Response:
    app, lot_id = services(request), request.path_params["lot_id"]
    await app.lots.get(lot_id)
    return respond([public_entry(e) for e in await app.store.ledger(lot_id)])


async def verify_ledger(request: Request) -> Response:
    app, lot_id = services(request), request.path_params["lot_id"]
    await app.lots.get(lot_id)
    result = await app.store.verify(lot_id)
    return respond(LedgerCheck(ok=result.ok, length=result.length, head=result.head,
                               bad_seq=result.bad_seq, reason=result.reason))


LOT = "/api/lots/{lot_id:int}"
routes = [
    api("/api/lots", list_lots, Op(
        "Search lots", LotList, query=LotQuery,
        errors=(422,), description="422 invalid_filter when a price bound is not yuan, "
        "amount_too_large beyond the maximum amount.")),
    api("/api/lots", create_lot, Op(
        "Create and schedule a lot (of the officer's court)", LotOut, 201, body=LotInput,
        role="officer", description="403 other_court: the case number names another "
        "court's case."), ["POST"]),
    api(LOT, get_lot, Op("A lot with its live state", LotOut)),
    api(LOT, patch_lot, Op(
        "Change a lot before it opens (409 lot_locked once it opened or has bids)", LotOut,
        body=LotPatch, role="officer", errors=(409,),
        description="403 other_court: the lot belongs to another court."), ["PATCH"]),
    api(LOT + "/registrations", register_for_lot, Op(
        "Register to bid: anonymous bidder code and deposit order (200 when already "
        "registered)", RegistrationOut, 201, body=RegistrationIn, role=BIDDERS,
        errors=(409,), also=(200,), description="The body must say accept_terms: true (the "
        "bidder read the lot's 竞买须知; 422 terms_not_accepted otherwise); the time and the "
        "version accepted are recorded and returned as terms. 403 officers_cannot_bid (court "
        "officers), debtor_cannot_bid (the case's debtor), barred_after_default; 409 closed."),
        ["POST"]),
    api(LOT + "/state", lot_state, Op(
        "A lot's live state for anonymous watchers (poll it instead of opening the "
        "websocket): public, identical for everyone, cacheable 1 s (Cache-Control: public, "
        "max-age=1, s-maxage=1; ETag, If-None-Match gives 304)", LotLive, also=(304,))),
    api(LOT + "/bids", list_bids, Op(
        "The public bid record (?mine=1: the logged-in bidder's own accepted bids, e.g. to "
        "learn whether a bid whose answer was lost counted)", list[BidOut], query=BidsQuery,
        errors=(401, 403))),
    api(LOT + "/bids", place_bid, Op(
        "Place a bid", BidPlaced, 201, body=BidIn, role=BIDDERS, errors=(409,),
        headers=BidHeaders,
        description="403 not_registered / deposit_unpaid, 409 not_open / closed / "
        "already_leading, 422 below_minimum (with min_next) / off_increment / "
        "invalid_amount / amount_too_large, 400 invalid_idempotency_key, 503 unavailable "
        "(Redis down: the bid may or may not have counted; retry with the same "
        "Idempotency-Key)."), ["POST"]),
    api(LOT + "/ledger", full_ledger, Op(
        "Every hash-chained ledger entry (bids and close) with all hashed fields",
        list[LedgerEntry])),
    api(LOT + "/ledger/verify", verify_ledger, Op(
        "Re-hash the lot's bid ledger and check the chain", LedgerCheck)),
]
