"""HLS ingest over HTTP PUT, end to end against a real uvicorn server.

ffmpeg's HLS muxer (`-method PUT`) pushes into the ingest routes; ffprobe reads back through the
playback routes. Without a system ffmpeg only the ffmpeg test is skipped: PyAV (bundled FFmpeg)
generates HLS files that httpx PUTs, and PyAV reads them back over HTTP.
"""

from __future__ import annotations

import asyncio
import fractions
import http.client
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from livestream.hls import parse_media_playlist
from livestream.uvicorn_protocol import H11Protocol, HttpToolsProtocol
from portal.ingest_routes import IngestStore, ingest_routes, playback_routes

KEYS = {"s3cret-key": "venue1"}
FFMPEG = shutil.which("ffmpeg")
FFPROBE = shutil.which("ffprobe")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RequestLog:
    """ASGI middleware noting (method, path, transfer-encoding) of every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen: list[tuple[str, str, str | None]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            te = headers.get(b"transfer-encoding")
            self.seen.append((scope["method"], scope["path"], te.decode() if te else None))
        await self.app(scope, receive, send)


@dataclass
class Server:
    base: str
    store: IngestStore
    log: RequestLog
    loop: asyncio.AbstractEventLoop
    root: Path
    stream_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        self.stream_dir = self.root / "venue1"

    def run(self, coro: Any) -> Any:
        """Run a coroutine on the server's event loop (the store's locks live there)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    def files(self) -> list[str]:
        return sorted(p.name for p in self.stream_dir.iterdir()) if self.stream_dir.exists() else []


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    started: list[tuple[uvicorn.Server, threading.Thread]] = []

    def make(http: Any = HttpToolsProtocol, **store_options: Any) -> Server:
        root = tmp_path / "store"
        store = IngestStore(root, **store_options)

        async def resolve_key(key: str) -> str | None:
            return KEYS.get(key)

        app = RequestLog(
            Starlette(routes=ingest_routes(store, resolve_key) + playback_routes(store))
        )
        port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", http=http
        )
        server = uvicorn.Server(config)
        loop = asyncio.new_event_loop()
        thread = threading.Thread(
            target=loop.run_until_complete, args=(server.serve(),), daemon=True
        )
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        started.append((server, thread))
        return Server(f"http://127.0.0.1:{port}", store, app, loop, root)

    yield make
    for server, thread in started:
        server.should_exit = True
        thread.join(timeout=10)


def generate_hls_with_pyav(target: str, *, seconds: int = 3, options: dict[str, str]) -> None:
    """Encode a moving bar + 440 Hz tone with PyAV's bundled FFmpeg into its HLS muxer."""
    fps = 25
    out = av.open(target, "w", format="hls", options=options)
    video = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "g": str(fps)})
    video.width, video.height, video.pix_fmt = 160, 90, "yuv420p"
    audio = out.add_stream("aac", rate=48000)
    audio.layout = "mono"
    sample = 0
    for i in range(seconds * fps):
        img = np.zeros((90, 160, 3), np.uint8)
        img[:, (i * 4) % 160] = 255
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts, frame.time_base = i, fractions.Fraction(1, fps)
        out.mux(video.encode(frame))
        while sample < (i + 1) * 48000 // fps:
            # 1024-sample AAC frames of a sine tone
            t = (np.arange(1024) + sample) / 48000
            pcm = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32).reshape(1, -1)
            aframe = av.AudioFrame.from_ndarray(pcm, format="flt", layout="mono")
            aframe.sample_rate, aframe.pts = 48000, sample
            out.mux(audio.encode(aframe))
            sample += 1024
    out.mux(video.encode())
    out.mux(audio.encode())
    out.close()


def ffprobe(url: str) -> dict[str, Any]:
    assert FFPROBE
    proc = subprocess.run(
        [FFPROBE, "-v", "error", "-show_streams", "-show_format", "-of", "json", url],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    )
    return json.loads(proc.stdout)


