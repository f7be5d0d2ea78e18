"""The confirmation of sale PDF embeds its Chinese font (a subset of the packaged WenQuanYi
Micro Hei), so it renders the same on a machine without Chinese fonts; the "·" between
court and case number is a real glyph; the page ends with the judge's signature line and the
seal area. Checked with poppler's own tools (pdffonts, pdftotext, pdftoppm)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image
from redis_cluster import is_cluster_url
from settlement_support import close_services, new_lot, paid, services, wait_closed
from starlette.testclient import TestClient

from portal.app import create_app
from portal.confirmation import confirmation_pdf
from portal.settings import load_settings

DOC = {
    "title": "网络竞价成交确认书", "court": "北京市第一中级人民法院",
    "number": "北京市第一中级人民法院 · 案号 (2026)京01执123号",
    "rows": [("买受人", "张三"), ("成交价", "¥3,567,000.00"), ("标的物", "朝阳区 测试住宅")],
    "body": ["经网络司法拍卖，买受人以最高应价竞得标的物，特此确认。",
             "竞价记录哈希链末端：" + "ab" * 32],
    "date": "2026-11-29", "judge_label": "执行法官（签名）：", "date_label": "日期：",
    "seal_label": "法院印章",
}


def write_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "confirmation.pdf"
    path.write_bytes(confirmation_pdf(DOC))
    return path


def test_every_font_is_embedded(tmp_path: Path) -> None:
    out = subprocess.run(["pdffonts", str(write_pdf(tmp_path))], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    fonts = out[2:]  # after the header and the dashes
    assert fonts, out
    columns = out[1].split()
    emb = sum(len(c) + 1 for c in columns[:4])  # the "emb" column starts after 4 columns
    for line in fonts:
        assert line[emb:emb + 3] == "yes", f"font not embedded: {line}"
        assert "STSong" not in line


def test_text_including_the_middle_dot_and_the_seal_block(tmp_path: Path) -> None:
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(write_pdf(tmp_path)), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "北京市第一中级人民法院 · 案号" in text
    for words in ("执行法官（签名）", "法院印章", "2026-11-29", "¥3,567,000.00"):
        assert words in text


def test_renders_glyphs_not_blank_or_boxes(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True, capture_output=True)
    with Image.open(tmp_path / "page.png") as img:
        rgb = np.asarray(img.convert("RGB")).astype(int)
    height, width, _ = rgb.shape
    dark = int((rgb[: height // 8].mean(axis=2) < 128).sum())
    seal = rgb[height // 2:, width // 2:]
    red = int(((seal[..., 0] > 150) & (seal[..., 1] < 100) & (seal[..., 2] < 100)).sum())
    assert dark > 200, "the title rendered no glyphs"
    assert red > 50, "no seal area drawn"


def test_confirmation_route_of_a_sold_lot(redis_alone_url: str, tmp_path: Path) -> None:
    """The served PDF of a really sold lot: every font embedded, the seal block present."""
    async def sold_lot() -> int:
        app = await services(redis_alone_url, tmp_path / "svc")
        try:
            lot = await new_lot(app)
            code, _ = await paid(app, lot["id"], "buyer_pdf")
            outcome = await app.store.place_bid(lot["id"], code, lot["starting_price"])
            assert outcome.ok, outcome
            await wait_closed(app, lot["id"])
            return int(lot["id"])
        finally:
            await close_services(app)

    (tmp_path / "svc").mkdir()
    lot_id = asyncio.run(sold_lot())
    settings = load_settings(data_dir=tmp_path, secret_key="k" * 32, rules="sandbox",
                             redis_url=redis_alone_url,
                             redis_cluster=is_cluster_url(redis_alone_url))
    with TestClient(create_app(settings, run_closer=False)) as client:
        r = client.get(f"/lots/{lot_id}/confirmation.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    path = tmp_path / "served.pdf"
    path.write_bytes(r.content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(" yes yes " in line for line in fonts), fonts
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert f"{settings.court} · 案号" in text and "执行法官" in text and "法院印章" in text
