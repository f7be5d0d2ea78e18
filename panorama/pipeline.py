"""build(): decode -> cube faces -> pyramid -> JPEG tiles + previews + manifest, atomically."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from panorama import project
from panorama._types import Bgr
from panorama.decode import decode
from panorama.errors import PanoramaError
from panorama.geometry import FACES, Level, face_size_for_width, is_power_of_two, plan_levels
from panorama.manifest import (
    BASE_NAME,
    MANIFEST_NAME,
    PREVIEW_NAME,
    THUMB_NAME,
    Manifest,
    make_manifest,
    read_manifest,
    write_manifest,
)
from panorama.output import make_tile_dirs, publish, staging_dir, tile_jobs, write_all
from panorama.sources import Inputs, Source, load_inputs

Progress = Callable[[float, str], None]
Faces = dict[str, Bgr]
ID_LENGTH = 20
PREVIEW_WIDTH = 1024
BASE_FACE = 256
DEFAULTS = (512, 85, None)


@dataclass(frozen=True)
class BuildResult:
    id: str
    path: Path
    manifest: Manifest
    reused: bool


class _Reporter:
    """Monotonic progress reports; an exception raised by the callback cancels the build."""

    def __init__(self, callback: Progress | None) -> None:
        self.callback = callback
        self.last = 0.0

    def __call__(self, fraction: float, stage: str) -> None:
        self.last = max(self.last, min(1.0, fraction))
        if self.callback is not None:
            self.callback(self.last, stage)

    def span(self, start: float, end: float, stage: str, total: int) -> Callable[[int], None]:
        return lambda done: self(start + (end - start) * done / max(total, 1), stage)


def build(
    source: Source,
    out_root: Path,
    *,
    tile_size: int = 512,
    quality: int = 85,
    max_face: int | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build (or reuse) the tiled cubemap of ``source`` under ``out_root/<id>/``.

    ``source`` is an equirectangular JPEG/PNG, a folder holding six faces named
    left/front/right/back/top/bottom (.jpg/.jpeg/.png), or a list of those six paths.
    """
    _check_options(tile_size, quality, max_face)
    report = _Reporter(progress)
    report(0.0, "reading")
    inputs = load_inputs(source, tile_size)
    pano_id = make_id(inputs.sha256, tile_size, quality, max_face)
    final = Path(out_root) / pano_id
    if (final / MANIFEST_NAME).is_file():
        report(1.0, "done")
        return BuildResult(pano_id, final, read_manifest(final), reused=True)
    levels = _levels(inputs, tile_size, max_face)
    faces, preview = _project(inputs, levels[-1].face_size, report)
    manifest = make_manifest(pano_id, levels, tile_size, quality, _source_info(inputs), BASE_FACE)
    with staging_dir(final) as tmp:
        _write_outputs(tmp, levels, faces, preview, tile_size, quality, report)
        write_manifest(tmp, manifest)
        report(0.98, "publishing")
        reused = not publish(tmp, final)
    report(1.0, "done")
    return BuildResult(pano_id, final, read_manifest(final) if reused else manifest, reused)


def make_id(sha256: str, tile_size: int, quality: int, max_face: int | None) -> str:
    """Content hash; non-default options get a suffix so they never share a folder."""
    if (tile_size, quality, max_face) == DEFAULTS:
        return sha256[:ID_LENGTH]
    return f"{sha256[:ID_LENGTH]}-t{tile_size}-q{quality}-f{max_face or 0}"


def _check_options(tile_size: int, quality: int, max_face: int | None) -> None:
    if not (is_power_of_two(tile_size) and 128 <= tile_size <= 1024):
        raise PanoramaError("bad_option", f"tile size {tile_size}: use a power of two, 128-1024")
    if not 1 <= quality <= 100:
        raise PanoramaError("bad_option", f"JPEG quality {quality}: use 1-100")
    if max_face is not None and max_face < tile_size:
        raise PanoramaError("bad_option", f"max face {max_face} is below the tile size")


def _levels(inputs: Inputs, tile_size: int, max_face: int | None) -> list[Level]:
    header = inputs.first
    native = header.width if inputs.kind == "cubemap" else face_size_for_width(header.width)
    levels = plan_levels(native, tile_size, max_face)
    if not levels:
        raise PanoramaError("too_small", f"input too small for {tile_size} px tiles")
    return levels


def _project(inputs: Inputs, size: int, report: _Reporter) -> tuple[Faces, Bgr]:
    """Largest-level faces plus the equirectangular preview."""
    if inputs.kind == "cubemap":
        return _faces_from_cube(inputs, size, report)
    report(0.02, "decoding")
    equi = decode(inputs.first, "input")
    report(0.25, "projecting")
    work = project.fit_equirect(equi, size)
    del equi
    preview = project.equirect_preview(work, PREVIEW_WIDTH)
    step = report.span(0.25, 0.45, "projecting", len(FACES))
    faces: Faces = {}
    for i, face in enumerate(FACES, start=1):
        faces[face] = project.equirect_to_face(work, face)
        step(i)
    return faces, preview


def _faces_from_cube(inputs: Inputs, size: int, report: _Reporter) -> tuple[Faces, Bgr]:
    step = report.span(0.02, 0.45, "decoding", len(FACES))
    faces: Faces = {}
    for i, (face, header) in enumerate(inputs.headers.items(), start=1):
        faces[face] = project.fit_face(decode(header, face), size)
        step(i)
    small = {f: project.downscale(img, PREVIEW_WIDTH // 4) for f, img in faces.items()}
    return faces, project.faces_to_equirect(small, PREVIEW_WIDTH, PREVIEW_WIDTH // 2)


def _pyramid(levels: list[Level], top: Faces) -> list[Faces]:
    """Faces for every level, smallest first, each halved from the next larger one."""
    out = [top]
    for level in reversed(levels[:-1]):
        out.insert(0, {f: project.downscale(img, level.face_size) for f, img in out[0].items()})
    return out


def _write_outputs(
    root: Path,
    levels: list[Level],
    top: Faces,
    preview: Bgr,
    tile_size: int,
    quality: int,
    report: _Reporter,
) -> None:
    pyramid = _pyramid(levels, top)
    base = pyramid[0]
    jobs: list[tuple[str, Bgr]] = [
        (PREVIEW_NAME, preview),
        (THUMB_NAME, project.thumbnail(base["front"])),
        (BASE_NAME, project.cube_stripe(base, BASE_FACE)),
    ]
    for level, faces in zip(levels, pyramid, strict=True):
        jobs.extend(tile_jobs(level, faces, tile_size))
    make_tile_dirs(root, levels)
    write_all(root, jobs, quality, report.span(0.45, 0.97, "tiles", len(jobs)))


def _source_info(inputs: Inputs) -> dict[str, Any]:
    header = inputs.first
    return {
        "kind": inputs.kind,
        "format": header.format,
        "width": header.width,
        "height": header.height,
        "sha256": inputs.sha256,
    }
