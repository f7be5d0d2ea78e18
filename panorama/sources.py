"""Turn a build() ``source`` argument into validated, hashed inputs (nothing decoded yet)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from panorama.decode import Header, check_equirect, check_face, probe, read_input
from panorama.errors import PanoramaError
from panorama.geometry import FACES

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})
Source = Path | str | list[Path] | list[str]


@dataclass(frozen=True)
class Inputs:
    """Either one equirectangular header or six face headers keyed by face name."""

    kind: str  # "equirectangular" | "cubemap"
    sha256: str
    headers: dict[str, Header]

    @property
    def first(self) -> Header:
        return next(iter(self.headers.values()))


def load_inputs(source: Source, min_face: int) -> Inputs:
    paths = _as_paths(source)
    if len(paths) == 1 and not paths[0].is_dir():
        return _equirect(paths[0])
    faces = _faces_in_folder(paths[0]) if len(paths) == 1 else _faces_by_name(paths)
    return _cubemap(faces, min_face)


def _as_paths(source: Source) -> list[Path]:
    if isinstance(source, (str, Path)):
        return [Path(source)]
    paths = [Path(p) for p in source]
    if len(paths) not in (1, 6):
        raise PanoramaError("bad_faces", f"expected 1 image or 6 faces, got {len(paths)} paths")
    return paths


def _equirect(path: Path) -> Inputs:
    data = read_input(path)
    header = probe(data, path.name)
    check_equirect(header, path.name)
    sha = hashlib.sha256(data).hexdigest()
    return Inputs("equirectangular", sha, {"equirectangular": header})


def _faces_in_folder(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        raise PanoramaError("not_found", f"{folder} does not exist")
    images = [p for p in sorted(folder.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES]
    return _faces_by_name([p for p in images if p.stem.lower() in FACES])


def _faces_by_name(paths: list[Path]) -> dict[str, Path]:
    faces: dict[str, Path] = {}
    for path in paths:
        name = path.stem.lower()
        if name not in FACES or name in faces:
            raise PanoramaError("bad_faces", f"{path.name}: faces must be named {'/'.join(FACES)}")
        faces[name] = path
    missing = [face for face in FACES if face not in faces]
    if missing:
        raise PanoramaError("bad_faces", f"missing face image(s): {', '.join(missing)}")
    return {face: faces[face] for face in FACES}


def _cubemap(paths: dict[str, Path], min_face: int) -> Inputs:
    digest = hashlib.sha256(b"cubemap")
    headers: dict[str, Header] = {}
    for face, path in paths.items():
        header = probe(read_input(path), path.name)
        check_face(header, face, min_face)
        digest.update(face.encode() + hashlib.sha256(header.data).digest())
        headers[face] = header
    if len({h.width for h in headers.values()}) != 1:
        raise PanoramaError("bad_faces", "all six faces must have the same size")
    return Inputs("cubemap", digest.hexdigest(), headers)
