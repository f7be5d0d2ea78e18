"""Pure HLS helpers and IngestStore behaviour without HTTP (cleanup, recording, restarts)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from livestream.hls import (
    PlaylistError,
    parse_media_playlist,
    referenced_uris,
    render_media_playlist,
    validate_playlist,
)
from livestream.store import BadName, BadPlaylist, IngestStore, TooLarge

LIVE = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:41
#EXT-X-MAP:URI="init.mp4"
#EXT-X-PROGRAM-DATE-TIME:2026-11-26T05:29:30.120+0000
#EXTINF:1.960000,
live41.m4s
#EXTINF:2.000000,lot 7
live42.m4s
#EXT-X-DISCONTINUITY
#EXT-X-PROGRAM-DATE-TIME:2026-11-26T05:31:00.000Z
#EXTINF:1.5,
live43.m4s
"""


def test_parse_media_playlist() -> None:
    pl = parse_media_playlist(LIVE)
    assert pl.media_sequence == 41 and pl.target_duration == 2 and pl.version == 7
    assert not pl.ended
    assert [(s.uri, s.sequence, s.duration) for s in pl.segments] == [
        ("live41.m4s", 41, 1.96),
        ("live42.m4s", 42, 2.0),
        ("live43.m4s", 43, 1.5),
    ]
    first, second, third = pl.segments
    assert first.program_date_time == datetime(2026, 11, 26, 5, 29, 30, 120000, tzinfo=UTC)
    assert second.program_date_time is None and second.title == "lot 7"
    assert third.discontinuity and third.program_date_time is not None
    assert all(s.map_uri == "init.mp4" for s in pl.segments)
    assert referenced_uris(LIVE) == ["init.mp4", "live41.m4s", "live42.m4s", "live43.m4s"]


def test_parse_master_playlist_lists_variants() -> None:
    text = (
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nlow.m3u8\n"
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="fr",URI="audio.m3u8"\n'
    )
    assert referenced_uris(text) == ["low.m3u8", "audio.m3u8"]
    assert parse_media_playlist(text).segments == ()


@pytest.mark.parametrize("text", ["", "hello\n#EXTM3U\n", "<html>", "#EXTM3U8\n"])
def test_validate_rejects_non_playlists(text: str) -> None:
    with pytest.raises(PlaylistError):
        validate_playlist(text)


def test_bad_extinf_is_rejected() -> None:
    with pytest.raises(PlaylistError):
        parse_media_playlist("#EXTM3U\n#EXTINF:abc,\nx.ts\n")


def test_render_roundtrip() -> None:
    pl = parse_media_playlist(LIVE)
    text = render_media_playlist(pl.segments, playlist_type="VOD", ended=True)
    again = parse_media_playlist(text)
    assert again.ended and again.playlist_type == "VOD" and again.target_duration == 2
    assert [s.uri for s in again.segments] == [s.uri for s in pl.segments]
    assert [s.program_date_time for s in again.segments] == [
        s.program_date_time for s in pl.segments
    ]
    assert text.count("#EXT-X-MAP") == 1 and text.count("#EXT-X-DISCONTINUITY") == 1


# -- store -----------------------------------------------------------------------------------


async def body(data: bytes, chunk: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), chunk):
        yield data[start : start + chunk]


def live_playlist(first: int, count: int, *, ended: bool = False) -> bytes:
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:1", f"#EXT-X-MEDIA-SEQUENCE:{first}"]
    for i in range(first, first + count):
        lines += ["#EXTINF:1.000000,", f"index{i}.ts"]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return ("\n".join(lines) + "\n").encode()


async def push(store: IngestStore, seq: int, payload: bytes, window: int = 3) -> None:
    await store.put("v1", f"index{seq}.ts", body(payload))
    first = max(0, seq - window + 1)
    await store.put("v1", "index.m3u8", body(live_playlist(first, seq - first + 1)))


