"""The lot scripts (bidding/lua) registered per client through core's one Lua loader."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from redis.commands.core import AsyncScript

from core.lua import SHA256, Library, register

LIBRARIES: tuple[Library, ...] = (SHA256, ("bidding", "common.lua"))


@dataclass(frozen=True)
class Scripts:
    place_bid: AsyncScript
    close_lot: AsyncScript
    create_lot: AsyncScript
    cancel_lot: AsyncScript
    register: AsyncScript
    update_bidder: AsyncScript


_by_client: weakref.WeakKeyDictionary[Any, Scripts] = weakref.WeakKeyDictionary()


def scripts_for(client: Any) -> Scripts:
    """The registered lot scripts of ``client`` (EVALSHA with load fallback)."""
    found = _by_client.get(client)
    if found is None:
        found = Scripts(**{name: register(client, "bidding", f"{name}.lua", LIBRARIES)
                           for name in Scripts.__dataclass_fields__})
        _by_client[client] = found
    return found
