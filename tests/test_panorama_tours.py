"""Tours: validation, references, immutable versions, lookup by version and by time."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from panorama.pipeline import build
from panorama.store import PanoramaStore
from panorama.synthetic import render_room
from panorama.tours import TourError, Tours, clean_tour, parse_time, tour_view, version_key


@pytest.fixture(scope="module")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A data dir whose panorama store holds two rooms and one floor plan."""
    root = tmp_path_factory.mktemp("tours")
    store = PanoramaStore(root)
    ids = []
    for name in ("HALL", "KITCHEN"):
        src = root / f"{name}.jpg"
        render_room(name, 2048).save(src, quality=90)
        ids.append(build(src, store.root).id)
    Image.new("RGB", (400, 300), "white").save(store.floorplans / ("a" * 24 + ".png"))
    return root, ids


def doc(ids: list[str], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "start_scene": "hall",
        "floor_plan": {"id": "a" * 24 + ".png"},
        "scenes": [
            {"id": "hall", "name": " 客厅 ", "panorama": ids[0],
             "initial_view": {"yaw": 370, "pitch": 5, "fov": 80},
             "plan": {"x": 100, "y": 150, "heading": -90},
             "links": [{"to": "kitchen", "yaw": 90, "pitch": -10}],
             "markers": [{"id": "m1", "kind": "text", "category": "defect", "yaw": 10,
                          "pitch": 40, "title": "墙面渗水", "text": "<b>not html</b>"}]},
            {"id": "kitchen", "name": "厨房", "panorama": ids[1],
             "plan": {"x": 300, "y": 150, "heading": 0},
             "links": [{"to": "hall", "yaw": -90}], "markers": []},
        ],
    }
    body.update(extra)
    return body


def refusal(data: Any) -> TourError:
    with pytest.raises(TourError) as info:
        clean_tour(data)
    return info.value


def test_clean_normalises_angles_names_and_defaults(data_root: tuple[Path, list[str]]) -> None:
    tour = clean_tour(doc(data_root[1]))
    hall, kitchen = tour["scenes"]
    assert hall["name"] == "客厅"
    assert hall["initial_view"] == {"yaw": 10.0, "pitch": 5.0, "fov": 80.0}
    assert hall["plan"] == {"x": 100.0, "y": 150.0, "heading": 270.0}
    assert kitchen["initial_view"] == {"yaw": 0.0, "pitch": 0.0, "fov": 90.0}
    assert kitchen["links"] == [{"to": "hall", "yaw": -90.0, "pitch": 0.0}]
    assert hall["markers"][0]["text"] == "<b>not html</b>"  # stored as text, escaped on output
    assert clean_tour({"scenes": []}) == {"start_scene": None, "floor_plan": None, "scenes": []}
    assert clean_tour(doc(data_root[1], start_scene=None))["start_scene"] == "hall"


@pytest.mark.parametrize("mutate, code, field", [
    (lambda d: d["scenes"][0]["links"].append({"to": "attic", "yaw": 0}), "unknown_scene",
     "scenes[0].links[1].to"),
    (lambda d: d["scenes"][0]["links"].append({"to": "hall", "yaw": 0}), "self_link",
     "scenes[0].links[1].to"),
    (lambda d: d["scenes"][0]["links"].append({"to": "kitchen", "yaw": 5}), "duplicate_link",
     "scenes[0].links[1].to"),
    (lambda d: d["scenes"][1].update(id="hall"), "duplicate_scene", "scenes"),
    (lambda d: d.update(start_scene="attic"), "unknown_scene", "start_scene"),
    (lambda d: d["scenes"][0].update(name="  "), "missing_name", "scenes[0].name"),
    (lambda d: d["scenes"][0].update(name="x" * 61), "text_too_long", "scenes[0].name"),
    (lambda d: d["scenes"][0].update(id="../etc"), "invalid_scene", "scenes[0].id"),
    (lambda d: d["scenes"][0].update(panorama="../../secret"), "invalid_panorama",
     "scenes[0].panorama"),
    (lambda d: d["scenes"][0]["links"][0].update(pitch=91), "invalid_angle",
     "scenes[0].links[0].pitch"),
    (lambda d: d["scenes"][0]["links"][0].update(yaw=float("nan")), "invalid_angle",
     "scenes[0].links[0].yaw"),
    (lambda d: d["scenes"][0]["links"][0].update(yaw=True), "invalid_angle",
     "scenes[0].links[0].yaw"),
    (lambda d: d["scenes"][0]["initial_view"].update(fov=170), "invalid_view",
     "scenes[0].initial_view.fov"),
    (lambda d: d["scenes"][0]["markers"][0].update(kind="html"), "invalid_marker",
     "scenes[0].markers[0].kind"),
    (lambda d: d["scenes"][0]["markers"][0].update(kind="photo", photo="https://evil/x.jpg"),
     "invalid_marker", "scenes[0].markers[0].photo"),
    (lambda d: d["scenes"][0]["markers"].append(dict(d["scenes"][0]["markers"][0])),
     "duplicate_marker", "scenes[0].markers"),
    (lambda d: d["scenes"][0].update(video="../x.mp4"), "invalid_video", "scenes[0].video"),
    (lambda d: d.update(floor_plan={"id": "/etc/passwd"}), "invalid_floor_plan", "floor_plan"),
    (lambda d: d.update(scenes={"hall": {}}), "invalid_tour", "scenes"),
])
def test_refusals_name_code_and_field(data_root: tuple[Path, list[str]], mutate: Any, code: str,
                                      field: str) -> None:
    data = json.loads(json.dumps(doc(data_root[1])))
    mutate(data)
    error = refusal(data)
    assert (error.code, error.field) == (code, field)
    assert error.status == 422


