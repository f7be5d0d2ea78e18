"""Pre-framed websocket writes: build a frame once, hand the same bytes to many sockets.

Under uvicorn's `websockets-sansio` implementation (uvicorn's default when the `websockets`
package is installed, as here) each connection is an asyncio protocol whose `transport` we
can write to directly. A server-to-client text frame is unmasked, so the bytes of one frame
are identical for every socket: the lot fan-out encodes a tick's events once per process and
each local socket costs one `transport.write` (the floor measured in bench/ws_latency.py),
instead of a framing pass and three awaits through the ASGI send path per socket and message.

Writes of whole frames never interleave with the protocol's own writes (pings, pongs, close,
ASGI sends): every write in both paths is one synchronous `transport.write` on the loop.
`TransportMiddleware` (outermost) records the serving protocol in the websocket's scope
because Starlette wraps `send` in closures further in. Any other server or implementation
(wsproto, the legacy `websockets` protocol, a test client) gets None from `direct_writer`
and the caller falls back to `websocket.send_text`.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

SCOPE_KEY = "portal.ws_protocol"
MAX_BUFFERED = 512 * 1024
"""A socket whose unsent bytes exceed this is a slow client: it gets a fresh snapshot."""


def text_frame(text: str) -> bytes:
    """One unmasked, final text frame (RFC 6455 section 5.2) carrying ``text``."""
    data = text.encode()
    n = len(data)
    if n < 126:
        return struct.pack("!BB", 0x81, n) + data
    if n < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, n) + data
    return struct.pack("!BBQ", 0x81, 127, n) + data


class DirectWriter:
    """Writes pre-framed bytes straight to one connection's transport."""

    __slots__ = ("protocol", "transport")

    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol
        self.transport: asyncio.Transport = protocol.transport

    def open(self) -> bool:
        p = self.protocol
        return not (p.close_sent or p.disconnected or self.transport.is_closing())

    def backlog(self) -> int:
        return self.transport.get_write_buffer_size()

    def write(self, frames: bytes) -> bool:
        """Write whole frames; False when the socket is closing (nothing written)."""
        if not self.open():
            return False
        self.transport.write(frames)
        return True


def direct_writer(websocket: WebSocket) -> DirectWriter | None:
    """A DirectWriter for an accepted websocket served by uvicorn's sansio protocol."""
    protocol = websocket.scope.get(SCOPE_KEY)
    if protocol is None or not getattr(protocol, "handshake_complete", False):
        return None
    return DirectWriter(protocol)


def _sansio_protocol(send: Send) -> Any:
    protocol = getattr(send, "__self__", None)
    cls = type(protocol)
    if cls.__name__ == "WebSocketsSansIOProtocol" and cls.__module__.startswith("uvicorn."):
        return protocol
    return None


class TransportMiddleware:
    """Outermost ASGI middleware: remember which uvicorn protocol serves a websocket."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            protocol = _sansio_protocol(send)
            if protocol is not None:
                scope[SCOPE_KEY] = protocol
        await self.app(scope, receive, send)
