"""Inviting an applicant (the creditor) to a case: the case's officer makes a one-time link,
the applicant opens it, makes their own account (role applicant) and lands on the case.
Officers never choose or see an applicant's password, and no command line is needed."""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.errors import PortalError
from core.timefmt import iso_to_ms, ms_to_iso
from portal import cases, keys, policy
from portal.apispec import Op, api, respond
from portal.case_read import case_detail
from portal.forms import read_form, redirect
from portal.schemas.cases import Invitation
from portal.services import Services, services
from portal.sessions import require_user, start_session
from portal.templating import render
from portal.users import User, Users

TTL_MS = 7 * 24 * 3600 * 1000
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
FIELDS = ("username", "password", "real_name", "id_number", "phone")


class InvitationGone(PortalError):
    status, code = 410, "invitation_gone"


async def create(app: Services, case_id: int, officer: User) -> Invitation:
    token = secrets.token_urlsafe(24)
    now = int(time.time() * 1000)
    await app.redis.set(keys.invitation(token), json.dumps(
        {"case_id": case_id, "by": officer.username, "expires_at": now + TTL_MS}), px=TTL_MS)
    return Invitation(case_id=case_id, url=f"/invite/{token}",
                      expires_at=ms_to_iso(now + TTL_MS) or "")


async def peek(app: Services, token: str) -> dict[str, Any]:
    raw = await app.redis.get(keys.invitation(token)) if TOKEN_RE.fullmatch(token) else None
    if raw is None:
        raise InvitationGone("This invitation was used or has expired; ask the court for a "
                             "new one")
    data: dict[str, Any] = json.loads(raw)
    return data


async def accept(app: Services, token: str, values: dict[str, str]) -> tuple[User, int]:
    """Claim the invitation (GETDEL, so it works once), make the applicant, link the case.
    When the account cannot be made (bad field, name taken) the invitation is put back."""
    await peek(app, token)
    raw = await app.redis.getdel(keys.invitation(token))
    if raw is None:
        raise InvitationGone("This invitation was used or has expired")
    data = json.loads(raw)
    try:
        user = await Users(app.redis).create(values, role="applicant")
    except PortalError:
        left = int(data["expires_at"]) - int(time.time() * 1000)
        if left > 0:
            await app.redis.set(keys.invitation(token), raw, px=left)
        raise
    await cases.link_applicant(app.redis, int(data["case_id"]), user.username)
    return user, int(data["case_id"])


async def api_invite(request: Request) -> Response:
    officer = await require_user(request, "officer")
    app, case_id = services(request), request.path_params["case_id"]
    await policy.case_for_officer(app, officer, case_id)
    return respond(await create(app, case_id, officer), 201)


async def invite_page(request: Request) -> Response:
    """POST from the case page: make a link and show it on the case page."""
    await read_form(request)
    officer = await require_user(request, "officer")
    app, case_id = services(request), request.path_params["case_id"]
    await policy.case_for_officer(app, officer, case_id)
    invitation = await create(app, case_id, officer)
    return render(request, "case.html", {
        "d": await case_detail(app, case_id), "error": None,
        "invitation_url": str(request.base_url).rstrip("/") + invitation.url,
        "invitation_expires": iso_to_ms(invitation.expires_at)})


async def accept_page(request: Request) -> Response:
    app, token = services(request), request.path_params["token"]
    try:
        data = await peek(app, token)
    except PortalError as exc:
        return render(request, "invite.html", {"gone": exc, "values": {}, "error": None}, 410)
    case = await cases.get_case(app.redis, int(data["case_id"])) or {}
    ctx: dict[str, Any] = {"gone": None, "case": case, "values": {}, "error": None}
    if request.method == "GET":
        return render(request, "invite.html", ctx)
    form = await read_form(request)
    values = {k: str(form.get(k) or "") for k in FIELDS}
    try:
        user, case_id = await accept(app, token, values)
    except InvitationGone as exc:
        return render(request, "invite.html", {**ctx, "gone": exc}, 410)
    except PortalError as exc:
        values.pop("password")
        return render(request, "invite.html", {**ctx, "values": values, "error": exc},
                      exc.status)
    response = redirect(f"/cases/{case_id}")
    await start_session(request, response, user)
    return response


api_routes = [
    api("/api/cases/{case_id:int}/invitations", api_invite, Op(
        "Invite an applicant to the case: a one-time link (valid 7 days) where they make "
        "their own applicant account, linked to this case", Invitation, 201,
        role="officer"), ["POST"]),
]

page_routes = [
    Route("/cases/{case_id:int}/invite", invite_page, methods=["POST"]),
    Route("/invite/{token}", accept_page, methods=["GET", "POST"]),
]
