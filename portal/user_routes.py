"""JSON API of accounts and sessions: sign-up, log in and out, me and my lots."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bidding.events import public_bid
from core.errors import PortalError
from core.names import user_id
from portal import keys
from portal.apispec import Op, api, body_dict, read_body, respond
from portal.lot_routes import registration_view
from portal.lots import lot_view
from portal.schemas.users import Credentials, MyLots, NewUser, SessionOut, User
from portal.services import Services, services
from portal.sessions import end_session, require_user, start_session
from portal.throttles import authenticate, create_account


async def create_user(request: Request) -> Response:
    data = body_dict(await read_body(request, NewUser))
    user = await create_account(request, data)
    return respond(user.public(), status=201)


async def create_session(request: Request) -> Response:
    data = await read_body(request, Credentials)
    user = await authenticate(request, data.username, data.password)
    if user is None:
        raise PortalError("Wrong username or password", code="bad_credentials", status=401)
    response = respond({"user": user.public()})
    await start_session(request, response, user)
    return response


async def delete_session(request: Request) -> Response:
    response = Response(status_code=204)
    await end_session(request, response)
    return response


async def me(request: Request) -> Response:
    user = await require_user(request)
    return respond({"user": user.public()})


async def my_lots(request: Request) -> Response:
    user = await require_user(request)
    return respond({"items": await my_lot_summaries(services(request), user.username)})


async def my_lot_summaries(app: Services, username: str) -> list[dict[str, Any]]:
    ids = sorted(int(i) for i in await app.redis.smembers(keys.user_lots(username)))
    out = []
    for lot_id in ids:
        lot = await app.lots.get(lot_id)
        code = await app.store.code_for(lot_id, user_id(username))
        if code is None:  # listed but never registered (a registration that failed half-way)
            continue
        order = await app.payments.deposit_order(lot_id, username, code, lot["deposit"])
        entries = await app.store.ledger(lot_id)
        mine = [public_bid(e) for e in entries if e["kind"] == "bid" and e["code"] == code]
        out.append({"lot": lot_view(lot, await app.store.state(lot_id)),
                    "registration": registration_view(lot, code, order), "bids": mine})
    return out


routes = [
    api("/api/users", create_user, Op(
        "Create a bidder account", User, 201, body=NewUser, errors=(409, 429),
        description="409 username_taken; 422 invalid_<field> naming the first bad field, or "
                    "weak_password (with reason: common, personal or guessable); 429 "
                    "too_many_attempts (sign-ups per client IP, with Retry-After)."),
        ["POST"]),
    api("/api/session", create_session, Op(
        "Log in; sets the session cookie (HttpOnly, SameSite=Lax)", SessionOut,
        body=Credentials, errors=(401, 429),
        description="429 too_many_attempts after repeated failed logins of the account or "
                    "from the client IP (with Retry-After); successful logins never count."),
        ["POST"]),
    api("/api/session", delete_session, Op("Log out (clears the session cookie)", None, 204),
        ["DELETE"]),
    api("/api/me", me, Op("The logged-in user", SessionOut, role="any")),
    api("/api/me/lots", my_lots, Op(
        "My registrations, deposits and bids", MyLots, role="any")),
]
