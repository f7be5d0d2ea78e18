"""The memory budget of image uploads: how many pixels one upload may decode.

Decoding costs memory in proportion to the pixel count, not the file size: a 391 KB PNG of
zeros can be 16384x8192 (134 Mpx), and the panorama build holds several full-size copies of
it (2.1 GB RSS measured). Every upload path reads the header lazily (Pillow's ``Image.open``
decodes nothing) and refuses an image beyond the budget with 413 ``too_many_pixels`` before
a single pixel is decoded. The budget is the setting ``MAX_IMAGE_PIXELS`` (portal/settings.py).
"""

from __future__ import annotations

from core.errors import TooLarge

DEFAULT_MAX_IMAGE_PIXELS = 40_000_000
"""e.g. 8944x4472: its panorama build peaks near 0.75 GB RSS (docs/security.md)."""


def check_pixels(width: int, height: int, budget: int, what: str = "The image") -> None:
    """Raise 413 ``too_many_pixels`` when ``width`` x ``height`` exceeds ``budget``."""
    if width * height > budget:
        raise TooLarge(f"{what} is {width}x{height} ({width * height:,} pixels); uploads may "
                       f"have at most {budget:,} pixels", code="too_many_pixels")
