"""Static files for phones: pages link content-hashed URLs that are cached for a year as
immutable, text goes out gzip-compressed (precompressed copies), pages and JSON compress too,
and media that is compressed already is left alone."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import httpx

STATIC = Path(__file__).resolve().parent.parent / "static"


def test_pages_link_hashed_static_urls_served_immutable(portal: str) -> None:
    home = httpx.get(f"{portal}/")
    css = re.search(r'href="(/static/css/site\.css\?v=([0-9a-f]{12}))"', home.text)
    assert css, "the page links its stylesheet by content hash"
    expected = hashlib.sha256((STATIC / "css/site.css").read_bytes()).hexdigest()[:12]
    assert css.group(2) == expected
    r = httpx.get(portal + css.group(1), headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["content-encoding"] == "gzip" and r.headers["vary"] == "Accept-Encoding"
    assert r.content == (STATIC / "css/site.css").read_bytes()  # httpx decodes gzip
    # an old or missing version is revalidated, never cached as immutable
    for url in ("/static/css/site.css", "/static/css/site.css?v=000000000000"):
        assert httpx.get(portal + url).headers["cache-control"] == "no-cache"


def test_vendored_modules_are_precompressed_and_hashed_in_the_import_map(portal: str,
                                                                          redis_url: str) -> None:
    from portal_helpers import actor, lot_body

    officer = actor(portal, redis_url, "static_officer", role="officer")
    lot = officer.post("/api/lots", json=lot_body(case_number="(2026)京01执7301号")).json()
    page = httpx.get(f"{portal}/lots/{lot['id']}").text
    lot_js = re.search(r'src="(/static/js/lot\.js\?v=[0-9a-f]{12})"', page)
    assert lot_js
    # the minified builds; three.module.min.js imports ./three.core.min.js by relative URL,
    # which the import map sends to its hashed URL too (so it is cached as immutable)
    imports = json.loads(re.search(r'<script type="importmap">(.*?)</script>', page).group(1))
    three = "/static/vendor/three/three.core.min.js"
    core_sha = hashlib.sha256((STATIC / three.removeprefix("/static/")).read_bytes()).hexdigest()
    assert imports["imports"][three] == f"{three}?v={core_sha[:12]}"
    assert imports["imports"]["three"].startswith("/static/vendor/three/three.module.min.js?v=")
    assert imports["imports"]["hls.js"].startswith("/static/vendor/hls.js/hls.min.mjs?v=")
    assert httpx.get(portal + imports["imports"][three]).headers["cache-control"] == (
        "public, max-age=31536000, immutable")
    with httpx.stream("GET", portal + three, headers={"Accept-Encoding": "gzip"}) as r:
        packed = b"".join(r.iter_raw())
        assert r.headers["content-encoding"] == "gzip"
        assert int(r.headers["content-length"]) == len(packed)
    original = (STATIC / "vendor/three/three.core.min.js").read_bytes()
    assert gzip.decompress(packed) == original and len(packed) < len(original) / 3
    plain = httpx.get(portal + three, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == original
    etag = plain.headers["etag"]
    assert httpx.get(portal + three, headers={"If-None-Match": etag,
                                              "Accept-Encoding": "identity"}).status_code == 304
    # a browser revalidating its compressed copy (regression: 500 KeyError 'etag')
    with httpx.stream("GET", portal + three, headers={"Accept-Encoding": "gzip"}) as r:
        packed_etag = r.headers["etag"]
    again = httpx.get(portal + three, headers={"If-None-Match": packed_etag,
                                               "Accept-Encoding": "gzip"})
    assert again.status_code == 304 and packed_etag != etag


def test_pages_and_json_are_compressed(portal: str) -> None:
    for url in ("/", "/api/openapi.json"):
        with httpx.stream("GET", portal + url, headers={"Accept-Encoding": "gzip"}) as r:
            assert r.headers.get("content-encoding") == "gzip", url
