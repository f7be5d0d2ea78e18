"""The one exception the panorama pipeline raises for bad input or a bad build folder."""

from __future__ import annotations

# Stable machine-readable codes; the portal can map them to user-facing messages.
ERROR_CODES: frozenset[str] = frozenset(
    {
        "not_found",  # input path does not exist
        "not_an_image",  # not a decodable image at all
        "unsupported_format",  # an image, but neither JPEG nor PNG
        "truncated",  # the file ends before the image data does
        "bad_aspect",  # equirectangular input not 2:1, or a cube face not square
        "too_small",  # below 2048 px wide (or faces below one tile)
        "too_large",  # above the pixel limit (decompression bomb guard)
        "unsupported_mode",  # a pixel mode we do not convert (e.g. float "F")
        "bad_faces",  # six-face input with missing, extra or mismatched faces
        "bad_option",  # invalid tile size, quality or max face
        "bad_manifest",  # a build folder without a valid manifest.json
    }
)


class PanoramaError(Exception):
    """A clear, user-presentable error with a stable ``code``."""

    def __init__(self, code: str, message: str) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown panorama error code: {code!r}")
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
