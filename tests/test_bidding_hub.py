"""The per-process fan-out hub: bounded queues, overflow, channel subscriptions, presence."""

from __future__ import annotations

import asyncio
import contextlib
import json

from redis_cluster import publish

from bidding.hub import Hub, Subscription, viewer_total
from portal.services import transform


def test_a_slow_subscriber_overflows_instead_of_blocking() -> None:
    sub = Subscription("c", asyncio.Queue(3))
    for n in range(3):
        sub.offer(("event", n))
    sub.offer(("event", 99))  # full: cleared and marked, never blocks the publisher
    assert sub.overflows == 1
    assert sub.queue.qsize() == 1 and sub.queue.get_nowait() == ("overflow", 1)


def test_viewer_total_ignores_stale_processes() -> None:
    entries = {"p1": "10|100000", "p2": "5|99000", "p3": "7|50000"}
    assert viewer_total(entries, now_ms=100500) == 15


async def wait_until(predicate, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_hub_delivers_transformed_events_to_every_subscriber(aredis) -> None:
    hub = Hub(aredis, transform, queue_size=8)
    await hub.start()
    try:
        channel = "lot:{7}:events"
        async with hub.subscribe(channel) as a, hub.subscribe(channel) as b:
            assert hub.local_count(channel) == 2
            await wait_until(lambda: True)
            event = {"type": "bid", "id": "1-0", "seq": 1, "lot": 7, "amount": 80000000,
                     "code": "A3F9", "rank": 0, "at": 1, "ends_at": 2, "extended": False,
                     "hash": "h", "prev": "p", "current_price": 80000000,
                     "leader_code": "A3F9", "bid_count": 1}
            for _ in range(50):  # the SUBSCRIBE may take a moment to reach Redis
                if await publish(aredis, channel, json.dumps(event)):
                    break
                await asyncio.sleep(0.02)
            for sub in (a, b):
                kind, (event_id, texts) = await asyncio.wait_for(sub.queue.get(), 5)
                assert kind == "event" and event_id == "1-0"
                assert json.loads(texts[0])["bid"]["amount"] == "800000.00"
        assert hub.local_count(channel) == 0 and channel not in hub.subs
    finally:
        await hub.stop()


async def test_presence_sums_processes_and_notifies(aredis) -> None:
    one, two = Hub(aredis), Hub(aredis)
    await one.start()
    await two.start()
    try:
        channel = "lot:{8}:events"
        async with one.subscribe(channel) as sub, two.subscribe(channel), two.subscribe(channel):
            await two.publish_presence()
            await one.publish_presence()
            kind, count = await asyncio.wait_for(sub.queue.get(), 5)
            assert (kind, count) == ("viewers", 3)
            assert await one.viewers(channel) == 3
    finally:
        await one.stop()
        await two.stop()


async def test_attached_hook_gets_every_item_with_its_channel(aredis) -> None:
    hub = Hub(aredis, queue_size=8)
    await hub.start()
    seen: list[tuple[str, object]] = []
    try:
        channel = "event:{9}:room"
        async with hub.attach(channel, lambda ch, item: seen.append((ch, item))), \
                hub.subscribe(channel) as sub:
            assert hub.local_count(channel) == 2  # a hook counts as one local subscriber
            got = None
            for _ in range(50):  # the SUBSCRIBE may take a moment to reach Redis
                await publish(aredis, channel, '{"type":"chat"}')
                with contextlib.suppress(TimeoutError):
                    got = await asyncio.wait_for(sub.queue.get(), 0.1)
                    break
            assert got == ("event", (None, ['{"type":"chat"}']))
            items = [got]
            while not sub.queue.empty():  # a later try's copy, if the SUBSCRIBE came between
                items.append(sub.queue.get_nowait())
            assert seen == [(channel, item) for item in items]  # the hook got every item too
        assert channel not in hub.subs
    finally:
        await hub.stop()
