"""The command line, run as a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from panorama.synthetic import render_room

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "panorama", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def small_room(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "hall.jpg"
    render_room("Hall", 2048).save(path, quality=90)
    return path


def test_build_then_info(small_room: Path, tmp_path: Path) -> None:
    built = run("build", str(small_room), str(tmp_path), "--quality", "80")
    assert built.returncode == 0, built.stderr
    folder = Path(built.stdout.strip().splitlines()[-1])
    assert folder.parent == tmp_path and (folder / "manifest.json").is_file()
    again = run("build", str(small_room), str(tmp_path), "--quality", "80")
    assert again.returncode == 0 and Path(again.stdout.strip()) == folder
    assert "already built" in again.stderr
    info = run("info", str(folder))
    assert info.returncode == 0, info.stderr
    assert "level 0:   face 512 px, 1x1 tiles/face, 6 tiles" in info.stdout
    assert "MISSING" not in info.stdout and "preview.jpg 1024x512" in info.stdout
    root_info = run("info", str(tmp_path))  # an output root: every build in it
    assert root_info.returncode == 0 and folder.name in root_info.stdout


def test_bad_input_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\x00" * 100)
    result = run("build", str(junk), str(tmp_path / "out"))
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == ["error: not_an_image: junk.jpg is not a readable image"]
    missing = run("info", str(tmp_path))
    assert missing.returncode == 2 and missing.stderr.startswith("error: bad_manifest:")
    usage = run("build")
    assert usage.returncode == 2


def test_room_command(tmp_path: Path) -> None:
    out = tmp_path / "demo.jpg"
    result = run("room", "Demo", str(out), "--width", "2048", "--door", "90")
    assert result.returncode == 0, result.stderr and out.is_file()
