"""Helpers for portal tests: actors with their own cookie jars, lots relative to server time."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import redis.asyncio as aioredis

from portal.users import Users

ID_NUMBER = "11010519491231002X"
PASSWORD = "correct-horse-9"


def page_csrf(html: str) -> str:
    """The CSRF token a page's forms carry (HMAC of the session; portal/sessions.py)."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page without a CSRF token"
    return match.group(1)


class Actor(httpx.Client):
    username: str = ""


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def now_ms() -> int:
    return int(time.time() * 1000)


def make_account(redis_url: str, username: str, role: str) -> None:
    async def run() -> None:
        client = aioredis.Redis.from_url(redis_url, decode_responses=True)
        await Users(client).create({"username": username, "password": PASSWORD,
                                    "real_name": username, "id_number": ID_NUMBER,
                                    "phone": "13800138000"}, role=role)
        await client.aclose()

    run_async(run())


def run_async(coro: Any) -> Any:
    """asyncio.run in a worker thread (Playwright's sync API owns this thread's loop)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def actor(base: str, redis_url: str, username: str, role: str = "bidder") -> Actor:
    """Create an account (bidders through the public API) and log in."""
    client = Actor(base_url=base, timeout=20)
    client.username = username
    if role == "bidder":
        r = client.post("/api/users", json={"username": username, "password": PASSWORD,
                                            "real_name": "张三", "id_number": ID_NUMBER,
                                            "phone": "13800138000"})
        assert r.status_code == 201, r.text
    else:
        make_account(redis_url, username, role)
    r = client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def lot_body(**overrides: Any) -> dict[str, Any]:
    now = now_ms()
    body: dict[str, Any] = {
        "title": "朝阳区 测试住宅", "court": "北京市第一中级人民法院",
        "case_number": "(2026)京01执1号", "property_type": "residential",
        "district": "朝阳区", "address": "北京市朝阳区测试路1号", "area_m2": 88.5,
        "appraisal_price": "1000000.00", "starting_price": "800000.00",
        "increment": "10000.00", "deposit": "80000.00",
        "starts_at": iso(now - 1000), "ends_at": iso(now + 10 * 60_000),
        "extension_seconds": 300, "description": "测试",
    }
    body.update(overrides)
    return body


def paid_bidder(base: str, redis_url: str, lot_id: int, username: str | Actor,
                ) -> tuple[Actor, str]:
    """A bidder registered for the lot with the deposit paid; returns (client, code).
    ``username`` may be an existing actor (signed up before a short lot starts its clock:
    Argon2 is slow by design)."""
    client = username if isinstance(username, Actor) else actor(base, redis_url, username)
    reg = client.post(f"/api/lots/{lot_id}/registrations", json={})
    assert reg.status_code == 201, reg.text
    pid = reg.json()["deposit"]["payment_id"]
    paid = client.post(f"/api/payments/{pid}/confirm", json={})
    assert paid.status_code == 200 and paid.json()["payment"]["status"] == "paid", paid.text
    return client, reg.json()["bidder_code"]


def short_lot(redis_url: str, officer: str, ends_in_ms: int) -> int:
    """A live lot that ends in a few seconds (no extension), created past the schedule
    checks as only generated demo auctions are; returns its id."""
    from bidding.store import BidStore
    from portal.lots import Lots

    async def run() -> int:
        client = aioredis.Redis.from_url(redis_url, decode_responses=True)
        lots = Lots(client, BidStore(client))
        now = await lots.store.server_time_ms()
        lot = await lots.create(lot_body(starts_at=iso(now - 1000), ends_at=iso(now + ends_in_ms),
                                         extension_seconds=0),
                                await Users(client).get(officer), "sandbox", check=False)
        await client.aclose()
        return int(lot["id"])

    return int(run_async(run()))
