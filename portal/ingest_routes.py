"""HTTP routes: HLS ingest by PUT/DELETE (as ffmpeg's `-method PUT` sends it) and playback GET.

    PUT    /ingest/{key}/{name}   201  store a playlist or segment (body streamed, any encoding)
    DELETE /ingest/{key}/{name}   204  remove a segment (ffmpeg's -hls_flags delete_segments)
    GET    /hls/{stream_id}/{name}     serve a stored file (HEAD and Range work too)

`key` is the secret stream key; `resolve_key(key)` maps it to a stream id, or None (403).
Errors are JSON: {"error": {"code": ..., "message": ...}}.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from email.utils import formatdate
from typing import BinaryIO

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from livestream.recording import RECORDING_PREFIX
from livestream.store import IngestError, IngestStore, open_nofollow

__all__ = ["IngestStore", "ingest_routes", "playback_routes", "CONTENT_TYPES"]

ResolveKey = Callable[[str], Awaitable[str | None]]

CONTENT_TYPES = {
    "m3u8": "application/vnd.apple.mpegurl",
    "ts": "video/mp2t",
    "m4s": "video/iso.segment",
    "mp4": "video/mp4",
    "aac": "audio/aac",
}
PLAYLIST_CACHE = "no-cache"
RECORDED_SEGMENT_CACHE = "public, max-age=31536000, immutable"


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _content_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    if value is None or "chunked" in request.headers.get("transfer-encoding", "").lower():
        return None
    try:
        return int(value)
    except ValueError:
        return None


def ingest_routes(store: IngestStore, resolve_key: ResolveKey) -> list[BaseRoute]:
    async def resolve(request: Request) -> str | JSONResponse:
        stream_id = await resolve_key(request.path_params["key"])
        if stream_id is None:
            return error_response(403, "bad_stream_key", "unknown or revoked stream key")
        return stream_id

    async def put(request: Request) -> Response:
        stream_id = await resolve(request)
        if isinstance(stream_id, Response):
            return stream_id
        name = request.path_params["name"]
        try:
            await store.put(
                stream_id, name, request.stream(), content_length=_content_length(request)
            )
        except IngestError as exc:
            return error_response(exc.status, exc.code, exc.message)
        except ClientDisconnect:
            return Response(status_code=400)
        return Response(status_code=201)

    async def delete(request: Request) -> Response:
        stream_id = await resolve(request)
        if isinstance(stream_id, Response):
            return stream_id
        try:
            await store.delete(stream_id, request.path_params["name"])
        except IngestError as exc:
            return error_response(exc.status, exc.code, exc.message)
        return Response(status_code=204)

    # `path` converter: names with "/" reach the handler and get a clear 400 instead of a 404.
    return [
        Route("/ingest/{key}/{name:path}", put, methods=["PUT"]),
        Route("/ingest/{key}/{name:path}", delete, methods=["DELETE"]),
    ]


def playback_routes(store: IngestStore, *, segment_max_age: int = 86400) -> list[BaseRoute]:
    """GET routes for players. Live segment names can be reused by an encoder that restarts
    (index0.ts again), so their max-age is bounded; recorded segments are immutable."""
    segment_cache = f"public, max-age={segment_max_age}"

    async def get(request: Request) -> Response:
        stream_id = request.path_params["stream_id"]
        name = request.path_params["name"]
        path = store.path_for(stream_id, name)
        if path is None:
            return error_response(404, "not_found", "no such stream file")
        try:
            # Open first, then fstat the descriptor: ingest replaces files by rename, so a
            # stat by path could describe a newer file than the one opened (a Content-Length
            # that does not match the body). The open file is the one served, whole. A
            # symlink (file or stream folder) is never followed: 404 as if absent.
            f = await run_in_threadpool(open_nofollow, path)
        except (FileNotFoundError, NotADirectoryError):
            return error_response(404, "not_found", "no such stream file")
        ext = name.rsplit(".", 1)[1]
        if ext == "m3u8":
            cache = PLAYLIST_CACHE
        elif name.startswith(RECORDING_PREFIX):
            cache = RECORDED_SEGMENT_CACHE
        else:
            cache = segment_cache
        return await open_file_response(f, request.method, CONTENT_TYPES[ext], cache)

    return [Route("/hls/{stream_id}/{name:path}", get, methods=["GET", "HEAD"])]


CHUNK = 256 * 1024


async def open_file_response(f: BinaryIO, method: str, media_type: str,
                             cache: str) -> Response:
    """The whole of the already open file ``f`` (closed when sent), sized by its descriptor."""
    try:
        stat = os.fstat(f.fileno())
        headers = {"Cache-Control": cache, "Content-Length": str(stat.st_size),
                   "Last-Modified": formatdate(stat.st_mtime, usegmt=True),
                   "ETag": f'"{stat.st_ino:x}-{stat.st_size:x}-{stat.st_mtime_ns:x}"'}
        if method == "HEAD" or stat.st_size <= CHUNK:  # playlists and HEAD: no streaming
            body = b"" if method == "HEAD" else await run_in_threadpool(f.read)
            f.close()
            return Response(body, media_type=media_type, headers=headers)
    except BaseException:
        f.close()
        raise
    return StreamingResponse(_chunks(f), media_type=media_type, headers=headers)


async def _chunks(f: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while chunk := await run_in_threadpool(f.read, CHUNK):
            yield chunk
    finally:
        f.close()
