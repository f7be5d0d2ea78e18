"""On-disk store for HLS pushed over HTTP: `root/<stream_id>/<file>`.

Files are streamed to a hidden temp file in the stream's folder and renamed into place
(os.replace), so readers only ever see complete files. Sizes are enforced while streaming.
After each playlist upload, segments that no playlist references any more are deleted, except
the `keep_segments` newest (players may still be fetching them); in record mode every new
segment is first added to the stream's `recording.m3u8` (see livestream.recording).

Several worker processes (or hosts sharing the folder over a POSIX file system) may serve the
ingest routes at once: per-stream housekeeping runs under an advisory `fcntl.flock` on
`<root>/.<stream>.lock` besides the in-process asyncio lock, and the recording's state is on disk
(`recording.m3u8` + `.recording.state`), reloaded whenever another process changed it.
Segment and playlist files themselves are written atomically (temp file + rename).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import re
import secrets
import stat
import time
from collections.abc import AsyncIterable, Iterator
from pathlib import Path
from typing import BinaryIO

import aiofiles
from anyio.to_thread import run_sync as run_in_threadpool

from livestream.hls import MediaPlaylist, PlaylistError, parse_media_playlist, referenced_uris
from livestream.recording import RECORDING_PLAYLIST, RECORDING_PREFIX, Recording

KiB = 1024
MiB = 1024 * KiB
NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,64}\.(m3u8|ts|m4s|mp4|aac)")
STREAM_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
SEGMENT_EXTENSIONS = frozenset({"ts", "m4s", "mp4", "aac"})
STALE_PART_SECONDS = 600

log = logging.getLogger(__name__)


class IngestError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadName(IngestError):
    status = 400
    code = "bad_name"


class BadPlaylist(IngestError):
    status = 400
    code = "bad_playlist"


class TooLarge(IngestError):
    status = 413
    code = "too_large"


def is_valid_name(name: str) -> bool:
    return NAME_RE.fullmatch(name) is not None


def is_playlist(name: str) -> bool:
    return name.endswith(".m3u8")


class IngestStore:
    def __init__(
        self,
        root: Path,
        *,
        max_segment_bytes: int = 16 * MiB,
        max_playlist_bytes: int = 256 * KiB,
        keep_segments: int = 12,
        record: bool = False,
    ) -> None:
        self.root = Path(root).resolve()
        self.max_segment_bytes = max_segment_bytes
        self.max_playlist_bytes = max_playlist_bytes
        self.keep_segments = keep_segments
        self.record = record
        self._locks: dict[str, asyncio.Lock] = {}
        self._recordings: dict[str, Recording] = {}

    # -- names and paths -------------------------------------------------------------------

    def check_ingest_name(self, name: str) -> None:
        """Names an encoder may PUT or DELETE; the recording's files are reserved."""
        if not is_valid_name(name):
            raise BadName("file name must match [A-Za-z0-9_-]{1,64}.(m3u8|ts|m4s|mp4|aac)")
        if name == RECORDING_PLAYLIST or name.startswith(RECORDING_PREFIX):
            raise BadName(f"{RECORDING_PLAYLIST} and {RECORDING_PREFIX}* names are reserved")

    def limit_for(self, name: str) -> int:
        return self.max_playlist_bytes if is_playlist(name) else self.max_segment_bytes

    def stream_dir(self, stream_id: str) -> Path:
        if STREAM_ID_RE.fullmatch(stream_id) is None:
            raise ValueError(f"invalid stream id {stream_id!r}")
        return self.root / stream_id

    def path_for(self, stream_id: str, name: str) -> Path | None:
        """Path of a stored file for reading, or None if the id or name is not acceptable."""
        if STREAM_ID_RE.fullmatch(stream_id) is None or not is_valid_name(name):
            return None
        path = self.root / stream_id / name
        if path.parent.parent != self.root:  # belt and braces: the regexes forbid separators
            return None
        return path

    def _lock(self, stream_id: str) -> asyncio.Lock:
        return self._locks.setdefault(stream_id, asyncio.Lock())

    def _recording(self, stream_id: str) -> Recording:
        """The stream's recording, reloaded if another process wrote it (call under the lock)."""
        rec = self._recordings.get(stream_id)
        if rec is None:
            rec = Recording(self.stream_dir(stream_id))
        elif rec.stale():
            rec = rec.reloaded()
        self._recordings[stream_id] = rec
        return rec

    # -- operations ------------------------------------------------------------------------

    async def put(
        self,
        stream_id: str,
        name: str,
        chunks: AsyncIterable[bytes],
        *,
        content_length: int | None = None,
    ) -> Path:
        """Store one uploaded file; raises BadName, TooLarge or BadPlaylist (leaving nothing)."""
        self.check_ingest_name(name)
        limit = self.limit_for(name)
        if content_length is not None and content_length > limit:
            raise TooLarge(f"{name} is larger than {limit} bytes")
        directory = self.stream_dir(stream_id)
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / name
        if is_playlist(name):
            data = await _read_limited(chunks, limit, name)
            playlist = _parse_playlist(data)
            await run_in_threadpool(_write_atomic, target, data)
            async with self._lock(stream_id):
                await run_in_threadpool(self._after_playlist, stream_id, playlist)
        else:
            await _stream_to_file(chunks, target, limit)
        return target

    async def delete(self, stream_id: str, name: str) -> bool:
        """Delete a file the encoder no longer lists; True if it existed."""
        self.check_ingest_name(name)
        path = self.stream_dir(stream_id) / name
        try:
            await run_in_threadpool(path.unlink)
        except FileNotFoundError:
            return False
        return True

    async def finish(self, stream_id: str) -> Path | None:
        """End the stream's recording (#EXT-X-ENDLIST); its path, or None if nothing recorded."""
        directory = self.stream_dir(stream_id)
        async with self._lock(stream_id):
            if not (directory / RECORDING_PLAYLIST).exists():
                return None
            return await run_in_threadpool(self._finish_recording, stream_id)

    def _finish_recording(self, stream_id: str) -> Path:
        with stream_file_lock(self.root, stream_id):
            rec = self._recording(stream_id)
            self._close_recording(rec)
            return rec.path

    def _close_recording(self, rec: Recording) -> None:
        # Encoders may upload the final playlist while its last segment is still in flight:
        # take one more look at the live playlists before closing the recording.
        for path in sorted(rec.dir.glob("*.m3u8")):
            if path.name != RECORDING_PLAYLIST:
                try:
                    rec.add_from(parse_media_playlist(path.read_text("utf-8")))
                except (OSError, UnicodeDecodeError, PlaylistError):
                    continue
        rec.finish()

    # -- housekeeping (runs in a worker thread, under the stream's lock) -------------------

    def _after_playlist(self, stream_id: str, playlist: MediaPlaylist) -> None:
        with stream_file_lock(self.root, stream_id):
            if self.record and playlist.segments:
                rec = self._recording(stream_id)
                if rec.add_from(playlist):
                    rec.write()
            self.cleanup(stream_id)

    def cleanup(self, stream_id: str) -> list[str]:
        """Delete unreferenced live segments beyond the newest `keep_segments`; return names."""
        directory = self.stream_dir(stream_id)
        referenced: set[str] = set()
        candidates: list[tuple[float, str]] = []
        now = time.time()
        with os.scandir(directory) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") and name.endswith(".part"):
                    _remove_if_older(entry, now - STALE_PART_SECONDS)
                    continue
                if not is_valid_name(name) or name.startswith(RECORDING_PREFIX):
                    continue
                ext = name.rsplit(".", 1)[1]
                if ext == "m3u8":
                    if name != RECORDING_PLAYLIST:
                        referenced.update(_uris_of(Path(entry.path)))
                elif ext in SEGMENT_EXTENSIONS:
                    try:
                        candidates.append((entry.stat().st_mtime, name))
                    except FileNotFoundError:
                        continue
        stale = [n for _, n in sorted(candidates, reverse=True) if n not in referenced]
        removed = []
        for name in stale[self.keep_segments :]:
            try:
                (directory / name).unlink()
                removed.append(name)
            except FileNotFoundError:
                pass
        if removed:
            log.debug("stream %s: removed %d old segments", stream_id, len(removed))
        return removed


