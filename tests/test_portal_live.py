"""Websocket snapshot, live events, resume without gaps, closing, viewer counts."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from portal_helpers import actor, iso, lot_body, now_ms, paid_bidder, short_lot
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect


def ws_url(base: str, lot_id: int) -> str:
    return base.replace("http://", "ws://") + f"/ws/lots/{lot_id}"


def next_of(ws: ClientConnection, kind: str, timeout: float = 5.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if message["type"] == kind:
            return message


@pytest.fixture
def officer(portal: str, redis_url: str) -> httpx.Client:
    return actor(portal, redis_url, "officer1", role="officer")


def test_snapshot_then_live_bid_and_extension(portal: str, redis_url: str, officer) -> None:
    lot = officer.post("/api/lots", json=lot_body(ends_at=iso(now_ms() + 120_000))).json()
    bidder, code = paid_bidder(portal, redis_url, lot["id"], "watcher_bidder")
    with connect(ws_url(portal, lot["id"])) as ws:
        snap = next_of(ws, "snapshot")
        assert snap["state"]["status"] == "live" and snap["bids"] == []
        assert snap["last_event_id"] == "0-0" and snap["server_time"].endswith("Z")
        r = bidder.post(f"/api/lots/{lot['id']}/bids", json={"amount": "800000.00"})
        assert r.status_code == 201
        bid = next_of(ws, "bid")
        assert bid["bid"]["amount"] == "800000.00" and bid["bid"]["bidder_code"] == code
        assert bid["state"]["current_price"] == "800000.00"
        extended = next_of(ws, "extended")
        assert extended["id"] == bid["id"]
        assert extended["ends_at"] > lot["ends_at"]


def test_resume_replays_every_missed_event(portal: str, redis_url: str, officer) -> None:
    lot = officer.post("/api/lots", json=lot_body()).json()
    a, _ = paid_bidder(portal, redis_url, lot["id"], "resumer_a")
    b, _ = paid_bidder(portal, redis_url, lot["id"], "resumer_b")
    assert a.post(f"/api/lots/{lot['id']}/bids", json={"amount": "800000"}).status_code == 201
    with connect(ws_url(portal, lot["id"])) as ws:
        last = next_of(ws, "snapshot")["last_event_id"]
    # the connection drops; bids go on
    for n, client in enumerate([b, a, b, a]):
        amount = 810000 + n * 10000
        r = client.post(f"/api/lots/{lot['id']}/bids", json={"amount": amount})
        assert r.status_code == 201
    with connect(ws_url(portal, lot["id"])) as ws:
        next_of(ws, "snapshot")
        ws.send(json.dumps({"type": "resume", "last_event_id": last}))
        seqs = [next_of(ws, "bid")["bid"]["seq"] for _ in range(4)]
        assert seqs == [2, 3, 4, 5]
        b.post(f"/api/lots/{lot['id']}/bids", json={"amount": "860000"})
        assert next_of(ws, "bid")["bid"]["seq"] == 6  # live again after the replay


def test_closer_closes_and_pushes_result(portal: str, redis_url: str, officer) -> None:
    account = actor(portal, redis_url, "closer_bidder")  # slow hashing before the clock runs
    lot_id = short_lot(redis_url, "officer1", ends_in_ms=2500)
    bidder, code = paid_bidder(portal, redis_url, lot_id, account)
    with connect(ws_url(portal, lot_id)) as ws:
        next_of(ws, "snapshot")
        assert bidder.post(f"/api/lots/{lot_id}/bids", json={"amount": "800000"}).status_code == 201
        closed = next_of(ws, "closed", timeout=10)
    assert closed["status"] == "sold" and closed["winner_code"] == code
    assert closed["final_price"] == "800000.00"
    late = bidder.post(f"/api/lots/{lot_id}/bids", json={"amount": "900000"})
    assert late.status_code == 409 and late.json()["error"]["code"] == "closed"
    assert httpx.get(f"{portal}/api/lots/{lot_id}").json()["status"] == "sold"
    assert httpx.get(f"{portal}/api/lots?status=ended").json()["total"] == 1
    assert httpx.get(f"{portal}/api/lots/{lot_id}/ledger/verify").json()["length"] == 2


def test_viewer_count_and_origin_check(portal: str, redis_url: str, officer) -> None:
    lot = officer.post("/api/lots", json=lot_body()).json()
    with pytest.raises(InvalidStatus):
        connect(ws_url(portal, lot["id"]), origin="https://evil.example")  # type: ignore[arg-type]
    with pytest.raises(InvalidStatus):
        connect(ws_url(portal, 999))
    with connect(ws_url(portal, lot["id"])) as one, connect(ws_url(portal, lot["id"])) as two:
        next_of(one, "snapshot")
        next_of(two, "snapshot")
        deadline = time.monotonic() + 8
        count = 0
        while count != 2 and time.monotonic() < deadline:
            count = next_of(one, "viewers", timeout=8)["count"]
        assert count == 2
