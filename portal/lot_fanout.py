"""Lot fan-out: one hub attachment per lot and process, each tick's frames built once.

Every lot with local websockets has a `LotRoom`: the hub hands it the lot's events (already
converted to wire texts once per process by `bidding.events.lot_transform`) through a
delivery hook; a pump task flushes what arrived at most once per tick (`TICK_SECONDS`, the
first event of a quiet spell goes out at once). A flush frames each text once
(`ws_direct.text_frame`) and joins the frames; every ready socket then costs one
`transport.write` of the same bytes (or, when the server gives no direct transport, one
queue put and `send_text` per text). The wire shape is unchanged: one text frame per event,
in ledger order, several of them per write when a burst was coalesced; clients need no
change.

A `Watcher` is one socket. While it syncs (snapshot at connect, ledger replay on `resume`,
a fresh snapshot after it fell behind, a replay when the hub asks for a resync) it is held:
live events queue on its `pending` list and are flushed after the sync, skipping what the
sync already covered (event ids are Redis stream ids, compared numerically).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from bidding.events import stream_id_key
from bidding.hub import Hub, Item, json_text
from livestream.frames import HEARTBEAT
from portal.ws_direct import MAX_BUFFERED, DirectWriter, text_frame

log = logging.getLogger(__name__)

TICK_SECONDS = 0.025
CONTROL_QUEUE = 256
MAX_PENDING = 4096
INBOX_LIMIT = 16384
Event = tuple[str | None, str]
"""(stream id or None for viewer counts, wire text)"""
IdKey = tuple[int, int]


@dataclass(eq=False)
class Watcher:
    """One lot websocket. `control` carries what its handler task must do: ("texts", [..])
    (the ASGI fallback path), ("resume", id), ("resync", None), ("overflow", n), ("pong", t)."""

    writer: DirectWriter | None
    control: asyncio.Queue[tuple[str, Any]] = field(
        default_factory=lambda: asyncio.Queue(CONTROL_QUEUE))
    last_key: IdKey = (0, 0)
    ready: bool = False
    pending: list[Event] = field(default_factory=list)
    overflows: int = 0

    def hold(self) -> None:
        self.ready = False
        self.pending = []

    def take_pending(self, after: IdKey) -> list[str]:
        """Pending texts newer than ``after`` (the sync's last id), oldest first; clears."""
        out, self.pending = self.pending, []
        texts = []
        for event_id, text in out:
            key = stream_id_key(event_id)
            if key > after and key > self.last_key:
                texts.append(text)
                self.last_key = key
        self.last_key = max(self.last_key, after)
        return texts

    def request(self, kind: str, payload: Any = None) -> None:
        try:
            self.control.put_nowait((kind, payload))
        except asyncio.QueueFull:
            self.overflow()

    def overflow(self) -> None:
        """Drop the backlog; the handler sends a fresh snapshot (or closes the socket)."""
        self.overflows += 1
        self.hold()
        while not self.control.empty():
            self.control.get_nowait()
        self.control.put_nowait(("overflow", self.overflows))

    def offer(self, events: list[Event], frames: bytes, first: IdKey | None,
              last: IdKey | None) -> None:
        if not self.ready:
            if len(self.pending) > MAX_PENDING:
                self.overflow()
            else:
                self.pending.extend(e for e in events if e[0] is not None)
            return
        if first is not None and first <= self.last_key:  # rare: overlaps a sync's replay
            events = [e for e in events if e[0] is None or stream_id_key(e[0]) > self.last_key]
            frames = b"".join(text_frame(t) for _, t in events)
        if last is not None:
            self.last_key = max(self.last_key, last)
        if self.writer is None:
            self.request("texts", [t for _, t in events])
        elif self.writer.backlog() > MAX_BUFFERED:
            self.overflow()
        elif events:
            self.writer.write(frames)


@dataclass(eq=False)
class LotRoom:
    channel: str
    watchers: set[Watcher] = field(default_factory=set)
    inbox: list[Item] = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class LotRooms:
    """Per-process registry of lot rooms with local websockets."""

    def __init__(self, hub: Hub, tick: float = TICK_SECONDS) -> None:
        self.hub = hub
        self.tick = tick
        self.rooms: dict[str, LotRoom] = {}

    @contextlib.asynccontextmanager
    async def join(self, channel: str, watcher: Watcher) -> AsyncIterator[LotRoom]:
        """Add a (held) watcher to the channel's room once the room receives the channel."""
        room = self.rooms.get(channel)
        if room is None:
            room = self.rooms[channel] = LotRoom(channel)
            room.task = asyncio.create_task(self._pump(room), name=f"lot-room-{channel}")
        room.watchers.add(watcher)
        try:
            await self._subscribed(room)
            yield room
        finally:
            room.watchers.discard(watcher)
            if not room.watchers and self.rooms.get(channel) is room:
                self.rooms.pop(channel, None)
                if room.task:
                    room.task.cancel()

    async def _subscribed(self, room: LotRoom) -> None:
        """Wait until the room receives its channel; raise if its pump failed first (e.g.
        Redis is unreachable), dropping the room so the next socket tries afresh."""
        if room.subscribed.is_set():
            return
        assert room.task is not None
        waiter = asyncio.ensure_future(room.subscribed.wait())
        await asyncio.wait({waiter, room.task}, return_when=asyncio.FIRST_COMPLETED)
        if not room.subscribed.is_set():
            waiter.cancel()
            if self.rooms.get(room.channel) is room:
                self.rooms.pop(room.channel, None)
            raise ConnectionError(f"cannot subscribe to {room.channel}")

    async def stop(self) -> None:
        tasks = [r.task for r in self.rooms.values() if r.task]
        self.rooms.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _pump(self, room: LotRoom) -> None:
        def deliver(channel: str, item: Item) -> None:
            if len(room.inbox) >= INBOX_LIMIT:  # the pump cannot keep up: everyone replays
                room.inbox = [("resync", None)]
            room.inbox.append(item)
            room.wake.set()

        def size() -> int:
            return len(room.watchers)

        async with self.hub.attach(room.channel, deliver, size=size):
            room.subscribed.set()
            while True:
                await room.wake.wait()
                room.wake.clear()
                items, room.inbox = room.inbox, []
                try:
                    self.flush(room, items)
                except Exception:  # a bad item must not stop the lot's deliveries
                    log.exception("lot fan-out flush failed on %s", room.channel)
                if self.tick:
                    await asyncio.sleep(self.tick)  # coalesce what arrives meanwhile

    def flush(self, room: LotRoom, items: Iterable[Item]) -> None:
        """Broadcast the items in order (heartbeats too); any other item kind (a hub overflow
        or resync marker) makes every watcher replay the ledger after the last event it was
        sent."""
        events: list[Event] = []
        for kind, payload in items:
            if kind == "event":
                event_id, texts = payload
                events.extend((event_id, text) for text in texts)
            elif kind == "viewers":
                events.append((None, json_text({"type": "viewers", "count": payload})))
            elif kind == "heartbeat":  # every 10 s: a silent socket is a dead one to clients
                events.append((None, HEARTBEAT))
            else:
                self.broadcast(room, events)
                events = []
                for watcher in list(room.watchers):
                    if watcher.ready:
                        watcher.hold()
                        watcher.request("resync")
        self.broadcast(room, events)

    @staticmethod
    def broadcast(room: LotRoom, events: list[Event]) -> None:
        if not events:
            return
        keys = [stream_id_key(i) for i, _ in events if i is not None]
        first, last = (keys[0], keys[-1]) if keys else (None, None)
        frames = b"".join(text_frame(text) for _, text in events)
        for watcher in list(room.watchers):
            watcher.offer(events, frames, first, last)
