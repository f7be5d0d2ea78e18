"""Helpers for portal tests: actors with their own cookie jars, lots relative to server time."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from redis_cluster import async_client
from test_bidding_support import end_now

from portal.users import Users, sample_id_number

ID_NUMBER = "11010519491231002X"  # one account may hold it: accounts use id_for(username)
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


def id_for(username: str) -> str:
    """The ID number of a test account (ID numbers are unique across accounts)."""
    return sample_id_number(f"test:{username.lower()}")


def make_account(redis_url: str, username: str, role: str, court: str = "",
                 cluster: bool | None = None) -> None:
    """An account made in Redis directly (officers); `cluster`: whether redis_url is a Redis
    Cluster (default: whether it is one of the tests' clusters, redis_cluster.is_cluster_url)."""
    async def run() -> None:
        client = async_client(redis_url, cluster, decode_responses=True)
        await Users(client).create({"username": username, "password": PASSWORD,
                                    "real_name": username, "id_number": id_for(username),
                                    "phone": "13800138000"}, role=role, court=court)
        await client.aclose()

    run_async(run())


def run_async(coro: Any) -> Any:
    """asyncio.run in a worker thread (Playwright's sync API owns this thread's loop)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def actor(base: str, redis_url: str, username: str, role: str = "bidder",
          court: str = "", cluster: bool | None = None) -> Actor:
    """Create an account (bidders through the public API) and log in; ``court`` for an
    officer of a court other than the configured one; ``cluster`` as in make_account."""
    client = Actor(base_url=base, timeout=20)
    client.username = username
    if role == "bidder":
        r = client.post("/api/users", json={"username": username, "password": PASSWORD,
                                            "real_name": "张三", "id_number": id_for(username),
                                            "phone": "13800138000"})
        assert r.status_code == 201, r.text
    else:
        make_account(redis_url, username, role, court, cluster)
    r = client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def client_login(client: Any, redis_url: str, username: str, role: str) -> Any:
    """Make the account and sign it in on an in-process (TestClient) app; the client."""
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


def paid_bidder(base: str, redis_url: str, lot_id: int, username: str) -> tuple[Actor, str]:
    """A bidder registered for the lot with the deposit paid; returns (client, code)."""
    client = actor(base, redis_url, username)
    return client, pay_deposit(client, lot_id)


def browser_login(page: Any, base: str, username: str, next_path: str) -> None:
    """Sign in through the login form in a (Playwright) page and wait until it has landed on
    `next_path`."""
    page.goto(f"{base}/login?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base}{next_path}")


def pay_deposit(client: httpx.Client, lot_id: int) -> str:
    """Register an existing account for the lot and pay the deposit; the bidder code. (Make
    the accounts before a short lot: signing up hashes passwords, which takes a while.)"""
    reg = client.post(f"/api/lots/{lot_id}/registrations", json={"accept_terms": True})
    assert reg.status_code == 201, reg.text
    pid = reg.json()["deposit"]["payment_id"]
    paid = client.post(f"/api/payments/{pid}/confirm", json={})
    assert paid.status_code == 200 and paid.json()["payment"]["status"] == "paid", paid.text
    return str(reg.json()["bidder_code"])


def short_lot(redis_url: str, officer: str, ends_in_ms: int, starts_in_ms: int = -1000,
              title: str = "朝阳区 测试住宅", **fields: Any) -> int:
    """A lot that ends in a few seconds (no extension), created past the schedule checks as
    only generated demo auctions are; live now unless ``starts_in_ms`` > 0 (both relative
    to the server's time); other lot fields (``photos``...) as keywords; returns its id."""
    from bidding.store import BidStore
    from portal.lots import Lots

    async def run() -> int:
        client = async_client(redis_url, decode_responses=True)
        lots = Lots(client, BidStore(client))
        now = await lots.store.server_time_ms()
        lot = await lots.create(lot_body(starts_at=iso(now + starts_in_ms),
                                         ends_at=iso(now + ends_in_ms), extension_seconds=0,
                                         title=title, **fields),
                                await Users(client).get(officer), "sandbox", check=False)
        await client.aclose()
        return int(lot["id"])

    return int(run_async(run()))


def end_lot_now(redis_url: str, lot_id: int) -> None:
    """Move a live lot's end to the server's now (test_bidding_support.end_now), so the closer
    closes it and the settler settles it on their next pass."""
    from bidding.store import BidStore
    from portal.keys import SETTLE_WATCH

    async def run() -> None:
        client = async_client(redis_url, decode_responses=True)
        now = await end_now(BidStore(client), lot_id)
        await client.zadd(SETTLE_WATCH, {str(lot_id): now})
        await client.aclose()

    run_async(run())


def wait_status(client: Any, lot_id: int, status: str, timeout: float = 20.0) -> None:
    """Poll the lot over the API (a client with a base URL) until its status is `status`."""
    deadline = time.monotonic() + timeout
    while client.get(f"/api/lots/{lot_id}").json()["status"] != status:
        if time.monotonic() > deadline:
            raise AssertionError(f"lot {lot_id} never became {status}")
        time.sleep(0.05)
