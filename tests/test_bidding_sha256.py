"""The Lua SHA-256 (run inside the real Redis) must equal hashlib."""

from __future__ import annotations

import hashlib
import random

import redis.asyncio as aioredis
from redis_cluster import async_client

from core.lua import lua_source

SCRIPT = lua_source("core", "sha256.lua") + "\nreturn sha256(ARGV[1])"


def samples() -> list[bytes]:
    rng = random.Random(2016)
    out = [b"", b"abc", "中文司法拍卖".encode(), "ü€😀".encode(), b"\x00\xff" * 40]
    for n in (*range(50, 75), 111, 112, 119, 120, 127, 128, 129, 1000, 4096, 100_003):
        out.append(bytes(rng.randrange(256) for _ in range(n)))
    out += [("a" * n).encode() for n in (1, 55, 56, 63, 64, 65)]
    return out


async def test_lua_sha256_matches_hashlib(redis_url: str) -> None:
    client = async_client(redis_url)  # raw bytes in and out
    try:
        script = client.register_script(SCRIPT)
        for msg in samples():
            got = await script(args=[msg])
            assert got.decode() == hashlib.sha256(msg).hexdigest(), len(msg)
    finally:
        await client.aclose()


async def test_lua_sha256_on_text(aredis: aioredis.Redis) -> None:
    script = aredis.register_script(SCRIPT)
    text = "bid|7|1|1700000000000|A3F9|101500000|0|1700000300000|" + "0" * 64
    assert await script(args=[text]) == hashlib.sha256(text.encode()).hexdigest()
