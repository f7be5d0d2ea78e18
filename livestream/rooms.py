"""Event rooms: chat and Q&A, moderation, pinned announcements, viewer counts, fan-out.

Messages are plain text (stored and sent as typed, never as HTML); every renderer escapes them
(Jinja autoescape, `textContent` in the browser). Limits: 300 characters, control characters
dropped, a user may post once per second and 10 times per 30 s (or once per slow-mode
interval), muted users not at all. Mutes and rate limits are per user id
(`core.names.user_id`): usernames are case-insensitive.

Fan-out: each process holds ONE hub subscription per room (plus one per venue lot, turned into
`price` events) and a pump task that collects what arrives during a short tick (100 ms) and
builds one frame text for all local clients: `{"type": "batch", "events": [...]}` when several
events arrived, else the event itself. So the per-client cost is one queue put and one
websocket send per tick whatever the message rate, and JSON is encoded once per process.

Viewer counts are approximate by design: every process notes viewer ids (websocket clients
and anonymous heartbeats) in memory and flushes them every 2 s with one PFADD per venue into
a HyperLogLog per 30-second bucket; a count is PFCOUNT over the current and previous bucket
(about 0.8 % standard error, 12 KB per key whatever the audience size).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis

from livestream import keys
from portal.errors import Forbidden, Invalid, NotFound, PortalError
from portal.timefmt import ms_to_iso

log = logging.getLogger(__name__)

MAX_TEXT = 300
MAX_ANNOUNCEMENT = 500
KEEP_MESSAGES = 1000
RECENT = 50
PINNED = 5
BURST = (10, 30)  # at most 10 messages per 30 s
SLOW_MODES = (0, 5, 10, 30, 60, 300)
BUCKET_SECONDS = 30
FLUSH_SECONDS = 2.0
COUNT_CACHE_SECONDS = 2.0
VIEWERS_PUSH_SECONDS = 5.0
TICK_SECONDS = 0.1
CLIENT_QUEUE = 64
PUMP_QUEUE = 8192
VIEWER_ID_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")


class RateLimited(PortalError):
    status, code = 429, "rate_limited"


def clean_text(value: Any, limit: int = MAX_TEXT) -> str:
    """Plain text: control and format characters dropped, whitespace collapsed, length checked."""
    if not isinstance(value, str):
        raise Invalid("text must be a string", code="invalid_text", field="text")
    text = "".join(" " if ch in "\t\n\r" else ch for ch in value
                   if ch in "\t\n\r" or unicodedata.category(ch)[0] != "C")
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise Invalid("text is empty", code="empty_text", field="text")
    if len(text) > limit:
        raise Invalid(f"text: at most {limit} characters", code="text_too_long", field="text",
                      limit=limit)
    return text


def wire(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def message_view(mid: str, fields: dict[str, str]) -> dict[str, Any]:
    return {"id": mid, "kind": fields.get("kind", "chat"), "user": fields.get("user", ""),
            "text": fields.get("text", ""), "at": ms_to_iso(int(fields.get("at") or 0))}


def batch_frame(texts: list[str]) -> str:
    """One websocket frame for several already-encoded events (no re-encoding)."""
    return texts[0] if len(texts) == 1 else '{"type":"batch","events":[' + ",".join(texts) + "]}"


# -- chat, questions, moderation ---------------------------------------------------------------


class Chat:
    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis: Any = redis

    async def settings(self, event_id: int) -> dict[str, Any]:
        raw = await self.redis.hmget(keys.live(event_id), ["slow_mode", "hold_questions"])
        return {"slow_mode": int(raw[0] or 0), "hold_questions": raw[1] in ("1", b"1")}

    async def _check_rate(self, event_id: int, username: str, slow_mode: int) -> None:
        interval_ms = max(1000, slow_mode * 1000)
        ok = await self.redis.set(keys.rate(event_id, username, "gap"), 1, px=interval_ms, nx=True)
        if not ok:
            ttl = await self.redis.pttl(keys.rate(event_id, username, "gap"))
            raise RateLimited("Slow down: wait a moment before the next message",
                              retry_after_ms=max(int(ttl), 0))
        burst_key = keys.rate(event_id, username, f"b{int(time.time()) // BURST[1]}")
        pipe = self.redis.pipeline(transaction=False)
        pipe.incr(burst_key)
        pipe.expire(burst_key, BURST[1] * 2)
        count, _ = await pipe.execute()
        if int(count) > BURST[0]:
            raise RateLimited("Too many messages; wait a little", retry_after_ms=BURST[1] * 1000)

    async def post(self, event_id: int, username: str, text: Any, kind: str = "chat",
                   *, moderator: bool = False) -> dict[str, Any]:
        """Post a chat message or a question; returns {"status": published|held, ...}."""
        if kind not in ("chat", "question"):
            raise Invalid("kind must be chat or question", code="invalid_kind", field="kind")
        text = clean_text(text)
        if not moderator and await self.redis.sismember(keys.muted(event_id),
                                                         keys.muted_member(username)):
            raise Forbidden("A moderator muted you in this room", code="muted")
        settings = await self.settings(event_id)
        if not moderator:
            await self._check_rate(event_id, username, settings["slow_mode"])
        sec, usec = await self.redis.time()
        at = int(sec) * 1000 + int(usec) // 1000
        fields = {"kind": kind, "user": username, "text": text, "at": str(at)}
        if kind == "question" and settings["hold_questions"] and not moderator:
            hid = f"h-{at}-{await self.redis.incr(keys.held_seq(event_id))}"
            view = message_view(hid, fields)
            pipe = self.redis.pipeline(transaction=True)
            pipe.hset(keys.held(event_id), hid, json.dumps(view, ensure_ascii=False))
            pipe.publish(keys.mod_channel(event_id), wire({"type": "question_held",
                                                            "question": view}))
            await pipe.execute()
            return {"status": "held", "message": view}
        view = await self._publish(event_id, kind, fields)
        return {"status": "published", "message": view}

    async def _publish(self, event_id: int, kind: str, fields: dict[str, str]) -> dict[str, Any]:
        sid = await self.redis.xadd(keys.messages(event_id, kind), fields, maxlen=KEEP_MESSAGES,
                                    approximate=True)
        view = message_view(f"{kind[0]}-{sid}", fields)
        key = "message" if kind == "chat" else "question"
        await self.redis.publish(keys.channel(event_id), wire({"type": kind, key: view}))
        return view

    async def recent(self, event_id: int, kind: str, count: int = RECENT) -> list[dict[str, Any]]:
        pipe = self.redis.pipeline(transaction=False)
        pipe.xrevrange(keys.messages(event_id, kind), count=count + 50)
        pipe.smembers(keys.deleted(event_id))
        entries, deleted = await pipe.execute()
        out = []
        for sid, fields in entries:
            mid = f"{kind[0]}-{sid}"
            if mid not in deleted:
                out.append(message_view(mid, fields))
            if len(out) == count:
                break
        return out[::-1]

    async def delete(self, event_id: int, message_id: str) -> None:
        """Delete a message (or reject a held question) for everyone."""
        if not re.fullmatch(r"[cqh]-\d+-\d+(-\d+)?", message_id):
            raise NotFound("No such message", code="message_not_found")
        if message_id.startswith("h-"):
            if not await self.redis.hdel(keys.held(event_id), message_id):
                raise NotFound("No such held question", code="message_not_found")
            await self.redis.publish(keys.mod_channel(event_id), wire(
                {"type": "question_rejected", "id": message_id}))
            return
        kind = "chat" if message_id[0] == "c" else "question"
        sid = message_id[2:]
        if not await self.redis.xrange(keys.messages(event_id, kind), sid, sid):
            raise NotFound("No such message", code="message_not_found")
        pipe = self.redis.pipeline(transaction=True)
        pipe.sadd(keys.deleted(event_id), message_id)
        pipe.expire(keys.deleted(event_id), 30 * 24 * 3600)
        pipe.publish(keys.channel(event_id), wire({"type": "chat_deleted", "id": message_id}))
        await pipe.execute()

    async def held(self, event_id: int) -> list[dict[str, Any]]:
        items = [json.loads(v) for v in (await self.redis.hgetall(keys.held(event_id))).values()]
        return sorted(items, key=lambda q: q["at"])

    async def approve(self, event_id: int, held_id: str) -> dict[str, Any]:
        raw = await self.redis.hget(keys.held(event_id), held_id)
        if raw is None or not await self.redis.hdel(keys.held(event_id), held_id):
            raise NotFound("No such held question", code="message_not_found")
        q = json.loads(raw)
        fields = {"kind": "question", "user": q["user"], "text": q["text"],
                  "at": str(await self._ms(q["at"]))}
        await self.redis.publish(keys.mod_channel(event_id), wire(
            {"type": "question_approved", "id": held_id}))
        return await self._publish(event_id, "question", fields)

    @staticmethod
    async def _ms(iso: str) -> int:
        from portal.timefmt import iso_to_ms

        return iso_to_ms(iso)

    async def mute(self, event_id: int, username: Any, on: bool) -> list[str]:
        """Mute or unmute a user in the room; returns the muted user ids."""
        member = keys.muted_member(str(username or ""))
        if not re.fullmatch(r"[a-z0-9_.-]{1,64}", member):
            raise Invalid("username is required", code="invalid_field", field="username")
        if on:
            await self.redis.sadd(keys.muted(event_id), member)
        else:
            await self.redis.srem(keys.muted(event_id), member)
        await self.redis.publish(keys.mod_channel(event_id), wire(
            {"type": "muted" if on else "unmuted", "username": member}))
        return sorted(await self.redis.smembers(keys.muted(event_id)))

    async def muted(self, event_id: int) -> list[str]:
        return sorted(await self.redis.smembers(keys.muted(event_id)))

    async def set_settings(self, event_id: int, data: dict[str, Any]) -> dict[str, Any]:
        mapping: dict[str, int] = {}
        if "slow_mode" in data:
            if data["slow_mode"] not in SLOW_MODES:
                raise Invalid(f"slow_mode must be one of {SLOW_MODES} seconds",
                              code="invalid_field", field="slow_mode")
            mapping["slow_mode"] = int(data["slow_mode"])
        if "hold_questions" in data:
            if not isinstance(data["hold_questions"], bool):
                raise Invalid("hold_questions must be true or false", code="invalid_field",
                              field="hold_questions")
            mapping["hold_questions"] = int(data["hold_questions"])
        if mapping:
            await self.redis.hset(keys.live(event_id), mapping=mapping)
        settings = await self.settings(event_id)
        await self.redis.publish(keys.channel(event_id), wire({"type": "settings", **settings}))
        return settings

    async def announce(self, event_id: int, text: Any) -> dict[str, Any]:
        text = clean_text(text, MAX_ANNOUNCEMENT)
        sec, usec = await self.redis.time()
        at = int(sec) * 1000 + int(usec) // 1000
        item = {"id": f"a-{at}", "text": text, "at": ms_to_iso(at)}
        pipe = self.redis.pipeline(transaction=True)
        pipe.lpush(keys.announcements(event_id), json.dumps(item, ensure_ascii=False))
        pipe.ltrim(keys.announcements(event_id), 0, PINNED - 1)
        pipe.publish(keys.channel(event_id), wire({"type": "announcement", "action": "pin",
                                                    "announcement": item}))
        await pipe.execute()
        return item

    async def unpin(self, event_id: int, announcement_id: str) -> None:
        for raw in await self.redis.lrange(keys.announcements(event_id), 0, -1):
            if json.loads(raw)["id"] == announcement_id:
                await self.redis.lrem(keys.announcements(event_id), 1, raw)
                await self.redis.publish(keys.channel(event_id), wire(
                    {"type": "announcement", "action": "unpin", "id": announcement_id}))
                return
        raise NotFound("No such announcement", code="announcement_not_found")

    async def announcements(self, event_id: int) -> list[dict[str, Any]]:
        return [json.loads(x) for x in await self.redis.lrange(keys.announcements(event_id),
                                                                 0, -1)]


# -- viewer counts -----------------------------------------------------------------------------


class ViewerCounter:
    """Approximate viewers per venue: per-process aggregation + one HyperLogLog per bucket."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis: Any = redis
        self.pending: dict[tuple[tuple[int, str], int], set[str]] = {}
        self._cache: dict[tuple[int, str], tuple[float, dict[int, int], int]] = {}
        self._task: asyncio.Task[None] | None = None

    def note(self, room: tuple[int, str], venue_id: int, viewer_id: str) -> None:
        self.pending.setdefault((room, venue_id), set()).add(viewer_id)
        if self._task is None:
            self._task = asyncio.create_task(self._flush_loop(), name="viewer-counter")

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("viewer count flush failed")

    async def flush(self, now: float | None = None) -> int:
        """Write the noted viewer ids; returns the number of Redis commands sent."""
        pending, self.pending = self.pending, {}
        if not pending:
            return 0
        bucket = int(now or time.time()) // BUCKET_SECONDS
        pipe = self.redis.pipeline(transaction=False)
        for (room, venue_id), ids in pending.items():
            key = keys.viewers(room, venue_id, bucket)
            pipe.pfadd(key, *ids)
            pipe.expire(key, BUCKET_SECONDS * 4)
        await pipe.execute()
        return 2 * len(pending)

    async def counts(self, room: tuple[int, str], venue_ids: list[int],
                     now: float | None = None) -> tuple[dict[int, int], int]:
        """({venue id: viewers}, total) over the last 30-60 s; cached per process for 2 s."""
        cached = self._cache.get(room)
        clock = time.monotonic()
        if cached and clock - cached[0] < COUNT_CACHE_SECONDS and now is None:
            return cached[1], cached[2]
        bucket = int(now or time.time()) // BUCKET_SECONDS
        pipe = self.redis.pipeline(transaction=False)
        every: list[str] = []
        for venue_id in venue_ids:
            names = [keys.viewers(room, venue_id, b) for b in (bucket, bucket - 1)]
            every += names
            pipe.pfcount(*names)
        if every:
            pipe.pfcount(*every)  # union: a viewer who moved between venues counts once
        results = await pipe.execute()
        per_venue = dict(zip(venue_ids, (int(n) for n in results), strict=False))
        total = int(results[-1]) if every else 0
        self._cache[room] = (clock, per_venue, total)
        return per_venue, total

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.flush()


