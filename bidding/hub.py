"""One Redis pub/sub listener per process, fanning out to bounded per-connection queues.

Each websocket gets a Subscription with a bounded queue. A subscriber that falls behind is
never allowed to stall the others: its queue is cleared and marked overflowed, and its
writer sends a fresh snapshot instead (or drops the client if it keeps falling behind).
A consumer that gathers several channels itself (an event room's fan-out) attaches a
`Deliver` callback per channel instead: the hub calls it with (channel, item) for every item,
and the callback must not block (it owns its own buffering and overflow policy).
Viewer counts: every process writes its local count per channel into a Redis hash every
few seconds and sums the fresh entries; cheap and approximate by design.

Pub/sub is at-most-once: whatever is published while the listener's connection is down or
re-subscribing is lost. So when redis-py reconnects the listener (it re-sends SUBSCRIBE for
every channel), the hub hands every member a ("resync", None) item at once, ahead of
anything the new connection delivers, and `ready()` waits until Redis has processed that
SUBSCRIBE: a marker sent on the same connection behind it came back (the confirmation of a
SUBSCRIBE, at once undone, to a channel of our own; not a PING, which Redis 7.0 answers
outside pub/sub on a shard-only connection, nor a PUBLISH from another connection, which
may overtake the SUBSCRIBE or be lost on a cluster bus link not back yet); a member then
replays what it missed from durable state (the ledger, a room snapshot) after its last id.

On a Redis Cluster the lot and room channels (hash-tagged, `core.redis.sharded`) are
SSUBSCRIBEd, through redis-py's ClusterPubSub: one connection per master owning such a
channel, each read by a task of its own; the scripts SPUBLISH them, so only that master
delivers them (a PUBLISH goes to every node). Our own and global channels stay classic.
When a master's connection reconnects (redis-py re-sends its SSUBSCRIBEs), or a channel's
slot moves to another master (a reshard, a failover), the members of those channels resync
and `ready()` waits for the marker on the connection that now holds them
(bidding/hub_shards.py).
Every HEARTBEAT_INTERVAL seconds each member also gets ("heartbeat", None), so sockets
send clients a frame they can time out on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis.asyncio as aioredis
import redis.exceptions as redis_errors

from bidding import keys
from bidding.codec import str_hash
from bidding.hub_shards import Shards
from core.redis import sharded

log = logging.getLogger(__name__)
Transform = Callable[[str, str], tuple[str | None, list[str]]]
Item = tuple[str, Any]
"""What the hub hands a subscriber: ("event", (event id, texts)), ("viewers", count), or
("overflow", n) from a Subscription's own queue."""
Deliver = Callable[[str, Item], None]
"""A per-channel delivery hook: called with (channel, item); must not block."""
PRESENCE_INTERVAL = 2.0
PRESENCE_STALE_MS = 7000
HEARTBEAT_INTERVAL = 10.0
START_RETRY = (0.2, 5.0)  # first and longest wait for Redis at start-up, seconds
CLASSIC = ""  # the classic connection's name among the pending resync markers


class Member(Protocol):
    """Anything the hub delivers a channel's items to."""

    def offer(self, item: Item) -> None: ...


@dataclass(eq=False)
class Subscription:
    channel: str
    queue: asyncio.Queue[Item]
    overflows: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def offer(self, item: Item) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.overflows += 1
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(("overflow", self.overflows))


@dataclass(eq=False)
class Attachment:
    """A `Deliver` hook attached to one channel (see Hub.attach)."""

    channel: str
    deliver: Deliver
    size: Callable[[], int] | None = None
    """How many local viewers this member stands for (presence); None: one."""

    def offer(self, item: Item) -> None:
        try:
            self.deliver(self.channel, item)
        except Exception:  # a faulty hook must not stop the listener or the other members
            log.exception("delivery hook failed on %s", self.channel)


def identity(channel: str, data: str) -> tuple[str | None, list[str]]:
    return None, [data]


