"""End-to-end orientation: tiles on disk show the direction PSV expects at each pixel.

The input is a synthetic chart whose colour encodes the direction of every pixel, so the
expected colour of any face pixel follows from PSV's own texture mapping (transcribed in
test_panorama_geometry.psv_texture_to_yaw_pitch, repeated here to keep files independent).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import py360convert
import pytest
from PIL import Image

from panorama import build
from panorama.geometry import FACES
from panorama.project import equirect_to_face, fit_equirect
from panorama.synthetic import render_direction_chart

TOLERANCE = 6  # JPEG quality 95 on smooth gradients


def psv_direction(face: str, u: float, v: float) -> tuple[float, float, float]:
    """(right, up, forward) unit vector PSV shows at face point (u, v) in [-1, 1]."""
    x, y, z = {
        "front": (1, u, v),
        "right": (-u, 1, v),
        "left": (u, -1, v),
        "back": (-1, -u, v),
        "bottom": (v, -u, 1),
        "top": (-v, -u, -1),
    }[face]
    norm = math.sqrt(x * x + y * y + z * z)
    # PSV: yaw = atan2(y, x), pitch = -asin(z): forward = x, right = y, up = -z.
    return y / norm, -z / norm, x / norm


def expected_colour(face: str, u: float, v: float) -> np.ndarray:
    return 128 + 120 * np.array(psv_direction(face, u, v))


@pytest.fixture(scope="module")
def chart_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("orientation")
    source = root / "chart.png"
    render_direction_chart(4096).save(source)
    return build(source, root / "out", quality=95).path


def pixel(path: Path, x: int, y: int) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"), dtype=float)[y, x]


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("level", [0, 1])
def test_tiles_show_psv_directions(chart_build: Path, face: str, level: int) -> None:
    face_size, tile = 512 * 2**level, 512
    for fx, fy in [(0.5, 0.5), (0.02, 0.5), (0.98, 0.5), (0.5, 0.02), (0.5, 0.98), (0.2, 0.8)]:
        px, py = int(fx * face_size), int(fy * face_size)
        row, col = py // tile, px // tile
        got = pixel(chart_build / str(level) / face / f"{row}_{col}.jpg", px % tile, py % tile)
        u, v = (2 * px + 1) / face_size - 1, (2 * py + 1) / face_size - 1
        assert np.abs(got - expected_colour(face, u, v)).max() <= TOLERANCE, (face, fx, fy)


def test_named_directions(chart_build: Path) -> None:
    def centre(face: str) -> np.ndarray:
        return pixel(chart_build / "1" / face / "1_1.jpg", 0, 0)  # centre of a 1024 face

    straight = {
        "front": (0, 0, 1),
        "right": (1, 0, 0),
        "back": (0, 0, -1),
        "left": (-1, 0, 0),
        "top": (0, 1, 0),
        "bottom": (0, -1, 0),
    }
    for face, vec in straight.items():
        assert np.abs(centre(face) - (128 + 120 * np.array(vec))).max() <= TOLERANCE, face
    # The top face's edge adjacent to front is what lies just above the front face's top.
    top_edge = pixel(chart_build / "0" / "top" / "0_0.jpg", 256, 0)
    front_top = pixel(chart_build / "0" / "front" / "0_0.jpg", 256, 0)
    assert np.abs(top_edge - front_top).max() <= TOLERANCE
    # ... and the bottom face's first row continues the back face downwards.
    bottom_edge = pixel(chart_build / "0" / "bottom" / "0_0.jpg", 256, 0)
    back_bottom = pixel(chart_build / "0" / "back" / "0_0.jpg", 256, 511)
    assert np.abs(bottom_edge - back_bottom).max() <= TOLERANCE


def test_preview_and_thumbnail_face_forward(chart_build: Path) -> None:
    front = 128 + 120 * np.array([0, 0, 1])
    assert np.abs(pixel(chart_build / "preview.jpg", 512, 256) - front).max() <= TOLERANCE
    assert np.abs(pixel(chart_build / "thumb.jpg", 240, 135) - front).max() <= TOLERANCE
    right = 128 + 120 * np.array([1, 0, 0])
    assert np.abs(pixel(chart_build / "preview.jpg", 768, 256) - right).max() <= TOLERANCE
    base_right_centre = pixel(chart_build / "base.jpg", 2 * 256 + 128, 128)
    assert np.abs(base_right_centre - right).max() <= TOLERANCE


def test_agrees_with_py360convert() -> None:
    """Side faces equal py360convert's; PSV's top/bottom are its U/D rotated 180 degrees."""
    equi = np.asarray(render_direction_chart(2048))
    theirs = py360convert.e2c(equi, face_w=512, cube_format="dict")
    names = {"front": "F", "right": "R", "back": "B", "left": "L", "top": "U", "bottom": "D"}
    work = fit_equirect(equi, 512)
    for face in FACES:
        other = theirs[names[face]]
        if face in ("top", "bottom"):
            other = other[::-1, ::-1]
        diff = np.abs(equirect_to_face(work, face).astype(int) - other.astype(int))
        assert diff.mean() < 1.0, face


def test_uncached_strip_remap_matches_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    """Faces above MAX_CACHED_FACE (16K inputs) are remapped strip by strip, identically."""
    from panorama import project

    work = fit_equirect(np.asarray(render_direction_chart(2048)), 512)
    cached = {face: equirect_to_face(work, face) for face in FACES}
    monkeypatch.setattr(project, "MAX_CACHED_FACE", 256)
    for face in FACES:
        strips = project._remap_in_strips(work, face, 512, rows=96)
        assert np.abs(strips.astype(int) - cached[face].astype(int)).max() <= 1, face
        assert np.array_equal(equirect_to_face(work, face), strips)
