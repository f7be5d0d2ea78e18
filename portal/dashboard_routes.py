"""The officer's dashboard: every lot of the officer's cases with its next deadline, the
court's figures, and bulk actions over many lots (release, settle, extend, apply forfeit)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bidding.rules import DAY_MS
from core.errors import BadRequest, Invalid, PortalError
from core.money import fen_to_yuan
from core.timefmt import iso_to_ms, ms_to_iso
from portal import policy
from portal.apispec import Op, api, read_body, respond
from portal.case_read import dashboard, dashboard_json
from portal.forms import read_form
from portal.schemas.cases import BULK_ACTIONS, BulkIn, BulkResults, Dashboard
from portal.services import Services, services
from portal.sessions import require_user
from portal.templating import render
from portal.users import User


async def api_dashboard(request: Request) -> Response:
    officer = await require_user(request, "officer")
    return respond(dashboard_json(await dashboard(services(request), officer)))


async def bulk_one(app: Services, action: str, lot_id: int, days: int) -> Any:
    """Run one bulk action on one lot; its result as the API shows it."""
    if action == "release":
        return fen_to_yuan(await app.settlement.release(lot_id))
    if action == "settle":
        return await app.settlement.settle_lot(lot_id)
    if action == "apply_forfeit":
        return fen_to_yuan(await app.settlement.apply_forfeit_now(lot_id))
    rec = await app.settlement.record(lot_id)
    due = int(rec.get("due_at") or 0) + days * DAY_MS
    return ms_to_iso((await app.settlement.set_terms(lot_id, due_at=due))["due_at"])


async def bulk(app: Services, officer: User, action: str, lot_ids: list[int],
               days: int) -> list[dict[str, Any]]:
    """Each lot separately: one of another court is refused (``other_court``) on its own."""
    if action not in BULK_ACTIONS:
        raise Invalid(f"action must be one of {BULK_ACTIONS}", code="invalid_action")
    results = []
    for lot_id in lot_ids:
        try:
            await policy.lot_for_officer(app, officer, lot_id)
            done = await bulk_one(app, action, lot_id, days)
            results.append({"lot_id": lot_id, "ok": True, "result": done})
        except PortalError as exc:
            results.append({"lot_id": lot_id, "ok": False, "error": exc.code})
    return results


async def api_bulk(request: Request) -> Response:
    officer = await require_user(request, "officer")
    data = await read_body(request, BulkIn)
    if not 1 <= data.days <= 60:
        raise Invalid("days: 1-60", code="invalid_field", field="days")
    results = await bulk(services(request), officer, data.action, data.lot_ids[:500], data.days)
    return respond({"results": results})


async def dashboard_page(request: Request) -> Response:
    user = await require_user(request, "officer")
    app = services(request)
    results = None
    action = ""
    none_selected = False
    if request.method == "POST":
        form = await read_form(request, max_fields=600)
        try:
            ids = [int(str(v)) for v in form.getlist("lot_id")]
            days = int(str(form.get("days") or 7))
        except ValueError:
            raise BadRequest("Bad form", code="invalid_form") from None
        action = str(form.get("action") or "")
        if ids:
            results = await bulk(app, user, action, ids, max(1, min(days, 60)))
            for r in results:  # the page shows a new deadline in Beijing time
                if r["ok"] and action == "extend_deadline" and r.get("result"):
                    r["due_ms"] = iso_to_ms(r["result"])
        else:
            none_selected = True
    return render(request, "dashboard.html", {"d": await dashboard(app, user),
                                              "results": results, "action": action,
                                              "none_selected": none_selected})


api_routes = [
    api("/api/officer/dashboard", api_dashboard, Op(
        "Every lot of my cases with its next deadline and overdue items; the court's figures",
        Dashboard, role="officer")),
    api("/api/officer/bulk", api_bulk, Op(
        "A bulk action on lots: release, settle, extend_deadline or apply_forfeit; one result "
        "per lot (a refused lot names the refusal's code, e.g. other_court for another "
        "court's lot)", BulkResults, body=BulkIn,
        role="officer"), ["POST"]),
]

page_routes = [
    Route("/officer/dashboard", dashboard_page, methods=["GET", "POST"]),
]
