"""Generated test streams: a short HLS loop rendered with PyAV, pushed like a live encoder.

`render_loop()` encodes a few seconds of picture (a coloured room captioned in Chinese with the
venue and the room, e.g. 一号现场 · 客厅, and the home's title, drawn in the CJK font of core.fonts;
a moving bar and a running clock strip) and a tone into H.264/AAC MPEG-TS segments with PyAV's
bundled FFmpeg, so it works on a machine without an ffmpeg binary. `LoopPusher` then behaves
like `ffmpeg -f hls -method PUT`: every segment duration it PUTs the next segment under a new
name, then a sliding live playlist stamped with #EXT-X-PROGRAM-DATE-TIME (and a #EXT-X-
DISCONTINUITY where the loop starts over), and DELETEs segments that left the playlist. Used by
the demo (`python -m livestream.testsrc`, started by `python -m portal serve --demo`), the
tests and the benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import colorsys
import fractions
import hashlib
import json
import logging
import os
import signal
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
from PIL import Image, ImageDraw

from core.fonts import cjk_pil_font
from core.redis import cluster_from_env, connect
from livestream import keys
from livestream.demo import ORDINALS
from livestream.hls import parse_media_playlist

log = logging.getLogger(__name__)
LOOP_PLAYLIST = "loop.m3u8"
ROOM = "客厅"  # the demo feeds film the living room of each home


@dataclass(frozen=True)
class Caption:
    headline: str  # 一号现场 · 客厅
    subtitle: str  # the home: 朝阳区望京西园三区 3居室住宅


def caption_for(number: int, venue: str | None = None, room: str = ROOM) -> Caption:
    """Venue ``number`` (1-based) named ``venue`` (livestream.demo.venue_name: 一号现场 · the
    home's title) filming ``room``: the headline names the venue and the room."""
    default = f"{ORDINALS[number - 1]}号现场" if 1 <= number <= len(ORDINALS) else f"{number}号现场"
    short, _, home = (venue or default).partition(" · ")
    return Caption(f"{short or default} · {room}", home)


@dataclass(frozen=True)
class LoopSegment:
    path: Path
    duration: float


def render_loop(directory: Path, number: int, *, seconds: int = 8, fps: int = 15,
                size: tuple[int, int] = (640, 360), segment_seconds: int = 2,
                caption: Caption | None = None) -> list[LoopSegment]:
    """Render (once; reused if present) a loop of TS segments into `directory`."""
    caption = caption or caption_for(number)
    directory.mkdir(parents=True, exist_ok=True)
    playlist = directory / LOOP_PLAYLIST
    if not playlist.exists():
        tmp = directory / ".render"
        tmp.mkdir(exist_ok=True)
        _encode(tmp / LOOP_PLAYLIST, number, caption, seconds, fps, size, segment_seconds)
        for item in tmp.iterdir():
            os.replace(item, directory / item.name)  # the playlist last: it marks completion
        os.replace(directory / LOOP_PLAYLIST, playlist)
        tmp.rmdir()
    parsed = parse_media_playlist(playlist.read_text("utf-8"))
    return [LoopSegment(directory / s.uri, s.duration) for s in parsed.segments]


def _frame(number: int, i: int, fps: int, size: tuple[int, int],
           caption: Caption | None = None) -> Any:
    caption = caption or caption_for(number)
    w, h = size
    r, g, b = colorsys.hsv_to_rgb((number * 0.17) % 1.0, 0.45, 0.85)
    img = Image.new("RGB", size, (int(r * 255), int(g * 255), int(b * 255)))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, int(h * .72), w, h], fill=(120, 96, 70))  # floor
    draw.rectangle([int(w * .62), int(h * .2), int(w * .85), int(h * .55)], fill=(200, 225, 245))
    mid = int(w * .735)
    draw.line([(mid, int(h * .2)), (mid, int(h * .55))], fill=(90, 90, 90), width=3)
    x = int((i / (fps * 4)) % 1.0 * w)  # someone walking through the room
    draw.rectangle([x, int(h * .72) - 40, x + 24, int(h * .72)], fill=(30, 30, 30))
    _draw_caption(draw, caption, size)
    draw.text((24, h - 40), f"{i // fps:02d}.{i % fps:02d}", fill=(255, 255, 255),
              font=cjk_pil_font(max(10, h // 13)))
    return av.VideoFrame.from_ndarray(np.asarray(img), format="rgb24")


def caption_boxes(caption: Caption, size: tuple[int, int]) -> list[tuple[Any, tuple[int, int],
                                                                         str]]:
    """(font, top-left, text) of the headline and the subtitle, each shrunk to the width."""
    w, h = size
    out: list[tuple[Any, tuple[int, int], str]] = []
    y = h // 20
    for text, scale in ((caption.headline, 7), (caption.subtitle, 16)):
        if not text:
            continue
        px = max(10, h // scale)
        width = cjk_pil_font(px).getlength(text)
        if width > w - 48:
            px = max(8, int(px * (w - 48) / width))
        out.append((cjk_pil_font(px), (24, y), text))
        y += int(px * 1.35)
    return out


def _draw_caption(draw: ImageDraw.ImageDraw, caption: Caption, size: tuple[int, int]) -> None:
    for font, xy, text in caption_boxes(caption, size):
        draw.text(xy, text, fill=(255, 255, 255), font=font, stroke_width=max(1, font.size // 24),
                  stroke_fill=(40, 40, 40))


def _encode(target: Path, number: int, caption: Caption, seconds: int, fps: int,
            size: tuple[int, int], segment_seconds: int) -> None:
    out = av.open(str(target), "w", format="hls", options={
        "hls_time": str(segment_seconds), "hls_list_size": "0", "hls_playlist_type": "vod",
        "hls_segment_filename": str(target.parent / "seg%d.ts")})
    video = out.add_stream("libx264", rate=fps, options={
        "preset": "veryfast", "g": str(fps * segment_seconds), "sc_threshold": "0"})
    video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
    audio = out.add_stream("aac", rate=48000)
    audio.layout = "mono"
    sample = 0
    tone = 220 + 55 * number
    for i in range(seconds * fps):
        frame = _frame(number, i, fps, size, caption)
        frame.pts, frame.time_base = i, fractions.Fraction(1, fps)  # type: ignore[attr-defined]
        out.mux(video.encode(frame))
        while sample < (i + 1) * 48000 // fps:
            t = (np.arange(1024) + sample) / 48000
            pcm = (0.05 * np.sin(2 * np.pi * tone * t)).astype(np.float32).reshape(1, -1)
            aframe = av.AudioFrame.from_ndarray(pcm, format="flt", layout="mono")
            aframe.sample_rate, aframe.pts = 48000, sample
            out.mux(audio.encode(aframe))
            sample += 1024
    out.mux(video.encode())
    out.mux(audio.encode())
    out.close()


def null_packet(tag: int) -> bytes:
    """An MPEG-TS null packet (PID 0x1FFF, ignored by every demuxer) carrying `tag`: each
    pushed copy of a looped segment differs, as a real encoder's segments always do (the
    recording tells segments apart by content)."""
    payload = str(tag).encode().ljust(184, b"\xff")
    return b"\x47\x1f\xff\x10" + payload


class LoopPusher:
    """Push a rendered loop to `<base>/ingest/<key>/` forever, like a live HLS encoder."""

    def __init__(self, client: httpx.AsyncClient, key: str, segments: list[LoopSegment],
                 *, window: int = 5, playlist: str = "index.m3u8") -> None:
        self.client = client
        self.key = key
        self.segments = segments
        self.window = window
        self.playlist = playlist
        self.sequence = int(datetime.now(UTC).timestamp())  # like -hls_start_number_source epoch
        self.first = self.sequence
        self.live: list[tuple[int, float, datetime, bool]] = []  # (seq, duration, pdt, disc)
        self.pushed = 0

    async def push_one(self) -> float:
        """Upload the next segment and playlist; returns the segment's duration."""
        n = self.sequence - self.first
        seg = self.segments[n % len(self.segments)]
        name = f"live{self.sequence}.ts"
        body = seg.path.read_bytes() + null_packet(self.sequence)
        r = await self.client.put(f"/ingest/{self.key}/{name}", content=body)
        r.raise_for_status()
        self.live.append((self.sequence, seg.duration, datetime.now(UTC),
                          n > 0 and n % len(self.segments) == 0))
        gone = self.live[:-self.window]
        self.live = self.live[-self.window:]
        r = await self.client.put(f"/ingest/{self.key}/{self.playlist}",
                                  content=self.render().encode())
        r.raise_for_status()
        for seq, *_ in gone:
            await self.client.delete(f"/ingest/{self.key}/live{seq}.ts")
        self.sequence += 1
        self.pushed += 1
        return seg.duration

    def render(self) -> str:
        target = max(int(d + 0.999) for _, d, _, _ in self.live)
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}",
                 f"#EXT-X-MEDIA-SEQUENCE:{self.live[0][0]}"]
        for seq, duration, pdt, discontinuity in self.live:
            if discontinuity:
                lines.append("#EXT-X-DISCONTINUITY")
            lines.append("#EXT-X-PROGRAM-DATE-TIME:" + pdt.isoformat(timespec="milliseconds"))
            lines += [f"#EXTINF:{duration:.6f},", f"live{seq}.ts"]
        return "\n".join(lines) + "\n"

    async def run(self, stop: asyncio.Event, *, realtime: bool = True) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while not stop.is_set():
            try:
                duration = await self.push_one()
            except httpx.HTTPError as exc:  # portal restarting, key revoked: keep trying
                log.warning("push to %s… failed: %s", self.key[:6], exc)
                duration = 2.0
            next_at += duration if realtime else 0
            try:
                await asyncio.wait_for(stop.wait(), max(0.0, next_at - loop.time()))
            except TimeoutError:
                pass


async def push_all(base: str, feeds: list[tuple[str, list[LoopSegment]]],
                   stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        pushers = [LoopPusher(client, key, segments) for key, segments in feeds]
        await asyncio.gather(*(p.run(stop) for p in pushers))


async def _demo_feeds(data_dir: Path) -> list[tuple[str, list[LoopSegment]]]:
    """The demo event's ingest venues (keys from Redis) with their rendered loops."""
    redis = connect(os.environ["REDIS_URL"], cluster=cluster_from_env())
    try:
        event_id = await redis.get(keys.demo_event())
        if not event_id:
            return []
        event = json.loads(str(await redis.get(keys.meta(int(event_id)))))
    finally:
        await redis.aclose()
    feeds = []
    for venue in event["venues"]:
        if venue["source"] == "ingest":
            caption = caption_for(venue["id"], venue.get("name"))
            tag = hashlib.sha256(repr(caption).encode()).hexdigest()[:10]  # new name: re-render
            folder = data_dir / "demo-feed" / f"venue{venue['id']}-{tag}"
            segments = await asyncio.to_thread(render_loop, folder, venue["id"], caption=caption)
            feeds.append((venue["stream_key"], segments))
    return feeds


def main(argv: list[str] | None = None) -> int:
    """python -m livestream.testsrc --base URL: push the demo event's test streams until
    stopped (SIGTERM/SIGINT) or the parent process (the portal) goes away."""
    p = argparse.ArgumentParser(prog="python -m livestream.testsrc", description=main.__doc__)
    p.add_argument("--base", required=True, help="portal base URL, e.g. http://127.0.0.1:8000")
    p.add_argument("--data-dir", default=os.environ.get("DATA_DIR", "./var"))
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="testsrc: %(message)s")

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        parent = os.getppid()

        async def watch_parent() -> None:
            while not stop.is_set():
                if os.getppid() != parent:
                    stop.set()
                await asyncio.sleep(1)

        feeds = await _demo_feeds(Path(args.data_dir))
        if not feeds:
            print("testsrc: no demo event; nothing to push", file=sys.stderr)
            return
        await asyncio.gather(push_all(args.base, feeds, stop), watch_parent())

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
