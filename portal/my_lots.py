"""我的竞买: the signed-in bidder's lots, each with one status that says where the bidder
stands (registered, leading or outbid while live, then won / lost / failed), the deposit's
own lifecycle (frozen, applied, refunded) and, for a winner, the balance to pay."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bidding.events import public_bid
from core.money import fen_to_yuan
from core.names import user_id
from core.timefmt import ms_to_iso
from portal import keys
from portal.lot_routes import registration_view
from portal.lots import lot_view
from portal.payments import deposit_status

if TYPE_CHECKING:  # annotations only; services.py imports this module's dependencies
    from portal.services import Services

# The machine codes of /api/me/lots (the page shows t('my_status_' + code)).
MY_STATUSES = ("registered", "leading", "outbid", "awaiting_balance", "won", "defaulted",
               "lost", "failed", "cancelled")


def my_status(lot_status: str, code: str, leader_code: str | None, bid_by_me: bool,
              settlement_status: str | None) -> str:
    """Where this bidder stands on the lot (one of MY_STATUSES)."""
    if lot_status == "live":
        if leader_code == code:
            return "leading"
        return "outbid" if bid_by_me else "registered"
    if lot_status == "sold":
        if leader_code != code:
            return "lost"
        if settlement_status == "paid":
            return "won"
        return "defaulted" if settlement_status == "defaulted" else "awaiting_balance"
    if lot_status in ("failed", "cancelled"):
        return lot_status
    return "registered"  # upcoming


async def my_lot_summary(app: Services, username: str, lot_id: int) -> dict[str, Any] | None:
    """One lot as 我的竞买 shows it, or None when the user is not registered for it."""
    lot = await app.lots.get(lot_id)
    code = await app.store.code_for(lot_id, user_id(username))
    if code is None:  # listed but never registered (a registration that failed half-way)
        return None
    order = await app.payments.deposit_order(lot_id, username, code, lot["deposit"])
    state = await app.store.state(lot_id) or {}
    entries = await app.store.ledger(lot_id)
    mine = [public_bid(e) for e in entries if e["kind"] == "bid" and e["code"] == code]
    rec = await app.settlement.record(lot_id) if state.get("status") == "sold" else {}
    status = my_status(state.get("status", "upcoming"), code, state.get("leader_code"),
                       bool(mine), rec.get("status"))
    registration = registration_view(lot, code, order)
    registration["deposit"]["status"] = deposit_status(order)
    won = status in ("awaiting_balance", "won", "defaulted")
    return {"lot": lot_view(lot, state), "registration": registration, "bids": mine,
            "status": status,
            "balance": fen_to_yuan(rec["balance"]) if won and "balance" in rec else None,
            "due_at": ms_to_iso(rec.get("due_at")) if won else None,
            "pay_url": f"/pay/{rec['balance_order']}"
            if status == "awaiting_balance" and rec.get("balance_order") else None}


# 我的竞买 lists what needs the bidder first: a balance to pay, a lead lost, a lead held, a
# registration waiting (live lots before upcoming ones), then the finished lots.
PAGE_ORDER = ("awaiting_balance", "outbid", "leading", "registered", "defaulted", "won", "lost",
              "failed", "cancelled")


def by_urgency(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Summaries in PAGE_ORDER; within a status live lots first, then by lot id."""
    return sorted(items, key=lambda i: (PAGE_ORDER.index(i["status"]),
                                        i["lot"]["status"] != "live", i["lot"]["id"]))


async def my_lot_summaries(app: Services, username: str) -> list[dict[str, Any]]:
    ids = sorted(int(i) for i in await app.redis.smembers(keys.user_lots(username)))
    out = []
    for lot_id in ids:
        item = await my_lot_summary(app, username, lot_id)
        if item is not None:
            out.append(item)
    return out
