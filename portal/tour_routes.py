"""HTTP routes of virtual tours: job progress, panorama files, the tour API, tour pages.

The uploads live in portal/tour_uploads.py.  Panorama files, floor plans and videos are
content-addressed, so they are served with ``Cache-Control: public, max-age=31536000,
immutable``; they are plain files, not operations of the JSON API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from core.errors import NotFound, PortalError
from panorama.jobs import JobNotFound
from panorama.store import content_type
from panorama.tours import TourError, parse_time, preview_url, start_scene, tour_view
from portal import policy, tour_uploads
from portal.apispec import Op, api, body_dict, decode_json, read_limited, respond
from portal.schemas.tours import (
    PanoramaJob,
    PanoramaView,
    Tour,
    TourIn,
    TourQuery,
    TourVersions,
)
from portal.services import services
from portal.sessions import current_user, require_user
from portal.templating import render

IMMUTABLE = "public, max-age=31536000, immutable"
MAX_TOUR_JSON = 1024 * 1024




# --- jobs and files --------------------------------------------------------------------------
async def get_job(request: Request) -> Response:
    await require_user(request, "officer")
    try:
        job = await services(request).pano_jobs.get(request.path_params["job_id"])
    except JobNotFound:
        raise NotFound("No such job", code="job_not_found") from None
    return respond(job, headers={"cache-control": "no-store"})


async def get_panorama(request: Request) -> Response:
    view = services(request).panoramas.view(request.path_params["pano_id"])
    if view is None:
        raise NotFound("No such panorama", code="panorama_not_found")
    return respond(view, headers={"cache-control": IMMUTABLE})


def immutable_file(request: Request, path: Path | None) -> Response:
    """The file with long-lived caching; 304 when the browser already holds this version."""
    if path is None:
        raise NotFound("No such file", code="not_found")
    stat = path.stat()
    response = FileResponse(path, media_type=content_type(path), stat_result=stat,
                            headers={"cache-control": IMMUTABLE})
    etag = response.headers["etag"]
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={"etag": etag, "cache-control": IMMUTABLE})
    return response


async def panorama_file(request: Request) -> Response:
    params = request.path_params
    return immutable_file(request, services(request).panoramas.pano_file(params["pano_id"],
                                                                         params["rel"]))


async def floorplan_file(request: Request) -> Response:
    store = services(request).panoramas
    return immutable_file(request, store.floorplan_file(request.path_params["name"]))


async def video_file(request: Request) -> Response:
    """MP4 with byte-range support (FileResponse answers Range with 206)."""
    store = services(request).panoramas
    return immutable_file(request, store.video_file(request.path_params["name"]))


# --- tour API --------------------------------------------------------------------------------
def tour_error(exc: TourError) -> PortalError:
    return PortalError(exc.message, code=exc.code, status=exc.status, field=exc.field)


async def load_tour(request: Request, lot_id: int) -> tuple[dict[str, Any], bool]:
    """(tour, pinned): pinned when a version or time was asked for (immutable answer)."""
    query = request.query_params
    version, at = query.get("version"), query.get("at")
    try:
        if version:
            if not (version.isascii() and version.isdigit()):
                raise TourError("invalid_version", "version must be a number", "version", 400)
            return await services(request).tours.get(lot_id, version=int(version)), True
        if at:
            return await services(request).tours.get(lot_id, at_ms=parse_time(at)), False
        return await services(request).tours.get(lot_id), False
    except TourError as exc:
        raise tour_error(exc) from None


async def get_tour(request: Request) -> Response:
    lot_id = request.path_params["lot_id"]
    await services(request).lots.get(lot_id)
    tour, pinned = await load_tour(request, lot_id)
    view = tour_view(tour, services(request).panoramas)
    return respond(view, headers={"cache-control": IMMUTABLE if pinned else "no-cache"})


async def put_tour(request: Request) -> Response:
    user = await require_user(request, "officer")
    lot_id = request.path_params["lot_id"]
    await policy.lot_for_officer(services(request), user, lot_id)
    body = decode_json(await read_limited(request, MAX_TOUR_JSON), TourIn, limit=MAX_TOUR_JSON)
    try:
        saved = await services(request).tours.save(lot_id, body_dict(body), user.username,
                                                   body.base_version)
    except TourError as exc:
        raise tour_error(exc) from None
    view = tour_view(saved, services(request).panoramas)
    return respond(view, 201,
                   headers={"location": f"/api/lots/{lot_id}/tour?version={saved['version']}"})


async def tour_versions(request: Request) -> Response:
    lot_id = request.path_params["lot_id"]
    await services(request).lots.get(lot_id)
    items = await services(request).tours.versions(lot_id)
    return respond({"items": items}, headers={"cache-control": "no-cache"})


# --- pages -----------------------------------------------------------------------------------
async def tour_page(request: Request) -> Response:
    """The tour, full screen; ?version=N or ?at=ISO shows what was published then."""
    await current_user(request)
    lot_id = int(request.path_params["lot_id"])  # an {lot_id:int} route
    lot = await services(request).lots.get(lot_id)
    tour, _ = await load_tour(request, lot_id)
    view = tour_view(tour, services(request).panoramas)
    start = start_scene(view)
    return render(request, "tour.html", {
        "lot": lot, "tour": view,
        # painted at once, under the viewer box, until the 3D viewer shows the panorama
        "preview": preview_url(view["panoramas"].get(start["panorama"]) if start else None),
        "published_ms": parse_time(tour["created_at"]),
        "pinned": bool(request.query_params.get("version") or request.query_params.get("at"))})


async def tour_editor_page(request: Request) -> Response:
    lot_id = int(request.path_params["lot_id"])  # an {lot_id:int} route
    user = await require_user(request, "officer")  # visitors are sent to the login page
    lot = await policy.lot_for_officer(services(request), user, lot_id)
    return render(request, "tour_editor.html", {"lot": lot, "limits": tour_uploads.limits(
        services(request).settings)})


TOUR_SAVE = ("The tour document (at most 1 MiB). Every save is a new immutable version; "
             "422 names the offending field in error.field (e.g. scenes[0].links[1].to); "
             "403 other_court when the lot belongs to another court.")
routes = [
    *tour_uploads.routes,
    api("/api/panorama-jobs/{job_id}", get_job, Op(
        "Progress of a panorama job; poll until done or failed", PanoramaJob, role="officer")),
    api("/api/panoramas/{pano_id}", get_panorama, Op(
        "A panorama's viewer manifest (cubemap tile levels, base, preview)", PanoramaView)),
    api("/api/lots/{lot_id:int}/tour", get_tour, Op(
        "The lot's tour: current, ?version=N, or ?at=time (the version bidders saw then)",
        Tour, query=TourQuery, errors=(400,), description=(
            "400 for a malformed version or time; 404 when the lot or that version does not "
            "exist. A pinned version is served as immutable."))),
    api("/api/lots/{lot_id:int}/tour", put_tour, Op(
        "Save the tour as a new version", Tour, status=201, body=TourIn, role="officer",
        errors=(409,), description=TOUR_SAVE), methods=["PUT"]),
    api("/api/lots/{lot_id:int}/tour/versions", tour_versions, Op(
        "Every saved version (number, time, author, scene count)", TourVersions)),
    Route("/panoramas/floorplans/{name}", floorplan_file),
    Route("/panoramas/videos/{name}", video_file),
    Route("/panoramas/{pano_id}/{rel:path}", panorama_file),
    Route("/lots/{lot_id:int}/tour", tour_page),
    Route("/officer/lots/{lot_id:int}/tour", tour_editor_page),
]
