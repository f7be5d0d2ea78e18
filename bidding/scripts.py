"""Loading of the Lua scripts (importlib.resources) and their registration per client."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from redis.commands.core import AsyncScript

LIBRARIES = ("sha256.lua", "common.lua")


@cache
def lua_source(name: str) -> str:
    """Raw text of one file of bidding/lua."""
    return files("bidding").joinpath("lua", name).read_text(encoding="utf-8")


@cache
def script_source(name: str) -> str:
    """A complete script: the shared libraries followed by the script's body."""
    return "\n".join([*(lua_source(lib) for lib in LIBRARIES), lua_source(name)])


@dataclass(frozen=True)
class Scripts:
    place_bid: AsyncScript
    close_lot: AsyncScript
    create_lot: AsyncScript
    cancel_lot: AsyncScript
    register: AsyncScript
    update_bidder: AsyncScript
    lease: AsyncScript


_by_client: weakref.WeakKeyDictionary[Any, Scripts] = weakref.WeakKeyDictionary()


def scripts_for(client: Any) -> Scripts:
    """The registered scripts of ``client`` (registered once; EVALSHA with load fallback)."""
    found = _by_client.get(client)
    if found is None:
        found = Scripts(**{
            name: client.register_script(script_source(f"{name}.lua"))
            for name in Scripts.__dataclass_fields__
        })
        _by_client[client] = found
    return found
