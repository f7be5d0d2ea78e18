"""A lot's result after the hammer, its confirmation of sale (page and PDF) and the estimate
of the buyer's fees."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.errors import NotFound
from core.money import fen_to_yuan
from core.timefmt import ms_to_local
from portal.apispec import Op, api, read_query, respond
from portal.case_read import buyer_of, lot_result, mask_id, result_json
from portal.confirmation import confirmation_pdf
from portal.forms import fen_field
from portal.i18n import request_lang, translate
from portal.schemas.cases import FeeEstimate, FeeItem, FeesQuery, LotResult
from portal.services import services
from portal.sessions import current_user
from portal.settlement_rules import fee_estimate
from portal.templating import render, yuan


async def api_result(request: Request) -> Response:
    return respond(result_json(await lot_result(services(request),
                                                request.path_params["lot_id"])))


async def api_fees(request: Request) -> Response:
    app, lot_id = services(request), request.path_params["lot_id"]
    query = read_query(request, FeesQuery)
    lot = await app.lots.get(lot_id)
    state = await app.store.state(lot_id) or {}
    price = state["current_price"] if state.get("bid_count") else lot["starting_price"]
    if query.price:
        price = fen_field(query.price, "price")
    est = fee_estimate(lot["property_type"], lot.get("area_m2"), price)
    lang = request_lang(request)
    return respond(FeeEstimate(
        price=fen_to_yuan(est.price), total=fen_to_yuan(est.total),
        items=[FeeItem(item=translate(lang, i.key), rate=i.rate, amount=fen_to_yuan(i.amount),
                       rule=translate(lang, i.rule)) for i in est.items]))


async def result_page(request: Request) -> Response:
    await current_user(request)
    app = services(request)
    r = await lot_result(app, request.path_params["lot_id"])
    return render(request, "result.html", {"r": r, "buyer": await buyer_of(app, r)})


async def confirmation_doc(request: Request) -> dict[str, Any]:
    app = services(request)
    r = await lot_result(app, request.path_params["lot_id"])
    if r["final_price"] is None:
        raise NotFound("This lot was not sold; there is no confirmation of sale",
                       code="no_confirmation")
    buyer = await buyer_of(app, r)
    lot, lang = r["lot"], request_lang(request)
    t = lambda k, **v: translate(lang, k, **v)  # noqa: E731
    rows = [(t("conf_buyer"), buyer.real_name if buyer else ""),
            (t("conf_id_number"), mask_id(buyer.id_number) if buyer else ""),
            (t("winner_code"), r["winner_code"]), (t("lot"), lot["title"]),
            (t("address"), lot["address"]), (t("final_price"), yuan(r["final_price"])),
            (t("closed_at"), ms_to_local(r["state"].get("closed_at"), "%Y-%m-%d %H:%M:%S")
             + " " + t("beijing_time")),
            (t("bid_count_label"), str(r["bid_count"]))]
    return {"title": t("confirmation_title"), "court": lot["court"],
            "number": f"{lot['court']} · {t('case_number')} {lot['case_number']}",
            "rows": rows, "body": [t("conf_body_1", title=lot["title"],
                                     price=yuan(r["final_price"])), t("conf_body_2"),
                                   t("conf_ledger", head=r["verify"].head)],
            "footer": f"{lot['court']}  {ms_to_local(r['state'].get('closed_at'), '%Y-%m-%d')}",
            "date": ms_to_local(r["state"].get("closed_at"), "%Y-%m-%d"),
            "judge_label": t("conf_judge"), "date_label": t("conf_seal_date"),
            "seal_label": t("conf_seal"), "r": r, "buyer": buyer}


async def confirmation_page(request: Request) -> Response:
    await current_user(request)
    return render(request, "confirmation.html", {"doc": await confirmation_doc(request)})


async def confirmation_pdf_route(request: Request) -> Response:
    doc = await confirmation_doc(request)
    lot_id = doc["r"]["lot"]["id"]
    pdf = await asyncio.to_thread(confirmation_pdf, doc)  # font subsetting takes a while
    return Response(pdf, media_type="application/pdf", headers={
        "content-disposition": f'inline; filename="confirmation-{lot_id}.pdf"'})


api_routes = [
    api("/api/lots/{lot_id:int}/result", api_result, Op(
        "Result of a lot: outcome, final price, bid and bidder counts, winner code, "
        "confirmation of sale, settlement", LotResult)),
    api("/api/lots/{lot_id:int}/fees", api_fees, Op(
        "The buyer's taxes and fees on top of the price, with the rules used", FeeEstimate,
        query=FeesQuery, errors=(422,))),
]

page_routes = [
    Route("/lots/{lot_id:int}/result", result_page),
    Route("/lots/{lot_id:int}/confirmation", confirmation_page),
    Route("/lots/{lot_id:int}/confirmation.pdf", confirmation_pdf_route),
]
