"""The hook run when a lot is saved: what the settlement worker watches (keys in portal.keys)."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from portal.cases import add_officer
from portal.keys import OPENING, SETTLE_WATCH
from portal.notifications import notify_case


async def track_lot(redis: aioredis.Redis, lot: dict[str, Any]) -> None:
    """Called whenever a lot is created or rescheduled: watch its opening and its close, and
    tell the case's applicants it was announced."""
    lot_id = str(lot["id"])
    await redis.zadd(SETTLE_WATCH, {lot_id: lot["ends_at"]})
    await redis.zadd(OPENING, {lot_id: lot["starts_at"]})
    if lot.get("case_id"):
        if lot.get("created_by"):
            await add_officer(redis, int(lot["case_id"]), str(lot["created_by"]))
        await notify_case(redis, int(lot["case_id"]), "announced",
                          {"title": lot["title"], "case_number": lot["case_number"]},
                          dedupe=f"announced:{lot_id}", lot_id=int(lot_id))
