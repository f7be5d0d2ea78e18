"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from starlette.routing import BaseRoute

from portal.openapi_gen import document

MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "description": "yuan, e.g. 1015000.00"}
TIME = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC"}
ERROR = {"type": "object", "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                   "min_next": MONEY}}}}


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


LIVESTREAM_WS = (
    "WS /ws/events/{event_id}: first `snapshot` {event, timeline, messages, questions, "
    "announcements, settings, viewers, me[, held, muted for officers]}, then `on_air`, "
    "`chat`, `chat_deleted`, `question`, `announcement`, `viewers`, `price`, `settings`, "
    "`status`; several events may arrive in one frame as {\"type\":\"batch\",\"events\":"
    "[...]}. Send {\"type\":\"chat\"|\"question\",\"text\"} (logged in), "
    "{\"type\":\"watch\",\"venue_id\"}, {\"type\":\"ping\",\"t\"}. Officers also receive "
    "`question_held`, `question_approved`, `question_rejected`, `muted`, `unmuted`. "
    "Optional query `viewer` (8-64 of A-Za-z0-9_-) identifies the viewer for counts.")

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
    paths: dict[str, Any] = {}
    from portal.case_openapi import after_hammer_paths  # imports this module

    paths.update(after_hammer_paths())
    for path, item in paths.items():
        declare_path_parameters(path, item)
    return paths
