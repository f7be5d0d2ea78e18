"""Give freed heap memory back to the OS after a build (glibc only; otherwise a no-op).

A build allocates a few hundred MB of short-lived arrays across several threads; glibc keeps
much of it in per-thread arenas, so a long-running worker would sit on ~150 MB it no longer
uses and the next build would peak that much higher.  ``malloc_trim`` returns it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None
    return trim  # type: ignore[no-any-return]


def release_memory() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
