"""Issue 11, finding 1 for event rooms: numbered room events, and a snapshot for every local
client when the hub's listener had to re-subscribe (what was published meanwhile is lost),
on a single server and (sharded pub/sub) on a Redis Cluster."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from fault_support import PrivateRedis
from redis_cluster import available

from bidding.hub import Hub
from core.lua import register
from livestream import keys
from livestream.fanout import Client, Rooms, room_transform
from livestream.frames import RESYNC, wire
from livestream.publish import room_publish, room_seqs
from livestream.viewers import ViewerCounter

EVENT = {"id": 5, "nonce": "n", "venues": [{"id": 1, "lot_id": 9}]}


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    server = PrivateRedis(tmp_path)
    server.start()
    client = aioredis.Redis.from_url(server.url, decode_responses=True)
    hub = Hub(client, room_transform)
    await hub.start()
    yield hub
    await hub.stop()
    await client.aclose()
    server.kill()


async def frames_until(client: Client, stop: str) -> list[str]:
    """Frames up to the first containing `stop` (heartbeats and viewer counts arrive too, so
    the bound is on the whole wait: it fails the test instead of hanging it)."""
    out: list[str] = []

    async def collect() -> list[str]:
        while True:
            out.append(await client.queue.get())
            if stop in out[-1]:
                return out

    return await asyncio.wait_for(collect(), 60)


async def test_room_events_are_numbered_per_channel(hub: Hub) -> None:
    redis = hub.redis
    await room_publish(redis, 5, wire({"type": "chat", "message": {"id": "c-1"}}))
    await room_publish(redis, 5, wire({"type": "settings", "slow_mode": 0}))
    await room_publish(redis, 5, wire({"type": "muted", "username": "x"}), mod=True)
    pipe = redis.pipeline(transaction=True)
    await room_publish(redis, 5, "{}", pipe=pipe)
    await pipe.execute()
    assert await room_seqs(redis, 5) == (3, 1)


async def test_clients_get_a_snapshot_when_the_listener_resubscribed(hub: Hub) -> None:
    rooms = Rooms(hub, ViewerCounter(hub.redis), tick=0)
    client = Client(viewer_id="viewer-0001", venue_id=1)
    async with rooms.join(EVENT, client):
        while not await hub.redis.publish(keys.channel(5), wire({"type": "probe"})):
            await asyncio.sleep(0.02)  # the room's SUBSCRIBE may take a moment to reach Redis
        await room_publish(hub.redis, 5, wire({"type": "chat", "n": 1}))
        assert json.loads((await frames_until(client, '"n":1'))[-1])["seq"] == 1
        # the listener's connection drops and the next event is published before it is back
        script = register(hub.redis, "livestream", "publish.lua")
        pipe = hub.redis.pipeline(transaction=True)
        pipe.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
        await script(keys=[keys.channel_seq(keys.channel(5))],
                     args=[keys.channel(5), wire({"type": "chat", "n": 2}), "seq"], client=pipe)
        killed, _ = await pipe.execute()
        assert killed == 1
        frames = await frames_until(client, RESYNC)
        assert not any('"n":2' in f for f in frames)  # lost on pub/sub, as designed …
        assert frames[-1] == RESYNC  # … so the client's writer sends a fresh snapshot
        await room_publish(hub.redis, 5, wire({"type": "chat", "n": 3}))
        assert json.loads((await frames_until(client, '"n":3'))[-1])["seq"] == 3
    await rooms.stop()


@pytest.mark.skipif(not available(), reason="needs Debian's redis-server 7")
async def test_room_clients_resync_when_the_rooms_master_connection_drops(rc) -> None:
    """The same on a Redis Cluster, where the room's channels are sharded: the hub's
    connection to the room's master drops in the transaction that publishes there."""
    hub = Hub(rc, room_transform)
    await hub.start()
    rooms = Rooms(hub, ViewerCounter(rc), tick=0)
    client = Client(viewer_id="viewer-0001", venue_id=1)
    node = rc.get_node_from_key(keys.channel(5))
    master = aioredis.Redis(host=node.host, port=node.port, decode_responses=True)
    try:
        async with rooms.join(EVENT, client):
            while (await master.pubsub_shardnumsub(keys.channel(5)))[0][1] != 1:
                await asyncio.sleep(0.02)  # the room's SSUBSCRIBE may take a moment
            await room_publish(rc, 5, wire({"type": "chat", "n": 1}))
            assert json.loads((await frames_until(client, '"n":1'))[-1])["seq"] == 1
            script = register(master, "livestream", "publish.lua")
            pipe = master.pipeline(transaction=True)
            pipe.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
            await script(keys=[keys.channel_seq(keys.channel(5))],
                         args=[keys.channel(5), wire({"type": "chat", "n": 2}), "seq",
                               "SPUBLISH"], client=pipe)
            killed, _ = await pipe.execute()
            assert killed >= 1
            frames = await frames_until(client, RESYNC)
            assert not any('"n":2' in f for f in frames)
            assert frames[-1] == RESYNC
            await room_publish(rc, 5, wire({"type": "chat", "n": 3}))
            assert json.loads((await frames_until(client, '"n":3'))[-1])["seq"] == 3
        await rooms.stop()
    finally:
        await master.aclose()
        await hub.stop()
