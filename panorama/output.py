"""JPEG encoding and the atomic build folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

import cv2

from panorama._types import Bgr
from panorama.geometry import FACES, Level, tile_path

TileDone = Callable[[int], None]
WORKERS = max(2, min(4, os.cpu_count() or 2))


def encode_jpeg(image: Bgr, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()


def write_jpeg(path: Path, image: Bgr, quality: int) -> None:
    path.write_bytes(encode_jpeg(image, quality))


def face_tiles(level: Level, face: str, image: Bgr, tile_size: int) -> Iterator[tuple[str, Bgr]]:
    """(relative path, tile view) for every tile of one face at one level."""
    for row in range(level.tiles_per_side):
        for col in range(level.tiles_per_side):
            y, x = row * tile_size, col * tile_size
            yield (
                tile_path(level.index, face, row, col),
                image[y : y + tile_size, x : x + tile_size],
            )


def make_tile_dirs(root: Path, levels: list[Level]) -> None:
    for level in levels:
        for face in FACES:
            (root / str(level.index) / face).mkdir(parents=True, exist_ok=True)


class JpegWriter:
    """Encodes and writes JPEGs on a thread pool while the caller keeps computing.

    cv2.imencode releases the GIL, so encoding overlaps projection.  ``on_done(count)`` is
    only ever called from the caller's thread, in :meth:`finish`.
    """

    def __init__(self, root: Path, quality: int, on_done: TileDone | None = None) -> None:
        self.root = root
        self.quality = quality
        self.on_done = on_done
        self.pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="pano-jpeg")
        self.pending: set[Future[None]] = set()
        self.done = 0

    def __enter__(self) -> JpegWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, jobs: Iterable[tuple[str, Bgr]]) -> None:
        for rel, image in jobs:
            self.pending.add(self.pool.submit(write_jpeg, self.root / rel, image, self.quality))
        self.poll()

    def poll(self) -> None:
        """Surface the first error early, without blocking (progress is left to finish)."""
        for future in [f for f in self.pending if f.done()]:
            self.pending.discard(future)
            future.result()
            self.done += 1

    def finish(self) -> None:
        """Wait for every submitted file, reporting progress as files complete."""
        if self.on_done is not None:
            self.on_done(self.done)
        for future in as_completed(list(self.pending)):
            self.pending.discard(future)
            future.result()
            self.done += 1
            if self.on_done is not None:
                self.on_done(self.done)


@contextmanager
def staging_dir(final: Path) -> Iterator[Path]:
    """A temporary folder beside ``final``; removed unless the caller renamed it away."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    try:
        yield tmp
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def publish(tmp: Path, final: Path) -> bool:
    """Atomically rename the finished folder into place; False if another build won."""
    tmp.chmod(0o755)
    try:
        os.rename(tmp, final)
    except OSError:
        if (final / "manifest.json").is_file():
            return False
        raise
    return True


def tree_size(root: Path) -> tuple[int, int]:
    """(file count, total bytes) below ``root``."""
    count = total = 0
    for path in root.rglob("*"):
        if path.is_file():
            count += 1
            total += path.stat().st_size
    return count, total
