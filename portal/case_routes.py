"""Enforcement cases: the applicant's and the officer's list of cases, a case's lots,
timeline and account ledger, and linking an applicant to a case."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.errors import Invalid, PortalError
from core.money import fen_to_yuan
from portal import cases, notifications, policy
from portal.apispec import Op, api, read_body, respond
from portal.case_read import case_detail, case_json
from portal.forms import read_form, redirect
from portal.schemas.cases import (
    ApplicantIn,
    CaseApplicants,
    CaseDetail,
    CaseSummary,
    CaseVerify,
)
from portal.services import Services, services
from portal.sessions import current_user, require_user
from portal.templating import render
from portal.users import User, Users


async def case_ids_of(app: Services, user: User) -> list[int]:
    """The cases an applicant is linked to, or an officer works on."""
    if user.role == "applicant":
        return await cases.cases_of_applicant(app.redis, user.username)
    return await cases.cases_of_officer(app.redis, user.username)


async def api_my_cases(request: Request) -> Response:
    user = await require_user(request, "applicant", "officer")
    app = services(request)
    out = []
    for case_id in await case_ids_of(app, user):
        case = await cases.get_case(app.redis, case_id) or {}
        out.append(CaseSummary(id=case_id, case_number=case.get("case_number"),
                               court=case.get("court"),
                               lot_ids=await cases.lot_ids(app.redis, case_id)))
    return respond(out)


async def api_case(request: Request) -> Response:
    user = await require_user(request, "applicant", "officer")
    app, case_id = services(request), request.path_params["case_id"]
    await policy.case_for_reader(app, user, case_id)
    return respond(case_json(await case_detail(app, case_id)))


async def link_applicant(app: Services, case_id: int, username: str, officer: User) -> bool:
    await policy.case_for_officer(app, officer, case_id)
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
    app, case_id = services(request), request.path_params["case_id"]
    await policy.case_for_officer(app, officer, case_id)  # before the body: refuse first
    data = await read_body(request, ApplicantIn)
    linked = await link_applicant(app, case_id, data.username, officer)
    return respond(CaseApplicants(case_id=case_id,
                                  applicants=await cases.applicants(app.redis, case_id)),
                   201 if linked else 200)


async def api_case_verify(request: Request) -> Response:
    user = await require_user(request, "applicant", "officer")
    app, case_id = services(request), request.path_params["case_id"]
    await policy.case_for_reader(app, user, case_id)
    c = await app.settlement.accounts.verify(case_id)
    return respond(CaseVerify(ok=c.ok, length=c.length, head=c.head, reason=c.reason,
                              balance=fen_to_yuan(c.balance), money_in=fen_to_yuan(c.money_in),
                              money_out=fen_to_yuan(c.money_out)))


async def cases_page(request: Request) -> Response:
    user = await current_user(request)
    if user is None:
        return redirect("/login?next=/cases")
    await require_user(request, "applicant", "officer")
    app = services(request)
    items = [await case_detail(app, i) for i in await case_ids_of(app, user)]
    return render(request, "cases.html", {"items": items})


async def case_page(request: Request) -> Response:
    case_id = request.path_params["case_id"]
    user = await require_user(request, "applicant", "officer")
    app = services(request)
    await policy.case_for_reader(app, user, case_id)
    error = None
    if request.method == "POST":
        form = await read_form(request)
        await require_user(request, "officer")
        try:
            await link_applicant(app, case_id, str(form.get("username") or ""), user)
            return redirect(f"/cases/{case_id}")
        except PortalError as exc:
            error = exc
    return render(request, "case.html", {"d": await case_detail(app, case_id), "error": error},
                  422 if error else 200)


CASE_ROLE = "applicant or officer"
api_routes = [
    api("/api/me/cases", api_my_cases, Op(
        "My cases: those I am linked to as applicant, or work on as officer", list[CaseSummary],
        role=CASE_ROLE)),
    api("/api/cases/{case_id:int}", api_case, Op(
        "A case: lots, timeline of every step, money ledger (its applicants and its court's "
        "officers only)", CaseDetail, role=CASE_ROLE,
        description="403 not_your_case (an applicant not linked), other_court (an officer "
        "of another court).")),
    api("/api/cases/{case_id:int}/applicants", api_link_applicant, Op(
        "Link an applicant account to the case (201 when newly linked, 200 if it already was)",
        CaseApplicants, 201, ApplicantIn, role="officer", also=(200,),
        description="403 other_court: the case belongs to another court."), ["POST"]),
    api("/api/cases/{case_id:int}/ledger/verify", api_case_verify, Op(
        "Re-verify the case's money ledger: hash chain, running balances, totals", CaseVerify,
        role=CASE_ROLE, description="403 not_your_case, other_court.")),
]

page_routes = [
    Route("/cases", cases_page),
    Route("/cases/{case_id:int}", case_page, methods=["GET", "POST"]),
]
