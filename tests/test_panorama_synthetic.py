"""Synthetic rooms: features land where their yaw says, deterministic, ASCII-safe."""

from __future__ import annotations

import numpy as np
import pytest

from panorama.synthetic import (
    FRONT,
    NAME_CENTRE_Y,
    horizon_hit,
    render_direction_chart,
    render_room,
)

W = 2048


@pytest.fixture(scope="module")
def room() -> np.ndarray:
    image = render_room("Salon", W, wall_rgb=(190, 200, 215), doors=[180.0, -60.0], seed=3)
    assert image.size == (W, W // 2) and image.mode == "RGB"
    return np.asarray(image, dtype=int)


def at(img: np.ndarray, yaw: float, pitch: float) -> np.ndarray:
    x = min(max(int((yaw / 360 + 0.5) * W) % W, 1), W - 2)
    y = min(max(int((0.5 - pitch / 180) * (W // 2)), 1), W // 2 - 2)
    return img[y - 1 : y + 2, x - 1 : x + 2].mean(axis=(0, 1))


def is_door(rgb: np.ndarray) -> bool:
    return bool(abs(rgb[0] - 128) < 20 and abs(rgb[1] - 86) < 20 and abs(rgb[2] - 54) < 20)


def test_features_in_projected_positions(room: np.ndarray) -> None:
    assert is_door(at(room, 180, 0)) and is_door(at(room, -60, 0))
    assert not is_door(at(room, 0, 0)) and not is_door(at(room, 120, 0))
    sky = at(room, 100, 10)  # the window is on the right wall (off its mullions)
    assert sky[2] > sky[0] + 40
    wall = at(room, 30, 0)
    assert np.abs(wall - (190, 200, 215)).max() < 25
    assert at(room, 0, 88).min() > 215  # light ceiling
    floor = at(room, 45, -70)
    assert floor[0] > floor[2] + 40  # wooden floor
    # The name is painted in dark letters on the front wall above eye level (and a door).
    name = np.degrees(np.arctan2(NAME_CENTRE_Y, FRONT))
    top, bottom = int(W / 2 * (0.5 - (name + 4) / 180)), int(W / 2 * (0.5 - (name - 4) / 180))
    band = room[top:bottom, W // 2 - 60 : W // 2 + 60]
    assert band.min() < 110 and band.max() > 150


def test_doorway_marker_on_the_floor() -> None:
    with_marker = np.asarray(render_room("A", W, doors=[0.0], window_yaw=None), dtype=int)
    without = np.asarray(render_room("A", W, doors=[0.0], window_yaw=None, markers=False))
    _, _, distance = horizon_hit(0.0)
    pitch = -np.degrees(np.arctan2(1.5, 0.6 * distance))  # eye 1.5 m above the floor
    assert np.abs(at(with_marker, 0, pitch) - (245, 140, 30)).max() < 30
    assert not np.array_equal(with_marker, without)


def test_deterministic_and_ascii_safe() -> None:
    a = np.asarray(render_room("Cuisine", 1024, seed=7))
    b = np.asarray(render_room("Cuisine", 1024, seed=7))
    assert np.array_equal(a, b)
    assert render_room("Küche – Wohnzimmer ✓", 1024).size == (1024, 512)


def test_direction_chart_encodes_directions() -> None:
    chart = np.asarray(render_direction_chart(1024), dtype=int)
    assert np.abs(chart[256, 512] - (128, 128, 248)).max() <= 1  # yaw 0: forward
    assert np.abs(chart[256, 768] - (248, 128, 128)).max() <= 1  # yaw 90: right
    assert np.abs(chart[0, 300] - (128, 248, 128)).max() <= 2  # zenith
