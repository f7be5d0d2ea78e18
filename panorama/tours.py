"""A lot's virtual tour: scenes, links between them, info markers, a floor plan; versioned.

Document (angles in degrees; yaw 0 is the centre of the panorama, growing to the right;
pitch up-positive; plan positions in floor-plan pixels, heading = the plan direction, in
degrees clockwise from the plan's "up", that the panorama's yaw 0 looks at)::

    {"lot_id": 7, "version": 3, "created_at": "2026-05-01T08:00:00.123Z", "author": "officer",
     "start_scene": "living",
     "floor_plan": {"id": "<sha24>.png", "width": 1200, "height": 800} | null,
     "scenes": [{"id": "living", "name": "客厅", "panorama": "<pano-id>",
                 "initial_view": {"yaw": 0, "pitch": 0, "fov": 90},
                 "plan": {"x": 300, "y": 420, "heading": 0} | null,
                 "video": "<sha24>.mp4" | null,
                 "links": [{"to": "bedroom", "yaw": 90, "pitch": -10}],
                 "markers": [{"id": "m1", "kind": "text" | "photo",
                              "category": "defect" | "fixture" | "info",
                              "yaw": 30, "pitch": 40, "title": "...", "text": "...",
                              "photo": "/media/photos/<sha24>.jpg" | null}]}]}

Every save writes a new immutable version (``tour:{lot}:v:<n>``, never overwritten), adds it
to a sorted set scored by the Redis server time of the save, and moves the
``tour:{lot}:current`` pointer, all in one optimistic transaction guarded by the version the
editor started from.  So the tour bidders saw at any moment can be shown again: by version
number or by time.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from PIL import Image
from redis.exceptions import WatchError

from panorama.store import (
    ASSET_ID,
    PANO_ID,
    PanoramaStore,
    floorplan_url,
    video_url,
)

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


# --- keys ------------------------------------------------------------------------------------
def current_key(lot_id: int) -> str:
    return f"tour:{{{lot_id}}}:current"


def version_key(lot_id: int, version: int) -> str:
    return f"tour:{{{lot_id}}}:v:{version}"


def versions_key(lot_id: int) -> str:
    return f"tour:{{{lot_id}}}:versions"


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


# --- the public view -------------------------------------------------------------------------
def tour_view(tour: dict[str, Any], store: PanoramaStore) -> dict[str, Any]:
    """The stored document plus URLs and each panorama's viewer manifest."""
    out = json.loads(json.dumps(tour))
    if out.get("floor_plan"):
        out["floor_plan"]["url"] = floorplan_url(out["floor_plan"]["id"])
    panoramas = {}
    for scene in out["scenes"]:
        scene["video_url"] = video_url(scene["video"]) if scene.get("video") else None
        panoramas[scene["panorama"]] = store.view(scene["panorama"])
    out["panoramas"] = panoramas
    return out


def iso_ms(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, tz=UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def parse_time(value: str) -> int:
    """ISO 8601 (naive = UTC) or epoch milliseconds -> epoch milliseconds."""
    if value.isascii() and value.isdigit():  # "²".isdigit() too, but int() refuses it
        return int(value)
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise TourError("invalid_time", "at must be an ISO 8601 time", "at", 400) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


# --- storage ---------------------------------------------------------------------------------
class Tours:
    def __init__(self, redis: aioredis.Redis, store: PanoramaStore) -> None:
        self.redis = redis
        self.store = store

    async def current_version(self, lot_id: int) -> int:
        return int(await self.redis.get(current_key(lot_id)) or 0)

    async def get(
        self, lot_id: int, version: int | None = None, at_ms: int | None = None
    ) -> dict[str, Any]:
        """The current tour, a given version, or the version that was current at ``at_ms``."""
        if at_ms is not None:
            found = await self.redis.zrevrangebyscore(
                versions_key(lot_id), at_ms, "-inf", start=0, num=1
            )
            if not found:
                raise TourError("no_tour", "This lot had no tour at that time", "at", 404)
            version = int(str(found[0]))
        elif version is None:
            version = await self.current_version(lot_id)
        raw = await self.redis.get(version_key(lot_id, version)) if version else None
        if raw is None:
            raise TourError("no_tour", "This lot has no such tour version", "version", 404)
        return dict(json.loads(raw))

    async def versions(self, lot_id: int) -> list[dict[str, Any]]:
        members: list[Any] = await self.redis.zrange(versions_key(lot_id), 0, -1)
        out = []
        for member in members:
            raw = await self.redis.get(version_key(lot_id, int(member)))
            if raw:
                doc = json.loads(raw)
                out.append(
                    {
                        "version": doc["version"],
                        "created_at": doc["created_at"],
                        "author": doc["author"],
                        "scenes": len(doc["scenes"]),
                    }
                )
        return out

    async def save(self, lot_id: int, data: Any, author: str, base_version: Any) -> dict[str, Any]:
        """Validate, then store as version current+1 if current is still ``base_version``."""
        if isinstance(base_version, bool) or not isinstance(base_version, int):
            raise TourError(
                "invalid_tour", "base_version (an integer) is required", "base_version", 400
            )
        tour = clean_tour(data)
        check_references(tour, self.store)
        try:
            return await self._commit(lot_id, tour, author, base_version)
        except WatchError:
            current = await self.current_version(lot_id)
            raise TourError(
                "version_conflict",
                f"Someone saved version {current} meanwhile; reload",
                "base_version",
                409,
            ) from None

    async def _commit(
        self, lot_id: int, tour: dict[str, Any], author: str, base: int
    ) -> dict[str, Any]:
        async with self.redis.pipeline(transaction=True) as pipe:
            await pipe.watch(current_key(lot_id))
            current = int(await pipe.get(current_key(lot_id)) or 0)
            if current != base:
                raise TourError(
                    "version_conflict",
                    f"The tour is at version {current}, not {base}; reload",
                    "base_version",
                    409,
                )
            seconds, micros = await pipe.time()
            last = await pipe.zrange(versions_key(lot_id), -1, -1, withscores=True)
            now = max(seconds * 1000 + micros // 1000, int(last[0][1]) + 1 if last else 0)
            doc = {
                "lot_id": lot_id,
                "version": current + 1,
                "created_at": iso_ms(now),
                "author": author,
                **tour,
            }
            pipe.multi()
            pipe.set(version_key(lot_id, current + 1), json.dumps(doc, ensure_ascii=False), nx=True)
            pipe.zadd(versions_key(lot_id), {str(current + 1): now})
            pipe.set(current_key(lot_id), current + 1)
            await pipe.execute()
        return doc
