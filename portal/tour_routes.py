"""HTTP routes of virtual tours: uploads, job progress, panorama files, tour API, tour pages.

Uploads are raw request bodies (``Content-Type: image/jpeg`` ...) streamed to disk with a size
limit; they live outside ``/api/`` (whose unsafe methods accept only JSON) and so check the
Origin and the CSRF token (``X-CSRF-Token`` header, the page's token) themselves.  Panorama
files, floor plans and videos are content-addressed, so they are served with
``Cache-Control: public, max-age=31536000, immutable``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiofiles
from PIL import Image, UnidentifiedImageError
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from core.errors import Forbidden, Invalid, NotFound, PortalError, TooLarge
from panorama.decode import Header, check_equirect
from panorama.errors import PanoramaError
from panorama.floorplans import save_floorplan
from panorama.jobs import JobNotFound
from panorama.store import PanoramaStore, content_type, floorplan_url, video_url
from panorama.tours import TourError, parse_time, tour_view
from portal.middleware import same_origin
from portal.photos import MAX_PHOTO_BYTES, save_photo
from portal.sessions import check_csrf, current_user, require_user
from portal.templating import render

IMMUTABLE = "public, max-age=31536000, immutable"
CHUNK = 256 * 1024
MAX_TOUR_JSON = 1024 * 1024
FLOORPLAN_MAX_BYTES = 20 * 1024 * 1024
IMAGE_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
PANORAMA_STATUS = {"too_large": 413, "unsupported_format": 415, "not_an_image": 415}
Handler = Callable[[Request], Awaitable[Response]]


def limits(settings: Any) -> dict[str, int]:
    """Upload size limits: panoramas MAX_UPLOAD_BYTES (64 MiB), videos 8x that."""
    base = int(settings.max_upload_bytes)
    return {"panorama": base, "video": 8 * base, "floorplan": min(base, FLOORPLAN_MAX_BYTES),
            "photo": min(base, MAX_PHOTO_BYTES)}


# --- helpers ---------------------------------------------------------------------------------
def json_errors(handler: Handler) -> Handler:
    """Upload routes answer errors as JSON although they live outside /api/."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except PortalError as exc:
            return JSONResponse(exc.body(), status_code=exc.status)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def tour_error(exc: TourError) -> PortalError:
    return PortalError(exc.message, code=exc.code, status=exc.status, field=exc.field)


def panorama_error(exc: PanoramaError) -> PortalError:
    return PortalError(exc.message, code=exc.code, status=PANORAMA_STATUS.get(exc.code, 422))


async def officer_upload(request: Request) -> tuple[Any, int]:
    """Officer, same origin, CSRF header, an existing lot: (user, lot_id)."""
    if not same_origin(request.headers):
        raise Forbidden("Cross-origin uploads are not accepted", code="bad_origin")
    user = await require_user(request, "officer")
    check_csrf(request, request.headers.get("x-csrf-token"))
    try:
        lot_id = int(request.query_params.get("lot_id", ""))
    except ValueError:
        raise Invalid("lot_id (a number) is required", code="invalid_lot") from None
    await request.app.state.lots.get(lot_id)
    return user, lot_id


def media_type(request: Request, allowed: tuple[str, ...]) -> str:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in allowed:
        raise PortalError(f"Send the file as the body with Content-Type {' or '.join(allowed)}",
                          code="unsupported_media_type", status=415)
    return ctype


