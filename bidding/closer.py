"""The closer: one leader (core.lease) closes due lots; closes are idempotent."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bidding import keys
from core.lease import run_as_leader

if TYPE_CHECKING:  # the store calls run_closer; importing it here at run time is a cycle
    from bidding.store import BidStore

log = logging.getLogger(__name__)


async def run_closer(store: BidStore, stop: asyncio.Event, interval: float = 0.5) -> None:
    """Until ``stop`` is set: hold the closer lease and close due lots every ``interval``."""

    async def tick() -> None:
        closed = await store.close_due()
        if closed:
            log.info("closed lots %s", closed)

    await run_as_leader(store.redis, keys.CLOSER_LOCK, tick, stop, interval, name="closer")