def room_key(event: dict[str, Any]) -> tuple[int, str]:
    return int(event["id"]), str(event.get("nonce", ""))


def valid_viewer_id(value: Any) -> str | None:
    return value if isinstance(value, str) and VIEWER_ID_RE.fullmatch(value) else None


# -- fan-out to local websocket clients ---------------------------------------------------------


@dataclass(eq=False)
class Client:
    viewer_id: str
    venue_id: int
    moderator: bool = False
    username: str | None = None
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(CLIENT_QUEUE))
    overflowed: bool = False

    def offer(self, frame: str) -> None:
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:  # a slow client: drop its backlog, send it a fresh snapshot
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait('{"type":"resync"}')


@dataclass(eq=False)
class Room:
    event_id: int
    key: tuple[int, str]
    lot_venues: dict[int, list[int]]
    clients: set[Client] = field(default_factory=set)
    task: asyncio.Task[None] | None = None
    viewers_text: str = ""


class Rooms:
    """Per-process registry of event rooms with local websocket clients."""

    def __init__(self, hub: Any, counter: ViewerCounter, tick: float = TICK_SECONDS,
                 naive: bool = False) -> None:
        self.hub = hub
        self.counter = counter
        self.tick = tick
        self.naive = naive  # benchmark baseline only: one frame per message per socket
        self.rooms: dict[int, Room] = {}

    @contextlib.asynccontextmanager
    async def join(self, event: dict[str, Any], client: Client) -> AsyncIterator[Room]:
        room = self.rooms.get(event["id"])
        if room is None:
            lot_venues: dict[int, list[int]] = {}
            for venue in event["venues"]:
                lot_venues.setdefault(venue["lot_id"], []).append(venue["id"])
            room = self.rooms[event["id"]] = Room(event["id"], room_key(event), lot_venues)
            room.task = asyncio.create_task(self._pump(room), name=f"room-{event['id']}")
        room.clients.add(client)
        try:
            yield room
        finally:
            room.clients.discard(client)
            if not room.clients and self.rooms.get(room.event_id) is room:
                self.rooms.pop(room.event_id, None)
                if room.task:
                    room.task.cancel()

    async def _pump(self, room: Room) -> None:
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(PUMP_QUEUE)
        channels = [keys.channel(room.event_id), keys.mod_channel(room.event_id)]
        lot_channels = {keys.lot_events(lot_id): lot_id for lot_id in room.lot_venues}
        async with contextlib.AsyncExitStack() as stack:
            for name in [*channels, *lot_channels]:
                sub = await stack.enter_async_context(self.hub.subscribe(name))
                sub.queue = _Tagger(queue, name)  # type: ignore[assignment]
            viewers = asyncio.create_task(self._viewer_loop(room))
            try:
                await self._pump_loop(room, queue, channels[1], lot_channels)
            finally:
                viewers.cancel()

    async def _pump_loop(self, room: Room, queue: asyncio.Queue[tuple[str, Any]],
                         mod_channel: str, lot_channels: dict[str, int]) -> None:
        while True:
            items = [await queue.get()]
            if self.tick:
                await asyncio.sleep(self.tick)  # coalesce what arrives meanwhile
            while not queue.empty():
                items.append(queue.get_nowait())
            public: list[str] = []
            private: list[str] = []
            for kind, payload in items:
                if kind == "overflow":
                    self.broadcast(room, ['{"type":"resync"}'])
                if kind != "event":
                    continue
                channel, texts = payload
                if channel in lot_channels:
                    public += price_events(room, lot_channels[channel], texts)
                elif channel == mod_channel:
                    private += texts
                else:
                    public += texts
            self.broadcast(room, public, private)

    def broadcast(self, room: Room, public: list[str], private: list[str] = ()) -> None:  # type: ignore[assignment]
        frame = batch_frame(public) if public else None
        mod_frame = batch_frame([*public, *private]) if private else frame
        for client in list(room.clients):
            chosen = mod_frame if client.moderator else frame
            if chosen:
                client.offer(chosen)

    async def _viewer_loop(self, room: Room) -> None:
        venue_ids = sorted({v for vs in room.lot_venues.values() for v in vs})
        while True:
            for client in list(room.clients):
                self.counter.note(room.key, client.venue_id, client.viewer_id)
            try:
                per_venue, total = await self.counter.counts(room.key, venue_ids)
            except Exception:
                log.exception("viewer count failed")
            else:
                text = wire({"type": "viewers", "total": total,
                             "venues": {str(k): v for k, v in per_venue.items()}})
                if text != room.viewers_text:
                    room.viewers_text = text
                    self.broadcast(room, [text])
            await asyncio.sleep(VIEWERS_PUSH_SECONDS)

    async def stop(self) -> None:
        for room in list(self.rooms.values()):
            if room.task:
                room.task.cancel()
        self.rooms.clear()
        await self.counter.stop()


