"""Lot photos: size-limited uploads, verified and re-encoded by Pillow (drops EXIF/GPS)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from core.errors import Invalid, TooLarge
from core.pixels import DEFAULT_MAX_IMAGE_PIXELS, check_pixels

MAX_PHOTO_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000


def save_photo(data: bytes, media_dir: Path,
               max_pixels: int = DEFAULT_MAX_IMAGE_PIXELS) -> str:
    """Validate an uploaded photo, store a clean JPEG by content hash; return its URL.
    More than ``max_pixels`` (the memory budget; never above 40 Mpx): 413 too_many_pixels,
    found from the header before anything is decoded."""
    if len(data) > MAX_PHOTO_BYTES:
        raise TooLarge("A photo may be at most 15 MB", code="photo_too_large")
    try:
        with Image.open(io.BytesIO(data)) as img:
            check_pixels(img.width, img.height, min(max_pixels, MAX_PIXELS), "The photo")
            img.load()
            rgb = img.convert("RGB")
    except Image.DecompressionBombError:  # Pillow's own guard, beyond any budget of ours
        raise TooLarge("The photo has too many pixels", code="too_many_pixels") from None
    except (UnidentifiedImageError, OSError):
        raise Invalid("That file is not a readable image", code="not_an_image") from None
    rgb.thumbnail((2400, 2400))
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=85, optimize=True)
    blob = out.getvalue()
    name = hashlib.sha256(blob).hexdigest()[:24] + ".jpg"
    folder = media_dir / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(blob)
        tmp.replace(path)
    return f"/media/photos/{name}"
