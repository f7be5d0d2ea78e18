"""build(): decode -> cube faces -> pyramid -> JPEG tiles + previews + manifest, atomically."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from panorama import project
from panorama._memory import release_memory
from panorama._types import Bgr
from panorama.decode import Header, decode, decode_jpeg_preview
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
from panorama.output import JpegWriter, face_tiles, make_tile_dirs, publish, staging_dir
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


class _WorkMeter:
    """Progress over projection and encoding together (they overlap), half weight each."""

    def __init__(self, report: _Reporter, files: int, start: float = 0.25, end: float = 0.97):
        self.report, self.files, self.start, self.end = report, files, start, end
        self.faces_done = 0

    def face_done(self, writer: JpegWriter, stage: str) -> None:
        self.faces_done += 1
        writer.poll()
        self._report(writer.done, stage)

    def file_done(self, files_done: int) -> None:
        self._report(files_done, "tiles")

    def _report(self, files_done: int, stage: str) -> None:
        work = 0.5 * self.faces_done / len(FACES) + 0.5 * files_done / self.files
        self.report(self.start + (self.end - self.start) * work, stage)


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
    ``progress(fraction, stage)`` is called from the calling thread; raising from it
    cancels the build (nothing is left behind).
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
    manifest = make_manifest(pano_id, levels, tile_size, quality, _source_info(inputs), BASE_FACE)
    meter = _WorkMeter(report, sum(level.tile_count for level in levels) + 3)
    try:
        with (
            staging_dir(final) as tmp,
            JpegWriter(tmp, quality, meter.file_done) as writer,
        ):
            make_tile_dirs(tmp, levels)
            _produce(inputs, levels, tile_size, writer, meter)
            writer.finish()
            write_manifest(tmp, manifest)
            report(0.98, "publishing")
            reused = not publish(tmp, final)
    finally:
        release_memory()
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


def _produce(
    inputs: Inputs, levels: list[Level], tile_size: int, writer: JpegWriter, meter: _WorkMeter
) -> None:
    """Make the largest faces one by one; each face's tiles at every level are queued for
    encoding as soon as it exists, so big face arrays are released early."""
    if inputs.kind == "cubemap":
        meter.start = 0.02
        faces = _faces_from_cube(inputs, levels[-1].face_size)
        stage = "decoding"
    else:
        work, preview = _decode_equirect(inputs.first, levels[-1].face_size, meter)
        faces = ((face, project.equirect_to_face(work, face)) for face in FACES)
        stage = "projecting"
    smallest: Faces = {}
    for face, image in faces:
        smallest[face] = _emit_face(levels, face, image, tile_size, writer)
        meter.face_done(writer, stage)
    if inputs.kind == "cubemap":
        small = {f: project.downscale(img, PREVIEW_WIDTH // 4) for f, img in smallest.items()}
        preview = project.faces_to_equirect(small, PREVIEW_WIDTH, PREVIEW_WIDTH // 2)
    writer.submit(
        [
            (PREVIEW_NAME, preview),
            (THUMB_NAME, project.thumbnail(smallest["front"])),
            (BASE_NAME, project.cube_stripe(smallest, BASE_FACE)),
        ]
    )


def _emit_face(
    levels: list[Level], face: str, image: Bgr, tile_size: int, writer: JpegWriter
) -> Bgr:
    """Queue one face's tiles at every level, largest first; return the smallest level."""
    for level in reversed(levels):
        image = project.downscale(image, level.face_size)
        writer.submit(face_tiles(level, face, image, tile_size))
    return image


def _decode_equirect(header: Header, size: int, meter: _WorkMeter) -> tuple[Bgr, Bgr]:
    """The equirect resized for faces of ``size`` px, and the preview."""
    meter.report(0.02, "decoding")
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pano-side") as side:
        # Meanwhile on the other core: the preview (JPEG DCT scaling), then remap tables.
        preview_job = (
            side.submit(decode_jpeg_preview, header, PREVIEW_WIDTH)
            if header.format == "JPEG"
            else None
        )
        if size <= project.MAX_CACHED_FACE:
            side.submit(project.face_maps, size)
        work = project.fit_equirect(decode(header, "input"), size)
        meter.report(0.25, "projecting")
        return work, _preview(preview_job, work)


def _preview(job: Future[Bgr] | None, work: Bgr) -> Bgr:
    """The draft-mode preview, or one resized from the decoded image (PNG, odd JPEGs)."""
    try:
        if job is not None:
            return job.result()
    except Exception:  # noqa: BLE001 - any draft failure: fall back to the full image
        pass
    return project.equirect_preview(work, PREVIEW_WIDTH)


def _faces_from_cube(inputs: Inputs, size: int) -> Iterator[tuple[str, Bgr]]:
    for face, header in inputs.headers.items():
        yield face, project.fit_face(decode(header, face), size)


def _source_info(inputs: Inputs) -> dict[str, Any]:
    header = inputs.first
    return {
        "kind": inputs.kind,
        "format": header.format,
        "width": header.width,
        "height": header.height,
        "sha256": inputs.sha256,
    }
