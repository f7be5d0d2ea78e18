"""The closer loop: one leader (lease in Redis) closes due lots; closes are idempotent."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bidding.store import BidStore

log = logging.getLogger(__name__)


async def run_closer(store: BidStore, stop: asyncio.Event, interval: float = 0.5) -> None:
    """Until ``stop`` is set: renew/take the lease, close due lots, wait ``interval``."""
    token = secrets.token_hex(16)
    ttl_ms = max(2000, int(interval * 4000))
    try:
        while not stop.is_set():
            await _tick(store, token, ttl_ms)
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass
    finally:
        try:
            await store.release_lease(token)
        except Exception:  # noqa: BLE001 - shutting down; the lease expires on its own
            log.warning("could not release the closer lease", exc_info=True)


async def _tick(store: BidStore, token: str, ttl_ms: int) -> None:
    try:
        if await store.acquire_lease(token, ttl_ms):
            closed = await store.close_due()
            if closed:
                log.info("closed lots %s", closed)
    except Exception:  # noqa: BLE001 - keep the closer alive across Redis hiccups
        log.exception("closer tick failed")