def raw_request(base: str, method: str, path: str, body: bytes = b"") -> int:
    """Send the path exactly as written (no client-side normalisation of '..' or %2F)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request(method, path, body=body)
    status = conn.getresponse().status
    conn.close()
    return status


# -- real encoders ---------------------------------------------------------------------------


@pytest.mark.skipif(FFMPEG is None or FFPROBE is None, reason="needs Debian ffmpeg/ffprobe")
def test_ffmpeg_put_push_is_stored_cleaned_recorded_and_playable(make_server) -> None:
    srv = make_server(record=True, keep_segments=1)
    assert FFMPEG is not None
    cmd = [
        FFMPEG, "-hide_banner", "-loglevel", "error", "-re",
        "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25",
        "-f", "lavfi", "-i", "sine=frequency=440", "-t", "6",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
        "-c:a", "aac", "-f", "hls", "-hls_time", "1", "-hls_list_size", "2",
        "-hls_flags", "delete_segments+program_date_time", "-method", "PUT",
        f"{srv.base}/ingest/s3cret-key/index.m3u8",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr

    # How ffmpeg uploads: chunked PUTs of the final names, DELETE of expired segments.
    puts = [(p, te) for m, p, te in srv.log.seen if m == "PUT"]
    assert puts and all(te == "chunked" for _, te in puts)
    assert not [p for p, _ in puts if p.endswith(".tmp")]
    deleted = [p for m, p, _ in srv.log.seen if m == "DELETE"]
    assert "/ingest/s3cret-key/index0.ts" in deleted

    live = httpx.get(f"{srv.base}/hls/venue1/index.m3u8")
    assert live.status_code == 200
    assert live.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert live.headers["cache-control"] == "no-cache"
    playlist = parse_media_playlist(live.text)
    assert playlist.ended and len(playlist.segments) == 2
    assert all(s.program_date_time is not None for s in playlist.segments)
    for seg in playlist.segments:
        got = httpx.get(f"{srv.base}/hls/venue1/{seg.uri}")
        assert got.status_code == 200 and got.headers["content-type"] == "video/mp2t"
        assert "max-age=" in got.headers["cache-control"] and got.content[0] == 0x47  # TS sync
    # Old live segments are gone (ffmpeg's DELETEs and the store's cleanup)...
    live_ts = [n for n in srv.files() if n.startswith("index") and n.endswith(".ts")]
    assert "index0.ts" not in live_ts and len(live_ts) <= 4
    assert httpx.get(f"{srv.base}/hls/venue1/index0.ts").status_code == 404

    probe = ffprobe(f"{srv.base}/hls/venue1/index.m3u8")
    assert {s["codec_name"] for s in probe["streams"]} == {"h264", "aac"}

    # ...but the recording kept every segment, and becomes a VOD playlist on finish().
    path = srv.run(srv.store.finish("venue1"))
    recording = parse_media_playlist(path.read_text())
    assert recording.ended and recording.playlist_type == "VOD"
    assert len(recording.segments) >= 6
    assert all(s.program_date_time is not None for s in recording.segments)
    assert abs(sum(s.duration for s in recording.segments) - 6.0) < 0.5
    probe = ffprobe(f"{srv.base}/hls/venue1/recording.m3u8")
    assert abs(float(probe["format"]["duration"]) - 6.0) < 0.6
    rec_seg = httpx.get(f"{srv.base}/hls/venue1/{recording.segments[0].uri}")
    assert "immutable" in rec_seg.headers["cache-control"]


def test_pyav_generated_hls_put_with_httpx(make_server, tmp_path: Path) -> None:
    """Fallback path with no system ffmpeg: PyAV writes HLS to disk, httpx uploads it."""
    srv = make_server()
    out = tmp_path / "gen"
    out.mkdir()
    generate_hls_with_pyav(str(out / "index.m3u8"), options={"hls_time": "1", "hls_list_size": "0"})
    segments = sorted(out.glob("*.ts"))
    assert len(segments) >= 3

    async def upload() -> None:
        async with httpx.AsyncClient(base_url=srv.base) as client:
            for i, seg in enumerate(segments):
                data = seg.read_bytes()
                if i % 2:  # half of them chunked, like ffmpeg sends them

                    async def chunks(data: bytes = data) -> AsyncIterator[bytes]:
                        for start in range(0, len(data), 4096):
                            yield data[start : start + 4096]

                    r = await client.put(f"/ingest/s3cret-key/{seg.name}", content=chunks())
                else:
                    r = await client.put(f"/ingest/s3cret-key/{seg.name}", content=data)
                assert r.status_code == 201, r.text
            playlist = (out / "index.m3u8").read_bytes()
            r = await client.put("/ingest/s3cret-key/index.m3u8", content=playlist)
            assert r.status_code == 201

    asyncio.run(upload())
    assert any(te == "chunked" for m, _, te in srv.log.seen if m == "PUT")
    for seg in segments:
        assert (srv.stream_dir / seg.name).read_bytes() == seg.read_bytes()
    assert not [n for n in srv.files() if n.startswith(".")]

    with av.open(f"{srv.base}/hls/venue1/index.m3u8") as container:
        kinds = {s.type for s in container.streams}
        frames = sum(1 for _ in container.decode(video=0))
    assert kinds == {"video", "audio"}
    assert frames >= 60


def test_pyav_fmp4_push_records_init_section(make_server, tmp_path: Path) -> None:
    """fMP4 HLS pushed by PyAV's own HLS muxer over PUT: init.mp4 + .m4s, recorded with MAP."""
    srv = make_server(record=True)
    generate_hls_with_pyav(
        f"{srv.base}/ingest/s3cret-key/live.m3u8",
        seconds=3,
        options={
            "method": "PUT", "hls_time": "1", "hls_list_size": "3",
            "hls_segment_type": "fmp4", "hls_flags": "delete_segments",
        },
    )  # fmt: skip
    assert "init.mp4" in srv.files() and any(n.endswith(".m4s") for n in srv.files())
    r = httpx.get(f"{srv.base}/hls/venue1/init.mp4")
    assert r.status_code == 200 and r.headers["content-type"] == "video/mp4"
    seg = parse_media_playlist(httpx.get(f"{srv.base}/hls/venue1/live.m3u8").text).segments[0]
    assert seg.map_uri == "init.mp4"
    r = httpx.get(f"{srv.base}/hls/venue1/{seg.uri}")
    assert r.status_code == 200 and r.headers["content-type"] == "video/iso.segment"

    path = srv.run(srv.store.finish("venue1"))
    text = path.read_text()
    assert '#EXT-X-MAP:URI="rec_init_0001.mp4"' in text and text.endswith("#EXT-X-ENDLIST\n")
    with av.open(f"{srv.base}/hls/venue1/recording.m3u8") as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames >= 70


