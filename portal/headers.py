"""Security headers of every response (pages, API, refusals, error pages) and the CSP.

Scripts: only files from this origin, plus the one inline import map of the 3D pages, allowed
by its SHA-256 hash (no ``'unsafe-inline'``, no nonces: pages stay cacheable where they are).
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from pathlib import Path

from portal.static_files import versioned

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
CACHEABLE_MARKS = ("public", "s-maxage", "immutable")


@cache
def importmap_text() -> str:
    """The import map of the vendored ES modules, inlined by the templates that need it; each
    URL content-hashed (portal/static_files.py), so the modules are cacheable for a year.
    Made once per process, like the CSP that carries its hash."""
    path = STATIC_DIR / "vendor" / "importmap.json"
    if not path.exists():
        return '{"imports": {}}'
    imports = json.loads(path.read_text())["imports"]
    return json.dumps({"imports": {name: versioned(STATIC_DIR, url.removeprefix("/static/"))
                                   for name, url in imports.items()}})


def script_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@cache
def csp() -> str:
    return ("default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: https:; "
            "connect-src 'self' ws: wss: https:; "
            f"script-src 'self' {script_hash(importmap_text())}; "
            "style-src 'self' 'unsafe-inline'; worker-src 'self' blob:; object-src 'none'; "
            "base-uri 'self'; frame-ancestors 'none'")


@cache
def security_headers() -> list[tuple[bytes, bytes]]:
    return [(b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
            (b"content-security-policy", csp().encode())]


def is_cacheable(cache_control: str) -> bool:
    """A response a shared cache may keep and hand to others (never give it a cookie)."""
    value = cache_control.lower()
    return any(mark in value for mark in CACHEABLE_MARKS)
