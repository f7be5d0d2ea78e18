"""The JSON API end to end against a live portal and a real Redis."""

from __future__ import annotations

import httpx
import pytest
from portal_helpers import ID_NUMBER, actor, iso, lot_body, now_ms, paid_bidder


@pytest.fixture
def officer(portal: str, redis_url: str) -> httpx.Client:
    return actor(portal, redis_url, "officer1", role="officer")


def create_lot(officer: httpx.Client, **overrides: object) -> dict:
    r = officer.post("/api/lots", json=lot_body(**overrides))
    assert r.status_code == 201, r.text
    return r.json()


def test_accounts_sessions_and_cookie_flags(portal: str, redis_url: str) -> None:
    c = httpx.Client(base_url=portal)
    body = {"username": "li_si", "password": "long-enough-1", "real_name": "李四",
            "id_number": ID_NUMBER, "phone": "13912345678"}
    assert c.post("/api/users", json=body).status_code == 201
    dup = c.post("/api/users", json=body)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "username_taken"
    bad = c.post("/api/users", json={**body, "username": "x2", "id_number": "110105194912310021"})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] in ("invalid_username", "invalid_id_number")
    bad_id = c.post("/api/users",
                    json={**body, "username": "wang", "id_number": "110105194912310021"})
    assert bad_id.json()["error"]["code"] == "invalid_id_number"
    wrong = c.post("/api/session", json={"username": "li_si", "password": "nope-nope-1"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "bad_credentials"
    assert c.get("/api/me").status_code == 401
    ok = c.post("/api/session", json={"username": "li_si", "password": "long-enough-1"})
    assert ok.status_code == 200
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert c.get("/api/me").json()["user"]["username"] == "li_si"
    assert "id_number" not in c.get("/api/me").text
    assert c.delete("/api/session").status_code == 204
    assert c.get("/api/me").status_code == 401


def test_api_accepts_only_json_and_same_origin(portal: str, redis_url: str) -> None:
    c = httpx.Client(base_url=portal)
    form = c.post("/api/users", data={"username": "abc"})
    assert form.status_code == 415
    assert form.json()["error"]["code"] == "unsupported_media_type"
    cross = c.post("/api/session", json={"username": "a", "password": "b"},
                   headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403 and cross.json()["error"]["code"] == "bad_origin"
    broken = c.post("/api/session", content=b"{not json",
                    headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "invalid_json"


def test_roles_guard_lot_creation(portal: str, redis_url: str, officer: httpx.Client) -> None:
    anon = httpx.Client(base_url=portal)
    assert anon.post("/api/lots", json=lot_body()).status_code == 401
    bidder = actor(portal, redis_url, "bidder_x")
    r = bidder.post("/api/lots", json=lot_body())
    assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_role"
    lot = create_lot(officer)
    assert lot["starting_price"] == "800000.00" and lot["status"] == "live"
    assert lot["case_id"] >= 1
    assert lot["state"]["current_price"] is None and lot["state"]["bid_count"] == 0


def test_price_rules_hold_in_sandbox(officer: httpx.Client) -> None:
    low = officer.post("/api/lots", json=lot_body(starting_price="690000.00"))
    assert low.status_code == 422
    assert low.json()["error"]["code"] == "starting_price_below_70pct"
    dep = officer.post("/api/lots", json=lot_body(deposit="30000.00"))
    assert dep.json()["error"]["code"] == "deposit_below_5pct"
    dep = officer.post("/api/lots", json=lot_body(deposit="200000.00"))
    assert dep.json()["error"]["code"] == "deposit_above_20pct"
    money = officer.post("/api/lots", json=lot_body(increment="12.345"))
    assert money.status_code == 422 and money.json()["error"]["field"] == "increment"
    naive = officer.post("/api/lots", json=lot_body(starts_at="2026-12-01T10:00:00"))
    assert naive.status_code == 422 and naive.json()["error"]["field"] == "starts_at"


def test_search_and_filters(officer: httpx.Client, portal: str) -> None:
    now = now_ms()
    create_lot(officer, title="海淀区 学区房", district="海淀区")
    create_lot(officer, title="丰田 凯美瑞", property_type="vehicle", district="朝阳区",
               appraisal_price="100000.00", starting_price="80000.00", deposit="8000.00",
               increment="500.00")
    create_lot(officer, title="西城区 公寓", district="西城区",
               starts_at=iso(now + 3600_000), ends_at=iso(now + 7200_000))
    c = httpx.Client(base_url=portal)
    assert c.get("/api/lots").json()["total"] == 3
    haidian = c.get("/api/lots?district=海淀区").json()["items"]
    assert [i["title"] for i in haidian] == ["海淀区 学区房"]
    assert c.get("/api/lots?type=vehicle").json()["items"][0]["property_type"] == "vehicle"
    assert c.get("/api/lots?status=upcoming").json()["items"][0]["title"] == "西城区 公寓"
    assert c.get("/api/lots?status=live").json()["total"] == 2
    assert c.get("/api/lots?status=ended").json()["total"] == 0
    assert c.get("/api/lots?q=凯美瑞").json()["total"] == 1
    assert c.get("/api/lots?max_price=100000").json()["total"] == 1
    assert c.get("/api/lots?min_price=100000").json()["total"] == 2
    assert c.get("/api/lots?min_price=abc").status_code == 422


def test_full_bidding_path_and_refusal_codes(portal: str, redis_url: str,
                                             officer: httpx.Client) -> None:
    lot = create_lot(officer)
    lid = lot["id"]
    a = actor(portal, redis_url, "alice")
    assert a.post(f"/api/lots/{lid}/bids", json={"amount": "800000"}).json()["error"]["code"] \
        == "not_registered"
    reg = a.post(f"/api/lots/{lid}/registrations", json={"accept_terms": True})
    assert reg.status_code == 201
    code = reg.json()["bidder_code"]
    pid = reg.json()["deposit"]["payment_id"]
    assert len(code) == 4 and reg.json()["deposit"] == {
        "amount": "80000.00", "status": "pending", "payment_id": pid, "pay_url": f"/pay/{pid}"}
    again = a.post(f"/api/lots/{lid}/registrations", json={"accept_terms": True})
    assert again.status_code == 200  # idempotent
    unpaid = a.post(f"/api/lots/{lid}/bids", json={"amount": "800000"})
    assert unpaid.status_code == 403 and unpaid.json()["error"]["code"] == "deposit_unpaid"
    assert a.post(f"/api/payments/{reg.json()['deposit']['payment_id']}/confirm",
                  json={}).json()["payment"]["status"] == "paid"
    low = a.post(f"/api/lots/{lid}/bids", json={"amount": "790000.00"})
    assert low.status_code == 422 and low.json()["error"] == {
        "code": "below_minimum", "message": low.json()["error"]["message"],
        "min_next": "800000.00"}
    off = a.post(f"/api/lots/{lid}/bids", json={"amount": "805000.00"})
    assert off.status_code == 422 and off.json()["error"]["code"] == "off_increment"
    junk = a.post(f"/api/lots/{lid}/bids", json={"amount": "lots"})
    assert junk.status_code == 422 and junk.json()["error"]["code"] == "invalid_amount"
    ok = a.post(f"/api/lots/{lid}/bids", json={"amount": "800000.00"})
    assert ok.status_code == 201, ok.text
    bid = ok.json()["bid"]
    assert bid["seq"] == 1 and bid["amount"] == "800000.00" and bid["bidder_code"] == code
    assert len(bid["hash"]) == 64 and ok.json()["state"]["current_price"] == "800000.00"
    again = a.post(f"/api/lots/{lid}/bids", json={"amount": "810000.00"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_leading"
    b, code_b = paid_bidder(portal, redis_url, lid, "bob")
    same = b.post(f"/api/lots/{lid}/bids", json={"amount": "800000.00"})
    assert same.json()["error"] == {"code": "below_minimum", "message": same.json()["error"]
                                    ["message"], "min_next": "810000.00"}
    assert b.post(f"/api/lots/{lid}/bids", json={"amount": "830000.00"}).status_code == 201
    bids = httpx.get(f"{portal}/api/lots/{lid}/bids").json()
    assert [(x["seq"], x["amount"], x["bidder_code"]) for x in bids] == [
        (1, "800000.00", code), (2, "830000.00", code_b)]
    assert bids[1]["prev_hash"] == bids[0]["hash"]
    assert "alice" not in httpx.get(f"{portal}/api/lots/{lid}/bids").text
    verify = httpx.get(f"{portal}/api/lots/{lid}/ledger/verify").json()
    assert verify["ok"] is True and verify["length"] == 2 and verify["head"] == bids[1]["hash"]
    state = httpx.get(f"{portal}/api/lots/{lid}").json()["state"]
    assert state["leader_code"] == code_b and state["bid_count"] == 2
    assert state["current_price"] == "830000.00" and state["server_time"].endswith("Z")
    locked = officer.patch(f"/api/lots/{lid}", json={"title": "new"})
    assert locked.status_code == 409 and locked.json()["error"]["code"] == "lot_locked"
    mine = a.get("/api/me/lots").json()["items"]
    assert mine[0]["registration"]["bidder_code"] == code and len(mine[0]["bids"]) == 1


def test_not_open_not_found_and_patch_before_open(portal: str, redis_url: str,
                                                  officer: httpx.Client) -> None:
    now = now_ms()
    lot = create_lot(officer, starts_at=iso(now + 3600_000), ends_at=iso(now + 7200_000))
    patched = officer.patch(f"/api/lots/{lot['id']}", json={"title": "改过的标题"})
    assert patched.status_code == 200 and patched.json()["title"] == "改过的标题"
    bad_patch = officer.patch(f"/api/lots/{lot['id']}", json={"starting_price": "100.00"})
    assert bad_patch.json()["error"]["code"] == "starting_price_below_70pct"
    c, _ = paid_bidder(portal, redis_url, lot["id"], "early")
    early = c.post(f"/api/lots/{lot['id']}/bids", json={"amount": "800000.00"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_open"
    missing = c.post("/api/lots/999/bids", json={"amount": "1.00"})
    assert missing.status_code == 404
    assert httpx.get(f"{portal}/api/lots/999").json()["error"]["code"] == "lot_not_found"
    assert httpx.get(f"{portal}/api/nope").status_code == 404


def test_priority_purchaser_may_match(portal: str, redis_url: str,
                                      officer: httpx.Client) -> None:
    actor(portal, redis_url, "heir")  # account must exist before it is named
    lot = create_lot(officer, priority_purchasers=[{"username": "heir", "rank": 1}])
    a, _ = paid_bidder(portal, redis_url, lot["id"], "normal")
    assert a.post(f"/api/lots/{lot['id']}/bids", json={"amount": "800000"}).status_code == 201
    heir = httpx.Client(base_url=portal)
    heir.post("/api/session", json={"username": "heir", "password": "correct-horse-9"})
    reg = heir.post(f"/api/lots/{lot['id']}/registrations", json={"accept_terms": True}).json()
    assert reg["priority_rank"] == 1
    heir.post(f"/api/payments/{reg['deposit']['payment_id']}/confirm", json={})
    match = heir.post(f"/api/lots/{lot['id']}/bids", json={"amount": "800000"})
    assert match.status_code == 201 and match.json()["bid"]["priority"] is True
    assert match.json()["state"]["leader_code"] == reg["bidder_code"]
    unknown = officer.post("/api/lots", json=lot_body(
        priority_purchasers=[{"username": "ghost", "rank": 1}]))
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_user"


def test_payment_callbacks_signed_and_idempotent(portal: str, redis_url: str,
                                                 officer: httpx.Client) -> None:
    import hashlib
    import hmac
    import json
    import time

    lot = create_lot(officer)
    c = actor(portal, redis_url, "payer")
    reg = c.post(f"/api/lots/{lot['id']}/registrations", json={"accept_terms": True})
    pid = reg.json()["deposit"]["payment_id"]
    body = json.dumps({"payment_id": pid, "status": "paid", "amount": 8_000_000,
                       "ts": int(time.time()), "nonce": "nonce-0001"}).encode()
    forged = httpx.post(f"{portal}/api/payments/callback", content=body, headers={
        "Content-Type": "application/json", "X-Sandbox-Signature": "00" * 32})
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "bad_signature"
    assert c.get(f"/api/payments/{pid}").json()["status"] == "pending"
    secret = b"sandbox-payments:test-secret-key"
    sig = hmac.new(secret, body, hashlib.sha256).hexdigest()
    first = httpx.post(f"{portal}/api/payments/callback", content=body, headers={
        "Content-Type": "application/json", "X-Sandbox-Signature": sig})
    assert first.status_code == 200 and first.json()["changed"] is True
    replay = httpx.post(f"{portal}/api/payments/callback", content=body, headers={
        "Content-Type": "application/json", "X-Sandbox-Signature": sig})
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "replayed_callback"
    altered = body.replace(b"8000000", b"1")
    bad = httpx.post(f"{portal}/api/payments/callback", content=altered, headers={
        "Content-Type": "application/json", "X-Sandbox-Signature": sig})
    assert bad.status_code == 403
    other = actor(portal, redis_url, "thief")
    assert other.get(f"/api/payments/{pid}").status_code == 404
    assert other.post(f"/api/payments/{pid}/confirm", json={}).status_code == 404


def test_openapi_documents_the_api(portal: str) -> None:
    spec = httpx.get(f"{portal}/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/users", "/api/session", "/api/lots", "/api/lots/{lot_id}",
                 "/api/lots/{lot_id}/registrations", "/api/lots/{lot_id}/bids",
                 "/api/lots/{lot_id}/ledger/verify", "/api/payments/{payment_id}/confirm"):
        assert path in spec["paths"], path


def test_openapi_declares_every_path_parameter(portal: str) -> None:
    import re

    spec = httpx.get(f"{portal}/api/openapi.json").json()
    for path, item in spec["paths"].items():
        declared = {p["name"] for p in item.get("parameters", [])}
        for op in item.values():
            if isinstance(op, dict):
                declared |= {p["name"] for p in op.get("parameters", [])}
        assert set(re.findall(r"{([^}]+)}", path)) <= declared, path


def test_non_numeric_ids_are_json_404_on_api_paths(portal: str) -> None:
    for path in ("/api/lots/abc", "/api/lots/abc/result", "/api/cases/abc",
                 "/api/lots/abc/reminders"):
        r = httpx.get(f"{portal}{path}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", path
        assert set(r.json()["error"]) >= {"code", "message"}
    assert httpx.get(f"{portal}/lots/abc").status_code == 404
