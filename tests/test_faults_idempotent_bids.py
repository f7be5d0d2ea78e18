"""Issue 11, finding 4: a bid whose answer was lost can be retried safely and looked up.

POST /api/lots/{id}/bids takes an Idempotency-Key; a retry with the same key by the same
bidder gets the first outcome (201 with the same bid, or the same refusal), decided inside
place_bid.lua, with no second ledger entry; GET /api/lots/{id}/bids?mine=1 lists the
bidder's own accepted bids.
"""

from __future__ import annotations

import httpx
from portal_helpers import actor, lot_body, paid_bidder
from redis_cluster import sync_client

DAY_MS = 86_400_000


def test_a_retry_with_the_same_key_gets_the_first_outcome(portal: str, redis_url: str) -> None:
    officer = actor(portal, redis_url, "officer1", role="officer")
    lot_id = officer.post("/api/lots", json=lot_body()).json()["id"]
    a, code_a = paid_bidder(portal, redis_url, lot_id, "idem_a")
    b, _ = paid_bidder(portal, redis_url, lot_id, "idem_b")
    url = f"/api/lots/{lot_id}/bids"

    first = a.post(url, json={"amount": "800000"}, headers={"Idempotency-Key": "try-1"})
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    again = a.post(url, json={"amount": "800000"}, headers={"Idempotency-Key": "try-1"})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["bid"] == first.json()["bid"]
    # the same key names another attempt for another bidder
    other = b.post(url, json={"amount": "810000"}, headers={"Idempotency-Key": "try-1"})
    assert other.status_code == 201 and other.json()["bid"]["seq"] == 2
    # a refusal is kept too: the retry gets it although the amount would now be fine
    low = a.post(url, json={"amount": "810000"}, headers={"Idempotency-Key": "try-2"})
    assert low.status_code == 422 and low.json()["error"]["code"] == "below_minimum"
    retry = a.post(url, json={"amount": "830000"}, headers={"Idempotency-Key": "try-2"})
    assert retry.status_code == 422 and retry.json() == low.json()
    assert retry.headers["idempotent-replayed"] == "true"
    ledger = httpx.get(f"{portal}{url}").json()
    assert [(x["seq"], x["bidder_code"]) for x in ledger] == [(1, code_a), (2, other.json()[
        "bid"]["bidder_code"])]
    # kept until a day after the lot's end
    client = sync_client(redis_url, decode_responses=True)
    ends_at = int(client.hget(f"lot:{{{lot_id}}}:state", "ends_at"))
    sec, usec = client.time()  # before PTTL: the TTL read after it can only be shorter
    ttl = client.pttl(f"lot:{{{lot_id}}}:idem")  # (PEXPIRETIME needs Redis 7)
    assert DAY_MS < ttl <= ends_at + DAY_MS - (sec * 1000 + usec // 1000)
    client.close()


def test_a_malformed_key_is_refused(portal: str, redis_url: str) -> None:
    officer = actor(portal, redis_url, "officer1", role="officer")
    lot_id = officer.post("/api/lots", json=lot_body()).json()["id"]
    a, _ = paid_bidder(portal, redis_url, lot_id, "idem_c")
    for key in ("has space", "x" * 65, "key.dot", ""):
        r = a.post(f"/api/lots/{lot_id}/bids", json={"amount": "800000"},
                   headers={"Idempotency-Key": key})
        assert r.status_code == 400, key
        assert r.json()["error"]["code"] == "invalid_idempotency_key"
    assert httpx.get(f"{portal}/api/lots/{lot_id}/bids").json() == []


def test_mine_lists_only_my_accepted_bids(portal: str, redis_url: str) -> None:
    officer = actor(portal, redis_url, "officer1", role="officer")
    lot_id = officer.post("/api/lots", json=lot_body()).json()["id"]
    a, code_a = paid_bidder(portal, redis_url, lot_id, "mine_a")
    b, code_b = paid_bidder(portal, redis_url, lot_id, "mine_b")
    for client, amount in ((a, 800000), (b, 810000), (a, 820000)):
        assert client.post(f"/api/lots/{lot_id}/bids",
                           json={"amount": str(amount)}).status_code == 201
    mine = a.get(f"/api/lots/{lot_id}/bids?mine=1").json()
    assert [(x["seq"], x["bidder_code"]) for x in mine] == [(1, code_a), (3, code_a)]
    assert [x["seq"] for x in b.get(f"/api/lots/{lot_id}/bids?mine=1").json()] == [2]
    stranger = actor(portal, redis_url, "mine_c")
    assert stranger.get(f"/api/lots/{lot_id}/bids?mine=1").json() == []
    anonymous = httpx.get(f"{portal}/api/lots/{lot_id}/bids?mine=1")
    assert anonymous.status_code == 401
    assert len(httpx.get(f"{portal}/api/lots/{lot_id}/bids").json()) == 3