# -- refusals --------------------------------------------------------------------------------


def test_wrong_key_is_403_and_writes_nothing(make_server) -> None:
    srv = make_server()
    for method in ("PUT", "DELETE"):
        r = httpx.request(method, f"{srv.base}/ingest/nope/index0.ts", content=b"G" * 188)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "bad_stream_key"
    assert not srv.root.exists() or not any(srv.root.rglob("*"))


@pytest.mark.parametrize(
    "name",
    [
        "index0.exe", "index0.ts.tmp", "index.m3u8.tmp", ".hidden.ts", "a b.ts", "x" * 65 + ".ts",
        "...ts", "a.b.ts", "recording.m3u8", "rec_000000.ts", "index0.TS", "sub/index0.ts",
    ],
)  # fmt: skip
def test_bad_names_are_400(make_server, name: str) -> None:
    srv = make_server()
    r = httpx.put(f"{srv.base}/ingest/s3cret-key/{name}", content=b"G" * 188)
    assert r.status_code == 400, name
    assert r.json()["error"]["code"] == "bad_name"
    assert not srv.root.exists() or not [p for p in srv.root.rglob("*") if p.is_file()]


def test_not_a_playlist_is_400(make_server) -> None:
    srv = make_server()
    r = httpx.put(f"{srv.base}/ingest/s3cret-key/index.m3u8", content=b"<html>nope</html>")
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_playlist"
    assert srv.files() == []


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize("name", ["index0.ts", "index.m3u8"])
def test_oversize_is_413_and_leaves_nothing(make_server, chunked: bool, name: str) -> None:
    srv = make_server(max_segment_bytes=10_000, max_playlist_bytes=1_000)
    good = b"#EXTM3U\n" if name.endswith(".m3u8") else b"G" * 188
    assert httpx.put(f"{srv.base}/ingest/s3cret-key/{name}", content=good).status_code == 201
    big = b"#EXTM3U\n" + b"#" * 20_000

    async def send() -> httpx.Response:
        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(big), 1000):
                yield big[start : start + 1000]

        async with httpx.AsyncClient(base_url=srv.base) as client:
            return await client.put(
                f"/ingest/s3cret-key/{name}", content=chunks() if chunked else big
            )

    r = asyncio.run(send())
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    assert srv.files() == [name]  # no temp file left behind...
    assert (srv.stream_dir / name).read_bytes() == good  # ...and the old file is intact


def test_path_traversal_is_refused(make_server) -> None:
    srv = make_server()
    secret = srv.root.parent / "secret.ts"
    secret.write_bytes(b"top secret")
    (srv.stream_dir).mkdir(parents=True)
    (srv.stream_dir / "index.m3u8").write_text("#EXTM3U\n")
    for path in [
        "/ingest/s3cret-key/..%2F..%2Fevil.ts",
        "/ingest/s3cret-key/../../evil.ts",
        "/ingest/s3cret-key/%2e%2e%2fevil.ts",
        "/ingest/s3cret-key/sub%2Fevil.ts",
        "/ingest/s3cret-key/%2Ftmp%2Fevil.ts",
    ]:
        assert raw_request(srv.base, "PUT", path, b"G" * 188) in (400, 404), path
        assert raw_request(srv.base, "DELETE", path) in (400, 404), path
    assert not list(srv.root.parent.rglob("evil.ts"))
    assert not list(Path("/tmp").glob("evil.ts"))
    for path in [
        "/hls/venue1/..%2F..%2Fsecret.ts",
        "/hls/venue1/../../secret.ts",
        "/hls/..%2Fsecret.ts/x.ts",
        "/hls/..%2F/secret.ts",
        "/hls/venue1/%2e%2e%2f%2e%2e%2fsecret.ts",
        "/hls/venue1/..",
        "/hls/venue1/%2Fetc%2Fpasswd",
        "/hls/venue1/index.m3u8%00.ts",
    ]:
        assert raw_request(srv.base, "GET", path) in (400, 404), path
    assert secret.read_bytes() == b"top secret"
    assert httpx.get(f"{srv.base}/hls/venue1/index.m3u8").status_code == 200
    assert httpx.get(f"{srv.base}/hls/venue1/missing.ts").status_code == 404
    assert httpx.get(f"{srv.base}/hls/venue2/index.m3u8").status_code == 404


