"""Closing lots: sold/failed, extended ends, concurrent closers, published events."""

from __future__ import annotations

import asyncio
import json

import redis.asyncio as aioredis
from redis_cluster import Listener, async_client
from test_bidding_support import end_now, open_lot, paid_bidder

from bidding import BidStore, keys


async def wait_past(store: BidStore, ms: int) -> None:
    """Sleep until the Redis clock is past ``ms``."""
    while await store.server_time_ms() <= ms:
        await asyncio.sleep(0.02)


async def messages(pubsub: Listener, n: int) -> list[dict]:
    out: list[dict] = []
    async with asyncio.timeout(3):
        while len(out) < n:
            msg = await pubsub.get_message(timeout=0.1)
            if msg is not None:
                out.append(json.loads(msg["data"]))
    return out


async def test_sold_failed_idempotent_and_events(aredis_alone: aioredis.Redis) -> None:
    store = BidStore(aredis_alone)
    pubsub = Listener(aredis_alone)  # sharded on a cluster, as the scripts publish there
    await pubsub.subscribe(keys.events(1), keys.events(2))
    await open_lot(store, 1)
    await open_lot(store, 2, starts_in_ms=-60_000, ends_in_ms=-1)
    await open_lot(store, 3)
    code = await paid_bidder(store, 1, "winner")
    bid = await store.place_bid(1, code, 100_000)
    assert bid.ok
    assert (await store.close_lot(1))["closed"] is False
    end = await end_now(store, 1)
    await wait_past(store, end)

    assert sorted(await store.close_due()) == [1, 2]
    assert await store.close_due() == []
    assert await aredis_alone.zrange(keys.CLOSING, 0, -1) == ["3"]
    again = await store.close_lot(1)
    assert again == {"closed": True, "changed": False, "status": "sold", "ends_at": end}
    assert (await store.close_lot(3))["status"] == "live"

    sold, failed = await store.state(1), await store.state(2)
    assert sold is not None and failed is not None
    assert (sold["status"], failed["status"]) == ("sold", "failed")
    assert isinstance(sold["closed_at"], int)
    close = (await store.ledger(1))[-1]
    assert (close["kind"], close["status"], close["amount"], close["code"], close["seq"]) == \
        ("close", "sold", 100_000, code, 2)
    assert (await store.verify(1)).ok and (await store.verify(2)).ok
    assert (await store.ledger(2))[0]["amount"] == 0
    assert (await store.place_bid(1, code, 200_000)).error == "closed"

    events = await messages(pubsub, 3)
    await pubsub.aclose()
    by_type = {(e["lot"], e["type"]): e for e in events}
    bid_event = by_type[(1, "bid")]
    assert bid_event["id"] == bid.event_id and bid_event["amount"] == 100_000
    assert bid_event["leader_code"] == code and bid_event["bid_count"] == 1
    assert bid_event["extended"] is False and bid_event["seq"] == 1
    closed = by_type[(1, "closed")]
    assert (closed["status"], closed["final_price"], closed["winner_code"]) == \
        ("sold", 100_000, code)
    assert closed["prev"] == bid_event["hash"] and closed["hash"] == close["hash"]
    failed_event = by_type[(2, "closed")]
    assert (failed_event["status"], failed_event["final_price"]) == ("failed", 0)
    assert failed_event["winner_code"] is None


async def test_closer_waits_for_extended_end(aredis_alone: aioredis.Redis) -> None:
    store = BidStore(aredis_alone)
    # The bid must land inside the 2 s before the end (three round trips: ample under load)
    now = await open_lot(store, 1, ends_in_ms=2000, extension_ms=2500)
    code = await paid_bidder(store, 1, "late")
    out = await store.place_bid(1, code, 100_000)
    assert out.ok and out.bid is not None and out.bid["extended"] is True
    new_end = out.bid["ends_at"]
    await wait_past(store, now + 2000)
    assert await store.close_due() == []
    assert await aredis_alone.zscore(keys.CLOSING, "1") == new_end
    state = await store.state(1)
    assert state is not None and state["status"] == "live"
    await wait_past(store, new_end)
    assert await store.close_due() == [1]


async def test_cancelled_lot_is_never_closed(aredis_alone: aioredis.Redis) -> None:
    store = BidStore(aredis_alone)
    await open_lot(store, 1, starts_in_ms=-60_000, ends_in_ms=-1)
    await store.cancel_lot(1)
    await store.cancel_lot(1)
    assert await store.close_due() == []
    assert (await store.close_lot(1))["status"] == "cancelled"
    assert await store.ledger(1) == []


async def test_concurrent_closers_close_once(aredis_alone: aioredis.Redis,
                                             redis_alone_url: str) -> None:
    store = BidStore(aredis_alone)
    other_client = async_client(redis_alone_url, decode_responses=True)  # a second process
    await other_client.ping()  # connected first, as the portal's is (a cluster client's
    # first concurrent commands would race its slot-map initialisation)
    other = BidStore(other_client)
    end = 0
    for lot_id in (1, 2, 3):
        await open_lot(store, lot_id)
        assert (await store.place_bid(lot_id, await paid_bidder(store, lot_id, "u"), 100_000)).ok
    for lot_id in (1, 2, 3):
        end = await end_now(store, lot_id)
    await wait_past(store, end)
    stop = asyncio.Event()
    closers = [asyncio.create_task(s.run_closer(stop, interval=0.02)) for s in (store, other)]
    racing = await asyncio.gather(*(s.close_lot(lot) for s in (store, other) for lot in (1, 2, 3)
                                    for _ in range(5)))
    async with asyncio.timeout(5):
        while await aredis_alone.zcard(keys.CLOSING):
            await asyncio.sleep(0.02)
    stop.set()
    await asyncio.gather(*closers)
    await other_client.aclose()
    assert all(r["closed"] for r in racing)
    assert sum(r["changed"] for r in racing) <= 3
    for lot_id in (1, 2, 3):
        kinds = [e["kind"] for e in await store.ledger(lot_id)]
        assert kinds == ["bid", "close"]
        assert (await store.verify(lot_id)).ok
    assert await aredis_alone.exists(keys.CLOSER_LOCK) == 0


async def test_only_one_closer_holds_the_lease(aredis_alone: aioredis.Redis) -> None:
    store = BidStore(aredis_alone)
    assert await store.acquire_lease("one", 5_000)
    assert not await store.acquire_lease("two", 5_000)
    assert await store.acquire_lease("one", 5_000)
    await store.release_lease("two")
    assert await aredis_alone.get(keys.CLOSER_LOCK) == "one"
    await store.release_lease("one")
    assert await store.acquire_lease("two", 5_000)
