"""Validation of a tour document (pure, no Redis): scenes, links, markers, floor plan.

The document format is described in panorama/tours.py.
"""

from __future__ import annotations

import math
import re
from typing import Any

from PIL import Image

from panorama.store import ASSET_ID, PANO_ID, PanoramaStore

SCENE_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
PHOTO_URL = re.compile(r"/media/photos/[0-9a-f]{24}\.jpg")
MAX_SCENES, MAX_LINKS, MAX_MARKERS = 40, 12, 40
NAME_MAX, TITLE_MAX, TEXT_MAX = 60, 80, 1000
FOV_RANGE = (30.0, 90.0)
MARKER_KINDS = ("text", "photo")
MARKER_CATEGORIES = ("defect", "fixture", "info")


class TourError(Exception):
    """A refusal with a stable code, an HTTP status and the offending field."""

    def __init__(self, code: str, message: str, field: str = "", status: int = 422) -> None:
        super().__init__(message)
        self.code, self.message, self.field, self.status = code, message, field, status


# --- pure validation -------------------------------------------------------------------------
def clean_tour(data: Any) -> dict[str, Any]:
    """Validate and normalise an editor's tour document (structure only, no lookups)."""
    if not isinstance(data, dict):
        raise TourError("invalid_tour", "The tour must be a JSON object")
    scenes_raw = data.get("scenes")
    if not isinstance(scenes_raw, list):
        raise TourError("invalid_tour", "scenes must be a list", "scenes")
    if len(scenes_raw) > MAX_SCENES:
        raise TourError("too_many_scenes", f"A tour has at most {MAX_SCENES} scenes", "scenes")
    scenes = [_scene(s, f"scenes[{i}]") for i, s in enumerate(scenes_raw)]
    ids = [s["id"] for s in scenes]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate is not None:
        raise TourError("duplicate_scene", f"Scene id {duplicate!r} is used twice", "scenes")
    for i, scene in enumerate(scenes):
        _check_links(scene, set(ids), f"scenes[{i}]")
    return {
        "start_scene": _start(data.get("start_scene"), ids),
        "floor_plan": _floor_plan(data.get("floor_plan")),
        "scenes": scenes,
    }


def _start(value: Any, ids: list[str]) -> str | None:
    if not ids:
        if value not in (None, ""):
            raise TourError(
                "unknown_scene", "start_scene names a scene that does not exist", "start_scene"
            )
        return None
    if value in (None, ""):
        return ids[0]
    if value not in ids:
        raise TourError(
            "unknown_scene", f"start_scene {value!r} is not a scene of this tour", "start_scene"
        )
    return str(value)


