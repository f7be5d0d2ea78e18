"""The OpenAPI document is valid 3.1 and matches the routes the app serves, both ways."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator
from starlette.routing import BaseRoute, Mount, Route

from portal.apispec import ApiRoute
from portal.app import create_app
from portal.openapi import openapi_schema
from portal.settings import load_settings

# Served under /api but not operations of the JSON API.
NOT_OPERATIONS = {"/api/{rest}"}


def served(routes: list[BaseRoute], prefix: str = "") -> set[tuple[str, str]]:
    out = set()
    for route in routes:
        if isinstance(route, Mount):
            out |= served(route.routes, prefix + route.path_format)
        elif isinstance(route, Route):
            path = prefix + route.path_format
            if (path.startswith("/api/") or isinstance(route, ApiRoute)) \
                    and path not in NOT_OPERATIONS:
                out |= {(path, m.lower()) for m in route.methods or () if m != "HEAD"}
    return out


@pytest.fixture(scope="module")
def app_and_doc(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, dict[str, object]]:
    app = create_app(load_settings(data_dir=tmp_path_factory.mktemp("data"),
                                   secret_key="k"), run_closer=False)
    return app, openapi_schema(app.routes)


def test_document_is_valid_openapi_3_1(app_and_doc: tuple[object, dict]) -> None:
    _, doc = app_and_doc
    assert doc["openapi"] == "3.1.0"
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"[:300]
              for e in OpenAPIV31SpecValidator(doc).iter_errors()]
    assert errors == []


def test_every_served_api_route_is_documented_and_every_documented_one_served(
        app_and_doc: tuple[object, dict]) -> None:
    app, doc = app_and_doc
    routes = served(app.routes)  # type: ignore[attr-defined]
    documented = {(path, method) for path, item in doc["paths"].items()
                  for method in item if method in {"get", "post", "put", "patch", "delete"}}
    assert sorted(routes - documented) == []
    assert sorted(documented - routes) == []


def test_every_api_route_is_declared_with_its_types(app_and_doc: tuple[object, dict]) -> None:
    app, _ = app_and_doc
    bare = sorted(path for path, _ in served(app.routes)  # type: ignore[attr-defined]
                  if not any(isinstance(r, ApiRoute) and r.path_format == path
                             for r in _flat(app.routes)))  # type: ignore[attr-defined]
    assert bare == []


def test_path_parameters_are_exactly_those_in_the_path(app_and_doc: tuple[object, dict]) -> None:
    _, doc = app_and_doc
    for path, item in doc["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method, op in item.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (method, path)


def _flat(routes: list[BaseRoute]) -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for route in routes:
        out += _flat(route.routes) if isinstance(route, Mount) else [route]
    return out
