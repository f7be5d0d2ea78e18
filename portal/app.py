"""create_app(settings) -> Starlette: routes of every area, middleware, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from bidding.errors import BiddingError
from bidding.hub import Hub, identity
from bidding.store import BidStore
from core.errors import PortalError
from core.redis import EmbeddedRedis, connect
from livestream.chat import Chat
from livestream.events import Events
from livestream.fanout import Rooms, room_transform
from livestream.store import IngestStore
from livestream.viewers import ViewerCounter
from portal import (
    api,
    case_routes,
    dashboard_routes,
    event_pages,
    live,
    me_routes,
    pages,
    result_routes,
    settlement_routes,
)
from portal import event_routes as livestream
from portal import tour_routes as panorama_routes
from portal.error_handlers import handle_bidding_error, handle_http_exception, handle_portal_error
from portal.lots import Lots
from portal.middleware import SecurityMiddleware
from portal.notifications import make_sender
from portal.payments import Payments
from portal.settings import Settings, load_settings
from portal.settlement import Settlement
from portal.templating import STATIC_DIR


def transform(channel: str, data: str) -> tuple[str | None, list[str]]:
    if channel.startswith("lot:"):
        return live.lot_transform(channel, data)
    if channel.startswith("event:"):
        return room_transform(channel, data)
    return identity(channel, data)


def create_app(settings: Settings | None = None, *, run_closer: bool = True) -> Starlette:
    settings = settings or load_settings()
    media = settings.data_dir / "media"
    media.mkdir(parents=True, exist_ok=True)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        embedded = None
        url = settings.redis_url
        if url is None:
            embedded = EmbeddedRedis(settings.data_dir)
            url = await asyncio.to_thread(embedded.start)
        await setup_state(app.state, settings, url)
        stop = asyncio.Event()
        closer = asyncio.create_task(app.state.store.run_closer(stop)) if run_closer else None
        settler = asyncio.create_task(app.state.settlement.run(stop)) if run_closer else None
        try:
            yield
        finally:
            stop.set()
            for task in (closer, settler):
                if task:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
            await app.state.pano_jobs.close()
            await app.state.rooms.stop()
            await app.state.hub.stop()
            await app.state.redis.aclose()
            if embedded:
                embedded.stop()

    hls = IngestStore(settings.data_dir / "hls", record=True)
    areas = (result_routes, settlement_routes, case_routes, dashboard_routes, me_routes)
    routes = [*livestream.api_routes(), *event_pages.page_routes(),
              *livestream.stream_routes(hls, lambda: app.state), *panorama_routes.routes,
              *(r for area in areas for r in area.api_routes), *api.routes, *live.routes,
              *(r for area in areas for r in area.page_routes), *pages.routes,
              Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
              Mount("/media", StaticFiles(directory=media), name="media")]
    app = Starlette(
        routes=routes, lifespan=lifespan,
        middleware=[Middleware(SecurityMiddleware, secure_cookies=settings.cookie_secure)],
        exception_handlers={PortalError: handle_portal_error,
                            BiddingError: handle_bidding_error,
                            HTTPException: handle_http_exception},
    )
    app.state.settings = settings
    app.state.hls = hls
    return app


async def setup_state(state: Any, settings: Settings, url: str) -> None:
    redis = connect(url)
    store = BidStore(redis)
    state.settings = settings
    state.redis = redis
    state.store = store
    state.lots = Lots(redis, store)
    state.payments = Payments(redis, store, str(settings.payment_secret))
    state.sender = make_sender(settings.data_dir)
    state.settlement = Settlement(state)
    state.hub = Hub(redis, transform)
    panorama_routes.setup(state, settings.data_dir)
    await state.hub.start()
    setup_livestream(state, settings, redis)


def setup_livestream(state: Any, settings: Settings, redis: Any) -> None:
    hls = getattr(state, "hls", None) or IngestStore(settings.data_dir / "hls", record=True)
    state.hls = hls
    state.events = Events(redis, state.lots, hls)
    state.chat = Chat(redis)
    state.viewers = ViewerCounter(redis)
    state.rooms = Rooms(state.hub, state.viewers)
    state.state_memo = {}
