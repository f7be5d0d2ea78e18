"""Demo data: a live viewing of 6 demo lots (generated test streams) and an upcoming one.

Loaded once (its own marker). `python -m portal serve --demo` also starts
`python -m livestream.testsrc`, which pushes a generated looping test stream to every venue
over HTTP PUT, like a phone or encoder would, and stops with the portal.
"""

from __future__ import annotations

from typing import Any

from core.timefmt import ms_to_iso
from livestream import keys

HOUR = 3600 * 1000
DAY = 24 * HOUR
VENUE_NAMES = ["一号现场 客厅", "二号现场 主卧", "三号现场 厨房", "四号现场 阳台", "五号现场 商铺",
               "六号现场 写字楼"]


async def load_demo_event(state: Any) -> str:
    if await state.redis.get(keys.demo_event()):
        return ""
    lots = await state.lots.all()
    states = await state.store.states([lot["id"] for lot in lots])
    live = [lot for lot in lots if (states.get(lot["id"]) or {}).get("status") == "live"]
    chosen = (live + [lot for lot in lots if lot not in live])[:6]
    if len(chosen) < 6:
        return "demo live viewing skipped: fewer than 6 lots"
    now = await state.events.now_ms()
    event = await state.events.create({
        "title": "北京一中院 六处房产同步直播看样",
        "description": "六个现场同时直播，导播切换主画面；每个现场可直接进入拍品页面出价。",
        "starts_at": ms_to_iso(now - HOUR), "ends_at": ms_to_iso(now + 30 * DAY),
        "venues": [{"name": name, "lot_id": lot["id"], "source": "ingest"}
                   for name, lot in zip(VENUE_NAMES, chosen, strict=True)]}, "officer")
    await state.events.set_on_air(event["id"], 1)
    await state.chat.announce(event["id"], "欢迎观看！直播中的房产可点击“去出价”进入拍品页面。")
    await state.events.create({
        "title": "海淀区 两处住宅 预约看样直播",
        "description": "开播前可点“提醒我”预约。",
        "starts_at": ms_to_iso(now + 2 * DAY), "ends_at": ms_to_iso(now + 2 * DAY + 2 * HOUR),
        "venues": [{"name": name, "lot_id": lot["id"], "source": "ingest"}
                   for name, lot in zip(VENUE_NAMES[:2], chosen[:2], strict=True)]}, "officer")
    await state.redis.set(keys.demo_event(), event["id"])
    return f"demo live viewing {event['id']} with 6 venues: /events/{event['id']}"
