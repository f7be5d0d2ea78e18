"""Demo data: Beijing lots (live, upcoming, ended with results), officers and bidders.

Loaded once (a marker key guards it). Ended lots are real auctions that run for a few
seconds while the demo loads, so their ledgers are genuine hash chains from Redis TIME.
"""

from __future__ import annotations

import asyncio
import io
import random
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw

from core.money import fen_to_yuan
from core.timefmt import ms_to_iso
from portal.demo_after_hammer import load_after_hammer
from portal.demo_documents import file_papers, make_papers
from portal.demo_tours import demo_tours
from portal.keys import DEMO_LOADED
from portal.lot_routes import register
from portal.photos import save_photo
from portal.settings import DEFAULT_COURT
from portal.users import Users, sample_id_number

if TYPE_CHECKING:  # annotations only; services.py imports this module's dependencies
    from portal.services import Services

PASSWORD = "demo-pass-2026"
OFFICER = ("officer", "officer-pass-2026")
BIDDERS = ["bidder1", "bidder2", "bidder3", "bidder4"]
HOUR = 3600 * 1000
DAY = 24 * HOUR
# Case numbers carry the court's code (京0102 is the Xicheng district court, the default COURT)
CASE_CODES = {DEFAULT_COURT: "京0102", "北京市第一中级人民法院": "京01"}

# title, district, type, area, appraisal yuan, address, timing
LOTS: list[tuple[str, str, str, float | None, int, str, str]] = [
    ("朝阳区望京西园三区 3居室住宅", "朝阳区", "residential", 128.6, 9_860_000,
     "北京市朝阳区望京西园三区312号楼8层801", "live"),
    ("海淀区中关村南大街 2居室住宅", "海淀区", "residential", 86.2, 8_420_000,
     "北京市海淀区中关村南大街甲12号院3号楼1502", "live_bids"),
    ("西城区金融街 酒店式公寓", "西城区", "residential", 65.0, 7_150_000,
     "北京市西城区金融街17号A座1206", "upcoming"),
    ("东城区王府井 临街商铺", "东城区", "commercial", 142.3, 21_600_000,
     "北京市东城区王府井大街88号一层", "upcoming"),
    ("丰台区方庄芳城园 2居室", "丰台区", "residential", 78.9, 4_980_000,
     "北京市丰台区方庄芳城园一区15号楼6层603", "live"),
    ("通州区运河核心区 3居室", "通州区", "residential", 118.4, 6_330_000,
     "北京市通州区新华东街与运河东大街交叉口运河湾B座1801", "upcoming"),
    ("昌平区回龙观 龙泽苑 2居室", "昌平区", "residential", 90.1, 4_560_000,
     "北京市昌平区回龙观龙泽苑东区9号楼5层502", "ended_sold"),
    ("大兴区亦庄 工业厂房及土地使用权", "大兴区", "industrial", 3200.0, 38_500_000,
     "北京市大兴区经济技术开发区科创十三街29号", "upcoming"),
    ("顺义区后沙峪 独栋别墅", "顺义区", "residential", 412.7, 28_900_000,
     "北京市顺义区后沙峪镇安泰大街9号院27号", "live_bids"),
    ("石景山区鲁谷 1居室", "石景山区", "residential", 52.3, 3_120_000,
     "北京市石景山区鲁谷路74号院2号楼1104", "ended_failed"),
    ("丰田凯美瑞 2019款 2.5G 豪华版", "朝阳区", "vehicle", None, 128_000,
     "北京市朝阳区东坝乡法院执行车辆停放场", "live_bids"),
    ("朝阳区三里屯 底商", "朝阳区", "commercial", 96.5, 15_400_000,
     "北京市朝阳区三里屯路19号院1号楼一层", "ended_sold"),
    ("房山区长阳 2居室", "房山区", "residential", 89.0, 3_650_000,
     "北京市房山区长阳镇长政南街6号院8号楼702", "upcoming"),
    ("海淀区上地 写字楼整层", "海淀区", "commercial", 1210.0, 46_200_000,
     "北京市海淀区上地信息路26号7层", "live"),
]


