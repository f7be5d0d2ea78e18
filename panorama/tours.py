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
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from panorama.keys import current_key, version_key, versions_key
from panorama.store import PanoramaStore, floorplan_url, video_url
from panorama.tour_rules import TourError, check_references, clean_tour


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


def start_scene(tour: dict[str, Any]) -> dict[str, Any] | None:
    """The scene a visitor starts in (the first one when start_scene names none)."""
    scenes = {s["id"]: s for s in tour.get("scenes", [])}
    return scenes.get(tour.get("start_scene", "")) or next(iter(scenes.values()), None)


def preview_url(pano_view: dict[str, Any] | None) -> str | None:
    """A panorama's equirectangular preview image (from PanoramaStore.view), if it has one."""
    if not pano_view or not pano_view.get("preview"):
        return None
    return f"{pano_view['url']}{pano_view['preview']}"


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

    async def poster(self, lot_id: int) -> str | None:
        """The URL of the start scene's equirectangular preview (the lot page shows it until
        the visitor opens the 3D viewer), or None without a tour."""
        try:
            tour = await self.get(lot_id)
        except TourError:
            return None
        start = start_scene(tour)
        return preview_url(self.store.view(start["panorama"]) if start else None)

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
            # not through the pipeline: a cluster pipeline refuses keyless commands (TIME)
            seconds, micros = await self.redis.time()
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
