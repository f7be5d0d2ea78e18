"""Read, validate and decode inputs into 8-bit BGR numpy arrays (OpenCV channel order).

Limits are checked from the image header *before* any pixel is decoded.  Conversion rules:

* CMYK and YCbCr: converted to RGB by Pillow (no colour management).
* 16-bit data: the high byte is kept (``v >> 8``).  Pillow already does this for 48-bit RGB
  PNGs; 16-bit grey (``I;16``, ``I``) follows the same rule.
* Transparency (RGBA, LA, PA, palette with transparency): alpha is dropped by compositing
  onto BLACK, so a masked-out nadir or zenith shows as a dark, shadow-like patch instead of
  a glaring white disc.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from panorama._types import Bgr, u8
from panorama.errors import PanoramaError
from panorama.geometry import MAX_INPUT_FACE, MAX_PIXELS, MAX_WIDTH, MIN_WIDTH

MAX_FILE_BYTES = 512 * 1024 * 1024
ASPECT_TOLERANCE = 0.01
ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
PILLOW_RGB_MODES = frozenset({"RGB", "CMYK", "YCbCr", "RGBX"})
GREY16_MODES = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I"})
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_STRIP_ROWS = 256


@dataclass(frozen=True)
class Header:
    """What we know about an input before decoding it."""

    data: bytes
    format: str
    mode: str
    width: int
    height: int


def read_input(path: Path) -> bytes:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PanoramaError("not_found", f"cannot read {path}: {exc.strerror}") from exc
    if not path.is_file():
        raise PanoramaError("not_found", f"{path} is not a file")
    if size > MAX_FILE_BYTES:
        raise PanoramaError("too_large", f"{path.name} is {size >> 20} MiB (limit 512 MiB)")
    return path.read_bytes()


def sha256_hex(*chunks: bytes) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def probe(data: bytes, name: str = "input") -> Header:
    """Parse the header only (no pixel decoding) and check the format."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt, mode, (width, height) = img.format or "", img.mode, img.size
    except Image.DecompressionBombError as exc:
        raise PanoramaError("too_large", f"{name}: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise PanoramaError("not_an_image", f"{name} is not a readable image") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise PanoramaError("truncated", f"{name}: damaged image header ({exc})") from exc
    if fmt not in ("JPEG", "PNG"):
        raise PanoramaError("unsupported_format", f"{name} is {fmt}; use JPEG or PNG")
    return Header(data, fmt, mode, width, height)


def check_equirect(header: Header, name: str = "input") -> None:
    w, h = header.width, header.height
    if w > MAX_WIDTH or w * h > MAX_PIXELS:
        raise PanoramaError("too_large", f"{name} is {w}x{h}; the limit is {MAX_WIDTH} px wide")
    if abs(w - 2 * h) > ASPECT_TOLERANCE * w:
        raise PanoramaError("bad_aspect", f"{name} is {w}x{h}; an equirectangular is 2:1")
    if w < MIN_WIDTH:
        raise PanoramaError("too_small", f"{name} is {w}x{h}; at least {MIN_WIDTH} px wide")


def check_face(header: Header, name: str, min_size: int) -> None:
    w, h = header.width, header.height
    if w > MAX_INPUT_FACE or h > MAX_INPUT_FACE:
        raise PanoramaError("too_large", f"face {name} is {w}x{h}; limit {MAX_INPUT_FACE}")
    if w != h:
        raise PanoramaError("bad_aspect", f"face {name} is {w}x{h}; faces must be square")
    if w < min_size:
        raise PanoramaError("too_small", f"face {name} is {w}x{h}; at least {min_size} px")


def jpeg_is_complete(data: bytes) -> bool:
    """True when the JPEG marker stream reaches its End Of Image marker."""
    if data[:2] != b"\xff\xd8":
        return False
    pos = 2
    while pos + 4 <= len(data):
        while data[pos + 1] == 0xFF and pos + 2 < len(data):
            pos += 1  # fill bytes
        marker = data[pos + 1]
        if marker == 0xD9:
            return True
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == 0xDA:  # start of scan: skip entropy-coded data to the next marker
            found = _JPEG_MARKER.search(data, pos)
            if found is None:
                return False
            pos = found.start()
        elif pos > len(data) or data[pos : pos + 1] != b"\xff":
            return False
    return pos + 2 <= len(data) and data[pos : pos + 2] == b"\xff\xd9"


def png_is_complete(data: bytes) -> bool:
    return data.rfind(b"IEND", -64) != -1


def decode(header: Header, name: str = "input") -> Bgr:
    """Decode to an 8-bit BGR array, applying the conversion rules of this module."""
    complete = jpeg_is_complete if header.format == "JPEG" else png_is_complete
    if not complete(header.data):
        raise PanoramaError("truncated", f"{name} is truncated (the file ends too early)")
    if header.format == "JPEG" and header.mode in ("RGB", "L"):
        flags = cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
        bgr = cv2.imdecode(np.frombuffer(header.data, np.uint8), flags)
        if bgr is not None and bgr.shape[:2] == (header.height, header.width):
            return u8(bgr)
    return _decode_with_pillow(header, name)


def _decode_with_pillow(header: Header, name: str) -> Bgr:
    try:
        with Image.open(io.BytesIO(header.data)) as img:
            img.load()
            return _to_bgr(img, name)
    except PanoramaError:
        raise
    except (OSError, SyntaxError, ValueError) as exc:
        raise PanoramaError("truncated", f"{name} cannot be decoded: {exc}") from exc


def _to_bgr(img: Image.Image, name: str) -> Bgr:
    mode = img.mode
    if mode == "P":
        mode = "RGBA" if "transparency" in img.info else "RGB"
        img = img.convert(mode)
    if mode in GREY16_MODES:
        return u8(cv2.cvtColor(_grey16_to_8(img), cv2.COLOR_GRAY2BGR))
    if mode in ("L", "1"):
        return u8(cv2.cvtColor(np.asarray(img.convert("L")), cv2.COLOR_GRAY2BGR))
    if mode in ALPHA_MODES:
        return _flatten_alpha(np.asarray(img.convert("RGBA")))
    if mode in PILLOW_RGB_MODES:
        return u8(cv2.cvtColor(np.asarray(img.convert("RGB")), cv2.COLOR_RGB2BGR))
    raise PanoramaError("unsupported_mode", f"{name} has pixel mode {img.mode!r}")


def _grey16_to_8(img: Image.Image) -> NDArray[np.uint8]:
    values = np.asarray(img)
    if values.dtype.byteorder == ">" or values.dtype.itemsize > 2:
        values = np.clip(values, 0, 65535).astype(np.uint16)
    return (values >> 8).astype(np.uint8)


def _flatten_alpha(rgba: NDArray[np.uint8]) -> Bgr:
    """Composite onto black (premultiply), strip by strip to bound memory."""
    out = np.empty((*rgba.shape[:2], 3), np.uint8)
    for top in range(0, rgba.shape[0], _STRIP_ROWS):
        strip = rgba[top : top + _STRIP_ROWS]
        alpha = strip[..., 3:4].astype(np.uint16)
        rgb = (strip[..., :3].astype(np.uint16) * alpha + 127) // 255
        out[top : top + _STRIP_ROWS] = rgb[..., ::-1]
    return out


def decode_jpeg_preview(header: Header, width: int) -> Bgr:
    """A width x width/2 BGR preview using libjpeg's DCT scaling (Pillow draft mode).

    Decoding at 1/2, 1/4 or 1/8 scale skips most of the work, so this runs alongside the
    full-resolution decode almost for free.
    """
    with Image.open(io.BytesIO(header.data)) as img:
        img.draft("RGB", (width, width // 2))
        img.load()
        rgb = np.asarray(img.convert("RGB"))
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    if bgr.shape[:2] != (width // 2, width):
        bgr = cv2.resize(bgr, (width, width // 2), interpolation=cv2.INTER_AREA)
    return u8(bgr)
