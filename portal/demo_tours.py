"""Demo tours: synthetic rooms (panorama.synthetic) joined into multi-room tours with a plan.

Called once per demo lot from portal.demo; residential lots in TOUR_LOTS get a tour.  Rooms
are rendered and built once per palette and shared between lots (the store is content-
addressed, so a second build of the same image is free).  The living room is 4096 px wide
(two tile levels, so sharper tiles stream in on zoom); the other rooms are 2048 px.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw

from core.fonts import cjk_pil_font
from panorama.floorplans import save_floorplan
from panorama.pipeline import build
from panorama.store import PanoramaStore
from panorama.synthetic import render_room
from portal.photos import save_photo

if TYPE_CHECKING:  # annotations only; services.py imports this module's dependencies
    from portal.services import Services

PLAN_SIZE = (800, 560)
PALETTES = [(214, 200, 176), (196, 206, 214)]
# lot index in portal.demo.LOTS -> (palette, room ids)
TOUR_LOTS = {0: (0, ("living", "bedroom", "kitchen", "bathroom")),
             1: (1, ("living", "bedroom", "kitchen")),
             4: (1, ("living", "bedroom", "kitchen", "bathroom")),
             5: (0, ("living", "bedroom", "bathroom"))}


@dataclass(frozen=True)
class Room:
    id: str
    name: str  # shown in the viewer, painted on the front wall and on the floor plan
    width: int
    doors: dict[str, float]  # neighbour -> door yaw (degrees)
    window: float | None
    plan: tuple[float, float, float]  # x, y, heading on the plan
    box: tuple[int, int, int, int]  # room rectangle on the plan


ROOMS = [
    Room("living", "客厅", 4096, {"bedroom": 0, "kitchen": -90, "bathroom": 90},
         180, (400, 380, 0), (250, 250, 550, 530)),
    # the bedroom camera faced east: its yaw 0 looks right on the plan (heading 90)
    Room("bedroom", "主卧", 2048, {"living": 90}, -90, (400, 140, 90),
         (250, 30, 550, 250)),
    Room("kitchen", "厨房", 2048, {"living": 90}, -90, (140, 380, 0),
         (30, 250, 250, 530)),
    Room("bathroom", "卫生间", 2048, {"living": -90}, None, (660, 380, 0),
         (550, 250, 770, 530)),
]
_built: dict[int, dict[str, str]] = {}


def floor_plan_png() -> bytes:
    img = Image.new("RGB", PLAN_SIZE, (250, 250, 247))
    draw = ImageDraw.Draw(img)
    font = cjk_pil_font(26)
    for room in ROOMS:
        draw.rectangle(room.box, outline=(60, 64, 72), width=8, fill=(236, 232, 222))
        x0, y0, x1, _ = room.box
        draw.text(((x0 + x1) / 2, y0 + 36), room.name, font=font,
                  fill=(60, 64, 72), anchor="mm")
    for x, y in ((400, 250), (250, 400), (550, 400)):  # doorways
        box = (x - 36, y - 6, x + 36, y + 6) if y == 250 else (x - 6, y - 36, x + 6, y + 36)
        draw.rectangle(box, fill=(236, 232, 222))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def fixture_photo() -> bytes:
    """A small rendered picture of a wall air conditioner for a photo marker."""
    img = Image.new("RGB", (480, 320), (228, 226, 220))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((60, 90, 420, 210), radius=24, fill=(250, 250, 250),
                           outline=(160, 160, 160), width=3)
    for y in range(175, 200, 8):
        draw.line((90, y, 390, y), fill=(180, 180, 180), width=3)
    draw.ellipse((380, 110, 394, 124), fill=(40, 180, 90))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()


def build_rooms(store: PanoramaStore, palette: int) -> dict[str, str]:
    """Render and build the rooms of one palette; room id -> panorama id."""
    if palette in _built:
        return _built[palette]
    ids: dict[str, str] = {}
    with tempfile.TemporaryDirectory(dir=store.uploads) as tmp:
        for room in ROOMS:
            image = render_room(room.name, room.width, wall_rgb=PALETTES[palette],
                                doors=list(room.doors.values()), window_yaw=room.window,
                                seed=palette * 10 + len(ids))
            path = Path(tmp) / f"{room.id}.jpg"
            image.save(path, quality=90)
            ids[room.id] = build(path, store.root).id
            if room.id == "living" and palette == 0:
                ids["video"] = demo_video(path, store) or ""
    _built[palette] = ids
    return ids


def demo_video(still: Path, store: PanoramaStore) -> str | None:
    """A short 360-degree MP4 (the room slowly turning) made with ffmpeg, if installed."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    out = still.with_suffix(".mp4")
    cmd = [ffmpeg, "-v", "error", "-y", "-loop", "1", "-i", str(still), "-t", "4", "-r", "24",
           "-vf", "scale=1024:512,scroll=horizontal=0.002,format=yuv420p", "-c:v", "libx264",
           "-preset", "veryfast", "-crf", "30", "-movflags", "+faststart", str(out)]
    if subprocess.run(cmd, check=False, capture_output=True).returncode != 0:
        return None
    name = hashlib.sha256(out.read_bytes()).hexdigest()[:24] + ".mp4"
    shutil.move(str(out), store.videos / name)
    return name


