"""Throttling, password policy and blocking work off the event loop (issue 9, findings 4 and 12).

An in-process portal (real Redis) whose limits are set small by each test, so the production
defaults never slow the rest of the suite down.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from portal_helpers import PASSWORD, id_for, make_account, page_csrf
from redis_cluster import is_cluster_url
from starlette.routing import Route
from starlette.testclient import TestClient
from test_portal_pages import form_fields, jpeg_bytes

import portal.pages
import portal.users
from core.throttle import parse
from portal.app import create_app
from portal.settings import Settings, load_settings

Factory = Callable[..., TestClient]


@pytest.fixture
def portal_with(redis_url: str, tmp_path: Path) -> Iterator[Factory]:
    """portal_with(login_limit_account="3/minute", client=("10.0.0.5", 1)) -> a TestClient."""
    opened: list[TestClient] = []

    def make(client: tuple[str, int] = ("192.0.2.10", 50000), **limits: str) -> TestClient:
        settings = load_settings(data_dir=tmp_path / "data", redis_url=redis_url,
                                 secret_key="s" * 32, rules="sandbox", **limits,
                                 redis_cluster=is_cluster_url(redis_url))
        c = TestClient(create_app(settings, run_closer=False), client=client,
                       follow_redirects=False)
        c.__enter__()
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)


def new_user(username: str, password: str = PASSWORD, **extra: str) -> dict[str, str]:
    return {"username": username, "password": password, "real_name": "李四",
            "id_number": id_for(username), "phone": "13912345678", **extra}


def login(c: TestClient, username: str, password: str, **headers: str) -> Any:
    return c.post("/api/session", json={"username": username, "password": password},
                  headers=headers)


def test_failed_logins_of_an_account_get_429_with_retry_after(portal_with: Factory,
                                                              redis_url: str) -> None:
    """Regression: 50 wrong passwords were all 401, then the right one 200 (no lockout)."""
    c = portal_with(login_limit_account="3/minute;5/hour", login_limit_ip="100/minute")
    make_account(redis_url, "target", "bidder")
    make_account(redis_url, "bystander", "bidder")
    for _ in range(3):
        assert login(c, "target", "wrong-guess-1").status_code == 401
    refused = login(c, "target", PASSWORD)  # even the right password waits now
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_attempts"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-content-type-options"] == "nosniff"
    assert login(c, "TARGET", PASSWORD).status_code == 429  # usernames are case-insensitive
    assert login(c, "bystander", PASSWORD).status_code == 200  # other accounts unaffected


def test_successful_logins_never_count(portal_with: Factory, redis_url: str) -> None:
    c = portal_with(login_limit_account="2/minute", login_limit_ip="2/minute")
    make_account(redis_url, "regular", "bidder")
    assert [login(c, "regular", PASSWORD).status_code for _ in range(6)] == [200] * 6


def test_failed_logins_per_ip_and_the_trusted_proxy(portal_with: Factory,
                                                    redis_url: str) -> None:
    """X-Forwarded-For names the client only when the peer is a trusted proxy."""
    make_account(redis_url, "someone", "bidder")
    proxied = portal_with(client=("10.0.0.5", 40000), trusted_proxies="10.0.0.0/8",
                          login_limit_account="100/minute", login_limit_ip="2/minute")
    a = {"X-Forwarded-For": "198.51.100.7, 10.0.0.9"}
    b = {"X-Forwarded-For": "203.0.113.8"}
    assert [login(proxied, f"u{n}", "wrong-guess-1", **a).status_code for n in range(2)] == \
        [401, 401]
    assert login(proxied, "u9", "wrong-guess-1", **a).status_code == 429
    assert login(proxied, "someone", PASSWORD, **b).status_code == 200  # another client
    direct = portal_with(client=("192.0.2.44", 40000), login_limit_account="100/minute",
                         login_limit_ip="2/minute")
    for n in range(2):  # forged headers from an untrusted peer change nothing
        forged = {"X-Forwarded-For": f"198.18.0.{n}"}
        assert login(direct, f"v{n}", "wrong-guess-1", **forged).status_code == 401
    assert login(direct, "v9", "wrong-guess-1", **{"X-Forwarded-For": "198.18.0.99"}) \
        .status_code == 429


def test_login_page_shows_the_wait(portal_with: Factory, redis_url: str) -> None:
    c = portal_with(login_limit_account="1/minute", login_limit_ip="100/minute")
    make_account(redis_url, "pageuser", "bidder")
    token = page_csrf(c.get("/login").text)
    form = {"username": "pageuser", "password": "wrong-guess-1", "csrf_token": token}
    assert c.post("/login", data=form).status_code == 401
    page = c.post("/login", data={**form, "password": PASSWORD})
    assert page.status_code == 429 and "retry-after" in page.headers
    assert 'data-code="too_many_attempts"' in page.text and "尝试次数过多" in page.text


def test_sign_ups_per_ip(portal_with: Factory) -> None:
    c = portal_with(signup_limit_ip="2/hour")
    assert c.post("/api/users", json=new_user("first_one")).status_code == 201
    bad = c.post("/api/users", json=new_user("typo_one", password="short"))
    assert bad.status_code == 422  # refused sign-ups do not use up the allowance
    assert c.post("/api/users", json=new_user("second_one")).status_code == 201
    third = c.post("/api/users", json=new_user("third_one"))
    assert third.status_code == 429 and third.json()["error"]["code"] == "too_many_attempts"
    assert int(third.headers["retry-after"]) > 60
    token = page_csrf(c.get("/register").text)
    page = c.post("/register", data={**new_user("fourth_one"), "csrf_token": token})
    assert page.status_code == 429 and "尝试次数过多" in page.text


def test_the_production_defaults_leave_room_for_shared_addresses() -> None:
    hourly = [i for i in parse(Settings.signup_limit_ip) if i.get_expiry() <= 3600]
    assert all(i.amount * 3600 / i.get_expiry() >= 20 for i in hourly)
    assert parse(Settings.login_limit_account) and parse(Settings.login_limit_ip)


@pytest.mark.parametrize(("password", "code", "reason"), [
    ("12345678", "invalid_password", None),
    ("password", "invalid_password", None),
    ("1234567890", "weak_password", "common"),
    ("password12", "weak_password", "common"),
    ("aaaaaaaaaaaa", "weak_password", "guessable"),
    ("weak_owner2026", "weak_password", "personal"),
])
def test_weak_passwords_are_refused_with_the_reason(portal_with: Factory, password: str,
                                                    code: str, reason: str | None) -> None:
    """Regression: `12345678` and `password` were accepted."""
    c = portal_with()
    r = c.post("/api/users", json=new_user("weak_owner", password=password))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == code and error.get("reason") == reason
    assert ("at least 10 characters" if reason is None else "too easy to guess") \
        in error["message"]


def test_the_sign_up_page_explains_a_weak_password(portal_with: Factory) -> None:
    c = portal_with()
    token = page_csrf(c.get("/register").text)
    page = c.post("/register", data={**new_user("page_weak", password="qwertyuiop"),
                                     "csrf_token": token})
    assert page.status_code == 400 and 'data-code="weak_password"' in page.text
    assert "密码太容易被猜到" in page.text and "常用密码" in page.text
    english = c.post("/register?lang=en", data={**new_user("page_weak", password="qwertyuiop"),
                                                "csrf_token": token})
    assert "commonly used passwords" in english.text


def on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def test_hashing_runs_in_worker_threads(portal_with: Factory, monkeypatch) -> None:
    """Regression: Argon2 ran on the event loop and stalled every request of the worker."""
    seen: list[tuple[str, bool]] = []

    class SpyHasher:  # the real Argon2 hasher, noting where each hash runs
        def __init__(self, real: Any) -> None:
            self.real = real

        def __getattr__(self, name: str) -> Any:
            attr = getattr(self.real, name)
            if name not in ("hash", "verify"):
                return attr

            def wrapped(*args: Any) -> Any:
                seen.append((name, on_loop()))
                return attr(*args)
            return wrapped

    monkeypatch.setattr(portal.users, "_hasher", SpyHasher(portal.users._hasher))
    c = portal_with()
    assert c.post("/api/users", json=new_user("threaded")).status_code == 201
    assert login(c, "threaded", PASSWORD).status_code == 200
    assert login(c, "threaded", "wrong-guess-1").status_code == 401
    assert [name for name, _ in seen] == ["hash", "verify", "verify"]
    assert not any(loop for _, loop in seen), "hashed on the event loop's thread"


def test_lot_form_photos_are_decoded_in_worker_threads(portal_with: Factory, redis_url: str,
                                                       monkeypatch) -> None:
    """Regression: lot-form photos were decoded on the loop (four 36 MP photos stalled it)."""
    seen: list[bool] = []
    real = portal.pages.save_photo

    def spy(*args: Any) -> str:
        seen.append(on_loop())
        return real(*args)

    monkeypatch.setattr(portal.pages, "save_photo", spy)
    c = portal_with()
    make_account(redis_url, "photo_officer", "officer")
    assert login(c, "photo_officer", PASSWORD).status_code == 200
    token = page_csrf(c.get("/officer/lots/new").text)
    r = c.post("/officer/lots/new", data=form_fields(token),
               files=[("photos", ("a.jpg", jpeg_bytes(), "image/jpeg")),
                      ("photos", ("b.jpg", jpeg_bytes(), "image/jpeg"))])
    assert r.status_code == 303, r.text
    assert seen == [False, False]
    assert re.fullmatch(r"/lots/\d+", r.headers["location"])


def test_a_server_error_carries_the_security_headers(redis_url: str, tmp_path: Path) -> None:
    """A 500 is answered outside the security middleware; its handler adds the headers."""
    def boom(request: Any) -> Any:
        raise RuntimeError("boom")

    settings = load_settings(data_dir=tmp_path / "data", redis_url=redis_url,
                             secret_key="s" * 32, rules="sandbox",
                             redis_cluster=is_cluster_url(redis_url))
    app = create_app(settings, run_closer=False)
    app.router.routes.insert(0, Route("/api/boom", boom))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/boom")
    assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "'unsafe-inline'" not in r.headers["content-security-policy"].split("style-src")[0]
