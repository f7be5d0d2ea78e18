"""The bid route is matched first (no scan of ~70 route regexes per bid), and trying it first
changes no answer: every route's requests resolve as in the declared table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Match, Mount, Route

import portal.app
from portal.app import create_app
from portal.lot_routes import list_bids, place_bid
from portal.openapi import openapi_schema
from portal.route_order import METHODS, HotRoutes, hot_first, sample_paths
from portal.settings import load_settings


def _app(data_dir: Path) -> Starlette:
    return create_app(load_settings(data_dir=data_dir, secret_key="k"), run_closer=False)


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> tuple[Starlette, Starlette]:
    """The portal as served, and the same portal with no hot routes (the declared order)."""
    served = _app(tmp_path_factory.mktemp("served"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(portal.app, "HOT_PATHS", ())
        declared = _app(tmp_path_factory.mktemp("declared"))
    return served, declared


def resolve(routes: list[BaseRoute], method: str, path: str) -> tuple[str, Any, int]:
    """What Starlette's router does: the first full match, else the first partial one;
    with the number of routes it tried."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "path_params": {}}
    partial = None
    for tried, route in enumerate(routes, 1):
        match, child = route.matches(scope)
        if match is Match.FULL:
            return "full", _identity(child.get("route", route)), tried
        if match is Match.PARTIAL and partial is None:
            partial = route
    return "partial" if partial else "none", _identity(partial), len(routes)


def _identity(route: BaseRoute | None) -> Any:
    if isinstance(route, Route):
        return route.path, route.endpoint.__qualname__, tuple(sorted(route.methods or ()))
    return getattr(route, "path", None)


def test_a_bid_is_matched_by_the_first_route_tried(apps: tuple[Starlette, Starlette]) -> None:
    served, declared = apps
    kind, found, tried = resolve(served.router.routes, "POST", "/api/lots/17/bids")
    assert (kind, found[1], tried) == ("full", place_bid.__qualname__, 1)
    kind, found, tried = resolve(served.router.routes, "GET", "/api/lots/17/bids")
    assert (kind, found[1], tried) == ("full", list_bids.__qualname__, 1)
    # without the hot entry the router scanned most of the table first
    assert resolve(declared.router.routes, "POST", "/api/lots/17/bids")[2] > 50


def test_every_request_resolves_as_in_the_declared_table(
        apps: tuple[Starlette, Starlette]) -> None:
    served, declared = apps
    assert isinstance(served.router.routes[0], HotRoutes)
    assert [_identity(r) for r in served.router.routes[1:]] == [
        _identity(r) for r in declared.router.routes]
    checked = 0
    for route in declared.router.routes:
        if isinstance(route, Mount) or not isinstance(route, Route):
            continue
        for path in sample_paths(route):
            for method in METHODS:
                want = resolve(declared.router.routes, method, path)[:2]
                assert resolve(served.router.routes, method, path)[:2] == want, (method, path)
                checked += 1
    assert checked > 500


def test_openapi_document_is_unchanged(apps: tuple[Starlette, Starlette]) -> None:
    served, declared = apps
    assert json.dumps(openapi_schema(served.routes)) == json.dumps(
        openapi_schema(declared.routes))


async def _endpoint(request: object) -> None:
    raise AssertionError("not called")


async def _other(request: object) -> None:
    raise AssertionError("not called")


def test_hot_first_refuses_a_route_that_an_earlier_one_answers() -> None:
    hot = Route("/api/lots/{lot_id:int}/bids", _endpoint, methods=["POST"])
    shadow = Route("/api/lots/{name}/bids", _other, methods=["POST"])
    with pytest.raises(ValueError, match="cannot be tried first"):
        hot_first([shadow, hot], [hot.path])
    # an earlier route for other methods of the same path only matches partially: allowed
    getter = Route("/api/lots/{name}/bids", _other, methods=["GET"])
    table = hot_first([getter, hot], [hot.path])
    assert isinstance(table[0], HotRoutes) and table[0].routes == [hot]
    assert table[1:] == [getter, hot]
    with pytest.raises(ValueError, match="no route declared"):
        hot_first([getter], [hot.path])
