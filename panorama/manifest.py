"""manifest.json: what a build folder contains and how a viewer should load it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from panorama.errors import PanoramaError
from panorama.geometry import FACES, TILE_URL_TEMPLATE, Level

MANIFEST_VERSION = 1
MANIFEST_NAME = "manifest.json"
PREVIEW_NAME = "preview.jpg"
THUMB_NAME = "thumb.jpg"
BASE_NAME = "base.jpg"

Manifest = dict[str, Any]


def make_manifest(
    pano_id: str,
    levels: list[Level],
    tile_size: int,
    quality: int,
    source: dict[str, Any],
    base_face: int,
) -> Manifest:
    return {
        "version": MANIFEST_VERSION,
        "type": "cubemap-tiles",
        "id": pano_id,
        "tile_size": tile_size,
        "quality": quality,
        "levels": [
            {"face_size": lv.face_size, "tiles_per_side": lv.tiles_per_side} for lv in levels
        ],
        "faces": list(FACES),
        "tile_url": TILE_URL_TEMPLATE,
        "flip_top_bottom": False,
        "preview": PREVIEW_NAME,
        "thumbnail": THUMB_NAME,
        "base": {"type": "stripe", "path": BASE_NAME, "face_size": base_face, "order": list(FACES)},
        "initial_view": {"yaw": 0, "pitch": 0, "fov": 90},
        "source": source,
    }


def write_manifest(folder: Path, manifest: Manifest) -> None:
    tmp = folder / f".{MANIFEST_NAME}.tmp"
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MANIFEST_NAME)


def read_manifest(path: Path | str) -> Manifest:
    """Load and sanity-check the manifest of a build folder (or the manifest file itself)."""
    path = Path(path)
    file = path / MANIFEST_NAME if path.is_dir() else path
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PanoramaError("bad_manifest", f"no readable manifest at {file}") from exc
    _validate(manifest, file)
    return manifest


def _validate(manifest: Any, file: Path) -> None:
    required = ("version", "type", "id", "tile_size", "levels", "faces", "tile_url", "source")
    if not isinstance(manifest, dict) or any(key not in manifest for key in required):
        raise PanoramaError("bad_manifest", f"{file} lacks required fields")
    if manifest["version"] != MANIFEST_VERSION or manifest["type"] != "cubemap-tiles":
        raise PanoramaError("bad_manifest", f"{file}: unsupported version or type")