class _Tagger:
    """Stands in for a hub Subscription's queue: tags each event with its channel and puts it
    on the room's one shared queue (the hub's overflow handling keeps working on it)."""

    def __init__(self, shared: asyncio.Queue[tuple[str, Any]], channel: str) -> None:
        self.shared = shared
        self.channel = channel

    def put_nowait(self, item: tuple[str, Any]) -> None:
        kind, payload = item
        if kind == "event":
            self.shared.put_nowait(("event", (self.channel, payload[1])))
        elif kind == "overflow":
            self.shared.put_nowait(item)

    def empty(self) -> bool:
        return self.shared.empty()

    def get_nowait(self) -> tuple[str, Any]:
        return self.shared.get_nowait()


def price_events(room: Room, lot_id: int, texts: list[str]) -> list[str]:
    """Turn a lot's bid/close events into `price` events for the venues showing that lot."""
    out = []
    for text in texts:
        try:
            message = json.loads(text)
        except ValueError:
            continue
        if message.get("type") == "bid":
            state = message["state"]
            price = {"current_price": state["current_price"], "bid_count": state["bid_count"],
                     "status": state["status"]}
        elif message.get("type") == "closed":
            price = {"current_price": message.get("final_price"), "status": message["status"]}
        else:
            continue
        for venue_id in room.lot_venues.get(lot_id, []):
            out.append(wire({"type": "price", "venue_id": venue_id, "lot_id": lot_id, **price}))
    return out


def room_transform(channel: str, data: str) -> tuple[str | None, list[str]]:
    """Hub transform for event channels: the published text is already the wire format;
    the channel goes along so a room's pump can tell its channels apart on one queue."""
    return None, [data]
