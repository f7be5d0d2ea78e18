"""Viewer counts of event rooms.

Viewer counts are approximate by design: every process notes viewer ids (websocket clients
and anonymous heartbeats) in memory and flushes them every 2 s with one PFADD per venue into
a HyperLogLog per 30-second bucket; a count is PFCOUNT over the current and previous bucket
(about 0.8 % standard error, 12 KB per key whatever the audience size).

Anonymous heartbeats count only viewer ids the server issued (:class:`ViewerIds`): an HMAC
over the event id, the issue time and a random part, valid for ``ttl`` seconds, so ids a
client makes up count for nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import re
import secrets
import time
from typing import Any

import redis.asyncio as aioredis

from livestream import keys

log = logging.getLogger(__name__)

BUCKET_SECONDS = 30
FLUSH_SECONDS = 2.0
COUNT_CACHE_SECONDS = 2.0
VIEWER_TTL_S = 6 * 3600  # a page left open longer fetches a new id
MAX_SKEW_S = 60
SIGNED_VIEWER_RE = re.compile(r"([0-9]{1,15})_([0-9]{1,12})_([0-9a-f]{12})_([0-9a-f]{24})",
                              re.ASCII)
SIGNED_VIEWER_PATTERN = "^" + SIGNED_VIEWER_RE.pattern + "$"


class ViewerIds:
    """Server-issued viewer ids: ``<event>_<issued s>_<random>_<hmac>`` (at most 67 chars)."""

    def __init__(self, secret: str, ttl: int = VIEWER_TTL_S) -> None:
        self.key = hmac.new(secret.encode(), b"livestream viewer ids", hashlib.sha256).digest()
        self.ttl = ttl

    def _mac(self, event_id: int, issued: int, nonce: str) -> str:
        msg = f"{event_id}_{issued}_{nonce}".encode()
        return hmac.new(self.key, msg, hashlib.sha256).hexdigest()[:24]

    def issue(self, event_id: int, now: float | None = None) -> tuple[str, int]:
        """A new id for a viewer of this event, and when it expires (Unix seconds)."""
        issued, nonce = int(now if now is not None else time.time()), secrets.token_hex(6)
        return f"{event_id}_{issued}_{nonce}_{self._mac(event_id, issued, nonce)}", \
            issued + self.ttl

    def verify(self, token: object, event_id: int, now: float | None = None) -> str | None:
        """``token`` when this server issued it for this event and it has not expired."""
        match = SIGNED_VIEWER_RE.fullmatch(token) if isinstance(token, str) else None
        if match is None or int(match[1]) != event_id:
            return None
        issued, clock = int(match[2]), now if now is not None else time.time()
        if not clock - self.ttl <= issued <= clock + MAX_SKEW_S:
            return None
        good = self._mac(event_id, issued, match[3])
        return token if hmac.compare_digest(good, match[4]) else None  # type: ignore[return-value]


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
        # PFCOUNT by execute_command: redis-py's cluster pipeline refuses its multi-key method
        # outright, though every key here carries the event's hash tag (one slot).
        for venue_id in venue_ids:
            names = [keys.viewers(room, venue_id, b) for b in (bucket, bucket - 1)]
            every += names
            pipe.execute_command("PFCOUNT", *names)
        if every:  # union: a viewer who moved between venues counts once
            pipe.execute_command("PFCOUNT", *every)
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
