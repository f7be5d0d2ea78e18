"""Wire frames of the event websocket: compact JSON text, and one frame for several events."""

from __future__ import annotations

import json
from typing import Any

RESYNC = '{"type":"resync"}'
"""Tells a client's writer to send a fresh snapshot (its backlog was dropped)."""
HEARTBEAT = '{"type":"heartbeat"}'
"""The sign of life sent every HEARTBEAT_INTERVAL (bidding/hub.py) on lot sockets, and on
room sockets when the room's number cannot be read (else it carries `"seq"`)."""


def wire(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def batch_frame(texts: list[str]) -> str:
    """One websocket frame for several already-encoded events (no re-encoding)."""
    return texts[0] if len(texts) == 1 else '{"type":"batch","events":[' + ",".join(texts) + "]}"
