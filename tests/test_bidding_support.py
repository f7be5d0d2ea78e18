"""Helpers shared by the bidding tests (no tests here)."""

from __future__ import annotations

from bidding import BidStore, keys

MINUTE_MS = 60_000


async def open_lot(store: BidStore, lot_id: int = 1, *, start: int = 100_000, inc: int = 500,
                   starts_in_ms: int = -MINUTE_MS, ends_in_ms: int = 10 * MINUTE_MS,
                   extension_ms: int = 0) -> int:
    """Create a lot relative to the Redis server clock; returns that server time."""
    now = await store.server_time_ms()
    await store.create_lot(lot_id, starting_price=start, increment=inc,
                           starts_at_ms=now + starts_in_ms, ends_at_ms=now + ends_in_ms,
                           extension_ms=extension_ms)
    return now


async def end_now(store: BidStore, lot_id: int) -> int:
    """Move a live lot's end to the Redis server's now (its state and the closer's schedule);
    returns that time. Tests open lots with a long window and end them here once every step
    before the close is done: an end a few hundred ms away races those steps under load."""
    now = await store.server_time_ms()
    await store.redis.hset(keys.state(lot_id), "ends_at", now)
    await store.redis.zadd(keys.CLOSING, {str(lot_id): now})
    return now


async def paid_bidder(store: BidStore, lot_id: int, user: str, rank: int = 0) -> str:
    """Register ``user`` with ``rank`` and mark the deposit paid; returns the code."""
    code = await store.register(lot_id, user, rank=rank)
    await store.mark_deposit_paid(lot_id, code)
    return code
