"""The bidding engine on a real 3-master Redis Cluster (tests/redis_cluster.py): every lot
script's keys share the lot's hash-tagged slot, the global closing index and the closer's
lease stay outside scripts, and lots on different masters work side by side."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from redis.crc import key_slot
from redis_cluster import available, cluster_url  # noqa: F401 - a fixture
from test_bidding_support import MINUTE_MS, open_lot, paid_bidder

from bidding import BidStore, keys
from bidding.events import lot_transform
from bidding.hub import Hub
from core.redis import connect

pytestmark = pytest.mark.skipif(not available(), reason="needs Debian's redis-server 7")


@pytest.fixture
async def rc(cluster_url: str) -> AsyncIterator[aioredis.Redis]:  # noqa: F811
    client = connect(cluster_url, cluster=True)
    await client.flushall()
    yield client
    await client.aclose()


def test_every_lot_key_shares_one_slot() -> None:
    for lot_id in (1, 7, 12345):
        names = [keys.state(lot_id), keys.ledger(lot_id), keys.bidders(lot_id),
                 keys.users(lot_id), keys.events(lot_id)]
        assert len({key_slot(n.encode()) for n in names}) == 1


async def test_bids_close_and_verify_on_lots_spread_over_the_masters(rc) -> None:
    store = BidStore(rc)
    lot_ids = list(range(1, 9))
    slots = {key_slot(keys.state(i).encode()) for i in lot_ids}
    nodes = {rc.get_node_from_key(keys.state(i)).name for i in lot_ids}  # type: ignore[attr-defined]
    assert len(slots) == len(lot_ids) and len(nodes) == 3  # the lots live on every master
    for lot_id in lot_ids:
        await open_lot(store, lot_id)
        a, b = (await paid_bidder(store, lot_id, "a"), await paid_bidder(store, lot_id, "b"))
        for k in range(4):
            out = await store.place_bid(lot_id, (a, b)[k % 2], 100_000 + k * 500)
            assert out.ok and out.bid and out.bid["seq"] == k + 1
        assert (await store.place_bid_as(lot_id, "a", 102_000)).ok
    states = await store.states(lot_ids)  # one pipeline over the three masters
    assert sorted(states) == lot_ids
    assert all(s["bid_count"] == 5 and s["current_price"] == 102_000 for s in states.values())
    for lot_id in lot_ids:
        result = await store.verify(lot_id)
        assert result.ok and result.length == 5


async def test_the_closer_uses_global_keys_outside_scripts(rc) -> None:
    store = BidStore(rc)
    await open_lot(store, 21, starts_in_ms=-2 * MINUTE_MS, ends_in_ms=-1)
    await open_lot(store, 22)
    assert await store.acquire_lease("me", 10_000)
    assert not await store.acquire_lease("other", 10_000)
    assert await store.close_due() == [21]
    assert (await store.state(21))["status"] == "failed"
    assert (await store.state(22))["status"] == "live"
    await store.release_lease("me")
    assert await store.acquire_lease("other", 10_000)


async def test_the_hub_delivers_lot_events_published_on_any_master(rc) -> None:
    """Classic pub/sub is broadcast over the cluster bus: one listener connection gets the
    events that each lot's script publishes on the master owning the lot."""
    store = BidStore(rc)
    hub = Hub(rc, lot_transform)
    await hub.start()
    try:
        subs = {}
        async with contextlib.AsyncExitStack() as stack:
            for lot_id in range(1, 7):
                await open_lot(store, lot_id)
                subs[lot_id] = await stack.enter_async_context(hub.subscribe(keys.events(lot_id)))
            for lot_id in subs:
                code = await paid_bidder(store, lot_id, "a")
                assert (await store.place_bid(lot_id, code, 100_000)).ok
            for sub in subs.values():
                kind, payload = await asyncio.wait_for(sub.queue.get(), 10)
                while kind != "event":  # presence updates (viewer counts) may come first
                    kind, payload = await asyncio.wait_for(sub.queue.get(), 10)
                event_id, texts = payload
                assert json.loads(texts[0])["bid"]["seq"] == 1
                assert json.loads(texts[0])["type"] == "bid" and event_id
    finally:
        await hub.stop()
