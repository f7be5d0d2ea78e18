"""Static files for phones: content-hashed URLs cached for a year, precompressed copies.

Pages link static files through ``static_url("css/site.css")`` -> ``/static/css/site.css?v=<hash>``
(the first 12 hex digits of the file's SHA-256). A request whose ``v`` matches the file as it is
now is answered ``Cache-Control: public, max-age=31536000, immutable``; any other request
(modules imported by relative path, an old ``v``) gets ``no-cache`` and is revalidated with its
ETag. Text files (JS, CSS, JSON, SVG) go out gzip-compressed to clients that accept it: the
compressed copy is made once per file version, in a worker thread, under the data directory.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESSIBLE = {".js", ".mjs", ".css", ".json", ".svg", ".map", ".txt", ".html"}
MIN_COMPRESS = 1024
_digests: dict[str, tuple[int, int, str]] = {}  # path -> (mtime_ns, size, digest)


def digest(path: Path) -> str:
    """The file's version: 12 hex digits of its SHA-256, recomputed when it changes."""
    st = path.stat()
    known = _digests.get(str(path))
    if known and known[:2] == (st.st_mtime_ns, st.st_size):
        return known[2]
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    _digests[str(path)] = (st.st_mtime_ns, st.st_size, h.hexdigest()[:12])
    return _digests[str(path)][2]


def versioned(root: Path, rel: str) -> str:
    """``/static/<rel>?v=<digest>``; a missing file keeps its plain URL."""
    path = root / rel
    try:
        return f"/static/{rel}?v={digest(path)}"
    except OSError:
        return f"/static/{rel}"


def warm(root: Path) -> None:
    """Hash every static file once at start-up, so pages never hash on the event loop."""
    for dirpath, _, names in os.walk(root):
        for name in names:
            digest(Path(dirpath) / name)


def gzip_copy(path: Path, version: str, cache: Path) -> Path:
    """The gzip-compressed copy of this version of ``path`` (made once, atomically)."""
    out = cache / f"{path.stem}.{version}{path.suffix}.gz"
    if not out.exists():
        cache.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache, suffix=".tmp")
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                                       compresslevel=9) as gz:
            gz.write(path.read_bytes())
        os.replace(tmp, out)
    return out


def accepts_gzip(headers: Headers) -> bool:
    return any(part.split(";")[0].strip() == "gzip"
               for part in headers.get("accept-encoding", "").split(","))


class Static(StaticFiles):
    def __init__(self, directory: Path, cache: Path) -> None:
        super().__init__(directory=directory)
        self.cache = cache

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if not isinstance(response, FileResponse) or response.status_code != 200:
            return response
        full = Path(response.path)
        version = await asyncio.to_thread(digest, full)
        wanted = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [""])[0]
        cache_control = IMMUTABLE if wanted == version else REVALIDATE
        headers = Headers(scope=scope)
        if (full.suffix in COMPRESSIBLE and accepts_gzip(headers)
                and (response.stat_result is None
                     or response.stat_result.st_size >= MIN_COMPRESS)):
            packed = await asyncio.to_thread(gzip_copy, full, version, self.cache)
            response = FileResponse(packed, media_type=response.media_type,
                                    stat_result=await asyncio.to_thread(os.stat, packed),
                                    headers={"Content-Encoding": "gzip",
                                             "Vary": "Accept-Encoding"})
            if self.is_not_modified(response.headers, headers):
                response = NotModifiedResponse(response.headers)
        response.headers["Cache-Control"] = cache_control
        return response
