"""Lot socket resume by `after_seq` (what a client sends when it sees a gap in `seq`) and the
server's heartbeat (what it times a stale socket out on)."""

from __future__ import annotations

import json

from portal_helpers import actor, lot_body, paid_bidder
from test_portal_live import next_of, ws_url
from websockets.sync.client import connect


def test_resume_after_seq_replays_only_what_this_socket_lacks(portal: str,
                                                                redis_url: str) -> None:
    officer = actor(portal, redis_url, "officer1", role="officer")
    lot_id = officer.post("/api/lots", json=lot_body()).json()["id"]
    a, _ = paid_bidder(portal, redis_url, lot_id, "resume_a")
    b, _ = paid_bidder(portal, redis_url, lot_id, "resume_b")
    url = f"/api/lots/{lot_id}/bids"
    for client, amount in ((a, 800000), (b, 810000), (a, 820000)):
        assert client.post(url, json={"amount": str(amount)}).status_code == 201
    with connect(ws_url(portal, lot_id)) as ws:
        assert [x["seq"] for x in next_of(ws, "snapshot")["bids"]] == [3, 2, 1]
        assert b.post(url, json={"amount": "830000"}).status_code == 201
        assert next_of(ws, "bid")["bid"]["seq"] == 4  # live on this socket
        ws.send(json.dumps({"type": "resume", "after_seq": 1}))
        assert a.post(url, json={"amount": "840000"}).status_code == 201
        seqs = [next_of(ws, "bid")["bid"]["seq"] for _ in range(3)]
        assert seqs == [2, 3, 5]  # 4 was sent on this socket already: not twice
        assert next_of(ws, "heartbeat", timeout=30) == {"type": "heartbeat"}
