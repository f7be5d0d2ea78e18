"""Hot routes first: Starlette's router tries routes in list order (one regex each) until one
matches fully, so a request for a route late in the table pays for every route before it;
the bid route sat behind ~70 others (livestream, tour, case routes).

:func:`hot_first` puts a :class:`HotRoutes` entry at the front of the table that answers
only *full* matches of a few named paths. The table itself keeps its declared order, so
partial matches (405), ``url_path_for`` and the OpenAPI document, which walk it, are as
before. Taking a full match early is only the same as the declared order when no route
declared before the hot one fully matches the same request; :func:`hot_first` checks that
on sample paths of every hot route and refuses (ValueError) otherwise.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from starlette.convertors import Convertor, FloatConvertor, IntegerConvertor, UUIDConvertor
from starlette.routing import BaseRoute, Match, NoMatchFound, Route, replace_params
from starlette.types import Receive, Scope, Send

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class HotRoutes(BaseRoute):
    """A few routes tried before the whole table; full matches only (else on to the table)."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = list(routes)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        for route in self.routes:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                # the router stores this entry as scope["route"]; name the real route instead
                return Match.FULL, {**child_scope, "route": route}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)  # the same routes are in the table below

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope["route"].handle(scope, receive, send)


def _samples(convertor: Convertor[Any]) -> tuple[Any, ...]:
    """Values a path parameter of this type can take (several, to meet literal siblings)."""
    if isinstance(convertor, IntegerConvertor):
        return (0, 1, 42, 123456789)
    if isinstance(convertor, FloatConvertor):
        return (0.0, 1.5)
    if isinstance(convertor, UUIDConvertor):
        return (uuid.UUID(int=1),)
    return ("x", "new", "1")


def sample_paths(route: Route) -> list[str]:
    """Concrete request paths that ``route`` matches, one per sample value of its params."""
    count = max((len(_samples(c)) for c in route.param_convertors.values()), default=1)
    paths = []
    for i in range(count):
        params = {}
        for name, convertor in route.param_convertors.items():
            values = _samples(convertor)
            params[name] = values[i % len(values)]
        path, rest = replace_params(route.path_format, route.param_convertors, params)
        assert not rest
        paths.append(path)
    return paths


def full_match(route: BaseRoute, path: str, method: str) -> bool:
    scope = {"type": "http", "path": path, "root_path": "", "method": method}
    return route.matches(scope)[0] is Match.FULL


def hot_first(routes: Sequence[BaseRoute], paths: Iterable[str]) -> list[BaseRoute]:
    """``routes`` behind a :class:`HotRoutes` of those declared for ``paths`` (in their
    order). ValueError when a route declared before one of them fully matches a request it
    matches, because taking the hot route first would then change who answers it."""
    wanted = set(paths)
    hot = [r for r in routes if isinstance(r, Route) and r.path in wanted]
    missing = wanted - {r.path for r in hot}
    if missing:
        raise ValueError(f"no route declared for {sorted(missing)}")
    hot_ids = {id(r) for r in hot}
    for route in hot:
        position = next(i for i, r in enumerate(routes) if r is route)
        before = [r for r in routes[:position] if id(r) not in hot_ids]
        for path in sample_paths(route):
            for method in route.methods or METHODS:
                shadow = next((r for r in before if full_match(r, path, method)), None)
                if shadow is not None:
                    raise ValueError(f"{route.path} cannot be tried first: "
                                     f"{getattr(shadow, 'path', shadow)!r}, declared before "
                                     f"it, answers {method} {path}")
    return [HotRoutes(hot), *routes] if hot else list(routes)
