"""Small helpers shared by the portal's websocket endpoints (lots, event rooms)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.websockets import WebSocket

MAX_CLIENT_MESSAGE = 4096


async def json_messages(websocket: WebSocket) -> AsyncIterator[dict[str, Any]]:
    """The client's messages that are JSON objects; oversized or malformed ones are skipped."""
    while True:
        text = await websocket.receive_text()
        if len(text) > MAX_CLIENT_MESSAGE:
            continue
        try:
            message = json.loads(text)
        except ValueError:
            continue
        if isinstance(message, dict):
            yield message
