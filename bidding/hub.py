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
SUBSCRIBE (one command for all channels: a marker published on the process's own channel
has come back); a member then replays what it missed from durable state (the lot ledger,
a room snapshot) after its last delivered id.
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
RESYNC_PING = "hub-resync"


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
        self._ping_due = False
        self.resyncs = 0  # listener reconnections so far

    async def start(self) -> None:
        """Subscribe this process's own channel and start listening. A worker that starts
        while Redis is down (or restarting) waits here for it instead of failing its start-up,
        which would make uvicorn stop every worker; the others answer 503 meanwhile."""
        self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
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
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
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
                        await self._pubsub.unsubscribe(channel)

    def local_count(self, channel: str) -> int:
        return sum(_size(m) for m in self.subs.get(channel, ()))

    def deliver(self, channel: str, item: Item) -> None:
        for member in list(self.subs.get(channel, ())):
            member.offer(item)

    async def ready(self) -> None:
        """Return once Redis holds every subscription of this process (at once, normally;
        after a listener reconnection, when the re-sent SUBSCRIBEs have been processed)."""
        await self._ready.wait()

    def _reconnected(self, connection: object) -> None:
        """redis-py's connect callback on the listener's connection, run right after it
        re-sent SUBSCRIBE for every channel: every member must resync."""
        self._ready.clear()
        self._ping_due = True
        self.resyncs += 1
        log.warning("pub/sub listener reconnected; %d channel(s) resync", len(self.subs))
        for channel in list(self.subs):
            self.deliver(channel, ("resync", None))

    async def _listen(self) -> None:
        failing = False
        while True:
            try:
                if self._ping_due:  # comes back once the one re-SUBSCRIBE was processed
                    await self.redis.publish(f"hub:{self.process_id}", RESYNC_PING)
                    self._ping_due = False
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
            if not message or message.get("type") != "message":
                continue
            channel, data = message["channel"], message["data"]
            if channel == f"hub:{self.process_id}":
                if data == RESYNC_PING:
                    self._ready.set()
                continue
            try:
                event_id, texts = self.transform(channel, data)
            except Exception:
                log.exception("bad event on %s", channel)
                continue
            self.deliver(channel, ("event", (event_id, texts)))

    async def _presence_loop(self) -> None:
        beat, failing = time.monotonic(), False
        while True:
            await asyncio.sleep(PRESENCE_INTERVAL)
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
