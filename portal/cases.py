"""Enforcement cases: created from a lot's case number; hold the case's lots."""

from __future__ import annotations

import time

import redis.asyncio as aioredis

from bidding.codec import str_hash
from core.errors import Forbidden
from core.names import user_id
from portal import keys


async def case_for_number(redis: aioredis.Redis, number: str, court: str, officer: str) -> int:
    """The id of the case with this number, created on first use (race-safe via HSETNX);
    403 ``other_court`` when the case exists and belongs to another court."""
    existing = await redis.hget(keys.CASES_BY_NUMBER, number)
    if existing:
        return await _same_court(redis, int(existing), court)
    new_id = int(await redis.incr(keys.CASES_NEXT_ID))
    if not await redis.hsetnx(keys.CASES_BY_NUMBER, number, new_id):
        return await _same_court(redis, int(str(await redis.hget(keys.CASES_BY_NUMBER, number))),
                                 court)
    await redis.hset(keys.case(new_id), mapping={
        "id": new_id, "case_number": number, "court": court, "created_by": officer,
        "created_at": int(time.time() * 1000)})
    await add_officer(redis, new_id, officer)
    return new_id


async def _same_court(redis: aioredis.Redis, case_id: int, court: str) -> int:
    owner = await redis.hget(keys.case(case_id), "court")
    if owner is not None and str(owner) != court:
        raise Forbidden("This case belongs to another court", code="other_court")
    return case_id


async def set_debtor(redis: aioredis.Redis, case_id: int, id_number: str) -> None:
    """Record the case's debtor's (normalised) ID number: they may not bid for its lots."""
    await redis.hset(keys.case(case_id), "debtor_id_number", id_number)


async def add_lot(redis: aioredis.Redis, case_id: int, lot_id: int) -> None:
    await redis.sadd(keys.case_lots(case_id), lot_id)


# -- applicants, officers and who may see a case --------------------------------------------


async def get_case(redis: aioredis.Redis, case_id: int) -> dict[str, str] | None:
    raw = await redis.hgetall(keys.case(case_id))
    return str_hash(raw) if raw else None


async def all_case_ids(redis: aioredis.Redis) -> list[int]:
    return sorted(int(v) for v in (await redis.hgetall(keys.CASES_BY_NUMBER)).values())


async def lot_ids(redis: aioredis.Redis, case_id: int) -> list[int]:
    return sorted(int(i) for i in await redis.smembers(keys.case_lots(case_id)))


async def applicants(redis: aioredis.Redis, case_id: int) -> list[str]:
    return sorted(str(m) for m in await redis.smembers(keys.case_applicants(case_id)))


async def officers(redis: aioredis.Redis, case_id: int) -> list[str]:
    return sorted(str(m) for m in await redis.smembers(keys.case_officers(case_id)))


async def link_applicant(redis: aioredis.Redis, case_id: int, username: str) -> bool:
    """Link an applicant to the case; True when newly linked."""
    added = await redis.sadd(keys.case_applicants(case_id), user_id(username))
    await redis.sadd(keys.user_cases(username), case_id)
    return bool(added)


async def cases_of_applicant(redis: aioredis.Redis, username: str) -> list[int]:
    return sorted(int(i) for i in await redis.smembers(keys.user_cases(username)))


async def may_view(redis: aioredis.Redis, case_id: int, username: str, role: str) -> bool:
    """A case is visible to its applicants and its officers (who created or relisted its
    lots, or linked its applicants)."""
    group = {"officer": keys.case_officers, "applicant": keys.case_applicants}.get(role)
    return group is not None and bool(
        await redis.sismember(group(case_id), user_id(username)))


async def add_officer(redis: aioredis.Redis, case_id: int, username: str) -> None:
    await redis.sadd(keys.case_officers(case_id), user_id(username))


async def cases_of_officer(redis: aioredis.Redis, username: str) -> list[int]:
    return [c for c in await all_case_ids(redis)
            if await redis.sismember(keys.case_officers(c), user_id(username))]