class Hub:
    def __init__(self, redis: aioredis.Redis, transform: Transform = identity,
                 queue_size: int = 256) -> None:
        self.redis = redis
        self.transform = transform
        self.queue_size = queue_size
        self.process_id = f"{os.getpid()}-{secrets.token_hex(3)}"
        self.subs: dict[str, set[Member]] = {}
        self.counts: dict[str, int] = {}
        self._pubsub: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._lock = asyncio.Lock()
        self._joined: dict[str, bool] = {}  # channels with new local subscribers to update
        self._ready = asyncio.Event()  # set while Redis has every subscription of ours
        self._pending: set[str] = set()  # connections whose resync marker is yet to come back
        self.shards = Shards(self)  # the sharded channels' readers, on a cluster
        self._marker = f"hub:{self.process_id}:resync"  # see the module's docstring
        self.resyncs = 0  # listener reconnections so far

    async def start(self) -> None:
        """Subscribe this process's own channel and start listening. A worker that starts
        while Redis is down (or restarting) waits here for it instead of failing its start-up,
        which would make uvicorn stop every worker; the others answer 503 meanwhile."""
        self._pubsub = self.redis.pubsub()  # (S)SUBSCRIBE confirmations: markers among them
        delay = START_RETRY[0]
        while True:
            try:
                await self._pubsub.subscribe(f"hub:{self.process_id}")
                break
            except (redis_errors.ConnectionError, redis_errors.TimeoutError) as exc:
                if delay == START_RETRY[0]:
                    log.warning("hub: Redis unavailable at start-up (%s); waiting for it", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, START_RETRY[1])
        self._pubsub.connection.register_connect_callback(self._reconnected)
        self._ready.set()
        self._tasks = [asyncio.create_task(self._listen(), name="hub-listener"),
                       asyncio.create_task(self._presence_loop(), name="hub-presence")]

    async def stop(self) -> None:
        await self.shards.stop()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        """A bounded queue of the channel's items (one per websocket of a lot page)."""
        sub = Subscription(channel, asyncio.Queue(self.queue_size))
        async with self._member(channel, sub):
            yield sub

    @contextlib.asynccontextmanager
    async def attach(self, channel: str, deliver: Deliver,
                     size: Callable[[], int] | None = None) -> AsyncIterator[Attachment]:
        """Call `deliver(channel, item)` for every item of the channel while inside; counts
        as `size()` local subscribers (presence; default one). The hook must not block or
        raise."""
        attachment = Attachment(channel, deliver, size)
        async with self._member(channel, attachment):
            yield attachment

    @contextlib.asynccontextmanager
    async def _member(self, channel: str, member: Member) -> AsyncIterator[None]:
        async with self._lock:
            first = channel not in self.subs
            self.subs.setdefault(channel, set()).add(member)
            self._joined[channel] = True
            if first:
                try:
                    if sharded(self.redis, channel):
                        await self.shards.subscribe(channel)
                    else:
                        await self._pubsub.subscribe(channel)
                except BaseException:  # Redis down: forget the member, the next one retries
                    self.subs.pop(channel, None)
                    raise
        try:
            yield
        finally:
            async with self._lock:
                members = self.subs.get(channel, set())
                members.discard(member)
                if not members:
                    self.subs.pop(channel, None)
                    with contextlib.suppress(Exception):
                        if sharded(self.redis, channel):
                            await self.shards.unsubscribe(channel)
                        else:
                            await self._pubsub.unsubscribe(channel)

    def local_count(self, channel: str) -> int:
        return sum(_size(m) for m in self.subs.get(channel, ()))

    def deliver(self, channel: str, item: Item) -> None:
        for member in list(self.subs.get(channel, ())):
            member.offer(item)

    async def ready(self) -> None:
        """Return once Redis holds every subscription of this process (at once, normally;
        after a listener reconnection, when the re-sent (S)SUBSCRIBEs have been processed)."""
        await self._ready.wait()

    def _marker_back(self, name: str) -> None:
        self._pending.discard(name)
        if not self._pending:
            self._ready.set()

    async def _send_marker(self, connection: Any) -> None:
        """Queue the marker behind what was sent on `connection` (see the module's doc)."""
        await connection.send_command("SUBSCRIBE", self._marker, check_health=False)
        await connection.send_command("UNSUBSCRIBE", self._marker, check_health=False)

    async def _resync(self, name: str, connection: Any, channels: list[str],
                      why: str = "reconnected") -> None:
        """The channels' members resync; ready() waits for the marker sent on `connection`."""
        self._pending.add(name)
        self._ready.clear()
        self.resyncs += 1
        log.warning("pub/sub connection %s %s; %d channel(s) resync",
                    name or "(classic)", why, len(channels))
        for channel in channels:
            self.deliver(channel, ("resync", None))
        await self._send_marker(connection)

    async def _reconnected(self, connection: Any) -> None:
        """redis-py's connect callback on the listener's (classic) connection, run right
        after it re-sent SUBSCRIBE for every channel: every member of those must resync."""
        if connection is not self._pubsub.connection:  # back in the pool after stop()
            return
        await self._resync(CLASSIC, connection,
                           [c for c in self.subs if not sharded(self.redis, c)])

    async def _listen(self) -> None:
        failing = False
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
                failing = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost: back off, redis-py reconnects
                if not failing:  # one line per outage, not one per attempt
                    log.error("pub/sub listener lost Redis: %s", exc)
                failing = True
                await asyncio.sleep(0.5)
                continue
            if not message:
                continue
            if message.get("type") == "subscribe" and message.get("channel") == self._marker:
                self._marker_back(CLASSIC)
            elif message.get("type") == "message":  # (none on our own channel)
                self._dispatch(message["channel"], message["data"])

    def _dispatch(self, channel: str, data: str) -> None:
        try:
            event_id, texts = self.transform(channel, data)
        except Exception:
            log.exception("bad event on %s", channel)
            return
        self.deliver(channel, ("event", (event_id, texts)))

    async def _presence_loop(self) -> None:
        beat, failing, upkeep_failing = time.monotonic(), False, False
        while True:
            await asyncio.sleep(PRESENCE_INTERVAL)
            try:
                await self.shards.tick()
                upkeep_failing = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a master unreachable: the next tick tries again
                if not upkeep_failing:
                    log.error("sharded pub/sub upkeep failed: %s", exc)
                upkeep_failing = True
            if time.monotonic() - beat >= HEARTBEAT_INTERVAL:  # even while Redis is down
                beat = time.monotonic()
                for channel in list(self.subs):
                    self.deliver(channel, ("heartbeat", None))
            try:
                await self.publish_presence()
                failing = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not failing:  # one line per outage
                    log.error("presence update failed: %s", exc)
                failing = True

    async def publish_presence(self) -> None:
        channels = set(self.subs) | {c for c, n in self.counts.items() if n}
        now = int(time.time() * 1000)
        for channel in channels:
            key = keys.viewers(channel)
            pipe = self.redis.pipeline(transaction=False)
            pipe.hset(key, self.process_id, f"{self.local_count(channel)}|{now}")
            pipe.expire(key, 30)
            pipe.hgetall(key)
            *_, entries = await pipe.execute()
            total = viewer_total(entries, now)
            if total != self.counts.get(channel) or self._joined.pop(channel, False):
                self.counts[channel] = total
                self.deliver(channel, ("viewers", total))
            if not self.local_count(channel):
                await self.redis.hdel(key, self.process_id)
                self.counts.pop(channel, None)

    async def viewers(self, channel: str) -> int:
        entries = str_hash(await self.redis.hgetall(keys.viewers(channel)))
        return max(viewer_total(entries, int(time.time() * 1000)), self.local_count(channel))


def _size(member: Member) -> int:
    size = getattr(member, "size", None)
    return size() if size is not None else 1


def viewer_total(entries: dict[str, str], now_ms: int) -> int:
    total = 0
    for value in entries.values():
        count, _, ts = str(value).partition("|")
        if ts and now_ms - int(ts) <= PRESENCE_STALE_MS:
            total += int(count)
    return total


def json_text(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)
