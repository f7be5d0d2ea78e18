"""The officer's actions after the hammer: settlement terms (deadline, auction costs),
releasing the proceeds, applying a forfeit, and relisting a failed or defaulted lot."""

from __future__ import annotations

from typing import Any

from msgspec import UNSET
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.errors import Invalid, PortalError
from core.money import fen_to_yuan
from core.timefmt import iso_to_ms, local_input_to_ms
from portal import policy
from portal.apispec import Op, api, body_dict, read_body, respond
from portal.case_read import lot_result, result_json
from portal.forms import fen_field, read_form, redirect
from portal.lots import lot_view
from portal.relist import prior_of, relist
from portal.schemas.cases import (
    ForfeitApplied,
    Released,
    RelistedLot,
    RelistIn,
    Settlement,
    SettlementTermsIn,
)
from portal.services import services
from portal.sessions import current_user, require_user
from portal.settlement_rules import next_round, relist_deadline_ms
from portal.templating import render

RELIST_FIELDS = ("starting_price", "increment", "deposit", "starts_at", "ends_at")
RELIST_DOC = ("The second auction after a failed first, the fixed-price sale after a failed "
              "second, or the re-auction after a default. Refusals (422) name the rule: "
              "second_auction_price_below_80pct, second_auction_not_within_30_days, "
              "second_auction_announcement_below_15_days, fixed_price_not_second_auction_price,"
              " fixed_price_period_above_60_days, lot_not_failed, ...; 409 already_relisted; 403 "
              "other_court (the lot belongs to another court).")

OTHER = "403 other_court: the lot belongs to another court."


async def api_relist(request: Request) -> Response:
    officer = await require_user(request, "officer")
    app = services(request)
    await policy.lot_for_officer(app, officer, request.path_params["lot_id"])
    body = await read_body(request, RelistIn)
    new = await relist(app, request.path_params["lot_id"], body_dict(body), officer)
    view = lot_view(new, await app.store.state(new["id"]))
    view.update(round=new["round"], sale_mode=new["sale_mode"],
                previous_lot_id=new["previous_lot_id"])
    return respond(view, 201)


async def api_settlement_terms(request: Request) -> Response:
    officer = await require_user(request, "officer")
    app, lot_id = services(request), request.path_params["lot_id"]
    await policy.lot_for_officer(app, officer, lot_id)
    data = await read_body(request, SettlementTermsIn)
    due = None
    if isinstance(data.due_at, str):
        try:
            due = iso_to_ms(data.due_at)
        except ValueError as exc:
            raise Invalid(f"due_at: {exc}", code="invalid_field", field="due_at") from None
    costs = None
    if data.auction_costs is not None and data.auction_costs is not UNSET:
        costs = fen_field(data.auction_costs, "auction_costs")
    await app.settlement.set_terms(lot_id, due_at=due, auction_costs=costs)
    return respond(result_json(await lot_result(app, lot_id))["settlement"])


async def api_release(request: Request) -> Response:
    officer = await require_user(request, "officer")
    await policy.lot_for_officer(services(request), officer, request.path_params["lot_id"])
    amount = await services(request).settlement.release(request.path_params["lot_id"])
    return respond(Released(released=fen_to_yuan(amount)))


async def api_apply_forfeit(request: Request) -> Response:
    officer = await require_user(request, "officer")
    await policy.lot_for_officer(services(request), officer, request.path_params["lot_id"])
    held = await services(request).settlement.apply_forfeit_now(request.path_params["lot_id"])
    return respond(ForfeitApplied(proceeds_held=fen_to_yuan(held)))


async def relist_page(request: Request) -> Response:
    lot_id = request.path_params["lot_id"]
    user = await require_user(request, "officer")
    app = services(request)
    await policy.lot_for_officer(app, user, lot_id)
    r = await lot_result(app, lot_id)
    prior = await prior_of(app, r["lot"])
    ctx: dict[str, Any] = {"r": r, "prior": prior, "round": next_round(prior), "error": None,
                           "deadline": relist_deadline_ms(prior), "values": {}}
    if request.method != "POST":
        return render(request, "relist.html", ctx)
    form = await read_form(request)
    values = {k: str(form.get(k) or "").strip() for k in RELIST_FIELDS}
    data: dict[str, Any] = {k: v for k, v in values.items() if v}
    try:
        for k in ("starts_at", "ends_at"):
            if k in data:
                data[k] = local_input_to_ms(data[k])
        new = await relist(app, lot_id, data, user)
        return redirect(f"/lots/{new['id']}")
    except ValueError:
        ctx["error"] = Invalid("Times must be dates and times", code="invalid_field")
    except PortalError as exc:
        ctx["error"] = exc
    ctx["values"] = values
    return render(request, "relist.html", ctx, 422)


async def settlement_form(request: Request) -> Response:
    await current_user(request)
    lot_id = request.path_params["lot_id"]
    officer = await require_user(request, "officer")
    form = await read_form(request)
    app = services(request)
    await policy.lot_for_officer(app, officer, lot_id)
    due = str(form.get("due_at") or "").strip()
    costs = str(form.get("auction_costs") or "").strip()
    try:
        await app.settlement.set_terms(
            lot_id, due_at=local_input_to_ms(due) if due else None,
            auction_costs=fen_field(costs, "auction_costs") if costs else None)
    except ValueError:
        raise Invalid("due_at must be a date and time", code="invalid_field") from None
    return redirect(f"/lots/{lot_id}/result")


api_routes = [
    api("/api/lots/{lot_id:int}/relist", api_relist, Op(
        "Schedule the next sale of a failed or defaulted lot as a new linked lot", RelistedLot,
        201, RelistIn, role="officer", errors=(409,), description=RELIST_DOC), ["POST"]),
    api("/api/lots/{lot_id:int}/settlement", api_settlement_terms, Op(
        "Set the balance deadline and/or the auction costs; the lot's settlement", Settlement,
        body=SettlementTermsIn, role="officer", errors=(409,), description=OTHER), ["POST"]),
    api("/api/lots/{lot_id:int}/release", api_release, Op(
        "Release the lot's proceeds to the applicant", Released, role="officer",
        errors=(409,), description=OTHER), ["POST"]),
    api("/api/lots/{lot_id:int}/forfeit", api_apply_forfeit, Op(
        "Apply what is left of a forfeited deposit to the debt now", ForfeitApplied,
        role="officer", errors=(409,), description=OTHER), ["POST"]),
]

page_routes = [
    Route("/officer/lots/{lot_id:int}/relist", relist_page, methods=["GET", "POST"]),
    Route("/officer/lots/{lot_id:int}/settlement", settlement_form, methods=["POST"]),
]
