"""Enforcement cases: created from a lot's case number; hold the case's lots."""

from __future__ import annotations

import time

import redis.asyncio as aioredis

from bidding.codec import str_hash

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
        return int(str(await redis.hget(BY_NUMBER, number)))
    await redis.hset(case_key(new_id), mapping={
        "id": new_id, "case_number": number, "court": court, "created_by": officer,
        "created_at": int(time.time() * 1000)})
    await redis.sadd(f"{case_key(new_id)}:officers", officer)
    return new_id


async def add_lot(redis: aioredis.Redis, case_id: int, lot_id: int) -> None:
    await redis.sadd(f"{case_key(case_id)}:lots", lot_id)


# -- applicants, officers and who may see a case --------------------------------------------


async def get_case(redis: aioredis.Redis, case_id: int) -> dict[str, str] | None:
    raw = await redis.hgetall(case_key(case_id))
    return str_hash(raw) if raw else None


async def all_case_ids(redis: aioredis.Redis) -> list[int]:
    return sorted(int(v) for v in (await redis.hgetall(BY_NUMBER)).values())


async def lot_ids(redis: aioredis.Redis, case_id: int) -> list[int]:
    return sorted(int(i) for i in await redis.smembers(f"{case_key(case_id)}:lots"))


async def applicants(redis: aioredis.Redis, case_id: int) -> list[str]:
    return sorted(str(m) for m in await redis.smembers(f"{case_key(case_id)}:applicants"))


async def officers(redis: aioredis.Redis, case_id: int) -> list[str]:
    return sorted(str(m) for m in await redis.smembers(f"{case_key(case_id)}:officers"))


async def link_applicant(redis: aioredis.Redis, case_id: int, username: str) -> bool:
    """Link an applicant to the case; True when newly linked."""
    added = await redis.sadd(f"{case_key(case_id)}:applicants", username.lower())
    await redis.sadd(f"user:{username.lower()}:cases", case_id)
    return bool(added)


async def cases_of_applicant(redis: aioredis.Redis, username: str) -> list[int]:
    return sorted(int(i) for i in await redis.smembers(f"user:{username.lower()}:cases"))


async def may_view(redis: aioredis.Redis, case_id: int, username: str, role: str) -> bool:
    """A case is visible to its applicants and its officers (who created or relisted its
    lots, or linked its applicants)."""
    group = {"officer": "officers", "applicant": "applicants"}.get(role)
    return group is not None and bool(
        await redis.sismember(f"{case_key(case_id)}:{group}", username.lower()))


async def add_officer(redis: aioredis.Redis, case_id: int, username: str) -> None:
    await redis.sadd(f"{case_key(case_id)}:officers", username.lower())


async def cases_of_officer(redis: aioredis.Redis, username: str) -> list[int]:
    return [c for c in await all_case_ids(redis)
            if await redis.sismember(f"{case_key(c)}:officers", username.lower())]
