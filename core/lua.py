"""The one Lua loader: scripts are package files (``<package>/lua/<name>.lua``) read with
importlib.resources, prefixed with shared libraries and registered once per Redis client
(EVALSHA with a load fallback, as redis-py's ``register_script`` does)."""

from __future__ import annotations

import weakref
from functools import cache
from importlib.resources import files
from typing import Any

from redis.commands.core import AsyncScript

# A library is (package, file name); core's SHA-256 is what the hash chains are built with.
Library = tuple[str, str]
SHA256: Library = ("core", "sha256.lua")

_registered: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], AsyncScript]] = (
    weakref.WeakKeyDictionary())


@cache
def lua_source(package: str, name: str) -> str:
    """Raw text of ``<package>/lua/<name>``."""
    return files(package).joinpath("lua", name).read_text(encoding="utf-8")


@cache
def script_source(package: str, name: str, libraries: tuple[Library, ...] = ()) -> str:
    """A complete script: the libraries, in order, followed by the script's body."""
    return "\n".join([*(lua_source(*lib) for lib in libraries), lua_source(package, name)])


def register(client: Any, package: str, name: str,
             libraries: tuple[Library, ...] = ()) -> AsyncScript:
    """``<package>/lua/<name>`` registered on ``client`` (once per client)."""
    scripts = _registered.setdefault(client, {})
    key = (package, name)
    if key not in scripts:
        scripts[key] = client.register_script(script_source(package, name, libraries))
    return scripts[key]
