"""The VOD recording of one stream: `recording.m3u8` plus hard links to the recorded segments.

Each new live segment is hard-linked (copied where links are impossible) as `rec_NNNNNN.<ext>`
beside the live files, so the encoder's DELETEs and the store's live cleanup never touch the
recording, and an encoder that restarts and reuses `index0.ts` cannot overwrite it.
fMP4 init sections are linked as `rec_init_NNNN.mp4`. While the stream runs the playlist is an
EVENT playlist; `finish()` turns it into a VOD playlist ending with #EXT-X-ENDLIST.
Not thread-safe: the store serialises calls per stream (an asyncio lock in the process and an
advisory file lock on the stream folder across processes). The playlist plus a small
`.recording.state` file are the whole state: another worker picks it up by reloading when the
playlist on disk is not the one this object last wrote (see `stale()`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections import deque
from dataclasses import replace
from pathlib import Path

from livestream.hls import MediaPlaylist, PlaylistError, Segment, parse_media_playlist
from livestream.hls import render_media_playlist as render

RECORDING_PLAYLIST = "recording.m3u8"
RECORDING_PREFIX = "rec_"
STATE_FILE = ".recording.state"

log = logging.getLogger(__name__)


def link_or_copy(src: Path, dst: Path) -> None:
    dst.unlink(missing_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


class Recording:
    """Segments are told apart by content (size + BLAKE2 digest), so a re-uploaded or re-listed
    segment is recorded once while a reused name with new content is recorded again."""

    def __init__(self, directory: Path, *, remember: int = 64) -> None:
        self.dir = directory
        self.path = directory / RECORDING_PLAYLIST
        self.segments: list[Segment] = []
        self.ended = False
        self._seen: deque[str] = deque(maxlen=remember)
        self._digests: dict[tuple[str, int, int, int], str] = {}
        self._map_key: str | None = None
        self._map_uri: str | None = None
        self._maps = 0
        self._last_sequence: int | None = None
        self._signature: tuple[int, int, int] | None = None
        self._load()

    def _disk_signature(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def stale(self) -> bool:
        """True if the playlist on disk is not what this object loaded or last wrote
        (another process recorded in between): reload before adding."""
        return self._disk_signature() != self._signature

    def reloaded(self) -> Recording:
        fresh = Recording(self.dir, remember=self._seen.maxlen or 64)
        fresh._digests.update(self._digests)
        return fresh

    def _load(self) -> None:
        self._signature = self._disk_signature()
        try:
            state = json.loads((self.dir / STATE_FILE).read_text("utf-8"))
            self._last_sequence = int(state["last_sequence"])
        except (OSError, ValueError, KeyError, TypeError):
            self._last_sequence = None
        try:
            parsed = parse_media_playlist(self.path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, PlaylistError):
            return
        self.segments = list(parsed.segments)
        self.ended = parsed.ended
        self._maps = len(parsed.map_uris)
        for seg in self.segments[-(self._seen.maxlen or 0) :]:
            key = self._content_key(self.dir / seg.uri)
            if key:
                self._seen.append(key)
        if self.segments and self.segments[-1].map_uri:
            self._map_uri = self.segments[-1].map_uri
            self._map_key = self._content_key(self.dir / self._map_uri)

    def add_from(self, live: MediaPlaylist) -> int:
        """Append the live playlist's segments not recorded yet; return how many were added."""
        added = 0
        for seg in live.segments:
            restarted = self._last_sequence is not None and seg.sequence <= self._last_sequence
            self._last_sequence = seg.sequence
            src = self.dir / seg.uri
            if "/" in seg.uri or seg.uri.startswith(".") or seg.uri.startswith(RECORDING_PREFIX):
                continue
            key = self._content_key(src)
            if key is None:
                log.warning("recording: segment %s listed but missing", src)
                continue
            if key in self._seen:
                continue
            map_uri = self._record_map(seg.map_uri)
            index = len(self.segments)
            ext = seg.uri.rsplit(".", 1)[-1]
            name = f"{RECORDING_PREFIX}{index:06d}.{ext}"
            link_or_copy(src, self.dir / name)
            discontinuity = seg.discontinuity or restarted or (self.ended and index > 0)
            self.ended = False
            self.segments.append(
                replace(seg, uri=name, sequence=index, discontinuity=discontinuity, map_uri=map_uri)
            )
            self._seen.append(key)
            added += 1
        return added

    def _record_map(self, live_map: str | None) -> str | None:
        if not live_map or "/" in live_map or live_map.startswith("."):
            return None
        key = self._content_key(self.dir / live_map)
        if key is None:
            return self._map_uri
        if key != self._map_key:
            self._maps += 1
            name = f"{RECORDING_PREFIX}init_{self._maps:04d}.mp4"
            link_or_copy(self.dir / live_map, self.dir / name)
            self._map_key, self._map_uri = key, name
        return self._map_uri

    def _content_key(self, path: Path) -> str | None:
        try:
            st = path.stat()
            ident = (path.name, st.st_ino, st.st_size, st.st_mtime_ns)
            if ident not in self._digests:
                digest = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
                self._digests[ident] = f"{st.st_size}:{digest}"
                if len(self._digests) > 4 * (self._seen.maxlen or 64):
                    del self._digests[next(iter(self._digests))]
        except OSError:
            return None
        return self._digests[ident]

    def render(self) -> str:
        return render(
            self.segments, playlist_type="VOD" if self.ended else "EVENT", ended=self.ended
        )

    def write(self) -> None:
        state = self.dir / f"{STATE_FILE}.part"
        state.write_text(json.dumps({"last_sequence": self._last_sequence}), "utf-8")
        os.replace(state, self.dir / STATE_FILE)
        tmp = self.dir / f".{RECORDING_PLAYLIST}.part"
        tmp.write_text(self.render(), "utf-8")
        os.replace(tmp, self.path)
        self._signature = self._disk_signature()

    def finish(self) -> None:
        self.ended = True
        self.write()
