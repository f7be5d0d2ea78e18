"""The bidding engine on a real 3-master Redis Cluster (tests/redis_cluster.py): every lot
script's keys share the lot's hash-tagged slot, the global closing index and the closer's
lease stay outside scripts, lots on different masters work side by side, and lot and room
events travel by sharded pub/sub (SPUBLISH/SSUBSCRIBE), resynced when a master's connection
of the hub's listener drops."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import pytest
import redis.asyncio as aioredis
from redis.crc import key_slot
from redis_cluster import available, local_cluster
from test_bidding_support import MINUTE_MS, open_lot, paid_bidder

from bidding import BidStore, keys
from bidding.events import lot_transform
from bidding.hub import Hub, Item, Subscription
from bidding.scripts import scripts_for
from core.redis import connect
from livestream import keys as live_keys
from livestream.frames import wire
from livestream.publish import room_publish
from portal.services import transform

pytestmark = pytest.mark.skipif(not available(), reason="needs Debian's redis-server 7")


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
    """Sharded pub/sub: the hub reads each master owning a watched lot on a connection of its
    own and gets the events each lot's script publishes there."""
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


def master_of(rc: Any, name: str) -> aioredis.Redis:
    """A plain client to the master owning the slot of a key or channel."""
    node = rc.get_node_from_key(name)
    return aioredis.Redis(host=node.host, port=node.port, decode_responses=True)


async def wait_sharded(rc: Any, channel: str, count: int = 1) -> None:
    """Until the channel's master counts `count` sharded subscribers (the hub's SSUBSCRIBE is
    sent, not awaited: Redis may take a moment to process it)."""
    master = master_of(rc, channel)
    try:
        async with asyncio.timeout(10):
            while (await master.pubsub_shardnumsub(channel))[0][1] != count:
                await asyncio.sleep(0.02)
    finally:
        await master.aclose()


async def next_event(sub: Subscription) -> Item:
    """The subscription's next item other than a viewer count."""
    while True:
        kind, payload = await asyncio.wait_for(sub.queue.get(), 30)
        if kind != "viewers":
            return kind, payload


async def test_lot_and_room_events_travel_as_sharded_messages(rc) -> None:
    store = BidStore(rc)
    hub = Hub(rc, transform)
    await hub.start()
    lot_channel, room_channel = keys.events(3), live_keys.channel(4)
    masters = {n.name: aioredis.Redis(host=n.host, port=n.port, decode_responses=True)
               for n in rc.get_primaries()}
    home = rc.get_node_from_key(lot_channel).name
    elsewhere = next(m for name, m in masters.items() if name != home)
    classic = elsewhere.pubsub()  # a classic subscriber (a PUBLISH reaches every node)
    try:
        await classic.subscribe(lot_channel)
        assert (await classic.get_message(timeout=10))["type"] == "subscribe"
        await open_lot(store, 3)
        code = await paid_bidder(store, 3, "a")
        async with hub.subscribe(lot_channel) as lot_sub, hub.subscribe(room_channel) as room_sub:
            for channel in (lot_channel, room_channel):
                await wait_sharded(rc, channel)
                owner = rc.get_node_from_key(channel).name
                for name, master in masters.items():  # no classic SUBSCRIBE but the test's
                    assert (channel in await master.pubsub_shardchannels()) == (name == owner)
                    classic_here = master is elsewhere and channel == lot_channel
                    assert (await master.pubsub_numsub(channel))[0][1] == int(classic_here)
            assert (await store.place_bid(3, code, 100_000)).ok
            await room_publish(rc, 4, wire({"type": "chat", "n": 1}))
            kind, (_, texts) = await next_event(lot_sub)
            assert kind == "event" and json.loads(texts[0])["bid"]["seq"] == 1
            kind, (_, texts) = await next_event(room_sub)
            assert kind == "event" and json.loads(texts[0]) == {"seq": 1, "type": "chat", "n": 1}
        # the script's SPUBLISH never reached the classic subscriber (a PUBLISH would have, on
        # any node): the first message it reads is one sent after the bid was delivered
        await elsewhere.publish(lot_channel, "after")
        assert (await classic.get_message(timeout=10))["data"] == "after"
    finally:
        await classic.aclose()
        for client in masters.values():
            await client.aclose()
        await hub.stop()


async def test_a_dropped_master_connection_resyncs_its_channels(rc) -> None:
    """CLIENT KILL drops the hub's connection to one master in the same transaction as a bid
    there, which is lost on pub/sub: the lot's subscriber gets ("resync", None), `ready()`
    returns once the re-sent SSUBSCRIBE is processed, and later bids arrive again; a lot on
    another master sees nothing of it."""
    store = BidStore(rc)
    home = rc.get_node_from_key(keys.state(1)).name
    other = next(i for i in range(2, 100) if rc.get_node_from_key(keys.state(i)).name != home)
    for lot_id in (1, other):
        await open_lot(store, lot_id)
        await paid_bidder(store, lot_id, "a")
        await paid_bidder(store, lot_id, "b")
    hub = Hub(rc, lot_transform)
    await hub.start()
    owner = master_of(rc, keys.state(1))
    try:
        async with hub.subscribe(keys.events(1)) as sub, \
                hub.subscribe(keys.events(other)) as other_sub:
            for lot_id in (1, other):
                await wait_sharded(rc, keys.events(lot_id))
            assert (await store.place_bid_as(1, "a", 100_000)).ok
            kind, (_, texts) = await next_event(sub)
            assert json.loads(texts[0])["bid"]["seq"] == 1
            pipe = owner.pipeline(transaction=True)
            pipe.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
            await scripts_for(owner).place_bid(
                keys=[keys.state(1), keys.ledger(1), keys.bidders(1), keys.users(1),
                      keys.idempotency(1)],
                args=["", 100_500, keys.events(1), "b", "", "SPUBLISH"], client=pipe)
            killed, reply = await pipe.execute()
            assert killed >= 1 and json.loads(reply)["ok"]
            assert await next_event(sub) == ("resync", None)  # seq 2 is lost, as designed
            await asyncio.wait_for(hub.ready(), 30)
            assert hub.resyncs >= 1
            assert (await store.place_bid_as(1, "a", 101_000)).ok
            kind, (_, texts) = await next_event(sub)
            assert kind == "event" and json.loads(texts[0])["bid"]["seq"] == 3
            assert (await store.place_bid_as(other, "a", 100_000)).ok
            kind, (_, texts) = await next_event(other_sub)
            assert kind == "event" and json.loads(texts[0])["bid"]["seq"] == 1
    finally:
        await owner.aclose()
        await hub.stop()


