"""Tour routes over HTTP with real Redis: uploads, jobs, file serving, video ranges, tour API."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from PIL import Image
from portal_helpers import client_login, page_csrf
from redis_cluster import is_cluster_url
from starlette.testclient import TestClient

from panorama.synthetic import render_room
from portal.app import create_app
from portal.schemas import tours as schemas
from portal.settings import load_settings

LIMIT = 400_000  # bytes: small, so the size limit is cheap to hit


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


@pytest.fixture(scope="module")
def room_jpegs() -> dict[str, bytes]:
    return {"hall": jpeg(render_room("HALL", 2048, doors=[90])),
            "study": jpeg(render_room("STUDY", 2048, doors=[-90], wall_rgb=(180, 200, 190)))}


@pytest.fixture
def app_data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def client(redis_url: str, app_data: Path) -> Iterator[TestClient]:
    settings = load_settings(data_dir=app_data, redis_url=redis_url, secret_key="k" * 32,
                             rules="sandbox", max_upload_bytes=LIMIT,
                             redis_cluster=is_cluster_url(redis_url))
    with TestClient(create_app(settings, run_closer=False)) as c:
        yield c


def csrf(client: TestClient) -> dict[str, str]:
    return {"x-csrf-token": page_csrf(client.get("/login").text)}  # the session's token


@pytest.fixture
def officer(client: TestClient, redis_url: str) -> TestClient:
    return client_login(client, redis_url, "tour_officer", "officer")


@pytest.fixture
def lot_id(officer: TestClient) -> int:
    from portal_helpers import lot_body

    r = officer.post("/api/lots", json=lot_body())
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def upload(client: TestClient, kind: str, lot: int, body: Any, ctype: str,
           headers: dict[str, str] | None = None) -> Any:
    h = {"content-type": ctype, **csrf(client), **(headers or {})}
    return client.post(f"/upload/{kind}?lot_id={lot}", content=body, headers=h)


def wait_job(client: TestClient, job_id: str) -> dict[str, Any]:
    seen = []
    for _ in range(600):
        job = client.get(f"/api/panorama-jobs/{job_id}").json()
        seen.append((job["state"], job["progress"]))
        if job["state"] in ("done", "failed"):
            job["seen"] = seen
            return job  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"job never finished: {seen[-3:]}")


def build_panorama(client: TestClient, lot: int, data: bytes) -> str:
    r = upload(client, "panoramas", lot, data, "image/jpeg")
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json()["job"]["id"])
    assert job["state"] == "done", job
    return str(job["panorama"])


class Anonymous:
    """Requests through the same client (and event loop) without the session cookie."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def request(self, method: str, url: str, **kw: Any) -> Any:
        jar = self.client.cookies.jar
        saved = [c for c in jar if c.name == "sid"]
        for cookie in saved:
            jar.clear(cookie.domain, cookie.path, cookie.name)
        try:
            return self.client.request(method, url, **kw)
        finally:
            for cookie in saved:
                jar.set_cookie(cookie)

    def get(self, url: str, **kw: Any) -> Any:
        return self.request("GET", url, **kw)

    def put(self, url: str, **kw: Any) -> Any:
        return self.request("PUT", url, **kw)


def conforms(data: Any, type_: Any) -> Any:
    """``data`` (a response body) fits the type the OpenAPI document declares for it."""
    msgspec.convert(data, type_)
    return data


def uploads_left(app_data: Path) -> list[str]:
    return sorted(p.name for p in (app_data / "panoramas" / "uploads").iterdir())


# --- uploads and jobs ------------------------------------------------------------------------
def test_upload_runs_a_job_with_progress_and_reuses_identical_uploads(
        officer: TestClient, lot_id: int, room_jpegs: dict[str, bytes], app_data: Path) -> None:
    r = upload(officer, "panoramas", lot_id, room_jpegs["hall"], "image/jpeg",
               {"x-filename": "hall.jpg"})
    assert r.status_code == 202
    job = conforms(r.json(), schemas.PanoramaUpload)["job"]
    assert job["state"] in ("queued", "running", "done") and job["filename"] == "hall.jpg"
    assert r.headers["location"] == f"/api/panorama-jobs/{job['id']}"
    done = wait_job(officer, job["id"])
    conforms(officer.get(f"/api/panorama-jobs/{job['id']}").json(), schemas.PanoramaJob)
    assert done["state"] == "done" and done["progress"] == 1.0 and done["error"] is None
    progress = [p for _, p in done["seen"]]
    assert progress == sorted(progress)  # monotonic as polled
    pano = done["panorama"]
    assert (app_data / "panoramas" / pano / "manifest.json").is_file()
    assert done["panorama_url"] == f"/panoramas/{pano}/"
    again = wait_job(officer, upload(officer, "panoramas", lot_id, room_jpegs["hall"],
                                     "image/jpeg").json()["job"]["id"])
    assert again["panorama"] == pano and again["reused"] is True
    assert uploads_left(app_data) == []  # the job removed its upload


