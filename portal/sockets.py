"""Small helpers shared by the portal's websocket endpoints (lots, event rooms)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

MAX_CLIENT_MESSAGE = 4096
UNSUPPORTED_DATA = 1003
Reject = Callable[[str, str], None]
"""Sends the client an error frame (code, message) through the socket's own queue."""


async def json_messages(websocket: WebSocket, reject: Reject) -> AsyncIterator[dict[str, Any]]:
    """The client's messages that are JSON objects.

    A text frame that is too large, not JSON or not an object gets an error frame through
    ``reject`` and is skipped; a binary frame closes the socket with 1003 (unsupported data)
    and ends the reader with WebSocketDisconnect, so the socket's other tasks stop too.
    """
    while True:
        frame = await websocket.receive()
        if frame["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(int(frame.get("code") or 1000))
        text = frame.get("text")
        if text is None:
            await websocket.close(code=UNSUPPORTED_DATA, reason="text frames only")
            raise WebSocketDisconnect(UNSUPPORTED_DATA)
        if len(text) > MAX_CLIENT_MESSAGE:
            reject("frame_too_large", f"A message may be at most {MAX_CLIENT_MESSAGE} characters")
            continue
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        if isinstance(message, dict):
            yield message
        else:
            reject("bad_frame", "Messages must be JSON objects")
