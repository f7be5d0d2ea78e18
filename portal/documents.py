"""The court's documents of a lot (竞买公告, 竞买须知, 评估报告 ...): versioned PDFs.

Files live on disk by content hash (``DATA_DIR/documents/<sha256>.pdf``, immutable). Each kind
of a lot has a Redis list of version records (``RPUSH`` returns the new length, which is the
version number, so two uploads can never get the same one); old versions are never removed,
so the 竞买须知 a bidder accepted can be shown again later. Acceptances of the terms are kept
per lot (user id -> the version accepted and when).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from core.errors import NotFound, PortalError
from core.names import user_id
from core.timefmt import ms_to_iso
from portal import keys

KINDS = ("notice", "terms", "appraisal", "survey", "other")
"""竞买公告, 竞买须知, 评估报告, 标的物调查情况 (瑕疵说明), 其他 — in the order shown."""
TERMS = "terms"
MAGIC = b"%PDF-"
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_XREF_AT = re.compile(rb"\s*(xref|\d+\s+\d+\s+obj)")
PREVIEW_TIMEOUT_S = 20


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(f"No such kind of document; kinds: {', '.join(KINDS)}",
                       code="unknown_document_kind")
    return kind


def check_pdf(path: Path) -> None:
    """Refuse what is not a PDF: the ``%PDF-`` header and a trailer whose ``startxref``
    points at a cross-reference table or stream inside the file (blocking: run in a thread)."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(len(MAGIC))
        f.seek(max(0, size - 2048))
        tail = f.read()
        found = _STARTXREF.search(tail)
        offset = int(found.group(1)) if found else -1
        if head == MAGIC and 0 < offset < size:
            f.seek(offset)
            if _XREF_AT.match(f.read(64)):
                return
    raise PortalError("The file is not a PDF document", code="not_a_pdf", status=415)


def render_preview(pdf: Path, png: Path) -> bool:
    """The first page as a PNG with poppler's pdftoppm (blocking: run in a thread); False
    when pdftoppm is not installed or cannot read the file."""
    if png.exists():
        return True
    exe = shutil.which("pdftoppm")
    if exe is None or not pdf.exists():
        return False
    png.parent.mkdir(parents=True, exist_ok=True)
    tmp = png.with_suffix(f".{os.getpid()}.tmp")
    try:
        subprocess.run([exe, "-png", "-f", "1", "-l", "1", "-scale-to", "900", "-singlefile",
                        str(pdf), str(tmp)], check=True, capture_output=True,
                       timeout=PREVIEW_TIMEOUT_S)
        os.replace(tmp.with_suffix(tmp.suffix + ".png"), png)
    except (subprocess.SubprocessError, OSError):
        return False
    finally:
        tmp.with_suffix(tmp.suffix + ".png").unlink(missing_ok=True)
    return True


def document_url(lot_id: int, kind: str, version: int) -> str:
    return f"/lots/{int(lot_id)}/documents/{kind}/v{int(version)}.pdf"


def preview_url(lot_id: int, kind: str, version: int) -> str:
    return f"/lots/{int(lot_id)}/documents/{kind}/v{int(version)}.png"


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """A version record as the API shows it (time ISO UTC, URLs)."""
    out = {k: doc[k] for k in ("lot_id", "kind", "version", "sha256", "size", "filename")}
    out.update(uploaded_at=ms_to_iso(doc["uploaded_at"]),
               url=document_url(doc["lot_id"], doc["kind"], doc["version"]),
               preview_url=preview_url(doc["lot_id"], doc["kind"], doc["version"]))
    if "versions" in doc:
        out["versions"] = doc["versions"]
    return out


class Documents:
    def __init__(self, redis: aioredis.Redis, data_dir: Path) -> None:
        self.redis = redis
        self.root = data_dir / "documents"
        self.uploads = self.root / "uploads"
        self.previews = self.root / "previews"

    def make_dirs(self) -> None:
        """Create the folders (blocking: the upload routes call it in a thread)."""
        for d in (self.uploads, self.previews):
            d.mkdir(parents=True, exist_ok=True)

    def path(self, sha: str) -> Path:
        return self.root / f"{sha}.pdf"

    def preview_path(self, sha: str) -> Path:
        return self.previews / f"{sha}.png"

    def _place(self, upload: Path, sha: str) -> None:
        """Move the upload to its content-addressed name (blocking: run in a thread)."""
        target = self.path(sha)
        if target.exists():
            upload.unlink(missing_ok=True)
        else:
            os.replace(upload, target)

    async def add(self, lot_id: int, kind: str, upload: Path, *, sha: str, size: int,
                  filename: str, author: str, at_ms: int) -> dict[str, Any]:
        """File a checked upload (moved into place by its hash) as the kind's next version."""
        await asyncio.to_thread(self._place, upload, sha)
        record = {"lot_id": int(lot_id), "kind": check_kind(kind), "sha256": sha,
                  "size": size, "filename": filename[:200], "author": author,
                  "uploaded_at": at_ms}
        key = keys.lot_documents(lot_id, kind)
        record["version"] = int(await self.redis.rpush(key, json.dumps(record,
                                                                       ensure_ascii=False)))
        return record

    async def versions(self, lot_id: int, kind: str) -> list[dict[str, Any]]:
        raws = await self.redis.lrange(keys.lot_documents(lot_id, check_kind(kind)), 0, -1)
        return [{**json.loads(r), "version": n} for n, r in enumerate(raws, start=1)]

    async def get(self, lot_id: int, kind: str, version: int | None = None
                  ) -> dict[str, Any] | None:
        """A version (the current one when ``version`` is None), or None."""
        key = keys.lot_documents(lot_id, check_kind(kind))
        if version is None:
            version = int(await self.redis.llen(key))
        raw = await self.redis.lindex(key, version - 1) if version > 0 else None
        return {**json.loads(raw), "version": version} if raw is not None else None

    async def current(self, lot_id: int) -> list[dict[str, Any]]:
        """The current version of each kind the lot has, in KINDS order, with the number of
        versions."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for kind in KINDS:
                pipe.lindex(keys.lot_documents(lot_id, kind), -1)
                pipe.llen(keys.lot_documents(lot_id, kind))
            replies = await pipe.execute()
        out = []
        for raw, count in zip(replies[::2], replies[1::2], strict=True):
            if raw is not None:
                out.append({**json.loads(raw), "version": int(count), "versions": int(count)})
        return out

    # -- acceptance of the terms (竞买须知) ------------------------------------------------------

    async def accept_terms(self, lot_id: int, username: str, at_ms: int) -> dict[str, Any]:
        """Record that the user accepted the lot's current 竞买须知 (first acceptance kept:
        it is what the registration was made under); the record stored."""
        terms = await self.get(lot_id, TERMS)
        record = {"at": at_ms, "version": terms["version"] if terms else None,
                  "sha256": terms["sha256"] if terms else None}
        key = keys.lot_terms_accepted(lot_id)
        await self.redis.hsetnx(key, user_id(username), json.dumps(record))
        raw = await self.redis.hget(key, user_id(username))
        return dict(json.loads(raw)) if raw else record

    async def acceptance(self, lot_id: int, username: str) -> dict[str, Any] | None:
        raw = await self.redis.hget(keys.lot_terms_accepted(lot_id), user_id(username))
        return dict(json.loads(raw)) if raw else None

    async def acceptances(self, lot_id: int) -> dict[str, dict[str, Any]]:
        """User id -> acceptance record, for the lot's officers."""
        raw = await self.redis.hgetall(keys.lot_terms_accepted(lot_id))
        return {str(k): json.loads(v) for k, v in raw.items()}
