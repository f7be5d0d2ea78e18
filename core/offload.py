"""Blocking work (password hashing, image decoding) in worker threads, a bounded number at once.

A slow KDF or a 36 MP decode on the event loop stalls every request and websocket of the
process; run it with :func:`offload` instead. The semaphore keeps memory bounded (each Argon2
hash takes 64 MiB, each decode up to a few hundred MiB) and leaves threads for other work.
Semaphores are per event loop (tests run several loops in one process).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

HASHING = "hashing"
DECODING = "decoding"
CONCURRENCY = {HASHING: 4, DECODING: 2}

_semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]]
_semaphores = weakref.WeakKeyDictionary()


def _semaphore(kind: str) -> asyncio.Semaphore:
    per_loop = _semaphores.setdefault(asyncio.get_running_loop(), {})
    if kind not in per_loop:
        per_loop[kind] = asyncio.Semaphore(CONCURRENCY[kind])
    return per_loop[kind]


async def offload(kind: str, fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` in a worker thread, at most ``CONCURRENCY[kind]`` at once per loop."""
    async with _semaphore(kind):
        return await asyncio.to_thread(fn, *args)