def test_size_limit_with_and_without_content_length(officer: TestClient, lot_id: int,
                                                    app_data: Path) -> None:
    big = b"\xff\xd8\xff" + os.urandom(LIMIT)
    r = upload(officer, "panoramas", lot_id, big, "image/jpeg")
    assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(big), 65536):
            yield big[i:i + 65536]

    streamed = upload(officer, "panoramas", lot_id, chunks(), "image/jpeg")
    assert streamed.status_code == 413 and streamed.json()["error"]["code"] == "file_too_large"
    assert uploads_left(app_data) == []


@pytest.mark.parametrize("case, status, code", [
    ("text", 415, "not_an_image"),
    ("square", 422, "bad_aspect"),
    ("small", 422, "too_small"),
    ("ctype", 415, "unsupported_media_type"),
    ("empty", 422, "empty_upload"),
    ("png_as_jpeg", 415, "not_an_image"),
])
def test_bad_files_are_refused_at_once(officer: TestClient, lot_id: int, app_data: Path,
                                       case: str, status: int, code: str) -> None:
    body, ctype = {
        "text": (b"hello, not an image at all", "image/jpeg"),
        "square": (jpeg(Image.new("RGB", (1024, 1024), "grey")), "image/jpeg"),
        "small": (jpeg(Image.new("RGB", (1024, 512), "grey")), "image/jpeg"),
        "ctype": (b"\xff\xd8\xff whatever", "text/plain"),
        "empty": (b"", "image/jpeg"),
        "png_as_jpeg": (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/jpeg"),
    }[case]
    r = upload(officer, "panoramas", lot_id, body, ctype)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code and error["message"]
    assert uploads_left(app_data) == []


def test_truncated_photo_fails_in_the_job_with_a_clear_error(
        officer: TestClient, lot_id: int, room_jpegs: dict[str, bytes]) -> None:
    data = room_jpegs["study"]
    r = upload(officer, "panoramas", lot_id, data[: len(data) // 2], "image/jpeg")
    assert r.status_code == 202
    job = wait_job(officer, r.json()["job"]["id"])
    assert job["state"] == "failed" and job["error"]["code"] == "truncated"
    assert "truncated" in job["error"]["message"]


def test_uploads_check_role_csrf_origin_and_lot(client: TestClient, redis_url: str,
                                                room_jpegs: dict[str, bytes]) -> None:
    body = room_jpegs["hall"]
    anon = upload(client, "panoramas", 1, body, "image/jpeg")
    assert anon.status_code == 401 and anon.json()["error"]["code"] == "not_logged_in"
    client_login(client, redis_url, "tour_bidder", "bidder")
    assert upload(client, "panoramas", 1, body, "image/jpeg").status_code == 403
    client.post("/api/session", json={})  # stays logged in as the bidder; now an officer:
    client_login(client, redis_url, "tour_officer2", "officer")
    no_csrf = client.post("/upload/panoramas?lot_id=1", content=body,
                          headers={"content-type": "image/jpeg"})
    assert no_csrf.status_code == 403 and no_csrf.json()["error"]["code"] == "csrf_failed"
    cross = upload(client, "panoramas", 1, body, "image/jpeg", {"origin": "https://evil.example"})
    assert cross.status_code == 403 and cross.json()["error"]["code"] == "bad_origin"
    missing = upload(client, "panoramas", 999, body, "image/jpeg")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "lot_not_found"
    bad_lot = client.post("/upload/panoramas?lot_id=x", content=body,
                          headers={"content-type": "image/jpeg", **csrf(client)})
    assert bad_lot.status_code == 422
    assert client.get("/api/panorama-jobs/nope").status_code == 404


# --- serving ---------------------------------------------------------------------------------
def test_files_have_types_and_immutable_cache_headers(officer: TestClient, lot_id: int,
                                                      room_jpegs: dict[str, bytes]) -> None:
    pano = build_panorama(officer, lot_id, room_jpegs["hall"])
    anon = Anonymous(officer)
    manifest = anon.get(f"/panoramas/{pano}/manifest.json")
    assert manifest.status_code == 200
    assert manifest.headers["content-type"] == "application/json"
    assert manifest.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert manifest.json()["id"] == pano
    for rel in ("0/front/0_0.jpg", "base.jpg", "preview.jpg", "thumb.jpg"):
        tile = anon.get(f"/panoramas/{pano}/{rel}")
        assert tile.status_code == 200, rel
        assert tile.headers["content-type"] == "image/jpeg"
        assert tile.headers["cache-control"].endswith("immutable")
        assert tile.content[:3] == b"\xff\xd8\xff"
        etag = tile.headers["etag"]
        assert anon.get(f"/panoramas/{pano}/{rel}",
                        headers={"if-none-match": etag}).status_code == 304
    api = conforms(anon.get(f"/api/panoramas/{pano}").json(), schemas.PanoramaView)
    assert api["url"] == f"/panoramas/{pano}/" and "source" not in api
    assert anon.get(f"/panoramas/{pano}/0/front/9_9.jpg").status_code == 404
    assert anon.get("/api/panoramas/" + "0" * 20).status_code == 404


def test_no_path_outside_the_store_can_be_read(officer: TestClient, lot_id: int,
                                               room_jpegs: dict[str, bytes],
                                               app_data: Path) -> None:
    pano = build_panorama(officer, lot_id, room_jpegs["hall"])
    (app_data / "secret.txt").write_text("TOP-SECRET-CONTENT")
    fake = app_data / "panoramas" / ("a" * 20)
    fake.mkdir()
    (fake / "manifest.json").symlink_to(app_data / "secret.txt")  # a link leading out
    plan = app_data / "panoramas" / "floorplans" / ("b" * 24 + ".png")
    plan.symlink_to(app_data / "secret.txt")
    anon = Anonymous(officer)
    for path in [
        f"/panoramas/{pano}/..%2F..%2Fsecret.txt",
        f"/panoramas/{pano}/%2e%2e/%2e%2e/secret.txt",
        f"/panoramas/{pano}/0/front/..%2F..%2F..%2Fmanifest.json",
        "/panoramas/..%2Fsecret.txt/manifest.json",
        "/panoramas/uploads/x.jpg",
        f"/panoramas/{pano}/manifest.json%00.jpg",
        f"/panoramas/{'a' * 20}/manifest.json",
        f"/panoramas/floorplans/{'b' * 24}.png",
        "/panoramas/floorplans/..%2F..%2Fsecret.txt",
        "/panoramas/videos/..%2Fsecret.txt",
        f"/panoramas/{pano}/0/front/0_0.png",
    ]:
        r = anon.get(path)
        assert r.status_code == 404, path
        assert b"TOP-SECRET-CONTENT" not in r.content


def make_video(path: Path, size: str) -> bytes:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc=size={size}:rate=10", "-t", "1", "-pix_fmt", "yuv420p",
                    "-c:v", "libx264", "-movflags", "+faststart", str(path)], check=True)
    return path.read_bytes()


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
def test_video_upload_and_range_requests(officer: TestClient, lot_id: int,
                                         tmp_path: Path) -> None:
    data = make_video(tmp_path / "v.mp4", "256x128")
    r = upload(officer, "videos", lot_id, data, "video/mp4")
    assert r.status_code == 201, r.text
    video = conforms(r.json(), schemas.VideoUpload)
    assert video["width"] == 256 and video["height"] == 128 and video["duration"] > 0
    anon = Anonymous(officer)
    full = anon.get(video["url"])
    assert full.status_code == 200 and full.content == data
    assert full.headers["content-type"] == "video/mp4"
    assert full.headers["accept-ranges"] == "bytes"
    assert full.headers["cache-control"].endswith("immutable")
    part = anon.get(video["url"], headers={"range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    assert part.content == data[100:200]
    tail = anon.get(video["url"], headers={"range": "bytes=-50"})
    assert tail.status_code == 206 and tail.content == data[-50:]
    beyond = anon.get(video["url"], headers={"range": f"bytes={len(data) + 10}-"})
    assert beyond.status_code == 416
    square = upload(officer, "videos", lot_id, make_video(tmp_path / "s.mp4", "128x128"),
                    "video/mp4")
    assert square.status_code == 422 and square.json()["error"]["code"] == "bad_aspect"
    fake = upload(officer, "videos", lot_id, b"\x00\x00\x00\x18ftypisomjunkjunk", "video/mp4")
    assert fake.status_code == 415 and fake.json()["error"]["code"] == "not_a_video"
    text = upload(officer, "videos", lot_id, b"plain text, no box", "video/mp4")
    assert text.status_code == 415


def test_floor_plan_and_marker_photo_uploads(officer: TestClient, lot_id: int) -> None:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), "white").save(out, "PNG")
    r = upload(officer, "floorplans", lot_id, out.getvalue(), "image/png")
    assert r.status_code == 201, r.text
    plan = conforms(r.json(), schemas.FloorPlan)
    assert (plan["width"], plan["height"]) == (640, 480) and plan["id"].endswith(".png")
    served = TestClient(officer.app).get(plan["url"])
    assert served.headers["content-type"] == "image/png"
    assert served.headers["cache-control"].endswith("immutable")
    bad = upload(officer, "floorplans", lot_id, b"GIF89a....", "image/png")
    assert bad.status_code == 415 and bad.json()["error"]["code"] == "not_an_image"
    photo = upload(officer, "photos", lot_id, jpeg(Image.new("RGB", (300, 200), "red")),
                   "image/jpeg")
    assert photo.status_code == 201 and photo.json()["url"].startswith("/media/photos/")
    conforms(photo.json(), schemas.PhotoUpload)


# --- the tour API and pages ------------------------------------------------------------------
def tour_body(panos: list[str], base: int = 0, **extra: Any) -> dict[str, Any]:
    body = {"base_version": base, "start_scene": "hall", "floor_plan": None, "scenes": [
        {"id": "hall", "name": "<script>alert(1)</script>客厅", "panorama": panos[0],
         "links": [{"to": "study", "yaw": 90, "pitch": -15}],
         "markers": [{"id": "m1", "kind": "text", "category": "defect", "yaw": 10, "pitch": 30,
                      "title": "裂缝", "text": "墙面裂缝"}]},
        {"id": "study", "name": "书房", "panorama": panos[1],
         "links": [{"to": "hall", "yaw": -90, "pitch": -15}]}]}
    body.update(extra)
    return body


def test_tour_api_versions_roles_and_errors(officer: TestClient, lot_id: int, redis_url: str,
                                            room_jpegs: dict[str, bytes]) -> None:
    panos = [build_panorama(officer, lot_id, room_jpegs[k]) for k in ("hall", "study")]
    anon = Anonymous(officer)
    none = anon.get(f"/api/lots/{lot_id}/tour")
    assert none.status_code == 404 and none.json()["error"]["code"] == "no_tour"
    assert anon.get("/api/lots/999/tour").status_code == 404
    assert anon.put(f"/api/lots/{lot_id}/tour", json=tour_body(panos)).status_code == 401
    r = officer.put(f"/api/lots/{lot_id}/tour", json=tour_body(panos))
    assert r.status_code == 201, r.text
    assert conforms(r.json(), schemas.Tour)["version"] == 1
    assert r.headers["location"].endswith("version=1")
    wrong_type = officer.put(f"/api/lots/{lot_id}/tour", content=b"{}",
                             headers={"content-type": "text/plain"})
    assert wrong_type.status_code == 415
    stale = officer.put(f"/api/lots/{lot_id}/tour", json=tour_body(panos))
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "version_conflict"
    bad = tour_body(panos, base=1)
    bad["scenes"][0]["links"].append({"to": "garage", "yaw": 0})
    refused = officer.put(f"/api/lots/{lot_id}/tour", json=bad)
    assert refused.status_code == 422
    assert refused.json()["error"] == {"code": "unknown_scene", "field":
                                       "scenes[0].links[1].to",
                                       "message": "Link to unknown scene 'garage'"}
    second = tour_body(panos, base=1)
    second["scenes"][1]["name"] = "新书房"
    assert officer.put(f"/api/lots/{lot_id}/tour", json=second).json()["version"] == 2
    current = anon.get(f"/api/lots/{lot_id}/tour")
    conforms(current.json(), schemas.Tour)
    assert current.json()["scenes"][1]["name"] == "新书房"
    assert current.headers["cache-control"] == "no-cache"
    assert set(current.json()["panoramas"]) == set(panos)
    v1 = anon.get(f"/api/lots/{lot_id}/tour?version=1")
    assert v1.json()["scenes"][1]["name"] == "书房"
    assert v1.headers["cache-control"].endswith("immutable")
    at = anon.get(f"/api/lots/{lot_id}/tour", params={"at": v1.json()["created_at"]})
    assert at.json()["version"] == 1
    assert anon.get(f"/api/lots/{lot_id}/tour?at=never").status_code == 400
    assert anon.get(f"/api/lots/{lot_id}/tour?version=x").status_code == 400
    assert anon.get(f"/api/lots/{lot_id}/tour?version=9").status_code == 404
    versions = conforms(anon.get(f"/api/lots/{lot_id}/tour/versions").json(),
                        schemas.TourVersions)["items"]
    assert [v["version"] for v in versions] == [1, 2]
    client_login(officer, redis_url, "tour_bidder3", "bidder")
    assert officer.put(f"/api/lots/{lot_id}/tour", json=tour_body(panos, 2)).status_code == 403


def test_tour_pages(officer: TestClient, lot_id: int, redis_url: str,
                    room_jpegs: dict[str, bytes]) -> None:
    panos = [build_panorama(officer, lot_id, room_jpegs[k]) for k in ("hall", "study")]
    anon = Anonymous(officer)
    assert anon.get(f"/lots/{lot_id}/tour").status_code == 404
    officer.put(f"/api/lots/{lot_id}/tour", json=tour_body(panos))
    page = anon.get(f"/lots/{lot_id}/tour")
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text  # the scene name is escaped in the JSON
    assert "\\u003cscript\\u003ealert(1)" in page.text
    assert '<script type="importmap">' in page.text and "cdn" not in page.text.lower()
    pinned = anon.get(f"/lots/{lot_id}/tour?version=1")
    assert 'data-version="1"' in pinned.text
    lot_page = anon.get(f"/lots/{lot_id}")
    assert 'data-tour-url="/api/lots/' in lot_page.text and "tour-launch.js" in lot_page.text
    assert "tour-viewer.js" not in lot_page.text  # the 3D viewer loads when the visitor asks
    assert "edit-tour" not in lot_page.text
    assert "edit-tour" in officer.get(f"/lots/{lot_id}").text
    assert officer.get(f"/officer/lots/{lot_id}/tour").status_code == 200
    editor = anon.get(f"/officer/lots/{lot_id}/tour", follow_redirects=False)
    assert editor.status_code == 303 and editor.headers["location"].startswith("/login")
    client_login(officer, redis_url, "tour_bidder4", "bidder")
    assert officer.get(f"/officer/lots/{lot_id}/tour").status_code == 403


def test_openapi_describes_the_tour_routes(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/lots/{lot_id}/tour", "/api/lots/{lot_id}/tour/versions",
                 "/api/panorama-jobs/{job_id}", "/api/panoramas/{pano_id}",
                 "/upload/panoramas", "/upload/videos", "/upload/floorplans", "/upload/photos"):
        assert path in paths, path
    tour = paths["/api/lots/{lot_id}/tour"]
    assert set(tour) == {"get", "put"}
    for op in tour.values():
        assert [p["name"] for p in op["parameters"] if p["in"] == "path"] == ["lot_id"]
    assert "requestBody" not in tour["get"]  # the GET is not described with the PUT body
    assert {p["name"] for p in tour["get"]["parameters"] if p["in"] == "query"} == {"version",
                                                                                    "at"}
    body = tour["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/TourIn"}
    upload_op = paths["/upload/panoramas"]["post"]
    assert {"401", "403", "404", "413", "415", "422"} <= set(upload_op["responses"])
