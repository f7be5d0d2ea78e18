"""create_app(settings) -> Starlette: routes of every area, middleware, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
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
    event_pages,
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
from portal.services import build_services
from portal.settings import Settings, load_settings


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
                embedded.stop()

    hls = IngestStore(settings.data_dir / "hls", record=True)
    areas = (result_routes, settlement_routes, case_routes, dashboard_routes, me_routes)
    routes = [*livestream.api_routes(), *event_pages.page_routes(),
              *livestream.stream_routes(hls, lambda: app.state.services), *panorama_routes.routes,
              *(r for area in areas for r in area.api_routes), *api.routes, *live.routes,
              *(r for area in areas for r in area.page_routes), *pages.routes,
              Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
              Mount("/media", StaticFiles(directory=media), name="media")]
    app = Starlette(
        routes=routes, lifespan=lifespan,
        middleware=[Middleware(SecurityMiddleware, secure_cookies=settings.cookie_secure)],
        exception_handlers={PortalError: handle_portal_error,
                            BiddingError: handle_bidding_error,
                            HTTPException: handle_http_exception,
                            Exception: handle_server_error},
    )
    return app
