"""Rate limits shared by every worker: the `limits` library's moving windows in Redis.

A limit is a string such as ``"5/minute;15/hour;40/day"`` (several tiers: the delay grows as
attempts continue). Counts live in Redis under the caller's key prefix, so all workers and
hosts see the same numbers. The checks answer how many seconds to wait (``None``: go ahead);
:func:`retry_after` turns that into a ``Retry-After`` value.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from functools import cache

import redis.asyncio as aioredis
from limits import RateLimitItem, parse_many
from limits.aio.storage import RedisClusterStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio.cluster import RedisCluster

Limits = Sequence[RateLimitItem]
DEFAULT_PREFIX = "throttle"


@cache
def parse(spec: str) -> tuple[RateLimitItem, ...]:
    """``"5/minute;15/hour"`` -> the tiers; an empty string means no limit."""
    return tuple(parse_many(spec)) if spec.strip() else ()


class Throttle:
    def __init__(self, client: aioredis.Redis, key_prefix: str = DEFAULT_PREFIX) -> None:
        self.limiter = MovingWindowRateLimiter(_storage(client, key_prefix))

    async def wait(self, limits: Limits, *ids: str) -> float | None:
        """Seconds until one more attempt is allowed (None: allowed now); counts nothing."""
        waits = [await self._wait(item, *ids) for item in limits
                 if not await self.limiter.test(item, *ids)]
        return max(waits) if waits else None

    async def hit(self, limits: Limits, *ids: str) -> float | None:
        """Count one attempt against every tier; seconds to wait when a tier refused it."""
        waits = [await self._wait(item, *ids) for item in limits
                 if not await self.limiter.hit(item, *ids)]
        return max(waits) if waits else None

    async def clear(self, limits: Limits, *ids: str) -> None:
        for item in limits:
            await self.limiter.clear(item, *ids)

    async def _wait(self, item: RateLimitItem, *ids: str) -> float:
        stats = await self.limiter.get_window_stats(item, *ids)
        return max(0.001, stats.reset_time - time.time())


def _storage(client: aioredis.Redis, key_prefix: str) -> RedisStorage:
    """The limits storage on the app's Redis: sharing its connection pool on a single server;
    on a Redis Cluster (no shared pool there) limits' cluster storage with its own cluster
    client on the same seed nodes. A moving window is one key per limit and id, so every
    limits script stays in one slot."""
    if isinstance(client, RedisCluster):
        nodes = ",".join(node.name for node in client.nodes_manager.startup_nodes.values())
        password = client.connection_kwargs.get("password")
        return RedisClusterStorage(f"async+redis+cluster://{nodes}", implementation="redispy",
                                   key_prefix=key_prefix,
                                   **({"password": password} if password else {}))
    return RedisStorage("async+redis://", implementation="redispy", key_prefix=key_prefix,
                        connection_pool=client.connection_pool)  # type: ignore[arg-type]


def retry_after(seconds: float) -> int:
    """Whole seconds for a Retry-After header (never 0: that would invite a retry storm)."""
    return max(1, math.ceil(seconds))
