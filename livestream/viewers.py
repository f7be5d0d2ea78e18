"""Viewer counts of event rooms.

Viewer counts are approximate by design: every process notes viewer ids (websocket clients
and anonymous heartbeats) in memory and flushes them every 2 s with one PFADD per venue into
a HyperLogLog per 30-second bucket; a count is PFCOUNT over the current and previous bucket
(about 0.8 % standard error, 12 KB per key whatever the audience size).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from typing import Any

import redis.asyncio as aioredis

from livestream import keys

log = logging.getLogger(__name__)

BUCKET_SECONDS = 30
FLUSH_SECONDS = 2.0
COUNT_CACHE_SECONDS = 2.0
VIEWER_ID_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")


class ViewerCounter:
    """Approximate viewers per venue: per-process aggregation + one HyperLogLog per bucket."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis: Any = redis
        self.pending: dict[tuple[tuple[int, str], int], set[str]] = {}
        self._cache: dict[tuple[int, str], tuple[float, dict[int, int], int]] = {}
        self._task: asyncio.Task[None] | None = None

    def note(self, room: tuple[int, str], venue_id: int, viewer_id: str) -> None:
        self.pending.setdefault((room, venue_id), set()).add(viewer_id)
        if self._task is None:
            self._task = asyncio.create_task(self._flush_loop(), name="viewer-counter")

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("viewer count flush failed")

    async def flush(self, now: float | None = None) -> int:
        """Write the noted viewer ids; returns the number of Redis commands sent."""
        pending, self.pending = self.pending, {}
        if not pending:
            return 0
        bucket = int(now or time.time()) // BUCKET_SECONDS
        pipe = self.redis.pipeline(transaction=False)
        for (room, venue_id), ids in pending.items():
            key = keys.viewers(room, venue_id, bucket)
            pipe.pfadd(key, *ids)
            pipe.expire(key, BUCKET_SECONDS * 4)
        await pipe.execute()
        return 2 * len(pending)

    async def counts(self, room: tuple[int, str], venue_ids: list[int],
                     now: float | None = None) -> tuple[dict[int, int], int]:
        """({venue id: viewers}, total) over the last 30-60 s; cached per process for 2 s."""
        cached = self._cache.get(room)
        clock = time.monotonic()
        if cached and clock - cached[0] < COUNT_CACHE_SECONDS and now is None:
            return cached[1], cached[2]
        bucket = int(now or time.time()) // BUCKET_SECONDS
        pipe = self.redis.pipeline(transaction=False)
        every: list[str] = []
        for venue_id in venue_ids:
            names = [keys.viewers(room, venue_id, b) for b in (bucket, bucket - 1)]
            every += names
            pipe.pfcount(*names)
        if every:
            pipe.pfcount(*every)  # union: a viewer who moved between venues counts once
        results = await pipe.execute()
        per_venue = dict(zip(venue_ids, (int(n) for n in results), strict=False))
        total = int(results[-1]) if every else 0
        self._cache[room] = (clock, per_venue, total)
        return per_venue, total

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.flush()


def room_key(event: dict[str, Any]) -> tuple[int, str]:
    return int(event["id"]), str(event.get("nonce", ""))


def valid_viewer_id(value: Any) -> str | None:
    return value if isinstance(value, str) and VIEWER_ID_RE.fullmatch(value) else None
