"""The pipeline on a real photograph (tests/data, CC BY-SA 3.0, see its NOTE file)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from panorama import build

PHOTO = Path(__file__).with_name("data") / "pannellum-examplepano.jpg"


def test_real_photo(tmp_path: Path) -> None:
    stages: list[str] = []
    result = build(PHOTO, tmp_path, progress=lambda f, s: stages.append(s))
    m = result.manifest
    assert m["source"] == {
        "kind": "equirectangular",
        "format": "JPEG",
        "width": 4096,
        "height": 2048,
        "sha256": m["source"]["sha256"],
    }
    assert [lv["face_size"] for lv in m["levels"]] == [512, 1024]
    assert len(list(result.path.glob("*/*/*.jpg"))) == 30 and stages[-1] == "done"
    source = np.asarray(Image.open(PHOTO).convert("RGB"), dtype=np.float32)
    with Image.open(result.path / "preview.jpg") as preview:
        got = np.asarray(preview.convert("RGB"), dtype=np.float32)
    want = cv2.resize(source, (1024, 512), interpolation=cv2.INTER_AREA)
    assert np.abs(got - want).mean() < 4
    # The centre of the front face is the centre of the photo.
    with Image.open(result.path / "1" / "front" / "1_1.jpg") as tile:
        front = np.asarray(tile.convert("RGB"), dtype=np.float32)[:8, :8].mean(axis=(0, 1))
    centre = source[1020:1028, 2044:2052].mean(axis=(0, 1))
    assert np.abs(front - centre).max() < 12
    with Image.open(result.path / "thumb.jpg") as thumb:
        assert thumb.size == (480, 270) and np.asarray(thumb).std() > 20
