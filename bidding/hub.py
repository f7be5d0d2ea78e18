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
When a master's connection reconnects (redis-py re-sends its SSUBSCRIBEs), the members of
its channels resync and `ready()` waits for the marker on that connection likewise.
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
from types import SimpleNamespace
from typing import Any, Protocol

import redis.asyncio as aioredis
import redis.exceptions as redis_errors

from bidding import keys
from bidding.codec import str_hash
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
        self._shard_readers: dict[str, asyncio.Task[None]] = {}  # master name -> its reader
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
        tasks = [*self._tasks, *self._shard_readers.values()]
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
                        await self._pubsub.ssubscribe(channel)
                        self._watch_shards()
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
                            await self._pubsub.sunsubscribe(channel)
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

    async def _resync(self, name: str, connection: Any, channels: list[str]) -> None:
        """The channels' members resync; ready() waits for the marker sent on `connection`."""
        self._pending.add(name)
        self._ready.clear()
        self.resyncs += 1
        log.warning("pub/sub connection %s reconnected; %d channel(s) resync",
                    name or "(classic)", len(channels))
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

    # -- sharded pub/sub on a Redis Cluster --------------------------------------------------

    def _shard_pubsubs(self) -> dict[str, Any]:  # ClusterPubSub's per-master PubSubs by name
        return getattr(self._pubsub, "node_pubsub_mapping", {})

    def _watch_shards(self) -> None:
        """Give every per-master connection a reader task and our connect callback, after
        redis-py's (which re-sends the SSUBSCRIBEs). Run after each SSUBSCRIBE and every few
        seconds (redis-py may move a channel to another master after a slot migration)."""
        for name, pubsub in list(self._shard_pubsubs().items()):
            if pubsub.connection is None:  # not connected yet (or it failed): not readable
                continue
            # last in line (a connection reused from an earlier PubSub has it ahead of redis-py's)
            pubsub.connection.deregister_connect_callback(self._shard_reconnected)
            pubsub.connection.register_connect_callback(self._shard_reconnected)
            reader = self._shard_readers.get(name)
            if reader is None or reader.done():
                self._shard_readers[name] = asyncio.create_task(
                    self._listen_shard(name), name=f"hub-shard-{name}")

    async def _shard_reconnected(self, connection: Any) -> None:
        """Connect callback of a per-master connection, run right after redis-py re-sent its
        SSUBSCRIBEs: their members resync; the marker tells when Redis has processed them."""
        found = [(name, pubsub) for name, pubsub in self._shard_pubsubs().items()
                 if pubsub.connection is connection]
        if not found:  # a connection given back to the pool since: not ours any more
            return
        name, pubsub = found[0]
        await self._resync(name, connection, [c for c in pubsub.shard_channels if c in self.subs])

    async def _listen_shard(self, name: str) -> None:
        """Read one master's sharded messages until no subscription of ours is left there."""
        target, failing = SimpleNamespace(name=name), False  # all get_sharded_message uses
        while True:
            pubsub = self._shard_pubsubs().get(name)
            if pubsub is None or pubsub.connection is None:  # its last channel has gone
                if self._shard_readers.get(name) is asyncio.current_task():
                    del self._shard_readers[name]
                self._marker_back(name)
                return
            try:
                message = await self._pubsub.get_sharded_message(target_node=target,
                                                                 timeout=1.0)
                failing = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost: back off; the next read reconnects
                if not failing:  # one line per outage, not one per attempt
                    log.error("sharded pub/sub listener lost Redis node %s: %s", name, exc)
                failing = True
                if not isinstance(exc, redis_errors.ConnectionError) and pubsub.connection:
                    # a re-sent SSUBSCRIBE refused (CLUSTERDOWN while a restarted master
                    # rejoins, MOVED): reconnect, which subscribes again
                    with contextlib.suppress(Exception):
                        await pubsub.connection.disconnect()
                await asyncio.sleep(0.5)
                continue
            if not message:
                continue
            if message.get("type") == "subscribe" and message.get("channel") == self._marker:
                self._marker_back(name)
            elif message.get("type") == "smessage":
                self._dispatch(message["channel"], message["data"])

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
        beat, failing = time.monotonic(), False
        while True:
            await asyncio.sleep(PRESENCE_INTERVAL)
            self._watch_shards()
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
