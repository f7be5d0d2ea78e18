"""build(): manifest, files, progress, idempotent reuse, atomic output, cube-face input."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from panorama import BuildResult, PanoramaError, build, read_manifest
from panorama import output as output_module
from panorama import pipeline as pipeline_module
from panorama.geometry import FACES
from panorama.output import publish
from panorama.synthetic import render_room


@pytest.fixture(scope="module")
def room_jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("room") / "room.jpg"
    render_room("Test room", 4096, doors=[180.0, -60.0]).save(path, quality=90)
    return path


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size)
        for p in folder.rglob("*")
        if p.is_file()
    }


def leftovers(root: Path) -> list[str]:
    return [p.name for p in root.iterdir() if p.name.startswith(".")] if root.exists() else []


def test_build_writes_manifest_and_all_files(room_jpeg: Path, tmp_path: Path) -> None:
    result = build(room_jpeg, tmp_path)
    assert isinstance(result, BuildResult) and not result.reused
    assert result.path == tmp_path / result.id and len(result.id) == 20
    m = result.manifest
    on_disk = json.loads((result.path / "manifest.json").read_text())
    assert m == read_manifest(result.path) == on_disk
    assert m["version"] == 1 and m["type"] == "cubemap-tiles" and m["id"] == result.id
    assert m["tile_size"] == 512
    assert m["levels"] == [
        {"face_size": 512, "tiles_per_side": 1},
        {"face_size": 1024, "tiles_per_side": 2},
    ]
    assert m["faces"] == ["left", "front", "right", "back", "top", "bottom"]
    assert m["tile_url"] == "{level}/{face}/{row}_{col}.jpg"
    assert m["initial_view"] == {"yaw": 0, "pitch": 0, "fov": 90}
    assert m["source"]["width"] == 4096 and m["source"]["height"] == 2048
    assert m["source"]["sha256"].startswith(result.id)
    tiles = sorted(str(p.relative_to(result.path)) for p in result.path.glob("*/*/*.jpg"))
    assert len(tiles) == 30
    for level, spec in enumerate(m["levels"]):
        n = spec["tiles_per_side"]
        for face in FACES:
            for row in range(n):
                for col in range(n):
                    with Image.open(
                        result.path / m["tile_url"].format(level=level, face=face, row=row, col=col)
                    ) as tile:
                        assert tile.format == "JPEG" and tile.size == (512, 512)
    for name, size in (
        (m["preview"], (1024, 512)),
        (m["thumbnail"], (480, 270)),
        (m["base"]["path"], (6 * 256, 256)),
    ):
        with Image.open(result.path / name) as img:
            assert img.size == size and img.format == "JPEG"
    assert leftovers(tmp_path) == []


def test_progress_is_regular_and_monotonic(room_jpeg: Path, tmp_path: Path) -> None:
    calls: list[tuple[float, str]] = []
    build(room_jpeg, tmp_path, progress=lambda f, s: calls.append((f, s)))
    fractions = [f for f, _ in calls]
    assert fractions[0] == 0.0 and calls[-1] == (1.0, "done")
    assert fractions == sorted(fractions) and all(0.0 <= f <= 1.0 for f in fractions)
    assert len(calls) >= 12
    assert {"decoding", "projecting", "tiles", "done"} <= {s for _, s in calls}
    assert max(b - a for a, b in zip(fractions, fractions[1:], strict=False)) <= 0.25


def test_second_build_reuses_without_touching_files(
    room_jpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build(room_jpeg, tmp_path)
    before = snapshot(first.path)

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("a reused build must not decode again")

    monkeypatch.setattr(pipeline_module, "decode", boom)
    again = build(room_jpeg, tmp_path)
    assert again.reused and again.id == first.id and again.manifest == first.manifest
    assert snapshot(first.path) == before
    copy = tmp_path / "copy-of-upload.jpg"
    copy.write_bytes(room_jpeg.read_bytes())
    assert build(copy, tmp_path).reused  # same bytes, other name: same id


def test_failed_build_leaves_nothing(
    room_jpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = output_module.write_jpeg
    written: list[Path] = []

    def flaky(path: Path, image: np.ndarray, quality: int) -> None:
        if len(written) >= 10:
            raise OSError("disk full")
        written.append(path)
        real_write(path, image, quality)

    monkeypatch.setattr(output_module, "write_jpeg", flaky)
    with pytest.raises(OSError, match="disk full"):
        build(room_jpeg, tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert written and not any(p.exists() for p in written)


def test_progress_callback_can_cancel(room_jpeg: Path, tmp_path: Path) -> None:
    class Cancelled(Exception):
        pass

    def progress(fraction: float, stage: str) -> None:
        if stage == "tiles" and fraction > 0.6:
            raise Cancelled

    with pytest.raises(Cancelled):
        build(room_jpeg, tmp_path, progress=progress)
    assert list(tmp_path.iterdir()) == []


def test_publish_loses_gracefully_to_a_finished_build(tmp_path: Path) -> None:
    final, tmp = tmp_path / "abc", tmp_path / ".abc.tmp"
    final.mkdir()
    (final / "manifest.json").write_text("{}")
    tmp.mkdir()
    (tmp / "x").write_text("x")
    assert publish(tmp, final) is False
    assert (final / "manifest.json").read_text() == "{}"


def test_concurrent_builds_of_one_upload(room_jpeg: Path, tmp_path: Path) -> None:
    results: list[BuildResult] = []
    threads = [
        threading.Thread(target=lambda: results.append(build(room_jpeg, tmp_path)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and results[0].id == results[1].id
    assert [p.name for p in tmp_path.iterdir()] == [results[0].id]
    assert len(list(results[0].path.glob("*/*/*.jpg"))) == 30


def test_options_change_the_id_and_levels(room_jpeg: Path, tmp_path: Path) -> None:
    default = build(room_jpeg, tmp_path)
    small = build(room_jpeg, tmp_path, tile_size=256, quality=80, max_face=512)
    assert small.id != default.id and small.id.startswith(default.id)
    assert small.manifest["levels"] == [
        {"face_size": 256, "tiles_per_side": 1},
        {"face_size": 512, "tiles_per_side": 2},
    ]
    with Image.open(small.path / "1" / "top" / "1_1.jpg") as tile:
        assert tile.size == (256, 256)


def test_six_face_input_round_trips(room_jpeg: Path, tmp_path: Path) -> None:
    first = build(room_jpeg, tmp_path / "a")
    faces = tmp_path / "faces"
    faces.mkdir()
    for face in FACES:  # reassemble the 1024 faces from level 1 tiles, as PNG
        canvas = Image.new("RGB", (1024, 1024))
        for row in range(2):
            for col in range(2):
                with Image.open(first.path / "1" / face / f"{row}_{col}.jpg") as tile:
                    canvas.paste(tile, (col * 512, row * 512))
        canvas.save(faces / f"{face}.png")
    from_folder = build(faces, tmp_path / "b")
    from_list = build(sorted(faces.iterdir()), tmp_path / "b")
    assert from_list.reused and from_list.id == from_folder.id
    assert from_folder.manifest["source"]["kind"] == "cubemap"
    assert from_folder.manifest["levels"] == first.manifest["levels"]
    for rel in ("0/front/0_0.jpg", "1/top/0_1.jpg", "1/bottom/1_0.jpg", "preview.jpg"):
        with Image.open(first.path / rel) as a, Image.open(from_folder.path / rel) as b:
            diff = np.abs(np.asarray(a, dtype=int) - np.asarray(b, dtype=int))
            assert diff.mean() < 4, rel


def test_read_manifest_rejects_garbage(tmp_path: Path) -> None:
    with pytest.raises(PanoramaError) as info:
        read_manifest(tmp_path)
    assert info.value.code == "bad_manifest"
    (tmp_path / "manifest.json").write_text(json.dumps({"version": 99}))
    with pytest.raises(PanoramaError):
        read_manifest(tmp_path / "manifest.json")
