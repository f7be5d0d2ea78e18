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
ORDINALS = ["一", "二", "三", "四", "五", "六"]
HOMES = ("residential",)  # a viewing of homes: no car or shop in it


def venue_name(n: int, lot: dict[str, Any]) -> str:
    """Each venue is named for the home it shows: 一号现场 · 朝阳区望京西园三区 3居室住宅."""
    return f"{ORDINALS[n]}号现场 · {lot['title']}"[:60]


def pick_homes(lots: list[dict[str, Any]],
               states: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """Six homes for the six venues, live ones first."""
    homes = [lot for lot in lots if lot.get("property_type") in HOMES]
    live = [lot for lot in homes if (states.get(lot["id"]) or {}).get("status") == "live"]
    return (live + [lot for lot in homes if lot not in live])[:6]


async def load_demo_event(state: Any) -> str:
    if await state.redis.get(keys.demo_event()):
        return ""
    lots = await state.lots.all()
    states = await state.store.states([lot["id"] for lot in lots])
    chosen = pick_homes(lots, states)
    if len(chosen) < 6:
        return "demo live viewing skipped: fewer than 6 homes"
    now = await state.events.now_ms()
    event = await state.events.create({
        "title": "北京一中院 六处房产同步直播看样",
        "description": "六个现场同时直播，导播切换主画面；每个现场可直接进入拍品页面出价。",
        "starts_at": ms_to_iso(now - HOUR), "ends_at": ms_to_iso(now + 30 * DAY),
        "venues": [{"name": venue_name(n, lot), "lot_id": lot["id"], "source": "ingest"}
                   for n, lot in enumerate(chosen)]}, "officer")
    await state.events.set_on_air(event["id"], 1)
    await state.chat.announce(event["id"], "欢迎观看！直播中的房产可点击“去出价”进入拍品页面。")
    await state.events.create({
        "title": "两处住宅 预约看样直播",
        "description": "开播前可点“提醒我”预约。",
        "starts_at": ms_to_iso(now + 2 * DAY), "ends_at": ms_to_iso(now + 2 * DAY + 2 * HOUR),
        "venues": [{"name": venue_name(n, lot), "lot_id": lot["id"], "source": "ingest"}
                   for n, lot in enumerate(chosen[:2])]}, "officer")
    await state.redis.set(keys.demo_event(), event["id"])
    return f"demo live viewing {event['id']} with 6 venues: /events/{event['id']}"
