"""Usernames are case-insensitive everywhere: mixed-case accounts, logging in with another
case, and officers naming them in another case all reach the same lots, payments, cases
and notifications, and every Redis key holds the one normalised form (core.names.user_id)."""

from __future__ import annotations

import httpx
from portal_helpers import PASSWORD, actor, lot_body, make_account
from redis_cluster import sync_client


def login(portal: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=portal, timeout=20)
    r = client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def test_mixed_case_usernames_reach_the_same_records(portal: str, redis_url: str) -> None:
    officer = actor(portal, redis_url, "MixedOfficer1", role="officer")
    actor(portal, redis_url, "MixedBidder1")  # signs up with this case ...
    lot = officer.post("/api/lots", json=lot_body(
        priority_purchasers=[{"username": "MIXEDBIDDER1", "rank": 1}])).json()
    bidder = login(portal, "mixedbidder1")  # ... and logs in with another
    reg = bidder.post(f"/api/lots/{lot['id']}/registrations", json={"accept_terms": True})
    assert reg.status_code == 201, reg.text
    assert reg.json()["priority_rank"] == 1  # the officer named the bidder in another case
    pid = reg.json()["deposit"]["payment_id"]
    assert bidder.get(f"/api/payments/{pid}").status_code == 200
    assert bidder.post(f"/api/payments/{pid}/confirm", json={}).json()["payment"]["status"] \
        == "paid"
    bid = bidder.post(f"/api/lots/{lot['id']}/bids", json={"amount": "800000"})
    assert bid.status_code == 201, bid.text
    assert bidder.post(f"/api/lots/{lot['id']}/reminders", json={}).status_code == 201
    again = login(portal, "MixedBidder1")  # the sign-up case sees the same records
    for client in (bidder, again):
        mine = client.get("/api/me/lots").json()["items"]
        assert [m["lot"]["id"] for m in mine] == [lot["id"]]
        assert mine[0]["registration"]["bidder_code"] == reg.json()["bidder_code"]
        assert len(mine[0]["bids"]) == 1
        deposits = client.get("/api/me/deposits").json()
        assert [(d["lot_id"], d["status"]) for d in deposits] == [(lot["id"], "paid")]

    make_account(redis_url, "MixedApplicant1", "applicant")
    link = officer.post(f"/api/cases/{lot['case_id']}/applicants",
                        json={"username": "mixedAPPLICANT1"})
    assert link.status_code == 201, link.text
    assert link.json()["applicants"] == ["mixedapplicant1"]
    for name in ("mixedapplicant1", "MixedApplicant1"):
        applicant = login(portal, name)
        assert [c["id"] for c in applicant.get("/api/me/cases").json()] == [lot["case_id"]]
        assert applicant.get(f"/api/cases/{lot['case_id']}").status_code == 200
        notes = applicant.get("/api/me/notifications").json()
        assert "linked" in [n["kind"] for n in notes["items"]]
    assert [c["id"] for c in officer.get("/api/me/cases").json()] == [lot["case_id"]]

    r = sync_client(redis_url, decode_responses=True)
    assert r.keys("*Mixed*") == []  # no key keeps the case of a username
    assert r.sismember(f"lot:{{{lot['id']}}}:reminders", "mixedbidder1")
    for key in ("user:mixedbidder1:lots", "user:mixedbidder1:payments",
                "user:mixedapplicant1:cases", "user:mixedapplicant1:notifications"):
        assert r.exists(key), key
    r.close()
