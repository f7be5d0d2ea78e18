"""Room fan-out: hub events of an event room delivered to the process's local websocket clients.

Fan-out: each process holds ONE hub subscription per room (plus one per venue lot, turned into
`price` events) and a pump task that collects what arrives during a short tick (100 ms) and
builds one frame text for all local clients: `{"type": "batch", "events": [...]}` when several
events arrived, else the event itself. So the per-client cost is one queue put and one
websocket send per tick whatever the message rate, and JSON is encoded once per process.
The room's channels are attached to the hub with a per-channel delivery hook (`Hub.attach`)
that tags each event with its channel on the room's one bounded inbox.

Gaps: room events carry per-channel sequence numbers (livestream/publish.py). When the hub's
listener reconnected (events published meanwhile are lost) every client of the room gets a
fresh snapshot once Redis holds the subscriptions again; every HEARTBEAT_INTERVAL clients
get `{"type": "heartbeat", "seq": N}` (N: the room's last published number), so a client
sees a stale socket or a lost last event and asks for a snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bidding.hub import Hub, Item, Subscription
from livestream import keys
from livestream.frames import HEARTBEAT, RESYNC, batch_frame, wire
from livestream.publish import room_seqs
from livestream.viewers import ViewerCounter, room_key

log = logging.getLogger(__name__)

VIEWERS_PUSH_SECONDS = 5.0
TICK_SECONDS = 0.1
CLIENT_QUEUE = 64
PUMP_QUEUE = 8192


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
            self.queue.put_nowait(RESYNC)


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

    def __init__(self, hub: Hub, counter: ViewerCounter, tick: float = TICK_SECONDS) -> None:
        self.hub = hub
        self.counter = counter
        self.tick = tick
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
        inbox = Subscription(f"room-{room.event_id}", asyncio.Queue(PUMP_QUEUE))
        channels = [keys.channel(room.event_id), keys.mod_channel(room.event_id)]
        lot_channels = {keys.lot_events(lot_id): lot_id for lot_id in room.lot_venues}

        def deliver(channel: str, item: Item) -> None:
            """Tag each event with its channel on the room's one inbox; a full inbox is
            cleared and gets an overflow marker (every client then resyncs)."""
            kind, payload = item
            if kind == "event":
                inbox.offer(("event", (channel, payload[1])))
            elif kind == "resync" or (kind == "heartbeat" and channel == channels[0]):
                inbox.offer((kind, None))

        async with contextlib.AsyncExitStack() as stack:
            for name in [*channels, *lot_channels]:
                await stack.enter_async_context(self.hub.attach(name, deliver))
            viewers = asyncio.create_task(self._viewer_loop(room))
            try:
                await self._pump_loop(room, inbox.queue, channels[1], lot_channels)
            finally:
                viewers.cancel()

    async def _pump_loop(self, room: Room, queue: asyncio.Queue[Item],
                         mod_channel: str, lot_channels: dict[str, int]) -> None:
        while True:
            items = [await queue.get()]
            if self.tick:
                await asyncio.sleep(self.tick)  # coalesce what arrives meanwhile
            while not queue.empty():
                items.append(queue.get_nowait())
            public: list[str] = []
            private: list[str] = []
            kinds = {kind for kind, _ in items}
            if kinds & {"overflow", "resync"}:
                if "resync" in kinds:  # snapshots once Redis holds our subscriptions again
                    await self.hub.ready()
                self.broadcast(room, [RESYNC])
            if "heartbeat" in kinds:
                public.append(await self._heartbeat(room))
            for kind, payload in items:
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

    async def _heartbeat(self, room: Room) -> str:
        try:
            seq, _ = await room_seqs(self.hub.redis, room.event_id)
        except Exception:  # Redis down: still a sign of life, without a number
            return HEARTBEAT
        return wire({"type": "heartbeat", "seq": seq})

    def broadcast(self, room: Room, public: list[str], private: Sequence[str] = ()) -> None:
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
    """Hub transform for event channels: the published text is already the wire format (a
    room's delivery hook tags it with its channel, so the pump tells channels apart)."""
    return None, [data]
