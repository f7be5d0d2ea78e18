"""Pure geometry: level plans, tile counts and face orientation as PSV defines it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from panorama.geometry import (
    FACES,
    direction_to_face,
    equirect_xy,
    face_vectors,
    plan_levels,
    plan_levels_for_width,
    tile_path,
    yaw_pitch,
)


def psv_texture_to_yaw_pitch(face: str, u: float, v: float) -> tuple[float, float]:
    """Independent transcription of PSV 5 CubemapAdapter.textureCoordsToSphericalCoords.

    u, v in [-1, 1] (left->right, top->bottom); flipTopBottom = false.
    """

    def yaw_pitch_psv(x: float, y: float, z: float) -> tuple[float, float]:
        dv = math.sqrt(x * x + y * y + z * z)
        return math.atan2(y / dv, x / dv), -math.asin(z / dv)

    args = {
        "front": (1, u, v),
        "right": (-u, 1, v),
        "left": (u, -1, v),
        "back": (-1, -u, v),
        "bottom": (v, -u, 1),
        "top": (-v, -u, -1),
    }[face]
    return yaw_pitch_psv(*args)


@pytest.mark.parametrize(
    ("width", "faces", "total_tiles"),
    [
        (2048, [(512, 1)], 6),
        (4096, [(512, 1), (1024, 2)], 30),
        (6000, [(512, 1), (1024, 2)], 30),
        (8192, [(512, 1), (1024, 2), (2048, 4)], 126),
        (16384, [(512, 1), (1024, 2), (2048, 4), (4096, 8)], 510),
    ],
)
def test_levels_and_tile_counts(width: int, faces: list[tuple[int, int]], total_tiles: int) -> None:
    levels = plan_levels_for_width(width)
    assert [(lv.face_size, lv.tiles_per_side) for lv in levels] == faces
    assert [lv.index for lv in levels] == list(range(len(faces)))
    assert sum(lv.tile_count for lv in levels) == total_tiles


def test_levels_respect_max_face_tile_size_and_psv_limit() -> None:
    assert [lv.face_size for lv in plan_levels_for_width(8192, max_face=1500)] == [512, 1024]
    assert [lv.face_size for lv in plan_levels_for_width(8192, max_face=512)] == [512]
    small = plan_levels_for_width(4096, tile_size=256)
    assert [(lv.face_size, lv.tiles_per_side) for lv in small] == [(256, 1), (512, 2), (1024, 4)]
    # PSV accepts at most 16 tiles per side; never build more than 4096 px faces.
    assert max(lv.tiles_per_side for lv in plan_levels(8192, tile_size=256)) == 16
    assert plan_levels(8192)[-1].face_size == 4096
    assert plan_levels(511) == []


def test_tile_path_counts_rows_then_columns() -> None:
    assert tile_path(2, "front", 1, 3) == "2/front/1_3.jpg"


@pytest.mark.parametrize("face", FACES)
def test_face_vectors_match_psv_texture_mapping(face: str) -> None:
    rng = np.random.default_rng(1)
    for u, v in rng.uniform(-0.999, 0.999, (200, 2)):
        r, up, f = face_vectors(face, np.float32(u), np.float32(v))
        yaw, pitch = yaw_pitch(r, up, f)
        want_yaw, want_pitch = psv_texture_to_yaw_pitch(face, float(u), float(v))
        assert float(pitch) == pytest.approx(want_pitch, abs=1e-5)
        if abs(want_pitch) < math.radians(89.9):
            delta = (float(yaw) - want_yaw + math.pi) % (2 * math.pi) - math.pi
            assert delta == pytest.approx(0.0, abs=1e-5)


@pytest.mark.parametrize(
    ("face", "yaw_deg", "pitch_deg"),
    [("front", 0, 0), ("right", 90, 0), ("back", 180, 0), ("left", -90, 0)],
)
def test_side_face_centres(face: str, yaw_deg: float, pitch_deg: float) -> None:
    yaw, pitch = yaw_pitch(*face_vectors(face, np.float32(0), np.float32(0)))
    assert math.degrees(float(pitch)) == pytest.approx(pitch_deg)
    assert math.degrees(float(yaw)) % 360 == pytest.approx(yaw_deg % 360)


def test_top_and_bottom_orientation() -> None:
    def view(face: str, u: float, v: float) -> tuple[float, float]:
        yaw, pitch = yaw_pitch(*face_vectors(face, np.float32(u), np.float32(v)))
        return round(math.degrees(float(yaw))) % 360, round(math.degrees(float(pitch)))

    assert view("top", 0, 0)[1] == 90
    assert view("bottom", 0, 0)[1] == -90
    # Top: first row touches the front face, its left column touches the right face.
    assert view("top", 0, -1) == (0, 45)
    assert view("top", -1, 0) == (90, 45)
    assert view("top", 0, 1) == (180, 45)
    # Bottom: first row touches the back face, last row the front one.
    assert view("bottom", 0, -1) == (180, -45)
    assert view("bottom", 0, 1) == (0, -45)
    assert view("bottom", -1, 0) == (90, -45)


def test_equirect_convention() -> None:
    width, height = 4000, 2000
    cases = [
        (0, 0, width / 2, height / 2),
        (90, 0, 0.75 * width, height / 2),
        (-90, 0, 0.25 * width, height / 2),
        (0, 90, width / 2, 0.0),
    ]
    for yaw, pitch, x_edge, y_edge in cases:
        rad_yaw, rad_pitch = np.radians(np.float32(yaw)), np.radians(np.float32(pitch))
        x, y = equirect_xy(rad_yaw, rad_pitch, width, height)
        assert float(x) + 0.5 == pytest.approx(x_edge, abs=1e-2)
        assert float(y) + 0.5 == pytest.approx(y_edge, abs=1e-2)


def test_direction_to_face_inverts_face_vectors() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.uniform(-0.99, 0.99, (2, 500)).astype(np.float32)
    for index, face in enumerate(FACES):
        idx, a2, b2 = direction_to_face(*face_vectors(face, a, b))
        assert (idx == index).all()
        np.testing.assert_allclose(a2, a, atol=1e-5)
        np.testing.assert_allclose(b2, b, atol=1e-5)
