"""The JSON API's routes: its own description, the areas' routes (users and sessions, lots,
payments) and the JSON 404 for everything else under /api."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.errors import NotFound
from portal import lot_routes, payment_routes, user_routes
from portal.apispec import Op, api, respond
from portal.openapi import openapi_schema
from portal.schemas.meta import OpenApiDocument


async def openapi(request: Request) -> Response:
    return respond(openapi_schema(request.app.routes))


async def api_not_found(request: Request) -> Response:
    raise NotFound("No such API route", code="not_found")


routes = [
    api("/api/openapi.json", openapi, Op("This document", OpenApiDocument)),
    *user_routes.routes,
    *lot_routes.routes,
    *payment_routes.routes,
    Route("/api/{rest:path}", api_not_found, methods=["GET", "POST", "PATCH", "PUT", "DELETE"]),
]
