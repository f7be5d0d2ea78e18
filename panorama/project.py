"""Projections with cv2.remap: equirectangular -> cube faces, faces -> equirectangular.

Remap tables depend only on the face size (the equirectangular is first resized to exactly
4n x 2n), so they are computed once per size and cached in fixed-point form.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from numpy.typing import NDArray

from panorama._types import Bgr, u8
from panorama.geometry import (
    FACES,
    direction,
    direction_to_face,
    equirect_yaw_pitch,
    face_to_equirect_maps,
)

Faces = dict[str, Bgr]
FixedMaps = tuple[NDArray[np.int16], NDArray[np.uint16]]
THUMB_SIZE = (480, 270)


def fit_equirect(equi: Bgr, n: int) -> Bgr:
    """Resize (area filter) to exactly 4n x 2n, the resolution a face of n px needs."""
    if equi.shape[:2] == (2 * n, 4 * n):
        return equi
    return u8(cv2.resize(equi, (4 * n, 2 * n), interpolation=cv2.INTER_AREA))


# A quarter turn of yaw is n columns of a 4n-wide equirect, so the front and right faces
# reuse the left face's table on the image viewed from column n or 2n (a zero-copy slice;
# no wrap-around is needed there).  Only four tables are kept: about 100 MB at 2048 px.
# Remap tables for 4096 px faces (16K inputs) would take 400 MB, so they are not cached.
CACHED_FACES = ("left", "back", "top", "bottom")
MAX_CACHED_FACE = 2048
QUARTER_TURNS = {"front": 1, "right": 2}


@lru_cache(maxsize=1)
def face_maps(n: int) -> dict[str, FixedMaps]:
    """Fixed-point remap tables for faces of size n from a 4n x 2n equirect (cached)."""
    maps: dict[str, FixedMaps] = {}
    for face in CACHED_FACES:
        x, y = face_to_equirect_maps(face, n, 4 * n, 2 * n)
        maps[face] = cv2.convertMaps(x, y, cv2.CV_16SC2)  # type: ignore[assignment]
    return maps


def clear_cache() -> None:
    """Free the cached remap tables (about 100 MB after a 2048 px face build)."""
    face_maps.cache_clear()


def equirect_to_face(equi: Bgr, face: str) -> Bgr:
    """One cube face; ``equi`` must be 4n x 2n (see :func:`fit_equirect`)."""
    n = equi.shape[0] // 2
    if n > MAX_CACHED_FACE:
        return _remap_in_strips(equi, face, n)
    maps = face_maps(n)
    if face in QUARTER_TURNS:
        equi = equi[:, QUARTER_TURNS[face] * n :]
        face = "left"
    map1, map2 = maps[face]
    return u8(cv2.remap(equi, map1, map2, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP))


def _remap_in_strips(equi: Bgr, face: str, n: int, rows: int = 512) -> Bgr:
    """Uncached path for very large faces: tables for a strip of rows at a time."""
    out = np.empty((n, n, 3), np.uint8)
    for top in range(0, n, rows):
        x, y = face_to_equirect_maps(face, n, 4 * n, 2 * n, (top, min(top + rows, n)))
        map1, map2 = cv2.convertMaps(x, y, cv2.CV_16SC2)
        strip = cv2.remap(equi, map1, map2, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
        out[top : top + rows] = strip
    return out


def downscale(face: Bgr, size: int) -> Bgr:
    if face.shape[0] == size:
        return face
    return u8(cv2.resize(face, (size, size), interpolation=cv2.INTER_AREA))


def fit_face(face: Bgr, size: int) -> Bgr:
    """Resize an input face to the level size (area filter when shrinking)."""
    if face.shape[0] == size:
        return face
    shrink = face.shape[0] > size
    method = cv2.INTER_AREA if shrink else cv2.INTER_CUBIC
    return u8(cv2.resize(face, (size, size), interpolation=method))


def faces_to_equirect(faces: Faces, width: int, height: int) -> Bgr:
    """Render an equirectangular image from six faces (used for previews of cube input)."""
    n = faces[FACES[0]].shape[0]
    strip = np.hstack(
        [cv2.copyMakeBorder(faces[f], 1, 1, 1, 1, cv2.BORDER_REPLICATE) for f in FACES]
    )
    yaw, pitch = equirect_yaw_pitch(width, height)
    r, u, f = direction(yaw, pitch)
    idx, a, b = direction_to_face(*np.broadcast_arrays(r, u, f))
    map_x = (a + 1) * (n / 2) + 0.5 + idx * (n + 2)
    map_y = (b + 1) * (n / 2) + 0.5
    out = cv2.remap(
        strip,
        map_x.astype(np.float32),
        map_y.astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return u8(out)


def equirect_preview(equi: Bgr, width: int) -> Bgr:
    return u8(cv2.resize(equi, (width, width // 2), interpolation=cv2.INTER_AREA))


def thumbnail(front: Bgr, size: tuple[int, int] = THUMB_SIZE) -> Bgr:
    """A 16:9 crop of the front face (a 90 deg horizontal field of view)."""
    width, height = size
    square = u8(cv2.resize(front, (width, width), interpolation=cv2.INTER_AREA))
    top = (width - height) // 2
    return square[top : top + height]


def cube_stripe(faces: Faces, size: int) -> Bgr:
    """Faces side by side in FACES order: PSV's ``{type: 'stripe'}`` cubemap format."""
    return np.hstack([downscale(faces[f], size) for f in FACES])