async def test_cleanup_keeps_referenced_and_newest_unreferenced(tmp_path: Path) -> None:
    store = IngestStore(tmp_path, keep_segments=2)
    for seq in range(10):
        await store.put("v1", f"index{seq}.ts", body(b"G" * 188))
        os.utime(tmp_path / "v1" / f"index{seq}.ts", (1000 + seq, 1000 + seq))
    await store.put("v1", "index.m3u8", body(live_playlist(3, 3)))  # refers to 3, 4, 5
    names = sorted(p.name for p in (tmp_path / "v1").iterdir())
    # 3-5 referenced; 8 and 9 are the two newest unreferenced (maybe not listed yet).
    assert names == sorted(["index.m3u8", "index3.ts", "index4.ts", "index5.ts", "index8.ts",
                            "index9.ts"])  # fmt: skip


async def test_limits_and_names(tmp_path: Path) -> None:
    store = IngestStore(tmp_path, max_segment_bytes=100, max_playlist_bytes=50)
    with pytest.raises(TooLarge):
        await store.put("v1", "a.ts", body(b"G" * 101, chunk=7))
    with pytest.raises(TooLarge):
        await store.put("v1", "a.ts", body(b""), content_length=101)
    with pytest.raises(TooLarge):
        await store.put("v1", "a.m3u8", body(b"#EXTM3U\n" + b"#" * 60))
    with pytest.raises(BadPlaylist):
        await store.put("v1", "a.m3u8", body(b"\xff\xfe"))
    for name in ["../a.ts", "a/b.ts", "recording.m3u8", "rec_1.ts", "a.m3u8.tmp", ".a.ts"]:
        with pytest.raises(BadName):
            await store.put("v1", name, body(b"G"))
        with pytest.raises(BadName):
            await store.delete("v1", name)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
    with pytest.raises(ValueError):
        store.stream_dir("../v1")
    assert store.path_for("v1", "../x.ts") is None and store.path_for("..", "x.ts") is None
    assert store.path_for("v1", "recording.m3u8") == tmp_path.resolve() / "v1" / "recording.m3u8"


async def test_recording_survives_deletes_server_and_encoder_restarts(tmp_path: Path) -> None:
    store = IngestStore(tmp_path, keep_segments=0, record=True)
    for seq in range(4):
        await push(store, seq, f"first-run-{seq}".encode())
        if seq >= 2:  # what ffmpeg's delete_segments does
            await store.delete("v1", f"index{seq - 2}.ts")
    rec = parse_media_playlist((tmp_path / "v1" / "recording.m3u8").read_text())
    assert rec.playlist_type == "EVENT" and not rec.ended
    assert [s.uri for s in rec.segments] == [f"rec_{i:06d}.ts" for i in range(4)]
    assert not (tmp_path / "v1" / "index0.ts").exists()

    # The server restarts (new store object), then the encoder restarts and reuses index0.ts.
    store = IngestStore(tmp_path, keep_segments=0, record=True)
    await push(store, 3, b"first-run-3")  # re-sent playlist: nothing new
    for seq in range(2):
        await push(store, seq, f"second-run-{seq}".encode())
    path = await store.finish("v1")
    assert path is not None
    rec = parse_media_playlist(path.read_text())
    assert rec.ended and rec.playlist_type == "VOD"
    assert len(rec.segments) == 6
    assert [s.discontinuity for s in rec.segments] == [False] * 4 + [True, False]
    contents = [(tmp_path / "v1" / s.uri).read_bytes() for s in rec.segments]
    assert contents == [b"first-run-0", b"first-run-1", b"first-run-2", b"first-run-3",
                        b"second-run-0", b"second-run-1"]  # fmt: skip


async def test_finish_without_recording(tmp_path: Path) -> None:
    assert await IngestStore(tmp_path).finish("v1") is None
    store = IngestStore(tmp_path, record=True)
    await store.put("v1", "index0.ts", body(b"G"))
    assert await store.finish("v1") is None  # no playlist seen yet: nothing recorded


async def test_finish_picks_up_a_segment_that_arrived_after_the_last_playlist(
    tmp_path: Path,
) -> None:
    store = IngestStore(tmp_path, record=True)
    await store.put("v1", "index0.ts", body(b"zero"))
    await store.put("v1", "index.m3u8", body(live_playlist(0, 2, ended=True)))  # index1 in flight
    await store.put("v1", "index1.ts", body(b"one"))
    path = await store.finish("v1")
    assert path is not None
    assert [s.uri for s in parse_media_playlist(path.read_text()).segments] == [
        "rec_000000.ts",
        "rec_000001.ts",
    ]
