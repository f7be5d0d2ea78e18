"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json: the document's
info text (including the websocket protocols, which OpenAPI cannot describe) and its assembly."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.routing import BaseRoute

from portal.openapi_gen import document

LIVESTREAM_WS = (
    "WS /ws/events/{event_id}: first `snapshot` {event, timeline, messages, questions, "
    "announcements, settings, viewers, me[, held, muted for officers]}, then `on_air`, "
    "`chat`, `chat_deleted`, `question`, `announcement`, `viewers`, `price`, `settings`, "
    "`status`; several events may arrive in one frame as {\"type\":\"batch\",\"events\":"
    "[...]}. Public events carry `seq` (1, 2, 3 ... per room; the snapshot carries the last), "
    "officers' events `mseq`; `heartbeat` {seq} comes every 10 s. A client that sees a gap "
    "sends {\"type\":\"resync\"} and gets a fresh snapshot. "
    "Send {\"type\":\"chat\"|\"question\",\"text\"} (logged in), "
    "{\"type\":\"watch\",\"venue_id\"}, {\"type\":\"ping\",\"t\"}. Officers also receive "
    "`question_held`, `question_approved`, `question_rejected`, `muted`, `unmuted`. "
    "Optional query `viewer` (8-64 of A-Za-z0-9_-) identifies the viewer for counts.")

INFO = {"title": "Judicial auction portal API", "version": "1",
        "description": "Money: decimal strings of yuan. Times: ISO 8601 UTC. "
        "Unsafe methods take only application/json bodies. Live updates: "
        "WS /ws/lots/{lot_id} (snapshot, bid, extended, closed, viewers, heartbeat every "
        "10 s; bids carry `seq` 1, 2, 3 ...; send {\"type\":\"resume\",\"after_seq\":N} or "
        "{\"type\":\"resume\",\"last_event_id\":...} to replay what followed, answered by "
        "{\"type\":\"resumed\",\"last_event_id\"} after the replay; one resume at a time "
        "and a few per minute per socket, beyond that an {\"type\":\"error\",\"code\"} frame: "
        "resume_in_progress, too_many_resumes, invalid_event_id; malformed frames get "
        "bad_frame or frame_too_large, binary frames close the socket with 1003; logging "
        "out closes the session's sockets with 1008). "
        + LIVESTREAM_WS + " HLS: PUT/DELETE /ingest/{stream_key}/{file} (ffmpeg "
        "-method PUT), GET /hls/{stream_id}/{file}."}


def openapi_schema(routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The document generated from the routes' own declarations (portal/openapi_gen.py)."""
    return document(routes, INFO)
