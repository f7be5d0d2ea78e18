"""Counted work of one bid request: the portal's ASGI app driven in-process (no HTTP server,
no load generator) against a private redis-server, one bid in flight, every bid valid.

Complements bench/bids_api.py, whose ratio moves with the shared machine: these counts do
not. Per accepted ``POST /api/lots/{id}/bids`` it reports the routes the router tries,
Python function calls (cProfile), Redis commands (``INFO commandstats``; the outbid notice
that runs after the response included) and, as the only timed figure, CPU microseconds of
the process (median of blocks). ``--root`` measures another checkout (e.g. a
``git worktree`` of an older commit) with this venv:

    .venv/bin/python bench/bid_path.py
    .venv/bin/python bench/bid_path.py --root /tmp/perf-old
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                help="checkout whose portal is measured (default: this one)")
ap.add_argument("--bids", type=int, default=300, help="bids per block")
ap.add_argument("--blocks", type=int, default=7, help="timed blocks (CPU is their median)")
ARGS = ap.parse_args()
ROOT = ARGS.root.resolve()
# the checkout first; its bench/ last (bench/panorama.py would shadow the panorama package)
BENCH_DIRS = {ROOT / "bench", Path(__file__).resolve().parent}
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() not in BENCH_DIRS),
               str(ROOT / "bench")]

import redis.asyncio as aioredis  # noqa: E402
from _common import (  # noqa: E402
    INCREMENT_FEN,
    PASSWORD,
    STARTING_PRICE_FEN,
    RedisServer,
    emit,
    machine,
    seed,
)
from starlette.routing import Match  # noqa: E402

from portal.app import create_app  # noqa: E402


async def call(app: Any, path: str, body: bytes, cookie: str = "") -> tuple[int, Any, bytes]:
    """One HTTP request through the ASGI app: (status, headers, body)."""
    headers = [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": headers, "client": ("127.0.0.1", 5000),
             "server": ("127.0.0.1", 8000), "state": {}}
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    out: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # the client never disconnects
        raise AssertionError

    async def send(msg: dict[str, Any]) -> None:
        if msg["type"] == "http.response.start":
            out["status"], out["headers"] = msg["status"], msg["headers"]
        else:
            out["body"] += msg.get("body", b"")

    await app(scope, receive, send)
    return out["status"], out["headers"], out["body"]


def routes_tried(app: Any, path: str) -> int:
    scope = {"type": "http", "method": "POST", "path": path, "root_path": "", "path_params": {}}
    for n, route in enumerate(app.router.routes, 1):
        if route.matches(scope)[0] is Match.FULL:
            return n
    raise AssertionError(path)


async def redis_counts(client: Any) -> tuple[dict[str, int], float]:
    """(calls so far per command, INFO left out; Redis CPU seconds so far)."""
    stats, cpu = await client.info("commandstats"), await client.info("cpu")
    calls = {k.removeprefix("cmdstat_"): v["calls"] for k, v in stats.items()
             if k != "cmdstat_info"}
    return calls, cpu["used_cpu_user"] + cpu["used_cpu_sys"]


async def log_in(app: Any, names: list[str]) -> dict[str, str]:
    """Session cookie per bidder, through POST /api/session."""
    cookies = {}
    for name in names:
        body = json.dumps({"username": name, "password": PASSWORD}).encode()
        _, headers, _ = await call(app, "/api/session", body)
        sid = next(v for k, v in headers if k == b"set-cookie" and v.startswith(b"sid="))
        cookies[name] = sid.split(b";")[0].decode()
    return cookies


async def measure(redis_url: str) -> dict[str, Any]:
    seeded = await seed(redis_url, lots=40, bidders=2, prefix="path")
    os.environ.update(REDIS_URL=redis_url, DATA_DIR=tempfile.mkdtemp(prefix="bench-path-"),
                      PORTAL_RULES="sandbox", SECRET_KEY="bench-secret-key")
    app = create_app(run_closer=False)
    counter = aioredis.Redis.from_url(redis_url)
    async with app.router.lifespan_context(app):
        cookies = await log_in(app, seeded.bidders)
        lots = {lot: [STARTING_PRICE_FEN, 0] for lot in seeded.lots}

        async def bids(n: int) -> None:
            for i in range(n):
                lot = seeded.lots[i % len(seeded.lots)]
                amount, turn = lots[lot]
                body = json.dumps({"amount": f"{amount // 100}.{amount % 100:02d}"}).encode()
                status, _, data = await call(app, f"/api/lots/{lot}/bids", body,
                                             cookies[seeded.bidders[turn]])
                assert status == 201, (status, data)
                lots[lot] = [amount + INCREMENT_FEN, turn ^ 1]
            me = asyncio.current_task()
            while rest := [t for t in asyncio.all_tasks() if t is not me and not t.done()
                           and "notify" in repr(t.get_coro())]:
                await asyncio.gather(*rest, return_exceptions=True)  # the outbid notices

        await bids(ARGS.bids)  # warm: scripts loaded, accounts cached
        n = ARGS.bids
        calls0, _ = await redis_counts(counter)
        profile = cProfile.Profile()
        profile.enable()
        await bids(n)
        profile.disable()
        calls1, _ = await redis_counts(counter)
        cpu, redis_cpu = [], []
        for _ in range(ARGS.blocks):
            c0, (_, r0) = time.process_time(), await redis_counts(counter)
            await bids(n)
            c1, (_, r1) = time.process_time(), await redis_counts(counter)
            cpu.append((c1 - c0) / n * 1e6)
            redis_cpu.append((r1 - r0) / n * 1e6)
    await counter.aclose()
    per_command = {k: round((v - calls0.get(k, 0)) / n, 2) for k, v in sorted(calls1.items())
                   if v > calls0.get(k, 0)}
    stats = pstats.Stats(profile)
    matches = sum(v[1] for k, v in stats.stats.items()  # type: ignore[attr-defined]
                  if k[2] == "matches" and "starlette" in k[0])
    return {
        "bench": "bid_path", "root": str(ROOT), "bids_per_block": n,
        "routes_tried": routes_tried(app, f"/api/lots/{seeded.lots[0]}/bids"),
        "route_matches_per_bid": round(matches / n, 2),
        "python_calls_per_bid": round(stats.total_calls / n, 1),  # type: ignore[attr-defined]
        "redis_commands_per_bid": round(sum(per_command.values()), 2),
        "redis_commands_by_name_per_bid": per_command,
        "cpu_us_per_bid": round(statistics.median(cpu)),
        "cpu_us_per_bid_blocks": [round(x) for x in cpu],
        "redis_cpu_us_per_bid": round(statistics.median(redis_cpu)),
        "machine": machine(),
    }


def main() -> None:
    rs = RedisServer().start()
    try:
        emit(asyncio.run(measure(rs.url)))
    finally:
        rs.stop()


if __name__ == "__main__":
    main()
