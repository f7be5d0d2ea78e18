"""Routes after the hammer: results and confirmations, relisting, settlement actions, cases
and applicants, deposits, notifications, reminders and the officer's dashboard."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bidding.money import fen_to_yuan, yuan_to_fen
from bidding.rules import DAY_MS
from portal import cases, notifications
from portal.api import json_body, lot_id_param, services
from portal.case_views import (
    buyer_of,
    case_detail,
    case_json,
    dashboard,
    dashboard_json,
    lot_result,
    mask_id,
    require_case,
    result_json,
)
from portal.confirmation import confirmation_pdf
from portal.errors import BadRequest, Conflict, Invalid, NotFound, PortalError
from portal.i18n import request_lang, translate
from portal.relist import relist
from portal.sessions import current_user, require_user
from portal.settlement_rules import fee_estimate
from portal.templating import render, yuan
from portal.timefmt import iso_to_ms, local_input_to_ms, ms_to_local
from portal.users import Users

BULK_ACTIONS = ("release", "settle", "extend_deadline", "apply_forfeit")


def case_id_param(request: Request) -> int:
    try:
        return int(request.path_params["case_id"])
    except ValueError:
        raise NotFound("No such case", code="case_not_found") from None


def _fen(value: Any, field: str) -> int:
    try:
        return yuan_to_fen(value)
    except (ValueError, TypeError):
        raise Invalid(f"{field} must be an amount of yuan", code="invalid_field",
                      field=field) from None


# -- JSON API -----------------------------------------------------------------------------------


async def api_result(request: Request) -> Response:
    return JSONResponse(result_json(await lot_result(services(request), lot_id_param(request))))


async def api_relist(request: Request) -> Response:
    officer = await require_user(request, "officer")
    app = services(request)
    new = await relist(app, lot_id_param(request), await json_body(request), officer)
    from portal.lots import lot_view

    view = lot_view(new, await app.store.state(new["id"]))
    view.update(round=new["round"], sale_mode=new["sale_mode"],
                previous_lot_id=new["previous_lot_id"])
    return JSONResponse(view, status_code=201)


async def api_settlement_terms(request: Request) -> Response:
    await require_user(request, "officer")
    app, lot_id = services(request), lot_id_param(request)
    data = await json_body(request)
    if not isinstance(data, dict):
        raise Invalid("Expected a JSON object", code="invalid_body")
    due = None
    if data.get("due_at") is not None:
        try:
            due = iso_to_ms(str(data["due_at"]))
        except ValueError as exc:
            raise Invalid(f"due_at: {exc}", code="invalid_field", field="due_at") from None
    costs = _fen(data["auction_costs"], "auction_costs") if data.get("auction_costs") \
        is not None else None
    await app.settlement.set_terms(lot_id, due_at=due, auction_costs=costs)
    return JSONResponse(result_json(await lot_result(app, lot_id))["settlement"])


async def api_release(request: Request) -> Response:
    await require_user(request, "officer")
    amount = await services(request).settlement.release(lot_id_param(request))
    return JSONResponse({"released": fen_to_yuan(amount)})


async def api_apply_forfeit(request: Request) -> Response:
    await require_user(request, "officer")
    held = await services(request).settlement.apply_forfeit_now(lot_id_param(request))
    return JSONResponse({"proceeds_held": fen_to_yuan(held)})


async def api_reminders(request: Request) -> Response:
    user = await require_user(request, "bidder", "applicant", "officer")
    app, lot_id = services(request), lot_id_param(request)
    lot = await app.lots.get(lot_id)
    if request.method == "DELETE":
        await notifications.unsubscribe_reminders(app.redis, lot_id, user.username)
        return JSONResponse({"subscribed": False})
    state = await app.store.state(lot_id) or {}
    if state.get("status") not in ("upcoming", "live"):
        raise Conflict("This auction has ended", code="closed")
    await notifications.subscribe_reminders(app.redis, lot_id, user.username, lot["starts_at"],
                                            state.get("ends_at", lot["ends_at"]),
                                            await app.store.server_time_ms())
    return JSONResponse({"subscribed": True}, status_code=201)


async def api_fees(request: Request) -> Response:
    app, lot_id = services(request), lot_id_param(request)
    lot = await app.lots.get(lot_id)
    state = await app.store.state(lot_id) or {}
    price = state["current_price"] if state.get("bid_count") else lot["starting_price"]
    if request.query_params.get("price"):
        price = _fen(request.query_params["price"], "price")
    est = fee_estimate(lot["property_type"], lot.get("area_m2"), price)
    lang = request_lang(request)
    return JSONResponse({"price": fen_to_yuan(est.price), "total": fen_to_yuan(est.total),
                         "items": [{"item": translate(lang, i.key), "rate": i.rate,
                                    "amount": fen_to_yuan(i.amount),
                                    "rule": translate(lang, i.rule)} for i in est.items]})


async def api_my_deposits(request: Request) -> Response:
    user = await require_user(request)
    items = await services(request).settlement.deposits_for(user.username)
    return JSONResponse([{**d, "amount": fen_to_yuan(d["amount"])} for d in items])


async def api_my_cases(request: Request) -> Response:
    user = await require_user(request, "applicant", "officer")
    app = services(request)
    ids = (await cases.cases_of_applicant(app.redis, user.username) if user.role == "applicant"
           else await cases.cases_of_officer(app.redis, user.username))
    out = []
    for case_id in ids:
        case = await cases.get_case(app.redis, case_id) or {}
        out.append({"id": case_id, "case_number": case.get("case_number"),
                    "court": case.get("court"),
                    "lot_ids": await cases.lot_ids(app.redis, case_id)})
    return JSONResponse(out)


async def api_notifications(request: Request) -> Response:
    user = await require_user(request)
    app, lang = services(request), request_lang(request)
    if request.method == "POST":
        await notifications.mark_read(app.redis, user.username)
        return JSONResponse({"unread": 0})
    items = await notifications.items(app.redis, user.username)
    return JSONResponse({"unread": await notifications.unread(app.redis, user.username),
                         "items": [{"kind": i["kind"], "text": notifications.render(lang, i),
                                    "lot_id": i.get("lot_id"), "case_id": i.get("case_id"),
                                    "at": ms_iso(i["at"])} for i in items]})


def ms_iso(ms: int) -> str | None:
    from portal.timefmt import ms_to_iso

    return ms_to_iso(ms)


async def api_case(request: Request) -> Response:
    user = await require_user(request, "applicant", "officer")
    app, case_id = services(request), case_id_param(request)
    await require_case(app, case_id, user)
    return JSONResponse(case_json(await case_detail(app, case_id)))


async def link_applicant(app: Any, case_id: int, username: str, officer: Any) -> bool:
    if await cases.get_case(app.redis, case_id) is None:
        raise NotFound("No such case", code="case_not_found")
    target = await Users(app.redis).get(username.strip()) if username.strip() else None
    if target is None:
        raise Invalid("No account with that username", code="unknown_user", field="username")
    if target.role != "applicant":
        raise Invalid("That account is not an applicant", code="not_an_applicant",
                      field="username")
    await cases.add_officer(app.redis, case_id, officer.username)
    linked = await cases.link_applicant(app.redis, case_id, target.username)
    case = await cases.get_case(app.redis, case_id) or {}
    await notifications.notify(app.redis, target.username, "linked",
                               {"case_number": case.get("case_number", "")},
                               dedupe=f"linked:{case_id}", case_id=case_id)
    return linked


async def api_link_applicant(request: Request) -> Response:
    officer = await require_user(request, "officer")
    app, case_id = services(request), case_id_param(request)
    data = await json_body(request)
    username = str(data.get("username") or "") if isinstance(data, dict) else ""
    linked = await link_applicant(app, case_id, username, officer)
    return JSONResponse({"case_id": case_id, "applicants": await cases.applicants(app.redis,
                                                                                   case_id)},
                        status_code=201 if linked else 200)


async def api_case_verify(request: Request) -> Response:
    user = await require_user(request, "applicant", "officer")
    app, case_id = services(request), case_id_param(request)
    await require_case(app, case_id, user)
    c = await app.settlement.accounts.verify(case_id)
    return JSONResponse({"ok": c.ok, "length": c.length, "head": c.head, "reason": c.reason,
                         "balance": fen_to_yuan(c.balance), "money_in": fen_to_yuan(c.money_in),
                         "money_out": fen_to_yuan(c.money_out)})


async def api_dashboard(request: Request) -> Response:
    officer = await require_user(request, "officer")
    return JSONResponse(dashboard_json(await dashboard(services(request), officer)))


async def bulk(app: Any, action: str, lot_ids: list[int], days: int) -> list[dict[str, Any]]:
    if action not in BULK_ACTIONS:
        raise Invalid(f"action must be one of {BULK_ACTIONS}", code="invalid_action")
    results = []
    for lot_id in lot_ids:
        try:
            if action == "release":
                done: Any = fen_to_yuan(await app.settlement.release(lot_id))
            elif action == "settle":
                done = await app.settlement.settle_lot(lot_id)
            elif action == "apply_forfeit":
                done = fen_to_yuan(await app.settlement.apply_forfeit_now(lot_id))
            else:
                rec = await app.settlement.record(lot_id)
                due = int(rec.get("due_at") or 0) + days * DAY_MS
                done = ms_iso((await app.settlement.set_terms(lot_id, due_at=due))["due_at"])
            results.append({"lot_id": lot_id, "ok": True, "result": done})
        except PortalError as exc:
            results.append({"lot_id": lot_id, "ok": False, "error": exc.code})
    return results


async def api_bulk(request: Request) -> Response:
    await require_user(request, "officer")
    data = await json_body(request)
    if not isinstance(data, dict) or not isinstance(data.get("lot_ids"), list) or not all(
            isinstance(i, int) for i in data["lot_ids"]):
        raise Invalid("Expected {action, lot_ids: [int], days?}", code="invalid_body")
    days = data.get("days", 7)
    if not isinstance(days, int) or not 1 <= days <= 60:
        raise Invalid("days: 1-60", code="invalid_field", field="days")
    return JSONResponse({"results": await bulk(services(request), str(data.get("action")),
                                               data["lot_ids"][:500], days)})


# -- pages ---------------------------------------------------------------------------------------


def redirect(url: str) -> Response:
    from starlette.responses import RedirectResponse

    return RedirectResponse(url, status_code=303)


async def result_page(request: Request) -> Response:
    await current_user(request)
    app = services(request)
    r = await lot_result(app, lot_id_param(request))
    return render(request, "result.html", {"r": r, "buyer": await buyer_of(app, r)})


async def confirmation_doc(request: Request) -> dict[str, Any]:
    app = services(request)
    r = await lot_result(app, lot_id_param(request))
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
            "r": r, "buyer": buyer}


async def confirmation_page(request: Request) -> Response:
    await current_user(request)
    return render(request, "confirmation.html", {"doc": await confirmation_doc(request)})


async def confirmation_pdf_route(request: Request) -> Response:
    doc = await confirmation_doc(request)
    lot_id = doc["r"]["lot"]["id"]
    return Response(confirmation_pdf(doc), media_type="application/pdf", headers={
        "content-disposition": f'inline; filename="confirmation-{lot_id}.pdf"'})


async def cases_page(request: Request) -> Response:
    user = await current_user(request)
    if user is None:
        return redirect("/login?next=/cases")
    await require_user(request, "applicant", "officer")
    app = services(request)
    ids = (await cases.cases_of_applicant(app.redis, user.username) if user.role == "applicant"
           else await cases.cases_of_officer(app.redis, user.username))
    items = [await case_detail(app, i) for i in ids]
    return render(request, "cases.html", {"items": items})


async def case_page(request: Request) -> Response:
    case_id = case_id_param(request)
    user = await require_user(request, "applicant", "officer")
    app = services(request)
    await require_case(app, case_id, user)
    error = None
    if request.method == "POST":
        from portal.pages import read_form

        form = await read_form(request)
        await require_user(request, "officer")
        try:
            await link_applicant(app, case_id, str(form.get("username") or ""), user)
            return redirect(f"/cases/{case_id}")
        except PortalError as exc:
            error = exc
    return render(request, "case.html", {"d": await case_detail(app, case_id), "error": error},
                  422 if error else 200)


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
    return render(request, "notifications.html", {"items": shown, "deposits": deposits})


async def dashboard_page(request: Request) -> Response:
    user = await require_user(request, "officer")
    app = services(request)
    results = None
    action = ""
    none_selected = False
    if request.method == "POST":
        from portal.pages import read_form

        form = await read_form(request, max_fields=600)
        try:
            ids = [int(str(v)) for v in form.getlist("lot_id")]
            days = int(str(form.get("days") or 7))
        except ValueError:
            raise BadRequest("Bad form", code="invalid_form") from None
        action = str(form.get("action") or "")
        if ids:
            results = await bulk(app, action, ids, max(1, min(days, 60)))
            for r in results:  # the page shows a new deadline in Beijing time
                if r["ok"] and action == "extend_deadline" and r.get("result"):
                    r["due_ms"] = iso_to_ms(r["result"])
        else:
            none_selected = True
    return render(request, "dashboard.html", {"d": await dashboard(app, user),
                                              "results": results, "action": action,
                                              "none_selected": none_selected})


async def relist_page(request: Request) -> Response:
    lot_id = lot_id_param(request)
    user = await require_user(request, "officer")
    app = services(request)
    r = await lot_result(app, lot_id)
    from portal.relist import prior_of
    from portal.settlement_rules import next_round, relist_deadline_ms

    prior = await prior_of(app, r["lot"])
    ctx: dict[str, Any] = {"r": r, "prior": prior, "round": next_round(prior), "error": None,
                           "deadline": relist_deadline_ms(prior), "values": {}}
    if request.method == "POST":
        from portal.pages import read_form

        form = await read_form(request)
        values = {k: str(form.get(k) or "").strip() for k in
                  ("starting_price", "increment", "deposit", "starts_at", "ends_at")}
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
    return render(request, "relist.html", ctx)


async def settlement_form(request: Request) -> Response:
    await current_user(request)
    lot_id = lot_id_param(request)
    await require_user(request, "officer")
    from portal.pages import read_form

    form = await read_form(request)
    app = services(request)
    due = str(form.get("due_at") or "").strip()
    costs = str(form.get("auction_costs") or "").strip()
    try:
        await app.settlement.set_terms(
            lot_id, due_at=local_input_to_ms(due) if due else None,
            auction_costs=_fen(costs, "auction_costs") if costs else None)
    except ValueError:
        raise Invalid("due_at must be a date and time", code="invalid_field") from None
    return redirect(f"/lots/{lot_id}/result")


async def reminder_form(request: Request) -> Response:
    user = await current_user(request)
    lot_id = lot_id_param(request)
    if user is None:
        return redirect(f"/login?next=/lots/{lot_id}")
    from portal.pages import read_form

    form = await read_form(request)
    app = services(request)
    if form.get("off"):
        await notifications.unsubscribe_reminders(app.redis, lot_id, user.username)
    else:
        lot = await app.lots.get(lot_id)
        state = await app.store.state(lot_id) or {}
        await notifications.subscribe_reminders(app.redis, lot_id, user.username,
                                                lot["starts_at"],
                                                state.get("ends_at", lot["ends_at"]),
                                                await app.store.server_time_ms())
    return redirect(f"/lots/{lot_id}")


async def lot_extras(app: Any, lot: dict[str, Any], state: dict[str, Any] | None,
                     user: Any) -> dict[str, Any]:
    """Extra context of the lot page: fee estimate, reminder, round, settlement links."""
    state = state or {}
    price = state["current_price"] if state.get("bid_count") else lot["starting_price"]
    reminded = bool(user and await notifications.reminded(app.redis, lot["id"], user.username))
    return {"fees": fee_estimate(lot["property_type"], lot.get("area_m2"), price),
            "reminded": reminded, "settlement": await app.settlement.record(lot["id"]),
            "next_lot_id": await app.settlement.next_lot(lot["id"]),
            "outcome": await app.settlement.outcome(lot["id"], state or None)}


api_routes = [
    Route("/api/lots/{lot_id}/result", api_result),
    Route("/api/lots/{lot_id}/relist", api_relist, methods=["POST"]),
    Route("/api/lots/{lot_id}/settlement", api_settlement_terms, methods=["POST"]),
    Route("/api/lots/{lot_id}/release", api_release, methods=["POST"]),
    Route("/api/lots/{lot_id}/forfeit", api_apply_forfeit, methods=["POST"]),
    Route("/api/lots/{lot_id}/reminders", api_reminders, methods=["POST", "DELETE"]),
    Route("/api/lots/{lot_id}/fees", api_fees),
    Route("/api/me/deposits", api_my_deposits),
    Route("/api/me/cases", api_my_cases),
    Route("/api/me/notifications", api_notifications, methods=["GET", "POST"]),
    Route("/api/cases/{case_id}", api_case),
    Route("/api/cases/{case_id}/applicants", api_link_applicant, methods=["POST"]),
    Route("/api/cases/{case_id}/ledger/verify", api_case_verify),
    Route("/api/officer/dashboard", api_dashboard),
    Route("/api/officer/bulk", api_bulk, methods=["POST"]),
]

page_routes = [
    Route("/lots/{lot_id}/result", result_page),
    Route("/lots/{lot_id}/confirmation", confirmation_page),
    Route("/lots/{lot_id}/confirmation.pdf", confirmation_pdf_route),
    Route("/lots/{lot_id}/reminders", reminder_form, methods=["POST"]),
    Route("/cases", cases_page),
    Route("/cases/{case_id}", case_page, methods=["GET", "POST"]),
    Route("/notifications", notifications_page),
    Route("/officer/dashboard", dashboard_page, methods=["GET", "POST"]),
    Route("/officer/lots/{lot_id}/relist", relist_page, methods=["GET", "POST"]),
    Route("/officer/lots/{lot_id}/settlement", settlement_form, methods=["POST"]),
]
