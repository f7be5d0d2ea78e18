"""uvicorn HTTP protocols that still serve a request whose client closed right after sending it.

ffmpeg's HTTP output (the HLS muxer with `-method PUT`, unless `-http_persistent 1`) sends the
whole chunked body, peeks once *without blocking* for a response, and closes the socket. Stock
uvicorn (0.54, httptools and h11 alike) turns that EOF into a disconnect and drops the request
body it has already buffered: the app gets `http.disconnect` (Starlette: ClientDisconnect), and
the segment is lost, depending on timing. These subclasses keep the connection half-open when
the EOF arrives after a *complete* request, so the app can read the body; the response then goes
to a peer that no longer listens, which is harmless. An EOF in the middle of a request is still a
disconnect.

Use them for the process that serves the ingest routes:

    uvicorn portal.app:app --http livestream.uvicorn_protocol:HttpToolsProtocol
    uvicorn.Config(app, http=livestream.uvicorn_protocol.HttpToolsProtocol)
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol as _H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _HttpToolsProtocol
except ImportError:  # httptools not installed: only the h11 flavour is available
    _HttpToolsProtocol = None  # type: ignore[assignment,misc]

__all__ = ["H11Protocol", "HttpToolsProtocol", "complete_request_pending"]


def complete_request_pending(protocol: Any) -> bool:
    """True if the protocol holds a fully received request whose response is not sent yet."""
    cycle = getattr(protocol, "cycle", None)
    return cycle is not None and not cycle.more_body and not cycle.response_complete


class H11Protocol(_H11Protocol):
    def eof_received(self) -> bool | None:  # type: ignore[override]
        return True if complete_request_pending(self) else None


if _HttpToolsProtocol is not None:

    class HttpToolsProtocol(_HttpToolsProtocol):
        def eof_received(self) -> bool | None:  # type: ignore[override]
            return True if complete_request_pending(self) else None

else:  # pragma: no cover
    HttpToolsProtocol = H11Protocol  # type: ignore[misc,assignment]
