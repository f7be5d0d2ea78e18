"""Floor plans: a PNG or JPEG upload becomes a content-addressed PNG at most 4096 px a side."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from core.errors import PortalError, TooLarge
from core.pixels import DEFAULT_MAX_IMAGE_PIXELS, check_pixels
from panorama.store import PanoramaStore

FLOORPLAN_MAX_PIXELS = 40_000_000
FLOORPLAN_MAX_SIDE = 4096


def save_floorplan(path: Path, store: PanoramaStore,
                   max_pixels: int = DEFAULT_MAX_IMAGE_PIXELS) -> tuple[str, int, int]:
    """A clean PNG of the upload; 413 too_many_pixels beyond ``max_pixels`` (the memory
    budget; never above 40 Mpx), from the header before anything is decoded."""
    try:
        with Image.open(path) as img:
            if img.format not in ("PNG", "JPEG"):
                raise UnidentifiedImageError
            check_pixels(img.width, img.height, min(max_pixels, FLOORPLAN_MAX_PIXELS),
                         "The floor plan")
            img.load()
            rgb = img.convert("RGB")
    except Image.DecompressionBombError:  # Pillow's own guard, beyond any budget of ours
        raise TooLarge("The floor plan has too many pixels", code="too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PortalError("The floor plan is not a readable PNG or JPEG image",
                          code="not_an_image", status=415) from None
    rgb.thumbnail((FLOORPLAN_MAX_SIDE, FLOORPLAN_MAX_SIDE))
    out = io.BytesIO()
    rgb.save(out, "PNG", optimize=True)
    blob = out.getvalue()
    name = hashlib.sha256(blob).hexdigest()[:24] + ".png"
    final = store.floorplans / name
    if not final.exists():
        tmp = store.uploads / f"{name}.{secrets.token_hex(4)}.tmp"
        tmp.write_bytes(blob)
        os.replace(tmp, final)
    return name, rgb.width, rgb.height
