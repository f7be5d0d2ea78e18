"""The court's documents of a lot: officers upload PDFs by kind (JSON API with the raw PDF as
the body, or the form on the lot's edit page); everyone lists, reads and previews them.

``PUT /api/lots/{id}/documents/{kind}`` takes ``Content-Type: application/pdf`` (the one
non-JSON body the API accepts, see portal/middleware.py); the body is streamed to disk with
the size limit DOCUMENT_MAX_BYTES and checked to be a PDF before it becomes a new version.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import shutil
from pathlib import Path
from typing import Any, BinaryIO

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from bidding import keys as bidding_keys
from core.errors import Forbidden, Invalid, NotFound, TooLarge
from portal import policy
from portal.apispec import Op, api, respond
from portal.documents import KINDS, TERMS, Documents, check_kind, check_pdf, public, render_preview
from portal.forms import read_form, redirect
from portal.schemas.documents import DocumentList, DocumentOut
from portal.services import Services, services
from portal.sessions import require_user
from portal.tour_uploads import media_type, receive_file
from portal.users import User

CHUNK = 1 << 16


def documents(app: Services) -> Documents:
    return Documents(app.redis, app.settings.data_dir)


async def is_lot_officer(app: Services, lot: dict[str, Any], user: User | None) -> bool:
    """Whether the user is an officer of the lot's court (the court ownership policy)."""
    return bool(user and user.role == "officer" and policy.in_court(app, user, lot.get("court")))


async def require_lot_officer(app: Services, lot: dict[str, Any], user: User) -> None:
    """Only an officer of the lot's court may change its documents (403 other_court)."""
    if not await is_lot_officer(app, lot, user):
        raise Forbidden("This lot belongs to another court; only its own court's officers "
                        "may change its documents", code="other_court")


async def file_upload(app: Services, lot_id: int, kind: str, path: Path, sha: str,
                      size: int, filename: str, author: str) -> dict[str, Any]:
    """Check the received file is a PDF and file it as the kind's next version."""
    try:
        await asyncio.to_thread(check_pdf, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return await documents(app).add(lot_id, kind, path, sha=sha, size=size, filename=filename,
                                     author=author, at_ms=await app.store.server_time_ms())


async def lot_page_documents(app: Services, lot: dict[str, Any], user: User | None
                             ) -> dict[str, Any]:
    """The lot page's documents, counters (counting this view) and terms: the current
    documents, the 竞买须知 to accept, the viewer's acceptance, and for the lot's officers
    every bidder's acceptance by bidder code."""
    lot_id = int(lot["id"])
    store = documents(app)
    await app.lots.count_view(lot_id)
    docs = await store.current(lot_id)
    accepted, officer_view = None, []
    if await is_lot_officer(app, lot, user):
        codes = await app.redis.hgetall(bidding_keys.users(lot_id))
        officer_view = sorted(({"code": codes.get(uid, ""), **rec}
                               for uid, rec in (await store.acceptances(lot_id)).items()),
                              key=lambda r: r["at"])
    elif user:
        accepted = await store.acceptance(lot_id, user.username)
    return {"documents": docs, "terms_doc": next((d for d in docs if d["kind"] == TERMS), None),
            "counters": (await app.lots.counters([lot_id]))[lot_id],
            "terms_accepted": accepted, "acceptances": officer_view,
            "previews": shutil.which("pdftoppm") is not None,
            "doc_max_mb": app.settings.document_max_bytes >> 20}


async def form_documents(app: Services, lot: dict[str, Any] | None) -> dict[str, Any]:
    """The documents part of the lot's edit page."""
    docs = await documents(app).current(int(lot["id"])) if lot else []
    return {"documents": docs, "doc_kinds": KINDS,
            "doc_max_mb": app.settings.document_max_bytes >> 20}


# --- JSON API --------------------------------------------------------------------------------
async def put_document(request: Request) -> Response:
    user = await require_user(request, "officer")
    app, lot_id = services(request), request.path_params["lot_id"]
    kind = check_kind(request.path_params["kind"])
    await require_lot_officer(app, await app.lots.get(lot_id), user)
    media_type(request, ("application/pdf",))
    store = documents(app)
    await asyncio.to_thread(store.make_dirs)
    path = store.uploads / f"{secrets.token_hex(12)}.pdf"
    size, sha = await receive_file(request, path, app.settings.document_max_bytes)
    name = request.headers.get("x-filename", "")[:200] or f"{kind}.pdf"
    doc = await file_upload(app, lot_id, kind, path, sha, size, name, user.username)
    return respond(public(doc), 201)


async def list_documents(request: Request) -> Response:
    app, lot_id = services(request), request.path_params["lot_id"]
    await app.lots.get(lot_id)
    return respond({"items": [public(d) for d in await documents(app).current(lot_id)]})


async def document_versions(request: Request) -> Response:
    app, lot_id = services(request), request.path_params["lot_id"]
    kind = check_kind(request.path_params["kind"])
    await app.lots.get(lot_id)
    return respond([public(d) for d in await documents(app).versions(lot_id, kind)])


# --- pages -----------------------------------------------------------------------------------
async def _version(request: Request) -> tuple[Documents, dict[str, Any]]:
    app, lot_id = services(request), request.path_params["lot_id"]
    store = documents(app)
    doc = await store.get(lot_id, check_kind(request.path_params["kind"]),
                          request.path_params["version"])
    if doc is None:
        raise NotFound("No such document version", code="document_not_found")
    return store, doc


async def document_file(request: Request) -> Response:
    """A version of a document, shown inline by the browser's PDF viewer (immutable)."""
    store, doc = await _version(request)
    return FileResponse(store.path(doc["sha256"]), media_type="application/pdf", headers={
        "content-disposition": f'inline; filename="{doc["kind"]}-v{doc["version"]}.pdf"',
        "cache-control": "public, max-age=31536000, immutable"})


async def document_preview(request: Request) -> Response:
    """The first page as PNG (pdftoppm, in a thread); 404 when it cannot be rendered."""
    store, doc = await _version(request)
    png = store.preview_path(doc["sha256"])
    if not await asyncio.to_thread(render_preview, store.path(doc["sha256"]), png):
        raise NotFound("No preview of this document", code="no_preview")
    return FileResponse(png, media_type="image/png",
                        headers={"cache-control": "public, max-age=31536000, immutable"})


def _copy_hashed(src: BinaryIO, dest: Path, limit: int) -> tuple[int, str]:
    """Copy a spooled form file to ``dest`` chunk by chunk, hashing it (in a thread)."""
    digest, size = hashlib.sha256(), 0
    src.seek(0)
    with dest.open("wb") as out:
        while chunk := src.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"The file is larger than {limit >> 20} MiB",
                               code="file_too_large", limit=limit)
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


