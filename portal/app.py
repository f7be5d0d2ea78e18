"""create_app(settings) -> Starlette: routes of every area, middleware, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, cast

from redis.exceptions import RedisError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from bidding.errors import BiddingError
from core.errors import PortalError
from core.redis import EmbeddedRedis
from livestream.store import IngestStore
from portal import (
    api,
    case_routes,
    dashboard_routes,
    document_routes,
    event_pages,
    invitations,
    ledger_pages,
    live,
    me_routes,
    pages,
    result_routes,
    settlement_routes,
)
from portal import event_routes as livestream
from portal import tour_routes as panorama_routes
from portal.error_handlers import (
    handle_bidding_error,
    handle_http_exception,
    handle_portal_error,
    handle_server_error,
)
from portal.headers import STATIC_DIR
from portal.middleware import SecurityMiddleware
from portal.route_order import hot_first
from portal.services import build_services
from portal.settings import Settings, load_settings
from portal.static_files import Static, warm
from portal.unavailable import handle_redis_error
from portal.ws_direct import TransportMiddleware

# Pages and JSON go out gzip-compressed; media that is compressed already does not.
NOT_COMPRESSED = ("application/gzip", "application/zip", "application/pdf", "audio/*",
                  "font/woff", "font/woff2", "image/avif", "image/gif", "image/jpeg", "image/png",
                  "image/webp", "text/event-stream", "video/*")

# Tried before the whole table (the router tries routes in order, one regex each, and bids
# are the hot path); hot_first refuses at start-up if that could change any answer.
HOT_PATHS: tuple[str, ...] = ("/api/lots/{lot_id:int}/bids",)


def create_app(settings: Settings | None = None, *, run_closer: bool = True) -> Starlette:
    settings = settings or load_settings()
    warm(STATIC_DIR)
    media = settings.data_dir / "media"
    media.mkdir(parents=True, exist_ok=True)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        embedded = None
        url = settings.redis_url
        if url is None:
            embedded = EmbeddedRedis(settings.data_dir)
            url = await asyncio.to_thread(embedded.start)
            embedded.supervise()
        svc = await build_services(settings, url, hls)
        app.state.services = svc
        stop = asyncio.Event()
        closer = asyncio.create_task(svc.store.run_closer(stop)) if run_closer else None
        settler = asyncio.create_task(svc.settlement.run(stop)) if run_closer else None
        try:
            yield
        finally:
            stop.set()
            for task in (closer, settler):
                if task:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
            await svc.close()
            if embedded:
                await asyncio.to_thread(embedded.stop)

    hls = IngestStore(settings.data_dir / "hls", record=True)
    areas = (result_routes, settlement_routes, case_routes, invitations, dashboard_routes,
             me_routes, document_routes, ledger_pages)
    routes = [*livestream.api_routes(), *event_pages.page_routes(),
              *livestream.stream_routes(hls, lambda: app.state.services), *panorama_routes.routes,
              *(r for area in areas for r in area.api_routes), *api.routes, *live.routes,
              *(r for area in areas for r in area.page_routes), *pages.routes,
              Mount("/static", Static(STATIC_DIR, settings.data_dir / "static-gz"), name="static"),
              Mount("/media", StaticFiles(directory=media), name="media")]
    app = Starlette(
        routes=hot_first(routes, HOT_PATHS), lifespan=lifespan,
        middleware=[Middleware(TransportMiddleware),  # outermost: sees uvicorn's protocol
                    Middleware(SecurityMiddleware, secure_cookies=settings.cookie_secure),
                    Middleware(GZipMiddleware, minimum_size=1000, compresslevel=6,
                               exclude_content_types=NOT_COMPRESSED)],
        exception_handlers={PortalError: handle_portal_error,
                            BiddingError: handle_bidding_error,
                            HTTPException: handle_http_exception,
                            # one handler for requests (503) and websockets (close 1013)
                            RedisError: cast(Any, handle_redis_error),
                            Exception: handle_server_error},
    )
    return app