async def receive_file(request: Request, path: Path, limit: int) -> tuple[int, str]:
    """Stream the body to ``path`` (removed on failure); (size, sha256 hex)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"The file is larger than {limit >> 20} MiB", code="file_too_large",
                       limit=limit)
    digest, size = hashlib.sha256(), 0
    try:
        async with aiofiles.open(path, "wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"The file is larger than {limit >> 20} MiB",
                                   code="file_too_large", limit=limit)
                digest.update(chunk)
                await out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise Invalid("The upload is empty", code="empty_upload")
    return size, digest.hexdigest()


def starts_with(path: Path, magic: bytes, offset: int = 0) -> bool:
    with path.open("rb") as f:
        f.seek(offset)
        return f.read(len(magic)) == magic


def temp_upload(store: PanoramaStore, suffix: str) -> Path:
    return store.uploads / f"{secrets.token_hex(12)}{suffix}"


# --- uploads ---------------------------------------------------------------------------------
@json_errors
async def upload_panorama(request: Request) -> Response:
    """Raw JPEG/PNG equirectangular body -> 202 with a job to poll."""
    user, lot_id = await officer_upload(request)
    ctype = media_type(request, tuple(IMAGE_TYPES))
    app = request.app.state
    path = temp_upload(app.panoramas, ".jpg" if ctype == "image/jpeg" else ".png")
    await receive_file(request, path, limits(app.settings)["panorama"])
    try:
        await asyncio.to_thread(check_panorama_file, path, IMAGE_TYPES[ctype])
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    name = request.headers.get("x-filename", "")
    job = await app.pano_jobs.submit(path, lot_id=lot_id, owner=user.username, filename=name)
    return JSONResponse({"job": job}, status_code=202,
                        headers={"location": f"/api/panorama-jobs/{job['id']}"})


def check_panorama_file(path: Path, magic: bytes) -> None:
    """Refuse at once what is plainly not a usable panorama (the build checks the rest)."""
    if not starts_with(path, magic):
        raise PortalError("The file is not a JPEG or PNG image", code="not_an_image", status=415)
    try:
        with Image.open(path) as img:
            header = Header(b"", img.format or "", img.mode, img.width, img.height)
    except Image.DecompressionBombError:
        raise PortalError("The image has too many pixels", code="too_large", status=413) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PortalError("The file is not a readable image", code="not_an_image",
                          status=415) from None
    try:
        check_equirect(header, "the photo")
    except PanoramaError as exc:
        raise panorama_error(exc) from None


@json_errors
async def upload_video(request: Request) -> Response:
    """Raw MP4 body -> stored by content hash; the tour's scene then names it."""
    await officer_upload(request)
    media_type(request, ("video/mp4",))
    store = request.app.state.panoramas
    path = temp_upload(store, ".mp4")
    _, sha = await receive_file(request, path, limits(request.app.state.settings)["video"])
    try:
        info = await asyncio.to_thread(check_video, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    name = f"{sha[:24]}.mp4"
    os.replace(path, store.videos / name)
    return JSONResponse({"id": name, "url": video_url(name), **info}, status_code=201)


def check_video(path: Path) -> dict[str, Any]:
    if not starts_with(path, b"ftyp", 4):
        raise PortalError("The file is not an MP4 video", code="not_a_video", status=415)
    import av  # PyAV is heavy; only officers' video uploads need it (loaded on first use)

    try:
        with av.open(str(path)) as container:
            stream: Any = next((s for s in container.streams if s.type == "video"), None)
            if stream is None:
                raise PortalError("The MP4 has no video track", code="not_a_video", status=415)
            width, height = int(stream.width), int(stream.height)
            seconds = float(container.duration or 0) / 1_000_000
    except av.FFmpegError:
        raise PortalError("The MP4 cannot be read", code="not_a_video", status=415) from None
    if abs(width - 2 * height) > 0.01 * width:
        raise PortalError(f"The video is {width}x{height}; a 360-degree video is 2:1",
                          code="bad_aspect", status=422)
    return {"width": width, "height": height, "duration": round(seconds, 3)}


@json_errors
async def upload_floorplan(request: Request) -> Response:
    """Raw PNG/JPEG body -> a clean PNG by content hash, with its size in pixels."""
    await officer_upload(request)
    media_type(request, tuple(IMAGE_TYPES))
    store = request.app.state.panoramas
    path = temp_upload(store, ".upload")
    await receive_file(request, path, limits(request.app.state.settings)["floorplan"])
    try:
        name, width, height = await asyncio.to_thread(save_floorplan, path, store)
    finally:
        path.unlink(missing_ok=True)
    return JSONResponse({"id": name, "url": floorplan_url(name), "width": width,
                         "height": height}, status_code=201)


@json_errors
async def upload_photo(request: Request) -> Response:
    """A photo for an info marker (re-encoded, EXIF dropped) -> its /media URL."""
    await officer_upload(request)
    media_type(request, tuple(IMAGE_TYPES))
    app = request.app.state
    path = temp_upload(app.panoramas, ".photo")
    await receive_file(request, path, limits(app.settings)["photo"])
    try:
        data = path.read_bytes()
        url = await asyncio.to_thread(save_photo, data, app.settings.data_dir / "media")
    finally:
        path.unlink(missing_ok=True)
    return JSONResponse({"url": url}, status_code=201)


# --- jobs and files --------------------------------------------------------------------------
async def get_job(request: Request) -> Response:
    await require_user(request, "officer")
    try:
        job = await request.app.state.pano_jobs.get(request.path_params["job_id"])
    except JobNotFound:
        raise NotFound("No such job", code="job_not_found") from None
    return JSONResponse(job, headers={"cache-control": "no-store"})


async def get_panorama(request: Request) -> Response:
    view = request.app.state.panoramas.view(request.path_params["pano_id"])
    if view is None:
        raise NotFound("No such panorama", code="panorama_not_found")
    return JSONResponse(view, headers={"cache-control": IMMUTABLE})


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
    return immutable_file(request, request.app.state.panoramas.pano_file(params["pano_id"],
                                                                         params["rel"]))


async def floorplan_file(request: Request) -> Response:
    store = request.app.state.panoramas
    return immutable_file(request, store.floorplan_file(request.path_params["name"]))


async def video_file(request: Request) -> Response:
    """MP4 with byte-range support (FileResponse answers Range with 206)."""
    store = request.app.state.panoramas
    return immutable_file(request, store.video_file(request.path_params["name"]))


# --- tour API --------------------------------------------------------------------------------
def lot_param(request: Request) -> int:
    try:
        return int(request.path_params["lot_id"])
    except ValueError:
        raise NotFound("No such lot", code="lot_not_found") from None


async def load_tour(request: Request, lot_id: int) -> tuple[dict[str, Any], bool]:
    """(tour, pinned): pinned when a version or time was asked for (immutable answer)."""
    query = request.query_params
    version, at = query.get("version"), query.get("at")
    try:
        if version:
            if not version.isdigit():
                raise TourError("invalid_version", "version must be a number", "version", 400)
            return await request.app.state.tours.get(lot_id, version=int(version)), True
        if at:
            return await request.app.state.tours.get(lot_id, at_ms=parse_time(at)), False
        return await request.app.state.tours.get(lot_id), False
    except TourError as exc:
        raise tour_error(exc) from None


async def get_tour(request: Request) -> Response:
    lot_id = lot_param(request)
    await request.app.state.lots.get(lot_id)
    tour, pinned = await load_tour(request, lot_id)
    view = tour_view(tour, request.app.state.panoramas)
    return JSONResponse(view, headers={"cache-control": IMMUTABLE if pinned else "no-cache"})


async def put_tour(request: Request) -> Response:
    user = await require_user(request, "officer")
    lot_id = lot_param(request)
    await request.app.state.lots.get(lot_id)
    body = await request.body()
    if len(body) > MAX_TOUR_JSON:
        raise TooLarge("The tour document is too large", code="body_too_large")
    try:
        data = json.loads(body or b"null")
    except ValueError:
        raise PortalError("Body is not valid JSON", code="invalid_json") from None
    base = data.get("base_version") if isinstance(data, dict) else None
    try:
        saved = await request.app.state.tours.save(lot_id, data, user.username, base)
    except TourError as exc:
        raise tour_error(exc) from None
    view = tour_view(saved, request.app.state.panoramas)
    return JSONResponse(view, status_code=201,
                        headers={"location": f"/api/lots/{lot_id}/tour?version={saved['version']}"})


async def tour_versions(request: Request) -> Response:
    lot_id = lot_param(request)
    await request.app.state.lots.get(lot_id)
    items = await request.app.state.tours.versions(lot_id)
    return JSONResponse({"items": items}, headers={"cache-control": "no-cache"})


# --- pages -----------------------------------------------------------------------------------
async def tour_page(request: Request) -> Response:
    """The tour, full screen; ?version=N or ?at=ISO shows what was published then."""
    await current_user(request)
    lot_id = lot_param(request)
    lot = await request.app.state.lots.get(lot_id)
    tour, _ = await load_tour(request, lot_id)
    return render(request, "tour.html", {
        "lot": lot, "tour": tour_view(tour, request.app.state.panoramas),
        "published_ms": parse_time(tour["created_at"]),
        "pinned": bool(request.query_params.get("version") or request.query_params.get("at"))})


async def tour_editor_page(request: Request) -> Response:
    lot_id = lot_param(request)
    await require_user(request, "officer")  # visitors are sent to the login page
    lot = await request.app.state.lots.get(lot_id)
    return render(request, "tour_editor.html", {"lot": lot, "limits": limits(
        request.app.state.settings)})


routes = [
    Route("/upload/panoramas", upload_panorama, methods=["POST"]),
    Route("/upload/videos", upload_video, methods=["POST"]),
    Route("/upload/floorplans", upload_floorplan, methods=["POST"]),
    Route("/upload/photos", upload_photo, methods=["POST"]),
    Route("/api/panorama-jobs/{job_id}", get_job),
    Route("/api/panoramas/{pano_id}", get_panorama),
    Route("/api/lots/{lot_id}/tour", get_tour, methods=["GET"]),
    Route("/api/lots/{lot_id}/tour", put_tour, methods=["PUT"]),
    Route("/api/lots/{lot_id}/tour/versions", tour_versions),
    Route("/panoramas/floorplans/{name}", floorplan_file),
    Route("/panoramas/videos/{name}", video_file),
    Route("/panoramas/{pano_id}/{rel:path}", panorama_file),
    Route("/lots/{lot_id}/tour", tour_page),
    Route("/officer/lots/{lot_id}/tour", tour_editor_page),
]
