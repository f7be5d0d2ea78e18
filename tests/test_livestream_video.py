"""Real video pushed into venues of an event through the real portal (uvicorn subprocess with
the ffmpeg-safe HTTP protocol): ffmpeg's HLS muxer over PUT, and the PyAV loop pusher the demo
uses. The playlists are valid and playable (ffprobe / PyAV), wrong keys are refused, old
segments removed, the on-air timeline carries program date times, the recording closes."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from portal_helpers import actor, iso, lot_body, now_ms, run_async

from livestream.hls import parse_media_playlist
from livestream.testsrc import LoopPusher, render_loop

FFMPEG = shutil.which("ffmpeg")
FFPROBE = shutil.which("ffprobe")


@pytest.fixture
def event(portal: str, redis_url: str) -> tuple[httpx.Client, dict[str, Any]]:
    officer = actor(portal, redis_url, "video_officer", role="officer")
    lot = officer.post("/api/lots", json=lot_body()).json()
    r = officer.post("/api/events", json={
        "title": "视频测试", "description": "", "starts_at": iso(now_ms() - 1000),
        "ends_at": iso(now_ms() + 3600_000),
        "venues": [{"name": "A", "lot_id": lot["id"], "source": "ingest"},
                   {"name": "B", "lot_id": lot["id"], "source": "ingest"}]})
    assert r.status_code == 201, r.text
    return officer, r.json()


@pytest.mark.skipif(FFMPEG is None or FFPROBE is None, reason="needs Debian ffmpeg/ffprobe")
def test_ffmpeg_pushes_a_venue_through_the_portal(portal: str, event) -> None:
    officer, ev = event
    venue = ev["venues"][0]
    assert FFMPEG and FFPROBE
    # Exactly the README's command shape (no -http_persistent: ffmpeg closes after each PUT,
    # which the portal's HTTP protocol must still serve), with a generated source.
    proc = subprocess.run([
        FFMPEG, "-hide_banner", "-loglevel", "error", "-re",
        "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine",
        "-t", "7", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-sc_threshold", "0",
        "-c:a", "aac", "-f", "hls", "-hls_time", "1", "-hls_list_size", "3",
        "-hls_flags", "delete_segments+program_date_time+independent_segments",
        "-method", "PUT", venue["ingest_url"]], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    playback = portal + venue["playback_url"]
    live = httpx.get(playback)
    assert live.status_code == 200 and live.headers["cache-control"] == "no-cache"
    playlist = parse_media_playlist(live.text)
    assert playlist.ended and len(playlist.segments) == 3
    assert all(s.program_date_time is not None for s in playlist.segments)
    probe = subprocess.run([FFPROBE, "-v", "error", "-show_streams", "-of", "json", playback],
                           capture_output=True, text=True, timeout=30, check=True)
    assert {st["codec_name"] for st in json.loads(probe.stdout)["streams"]} == {"h264", "aac"}
    # old segments are gone from the live folder and from playback
    first = playlist.segments[0].sequence
    assert first >= 3
    assert httpx.get(playback.replace("index.m3u8", "index0.ts")).status_code == 404
    # the on-air switch records the venue's program date time at its live edge
    r = officer.post(f"/api/events/{ev['id']}/on-air", json={"venue_id": 1})
    entry = r.json()["entry"]
    last = playlist.segments[-1]
    assert last.program_date_time is not None
    edge_ms = last.program_date_time.timestamp() * 1000 + last.duration * 1000
    got = httpx.get(f"{portal}/api/events/{ev['id']}/timeline").json()["items"][0]
    assert got == entry and "1" in entry["edge"] and "2" not in entry["edge"]
    from core.timefmt import iso_to_ms

    assert abs(iso_to_ms(entry["edge"]["1"]) - edge_ms) <= 1
    # end: recordings close (VOD, ENDLIST), keys stop working
    assert officer.post(f"/api/events/{ev['id']}/end", json={}).status_code == 200
    view = httpx.get(f"{portal}/api/events/{ev['id']}").json()
    recording_url = view["venues"][0]["recording_url"]
    recording = parse_media_playlist(httpx.get(portal + recording_url).text)
    assert recording.ended and recording.playlist_type == "VOD" and len(recording.segments) >= 6
    assert "recording_url" not in view["venues"][1]
    duration = subprocess.run([FFPROBE, "-v", "error", "-show_entries", "format=duration",
                               "-of", "csv=p=0", portal + recording_url],
                              capture_output=True, text=True, timeout=30, check=True)
    assert abs(float(duration.stdout) - 7.0) < 0.8
    r = httpx.put(venue["ingest_url"], content=b"#EXTM3U\n")
    assert r.status_code == 403 and r.json()["error"]["code"] == "bad_stream_key"


def test_wrong_keys_are_refused(portal: str, event) -> None:
    _, ev = event
    for key in ("nope", "x" * 32, ev["venues"][0]["stream_key"][:-1] + "!"):
        r = httpx.put(f"{portal}/ingest/{key}/index.m3u8", content=b"#EXTM3U\n")
        assert r.status_code == 403, key
    assert httpx.delete(f"{portal}/ingest/{'y' * 32}/a.ts").status_code == 403
    assert httpx.get(portal + ev["venues"][0]["playback_url"]).status_code == 404


def test_loop_pusher_feeds_a_playable_live_venue(portal: str, event, tmp_path: Path) -> None:
    """The demo's PyAV test source (no ffmpeg binary needed) behaves like a live encoder."""
    _, ev = event
    venue = ev["venues"][1]
    segments = render_loop(tmp_path / "loop", 2, seconds=4, fps=10, size=(320, 180))
    assert len(segments) == 2 and all(abs(s.duration - 2) < 0.2 for s in segments)

    async def push(times: int) -> tuple[list[str], list[str]]:
        async with httpx.AsyncClient(base_url=portal) as client:
            pusher = LoopPusher(client, venue["stream_key"], segments, window=3)
            for _ in range(times):
                await pusher.push_one()
            every = [f"live{pusher.first + n}.ts" for n in range(times)]
            return every, [f"live{s}.ts" for s, *_ in pusher.live]

    every, listed = run_async(push(6))
    playlist = parse_media_playlist(httpx.get(portal + venue["playback_url"]).text)
    assert [s.uri for s in playlist.segments] == listed == every[-3:]
    assert [s.discontinuity for s in playlist.segments] == [False, True, False]  # loop wrap
    base = portal + venue["playback_url"].rsplit("/", 1)[0]
    assert [httpx.get(f"{base}/{name}").status_code for name in every] == [404] * 3 + [200] * 3
    with av.open(portal + venue["playback_url"]) as container:
        assert {s.type for s in container.streams} == {"video", "audio"}
        frames = 0
        for frame in container.decode(video=0):  # a live playlist never ends: stop at 50
            assert (frame.width, frame.height) == (320, 180)
            frames += 1
            if frames == 50:
                break
    assert frames == 50


