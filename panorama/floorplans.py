"""Floor plans: a PNG or JPEG upload becomes a content-addressed PNG at most 4096 px a side."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from core.errors import PortalError
from panorama.store import PanoramaStore

FLOORPLAN_MAX_PIXELS = 40_000_000
FLOORPLAN_MAX_SIDE = 4096


def save_floorplan(path: Path, store: PanoramaStore) -> tuple[str, int, int]:
    try:
        with Image.open(path) as img:
            if img.format not in ("PNG", "JPEG"):
                raise UnidentifiedImageError
            if img.width * img.height > FLOORPLAN_MAX_PIXELS:
                raise PortalError("The floor plan has too many pixels", code="too_large",
                                  status=413)
            img.load()
            rgb = img.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
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
