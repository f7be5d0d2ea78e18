"""JPEG encoding and the atomic build folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
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


def tile_jobs(level: Level, faces: dict[str, Bgr], tile_size: int) -> Iterator[tuple[str, Bgr]]:
    """(relative path, tile view) for every tile of one level."""
    for face in FACES:
        image = faces[face]
        for row in range(level.tiles_per_side):
            for col in range(level.tiles_per_side):
                y, x = row * tile_size, col * tile_size
                tile = image[y : y + tile_size, x : x + tile_size]
                yield tile_path(level.index, face, row, col), tile


def make_tile_dirs(root: Path, levels: list[Level]) -> None:
    for level in levels:
        for face in FACES:
            (root / str(level.index) / face).mkdir(parents=True, exist_ok=True)


def write_all(
    root: Path, jobs: list[tuple[str, Bgr]], quality: int, on_done: TileDone | None = None
) -> None:
    """Encode and write files in a thread pool (cv2 releases the GIL while encoding).

    ``on_done`` is called from the calling thread after each file, with the count so far.
    """
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="pano-jpeg") as pool:
        futures = [pool.submit(write_jpeg, root / rel, img, quality) for rel, img in jobs]
        for done, future in enumerate(as_completed(futures), start=1):
            future.result()
            if on_done is not None:
                on_done(done)


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
