"""Fault experiments against a running portal (issue 11), printing one JSON line.

Starts `python -m portal serve` with 2 workers on a private data dir (embedded, supervised
Redis with AOF appendfsync always), puts load on one live lot (bidders retrying each attempt
with its own Idempotency-Key while it answers 503 or the connection fails; watchers on the
lot websocket that resume by `after_seq` whenever their socket drops), and injects, one after
the other:

- `redis_kill9`: kill -9 of the embedded redis-server (the supervisor restarts it);
- `worker_kill9`: kill -9 of one uvicorn worker (uvicorn starts another);
- `closer_kill9`: kill -9 of the worker holding the closer lease, with a lot due to close
  two seconds later (another worker takes the lease; the close is at most a few s late);
- `redis_restart`: SHUTDOWN of Redis with watchers connected (clean exit, restarted).

Then it checks every acknowledged (201) bid against the verified ledger and every watcher's
bids against the ledger: `lost` (acknowledged, not in the ledger), `watcher_gaps` (bids a
watcher never got), `watcher_duplicates` (bids it got twice live), per fault the seconds of
unavailability (first to last failed request) and the status codes seen from the fault until
the portal served again.

    python bench/chaos.py [--bidders 4] [--watchers 20] [--port 8790]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "chaos-pass-2026"
INCREMENT = 1000  # yuan


class Stats:
    def __init__(self) -> None:
        self.phase = "warmup"
        self.acked: dict[int, str] = {}  # seq -> hash of every 201
        self.codes: dict[str, Counter[str]] = {}
        self.failed_at: dict[str, list[float]] = {}
        self.recovered: dict[str, asyncio.Event] = {}

    def note(self, code: str) -> None:
        self.codes.setdefault(self.phase, Counter())[code] += 1
        if code in ("503", "conn_error", "500"):
            self.failed_at.setdefault(self.phase, []).append(time.monotonic())
        elif code in ("201", "409", "422") and self.phase in self.recovered:
            self.recovered[self.phase].set()


def serve(data: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DATA_DIR=str(data), PORTAL_RULES="sandbox", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "portal", "serve", "--port", str(port),
                             "--workers", "2", "--log-level", "warning"], cwd=ROOT, env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/lots", timeout=2).raise_for_status()
            return proc
        except httpx.HTTPError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"portal did not start; see {log}") from None
            time.sleep(0.2)


def redis_client(data: Path) -> redis.Redis:
    """No retries: a retried SHUTDOWN would stop the restarted server again."""
    return redis.Redis(unix_socket_path=str(data / "redis" / "redis.sock"),
                       decode_responses=True, socket_timeout=5, retry=Retry(NoBackoff(), 0))


def worker_pids(serve_pid: int) -> list[int]:
    """uvicorn's worker processes (multiprocessing spawn children of the serve process)."""
    out = subprocess.run(["pgrep", "-P", str(serve_pid)], capture_output=True, text=True)
    pids = [int(p) for p in out.stdout.split()]
    return [p for p in pids
            if b"multiprocessing" in Path(f"/proc/{p}/cmdline").read_bytes()
            and b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()]


def setup(base: str, data: Path, bidders: int) -> tuple[int, list[httpx.AsyncClient]]:
    env = {**os.environ, "DATA_DIR": str(data), "PORTAL_RULES": "sandbox"}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "portal", "create-officer", "chaos_officer",
                    "--password", PASSWORD], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    officer = login(base, "chaos_officer")
    lot_id = new_lot(officer, ends_in_s=3600)
    clients = []
    for n in range(bidders):
        name = f"chaos_bidder{n}"
        r = httpx.post(f"{base}/api/users", json={
            "username": name, "password": PASSWORD, "real_name": name,
            "id_number": "11010519491231002X", "phone": "13800138000", "accept_terms": True})
        assert r.status_code == 201, r.text
        client = login(base, name)
        reg = client.post(f"/api/lots/{lot_id}/registrations", json={}).json()
        client.post(f"/api/payments/{reg['deposit']['payment_id']}/confirm", json={})
        clients.append(httpx.AsyncClient(base_url=base, cookies=client.cookies, timeout=30))
    return lot_id, clients


