"""Pure helpers for HLS media playlists (RFC 8216): parse, validate, list URIs, render.

Only what the ingest store needs: media playlists as written by ffmpeg's HLS muxer (and most
encoders). Master playlists parse as a playlist with no segments; their variant URIs are listed
by `referenced_uris`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

_ATTR_RE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


class PlaylistError(ValueError):
    """The text is not an acceptable HLS playlist."""


@dataclass(frozen=True)
class Segment:
    uri: str
    duration: float
    sequence: int
    title: str = ""
    program_date_time: datetime | None = None
    discontinuity: bool = False
    map_uri: str | None = None  # EXT-X-MAP in effect for this segment (fMP4 init section)


@dataclass(frozen=True)
class MediaPlaylist:
    segments: tuple[Segment, ...]
    media_sequence: int = 0
    target_duration: int | None = None
    version: int | None = None
    playlist_type: str | None = None
    ended: bool = False
    map_uris: tuple[str, ...] = ()
    variant_uris: tuple[str, ...] = field(default=())  # non-empty only for master playlists


def parse_attributes(value: str) -> dict[str, str]:
    """Parse an attribute list (`KEY=VALUE,KEY="quoted"`), unquoting quoted values."""
    return {k: v[1:-1] if v.startswith('"') else v for k, v in _ATTR_RE.findall(value)}


def parse_program_date_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def validate_playlist(text: str) -> None:
    """Minimal validation: the first line must be `#EXTM3U` (a BOM is tolerated)."""
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    if first != "#EXTM3U":
        raise PlaylistError("playlist must start with #EXTM3U")


def parse_media_playlist(text: str) -> MediaPlaylist:
    """Parse a media playlist; raises PlaylistError if it does not start with #EXTM3U."""
    validate_playlist(text)
    segments: list[Segment] = []
    map_uris: list[str] = []
    variants: list[str] = []
    media_sequence = 0
    target: int | None = None
    version: int | None = None
    ptype: str | None = None
    ended = False
    duration: float | None = None
    title = ""
    pdt: datetime | None = None
    discontinuity = False
    current_map: str | None = None
    expect_variant = False
    for raw in text.lstrip("\ufeff").splitlines()[1:]:
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("#"):
            if expect_variant:
                variants.append(line)
                expect_variant = False
                continue
            segments.append(
                Segment(
                    uri=line,
                    duration=duration if duration is not None else 0.0,
                    sequence=media_sequence + len(segments),
                    title=title,
                    program_date_time=pdt,
                    discontinuity=discontinuity,
                    map_uri=current_map,
                )
            )
            duration, title, pdt, discontinuity = None, "", None, False
            continue
        tag, _, value = line.partition(":")
        if tag == "#EXTINF":
            dur, _, title = value.partition(",")
            try:
                duration = float(dur)
            except ValueError as exc:
                raise PlaylistError(f"bad #EXTINF duration: {dur!r}") from exc
            if not math.isfinite(duration) or duration < 0:
                raise PlaylistError(f"bad #EXTINF duration: {dur!r}")
        elif tag == "#EXT-X-PROGRAM-DATE-TIME":
            pdt = parse_program_date_time(value)
        elif tag == "#EXT-X-DISCONTINUITY":
            discontinuity = True
        elif tag == "#EXT-X-MAP":
            current_map = parse_attributes(value).get("URI")
            if current_map and current_map not in map_uris:
                map_uris.append(current_map)
        elif tag == "#EXT-X-MEDIA-SEQUENCE":
            media_sequence = _int(value, tag)
        elif tag == "#EXT-X-TARGETDURATION":
            target = _int(value, tag)
        elif tag == "#EXT-X-VERSION":
            version = _int(value, tag)
        elif tag == "#EXT-X-PLAYLIST-TYPE":
            ptype = value.strip()
        elif tag == "#EXT-X-ENDLIST":
            ended = True
        elif tag == "#EXT-X-STREAM-INF":
            expect_variant = True
        elif tag in ("#EXT-X-MEDIA", "#EXT-X-I-FRAME-STREAM-INF"):
            uri = parse_attributes(value).get("URI")
            if uri:
                variants.append(uri)
    return MediaPlaylist(
        segments=tuple(segments),
        media_sequence=media_sequence,
        target_duration=target,
        version=version,
        playlist_type=ptype,
        ended=ended,
        map_uris=tuple(map_uris),
        variant_uris=tuple(variants),
    )


def referenced_uris(playlist: MediaPlaylist | str) -> list[str]:
    """Every URI the playlist points at (init sections, segments, variants), in order, unique."""
    if isinstance(playlist, str):
        playlist = parse_media_playlist(playlist)
    seen: dict[str, None] = {}
    for uri in playlist.map_uris:
        seen.setdefault(uri, None)
    for seg in playlist.segments:
        seen.setdefault(seg.uri, None)
    for uri in playlist.variant_uris:
        seen.setdefault(uri, None)
    return list(seen)


def format_program_date_time(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds")


def render_media_playlist(
    segments: Iterable[Segment],
    *,
    playlist_type: str | None = None,
    ended: bool = False,
    media_sequence: int = 0,
) -> str:
    """Render a media playlist. EXT-X-MAP is written whenever the segments' map_uri changes."""
    segs = list(segments)
    target = max((math.ceil(s.duration - 1e-6) for s in segs), default=1)
    lines = ["#EXTM3U", "#EXT-X-VERSION:7" if any(s.map_uri for s in segs) else "#EXT-X-VERSION:3"]
    lines.append(f"#EXT-X-TARGETDURATION:{max(target, 1)}")
    lines.append(f"#EXT-X-MEDIA-SEQUENCE:{media_sequence}")
    if playlist_type:
        lines.append(f"#EXT-X-PLAYLIST-TYPE:{playlist_type}")
    current_map: str | None = None
    for seg in segs:
        if seg.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        if seg.map_uri and seg.map_uri != current_map:
            lines.append(f'#EXT-X-MAP:URI="{seg.map_uri}"')
            current_map = seg.map_uri
        if seg.program_date_time is not None:
            lines.append(
                f"#EXT-X-PROGRAM-DATE-TIME:{format_program_date_time(seg.program_date_time)}"
            )
        lines.append(f"#EXTINF:{seg.duration:.6f},{seg.title}")
        lines.append(seg.uri)
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def _int(value: str, tag: str) -> int:
    try:
        return int(value.strip())
    except ValueError as exc:
        raise PlaylistError(f"bad {tag} value: {value!r}") from exc