def facade_photo(seed: int) -> bytes:
    """A simple rendered building facade so demo lots have pictures."""
    rng = random.Random(seed)
    w, h = 960, 640
    img = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(img)
    for y in range(h):
        t = y / h
        draw.line([(0, y), (w, y)], fill=(int(120 + 100 * t), int(170 + 60 * t), 235))
    wall = tuple(rng.randint(150, 225) for _ in range(3))
    left, top = rng.randint(80, 220), rng.randint(80, 200)
    draw.rectangle([left, top, w - left, h], fill=wall)
    for y in range(top + 30, h - 40, 60):
        for x in range(left + 30, w - left - 50, 70):
            lit = rng.random() < 0.3
            draw.rectangle([x, y, x + 40, y + 36], fill=(250, 220, 140) if lit else (70, 95, 130))
    draw.rectangle([0, h - 40, w, h], fill=(95, 95, 95))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def car_photo(seed: int) -> bytes:
    """A simple rendered car for the vehicle lot."""
    w, h = 960, 640
    img = Image.new("RGB", (w, h), (226, 230, 236))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 470, w, h], fill=(120, 120, 124))
    draw.rounded_rectangle([150, 300, 810, 460], radius=40, fill=(40, 44, 52))
    draw.polygon([(300, 300), (380, 200), (600, 200), (690, 300)], fill=(40, 44, 52))
    draw.polygon([(330, 295), (395, 215), (480, 215), (480, 295)], fill=(150, 190, 220))
    draw.polygon([(500, 295), (500, 215), (590, 215), (655, 295)], fill=(150, 190, 220))
    for cx in (290, 670):
        draw.ellipse([cx - 70, 400, cx + 70, 540], fill=(20, 20, 20))
        draw.ellipse([cx - 35, 435, cx + 35, 505], fill=(170, 170, 170))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def lot_input(i: int, spec: tuple[Any, ...], now: int, photo: str, court: str) -> dict[str, Any]:
    title, district, ptype, area, appraisal, address, timing = spec
    start = (appraisal * 70 // 100 // 1000 + 1) * 1000 if appraisal > 1_000_000 else \
        appraisal * 80 // 100
    increment = 500 if ptype == "vehicle" else (10_000 if start < 10_000_000 else 50_000)
    deposit = start // 10 // 1000 * 1000 or start // 10
    starts, ends, extension = {
        "live": (now - 2 * HOUR, now + DAY + i * HOUR, 300),
        "live_bids": (now - 3 * HOUR, now + 2 * HOUR + i * 60_000, 300),
        "upcoming": (now + (2 + i % 5) * DAY, now + (3 + i % 5) * DAY, 300),
        "ended_sold": (now - 1000, now + 6000, 1),
        "ended_failed": (now - 1000, now + 6000, 1),
    }[timing]
    return {
        "title": title, "court": court,
        "case_number": f"(2026){CASE_CODES.get(court, '京01')}执{1200 + i}号",
        "property_type": ptype, "district": district, "address": address, "area_m2": area,
        "appraisal_price": fen_to_yuan(appraisal * 100), "starting_price": fen_to_yuan(start * 100),
        "increment": fen_to_yuan(increment * 100), "deposit": fen_to_yuan(deposit * 100),
        "starts_at": ms_to_iso(starts), "ends_at": ms_to_iso(ends),
        "extension_seconds": extension, "photos": [photo],
        "description": (f"{title}。标的物现状以实物为准，法院不负责清场。"
                        "买受人需自行办理过户手续，税费按照相关规定由买卖双方各自承担。"),
        "priority_purchasers": [{"username": "bidder4", "rank": 1}] if i == 1 else [],
    }


async def ensure_users(state: Services) -> None:
    users = Users(state.redis)
    people = [(OFFICER[0], OFFICER[1], "officer", "王法官")] + [
        (name, PASSWORD, "bidder", f"竞买人{n}") for n, name in enumerate(BIDDERS, start=1)]
    for n, (username, password, role, real_name) in enumerate(people):
        if await users.get(username) is None:
            await users.create({"username": username, "password": password,
                                "real_name": real_name, "phone": f"1380000{n:04d}",
                                "id_number": sample_id_number(f"demo:{username}")}, role=role)


async def place_demo_bids(state: Services, lot: dict[str, Any], count: int) -> None:
    codes = []
    for name in BIDDERS[:3]:
        reg, _ = await register(state, lot["id"], name, accept_terms=True)
        await state.payments.confirm_as_payer(reg["deposit"]["payment_id"], name)
        codes.append(reg["bidder_code"])
    price = lot["starting_price"]
    for n in range(count):
        outcome = await state.store.place_bid(lot["id"], codes[n % len(codes)], price)
        assert outcome.ok, outcome.error
        price += lot["increment"] * (1 + n % 3)


async def load_demo(state: Services) -> str:
    if await state.redis.get(DEMO_LOADED):
        return "demo data already present" + await load_after_hammer(state)
    await ensure_users(state)
    officer = await Users(state.redis).get(OFFICER[0])
    if officer is None:
        raise RuntimeError("the demo officer account is missing")
    court = officer.court or state.settings.court  # the lots' court: the papers say the same
    papers = await make_papers([(s[0], s[5], s[4]) for s in LOTS], court)
    now = await state.store.server_time_ms()
    media = state.settings.data_dir / "media"
    ended: list[dict[str, Any]] = []
    lots: list[tuple[int, dict[str, Any]]] = []
    for i, spec in enumerate(LOTS):
        picture = car_photo(i) if spec[2] == "vehicle" else facade_photo(i)
        photo = save_photo(picture, media)
        lot = await state.lots.create(lot_input(i, spec, now, photo, court), officer, "sandbox",
                                      check=not spec[-1].startswith("ended"))
        await file_papers(state, lot, papers[i], officer.username)
        timing = spec[-1]
        lots.append((i, lot))
        if timing in ("live_bids", "ended_sold"):
            await place_demo_bids(state, lot, 5 + i % 4)
        if timing.startswith("ended"):
            ended.append(lot)
    tours = asyncio.create_task(demo_tours(state, lots, officer))  # while ended lots run out
    if ended:
        await asyncio.sleep(6.5)
        for lot in ended:
            await state.store.close_lot(lot["id"])
    await tours
    await state.redis.set(DEMO_LOADED, "1")
    return f"demo data loaded: {len(LOTS)} lots; officer {OFFICER[0]} / {OFFICER[1]}, " \
           f"bidders {', '.join(BIDDERS)} / {PASSWORD}" + await load_after_hammer(state)
