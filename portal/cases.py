"""Enforcement cases: created from a lot's case number; hold the case's lots."""

from __future__ import annotations

import time

import redis.asyncio as aioredis

BY_NUMBER = "cases:by_number"


def case_key(case_id: int) -> str:
    return f"case:{{{case_id}}}"


async def case_for_number(redis: aioredis.Redis, number: str, court: str, officer: str) -> int:
    """The id of the case with this number, created on first use (race-safe via HSETNX)."""
    existing = await redis.hget(BY_NUMBER, number)
    if existing:
        return int(existing)
    new_id = int(await redis.incr("cases:next_id"))
    if not await redis.hsetnx(BY_NUMBER, number, new_id):
        return int(await redis.hget(BY_NUMBER, number))
    await redis.hset(case_key(new_id), mapping={
        "id": new_id, "case_number": number, "court": court, "created_by": officer,
        "created_at": int(time.time() * 1000)})
    await redis.sadd(f"{case_key(new_id)}:officers", officer)
    return new_id


async def add_lot(redis: aioredis.Redis, case_id: int, lot_id: int) -> None:
    await redis.sadd(f"{case_key(case_id)}:lots", lot_id)
