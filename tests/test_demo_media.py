"""The demo's generated media speak Chinese: room names painted in the panoramas and on the
floor plan, venue and room on the livestream test feeds, all in the CJK font of core.fonts
(a font with no CJK glyphs would draw identical boxes, so different names must differ)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

from core.fonts import cjk_pil_font
from livestream.demo import venue_name
from livestream.testsrc import Caption, _frame, caption_boxes, caption_for
from panorama.synthetic import render_room
from portal.demo_tours import PLAN_SIZE, ROOMS, floor_plan_png

PLAN_BG = (236, 232, 222)  # the room fill under the label (portal/demo_tours.py)


def has_latin(text: str) -> bool:
    return any("a" <= c.lower() <= "z" for c in text)


def test_font_has_cjk_glyphs() -> None:
    font = cjk_pil_font(40)
    masks = [np.asarray(font.getmask("客厅")), np.asarray(font.getmask("厨房"))]
    assert all(m.max() > 0 for m in masks)
    assert masks[0].shape != masks[1].shape or (masks[0] != masks[1]).any()


def test_panorama_paints_the_chinese_room_name() -> None:
    def pano(name: str) -> np.ndarray:
        return np.asarray(render_room(name, 1024, doors=[180.0], seed=1), dtype=int)

    blank, living, kitchen = pano(""), pano("客厅"), pano("厨房")
    h, w = blank.shape[:2]
    for labelled in (living, kitchen):
        changed = np.abs(labelled - blank).max(axis=2) > 40
        ys, xs = np.nonzero(changed)
        assert len(ys) > 200, "no label pixels painted"
        # only on the front wall, straight ahead and above the horizon
        assert abs(xs.mean() - w / 2) < w * 0.03 and ys.max() < h / 2
        assert xs.min() > w * 0.3 and xs.max() < w * 0.7
    # different names, different glyphs: real characters, not tofu boxes
    assert (np.abs(living - kitchen).max(axis=2) > 40).sum() > 200


def test_floor_plan_labels_are_the_chinese_room_names() -> None:
    plan = np.asarray(Image.open(io.BytesIO(floor_plan_png())).convert("RGB"), dtype=int)
    assert plan.shape[1::-1] == PLAN_SIZE
    font = cjk_pil_font(26)
    crops = []
    for room in ROOMS:
        assert not has_latin(room.name)
        x0, y0, x1, _ = room.box
        xy = ((x0 + x1) / 2, y0 + 36)
        alone = Image.new("RGB", PLAN_SIZE, PLAN_BG)
        draw = ImageDraw.Draw(alone)
        draw.text(xy, room.name, font=font, fill=(60, 64, 72), anchor="mm")
        left, top, right, bottom = (int(v) for v in draw.textbbox(xy, room.name, font=font,
                                                                 anchor="mm"))
        want = np.asarray(alone, dtype=int)[top:bottom, left:right]
        got = plan[top:bottom, left:right]
        assert (np.abs(want - np.asarray(PLAN_BG)).max(axis=2) > 60).sum() > 80
        assert np.array_equal(got, want), f"{room.name}'s label is not on the plan"
        crops.append(got)
    assert not np.array_equal(crops[1], crops[2])  # 主卧 vs 厨房: not the same tofu box


def test_demo_venue_caption_names_the_venue_and_the_room() -> None:
    lot = {"title": "朝阳区望京西园三区 3居室住宅"}
    caption = caption_for(1, venue_name(0, lot))
    assert caption == Caption("一号现场 · 客厅", "朝阳区望京西园三区 3居室住宅")
    assert caption_for(5).headline == "五号现场 · 客厅"
    assert "VENUE" not in repr(caption_for(3)) and not has_latin(caption_for(3).headline)


def test_feed_frame_shows_the_caption_pixels() -> None:
    size = (640, 360)
    caption = caption_for(1, "一号现场 · 朝阳区望京西园三区 3居室住宅")
    framed = _frame(1, 0, 15, size, caption).to_ndarray(format="rgb24").astype(int)
    bare = _frame(1, 0, 15, size, Caption("", "")).to_ndarray(format="rgb24").astype(int)
    drawn = np.abs(framed - bare).max(axis=2) > 30
    # the caption drawn alone on the same background marks the same pixels
    bg = tuple(int(v) for v in bare[5, 5])
    alone = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(alone)
    boxes = caption_boxes(caption, size)
    assert [text for _, _, text in boxes] == [caption.headline, caption.subtitle]
    for font, xy, text in boxes:
        draw.text(xy, text, fill=(255, 255, 255), font=font,
                  stroke_width=max(1, font.size // 24), stroke_fill=(40, 40, 40))
        left, top, right, bottom = draw.textbbox(xy, text, font=font)
        assert right <= size[0] and drawn[top:bottom, left:right].sum() > 150
    expected = np.abs(np.asarray(alone, dtype=int) - np.asarray(bg)).max(axis=2) > 30
    overlap = (drawn & expected).sum() / max(1, (drawn | expected).sum())
    assert overlap > 0.9, overlap
    # another room: other glyphs in the headline
    other = _frame(1, 0, 15, size, Caption("一号现场 · 主卧", caption.subtitle))
    assert (np.abs(other.to_ndarray(format="rgb24").astype(int) - framed).max(axis=2) > 30).sum() \
        > 100
