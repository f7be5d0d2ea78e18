"""Atomic status changes of a Redis hash field (lua/transition.lua): payments, settlements."""

from __future__ import annotations

import json
from typing import Any

import redis.asyncio as aioredis

from portal.accounts import script


async def transition(redis: aioredis.Redis, key: str, field: str, allowed: str, to: str,
                     deadline_field: str = "", mode: str = "",
                     **sets: Any) -> dict[str, Any]:
    """Atomic status change (see lua/transition.lua)."""
    args: list[Any] = [field, allowed, to, deadline_field, mode]
    for k, v in sets.items():
        args += [k, v]
    return dict(json.loads(await script(redis, "transition.lua")(keys=[key], args=args)))