def test_concurrent_pushers_on_six_venues(portal: str, redis_url: str, tmp_path: Path) -> None:
    """Six venues pushed at once (as in the demo): every playlist stays valid."""
    officer = actor(portal, redis_url, "six_officer", role="officer")
    lot = officer.post("/api/lots", json=lot_body()).json()
    ev = officer.post("/api/events", json={
        "title": "六现场", "description": "", "starts_at": iso(now_ms()),
        "ends_at": iso(now_ms() + 3600_000),
        "venues": [{"name": f"V{i}", "lot_id": lot["id"]} for i in range(6)]}).json()
    segments = render_loop(tmp_path / "loop", 1, seconds=4, fps=10, size=(320, 180))
    errors: list[BaseException] = []

    async def push_all() -> None:
        async with httpx.AsyncClient(base_url=portal) as client:
            pushers = [LoopPusher(client, v["stream_key"], segments) for v in ev["venues"]]
            for _ in range(4):
                await asyncio.gather(*(p.push_one() for p in pushers))

    thread = threading.Thread(target=lambda: _catch(errors, lambda: asyncio.run(push_all())))
    thread.start()
    thread.join(60)
    assert not errors, errors
    for venue in ev["venues"]:
        playlist = parse_media_playlist(httpx.get(portal + venue["playback_url"]).text)
        assert len(playlist.segments) == 4
        for seg in playlist.segments:
            r = httpx.get(f"{portal}/hls/{venue['playback_url'].split('/')[2]}/{seg.uri}")
            assert r.status_code == 200 and r.content[0] == 0x47


def _catch(errors: list[BaseException], fn: Any) -> None:
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001
        errors.append(exc)
