"""Leader leases: one process across all workers and hosts runs a periodic job.

A lease is a Redis key holding a random token with a TTL. The holder renews it every tick
(``lua/lease.lua`` checks the token and extends the TTL atomically); anyone else takes it
with ``SET NX PX`` once it expires. A crashed holder's lease lapses after the TTL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from core.lua import register
from core.redis import unavailable

log = logging.getLogger(__name__)


async def acquire(redis: Any, lock: str, token: str, ttl_ms: int) -> bool:
    """Take or renew the lease ``lock``; True while ``token`` holds it."""
    if await register(redis, "core", "lease.lua")(keys=[lock], args=[token, ttl_ms]):
        return True
    return bool(await redis.set(lock, token, nx=True, px=ttl_ms))


async def release(redis: Any, lock: str, token: str) -> None:
    """Give the lease up if ``token`` holds it (no-op otherwise)."""
    await register(redis, "core", "lease.lua")(keys=[lock], args=[token, 0])


async def run_as_leader(redis: Any, lock: str, tick: Callable[[], Awaitable[object]],
                        stop: asyncio.Event, interval: float = 0.5, name: str = "leader",
                        ) -> None:
    """Until ``stop`` is set: every ``interval`` s renew or take the lease and, while held,
    run ``tick``. A failing tick or Redis hiccup is logged and the loop goes on (ticks must
    be idempotent). The lease is released on the way out."""
    token = f"{os.getpid()}:{secrets.token_hex(12)}"  # the holder's pid: operators, chaos
    ttl_ms = max(2000, int(interval * 4000))
    down = False  # Redis not serving: one log line per outage, not one per tick
    try:
        while not stop.is_set():
            try:
                if await acquire(redis, lock, token, ttl_ms):
                    await tick()
                down = False
            except Exception as exc:  # noqa: BLE001 - keep the loop alive; ticks are idempotent
                if not unavailable(exc):
                    log.exception("%s tick failed", name)
                elif not down:
                    log.error("%s paused: Redis unavailable (%s)", name, exc)
                down = unavailable(exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
    finally:
        try:
            await release(redis, lock, token)
        except Exception:  # noqa: BLE001 - shutting down; the lease expires on its own
            log.warning("could not release the %s lease", name, exc_info=True)
