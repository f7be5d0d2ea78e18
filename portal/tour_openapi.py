"""OpenAPI paths of virtual tours (merged into portal.openapi)."""

from __future__ import annotations

from typing import Any

ERROR = {"type": "object", "properties": {"error": {"type": "object", "required": [
    "code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                       "field": {"type": "string"}}}}}
ANGLE = {"type": "number", "description": "degrees"}
POSITION = {"yaw": {**ANGLE, "description": "degrees, 0 = panorama centre, right-positive"},
            "pitch": {**ANGLE, "minimum": -90, "maximum": 90}}
LINK = {"type": "object", "required": ["to", "yaw"], "properties": {
    "to": {"type": "string", "description": "target scene id (must exist, not itself)"},
    **POSITION}}
MARKER = {"type": "object", "required": ["id", "title", "yaw", "pitch"], "properties": {
    "id": {"type": "string"}, "kind": {"enum": ["text", "photo"]},
    "category": {"enum": ["defect", "fixture", "info"]}, **POSITION,
    "title": {"type": "string", "maxLength": 80}, "text": {"type": "string", "maxLength": 1000},
    "photo": {"type": ["string", "null"],
              "description": "/media/photos/... from POST /upload/photos"}}}
SCENE = {"type": "object", "required": ["id", "name", "panorama"], "properties": {
    "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$"},
    "name": {"type": "string", "maxLength": 60},
    "panorama": {"type": "string", "description": "panorama id from a finished job"},
    "initial_view": {"type": "object", "properties": {
        **POSITION, "fov": {"type": "number", "minimum": 30, "maximum": 90,
                            "description": "vertical field of view, degrees"}}},
    "plan": {"type": ["object", "null"], "properties": {
        "x": {"type": "number"}, "y": {"type": "number"},
        "heading": {**ANGLE, "description": "plan direction (clockwise from up) of yaw 0"}}},
    "video": {"type": ["string", "null"], "description": "id from POST /upload/videos"},
    "links": {"type": "array", "items": LINK, "maxItems": 12},
    "markers": {"type": "array", "items": MARKER, "maxItems": 40}}}
TOUR_INPUT = {"type": "object", "required": ["base_version", "scenes"], "properties": {
    "base_version": {"type": "integer", "description": "the version the edit started from (0 "
                     "for a new tour); a stale one is refused with 409 version_conflict"},
    "start_scene": {"type": ["string", "null"]},
    "floor_plan": {"type": ["object", "null"], "properties": {"id": {"type": "string"}}},
    "scenes": {"type": "array", "items": SCENE, "maxItems": 40}}}
TOUR = {"allOf": [TOUR_INPUT, {"type": "object", "properties": {
    "lot_id": {"type": "integer"}, "version": {"type": "integer"},
    "created_at": {"type": "string", "format": "date-time"}, "author": {"type": "string"},
    "panoramas": {"type": "object", "description": "viewer manifest of every panorama used"}}}]}
JOB = {"type": "object", "properties": {
    "id": {"type": "string"}, "state": {"enum": ["queued", "running", "done", "failed"]},
    "progress": {"type": "number", "minimum": 0, "maximum": 1}, "stage": {"type": "string"},
    "panorama": {"type": ["string", "null"]}, "reused": {"type": "boolean"},
    "error": {"type": ["object", "null"]}}}


def _responses(ok: int, schema: Any, errors: tuple[int, ...], ctype: str = "application/json"
               ) -> dict[str, Any]:
    out: dict[str, Any] = {str(ok): {"description": "OK", "content": {ctype: {"schema": schema}}}}
    for status in errors:
        out[str(status)] = {"description": "Error", "content": {
            "application/json": {"schema": ERROR}}}
    return out


def _upload(summary: str, types: list[str], ok: int, schema: Any) -> dict[str, Any]:
    return {"post": {
        "summary": summary + " (role: officer; raw body; X-CSRF-Token header = the page's "
        "CSRF token; same origin)",
        "parameters": [{"name": "lot_id", "in": "query", "required": True,
                        "schema": {"type": "integer"}}],
        "requestBody": {"required": True, "content": {t: {"schema": {
            "type": "string", "format": "binary"}} for t in types}},
        "security": [{"session": []}],
        "responses": _responses(ok, schema, (401, 403, 404, 413, 415, 422))}}


def _file(summary: str, ctype: str, ranges: bool = False) -> dict[str, Any]:
    text = summary + "; Cache-Control: public, max-age=31536000, immutable"
    if ranges:
        text += "; answers Range requests with 206"
    return {"get": {"summary": text, "responses": {
        "200": {"description": "OK", "content": {ctype: {"schema": {"type": "string",
                                                                     "format": "binary"}}}},
        **({"206": {"description": "Partial content"}} if ranges else {}),
        "404": {"description": "Not found"}}}}


def tour_paths() -> dict[str, Any]:
    lot = [{"name": "lot_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    return {
        "/api/lots/{lot_id}/tour": {
            "parameters": lot,
            "get": {"summary": "The lot's tour: current, ?version=N, or ?at=ISO-time (the "
                    "version bidders saw then)", "parameters": [
                        {"name": "version", "in": "query", "schema": {"type": "integer"}},
                        {"name": "at", "in": "query", "schema": {"type": "string",
                                                                  "format": "date-time"}}],
                    "responses": _responses(200, TOUR, (400, 404))},
            "put": {"summary": "Save the tour as a new immutable version (role: officer)",
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": TOUR_INPUT}}},
                    "security": [{"session": []}],
                    "responses": _responses(201, TOUR, (401, 403, 404, 409, 415, 422))}},
        "/api/lots/{lot_id}/tour/versions": {"parameters": lot, "get": {
            "summary": "Every saved version (number, time, author, scene count)",
            "responses": _responses(200, {"type": "object", "properties": {
                "items": {"type": "array"}}}, (404,))}},
        "/api/panorama-jobs/{job_id}": {"get": {
            "summary": "Progress of a panorama job (role: officer); poll until done/failed",
            "parameters": [{"name": "job_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "security": [{"session": []}], "responses": _responses(200, JOB, (401, 403, 404))}},
        "/api/panoramas/{pano_id}": {"get": {
            "summary": "A panorama's viewer manifest (cubemap tile levels, base, preview)",
            "parameters": [{"name": "pano_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": _responses(200, {"type": "object"}, (404,))}},
        "/upload/panoramas": _upload(
            "Upload an equirectangular 360-degree photo (2:1 JPEG/PNG, 2048-16384 px); "
            "202 with a job", ["image/jpeg", "image/png"], 202,
            {"type": "object", "properties": {"job": JOB}}),
        "/upload/videos": _upload("Upload a 360-degree MP4 video (2:1) for a scene",
                                  ["video/mp4"], 201, {"type": "object"}),
        "/upload/floorplans": _upload("Upload a floor-plan image (stored as PNG)",
                                      ["image/png", "image/jpeg"], 201, {"type": "object"}),
        "/upload/photos": _upload("Upload a photo for an info marker", ["image/jpeg",
                                                                        "image/png"], 201,
                                  {"type": "object"}),
        "/panoramas/{pano_id}/{file}": _file(
            "Panorama files: manifest.json, base.jpg, preview.jpg, thumb.jpg, "
            "{level}/{face}/{row}_{col}.jpg", "image/jpeg"),
        "/panoramas/floorplans/{name}": _file("A floor-plan image", "image/png"),
        "/panoramas/videos/{name}": _file("A scene's 360-degree video", "video/mp4", True),
    }
