"""The settlement worker: one leader (core.lease) watches lots close, defaults buyers whose
balance is overdue, announces openings and sends due reminders and queued mail."""

from __future__ import annotations

import asyncio
import contextlib
from functools import partial
from typing import TYPE_CHECKING, cast

from core.errors import NotFound
from core.lease import run_as_leader
from core.timefmt import ms_to_beijing
from portal import keys, notifications
from portal.keys import OPENING, SETTLE_DONE, SETTLE_DUE, SETTLE_WATCH, SETTLER_LOCK

if TYPE_CHECKING:  # settlement.py calls into this module
    from portal.settlement import Settlement


async def tick(s: Settlement) -> None:
    now = await s.app.store.server_time_ms()
    for lot_id in await _due(s, SETTLE_WATCH, now):
        await _watch(s, lot_id, now)
    for lot_id in await _due(s, SETTLE_DUE, now):
        await s.default(lot_id)
    for lot_id in await _due(s, OPENING, now):
        await _opened(s, lot_id)
    await notifications.send_due_reminders(s.app, now)
    await notifications.drain_outbox(s.redis, s.app.sender)

async def _due(s: Settlement, key: str, now: int) -> list[int]:
    """The first 100 lot ids of the sorted set ``key`` whose time (score) has come."""
    members = await s.redis.zrangebyscore(key, "-inf", now, start=0, num=100)
    return [int(str(m)) for m in members]

async def _watch(s: Settlement, lot_id: int, now: int) -> None:
    try:
        settled = await s.settle_lot(lot_id)
    except NotFound:
        settled = True
    if settled:
        await s.redis.zrem(SETTLE_WATCH, str(lot_id))
        return
    state = await s.app.store.state(lot_id)
    if state is None:
        await s.redis.zrem(SETTLE_WATCH, str(lot_id))
        return
    # a fixed-price sale's first bid brings its end forward: look again soon
    await s.redis.zadd(SETTLE_WATCH, {str(lot_id): min(state["ends_at"], now + 2000)})

async def _opened(s: Settlement, lot_id: int) -> None:
    if not await s.redis.zrem(OPENING, str(lot_id)):
        return
    try:
        lot = await s.app.lots.get(lot_id)
    except NotFound:
        return
    await notifications.notify_case(s.redis, int(lot["case_id"]), "bidding_open",
                                     {"title": lot["title"], "ends": ms_to_beijing(lot["ends_at"])},
                                     dedupe=f"open:{lot_id}", lot_id=lot_id)

async def backfill(s: Settlement) -> None:
    """Watch lots created before this worker existed (run once at start)."""
    done = await s.redis.smembers(SETTLE_DONE)
    # withscores: (member, score) pairs (redis-py types zrange's reply as members or pairs)
    scored = cast(list[tuple[str, float]],
                  await s.redis.zrange(keys.LOTS_INDEX, 0, -1, withscores=True))
    for lot_id, ends in scored:
        if lot_id not in done:
            await s.redis.zadd(SETTLE_WATCH, {lot_id: int(ends)}, nx=True)

async def run(s: Settlement, stop: asyncio.Event, interval: float = 0.5) -> None:
    """Until ``stop``: hold the settler lease and tick (one leader across processes)."""
    with contextlib.suppress(Exception):
        await backfill(s)
    await run_as_leader(s.redis, SETTLER_LOCK, partial(tick, s), stop, interval, name="settler")
