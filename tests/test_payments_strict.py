"""Money path under PORTAL_RULES=strict (issue 9, finding 11): no self-confirmation, only the
provider's signed callback pays, and only when fresh and never seen before."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from portal_helpers import PASSWORD, make_account, page_csrf, short_lot
from redis_cluster import is_cluster_url
from starlette.testclient import TestClient

from portal.app import create_app
from portal.payment_providers import (
    PaymentProvider,
    SandboxProvider,
    SignedCallbackProvider,
    provider_for,
)
from portal.settings import load_settings

PAY_SECRET = "provider-secret-for-tests"


def make_client(redis_url: str, data: Path, rules: str) -> TestClient:
    settings = load_settings(data_dir=data, redis_url=redis_url, secret_key="k" * 32,
                             rules=rules, payment_secret=PAY_SECRET,
                             redis_cluster=is_cluster_url(redis_url))
    return TestClient(create_app(settings, run_closer=False))


@pytest.fixture
def strict(redis_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with make_client(redis_url, tmp_path / "data", "strict") as c:
        yield c


def deposit_order(client: TestClient, redis_url: str, username: str) -> str:
    make_account(redis_url, "officer_pay", "officer")
    lot_id = short_lot(redis_url, "officer_pay", 600_000)
    make_account(redis_url, username, "bidder")
    r = client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    reg = client.post(f"/api/lots/{lot_id}/registrations", json={"accept_terms": True})
    assert reg.status_code == 201, reg.text
    return str(reg.json()["deposit"]["payment_id"])


def callback(client: TestClient, pid: str, **over: Any) -> Any:
    data = {"payment_id": pid, "status": "paid", "amount": 8_000_000, "ts": int(time.time()),
            "nonce": secrets.token_hex(8), **over}
    body = json.dumps(data).encode()
    signature = hmac.new(PAY_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post("/api/payments/callback", content=body, headers={
        "content-type": "application/json", "x-sandbox-signature": signature})


def test_strict_mode_has_no_self_confirmation(strict: TestClient, redis_url: str) -> None:
    pid = deposit_order(strict, redis_url, "bidder_strict")
    r = strict.post(f"/api/payments/{pid}/confirm", json={})
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_in_strict_mode"
    page = strict.get(f"/pay/{pid}")
    assert page.status_code == 200
    assert 'id="confirm-payment"' not in page.text and 'id="provider-payment-note"' in page.text
    form = strict.post(f"/pay/{pid}", data={"csrf_token": page_csrf(page.text)})
    assert form.status_code == 403 and 'data-code="not_in_strict_mode"' in form.text
    assert strict.get(f"/api/payments/{pid}").json()["status"] == "pending"


def test_strict_callback_needs_fresh_ts_and_new_nonce(strict: TestClient,
                                                      redis_url: str) -> None:
    pid = deposit_order(strict, redis_url, "bidder_cb")
    now = int(time.time())
    for ts in (1, now - 301, now + 120):
        r = callback(strict, pid, ts=ts)
        assert r.status_code == 403 and r.json()["error"]["code"] == "stale_callback", ts
    for missing in ("ts", "nonce"):
        data = {"payment_id": pid, "status": "paid", "amount": 8_000_000, "ts": now,
                "nonce": "n" * 16}
        del data[missing]
        body = json.dumps(data).encode()
        sig = hmac.new(PAY_SECRET.encode(), body, hashlib.sha256).hexdigest()
        r = strict.post("/api/payments/callback", content=body, headers={
            "content-type": "application/json", "x-sandbox-signature": sig})
        assert r.status_code == 422 and r.json()["error"]["code"] == "bad_callback"
    assert strict.get(f"/api/payments/{pid}").json()["status"] == "pending"
    nonce = secrets.token_hex(8)
    first = callback(strict, pid, ts=now - 250, nonce=nonce)
    assert first.status_code == 200 and first.json()["changed"] is True
    replay = callback(strict, pid, ts=now - 250, nonce=nonce)
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "replayed_callback"
    again = callback(strict, pid)  # the provider's next notice (new nonce): no change
    assert again.status_code == 200 and again.json()["changed"] is False
    assert strict.get(f"/api/payments/{pid}").json()["status"] == "paid"


def test_sandbox_keeps_the_self_confirmation(redis_url: str, tmp_path: Path) -> None:
    with make_client(redis_url, tmp_path / "data", "sandbox") as sandbox:
        pid = deposit_order(sandbox, redis_url, "bidder_sandbox")
        assert 'id="confirm-payment"' in sandbox.get(f"/pay/{pid}").text
        r = sandbox.post(f"/api/payments/{pid}/confirm", json={})
        assert r.status_code == 200 and r.json()["payment"]["status"] == "paid"


async def test_providers_share_one_interface(aredis: Any) -> None:
    strict, sandbox = provider_for("strict", aredis, "s"), provider_for("sandbox", aredis, "s")
    assert isinstance(strict, SignedCallbackProvider) and not strict.self_confirm
    assert isinstance(sandbox, SandboxProvider) and sandbox.self_confirm
    assert all(isinstance(p, PaymentProvider) for p in (strict, sandbox))
    body, signature = sandbox.signed_callback("pay_x", 100)
    assert (await strict.verify(body, signature)).amount == 100  # same secret, same format
