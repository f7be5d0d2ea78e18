"""The JSON API's routes: its own description, the areas' routes (users and sessions, lots,
payments) and the JSON 404 for everything else under /api; helpers other areas use."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.errors import BadRequest, NotFound, TooLarge
from portal import lot_routes, payment_routes, user_routes
from portal.apispec import Op, api, respond
from portal.lot_routes import register
from portal.openapi import openapi_schema
from portal.schemas.meta import OpenApiDocument
from portal.user_routes import my_lot_summaries

__all__ = ["json_body", "my_lot_summaries", "register", "routes", "services"]
MAX_JSON = 64 * 1024


async def json_body(request: Request) -> Any:
    """The JSON body, unvalidated (for routes not declared with a body type yet)."""
    body = await request.body()
    if len(body) > MAX_JSON:
        raise TooLarge("Request body too large", code="body_too_large")
    try:
        return json.loads(body or b"{}")
    except ValueError:
        raise BadRequest("Body is not valid JSON", code="invalid_json") from None


def services(request: Request) -> Any:
    return request.app.state


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
