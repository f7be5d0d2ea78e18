"""Event-room fan-out: messages delivered per second from ONE portal process to 2,000 websocket
clients at 50 messages/s, batched (production) against a naive one-frame-per-message baseline
(bench/naive_fanout.py: one hub subscription per socket, one send per message) in the same run;
p50/p99 latency (publish -> client receive, same host clock). The headline figure counts
messages that arrive within 1 s of publishing (a chat line or on-air switch that arrives 7 s
late is not a live delivery); the sustained rate (all deliveries / time to the last one) and
the portal's CPU per 1,000 deliveries are reported beside it. Then the cost of counting
100,000 simulated viewers with the per-process aggregation + HyperLogLog counter, against an
exact per-heartbeat Redis set.

    .venv/bin/python bench/fanout.py [--clients 2000] [--rate 50] [--seconds 12]

Everything runs on 127.0.0.1 (a private redis-server, the portal under uvicorn, client
processes). Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import redis  # noqa: E402

T_RE = re.compile(rb'"t":([0-9.]+)')
ON_TIME_S = 1.0  # a live-room message is "delivered" if it arrives within 1 s
PASSWORD = "bench-pass-2026"
APPS = {"batched": "portal.app:create_app", "naive": "bench.naive_fanout:create_app"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(65536, hard), hard))


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for(check: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.1)
    raise TimeoutError(what)


def start_redis(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    binary = shutil.which("redis-server") or "redis-server"
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir",
                             str(tmp), "--save", "", "--appendonly", "yes", "--appendfsync",
                             "always"], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    wait_for(lambda: redis.Redis.from_url(url).ping(), "redis")
    return proc, url


def start_portal(tmp: Path, url: str, mode: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = dict(os.environ, REDIS_URL=url, DATA_DIR=str(tmp / f"data-{mode}"),
               PORTAL_RULES="sandbox", SECRET_KEY="bench-secret")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", APPS[mode], "--factory", "--host",
         "127.0.0.1", "--port", str(port), "--ws-per-message-deflate", "false", "--log-level",
         "warning", "--http", "livestream.uvicorn_protocol:HttpToolsProtocol",
         "--backlog", "4096"], cwd=ROOT, env=env, preexec_fn=raise_nofile)
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: httpx.get(base + "/api/openapi.json").status_code == 200, "portal")
    return proc, base


def make_event(base: str, url: str) -> int:
    """An officer (created in Redis), a lot and an event with 6 venues, through the API."""
    from portal.users import Users

    async def officer() -> None:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(url, decode_responses=True)
        if await Users(client).get("bench_officer") is None:
            await Users(client).create({"username": "bench_officer", "password": PASSWORD,
                                        "real_name": "bench", "id_number": "",
                                        "phone": "13800138000"}, role="officer")
        await client.aclose()

    asyncio.run(officer())
    http = httpx.Client(base_url=base, timeout=30)
    assert http.post("/api/session", json={"username": "bench_officer",
                                           "password": PASSWORD}).status_code == 200
    now = time.time()

    def iso(t: float) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

    lot = http.post("/api/lots", json={
        "title": "bench", "court": "c", "case_number": "n", "property_type": "residential",
        "district": "朝阳区", "address": "a", "appraisal_price": "1000000.00",
        "starting_price": "800000.00", "increment": "10000.00", "deposit": "80000.00",
        "starts_at": iso(now - 60), "ends_at": iso(now + 7200)}).json()
    event = http.post("/api/events", json={
        "title": "bench", "description": "", "starts_at": iso(now - 60),
        "ends_at": iso(now + 7200),
        "venues": [{"name": f"v{i}", "lot_id": lot["id"]} for i in range(6)]}).json()
    return int(event["id"])


# -- websocket clients (separate processes) -----------------------------------------------------


def client_proc(ws_url: str, count: int, ready: Any, go: Any, results: Any,
                seconds: float) -> None:
    raise_nofile()
    asyncio.run(_clients(ws_url, count, ready, go, results, seconds))


async def _clients(ws_url: str, count: int, ready: Any, go: Any, results: Any,
                   seconds: float) -> None:
    from websockets.asyncio.client import connect

    latencies: list[float] = []
    frames = 0
    sockets = []
    for i in range(count):
        for attempt in range(5):
            try:
                ws = await connect(f"{ws_url}?viewer=bench-{os.getpid()}-{i:05d}",
                                   compression=None, max_size=2**22, open_timeout=30,
                                   ping_interval=None, origin=None)
                break
            except OSError:
                await asyncio.sleep(0.2 * (attempt + 1))
        else:
            raise RuntimeError("could not connect")
        await ws.recv()  # the snapshot
        sockets.append(ws)
    ready.set()
    await asyncio.get_running_loop().run_in_executor(None, go.wait)

    async def read(ws: Any) -> None:
        nonlocal frames
        end = time.time() + seconds
        while True:
            try:
                data = await asyncio.wait_for(ws.recv(decode=False), max(0.01, end - time.time()))
            except (TimeoutError, Exception):
                return
            now = time.time()
            frames += 1
            for match in T_RE.finditer(data):
                latencies.append(now - float(match.group(1)))

    await asyncio.gather(*(read(ws) for ws in sockets))
    results.put((latencies, frames))
    for ws in sockets:
        await ws.close()


def run_mode(tmp: Path, url: str, mode: str, clients: int, rate: int, seconds: float,
             procs: int) -> dict[str, Any]:
    redis.Redis.from_url(url).flushdb()
    portal, base = start_portal(tmp, url, mode)
    try:
        event_id = make_event(base, url)
        ws_url = base.replace("http://", "ws://") + f"/ws/events/{event_id}"
        ctx = mp.get_context("spawn")
        ready = [ctx.Event() for _ in range(procs)]
        go = ctx.Event()
        results = ctx.Queue()
        window = seconds + 3  # clients keep reading 3 s after the last publish
        workers = [ctx.Process(target=client_proc, args=(ws_url, clients // procs, ready[i], go,
                                                         results, window))
                   for i in range(procs)]
        for w in workers:
            w.start()
        for r in ready:
            if not r.wait(300):
                raise TimeoutError("clients did not connect")
        time.sleep(1)
        cpu0 = cpu_seconds(portal.pid)
        go.set()
        published = publish(url, event_id, rate, seconds)
        collected = [results.get(timeout=window + 120) for _ in workers]
        cpu = cpu_seconds(portal.pid) - cpu0
        for w in workers:
            w.join(30)
    finally:
        portal.terminate()
        portal.wait(10)
    latencies = sorted(x for lat, _ in collected for x in lat)
    frames = sum(f for _, f in collected)
    delivered = len(latencies)
    expected = published * (clients // procs * procs)
    on_time = sum(1 for x in latencies if x <= ON_TIME_S)
    last = latencies[-1] if latencies else 0.0
    return {"mode": mode, "clients": clients // procs * procs, "published": published,
            "delivered": delivered, "expected": expected,
            "delivered_share": round(delivered / expected, 4) if expected else 0,
            "deliveries_per_s": round(on_time / seconds),
            "sustained_per_s": round(delivered / (seconds + last)),
            "frames_per_s": round(frames / seconds),
            "portal_cpu_s": round(cpu, 2),
            "portal_cpu_ms_per_1k": round(1000 * cpu / max(1, delivered) * 1000, 2),
            "p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
            "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 1) if latencies
            else None,
            "max_ms": round(1000 * latencies[-1], 1) if latencies else None}


def publish(url: str, event_id: int, rate: int, seconds: float) -> int:
    """PUBLISH chat-shaped room events at `rate`/s (what Chat.post publishes)."""
    from livestream import keys

    client = redis.Redis.from_url(url)
    channel = keys.channel(event_id)
    start = time.perf_counter()
    n = 0
    while n < rate * seconds:
        target = start + n / rate
        delay = target - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        message = {"type": "chat", "message": {"id": f"c-{n}", "kind": "chat",
                                               "user": "bench", "text": f"第{n}条消息",
                                               "at": "2026-01-01T00:00:00.000Z"},
                   "t": time.time()}
        client.publish(channel, json.dumps(message, ensure_ascii=False, separators=(",", ":")))
        n += 1
    client.close()
    return n


# -- counting viewers ----------------------------------------------------------------------------


def count_viewers(url: str, viewers: int = 100_000, venues: int = 6) -> dict[str, Any]:
    import redis.asyncio as aioredis

    from livestream import keys
    from livestream.viewers import ViewerCounter

    async def run() -> dict[str, Any]:
        client = aioredis.Redis.from_url(url, decode_responses=True)
        await client.flushdb()
        counter = ViewerCounter(client)
        room = (1, "bench")
        ids = [f"viewer-{n:07d}" for n in range(viewers)]
        t0 = time.perf_counter()
        for n, viewer in enumerate(ids):  # one heartbeat each (every 20 s in production)
            counter.pending.setdefault((room, 1 + n % venues), set()).add(viewer)
        note_s = time.perf_counter() - t0
        await client.config_resetstat()
        t0 = time.perf_counter()
        commands = await counter.flush()
        flush_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        per_venue, total = await counter.counts(room, list(range(1, venues + 1)))
        count_s = time.perf_counter() - t0
        bucket = int(time.time()) // 30
        hll_bytes = 0
        for v in range(1, venues + 1):
            hll_bytes += int(await client.memory_usage(keys.viewers(room, v, bucket)) or 0)
        # exact baseline: one SADD per heartbeat into a per-venue set (pipelined), then SCARD
        t0 = time.perf_counter()
        pipe = client.pipeline(transaction=False)
        for n, viewer in enumerate(ids):
            pipe.sadd(f"exact:{1 + n % venues}", viewer)
        await pipe.execute()
        exact_write_s = time.perf_counter() - t0
        exact_bytes = sum([int(await client.memory_usage(f"exact:{v}", samples=0) or 0)
                           for v in range(1, venues + 1)])
        await client.aclose()
        return {"viewers": viewers, "venues": venues, "counted_total": total,
                "error_pct": round(100 * abs(total - viewers) / viewers, 2),
                "max_venue_error_pct": round(max(abs(c - viewers / venues) / (viewers / venues)
                                                 for c in per_venue.values()) * 100, 2),
                "note_ms": round(note_s * 1000, 1), "flush_ms": round(flush_s * 1000, 1),
                "flush_redis_commands": commands, "count_ms": round(count_s * 1000, 2),
                "hll_bytes": hll_bytes, "exact_redis_commands": viewers,
                "exact_write_ms": round(exact_write_s * 1000, 1), "exact_bytes": exact_bytes}

    return asyncio.run(run())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--clients", type=int, default=2000)
    p.add_argument("--rate", type=int, default=50)
    p.add_argument("--seconds", type=float, default=12)
    p.add_argument("--client-procs", type=int, default=4)
    args = p.parse_args()
    raise_nofile()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        server, url = start_redis(tmp)
        try:
            runs = {}
            for mode in ("naive", "batched"):
                runs[mode] = run_mode(tmp, url, mode, args.clients, args.rate, args.seconds,
                                      args.client_procs)
                print(json.dumps(runs[mode]), flush=True)
            counting = count_viewers(url)
            print(json.dumps(counting), flush=True)
        finally:
            server.terminate()
            server.wait(10)
    naive, batched = runs["naive"], runs["batched"]
    result = {
        "bench": "fanout", "clients": batched["clients"], "rate_per_s": args.rate,
        "seconds": args.seconds, "cpus": os.cpu_count(),
        "metric": "deliveries_per_s = messages received within 1 s of publishing, per second",
        "baseline_deliveries_per_s": naive["deliveries_per_s"],
        "baseline_sustained_per_s": naive["sustained_per_s"],
        "sustained_per_s": batched["sustained_per_s"],
        "baseline_portal_cpu_ms_per_1k": naive["portal_cpu_ms_per_1k"],
        "portal_cpu_ms_per_1k": batched["portal_cpu_ms_per_1k"],
        "baseline_delivered_share": naive["delivered_share"],
        "baseline_p50_ms": naive["p50_ms"], "baseline_p99_ms": naive["p99_ms"],
        "deliveries_per_s": batched["deliveries_per_s"],
        "delivered_share": batched["delivered_share"],
        "frames_per_s": batched["frames_per_s"], "baseline_frames_per_s": naive["frames_per_s"],
        "p50_ms": batched["p50_ms"], "p99_ms": batched["p99_ms"],
        "ratio": round(batched["deliveries_per_s"] / max(1, naive["deliveries_per_s"]), 2),
        "target_met": batched["deliveries_per_s"] >= 2 * naive["deliveries_per_s"]
        and (batched["p99_ms"] or 1e9) < 1000,
        "viewer_count_100k": counting,
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
