"""The memory budget of uploads (issue 9, finding 12): an image with more pixels than
MAX_IMAGE_PIXELS is refused with 413 too_many_pixels from its header, before any decoding
(a 391 KB zero-filled 16384x8192 PNG drove the panorama build to 2.1 GB RSS); one within the
budget is still accepted. The test's budget is small so its accepted images stay small."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from portal_helpers import PASSWORD, lot_body, make_account, page_csrf
from redis_cluster import is_cluster_url
from starlette.testclient import TestClient

from panorama.synthetic import render_room
from portal.app import create_app
from portal.settings import load_settings

BUDGET = 2048 * 1024  # the smallest panorama the build takes, exactly


def zero_png(width: int, height: int) -> bytes:
    """An all-black RGB PNG written row by row: ~400 KB for 16384x8192, never in memory."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    packer, row, parts = zlib.compressobj(9), b"\x00" * (1 + 3 * width), []
    for _ in range(height):
        parts.append(packer.compress(row))
    parts.append(packer.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(parts))
            + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = zero_png(16384, 8192)
    assert len(data) < 500_000
    return data


def encoded(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


@pytest.fixture
def officer(redis_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, int]]:
    settings = load_settings(data_dir=tmp_path / "data", redis_url=redis_url,
                             secret_key="k" * 32, rules="sandbox", max_image_pixels=BUDGET,
                             redis_cluster=is_cluster_url(redis_url))
    with TestClient(create_app(settings, run_closer=False)) as client:
        make_account(redis_url, "budget_officer", "officer")
        r = client.post("/api/session", json={"username": "budget_officer",
                                              "password": PASSWORD})
        assert r.status_code == 200, r.text
        lot = client.post("/api/lots", json=lot_body())
        assert lot.status_code == 201, lot.text
        yield client, int(lot.json()["id"])


def upload(officer: tuple[TestClient, int], kind: str, body: bytes, ctype: str) -> Any:
    client, lot_id = officer
    token = page_csrf(client.get("/login").text)  # the session's token (HMAC of the session)
    return client.post(f"/upload/{kind}?lot_id={lot_id}", content=body, headers={
        "content-type": ctype, "x-csrf-token": token})


@pytest.mark.parametrize("kind", ["panoramas", "floorplans", "photos"])
def test_zero_filled_giant_png_is_refused_before_decoding(officer: tuple[TestClient, int],
                                                          bomb: bytes, kind: str) -> None:
    r = upload(officer, kind, bomb, "image/png")
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "too_many_pixels"


def test_just_over_the_budget_is_refused_and_at_it_accepted(
        officer: tuple[TestClient, int]) -> None:
    over = encoded(Image.new("RGB", (2050, 1025), "grey"), "JPEG")
    r = upload(officer, "panoramas", over, "image/jpeg")
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_many_pixels"
    room = encoded(render_room("HALL", 2048, doors=[90]), "JPEG")
    assert upload(officer, "panoramas", room, "image/jpeg").status_code == 202
    for kind in ("floorplans", "photos"):
        under = encoded(Image.new("RGB", (2048, 1024), "white"), "PNG")
        assert upload(officer, kind, under, "image/png").status_code == 201, kind
        over = encoded(Image.new("RGB", (2049, 1024), "white"), "PNG")
        r = upload(officer, kind, over, "image/png")
        assert r.status_code == 413, kind


def test_the_budget_is_a_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MAX_IMAGE_PIXELS", "1234567")
    assert load_settings(data_dir=tmp_path).max_image_pixels == 1234567
    monkeypatch.delenv("MAX_IMAGE_PIXELS")
    assert load_settings(data_dir=tmp_path).max_image_pixels == 40_000_000
