"""Officers' uploads for virtual tours: panoramas, 360-degree videos, floor plans, photos.

Uploads are raw request bodies (``Content-Type: image/jpeg`` ...) streamed to disk with a size
limit; they live outside ``/api/`` (whose unsafe methods accept only JSON) and so check the
Origin and the CSRF token (``X-CSRF-Token`` header, the page's token) themselves, and answer
errors as JSON.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiofiles
from PIL import Image, UnidentifiedImageError
from starlette.requests import Request
from starlette.responses import Response

from core.errors import Forbidden, Invalid, PortalError, TooLarge
from core.offload import DECODING, offload
from core.pixels import check_pixels
from panorama.decode import Header, check_equirect
from panorama.errors import PanoramaError
from panorama.floorplans import save_floorplan
from panorama.store import PanoramaStore, floorplan_url, video_url
from portal import policy
from portal.apispec import Op, api, respond
from portal.middleware import same_origin
from portal.photos import MAX_PHOTO_BYTES, save_photo
from portal.schemas.tours import (
    FloorPlan,
    PanoramaUpload,
    PhotoUpload,
    UploadQuery,
    VideoUpload,
)
from portal.services import services
from portal.sessions import check_csrf, require_user

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
            return respond(exc.body(), exc.status)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


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
    await policy.lot_for_officer(services(request), user, lot_id)
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
    app = services(request)
    path = temp_upload(app.panoramas, ".jpg" if ctype == "image/jpeg" else ".png")
    await receive_file(request, path, limits(app.settings)["panorama"])
    try:
        await offload(DECODING, check_panorama_file, path, IMAGE_TYPES[ctype],
                      app.settings.max_image_pixels)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    name = request.headers.get("x-filename", "")
    job = await app.pano_jobs.submit(path, lot_id=lot_id, owner=user.username, filename=name)
    return respond({"job": job}, 202,
                   headers={"location": f"/api/panorama-jobs/{job['id']}"})


def check_panorama_file(path: Path, magic: bytes, max_pixels: int) -> None:
    """Refuse at once what is plainly not a usable panorama (the build checks the rest),
    and what the build could not decode within the memory budget (413 too_many_pixels)."""
    if not starts_with(path, magic):
        raise PortalError("The file is not a JPEG or PNG image", code="not_an_image", status=415)
    try:
        with Image.open(path) as img:  # lazy: the header only
            header = Header(b"", img.format or "", img.mode, img.width, img.height)
    except Image.DecompressionBombError:
        raise TooLarge("The image has too many pixels", code="too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PortalError("The file is not a readable image", code="not_an_image",
                          status=415) from None
    check_pixels(header.width, header.height, max_pixels, "The panorama")
    try:
        check_equirect(header, "the photo")
    except PanoramaError as exc:
        raise panorama_error(exc) from None


@json_errors
async def upload_video(request: Request) -> Response:
    """Raw MP4 body -> stored by content hash; the tour's scene then names it."""
    await officer_upload(request)
    media_type(request, ("video/mp4",))
    store = services(request).panoramas
    path = temp_upload(store, ".mp4")
    _, sha = await receive_file(request, path, limits(services(request).settings)["video"])
    try:
        info = await offload(DECODING, check_video, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    name = f"{sha[:24]}.mp4"
    os.replace(path, store.videos / name)
    return respond(VideoUpload(id=name, url=video_url(name), **info), 201)


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
    store = services(request).panoramas
    path = temp_upload(store, ".upload")
    await receive_file(request, path, limits(services(request).settings)["floorplan"])
    try:
        name, width, height = await offload(DECODING, save_floorplan, path, store,
                                            services(request).settings.max_image_pixels)
    finally:
        path.unlink(missing_ok=True)
    return respond(FloorPlan(id=name, url=floorplan_url(name), width=width, height=height),
                   201)


@json_errors
async def upload_photo(request: Request) -> Response:
    """A photo for an info marker (re-encoded, EXIF dropped) -> its /media URL."""
    await officer_upload(request)
    media_type(request, tuple(IMAGE_TYPES))
    app = services(request)
    path = temp_upload(app.panoramas, ".photo")
    await receive_file(request, path, limits(app.settings)["photo"])
    try:
        data = path.read_bytes()
        url = await offload(DECODING, save_photo, data, app.settings.data_dir / "media",
                            app.settings.max_image_pixels)
    finally:
        path.unlink(missing_ok=True)
    return respond(PhotoUpload(url=url), 201)




# --- routes ----------------------------------------------------------------------------------
RAW = ("The file is the raw request body (not multipart) with Content-Type {types}; "
       "same origin only; header X-CSRF-Token = the page's CSRF token. Size limit {limit}. "
       "403 other_court when the lot belongs to another court.")
UPLOAD_ERRORS = (404, 413, 422)  # no such lot; file too large; lot_id missing, empty upload


def _upload_op(summary: str, returns: Any, status: int, types: str, limit: str,
               extra: str = "") -> Op:
    return Op(summary, returns=returns, status=status, query=UploadQuery, role="officer",
              errors=UPLOAD_ERRORS, description=RAW.format(types=types, limit=limit) + extra)


routes = [
    api("/upload/panoramas", upload_panorama, _upload_op(
        "Upload an equirectangular 360-degree photo (2:1, 2048-16384 px); 202 with a job",
        PanoramaUpload, 202, "image/jpeg or image/png", "MAX_UPLOAD_BYTES (64 MiB)",
        " Poll the job (Location header) until done or failed. 415 when the body is not a "
        "JPEG/PNG image, 413 too_many_pixels beyond MAX_IMAGE_PIXELS (the memory budget, "
        "40 Mpx by default), 422 when it is not 2:1 or too small."), methods=["POST"]),
    api("/upload/videos", upload_video, _upload_op(
        "Upload a 360-degree MP4 video (2:1) for a scene", VideoUpload, 201, "video/mp4",
        "8 x MAX_UPLOAD_BYTES", " 415 when it is not a readable MP4 with a video track, 422 "
        "bad_aspect when it is not 2:1. The video is served at url with byte ranges (206)."),
        methods=["POST"]),
    api("/upload/floorplans", upload_floorplan, _upload_op(
        "Upload a floor-plan image (stored as PNG, at most 4096 px a side)", FloorPlan, 201,
        "image/png or image/jpeg", "20 MiB", " 415 when it is not a readable PNG/JPEG, 413 "
        "too_many_pixels beyond MAX_IMAGE_PIXELS or 40 Mpx."), methods=["POST"]),
    api("/upload/photos", upload_photo, _upload_op(
        "Upload a photo for an info marker (re-encoded as JPEG, metadata dropped)", PhotoUpload,
        201, "image/jpeg or image/png", "15 MiB", " 415 for another Content-Type, 422 when "
        "the body is not a readable image, 413 too_many_pixels beyond MAX_IMAGE_PIXELS or "
        "40 Mpx."),
        methods=["POST"]),
]
