"""OpenAPI paths of the livestream area (merged into /api/openapi.json by portal.openapi)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

WS_DOC = ("WS /ws/events/{event_id}: first `snapshot` {event, timeline, messages, questions, "
          "announcements, settings, viewers, me[, held, muted for officers]}, then `on_air`, "
          "`chat`, `chat_deleted`, `question`, `announcement`, `viewers`, `price`, `settings`, "
          "`status`; several events may arrive in one frame as {\"type\":\"batch\",\"events\":"
          "[...]}. Send {\"type\":\"chat\"|\"question\",\"text\"} (logged in), "
          "{\"type\":\"watch\",\"venue_id\"}, {\"type\":\"ping\",\"t\"}. Officers also receive "
          "`question_held`, `question_approved`, `question_rejected`, `muted`, `unmuted`. "
          "Optional query `viewer` (8-64 of A-Za-z0-9_-) identifies the viewer for counts.")


def paths(op: Callable[..., dict[str, Any]], money: dict[str, Any],
          time: dict[str, Any]) -> dict[str, Any]:
    message = {"type": "object", "properties": {
        "id": {"type": "string"}, "kind": {"enum": ["chat", "question"]},
        "user": {"type": "string"}, "text": {"type": "string", "maxLength": 300,
                                             "description": "plain text; escape when shown"},
        "at": time}}
    venue_in = {"type": "object", "required": ["name", "lot_id"], "properties": {
        "name": {"type": "string", "maxLength": 60}, "lot_id": {"type": "integer"},
        "source": {"enum": ["ingest", "external"], "default": "ingest"},
        "url": {"type": "string", "description": "external only: http(s) URL of a .m3u8"}}}
    event_in = {"type": "object", "required": ["title", "starts_at", "ends_at", "venues"],
                "properties": {"title": {"type": "string", "maxLength": 120},
                               "description": {"type": "string", "maxLength": 2000},
                               "starts_at": time, "ends_at": time,
                               "venues": {"type": "array", "minItems": 1, "maxItems": 12,
                                          "items": venue_in}}}
    lot_price = {"type": "object", "properties": {
        "current_price": {**money, "nullable": True}, "bid_count": {"type": "integer"},
        "status": {"type": "string"}}}
    venue = {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "lot_id": {"type": "integer"},
        "source": {"enum": ["ingest", "external"]}, "playback_url": {"type": "string"},
        "recording_url": {"type": "string", "description": "after something was recorded"},
        "stream_key": {"type": "string", "description": "officers only"},
        "ingest_url": {"type": "string", "description": "officers only: PUT HLS here"},
        "viewers": {"type": "integer"}, "lot": lot_price}}
    event = {"type": "object", "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"},
        "description": {"type": "string"}, "starts_at": time, "ends_at": time,
        "status": {"enum": ["upcoming", "live", "ended"]},
        "on_air_venue_id": {"type": ["integer", "null"]}, "on_air_since": time,
        "viewers_total": {"type": "integer"}, "venues": {"type": "array", "items": venue}}}
    entry = {"type": "object", "properties": {
        "at": time, "venue_id": {"type": "integer"},
        "edge": {"type": "object", "additionalProperties": time, "description":
                 "per ingest venue: program date time at its live playlist's edge"}}}
    state = {"type": "object", "description": "Cacheable 1-2 s (public, max-age=1, "
             "s-maxage=2); identical for everyone", "properties": {
                 "event_id": {"type": "integer"}, "status": {"type": "string"},
                 "on_air_venue_id": {"type": ["integer", "null"]}, "on_air_since": time,
                 "viewers_total": {"type": "integer"},
                 "venues": {"type": "array", "items": {"type": "object", "properties": {
                     "id": {"type": "integer"}, "viewers": {"type": "integer"},
                     "lot": lot_price}}},
                 "announcements": {"type": "array"}, "questions": {"type": "array",
                                                                   "items": message},
                 "messages": {"type": "array", "items": message}, "settings": {"type": "object"},
                 "server_time": time}}
    eid = [{"name": "event_id", "in": "path", "required": True, "schema": {"type": "integer"}}]

    def at(path: str, **ops: Any) -> tuple[str, dict[str, Any]]:
        return path, {"parameters": eid, **ops}

    return dict([
        ("/api/events", {
            "get": {**op("Live viewings (events)", schema={"type": "object", "properties": {
                "items": {"type": "array", "items": event}, "total": {"type": "integer"}}}),
                "parameters": [{"name": "status", "in": "query", "schema": {"type": "string"},
                                "description": "upcoming, live, ended (comma-separated)"}]},
            "post": op("Schedule an event with up to 12 venues, each linked to a lot; ingest "
                       "venues get a secret stream key", 201, event, event_in, "officer",
                       (401, 403, 422))}),
        at("/api/events/{event_id}", get=op(
            "An event: status, on-air venue, viewer counts, venues with playback URLs and "
            "their lots' prices (officers also get stream keys)", schema=event, errors=(404,))),
        at("/api/events/{event_id}/on-air", post=op(
            "Put a venue on air; recorded on the timeline with its time and program date times",
            200, {"type": "object", "properties": {"on_air_venue_id": {"type": "integer"},
                                                   "entry": entry}},
            {"type": "object", "required": ["venue_id"],
             "properties": {"venue_id": {"type": "integer"}}}, "officer", (403, 409, 422))),
        at("/api/events/{event_id}/end", post=op(
            "End the broadcast: stream keys stop working, recordings become VOD", 200,
            auth="officer", errors=(403, 404))),
        at("/api/events/{event_id}/state", get=op(
            "The small cacheable room state for anonymous viewers (ETag, If-None-Match)",
            schema=state, errors=(404,))),
        at("/api/events/{event_id}/timeline", get=op(
            "Every on-air switch", schema={"type": "object", "properties": {
                "items": {"type": "array", "items": entry}}})),
        at("/api/events/{event_id}/heartbeat", post=op(
            "Anonymous viewer heartbeat (every 20 s) for the approximate viewer counts", 204,
            body={"type": "object", "required": ["viewer", "venue_id"], "properties": {
                "viewer": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
                "venue_id": {"type": "integer"}}}, errors=(422,))),
        at("/api/events/{event_id}/messages",
           get={**op("Recent chat messages or approved questions", schema={
               "type": "object", "properties": {"items": {"type": "array", "items": message}}}),
               "parameters": [{"name": "kind", "in": "query",
                               "schema": {"enum": ["chat", "question"]}}]},
           post=op("Post a chat message or question (300 chars, 1/s and 10/30 s, slow mode, "
                   "mutes); 202 when held for approval", 201,
                   {"type": "object", "properties": {"status": {"enum": ["published", "held"]},
                                                     "message": message}},
                   {"type": "object", "required": ["text"], "properties": {
                       "text": {"type": "string"}, "kind": {"enum": ["chat", "question"]}}},
                   "any", (401, 403, 409, 422, 429))),
        at("/api/events/{event_id}/messages/{message_id}", delete=op(
            "Delete a message for everyone (or reject a held question)", 204, auth="officer",
            errors=(403, 404))),
        at("/api/events/{event_id}/questions/{question_id}/approve", post=op(
            "Publish a held question", auth="officer", errors=(403, 404))),
        at("/api/events/{event_id}/moderation", get=op(
            "Held questions, muted users, settings", auth="officer", errors=(403,))),
        at("/api/events/{event_id}/mutes", post=op(
            "Mute a user in this room", body={"type": "object", "properties": {
                "username": {"type": "string"}}}, auth="officer", errors=(403, 422))),
        at("/api/events/{event_id}/mutes/{username}", delete=op(
            "Unmute a user", auth="officer", errors=(403,))),
        at("/api/events/{event_id}/settings", patch=op(
            "Slow mode (0, 5, 10, 30, 60, 300 s) and holding questions for approval",
            body={"type": "object", "properties": {"slow_mode": {"type": "integer"},
                                                   "hold_questions": {"type": "boolean"}}},
            auth="officer", errors=(403, 422))),
        at("/api/events/{event_id}/announcements", post=op(
            "Pin an announcement (the newest 5 stay pinned)", 201, body={
                "type": "object", "properties": {"text": {"type": "string",
                                                          "maxLength": 500}}},
            auth="officer", errors=(403, 422))),
        at("/api/events/{event_id}/announcements/{announcement_id}", delete=op(
            "Unpin an announcement", 204, auth="officer", errors=(403, 404))),
        at("/api/events/{event_id}/reminder",
           post=op("Remind me of this event (提醒)", auth="any", errors=(401, 404)),
           delete=op("Cancel the reminder", auth="any", errors=(401,))),
    ])
