"""The portal's services: one typed object built once per process in the app's lifespan.

Routes reach it through :func:`services` (``services(request).store.place_bid_as(...)`` is
type-checked end to end); the CLI and tests build it with :func:`open_services`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, cast

import redis.asyncio as aioredis
from starlette.requests import HTTPConnection

from bidding.events import lot_transform
from bidding.hub import Hub, identity
from bidding.store import BidStore
from core.redis import connect
from core.throttle import Throttle
from livestream.chat import Chat
from livestream.events import Events
from livestream.fanout import Rooms, room_transform
from livestream.store import IngestStore
from livestream.viewers import ViewerCounter
from panorama.jobs import JobRunner
from panorama.store import PanoramaStore
from panorama.tours import Tours
from portal import keys
from portal.lot_fanout import LotRooms
from portal.lots import Lots
from portal.notifications import Sender, make_sender
from portal.payment_providers import provider_for
from portal.payments import Payments
from portal.settings import Settings
from portal.settlement import Settlement
from portal.socket_registry import SocketRegistry


def transform(channel: str, data: str) -> tuple[str | None, list[str]]:
    """The hub's per-channel message transform: lot events and room events."""
    if channel.startswith("lot:"):
        return lot_transform(channel, data)
    if channel.startswith("event:"):
        return room_transform(channel, data)
    return identity(channel, data)


@dataclass
class Services:
    settings: Settings
    redis: aioredis.Redis
    store: BidStore
    lots: Lots
    payments: Payments
    sender: Sender
    hub: Hub
    panoramas: PanoramaStore
    tours: Tours
    pano_jobs: JobRunner
    hls: IngestStore
    events: Events
    chat: Chat
    viewers: ViewerCounter
    rooms: Rooms
    throttle: Throttle
    sockets: SocketRegistry
    settlement: Settlement = field(init=False)
    lot_rooms: LotRooms = field(init=False)  # lot websockets' per-process fan-out
    # Event-room state JSON memo per (event, venue) (portal/event_routes.py).
    state_memo: dict[Any, Any] = field(default_factory=dict)
    # Fire-and-forget tasks (outbid notices) kept referenced until they finish.
    background_tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.settlement = Settlement(self)
        self.lot_rooms = LotRooms(self.hub)

    async def close(self) -> None:
        await self.pano_jobs.close()
        await self.rooms.stop()
        await self.lot_rooms.stop()
        await self.sockets.stop()
        await self.hub.stop()
        await self.redis.aclose()


async def build_services(settings: Settings, url: str, hls: IngestStore | None = None,
                         ) -> Services:
    """Connect to Redis at ``url``, build every store and start the pub/sub hub."""
    redis = connect(url, cluster=settings.redis_cluster)
    if settings.redis_cluster:
        await redis.ping()  # the cluster client learns the slot map (pub/sub needs it)
    store = BidStore(redis)
    lots = Lots(redis, store, settings.court)
    hub = Hub(redis, transform)
    panoramas = PanoramaStore(settings.data_dir)
    hls = hls or IngestStore(settings.data_dir / "hls", record=True)
    viewers = ViewerCounter(redis)
    throttle = Throttle(redis, keys.THROTTLE_PREFIX)
    svc = Services(
        settings=settings, redis=redis, store=store, lots=lots,
        payments=Payments(redis, store, provider_for(
            settings.rules, redis, str(settings.payment_secret))),
        sender=make_sender(settings.data_dir, settings.notify_sender), hub=hub,
        panoramas=panoramas, tours=Tours(redis, panoramas),
        pano_jobs=JobRunner(redis, panoramas), hls=hls, events=Events(redis, lots, hls),
        chat=Chat(redis, str(settings.secret_key).encode(), throttle, settings.chat_limit),
        viewers=viewers, rooms=Rooms(hub, viewers), throttle=throttle,
        sockets=SocketRegistry(hub))
    await hub.start()
    await svc.sockets.start()
    return svc


@contextlib.asynccontextmanager
async def open_services(settings: Settings, url: str) -> AsyncIterator[Services]:
    """Services for a command or a test, closed on the way out."""
    svc = await build_services(settings, url)
    try:
        yield svc
    finally:
        await svc.close()


def services(conn: HTTPConnection) -> Services:
    """The services of the app serving ``conn`` (a request or a websocket)."""
    return cast(Services, conn.app.state.services)
