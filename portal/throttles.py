"""Throttling of logins and sign-ups (settings LOGIN_LIMIT_ACCOUNT, LOGIN_LIMIT_IP,
SIGNUP_LIMIT_IP): 429 ``too_many_attempts`` with Retry-After.

Failed logins count per account and per client IP; a successful login never counts, so
people sharing an address are not locked out by one another's successes. The tiers of each
limit make the wait grow while the guessing goes on (a minute, then an hour, then a day).
Sign-ups count per IP once the account exists.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from core.errors import PortalError
from core.throttle import parse
from portal import keys
from portal.client_ip import client_ip
from portal.services import services
from portal.users import User, Users


class TooManyAttempts(PortalError):
    status, code = 429, "too_many_attempts"


def _refuse(wait: float, what: str) -> TooManyAttempts:
    return TooManyAttempts(f"Too many {what}; try again later",
                           retry_after_ms=int(wait * 1000))


def _ip(request: Request) -> str:
    return client_ip(request, services(request).settings.trusted_proxies)


async def check_login(request: Request, username: str) -> None:
    """Refuse before checking the password while the account or the IP must wait."""
    app = services(request)
    account = keys.throttle_login_account(username)
    wait = await app.throttle.wait(parse(app.settings.login_limit_account), *account)
    ip_wait = await app.throttle.wait(parse(app.settings.login_limit_ip),
                                      *keys.throttle_login_ip(_ip(request)))
    worst = max(wait or 0, ip_wait or 0)
    if worst:
        raise _refuse(worst, "failed logins")


async def login_failed(request: Request, username: str) -> None:
    app = services(request)
    await app.throttle.hit(parse(app.settings.login_limit_account),
                           *keys.throttle_login_account(username))
    await app.throttle.hit(parse(app.settings.login_limit_ip),
                           *keys.throttle_login_ip(_ip(request)))


async def check_signup(request: Request) -> None:
    app = services(request)
    wait = await app.throttle.wait(parse(app.settings.signup_limit_ip),
                                   *keys.throttle_signup_ip(_ip(request)))
    if wait is not None:
        raise _refuse(wait, "sign-ups from this address")


async def signed_up(request: Request) -> None:
    app = services(request)
    await app.throttle.hit(parse(app.settings.signup_limit_ip),
                           *keys.throttle_signup_ip(_ip(request)))


async def authenticate(request: Request, username: str, password: str) -> User | None:
    """Users.authenticate behind the login throttle (raises TooManyAttempts)."""
    await check_login(request, username)
    user = await Users(services(request).redis).authenticate(username, password)
    if user is None:
        await login_failed(request, username)
    return user


async def create_account(request: Request, data: dict[str, Any]) -> User:
    """Users.create behind the sign-up throttle (raises TooManyAttempts)."""
    await check_signup(request)
    user = await Users(services(request).redis).create(data)
    await signed_up(request)
    return user
