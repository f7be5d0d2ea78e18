"""Synthetic but pleasant equirectangular rooms for demo tours and tests.

A box room around the camera is drawn as flat textures (four walls, floor, ceiling) in an
atlas; every equirectangular pixel is then mapped to the surface its ray hits (vectorised
ray-box intersection) and sampled with one ``cv2.remap``.  So the door(s), the window, the
floor markers and the room name painted on the front wall (in the CJK font of core.fonts,
so 客厅 reads as 客厅) all land in their correctly
projected positions.  Yaw 0 is the image centre and grows to the right, as in the pipeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from core.fonts import cjk_pil_font
from panorama._types import u8
from panorama.geometry import direction, equirect_yaw_pitch

F32 = NDArray[np.float32]
U8 = NDArray[np.uint8]
RGB = tuple[int, int, int]

# Room box in metres around the camera: x right, y up (eye level 0), z forward.
RIGHT, LEFT, FRONT, BACK, CEILING, FLOOR = 2.5, 2.2, 3.0, 2.6, 1.1, 1.5
WALLS = ("front", "right", "back", "left")
WALL_SHADE = (1.0, 0.92, 0.86, 0.95)
# (start, end) of each wall's "along" coordinate, which grows to the viewer's right.
WALL_SPAN = ((-LEFT, RIGHT), (-FRONT, BACK), (-RIGHT, LEFT), (-BACK, FRONT))
DOOR_HALF_WIDTH, DOOR_TOP = 0.45, 0.55
WINDOW_HALF_WIDTH, WINDOW_BOTTOM, WINDOW_TOP = 0.65, -0.6, 0.7
NAME_CENTRE_Y = 0.8  # above a door's top (DOOR_TOP), so a door straight ahead leaves it legible
PAD = 2  # replicated border around each texture in the atlas
NOISE = 256  # side of the tiled noise patch


@dataclass(frozen=True)
class Atlas:
    image: U8
    offsets: list[tuple[int, int]]  # (x, y) of each texture: 4 walls, floor, ceiling
    ppm: float  # texture pixels per metre


def render_room(
    name: str,
    width: int = 4096,
    wall_rgb: RGB = (206, 196, 178),
    doors: Sequence[float] = (180.0,),
    window_yaw: float | None = 90.0,
    markers: bool = True,
    seed: int = 0,
) -> Image.Image:
    """Render a 2:1 equirectangular RGB image of a box room (yaws in degrees)."""
    rng = np.random.default_rng(seed)
    ppm = max(100.0, width / 20)
    textures = [_wall(i, wall_rgb, ppm) for i in range(4)]
    for yaw in doors:
        _draw_door(textures, yaw, ppm)
    if window_yaw is not None:
        _draw_window(textures, window_yaw, ppm)
    _draw_name(textures[0], name, ppm)
    floor = _floor(ppm, rng, doors if markers else ())
    atlas = _atlas([*textures, floor, _ceiling(ppm)], ppm)
    map_x, map_y = _ray_maps(width, width // 2, atlas)
    rgb = u8(cv2.remap(atlas.image, map_x, map_y, cv2.INTER_LINEAR))
    return Image.fromarray(_add_noise(rgb, rng), "RGB")


def horizon_hit(yaw_deg: float) -> tuple[int, float, float]:
    """(wall index in WALLS, position along that wall, horizontal distance) of a level ray."""
    yaw = np.radians(yaw_deg)
    s, c = float(np.sin(yaw)), float(np.cos(yaw))
    hx = s / RIGHT if s > 0 else -s / LEFT
    hz = c / FRONT if c > 0 else -c / BACK
    wall = (1 if s > 0 else 3) if hx >= hz else (0 if c > 0 else 2)
    t = 1.0 / max(hx, hz)
    along = (s * t, -c * t, -s * t, c * t)[wall]
    return wall, along, t


# --- textures ---------------------------------------------------------------------------


def _px(metres: float, ppm: float) -> int:
    return int(round(metres * ppm))


def _wall(index: int, wall_rgb: RGB, ppm: float) -> U8:
    start, end = WALL_SPAN[index]
    w, h = _px(end - start, ppm), _px(CEILING + FLOOR, ppm)
    gradient = np.linspace(1.0, 0.94, h, dtype=np.float32)[:, None, None]
    colour = np.asarray(wall_rgb, np.float32) * WALL_SHADE[index] * gradient
    tex = np.broadcast_to(colour, (h, w, 3)).astype(np.uint8)
    tex[h - _px(0.1, ppm) :] = (236, 234, 228)  # skirting board
    return tex


def _wall_x(index: int, along: float, ppm: float) -> int:
    return _px(along - WALL_SPAN[index][0], ppm)


def _wall_y(y: float, ppm: float) -> int:
    return _px(CEILING - y, ppm)


def _clamped_centre(index: int, along: float, half: float) -> float:
    start, end = WALL_SPAN[index]
    return min(max(along, start + half + 0.1), end - half - 0.1)


def _draw_door(textures: list[U8], yaw: float, ppm: float) -> None:
    wall, along, _ = horizon_hit(yaw)
    centre = _clamped_centre(wall, along, DOOR_HALF_WIDTH + 0.07)
    draw = ImageDraw.Draw(img := Image.fromarray(textures[wall]))
    x0, x1 = (
        _wall_x(wall, centre - DOOR_HALF_WIDTH, ppm),
        _wall_x(wall, centre + DOOR_HALF_WIDTH, ppm),
    )
    y0, y1 = _wall_y(DOOR_TOP, ppm), _wall_y(-FLOOR, ppm)
    frame = _px(0.07, ppm)
    draw.rectangle((x0 - frame, y0 - frame, x1 + frame, y1), fill=(92, 62, 40))
    draw.rectangle((x0, y0, x1, y1), fill=(128, 86, 54))
    inset = _px(0.1, ppm)
    for top, bottom in (
        (y0 + inset, (y0 + y1) // 2 - inset // 2),
        ((y0 + y1) // 2 + inset // 2, y1 - inset),
    ):
        draw.rectangle(
            (x0 + inset, top, x1 - inset, bottom), outline=(104, 70, 44), width=max(1, frame // 3)
        )
    kx, ky, kr = _wall_x(wall, centre + 0.33, ppm), _wall_y(-0.5, ppm), _px(0.035, ppm)
    draw.ellipse((kx - kr, ky - kr, kx + kr, ky + kr), fill=(212, 180, 90))
    textures[wall] = np.asarray(img).copy()


def _draw_window(textures: list[U8], yaw: float, ppm: float) -> None:
    wall, along, _ = horizon_hit(yaw)
    centre = _clamped_centre(wall, along, WINDOW_HALF_WIDTH + 0.06)
    tex = textures[wall]
    x0, x1 = (
        _wall_x(wall, centre - WINDOW_HALF_WIDTH, ppm),
        _wall_x(wall, centre + WINDOW_HALF_WIDTH, ppm),
    )
    y0, y1 = _wall_y(WINDOW_TOP, ppm), _wall_y(WINDOW_BOTTOM, ppm)
    frame, bar = _px(0.06, ppm), _px(0.025, ppm)
    tex[y0 - frame : y1 + frame, x0 - frame : x1 + frame] = (245, 245, 242)
    sky = np.linspace(0.0, 1.0, y1 - y0, dtype=np.float32)[:, None, None]
    high, low = np.array((95, 150, 215), np.float32), np.array((200, 225, 245), np.float32)
    tex[y0:y1, x0:x1] = (high + (low - high) * sky).astype(np.uint8)
    xm, ym = (x0 + x1) // 2, _wall_y(0.05, ppm)
    tex[y0:y1, xm - bar : xm + bar] = (245, 245, 242)
    tex[ym - bar : ym + bar, x0:x1] = (245, 245, 242)


def _draw_name(tex: U8, name: str, ppm: float) -> None:
    """Paint ``name`` (Chinese or any script the CJK font covers) on the front wall above
    eye level, shrunk to fit the wall."""
    text = name or " "
    img = Image.fromarray(tex)
    draw = ImageDraw.Draw(img)
    font = _font(max(8, _px(0.32, ppm)))
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    max_width = _px(min(4.0, RIGHT + LEFT - 0.4), ppm)
    if right - left > max_width:
        font = _font(max(8, int(font.size * max_width / (right - left))))
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    cx, cy = _wall_x(0, 0.0, ppm), _wall_y(NAME_CENTRE_Y, ppm)
    xy = (cx - (left + right) // 2, cy - (top + bottom) // 2)
    draw.text(xy, text, fill=(58, 60, 74), font=font)
    tex[:] = np.asarray(img)


def _font(size: int) -> ImageFont.FreeTypeFont:
    return cjk_pil_font(size)


def _floor(ppm: float, rng: np.random.Generator, doors: Sequence[float]) -> U8:
    """Wooden planks running front to back; row 0 is the front wall, column 0 the left."""
    w, h = _px(LEFT + RIGHT, ppm), _px(FRONT + BACK, ppm)
    across = np.arange(w, dtype=np.float32) / (0.18 * ppm)
    plank = across.astype(np.int32)
    tint = rng.uniform(0.8, 1.1, plank.max() + 1).astype(np.float32)[plank]
    seam = np.where(across % 1.0 < 0.05, 0.6, 1.0).astype(np.float32)
    z = np.arange(h, dtype=np.float32)[:, None] / ppm
    grain = 1.0 + 0.05 * np.sin(z * 9.0 + plank[None, :] * 1.7)
    shade = (tint * seam)[None, :] * grain
    tex = (np.asarray((152, 106, 66), np.float32) * shade[..., None]).astype(np.uint8)
    img = Image.fromarray(tex)
    for yaw in doors:
        _draw_marker(ImageDraw.Draw(img), yaw, ppm)
    return np.asarray(img).copy()


def _draw_marker(draw: ImageDraw.ImageDraw, yaw: float, ppm: float) -> None:
    """An orange ring on the floor on the way to a door (a doorway cue)."""
    _, _, distance = horizon_hit(yaw)
    rad = np.radians(yaw)
    x, z = 0.6 * distance * np.sin(rad), 0.6 * distance * np.cos(rad)
    cx, cy = _px(x + LEFT, ppm), _px(FRONT - z, ppm)
    r, ring, dot = _px(0.28, ppm), _px(0.08, ppm), _px(0.06, ppm)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(245, 140, 30), width=max(1, ring))
    draw.ellipse((cx - dot, cy - dot, cx + dot, cy + dot), fill=(245, 140, 30))


def _ceiling(ppm: float) -> U8:
    """Off-white with a soft glow and a lamp above the camera; row 0 is the front wall."""
    w, h = _px(LEFT + RIGHT, ppm), _px(FRONT + BACK, ppm)
    x = np.arange(w, dtype=np.float32) / ppm - LEFT
    z = FRONT - np.arange(h, dtype=np.float32) / ppm
    r2 = x[None, :] ** 2 + z[:, None] ** 2
    glow = 1.0 + 0.12 * np.exp(-r2 / 0.5)
    tex = np.clip(np.asarray((226, 224, 218), np.float32) * glow[..., None], 0, 255)
    tex[r2 < 0.04] = (255, 250, 235)
    return tex.astype(np.uint8)


def _atlas(textures: list[U8], ppm: float) -> Atlas:
    """Walls side by side on the first row, floor and ceiling below (padded borders)."""
    padded = [cv2.copyMakeBorder(t, PAD, PAD, PAD, PAD, cv2.BORDER_REPLICATE) for t in textures]
    row1_h = padded[0].shape[0]
    width = max(sum(p.shape[1] for p in padded[:4]), padded[4].shape[1] + padded[5].shape[1])
    height = row1_h + max(padded[4].shape[0], padded[5].shape[0])
    image = np.zeros((height, width, 3), np.uint8)
    offsets: list[tuple[int, int]] = []
    x = 0
    for i, tex in enumerate(padded):
        if i == 4:
            x = 0
        y = 0 if i < 4 else row1_h
        image[y : y + tex.shape[0], x : x + tex.shape[1]] = tex
        offsets.append((x + PAD, y + PAD))
        x += tex.shape[1]
    return Atlas(image, offsets, ppm)


# --- ray casting --------------------------------------------------------------------------


def _ray_maps(width: int, height: int, atlas: Atlas) -> tuple[F32, F32]:
    """Atlas coordinates hit by the ray of every equirectangular pixel."""
    yaw, pitch = equirect_yaw_pitch(width, height)
    s, c = np.sin(yaw[0]), np.cos(yaw[0])
    hx = np.where(s > 0, s / RIGHT, -s / LEFT)
    hz = np.where(c > 0, c / FRONT, -c / BACK)
    h = np.maximum(hx, hz)
    wall = np.where(hx >= hz, np.where(s > 0, 1, 3), np.where(c > 0, 0, 2))
    along = np.choose(wall, [s / h, -c / h, -s / h, c / h])
    start = np.asarray([span[0] for span in WALL_SPAN], np.float32)[wall]
    offset_x = np.asarray([o[0] for o in atlas.offsets[:4]], np.float32)[wall]
    wall_x = (offset_x + (along - start) * atlas.ppm - 0.5).astype(np.float32)
    tan_p = np.tan(pitch[:, 0])
    wall_y = (CEILING - tan_p[:, None] / h[None, :]) * atlas.ppm - 0.5 + atlas.offsets[0][1]
    map_x = np.broadcast_to(wall_x, (height, width)).copy()
    map_y = wall_y.astype(np.float32)
    half = height // 2
    _cap(map_x[:half], map_y[:half], tan_p[:half], s, c, h, CEILING, atlas.offsets[5], atlas.ppm)
    _cap(map_x[half:], map_y[half:], -tan_p[half:], s, c, h, FLOOR, atlas.offsets[4], atlas.ppm)
    return map_x, map_y


def _cap(
    map_x: F32,
    map_y: F32,
    tan_p: F32,
    s: F32,
    c: F32,
    h: F32,
    plane: float,
    offset: tuple[int, int],
    ppm: float,
) -> None:
    """Overwrite maps where the ray hits the ceiling/floor plane at distance ``plane``."""
    hits = tan_p[:, None] > plane * h[None, :]
    reach = (plane / np.maximum(tan_p, 1e-6))[:, None]
    x = (reach * s[None, :] + LEFT) * ppm + offset[0] - 0.5
    y = (FRONT - reach * c[None, :]) * ppm + offset[1] - 0.5
    np.copyto(map_x, x.astype(np.float32), where=hits)
    np.copyto(map_y, y.astype(np.float32), where=hits)


def _add_noise(rgb: U8, rng: np.random.Generator) -> U8:
    """A little sensor-like noise (one tiled patch, cheap) so JPEGs behave like photos."""
    patch = rng.normal(0.0, 2.5, (NOISE, NOISE, 3)).astype(np.float32)
    h, w = rgb.shape[:2]
    band = np.tile(patch, (1, -(-w // NOISE), 1))[:, :w]
    for top in range(0, h, NOISE):
        strip = rgb[top : top + NOISE]
        strip[:] = cv2.add(strip, band[: strip.shape[0]], dtype=cv2.CV_8U)
    return rgb


def direction_colour(r: F32, u: F32, f: F32) -> NDArray[np.float32]:
    """Colour coding a unit direction: RGB = 128 + 120 * (right, up, forward)."""
    return np.stack(np.broadcast_arrays(128 + 120 * r, 128 + 120 * u, 128 + 120 * f), axis=-1)


def render_direction_chart(width: int = 2048) -> Image.Image:
    """A calibration panorama whose colour at every pixel encodes its direction.

    Smooth everywhere (no seam at the back, no singularity at the poles), so any
    mis-oriented or mirrored face is obvious numerically and visually.
    """
    yaw, pitch = equirect_yaw_pitch(width, width // 2)
    r, u, f = direction(yaw, pitch)
    return Image.fromarray(np.rint(direction_colour(r, u, f)).astype(np.uint8), "RGB")