def test_too_many_scenes_is_refused(data_root: tuple[Path, list[str]]) -> None:
    scene = doc(data_root[1])["scenes"][1] | {"links": []}
    scenes = [scene | {"id": f"s{i}"} for i in range(41)]
    assert refusal({"scenes": scenes}).code == "too_many_scenes"


async def test_save_versions_are_immutable_and_readable_by_version_and_time(
        aredis: Any, data_root: tuple[Path, list[str]]) -> None:
    root, ids = data_root
    tours = Tours(aredis, PanoramaStore(root))
    with pytest.raises(TourError) as none_yet:
        await tours.get(7)
    assert none_yet.value.status == 404
    first = await tours.save(7, doc(ids), "officer", 0)
    assert first["version"] == 1 and first["author"] == "officer"
    assert first["floor_plan"] == {"id": "a" * 24 + ".png", "width": 400, "height": 300}
    await asyncio.sleep(0.01)
    changed = doc(ids)
    changed["scenes"][1]["name"] = "新厨房"
    second = await tours.save(7, changed, "officer2", 1)
    assert second["version"] == 2
    assert (await tours.get(7))["scenes"][1]["name"] == "新厨房"
    old = await tours.get(7, version=1)
    assert old["scenes"][1]["name"] == "厨房" and old == first
    # by time: the instant of version 1 and anything before version 2 give version 1
    t1, t2 = parse_time(first["created_at"]), parse_time(second["created_at"])
    assert t1 < t2
    assert (await tours.get(7, at_ms=t1))["version"] == 1
    assert (await tours.get(7, at_ms=t2 - 1))["version"] == 1
    assert (await tours.get(7, at_ms=t2 + 60_000))["version"] == 2
    with pytest.raises(TourError) as before:
        await tours.get(7, at_ms=t1 - 1)
    assert before.value.code == "no_tour"
    listing = await tours.versions(7)
    assert [(v["version"], v["author"], v["scenes"]) for v in listing] == [
        (1, "officer", 2), (2, "officer2", 2)]
    # the stored version 1 was never rewritten
    assert json.loads(await aredis.get(version_key(7, 1))) == first


async def test_stale_base_version_is_a_conflict(aredis: Any,
                                                data_root: tuple[Path, list[str]]) -> None:
    root, ids = data_root
    tours = Tours(aredis, PanoramaStore(root))
    await tours.save(8, doc(ids), "officer", 0)
    with pytest.raises(TourError) as info:
        await tours.save(8, doc(ids), "officer", 0)
    assert (info.value.code, info.value.status) == ("version_conflict", 409)
    with pytest.raises(TourError) as missing:
        await tours.save(8, doc(ids), "officer", None)
    assert missing.value.code == "invalid_tour"
    assert await tours.current_version(8) == 1


async def test_concurrent_saves_from_one_base_make_exactly_one_version(
        aredis: Any, data_root: tuple[Path, list[str]]) -> None:
    root, ids = data_root
    tours = Tours(aredis, PanoramaStore(root))
    results = await asyncio.gather(*(tours.save(9, doc(ids), f"o{i}", 0) for i in range(8)),
                                   return_exceptions=True)
    saved = [r for r in results if isinstance(r, dict)]
    conflicts = [r for r in results if isinstance(r, TourError)]
    assert len(saved) == 1 and len(conflicts) == 7
    assert all(c.code == "version_conflict" for c in conflicts)
    assert [v["version"] for v in await tours.versions(9)] == [1]


async def test_references_must_exist(aredis: Any, data_root: tuple[Path, list[str]]) -> None:
    root, ids = data_root
    tours = Tours(aredis, PanoramaStore(root))
    cases = [
        (doc(ids) | {"floor_plan": {"id": "b" * 24 + ".png"}}, "unknown_floor_plan"),
        (doc(["0" * 20, ids[1]]), "unknown_panorama"),
        (doc(ids) | {"floor_plan": None}, "no_floor_plan"),
    ]
    off = doc(ids)
    off["scenes"][0]["plan"]["x"] = 401
    cases.append((off, "off_plan"))
    video = doc(ids)
    video["scenes"][0]["video"] = "c" * 24 + ".mp4"
    cases.append((video, "unknown_video"))
    for data, code in cases:
        with pytest.raises(TourError) as info:
            await tours.save(10, data, "officer", 0)
        assert info.value.code == code
    assert await tours.current_version(10) == 0


async def test_view_adds_urls_and_viewer_manifests(aredis: Any,
                                                   data_root: tuple[Path, list[str]]) -> None:
    root, ids = data_root
    store = PanoramaStore(root)
    saved = await Tours(aredis, store).save(11, doc(ids), "officer", 0)
    view = tour_view(saved, store)
    assert view["floor_plan"]["url"] == "/panoramas/floorplans/" + "a" * 24 + ".png"
    assert set(view["panoramas"]) == set(ids)
    pano = view["panoramas"][ids[0]]
    assert pano["url"] == f"/panoramas/{ids[0]}/"
    assert pano["levels"] == [{"face_size": 512, "tiles_per_side": 1}]
    assert pano["base"]["path"] == "base.jpg" and "source" not in pano
    assert view["scenes"][0]["video_url"] is None
    assert "panoramas" not in saved  # the stored document is untouched


def test_parse_time() -> None:
    assert parse_time("2026-01-01T00:00:00Z") == 1767225600000
    assert parse_time("2026-01-01T08:00:00+08:00") == 1767225600000
    assert parse_time("2026-01-01T00:00:00") == 1767225600000
    assert parse_time("1767225600000") == 1767225600000
    with pytest.raises(TourError):
        parse_time("yesterday")