def login(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    r = client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def new_lot(officer: httpx.Client, ends_in_s: float) -> int:
    now = time.time()

    def iso(t: float) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"

    r = officer.post("/api/lots", json={
        "title": "混沌测试 住宅", "court": "北京市第一中级人民法院",
        "case_number": f"(2026)京01执{secrets.randbelow(9999)}号",
        "property_type": "residential", "district": "朝阳区", "address": "测试路1号",
        "area_m2": 80.0, "appraisal_price": "1000000.00", "starting_price": "800000.00",
        "increment": f"{INCREMENT}.00", "deposit": "80000.00",
        "starts_at": iso(min(now - 1, now + ends_in_s - 61)), "ends_at": iso(now + ends_in_s),
        "extension_seconds": 0, "description": "chaos"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def bidder(client: httpx.AsyncClient, lot_id: int, stats: Stats,
                 stop: asyncio.Event) -> None:
    amount = 800000
    while not stop.is_set():
        key = secrets.token_hex(16)  # one per attempt; retried as-is while the outcome is unknown
        while True:
            try:
                r = await client.post(f"/api/lots/{lot_id}/bids", json={"amount": str(amount)},
                                      headers={"Idempotency-Key": key})
            except httpx.HTTPError:
                stats.note("conn_error")
                await asyncio.sleep(0.1)
                continue
            stats.note(str(r.status_code))
            if r.status_code not in (503, 500):
                break
            await asyncio.sleep(0.1)
        body = r.json()
        if r.status_code == 201:
            stats.acked[body["bid"]["seq"]] = body["bid"]["hash"]
            amount = int(float(body["state"]["current_price"])) + INCREMENT
        elif body.get("error", {}).get("min_next"):
            amount = int(float(body["error"]["min_next"]))
        await asyncio.sleep(0.05)


async def watcher(url: str, seen: set[int], dups: list[int], stop: asyncio.Event) -> None:
    live: set[int] = set()
    while not stop.is_set():
        try:
            async with connect(url) as ws:
                async for frame in ws:
                    msg = json.loads(frame)
                    if msg["type"] == "snapshot":
                        seen.update(b["seq"] for b in msg["bids"])
                        after = next((n for n in range(1, 10**6) if n not in seen), 1) - 1
                        await ws.send(json.dumps({"type": "resume", "after_seq": after}))
                    elif msg["type"] == "bid":
                        seq = msg["bid"]["seq"]
                        if seq in live:
                            dups.append(seq)
                        live.add(seq)
                        seen.add(seq)
        except (OSError, Exception):  # noqa: BLE001 - any drop: reconnect and resume
            await asyncio.sleep(0.2)


async def fault(name: str, stats: Stats, inject: Any) -> None:
    stats.phase = name
    stats.recovered[name] = asyncio.Event()
    await asyncio.to_thread(inject)
    await asyncio.sleep(0.5)
    stats.recovered[name].clear()
    await asyncio.wait_for(stats.recovered[name].wait(), 120)
    await asyncio.sleep(2)  # let it settle under load before the next fault


def kill_closer(data: Path) -> int:
    token = redis_client(data).get("closer:lock") or ""
    pid = int(token.split(":")[0])
    os.kill(pid, signal.SIGKILL)
    return pid


def shutdown_redis(data: Path) -> None:
    try:
        redis_client(data).shutdown()
    except redis.ConnectionError:
        pass  # the server closes our connection as it exits


async def experiments(proc: subprocess.Popen[bytes], data: Path, base: str, officer: Any,
                      stats: Stats) -> dict[str, Any]:
    redis_pid = int(redis_client(data).info("server")["process_id"])
    await fault("redis_kill9", stats, lambda: os.kill(redis_pid, signal.SIGKILL))
    await fault("worker_kill9", stats, lambda: os.kill(worker_pids(proc.pid)[0], signal.SIGKILL))
    short = await asyncio.to_thread(new_lot, officer, 2.0)
    await fault("closer_kill9", stats, lambda: kill_closer(data))
    late = await close_lateness(base, data, short)
    await fault("redis_restart", stats, lambda: shutdown_redis(data))
    return {"closer_kill9_close_late_s": late}


async def close_lateness(base: str, data: Path, lot_id: int) -> float | None:
    """Seconds between the lot's end and its close entry (closed by the lease's next holder)."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for _ in range(600):
            ledger = (await client.get(f"/api/lots/{lot_id}/ledger")).json()
            close = [e for e in ledger if e["kind"] == "close"]
            if close:
                ends_at = redis_client(data).hget(f"lot:{{{lot_id}}}:state", "ends_at")
                return (int(close[0]["at"]) - int(ends_at or 0)) / 1000
            await asyncio.sleep(0.2)
    return None


def summary(stats: Stats, ledger: list[dict[str, Any]], verified: bool,
            watchers: list[set[int]], dups: list[list[int]]) -> dict[str, Any]:
    bids = {int(e["seq"]): e["hash"] for e in ledger if e["kind"] == "bid"}
    lost = [s for s, h in stats.acked.items() if bids.get(s) != h]
    gaps = sum(len(set(bids) - seen) for seen in watchers)
    faults = {}
    for name, codes in stats.codes.items():
        times = stats.failed_at.get(name, [])
        faults[name] = {"unavailable_s": round(times[-1] - times[0], 2) if times else 0.0,
                        "statuses": dict(sorted(codes.items()))}
    return {"acknowledged": len(stats.acked), "ledger_entries": len(bids),
            "ledger_verified": verified, "lost": len(lost), "watchers": len(watchers),
            "watcher_gaps": gaps, "watcher_duplicates": sum(map(len, dups)), "faults": faults}


async def run(args: argparse.Namespace, data: Path) -> dict[str, Any]:
    base = f"http://127.0.0.1:{args.port}"
    proc = serve(data, args.port, data / "portal.log")
    try:
        lot_id, clients = await asyncio.to_thread(setup, base, data, args.bidders)
        officer = await asyncio.to_thread(login, base, "chaos_officer")
        stats, stop = Stats(), asyncio.Event()
        seen: list[set[int]] = [set() for _ in range(args.watchers)]
        dups: list[list[int]] = [[] for _ in range(args.watchers)]
        url = base.replace("http", "ws") + f"/ws/lots/{lot_id}"
        tasks = [asyncio.create_task(bidder(c, lot_id, stats, stop)) for c in clients]
        tasks += [asyncio.create_task(watcher(url, seen[n], dups[n], stop))
                  for n in range(args.watchers)]
        await asyncio.sleep(3)
        extra = await experiments(proc, data, base, officer, stats)
        stats.phase = "cooldown"
        await asyncio.sleep(2)
        stop.set()
        await asyncio.sleep(3)  # the last bids reach every watcher
        for task in tasks:
            task.cancel()
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            ledger = (await client.get(f"/api/lots/{lot_id}/ledger")).json()
            verified = (await client.get(f"/api/lots/{lot_id}/ledger/verify")).json()["ok"]
        return {**summary(stats, ledger, verified, seen, dups), **extra}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bidders", type=int, default=4)
    parser.add_argument("--watchers", type=int, default=20)
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--data", type=Path, default=None, help="default: a temporary dir")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp:
        data = args.data or Path(tmp)
        result = asyncio.run(run(args, data))
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
