"""Fault-injection helpers: a private redis-server that a test may kill and restart (its own
port, AOF always, like production) and a portal served by several workers on it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import cast

import httpx
import redis
import redis.asyncio
from conftest import ROOT, _redis_binary, free_port, wait_http
from portal_helpers import run_async
from websockets.asyncio.client import connect

from bidding import keys
from bidding.scripts import scripts_for
from core.names import user_id


class PrivateRedis:
    """redis-server on a fixed free port over one data dir; kill() and start() again keep
    the data (AOF appendfsync always)."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [_redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.data), "--save", "", "--appendonly", "yes",
             "--appendfsync", "always"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except (redis.ConnectionError, redis.BusyLoadingError):
                assert time.monotonic() < deadline, "redis-server did not come up"
                time.sleep(0.02)
        client.close()

    def kill(self) -> None:
        """kill -9, as a crash or the OOM killer would."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None


def serve(env: dict[str, str], workers: int, log: Path, *args: str,
          new_session: bool = False) -> tuple[subprocess.Popen[bytes], str]:
    """`python -m portal serve` with `workers` workers on a free port; (process, base URL).
    `new_session`: in a process group of its own, as a terminal runs it."""
    port = free_port()
    out = open(log, "wb")  # noqa: SIM115 - closed with the process by the caller's stop()
    proc = subprocess.Popen(
        [sys.executable, "-m", "portal", "serve", "--port", str(port), "--workers",
         str(workers), "--log-level", "warning", *args],
        cwd=ROOT, env={**os.environ, "PORTAL_RULES": "sandbox", **env}, stdout=out,
        stderr=subprocess.STDOUT, start_new_session=new_session)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/api/openapi.json", proc, timeout=90)
    return proc, base


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


async def watch(url: str, seqs: list[int], ready: asyncio.Event, want: int) -> None:
    """A lot websocket's bid `seq`s, until it has seen `want`; `ready` once its snapshot
    came."""
    async with connect(url) as ws:
        async for frame in ws:
            message = json.loads(frame)
            if message["type"] == "snapshot":
                ready.set()
            elif message["type"] == "bid":
                seqs.append(message["bid"]["seq"])
                if message["bid"]["seq"] >= want:
                    return


async def bid_unseen(client: redis.asyncio.Redis, lot_id: int, usernames: list[str],
                     amounts: list[int], publish: str = "PUBLISH") -> None:
    """Bids accepted while no listener is subscribed: in one transaction on `client` (the
    server, or the lot's master of a cluster), the pub/sub connections that are back already
    are dropped (they reconnect at once) and the bids run, so every worker's listener is
    certain to be (re-)subscribing when they are published; `publish`: the command the
    scripts publish with (SPUBLISH on a cluster)."""
    script = scripts_for(client).place_bid
    pipe = client.pipeline(transaction=True)
    pipe.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
    for name, amount in zip(usernames, amounts, strict=True):
        await script(keys=[keys.state(lot_id), keys.ledger(lot_id), keys.bidders(lot_id),
                           keys.users(lot_id), keys.idempotency(lot_id)],
                     args=["", amount, keys.events(lot_id), user_id(name), "", publish],
                     client=pipe)
    _, *replies = await pipe.execute()  # killed 0 when no listener had reconnected yet
    assert all(json.loads(r)["ok"] for r in replies), replies
    await client.aclose()


def watch_a_restart(base: str, lot_id: int, bidders: tuple[httpx.Client, httpx.Client],
                    restart: Callable[[], object],
                    unseen: Callable[[list[str], list[int]], Awaitable[None]],
                    watchers: int, total: int = 9) -> list[list[int]]:
    """`watchers` lot sockets of the portal at `base` watch `total` (9) bids: three over HTTP
    (bidders a, b, a), then `restart()` (of Redis, or of the lot's master), three placed by
    `unseen(usernames, amounts in fen)` while the listeners re-subscribe, three more over HTTP
    (a 503 is allowed while the workers' clients reconnect). Returns each watcher's `seq`s."""
    price = iter(range(800000, 2000000, 10000))
    a, b = bidders

    def bid_over_http(client: httpx.Client, unavailable_allowed: bool = False) -> None:
        while True:
            r = client.post(f"/api/lots/{lot_id}/bids", json={"amount": str(next(price))})
            if r.status_code == 201:
                return
            assert unavailable_allowed and r.status_code == 503, r.text

    async def scenario() -> list[list[int]]:
        ws_url = base.replace("http://", "ws://") + f"/ws/lots/{lot_id}"
        seqs: list[list[int]] = [[] for _ in range(watchers)]
        ready = [asyncio.Event() for _ in range(watchers)]
        tasks = [asyncio.create_task(watch(ws_url, seqs[n], ready[n], total))
                 for n in range(watchers)]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 30)
        for client in (a, b, a):  # seq 1-3, delivered live
            await asyncio.to_thread(bid_over_http, client)
        await asyncio.to_thread(restart)
        await unseen(["fault_b", "fault_a", "fault_b"],
                     [next(price) * 100 for _ in range(3)])  # seq 4-6, fen
        for client in (a, b, a):  # seq 7-9
            await asyncio.to_thread(bid_over_http, client, True)
        await asyncio.wait(tasks, timeout=60)  # a watcher missing a bid never finishes
        for task in tasks:
            task.cancel()
        return seqs

    return cast(list[list[int]], run_async(scenario()))
