"""Benchmark: full panorama build of a synthetic 8K JPEG vs a naive py360convert baseline.

Each variant runs in its own child process (so peak RSS is per variant) and builds the same
input ``--runs`` times into fresh output roots.  The first pipeline run is "cold" (remap
tables computed); later runs are "warm".  The last stdout line is one JSON object.

    .venv/bin/python bench/panorama.py [--rounds 3] [--runs 3] [--width 8192]

Rounds alternate a pipeline child and a baseline child, so load from other processes on a
shared machine hits both alike.  "_s" figures are medians of warm runs, "_min_s" the best.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from panorama import build  # noqa: E402
from panorama.geometry import FACES, plan_levels_for_width  # noqa: E402

QUALITY = 85
TILE = 512


def baseline(source: Path, out: Path) -> None:
    """The naive way: py360convert e2c (defaults, dice) per level, Pillow crops and saves."""
    import py360convert
    from PIL import Image

    with Image.open(source) as img:
        equi = np.asarray(img.convert("RGB"))
    width = equi.shape[1]
    dice_pos = {
        "front": (1, 1),
        "right": (2, 1),
        "back": (3, 1),
        "left": (0, 1),
        "top": (1, 0),
        "bottom": (1, 2),
    }
    out.mkdir(parents=True)
    for level in plan_levels_for_width(width, TILE):
        n = level.face_size
        dice = Image.fromarray(py360convert.e2c(equi, face_w=n))
        for face in FACES:
            sx, sy = dice_pos[face]
            face_img = dice.crop((sx * n, sy * n, (sx + 1) * n, (sy + 1) * n))
            folder = out / str(level.index) / face
            folder.mkdir(parents=True)
            for row in range(level.tiles_per_side):
                for col in range(level.tiles_per_side):
                    box = (col * TILE, row * TILE, (col + 1) * TILE, (row + 1) * TILE)
                    face_img.crop(box).save(folder / f"{row}_{col}.jpg", quality=QUALITY)
            if level.index == 0 and face == "front":
                face_img.resize((480, 480)).crop((0, 105, 480, 375)).save(out / "thumb.jpg")
    Image.fromarray(equi).resize((1024, 512)).save(out / "preview.jpg", quality=QUALITY)


def peak_rss_mib() -> float:
    """Peak RSS of this process (VmHWM: unlike ru_maxrss it does not inherit the parent's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(variant: str, source: Path, workdir: Path, runs: int) -> None:
    times = []
    for i in range(runs):
        out = workdir / f"{variant}-{i}"
        start = time.perf_counter()
        if variant == "pipeline":
            result = build(source, out, quality=QUALITY)
            assert not result.reused
        else:
            baseline(source, out)
        times.append(time.perf_counter() - start)
    tiles = len(list((workdir / f"{variant}-0").glob("**/[0-9]*_[0-9]*.jpg")))
    print(json.dumps({"times": times, "peak_rss_mib": peak_rss_mib(), "tiles": tiles}))


def run_child(variant: str, source: Path, workdir: Path, runs: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", variant, str(source), str(workdir), str(runs)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    shutil.rmtree(workdir / variant, ignore_errors=True)
    for i in range(runs):
        shutil.rmtree(workdir / f"{variant}-{i}", ignore_errors=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def make_input(workdir: Path, width: int) -> Path:
    from panorama.synthetic import render_room

    source = workdir / f"room-{width}.jpg"
    render_room("Bench room", width, doors=[180.0, -60.0], seed=1).save(source, quality=90)
    return source


def summarise(name: str, results: list[dict[str, Any]]) -> dict[str, float]:
    cold = [r["times"][0] for r in results]
    warm = [t for r in results for t in r["times"][1:]]
    return {
        f"{name}_s": round(statistics.median(warm), 3),
        f"{name}_min_s": round(min(warm), 3),
        f"{name}_cold_s": round(statistics.median(cold), 3),
        f"{name}_peak_rss_mib": round(max(r["peak_rss_mib"] for r in results), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3, help="alternating child pairs")
    parser.add_argument("--runs", type=int, default=3, help="builds per pipeline child")
    parser.add_argument("--width", type=int, default=8192)
    parser.add_argument("--input", type=Path, help="bench this equirect instead of a room")
    parser.add_argument("--child", nargs=4, metavar=("VARIANT", "SOURCE", "WORKDIR", "RUNS"))
    args = parser.parse_args()
    if args.child:
        variant, source, workdir, runs = args.child
        child(variant, Path(source), Path(workdir), int(runs))
        return
    load_before = os.getloadavg()[0]
    pipe: list[dict[str, Any]] = []
    base: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="pano-bench-") as tmp:
        workdir = Path(tmp)
        source = args.input or make_input(workdir, args.width)
        input_mib = source.stat().st_size / 2**20
        for round_no in range(args.rounds):
            pipe.append(run_child("pipeline", source, workdir, args.runs))
            base.append(run_child("baseline", source, workdir, 2))
            print(
                f"round {round_no + 1}: pipeline {pipe[-1]['times']} baseline {base[-1]['times']}"
            )
    p, b = summarise("pipeline", pipe), summarise("baseline", base)
    result = {
        "input": args.input.name if args.input else "synthetic room JPEG q90",
        "width": args.width if args.input is None else None,
        "input_mib": round(input_mib, 1),
        "tiles": pipe[0]["tiles"],
        **p,
        **b,
        "speedup": round(b["baseline_s"] / p["pipeline_s"], 2),
        "speedup_cold": round(b["baseline_cold_s"] / p["pipeline_cold_s"], 2),
        "peak_rss_mib": p["pipeline_peak_rss_mib"],
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
