"""Command line: ``python -m panorama build|info|room ...`` (exit code 2 on bad input)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from PIL import Image
from tqdm import tqdm

from panorama.errors import PanoramaError
from panorama.geometry import FACES
from panorama.manifest import read_manifest
from panorama.pipeline import build
from panorama.synthetic import render_room


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except PanoramaError as exc:
        print(f"error: {exc.code}: {exc.message}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m panorama", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    p_build = sub.add_parser("build", help="build PSV cubemap tiles from a panorama")
    p_build.add_argument("input", type=Path, help="equirectangular JPEG/PNG or a faces folder")
    p_build.add_argument("outdir", type=Path, help="output root (a <id>/ folder is created)")
    p_build.add_argument("--face", type=int, default=None, help="largest face size in px")
    p_build.add_argument("--tile", type=int, default=512, help="tile size in px (512)")
    p_build.add_argument("--quality", type=int, default=85, help="JPEG quality (85)")
    p_build.set_defaults(func=_cmd_build)
    p_info = sub.add_parser("info", help="summarise a built folder")
    p_info.add_argument("folder", type=Path, help="a build folder, or an output root")
    p_info.set_defaults(func=_cmd_info)
    p_room = sub.add_parser("room", help="render a synthetic demo room (equirectangular)")
    p_room.add_argument("name", help="room name painted on the front wall (ASCII)")
    p_room.add_argument("output", type=Path, help="output .jpg or .png")
    p_room.add_argument("--width", type=int, default=4096)
    p_room.add_argument("--door", type=float, action="append", help="door yaw in degrees")
    p_room.add_argument("--seed", type=int, default=0)
    p_room.set_defaults(func=_cmd_room)
    return parser


def _cmd_build(args: argparse.Namespace) -> int:
    with tqdm(total=100, unit="%", leave=False, disable=None) as bar:

        def progress(fraction: float, stage: str) -> None:
            bar.set_description(stage, refresh=False)
            bar.update(round(fraction * 100) - bar.n)

        result = build(
            args.input,
            args.outdir,
            tile_size=args.tile,
            quality=args.quality,
            max_face=args.face,
            progress=progress,
        )
    if result.reused:
        print(f"already built: {result.id}", file=sys.stderr)
    print(result.path)
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    """Summarise a build folder, or every build folder in an output root."""
    folder: Path = args.folder
    if not (folder / "manifest.json").is_file() and folder.is_dir():
        builds = sorted(p for p in folder.iterdir() if (p / "manifest.json").is_file())
        for i, build_folder in enumerate(builds):
            print("" if i == 0 else "\n", end="")
            _summarise(build_folder)
        if builds:
            return 0
    _summarise(folder)
    return 0


def _summarise(folder: Path) -> None:
    manifest = read_manifest(folder)
    source = manifest["source"]
    print(f"id:        {manifest['id']}")
    print(f"source:    {source['kind']} {source['format']} {source['width']}x{source['height']}")
    print(f"tiles:     {manifest['tile_size']} px, JPEG quality {manifest.get('quality', '?')}")
    total_files = total_bytes = 0
    for index, level in enumerate(manifest["levels"]):
        n = level["tiles_per_side"]
        files = [
            folder / str(index) / face / f"{r}_{c}.jpg"
            for face in FACES
            for r in range(n)
            for c in range(n)
        ]
        present = [f for f in files if f.is_file()]
        size = sum(f.stat().st_size for f in present)
        total_files, total_bytes = total_files + len(present), total_bytes + size
        missing = f" ({len(files) - len(present)} MISSING)" if len(present) < len(files) else ""
        print(
            f"level {index}:   face {level['face_size']} px, {n}x{n} tiles/face, "
            f"{len(present)} tiles, {_size(size)}{missing}"
        )
    for key in ("preview", "thumbnail"):
        total_bytes += _describe_image(folder / manifest[key], key)
        total_files += 1
    total_bytes += _describe_image(folder / manifest["base"]["path"], "base")
    print(f"total:     {total_files} files, {_size(total_bytes)} (plus manifest.json)")


def _describe_image(path: Path, label: str) -> int:
    if not path.is_file():
        print(f"{label + ':':<11}{path.name} MISSING")
        return 0
    with Image.open(path) as img:
        width, height = img.size
    size = path.stat().st_size
    print(f"{label + ':':<11}{path.name} {width}x{height}, {_size(size)}")
    return size


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KiB" if n < 1 << 20 else f"{n / (1 << 20):.1f} MiB"


def _cmd_room(args: argparse.Namespace) -> int:
    doors = args.door if args.door is not None else [180.0]
    image = render_room(args.name, args.width, doors=doors, seed=args.seed)
    image.save(args.output, quality=92)
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
