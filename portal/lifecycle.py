"""What the settlement worker watches: Redis key names and the hook run when a lot is saved."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

SETTLE_WATCH = "settle:watch"
"""Sorted set: lot id -> time to look at it next (its end); settled once it has closed."""

SETTLE_DONE = "settle:done"
"""Set of lot ids whose close has been settled."""

SETTLE_DUE = "settle:due"
"""Sorted set: lot id -> the winner's balance deadline (ms)."""

OPENING = "lifecycle:opening"
"""Sorted set: lot id -> starts_at; the case is told when bidding opens."""

SETTLER_LOCK = "settler:lock"
"""Leader lease of the settlement worker."""


def settlement_key(lot_id: int) -> str:
    """Hash: the lot's after-the-hammer record (status, winner, balance, deadline ...)."""
    return f"lot:{{{int(lot_id)}}}:settlement"


def next_key(lot_id: int) -> str:
    """String: the id of the lot that relisted this one."""
    return f"lot:{{{int(lot_id)}}}:next"


async def track_lot(redis: aioredis.Redis, lot: dict[str, Any]) -> None:
    """Called whenever a lot is created or rescheduled: watch its opening and its close, and
    tell the case's applicants it was announced."""
    from portal.cases import add_officer
    from portal.notifications import notify_case

    lot_id = str(lot["id"])
    await redis.zadd(SETTLE_WATCH, {lot_id: lot["ends_at"]})
    await redis.zadd(OPENING, {lot_id: lot["starts_at"]})
    if lot.get("case_id"):
        if lot.get("created_by"):
            await add_officer(redis, int(lot["case_id"]), str(lot["created_by"]))
        await notify_case(redis, int(lot["case_id"]), "announced",
                          {"title": lot["title"], "case_number": lot["case_number"]},
                          dedupe=f"announced:{lot_id}", lot_id=int(lot_id))
