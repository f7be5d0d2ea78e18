"""The panorama store on disk: DATA_DIR/panoramas, its folders, ids and safe file lookup.

Layout (every name is content-addressed, so every file is immutable once written)::

    panoramas/<pano-id>/{manifest.json, preview.jpg, thumb.jpg, base.jpg}
    panoramas/<pano-id>/<level>/<face>/<row>_<col>.jpg
    panoramas/floorplans/<sha24>.png      floor-plan images (re-encoded, metadata dropped)
    panoramas/videos/<sha24>.mp4          360-degree videos, one per scene at most
    panoramas/uploads/                    uploads being received or waiting for a job

Nothing outside these patterns is ever served: ids and relative paths are matched against
strict regular expressions before any path is built, and the resolved path must still lie
under the store root.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

PANO_ID = re.compile(r"[0-9a-f]{20}(?:-t\d{3,4}-q\d{1,3}-f\d{1,5})?")
ASSET_ID = re.compile(r"[0-9a-f]{24}")
PANO_FILE = re.compile(
    r"manifest\.json|preview\.jpg|thumb\.jpg|base\.jpg"
    r"|\d{1,2}/(?:left|front|right|back|top|bottom)/\d{1,2}_\d{1,2}\.jpg"
)
CONTENT_TYPES = {".json": "application/json", ".jpg": "image/jpeg", ".png": "image/png",
                 ".mp4": "video/mp4"}
# Public manifest fields the viewer needs (the source hash and options stay private).
VIEW_FIELDS = ("id", "tile_size", "levels", "faces", "tile_url", "flip_top_bottom", "preview",
               "thumbnail", "base", "initial_view")


class PanoramaStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = (Path(data_dir) / "panoramas").resolve()
        self.floorplans = self.root / "floorplans"
        self.videos = self.root / "videos"
        self.uploads = self.root / "uploads"
        for folder in (self.root, self.floorplans, self.videos, self.uploads):
            folder.mkdir(parents=True, exist_ok=True)

    # --- lookups -------------------------------------------------------------------------
    def pano_file(self, pano_id: str, rel: str) -> Path | None:
        """The file ``rel`` of panorama ``pano_id``, or None (bad name, outside, missing)."""
        if not PANO_ID.fullmatch(pano_id) or not PANO_FILE.fullmatch(rel):
            return None
        return self._inside(self.root / pano_id / rel)

    def floorplan_file(self, name: str) -> Path | None:
        return self._asset(self.floorplans, name, ".png")

    def video_file(self, name: str) -> Path | None:
        return self._asset(self.videos, name, ".mp4")

    def has_panorama(self, pano_id: str) -> bool:
        return self.pano_file(pano_id, "manifest.json") is not None

    def manifest(self, pano_id: str) -> dict[str, Any] | None:
        path = self.pano_file(pano_id, "manifest.json")
        return None if path is None else _read_manifest(str(path), path.stat().st_mtime_ns)

    def view(self, pano_id: str) -> dict[str, Any] | None:
        """The manifest subset a viewer needs, with the folder's URL."""
        manifest = self.manifest(pano_id)
        if manifest is None:
            return None
        out = {k: manifest[k] for k in VIEW_FIELDS if k in manifest}
        out["url"] = pano_url(pano_id)
        return out

    def _asset(self, folder: Path, name: str, suffix: str) -> Path | None:
        stem, _, ext = name.partition(".")
        if "." + ext != suffix or not ASSET_ID.fullmatch(stem):
            return None
        return self._inside(folder / name)

    def _inside(self, path: Path) -> Path | None:
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root) or not resolved.is_file():
            return None
        return resolved


def pano_url(pano_id: str) -> str:
    return f"/panoramas/{pano_id}/"


def floorplan_url(name: str) -> str:
    return f"/panoramas/floorplans/{name}"


def video_url(name: str) -> str:
    return f"/panoramas/videos/{name}"


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix, "application/octet-stream")


@lru_cache(maxsize=512)
def _read_manifest(path: str, mtime_ns: int) -> dict[str, Any]:
    return dict(json.loads(Path(path).read_text(encoding="utf-8")))
