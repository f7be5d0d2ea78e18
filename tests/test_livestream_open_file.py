"""HLS files are served from the descriptor that was opened, never re-opened by path: a
playlist that ingest replaces (by rename) mid-request cannot produce a Content-Length that
does not match the body (the browser's ERR_CONTENT_LENGTH_MISMATCH)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from portal.ingest_routes import CHUNK, open_file_response


async def body_of(response: object) -> bytes:
    chunks: list[bytes] = []

    async def receive() -> dict[str, object]:  # the client stays connected
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))  # type: ignore[arg-type]

    await response({"type": "http", "method": "GET", "headers": []}, receive, send)  # type: ignore[operator]
    return b"".join(chunks)


async def test_a_file_replaced_after_opening_is_served_as_opened(tmp_path: Path) -> None:
    for size in (100, CHUNK * 3 + 5):  # read whole (a playlist) and streamed (a segment)
        path = tmp_path / f"index{size}.m3u8"
        path.write_bytes(b"a" * size)
        f = open(path, "rb")  # noqa: SIM115 - the response closes it
        newer = tmp_path / "newer.tmp"
        newer.write_bytes(b"b" * (size * 2 + 7))
        os.replace(newer, path)  # ingest's atomic replacement, between open and fstat
        response = await open_file_response(f, "GET", "application/vnd.apple.mpegurl", "no-cache")
        body = await body_of(response)
        assert int(response.headers["content-length"]) == len(body) == size
        assert body == b"a" * size
        assert f.closed


async def test_head_gives_the_size_without_a_body(tmp_path: Path) -> None:
    path = tmp_path / "seg.ts"
    path.write_bytes(b"x" * 1234)
    response = await open_file_response(open(path, "rb"), "HEAD", "video/mp2t", "max-age=1")  # noqa: SIM115
    assert response.headers["content-length"] == "1234"
    assert await body_of(response) == b""
