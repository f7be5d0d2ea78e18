"""JSON API of accounts and sessions: sign-up, log in and out, me and my lots."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from core.errors import NotFound, PortalError
from portal.apispec import Op, api, body_dict, read_body, respond
from portal.my_lots import my_lot_summaries, my_lot_summary
from portal.schemas.users import Credentials, MyLot, MyLots, NewUser, SessionOut, User
from portal.services import services
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


async def my_lot(request: Request) -> Response:
    user = await require_user(request)
    item = await my_lot_summary(services(request), user.username, request.path_params["lot_id"])
    if item is None:
        raise NotFound("You are not registered for this lot", code="not_registered")
    return respond(item)


routes = [
    api("/api/users", create_user, Op(
        "Create a bidder account", User, 201, body=NewUser, errors=(409, 429),
        description="409 username_taken, id_number_taken (one account per person: ID "
        "numbers are unique, compared without spaces and with X upper-cased); 422 "
        "invalid_<field> naming the first bad field, or weak_password (with reason: common, "
        "personal or guessable); 429 too_many_attempts (sign-ups per client IP, with "
        "Retry-After)."),
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
        "My registrations, deposits and bids, each lot with where I stand", MyLots,
        role="any")),
    api("/api/me/lots/{lot_id:int}", my_lot, Op(
        "One lot I registered for, with where I stand (the lot page reads it at the close)",
        MyLot, role="any", errors=(404,),
        description="404 not_registered when the user never registered for the lot (or "
                    "lot_not_found).")),
]
