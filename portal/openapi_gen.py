"""The OpenAPI 3.1 document, generated from the app's own route table.

Each :class:`portal.apispec.ApiRoute` contributes its operation: path parameters from the
route's converters, the query, body and response schemas from its msgspec types (one
component per Struct), and its error statuses, each pointing at the one shared error body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec
from starlette.convertors import FloatConvertor, IntegerConvertor
from starlette.routing import BaseRoute, Mount

from portal.apispec import JSON, ApiRoute, Op
from portal.schemas.common import ErrorBody

REF = "#/components/schemas/{name}"
ERROR_TEXT = {400: "Malformed request", 401: "Not logged in", 403: "Not allowed",
              404: "Not found", 405: "Method not allowed", 409: "Conflict with the current state",
              413: "Too large", 415: "Not application/json", 422: "Invalid input",
              429: "Too many requests", 503: "Temporarily unavailable"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def api_routes(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, ApiRoute]]:
    """(full path format, route) of every ApiRoute, looking inside mounts."""
    for route in routes:
        if isinstance(route, ApiRoute):
            yield prefix + route.path_format, route
        elif isinstance(route, Mount):
            yield from api_routes(route.routes, prefix + route.path_format)


def _param_schema(convertor: Any) -> dict[str, Any]:
    if isinstance(convertor, IntegerConvertor):
        return {"type": "integer", "minimum": 0}
    if isinstance(convertor, FloatConvertor):
        return {"type": "number", "minimum": 0}
    return {"type": "string"}


def _types(op: Op) -> list[Any]:
    return [t for t in (op.body, op.returns, op.query, op.headers) if t is not None]


def error_statuses(op: Op, method: str, has_params: bool) -> list[int]:
    found = set(op.errors) | {503}  # Redis down or loading (portal/unavailable.py)
    if op.body is not None:
        found |= {400, 413, 422}
    if method in UNSAFE:
        found |= {403, 415}  # cross-origin refusal, non-JSON body (portal/middleware.py)
    if has_params:
        found.add(404)
    if op.role is not None:
        found |= {401} if op.role == "any" else {401, 403}
    return sorted(found)


def _operation(path: str, route: ApiRoute, method: str, schemas: dict[int, Any],
               components: dict[str, Any]) -> dict[str, Any]:
    op = route.op
    op_id = re.sub(r"[^A-Za-z0-9]+", "_", f"{method.lower()} {path}").strip("_")
    out: dict[str, Any] = {"summary": op.summary, "operationId": op_id}
    if op.description:
        out["description"] = op.description
    params = [{"name": name, "in": "path", "required": True, "schema": _param_schema(conv)}
              for name, conv in route.param_convertors.items()]
    for where, type_ in (("query", op.query), ("header", op.headers)):
        if type_ is not None:
            ref = schemas[id(type_)].get("$ref", "")  # a Struct: its fields are the params
            struct = components.get(ref.rsplit("/", 1)[-1], {})
            for name, prop in struct.get("properties", {}).items():
                params.append({"name": name, "in": where, "schema": prop,
                               "required": name in struct.get("required", [])})
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": {JSON: {"schema": schemas[
            id(op.body)]}}}
    ok: dict[str, Any] = {"description": "OK" if op.returns is not None else "No content"}
    if op.returns is not None:
        schema = schemas[id(op.returns)] if op.media_type == JSON else {"type": "string"}
        ok["content"] = {op.media_type: {"schema": schema}}
    more = {str(s): ok if s != 304 else {"description": "Not modified"} for s in op.also}
    out["responses"] = {str(op.status): ok, **more, **{
        str(s): {"$ref": f"#/components/responses/E{s}"}
        for s in error_statuses(op, method, bool(route.param_convertors))}}
    if op.role is not None:
        out["security"] = [{"session": []}]
    return out


def document(routes: Iterable[BaseRoute], info: dict[str, Any],
             extra_paths: dict[str, Any] | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every ApiRoute in ``routes`` (plus ``extra_paths``)."""
    found = list(api_routes(routes))
    types = [ErrorBody] + [t for _, r in found for t in _types(r.op)]
    unique = list({id(t): t for t in types}.values())
    refs, components = msgspec.json.schema_components(unique, ref_template=REF)
    schemas = {id(t): ref for t, ref in zip(unique, refs, strict=True)}
    paths: dict[str, Any] = dict(extra_paths or {})
    for path, route in found:
        for method in sorted(route.methods or ()):
            if method == "HEAD":
                continue
            paths.setdefault(path, {})[method.lower()] = _operation(
                path, route, method, schemas, components)
    statuses = sorted({int(s[1:]) for item in paths.values() for op in item.values()
                       if isinstance(op, dict) for r in op.get("responses", {}).values()
                       if isinstance(r, dict) for s in [r.get("$ref", "").rsplit("/", 1)[-1]]
                       if s.startswith("E")})
    responses = {f"E{s}": {"description": ERROR_TEXT.get(s, "Error"), "content": {
        JSON: {"schema": schemas[id(ErrorBody)]}}} for s in statuses}
    return {"openapi": "3.1.0", "info": info, "paths": paths, "components": {
        "schemas": components, "responses": responses,
        "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "sid"}}}}