def test_delete_removes_and_is_idempotent(make_server) -> None:
    srv = make_server()
    url = f"{srv.base}/ingest/s3cret-key/index7.ts"
    assert httpx.put(url, content=b"G" * 188).status_code == 201
    assert httpx.delete(url).status_code == 204
    assert srv.files() == []
    assert httpx.delete(url).status_code == 204


@pytest.mark.parametrize("protocol", [HttpToolsProtocol, H11Protocol])
def test_upload_survives_client_closing_without_reading_the_response(make_server, protocol) -> None:
    """What ffmpeg does without -http_persistent: send everything, close, never wait."""
    srv = make_server(http=protocol)
    host, port = srv.base.removeprefix("http://").split(":")
    payload = b"G" * 50_000
    for i in range(5):
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(
                f"PUT /ingest/s3cret-key/index{i}.ts HTTP/1.1\r\nHost: x\r\n"
                "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode()
                + f"{len(payload):x}\r\n".encode()
                + payload
                + b"\r\n0\r\n\r\n"
            )
    deadline = time.monotonic() + 5
    while len([n for n in srv.files() if n.endswith(".ts")]) < 5:
        assert time.monotonic() < deadline, srv.files()
        time.sleep(0.02)
    assert all((srv.stream_dir / f"index{i}.ts").read_bytes() == payload for i in range(5))


# -- odd names and symlinks (issue 9, findings 6 and 12) ----------------------------------------


@pytest.mark.parametrize(
    "entry", ["ab\x00c.ts", "../secret.ts", "sub/index0.ts", ".hidden.ts", "rec_000000.ts",
              "index0.exe", "http://evil.example/x.ts"],
)  # fmt: skip
def test_playlist_naming_odd_files_is_400(make_server, entry: str) -> None:
    srv = make_server(record=True)
    assert httpx.put(f"{srv.base}/ingest/s3cret-key/ab.ts", content=b"G" * 188).status_code == 201
    playlist = f"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nab.ts\n#EXTINF:2.0,\n{entry}\n"
    r = httpx.put(f"{srv.base}/ingest/s3cret-key/index.m3u8", content=playlist.encode())
    assert r.status_code == 400, r.text  # a 500 "embedded null byte" before
    assert r.json()["error"]["code"] == "bad_playlist"
    assert srv.files() == ["ab.ts"]


def test_put_path_with_a_null_byte_is_400(make_server) -> None:
    srv = make_server()
    for path in ("/ingest/s3cret-key/ab%00c.ts", "/ingest/s3cret-key/index.m3u8%00.ts"):
        assert raw_request(srv.base, "PUT", path, b"G" * 188) == 400, path
    assert not srv.root.exists() or not [p for p in srv.root.rglob("*") if p.is_file()]


def test_hls_never_follows_symlinks(make_server, tmp_path: Path) -> None:
    srv = make_server()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.ts").write_bytes(b"top secret")
    (outside / "index.m3u8").write_text("#EXTM3U\n")
    srv.stream_dir.mkdir(parents=True)
    (srv.stream_dir / "index0.ts").symlink_to(outside / "secret.ts")
    (srv.root / "venue2").symlink_to(outside, target_is_directory=True)
    os.mkfifo(srv.stream_dir / "fifo.ts")  # not a regular file: never opened (would block)
    (srv.stream_dir / "index1.ts").write_bytes(b"G" * 188)
    for path in ("/hls/venue1/index0.ts", "/hls/venue2/secret.ts", "/hls/venue2/index.m3u8",
                 "/hls/venue1/fifo.ts"):
        r = httpx.get(srv.base + path)
        assert r.status_code == 404 and b"secret" not in r.content, path
    assert httpx.get(f"{srv.base}/hls/venue1/index1.ts").content == b"G" * 188
