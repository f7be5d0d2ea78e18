"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from starlette.routing import BaseRoute

from portal.event_openapi import WS_DOC as LIVESTREAM_WS
from portal.event_openapi import paths as livestream_paths
from portal.openapi_gen import document
from portal.tour_openapi import tour_paths

MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "description": "yuan, e.g. 1015000.00"}
TIME = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC"}
ERROR = {"type": "object", "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                   "min_next": MONEY}}}}
STATE: dict[str, Any] = {"type": "object", "properties": {
    "status": {"enum": ["upcoming", "live", "sold", "failed", "cancelled"]},
    "current_price": {**MONEY, "nullable": True}, "leader_code": {"type": ["string", "null"]},
    "bid_count": {"type": "integer"}, "starts_at": TIME, "ends_at": TIME, "server_time": TIME}}
LOT_INPUT = {"type": "object", "required": [
    "title", "court", "case_number", "property_type", "district", "address", "appraisal_price",
    "starting_price", "increment", "deposit", "starts_at", "ends_at"], "properties": {
    "title": {"type": "string"}, "court": {"type": "string"}, "case_number": {"type": "string"},
    "property_type": {"enum": ["residential", "commercial", "industrial", "land", "vehicle",
                               "equipment", "equity", "other"]},
    "district": {"type": "string"}, "address": {"type": "string"}, "area_m2": {"type": "number"},
    "appraisal_price": MONEY, "starting_price": MONEY, "increment": MONEY, "deposit": MONEY,
    "starts_at": TIME, "ends_at": TIME, "extension_seconds": {"type": "integer", "default": 300},
    "description": {"type": "string"}, "photos": {"type": "array", "items": {"type": "string"}},
    "priority_purchasers": {"type": "array", "items": {"type": "object", "properties": {
        "username": {"type": "string"}, "rank": {"type": "integer", "minimum": 1}}}}}}
LOT = {"allOf": [LOT_INPUT, {"type": "object", "properties": {
    "id": {"type": "integer"}, "case_id": {"type": "integer"}, "status": STATE["properties"]
    ["status"], "state": STATE}}]}
BID = {"type": "object", "properties": {
    "seq": {"type": "integer"}, "amount": MONEY, "bidder_code": {"type": "string"}, "at": TIME,
    "priority": {"type": "boolean"}, "prev_hash": {"type": "string"}, "hash": {"type": "string"}}}


def _op(summary: str, ok: int = 200, schema: Any = None, body: Any = None,
        auth: str | None = None, errors: tuple[int, ...] = ()) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary + (f" (role: {auth})" if auth else ""),
                          "responses": {str(ok): {"description": "OK", "content": {
                              "application/json": {"schema": schema or {"type": "object"}}}}}}
    for status in errors or (400,):
        op["responses"][str(status)] = {"description": "Error", "content": {
            "application/json": {"schema": ERROR}}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if auth:
        op["security"] = [{"session": []}]
    return op


def _lot_param() -> list[dict[str, Any]]:
    return [{"name": "lot_id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def declare_path_parameters(path: str, item: dict[str, Any]) -> None:
    """Declare every {name} of the path that no path- or operation-level entry declares."""
    declared = {p["name"] for p in item.get("parameters", []) if p.get("in") == "path"}
    for op in item.values():
        if isinstance(op, dict):
            declared |= {p["name"] for p in op.get("parameters", []) if p.get("in") == "path"}
    for name in re.findall(r"{([^}]+)}", path):
        if name not in declared:
            kind = "integer" if name.endswith("_id") and name not in ("payment_id",
                                                                      "pano_id", "job_id") \
                else "string"
            item.setdefault("parameters", []).append(
                {"name": name, "in": "path", "required": True, "schema": {"type": kind}})


INFO = {"title": "Judicial auction portal API", "version": "1",
        "description": "Money: decimal strings of yuan. Times: ISO 8601 UTC. "
        "Unsafe methods take only application/json bodies. Live updates: "
        "WS /ws/lots/{lot_id} (snapshot, bid, extended, closed, viewers; "
        "send {\"type\":\"resume\",\"last_event_id\":...} to replay). "
        + LIVESTREAM_WS + " HLS: PUT/DELETE /ingest/{stream_key}/{file} (ffmpeg "
        "-method PUT), GET /hls/{stream_id}/{file}."}


def openapi_schema(routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The document generated from the routes' declarations, plus the legacy hand-written
    operations of routes not declared yet."""
    doc = document(routes, INFO)
    for path, item in legacy_paths().items():
        target = doc["paths"].setdefault(path, {})
        for key, value in item.items():
            target.setdefault(key, value)
    return doc


def legacy_paths() -> dict[str, Any]:
    """Hand-written paths of the routes not yet declared with apispec.Op (going away)."""
    paths: dict[str, Any] = {
        "/api/users": {"post": _op("Create a bidder account", 201, body={
            "type": "object", "required": ["username", "password", "real_name", "id_number",
                                           "phone"]}, errors=(409, 422))},
        "/api/session": {
            "post": _op("Log in; sets the session cookie (HttpOnly, SameSite=Lax)", body={
                "type": "object", "properties": {"username": {"type": "string"},
                                                 "password": {"type": "string"}}},
                errors=(401,)),
            "delete": _op("Log out", 204)},
        "/api/me": {"get": _op("The logged-in user", auth="any", errors=(401,))},
        "/api/me/lots": {"get": _op("My registrations, deposits and bids", auth="any")},
        "/api/lots": {
            "get": {**_op("Search lots", schema={"type": "object", "properties": {
                "items": {"type": "array", "items": LOT}, "total": {"type": "integer"}}}),
                "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}} for n in
                               ("status", "type", "district", "q", "min_price", "max_price")]},
            "post": _op("Create and schedule a lot", 201, LOT, LOT_INPUT, "officer",
                        (401, 403, 422))},
        "/api/lots/{lot_id}": {
            "parameters": _lot_param(), "get": _op("A lot with its live state", schema=LOT,
                                                   errors=(404,)),
            "patch": _op("Change a lot before it opens", 200, LOT, LOT_INPUT, "officer",
                         (403, 404, 409, 422))},
        "/api/lots/{lot_id}/registrations": {"parameters": _lot_param(), "post": _op(
            "Register to bid: anonymous bidder code and deposit order", 201, auth="bidder",
            errors=(401, 404, 409))},
        "/api/lots/{lot_id}/bids": {
            "parameters": _lot_param(),
            "get": _op("The public bid record", schema={"type": "array", "items": BID}),
            "post": _op("Place a bid", 201, {"type": "object", "properties": {
                "bid": BID, "state": STATE}}, {"type": "object", "required": ["amount"],
                "properties": {"amount": MONEY}}, "bidder", (401, 403, 404, 409, 422))},
        "/api/lots/{lot_id}/ledger": {"parameters": _lot_param(), "get": _op(
            "Every hash-chained ledger entry (bids and close) with all hashed fields")},
        "/api/lots/{lot_id}/ledger/verify": {"parameters": _lot_param(), "get": _op(
            "Verify the hash chain", schema={"type": "object", "properties": {
                "ok": {"type": "boolean"}, "length": {"type": "integer"},
                "head": {"type": "string"}}})},
        "/api/payments/{payment_id}": {"get": _op("A payment order", auth="payer")},
        "/api/payments/{payment_id}/confirm": {"post": _op(
            "Sandbox provider: confirm a payment (sends the signed callback)", auth="payer")},
        "/api/payments/callback": {"post": _op(
            "Provider callback; HMAC-SHA256 of the body in X-Sandbox-Signature; idempotent",
            errors=(403, 409))},
    }
    paths.update(tour_paths())
    paths.update(livestream_paths(_op, MONEY, TIME))
    for path, item in paths.items():
        declare_path_parameters(path, item)
    return paths