def tour_document(ids: dict[str, str], rooms: tuple[str, ...], plan_id: str,
                  photo_url: str) -> dict[str, Any]:
    scenes = []
    for room in ROOMS:
        if room.id not in rooms:
            continue
        x, y, heading = room.plan
        links = [{"to": to, "yaw": yaw, "pitch": -20} for to, yaw in room.doors.items()
                 if to in rooms]
        scenes.append({"id": room.id, "name": room.name, "panorama": ids[room.id],
                       "initial_view": {"yaw": 0, "pitch": -5, "fov": 80},
                       "plan": {"x": x, "y": y, "heading": heading}, "links": links,
                       "markers": demo_markers(room.id, photo_url),
                       "video": ids.get("video") or None if room.id == "living" else None})
    return {"start_scene": "living", "floor_plan": {"id": plan_id}, "scenes": scenes}


def demo_markers(room: str, photo_url: str) -> list[dict[str, Any]]:
    if room == "living":
        return [
            {"id": "ceiling-stain", "kind": "text", "category": "defect", "yaw": 40, "pitch": 38,
             "title": "天花板渗水痕迹", "text": "评估报告披露：客厅顶棚东北角有约 0.5 m² 渗水痕迹，"
             "成因不明，买受人自行处理。"},
            {"id": "aircon", "kind": "photo", "category": "fixture", "yaw": -30, "pitch": 15,
             "title": "壁挂空调一台", "text": "随房屋一并拍卖。", "photo": photo_url},
        ]
    if room == "kitchen":
        return [{"id": "cabinet", "kind": "text", "category": "defect", "yaw": 180, "pitch": -10,
                 "title": "橱柜门损坏", "text": "两扇橱柜门铰链脱落。"}]
    return []


async def demo_tour_for(state: Services, index: int, lot: dict[str, Any], officer: Any) -> bool:
    """Give the demo lot at ``index`` a tour if it is one of TOUR_LOTS."""
    if index not in TOUR_LOTS:
        return False
    palette, rooms = TOUR_LOTS[index]
    store: PanoramaStore = state.panoramas
    ids = await asyncio.to_thread(build_rooms, store, palette)
    plan_id = await asyncio.to_thread(_save_plan, store)
    photo = save_photo(fixture_photo(), state.settings.data_dir / "media")
    doc = tour_document(ids, rooms, plan_id, photo)
    base = await state.tours.current_version(lot["id"])
    await state.tours.save(lot["id"], doc, officer.username, base)
    return True


async def demo_tours(state: Services, lots: list[tuple[int, dict[str, Any]]], officer: Any) -> int:
    """Tours for the demo lots (index in portal.demo.LOTS, lot); returns how many."""
    made = 0
    for index, lot in lots:
        made += await demo_tour_for(state, index, lot, officer)
    return made


def _save_plan(store: PanoramaStore) -> str:
    path = store.uploads / "demo-plan.upload"
    path.write_bytes(floor_plan_png())
    try:
        return save_floorplan(path, store)[0]
    finally:
        path.unlink(missing_ok=True)