def _floor_plan(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    name = value.get("id") if isinstance(value, dict) else None
    if not isinstance(name, str) or not _asset_name(name, ".png"):
        raise TourError(
            "invalid_floor_plan", "floor_plan.id must name an uploaded floor plan", "floor_plan"
        )
    return {"id": name}


def _asset_name(name: str, suffix: str) -> bool:
    stem, _, ext = name.partition(".")
    return "." + ext == suffix and ASSET_ID.fullmatch(stem) is not None


def _scene(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise TourError("invalid_scene", "Each scene must be an object", where)
    sid = raw.get("id")
    if not isinstance(sid, str) or not SCENE_ID.fullmatch(sid):
        raise TourError(
            "invalid_scene", "Scene ids are 1-32 letters, digits, - or _", f"{where}.id"
        )
    pano = raw.get("panorama")
    if not isinstance(pano, str) or not PANO_ID.fullmatch(pano):
        raise TourError(
            "invalid_panorama",
            "panorama must be the id of a processed panorama",
            f"{where}.panorama",
        )
    video = raw.get("video")
    if video is not None and not (isinstance(video, str) and _asset_name(video, ".mp4")):
        raise TourError("invalid_video", "video must name an uploaded MP4", f"{where}.video")
    links, markers = raw.get("links") or [], raw.get("markers") or []
    if not isinstance(links, list) or len(links) > MAX_LINKS:
        raise TourError("invalid_link", f"links: a list of at most {MAX_LINKS}", f"{where}.links")
    if not isinstance(markers, list) or len(markers) > MAX_MARKERS:
        raise TourError(
            "invalid_marker", f"markers: a list of at most {MAX_MARKERS}", f"{where}.markers"
        )
    return {
        "id": sid,
        "name": _text(raw.get("name"), NAME_MAX, f"{where}.name", required=True),
        "panorama": pano,
        "initial_view": _view(raw.get("initial_view"), f"{where}.initial_view"),
        "plan": _plan(raw.get("plan"), f"{where}.plan"),
        "video": video,
        "links": [_link(x, f"{where}.links[{i}]") for i, x in enumerate(links)],
        "markers": [_marker(x, f"{where}.markers[{i}]") for i, x in enumerate(markers)],
    }


def _text(value: Any, limit: int, field: str, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise TourError("invalid_text", "Text fields must be strings", field)
    value = value.strip()
    if required and not value:
        raise TourError("missing_name", "A name is required", field)
    if len(value) > limit:
        raise TourError("text_too_long", f"At most {limit} characters", field)
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise TourError("invalid_text", "Control characters are not allowed", field)
    return value


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TourError("invalid_angle", "Expected a finite number", field)
    return float(value)


def normal_yaw(value: float) -> float:
    """Yaw in degrees folded into [-180, 180)."""
    return round((value + 180.0) % 360.0 - 180.0, 4)


def _yaw_pitch(raw: dict[str, Any], field: str) -> tuple[float, float]:
    yaw = normal_yaw(_number(raw.get("yaw", 0), f"{field}.yaw"))
    pitch = _number(raw.get("pitch", 0), f"{field}.pitch")
    if not -90.0 <= pitch <= 90.0:
        raise TourError("invalid_angle", "pitch must lie in [-90, 90] degrees", f"{field}.pitch")
    return yaw, round(pitch, 4)


def _view(raw: Any, field: str) -> dict[str, float]:
    if raw is None:
        return {"yaw": 0.0, "pitch": 0.0, "fov": 90.0}
    if not isinstance(raw, dict):
        raise TourError("invalid_view", "initial_view must be an object", field)
    yaw, pitch = _yaw_pitch(raw, field)
    fov = _number(raw.get("fov", 90), f"{field}.fov")
    if not FOV_RANGE[0] <= fov <= FOV_RANGE[1]:
        raise TourError("invalid_view", "fov (vertical) must lie in [30, 90] degrees",
                        f"{field}.fov")
    return {"yaw": yaw, "pitch": pitch, "fov": round(fov, 4)}


def _plan(raw: Any, field: str) -> dict[str, float] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise TourError("invalid_plan", "plan must be an object", field)
    x, y = _number(raw.get("x"), f"{field}.x"), _number(raw.get("y"), f"{field}.y")
    heading = _number(raw.get("heading", 0), f"{field}.heading") % 360.0
    return {"x": round(x, 2), "y": round(y, 2), "heading": round(heading, 4)}


def _link(raw: Any, field: str) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("to"), str):
        raise TourError("invalid_link", "A link needs the target scene id in 'to'", field)
    yaw, pitch = _yaw_pitch(raw, field)
    return {"to": raw["to"], "yaw": yaw, "pitch": pitch}


def _marker(raw: Any, field: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise TourError("invalid_marker", "A marker must be an object", field)
    mid, kind, category = raw.get("id"), raw.get("kind", "text"), raw.get("category", "info")
    if not isinstance(mid, str) or not SCENE_ID.fullmatch(mid):
        raise TourError(
            "invalid_marker", "Marker ids are 1-32 letters, digits, - or _", f"{field}.id"
        )
    if kind not in MARKER_KINDS:
        raise TourError("invalid_marker", "kind must be text or photo", f"{field}.kind")
    if category not in MARKER_CATEGORIES:
        raise TourError(
            "invalid_marker", "category must be defect, fixture or info", f"{field}.category"
        )
    photo = raw.get("photo")
    if kind == "photo" and not (isinstance(photo, str) and PHOTO_URL.fullmatch(photo)):
        raise TourError(
            "invalid_marker", "A photo marker needs an uploaded photo", f"{field}.photo"
        )
    yaw, pitch = _yaw_pitch(raw, field)
    return {
        "id": mid,
        "kind": kind,
        "category": category,
        "yaw": yaw,
        "pitch": pitch,
        "title": _text(raw.get("title"), TITLE_MAX, f"{field}.title", required=True),
        "text": _text(raw.get("text"), TEXT_MAX, f"{field}.text"),
        "photo": photo if kind == "photo" else None,
    }


def _check_links(scene: dict[str, Any], ids: set[str], where: str) -> None:
    seen: set[str] = set()
    for i, link in enumerate(scene["links"]):
        field = f"{where}.links[{i}].to"
        if link["to"] == scene["id"]:
            raise TourError("self_link", "A scene cannot link to itself", field)
        if link["to"] not in ids:
            raise TourError("unknown_scene", f"Link to unknown scene {link['to']!r}", field)
        if link["to"] in seen:
            raise TourError("duplicate_link", f"Two links to {link['to']!r}", field)
        seen.add(link["to"])
    marker_ids = [m["id"] for m in scene["markers"]]
    if len(set(marker_ids)) != len(marker_ids):
        raise TourError(
            "duplicate_marker", "Marker ids must be unique in a scene", f"{where}.markers"
        )


def check_references(tour: dict[str, Any], store: PanoramaStore) -> None:
    """Everything the tour names must exist in the store; plan positions lie on the plan."""
    plan = tour["floor_plan"]
    if plan is not None:
        size = floor_plan_size(store, plan["id"])
        if size is None:
            raise TourError(
                "unknown_floor_plan", "That floor plan was never uploaded", "floor_plan.id"
            )
        plan["width"], plan["height"] = size
    for i, scene in enumerate(tour["scenes"]):
        where = f"scenes[{i}]"
        if not store.has_panorama(scene["panorama"]):
            raise TourError(
                "unknown_panorama", "That panorama does not exist (yet)", f"{where}.panorama"
            )
        if scene["video"] and store.video_file(scene["video"]) is None:
            raise TourError("unknown_video", "That video was never uploaded", f"{where}.video")
        _check_plan(scene["plan"], plan, f"{where}.plan")


def _check_plan(pos: dict[str, float] | None, plan: dict[str, Any] | None, field: str) -> None:
    if pos is None:
        return
    if plan is None:
        raise TourError("no_floor_plan", "Upload a floor plan before placing scenes", field)
    if not (0 <= pos["x"] <= plan["width"] and 0 <= pos["y"] <= plan["height"]):
        raise TourError("off_plan", "The position lies outside the floor plan", field)


def floor_plan_size(store: PanoramaStore, name: str) -> tuple[int, int] | None:
    path = store.floorplan_file(name)
    if path is None:
        return None
    with Image.open(path) as img:
        return int(img.width), int(img.height)
