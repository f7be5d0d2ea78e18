"""Helpers for the after-the-hammer tests: the portal's services in-process on a private
Redis (the `redis_alone_url` fixture: not the live server's), lots that tests end when they
are ready."""

from __future__ import annotations

from typing import Any

from redis_cluster import flush, is_cluster_url
from test_bidding_support import end_now

from core.money import fen_to_yuan
from core.timefmt import ms_to_iso
from portal.services import build_services
from portal.settings import load_settings
from portal.users import User

OFFICER = User(username="officer", role="officer", real_name="王法官", phone="", id_number="")


async def services(url: str, data_dir: Any, rules: str = "sandbox") -> Any:
    """The services on `url` (flushed first; a cluster's when it is one of ours)."""
    flush(url)
    settings = load_settings(data_dir=data_dir, rules=rules, secret_key="test-secret",
                             redis_cluster=is_cluster_url(url))
    return await build_services(settings, url)


async def close_services(state: Any) -> None:
    await state.close()


def lot_input(now: int, *, ends_in_ms: int = 600_000, case_number: str = "(2026)京01执1号",
              start: int = 80_000_000, **over: Any) -> dict[str, Any]:
    body = {"title": "测试住宅", "court": "北京市第一中级人民法院", "case_number": case_number,
            "property_type": "residential", "district": "朝阳区", "address": "测试路1号",
            "area_m2": 88.0, "appraisal_price": fen_to_yuan(start * 10 // 8),
            "starting_price": fen_to_yuan(start), "increment": fen_to_yuan(start // 80),
            "deposit": fen_to_yuan(start // 10), "starts_at": ms_to_iso(now - 59_500),
            "ends_at": ms_to_iso(now + ends_in_ms), "extension_seconds": 0,
            "description": "测试"}
    body.update(over)
    return body


async def new_lot(app: Any, **kw: Any) -> dict[str, Any]:
    now = await app.store.server_time_ms()
    return dict(await app.lots.create(lot_input(now, **kw), OFFICER, "sandbox"))


async def paid(app: Any, lot_id: int, username: str) -> tuple[str, dict[str, Any]]:
    """Register and pay the deposit through the signed sandbox callback."""
    from portal.lot_routes import register

    reg, _ = await register(app, lot_id, username, accept_terms=True)
    result = await app.payments.confirm_as_payer(reg["deposit"]["payment_id"], username)
    return reg["bidder_code"], result["payment"]


async def wait_closed(app: Any, *lot_ids: int) -> None:
    """End the lots now by the Redis clock (every step a test takes before the close is done
    by the time it calls this; an end a second away would race those steps under load),
    close and settle them."""
    for lot_id in lot_ids:
        while True:
            state = await app.store.state(lot_id)
            if state["status"] not in ("upcoming", "live"):
                break
            if state["server_time"] < state["ends_at"]:
                await end_now(app.store, lot_id)
            await app.store.close_lot(lot_id)
        await app.settlement.settle_lot(lot_id)
