"""我的竞买: the bidder's status per lot (pure), GET /api/me/lots/{id} and the unread count."""

from __future__ import annotations

import pytest
from portal_helpers import actor, lot_body, pay_deposit

from portal.my_lots import MY_STATUSES, PAGE_ORDER, by_urgency, my_status


@pytest.mark.parametrize(("lot_status", "leader", "bid_by_me", "settlement", "expected"), [
    ("upcoming", None, False, None, "registered"),
    ("live", None, False, None, "registered"),
    ("live", "B2", False, None, "registered"),  # others bid, this bidder has not
    ("live", "A1", True, None, "leading"),
    ("live", "B2", True, None, "outbid"),
    ("sold", "A1", True, None, "awaiting_balance"),  # closed, settlement not run yet
    ("sold", "A1", True, "awaiting_payment", "awaiting_balance"),
    ("sold", "A1", True, "paid", "won"),
    ("sold", "A1", True, "defaulted", "defaulted"),
    ("sold", "B2", True, "awaiting_payment", "lost"),
    ("sold", "B2", False, "paid", "lost"),
    ("failed", None, False, "failed", "failed"),
    ("cancelled", None, False, None, "cancelled"),
])
def test_my_status(lot_status: str, leader: str | None, bid_by_me: bool,
                   settlement: str | None, expected: str) -> None:
    assert my_status(lot_status, "A1", leader, bid_by_me, settlement) == expected
    assert expected in MY_STATUSES


def test_my_lots_page_lists_what_needs_the_bidder_first() -> None:
    def item(lot_id: int, status: str, lot_status: str) -> dict:
        return {"status": status, "lot": {"id": lot_id, "status": lot_status}}

    items = [item(1, "lost", "sold"), item(2, "registered", "upcoming"),
             item(3, "leading", "live"), item(4, "registered", "live"),
             item(5, "awaiting_balance", "sold"), item(6, "outbid", "live"),
             item(7, "failed", "failed")]
    assert [i["lot"]["id"] for i in by_urgency(items)] == [5, 6, 3, 4, 2, 1, 7]
    assert sorted(PAGE_ORDER) == sorted(MY_STATUSES)


def test_one_of_my_lots_and_the_unread_count(portal: str, redis_url: str) -> None:
    officer = actor(portal, redis_url, "officer_ml", role="officer")
    first, second = actor(portal, redis_url, "ml_first"), actor(portal, redis_url, "ml_second")
    lot = officer.post("/api/lots", json=lot_body()).json()
    assert first.get(f"/api/me/lots/{lot['id']}").json()["error"]["code"] == "not_registered"
    assert first.get("/api/me/lots/999999").status_code == 404
    pay_deposit(first, lot["id"])
    pay_deposit(second, lot["id"])
    mine = first.get(f"/api/me/lots/{lot['id']}").json()
    assert (mine["status"], mine["registration"]["deposit"]["status"]) == ("registered", "paid")
    assert mine["pay_url"] is None and mine["balance"] is None
    assert first.post(f"/api/lots/{lot['id']}/bids", json={"amount": "800000"}).status_code == 201
    assert first.get(f"/api/me/lots/{lot['id']}").json()["status"] == "leading"
    assert first.get("/api/me/notifications/unread").json() == {"unread": 0}
    assert second.post(f"/api/lots/{lot['id']}/bids", json={"amount": "810000"}).status_code \
        == 201
    assert first.get(f"/api/me/lots/{lot['id']}").json()["status"] == "outbid"
    assert first.get("/api/me/lots").json()["items"][0]["status"] == "outbid"
    assert second.get(f"/api/me/lots/{lot['id']}").json()["status"] == "leading"
    assert first.post("/api/me/notifications", json={}).json() == {"unread": 0}
    assert first.get("/api/me/notifications/unread").json()["unread"] in (0, 1)  # the notice
    # of the outbid is written after the bid's reply; the browser test sees it arrive
    assert actor(portal, redis_url, "ml_anon").get("/api/me/notifications/unread").json() == \
        {"unread": 0}