async def document_form(request: Request) -> Response:
    """The documents form of the lot's edit page: one PDF of a kind per post."""
    user = await require_user(request, "officer")
    app, lot_id = services(request), request.path_params["lot_id"]
    await require_lot_officer(app, await app.lots.get(lot_id), user)
    limit = app.settings.document_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + CHUNK:
        raise TooLarge(f"The file is larger than {limit >> 20} MiB", code="file_too_large")
    form = await read_form(request, max_files=1, max_fields=4)
    kind, upload = check_kind(str(form.get("kind") or "")), form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid("Choose a PDF file", code="empty_upload")
    store = documents(app)
    await asyncio.to_thread(store.make_dirs)
    path = store.uploads / f"{secrets.token_hex(12)}.pdf"
    try:
        size, sha = await asyncio.to_thread(_copy_hashed, upload.file, path, limit)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    await file_upload(app, lot_id, kind, path, sha, size, upload.filename, user.username)
    return redirect(f"/officer/lots/{lot_id}/edit#documents")


DOCS = "/api/lots/{lot_id:int}/documents"
api_routes = [
    api(DOCS, list_documents, Op(
        "The lot's court documents: the current version of each kind", DocumentList)),
    api(DOCS + "/{kind}", document_versions, Op(
        "Every version of one kind of document, oldest first", list[DocumentOut],
        description=f"kind: one of {', '.join(KINDS)} (404 unknown_document_kind).")),
    api(DOCS + "/{kind}", put_document, Op(
        "Upload a new version of one kind of the lot's documents (officer of the lot)",
        DocumentOut, 201, role="officer", errors=(413, 415, 422), description=(
            f"kind: one of {', '.join(KINDS)}. The body is the raw PDF with Content-Type "
            "application/pdf (optional header X-Filename); at most DOCUMENT_MAX_BYTES "
            "(20 MiB; 413 file_too_large). 415 unsupported_media_type / not_a_pdf when it is "
            "not a PDF, 422 empty_upload, 403 other_court for another court's officer. Old "
            "versions stay retrievable.")), ["PUT"]),
]

page_routes = [
    Route("/lots/{lot_id:int}/documents/{kind}/v{version:int}.pdf", document_file),
    Route("/lots/{lot_id:int}/documents/{kind}/v{version:int}.png", document_preview),
    Route("/officer/lots/{lot_id:int}/documents", document_form, methods=["POST"]),
]
