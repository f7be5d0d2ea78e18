"""Virtual tours: the tour document (as sent and as served), panoramas, jobs and uploads.

Input fields are typed as loosely as panorama/tours.py accepts them: ranges, lengths and id
patterns are documented (``extra_json_schema``) but checked by the tour engine, so a refusal
keeps its specific code and field (``invalid_angle``, ``scenes[0].links[1].to`` ...).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from portal.schemas.common import Time


def _doc(description: str, **schema: Any) -> Meta:
    """Documented constraints that the tour engine (not msgspec) enforces."""
    return Meta(description=description, extra_json_schema=schema or None)


Yaw = Annotated[float, _doc("degrees, 0 = panorama centre, right-positive (folded into "
                            "[-180, 180) when saved)")]
Pitch = Annotated[float, _doc("degrees, up-positive", minimum=-90, maximum=90)]
Fov = Annotated[float, _doc("vertical field of view, degrees", minimum=30, maximum=90)]
Heading = Annotated[float, _doc("plan direction (degrees clockwise from up) of yaw 0")]
SceneId = Annotated[str, _doc("1-32 letters, digits, - or _", pattern="^[A-Za-z0-9_-]{1,32}$")]
PanoId = Annotated[str, _doc("id of a processed panorama (from a finished job)",
                             pattern=r"^[0-9a-f]{20}(-t\d{3,4}-q\d{1,3}-f\d{1,5})?$")]
VideoId = Annotated[str, _doc("id from POST /upload/videos", pattern=r"^[0-9a-f]{24}\.mp4$")]
FloorPlanId = Annotated[str, _doc("id from POST /upload/floorplans",
                                  pattern=r"^[0-9a-f]{24}\.png$")]
PhotoUrl = Annotated[str, _doc("URL from POST /upload/photos",
                               pattern=r"^/media/photos/[0-9a-f]{24}\.jpg$")]
FileUrl = Annotated[str, Meta(description="served with Cache-Control: public, max-age=31536000, "
                                          "immutable")]


# --- the tour as an editor sends it (PUT /api/lots/{lot_id}/tour) ----------------------------
class TourViewIn(Struct):
    yaw: Yaw | UnsetType = UNSET
    pitch: Pitch | UnsetType = UNSET
    fov: Fov | UnsetType = UNSET


class TourPlanIn(Struct):
    """Where the scene lies on the floor plan (pixels; needs a floor plan, inside it)."""

    x: float
    y: float
    heading: Heading | UnsetType = UNSET


class TourLinkIn(Struct):
    to: Annotated[str, Meta(description="target scene id (must exist, not the scene itself)")]
    yaw: Yaw | UnsetType = UNSET
    pitch: Pitch | UnsetType = UNSET


class TourMarkerIn(Struct):
    id: SceneId
    title: Annotated[str, Meta(description="1-80 characters after trimming")]
    kind: Annotated[str, _doc("default text", enum=["text", "photo"])] | UnsetType = UNSET
    category: Annotated[str, _doc("default info", enum=["defect", "fixture", "info"])] \
        | UnsetType = UNSET
    yaw: Yaw | UnsetType = UNSET
    pitch: Pitch | UnsetType = UNSET
    text: Annotated[str, Meta(description="at most 1000 characters")] | None | UnsetType = UNSET
    photo: Annotated[PhotoUrl, Meta(description="required when kind is photo")] | None \
        | UnsetType = UNSET


class TourSceneIn(Struct):
    id: SceneId
    name: Annotated[str, Meta(description="1-60 characters after trimming")]
    panorama: PanoId
    initial_view: TourViewIn | None | UnsetType = UNSET
    plan: TourPlanIn | None | UnsetType = UNSET
    video: VideoId | None | UnsetType = UNSET
    links: Annotated[list[TourLinkIn], _doc("at most 12", maxItems=12)] | None \
        | UnsetType = UNSET
    markers: Annotated[list[TourMarkerIn], _doc("at most 40", maxItems=40)] | None \
        | UnsetType = UNSET


class TourFloorPlanIn(Struct):
    id: FloorPlanId


class TourIn(Struct):
    """A new version of the tour; unknown fields (e.g. those of a served tour) are ignored."""

    base_version: Annotated[int, Meta(description=(
        "the version the edit started from (0 for a new tour); a stale one is refused with "
        "409 version_conflict"))]
    scenes: Annotated[list[TourSceneIn], _doc("at most 40", maxItems=40)]
    start_scene: Annotated[str, Meta(description="a scene id; default the first scene")] \
        | None | UnsetType = UNSET
    floor_plan: TourFloorPlanIn | None | UnsetType = UNSET


# --- the tour as served ----------------------------------------------------------------------
class TourViewAngles(Struct):
    yaw: float
    pitch: float
    fov: float


class TourPlan(Struct):
    x: float
    y: float
    heading: float


class TourLink(Struct):
    to: str
    yaw: float
    pitch: float


class TourMarker(Struct):
    id: str
    kind: Literal["text", "photo"]
    category: Literal["defect", "fixture", "info"]
    yaw: float
    pitch: float
    title: str
    text: str
    photo: str | None


class TourScene(Struct):
    id: str
    name: str
    panorama: str
    initial_view: TourViewAngles
    plan: TourPlan | None
    video: str | None
    video_url: FileUrl | None
    links: list[TourLink]
    markers: list[TourMarker]


class FloorPlan(Struct):
    """An uploaded floor plan (also the answer of POST /upload/floorplans)."""

    id: str
    url: FileUrl
    width: int
    height: int


class PanoramaLevel(Struct):
    face_size: int
    tiles_per_side: int


class PanoramaBase(Struct):
    type: str
    path: str
    face_size: int
    order: list[str]


class PanoramaView(Struct):
    """A panorama's viewer manifest: cubemap tile levels, base stripe, preview; files under
    ``url`` (manifest.json, base.jpg, preview.jpg, thumb.jpg, {level}/{face}/{row}_{col}.jpg)
    are served with long-lived caching."""

    id: str
    url: str
    tile_size: int
    levels: list[PanoramaLevel]
    faces: list[str]
    tile_url: str
    flip_top_bottom: bool | UnsetType = UNSET
    preview: str | UnsetType = UNSET
    thumbnail: str | UnsetType = UNSET
    base: PanoramaBase | UnsetType = UNSET
    initial_view: TourViewAngles | UnsetType = UNSET


class Tour(Struct):
    lot_id: int
    version: int
    created_at: Time
    author: str
    start_scene: str | None
    floor_plan: FloorPlan | None
    scenes: list[TourScene]
    panoramas: Annotated[dict[str, PanoramaView | None], Meta(
        description="viewer manifest of every panorama used (null if it has gone)")]


class TourQuery(Struct):
    version: Annotated[str, _doc("a saved version number (immutable answer)",
                                 pattern="^[0-9]+$")] | UnsetType = UNSET
    at: Annotated[str, Meta(description=(
        "ISO 8601 time (naive = UTC) or epoch milliseconds: the version bidders saw then"))] \
        | UnsetType = UNSET


class TourVersion(Struct):
    version: int
    created_at: Time
    author: str
    scenes: Annotated[int, Meta(description="number of scenes")]


class TourVersions(Struct):
    items: list[TourVersion]


# --- panorama jobs and uploads ---------------------------------------------------------------
class JobError(Struct):
    code: str
    message: str


class PanoramaJob(Struct):
    id: str
    state: Literal["queued", "running", "done", "failed"]
    progress: Annotated[float, Meta(ge=0, le=1)]
    stage: str
    lot_id: int
    filename: str
    panorama: str | None
    reused: bool
    error: JobError | None
    panorama_url: Annotated[str, Meta(description="present once the panorama exists")] \
        | UnsetType = UNSET


class PanoramaUpload(Struct):
    job: PanoramaJob


class VideoUpload(Struct):
    id: str
    url: FileUrl
    width: int
    height: int
    duration: Annotated[float, Meta(description="seconds")]


class PhotoUpload(Struct):
    url: str


class UploadQuery(Struct):
    lot_id: Annotated[int, Meta(description="the lot the file belongs to")]