@contextlib.contextmanager
def stream_file_lock(root: Path, stream_id: str) -> Iterator[None]:
    """An exclusive advisory lock on `<root>/.<stream>.lock`, shared by every process on the
    host (outside the stream folder, so listings and cleanup never see it)."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / f".{stream_id}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


async def _read_limited(chunks: AsyncIterable[bytes], limit: int, name: str) -> bytes:
    buf = bytearray()
    async for chunk in chunks:
        buf += chunk
        if len(buf) > limit:
            raise TooLarge(f"{name} is larger than {limit} bytes")
    return bytes(buf)


def _parse_playlist(data: bytes) -> MediaPlaylist:
    try:
        playlist = parse_media_playlist(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadPlaylist("playlist is not UTF-8") from exc
    except PlaylistError as exc:
        raise BadPlaylist(str(exc)) from exc
    # Entries become file paths (recording, cleanup): only names this store accepts, so no
    # null byte, separator, dot-name or reserved recording name reaches the file system.
    for uri in referenced_uris(playlist):
        if not is_valid_name(uri) or uri.startswith(RECORDING_PREFIX):
            raise BadPlaylist(f"playlist entry {uri[:80]!r} is not a file name of this stream")
    return playlist


def open_nofollow(path: Path) -> BinaryIO:
    """``path`` opened for reading without following a symlink in its last two components
    (the stream directory and the file) and only when it is a regular file; raises
    FileNotFoundError otherwise. Never blocks on a FIFO (O_NONBLOCK)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        dir_fd = os.open(path.parent, flags | os.O_DIRECTORY)
        try:
            fd = os.open(path.name, flags | os.O_NONBLOCK, dir_fd=dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:  # ELOOP (a symlink), ENOTDIR, ENOENT ...
        raise FileNotFoundError(str(path)) from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise FileNotFoundError(str(path))
    return os.fdopen(fd, "rb")


def _temp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.part")


def _write_atomic(target: Path, data: bytes) -> None:
    tmp = _temp_path(target)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


async def _stream_to_file(chunks: AsyncIterable[bytes], target: Path, limit: int) -> None:
    tmp = _temp_path(target)
    size = 0
    try:
        async with aiofiles.open(tmp, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"{target.name} is larger than {limit} bytes")
                if chunk:
                    await out.write(chunk)
        await run_in_threadpool(os.replace, tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _uris_of(path: Path) -> list[str]:
    try:
        return referenced_uris(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, PlaylistError):
        return []


def _remove_if_older(entry: os.DirEntry[str], cutoff: float) -> None:
    try:
        if entry.stat().st_mtime < cutoff:
            os.unlink(entry.path)
    except FileNotFoundError:
        pass