async def migrate_slot(source: aioredis.Redis, target: aioredis.Redis, slot: int) -> None:
    """Move a slot's keys from one master to another, as `redis-cli --cluster reshard` does:
    IMPORTING on the target, MIGRATING on the source, MIGRATE the keys, then the target
    takes the slot (CLUSTER SETSLOT ... NODE): from here on it serves the slot, while the
    source, not told yet, still holds the slot's sharded subscribers."""
    source_id = await source.execute_command("CLUSTER", "MYID")
    target_id = await target.execute_command("CLUSTER", "MYID")
    host, port = target.connection_pool.connection_kwargs["host"], \
        target.connection_pool.connection_kwargs["port"]
    await target.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", source_id)
    await source.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)
    while names := await source.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 100):
        await source.execute_command("MIGRATE", host, port, "", 0, 5000, "KEYS", *names)
    await target.execute_command("CLUSTER", "SETSLOT", slot, "NODE", target_id)


@pytest.mark.parametrize("dropped", [False, True], ids=["sunsubscribed", "dropped"])
async def test_a_migrated_slot_moves_its_channels_and_resyncs_them(tmp_path,
                                                                   dropped: bool) -> None:
    """A lot's slot migrates to another master (a reshard) while the hub's subscriber
    watches it: a bid the new owner takes before the old one has given the slot up is
    published where the hub has no subscription (lost on pub/sub); when the old owner gives
    it up, the hub moves the subscription to the new owner, the subscriber gets
    ("resync", None), `ready()` returns once the new SSUBSCRIBE is processed, and later bids
    arrive from the new owner. The old owner tells the hub by a SUNSUBSCRIBE of the channel;
    or, `dropped`, the hub's connection to it drops in the same transaction, and the
    SSUBSCRIBE that redis-py re-sends there on reconnection is refused with MOVED."""
    with local_cluster(tmp_path / "cluster") as cluster:
        rc = connect(cluster.url, cluster=True)
        await rc.ping()
        store = BidStore(rc)
        await open_lot(store, 1)
        await paid_bidder(store, 1, "a")
        await paid_bidder(store, 1, "b")
        hub = Hub(rc, lot_transform)
        await hub.start()
        channel, slot = keys.events(1), key_slot(keys.events(1).encode())
        source = master_of(rc, channel)
        home = rc.get_node_from_key(channel)
        node = next(n for n in rc.get_primaries() if n.name != home.name)
        target = aioredis.Redis(host=node.host, port=node.port, decode_responses=True)
        others = [aioredis.Redis(host=n.host, port=n.port, decode_responses=True)
                  for n in rc.get_primaries() if n.name not in (home.name, node.name)]
        try:
            async with hub.subscribe(channel) as sub:
                await wait_sharded(rc, channel)
                assert (await store.place_bid_as(1, "a", 100_000)).ok
                kind, (_, texts) = await next_event(sub)
                assert json.loads(texts[0])["bid"]["seq"] == 1
                await migrate_slot(source, target, slot)
                reply = await scripts_for(target).place_bid(  # seq 2: SPUBLISHed on the target
                    keys=[keys.state(1), keys.ledger(1), keys.bidders(1), keys.users(1),
                          keys.idempotency(1)], args=["", 100_500, channel, "b", "", "SPUBLISH"])
                assert json.loads(reply)["ok"]
                target_id = await target.execute_command("CLUSTER", "MYID")
                pipe = source.pipeline(transaction=True)  # the old owner gives the slot up
                if dropped:
                    pipe.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
                pipe.execute_command("CLUSTER", "SETSLOT", slot, "NODE", target_id)
                await pipe.execute()
                for master in others:
                    await master.execute_command("CLUSTER", "SETSLOT", slot, "NODE", target_id)
                assert await next_event(sub) == ("resync", None)  # seq 2 was lost, as designed
                await asyncio.wait_for(hub.ready(), 30)
                assert channel in await target.pubsub_shardchannels()
                assert channel not in await source.pubsub_shardchannels()
                assert (await store.place_bid_as(1, "a", 101_000)).ok
                kind, (_, texts) = await next_event(sub)
                assert kind == "event" and json.loads(texts[0])["bid"]["seq"] == 3
        finally:
            for client in (source, target, *others):
                await client.aclose()
            await hub.stop()
            await rc.aclose()
