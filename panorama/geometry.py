"""Pure cube-map geometry: faces, levels, tiles and the equirectangular <-> cube mapping.

Conventions (all tested):

* Directions use a right-handed viewer frame ``(R, U, F)``: R points to the viewer's right
  (yaw +90 deg), U to the zenith and F straight ahead (yaw 0, pitch 0).
* Equirectangular images: the centre column is yaw 0, yaw grows to the right (x), the first
  row is the zenith.  Pixel centres sit at integer coordinates.
* Cube faces are oriented exactly as Photo Sphere Viewer's CubemapAdapter /
  CubemapTilesAdapter show them with ``flipTopBottom: false``: see :func:`face_vectors`.
  The side faces are upright views; ``top`` has the front wall along its first row and
  ``bottom`` has the back wall along its first row (both rotated 180 deg from the common
  "cross" layout, which is why PSV offers ``flipTopBottom``).  Tile rows count from the top
  of the face image and columns from its left, as PSV's ``tileUrl(face, col, row, level)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FACES: tuple[str, ...] = ("left", "front", "right", "back", "top", "bottom")
TILE_URL_TEMPLATE = "{level}/{face}/{row}_{col}.jpg"
MAX_TILES_PER_SIDE = 16  # PSV CubemapTilesAdapter: nbTiles is a power of two <= 16
MIN_WIDTH = 2048
MAX_WIDTH = 16384
MAX_PIXELS = MAX_WIDTH * (MAX_WIDTH // 2)  # 134 Mpx: decompression-bomb guard
MAX_INPUT_FACE = 8192  # six-face input: larger faces are rejected before decoding
MAX_OUTPUT_FACE = MAX_WIDTH // 4  # 4096: the largest level we ever build

Array = NDArray[np.float32]


@dataclass(frozen=True)
class Level:
    """One resolution of the tile pyramid."""

    index: int
    face_size: int
    tiles_per_side: int

    @property
    def tile_count(self) -> int:
        return len(FACES) * self.tiles_per_side**2


def is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def face_size_for_width(width: int) -> int:
    """Native cube face size of an equirectangular image (same angular resolution)."""
    return width // 4


def top_face_size(source_face: int, tile_size: int, max_face: int | None = None) -> int:
    """Largest ``tile_size * 2**k`` not above the source (or ``max_face``); 0 if none fits."""
    limit = min(source_face, MAX_OUTPUT_FACE, max_face or source_face)
    size = 0
    candidate = tile_size
    while candidate <= limit and candidate // tile_size <= MAX_TILES_PER_SIDE:
        size = candidate
        candidate *= 2
    return size


def plan_levels(source_face: int, tile_size: int = 512, max_face: int | None = None) -> list[Level]:
    """Levels from smallest (one tile per face) to the largest face the source supports."""
    top = top_face_size(source_face, tile_size, max_face)
    levels: list[Level] = []
    size = tile_size
    while 0 < size <= top:
        levels.append(Level(len(levels), size, size // tile_size))
        size *= 2
    return levels


def plan_levels_for_width(
    width: int, tile_size: int = 512, max_face: int | None = None
) -> list[Level]:
    return plan_levels(face_size_for_width(width), tile_size, max_face)


def tile_path(level: int, face: str, row: int, col: int) -> str:
    return TILE_URL_TEMPLATE.format(level=level, face=face, row=row, col=col)


def face_coords(n: int) -> Array:
    """Normalised coordinates in [-1, 1] of the ``n`` pixel centres along a face side."""
    return ((np.arange(n, dtype=np.float32) + 0.5) * (2.0 / n) - 1.0).astype(np.float32)


def face_vectors(face: str, a: Array, b: Array) -> tuple[Array, Array, Array]:
    """Unnormalised (R, U, F) direction of face point (a: left->right, b: top->bottom).

    Mirrors PSV's ``CubemapAdapter.textureCoordsToSphericalCoords`` (flipTopBottom=false).
    """
    one = np.ones_like(a + b)
    table = {
        "front": (a, -b, one),
        "right": (one, -b, -a),
        "back": (-a, -b, -one),
        "left": (-one, -b, a),
        "top": (-a, one, -b),
        "bottom": (-a, -one, b),
    }
    if face not in table:
        raise ValueError(f"unknown face {face!r}")
    r, u, f = table[face]
    return np.broadcast_arrays(r, u, f)  # type: ignore[return-value]


def yaw_pitch(r: Array, u: Array, f: Array) -> tuple[Array, Array]:
    """Yaw (right-positive) and pitch (up-positive) in radians of a direction."""
    return np.arctan2(r, f), np.arctan2(u, np.hypot(r, f))


def direction(yaw: Array, pitch: Array) -> tuple[Array, Array, Array]:
    cos_p = np.cos(pitch)
    return cos_p * np.sin(yaw), np.sin(pitch), cos_p * np.cos(yaw)


def equirect_xy(yaw: Array, pitch: Array, width: int, height: int) -> tuple[Array, Array]:
    """Source pixel coordinates (pixel centres at integers) of yaw/pitch in an equirect."""
    x = (yaw * (1.0 / (2 * np.pi)) + 0.5) * width - 0.5
    y = (0.5 - pitch * (1.0 / np.pi)) * height - 0.5
    return x.astype(np.float32), y.astype(np.float32)


def equirect_yaw_pitch(width: int, height: int) -> tuple[Array, Array]:
    """Yaw per column (1, W) and pitch per row (H, 1) of an equirectangular image."""
    cols = (np.arange(width, dtype=np.float32) + 0.5) / width
    rows = (np.arange(height, dtype=np.float32) + 0.5) / height
    yaw = ((cols - 0.5) * (2 * np.pi)).astype(np.float32)[None, :]
    pitch = ((0.5 - rows) * np.pi).astype(np.float32)[:, None]
    return yaw, pitch


def face_to_equirect_maps(
    face: str, n: int, width: int, height: int, rows: tuple[int, int] | None = None
) -> tuple[Array, Array]:
    """cv2.remap maps sampling an equirect (width x height) into an ``n`` x ``n`` face.

    ``rows`` restricts them to face rows [start, stop).  x may fall outside [0, width) at the
    back seam (remap with BORDER_WRAP); y is clamped.  Computed in blocks of 256 rows so
    temporaries stay small.
    """
    start, stop = rows or (0, n)
    c = face_coords(n)
    map_x = np.empty((stop - start, n), np.float32)
    map_y = np.empty((stop - start, n), np.float32)
    for top in range(start, stop, 256):
        block = slice(top, min(top + 256, stop))
        r, u, f = face_vectors(face, c[None, :], c[block, None])
        out = slice(block.start - start, block.stop - start)
        map_x[out], map_y[out] = equirect_xy(*yaw_pitch(r, u, f), width, height)
    np.clip(map_y, 0, height - 1, out=map_y)
    return map_x, map_y


def direction_to_face(r: Array, u: Array, f: Array) -> tuple[NDArray[np.int64], Array, Array]:
    """Inverse of :func:`face_vectors`: face index (in FACES order) and (a, b) in [-1, 1]."""
    ar, au, af = np.abs(r), np.abs(u), np.abs(f)
    side = np.where(ar >= af, np.where(r > 0, 2, 0), np.where(f > 0, 1, 3))
    major = np.maximum(ar, af)
    idx = np.where(au > major, np.where(u > 0, 4, 5), side)
    with np.errstate(divide="ignore", invalid="ignore"):
        a, b = _face_ab(idx, r, u, f)
    return idx, a.astype(np.float32), b.astype(np.float32)


def _face_ab(idx: NDArray[np.int64], r: Array, u: Array, f: Array) -> tuple[Array, Array]:
    a = np.select(
        [idx == 1, idx == 3, idx == 2, idx == 0, idx == 4],
        [r / f, r / f, -f / r, -f / r, -r / u],
        default=r / u,
    )
    b = np.select(
        [idx == 1, idx == 3, idx == 2, idx == 0, idx == 4],
        [-u / f, u / f, -u / r, u / r, -f / u],
        default=-f / u,
    )
    return a, b
