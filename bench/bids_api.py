"""Accepted bids per second through the HTTP API, as a ratio to raw EVALSHA of the same script.

One uvicorn worker, a private Redis with ``appendonly yes, appendfsync always``. Both phases
run in the same process against the same Redis, alternating in rounds so drift of the shared
machine hits both:

* raw: the registered place_bid Lua script called directly (redis-py asyncio, hiredis) by
  ``--concurrency`` tasks, each owning one fresh lot with two bidders alternating, each
  sending pipelines of ``--pipeline`` EVALSHAs (the ceiling Redis itself allows with the
  same fsync policy). A non-pipelined variant (one EVALSHA in flight per task, which is what
  the portal does per request) is reported too.
* api: ``POST /api/lots/{id}/bids`` with JSON ``{amount}`` and the bidder's session cookie,
  through one ``httpx.AsyncClient`` (keep-alive, pool = concurrency). ``--concurrency``
  tasks, each owning one fresh lot and alternating its two bidders (the leader may not bid
  again), always bidding exactly ``current + increment``, so every bid should be accepted.

Only accepted bids (HTTP 201 / ``ok: true``) count. Prints one JSON object on the last line.

    .venv/bin/python bench/bids_api.py                      # ~1 min
    .venv/bin/python bench/bids_api.py --seconds 30 --rounds 3 --concurrency 64
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
import redis.asyncio as aioredis  # noqa: E402
from _common import (  # noqa: E402
    INCREMENT_FEN,
    STARTING_PRICE_FEN,
    CpuMeter,
    cookie_header,
    emit,
    login,
    machine,
    note,
    percentile,
    seed,
    servers,
)

from bidding import keys  # noqa: E402
from bidding.scripts import scripts_for  # noqa: E402


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


class Lot:
    """One lot owned by one task: the next valid amount and whose turn it is."""

    def __init__(self, lot_id: int, bidders: list[str], codes: list[str]) -> None:
        self.id = lot_id
        self.bidders = bidders
        self.codes = codes
        self.next_amount = STARTING_PRICE_FEN
        self.turn = 0

    def advance(self) -> None:
        self.next_amount += INCREMENT_FEN
        self.turn ^= 1


async def raw_phase(
    redis_url: str, lots: list[Lot], seconds: float, pipeline: int
) -> dict[str, float]:
    """EVALSHA of place_bid from ``len(lots)`` tasks; pipeline=1 means one call in flight."""
    client = aioredis.Redis.from_url(redis_url, max_connections=len(lots) + 4)
    script = scripts_for(client).place_bid
    await script(
        keys=[keys.state(0), keys.ledger(0), keys.bidders(0)], args=["X", 1, keys.events(0)]
    )  # makes sure the script is loaded
    sha = script.sha
    accepted = rejected = 0
    deadline = 0.0

    async def task(lot: Lot) -> None:
        nonlocal accepted, rejected
        k = [keys.state(lot.id), keys.ledger(lot.id), keys.bidders(lot.id)]
        channel = keys.events(lot.id)
        while time.perf_counter() < deadline:
            if pipeline == 1:
                replies = [
                    await client.evalsha(sha, 3, *k, lot.codes[lot.turn], lot.next_amount, channel)
                ]
                lot.advance()
            else:
                pipe = client.pipeline(transaction=False)
                for _ in range(pipeline):
                    pipe.evalsha(sha, 3, *k, lot.codes[lot.turn], lot.next_amount, channel)
                    lot.advance()
                replies = await pipe.execute()
            for reply in replies:
                if b'"ok":true' in reply:
                    accepted += 1
                else:
                    rejected += 1
                    state = json.loads(reply)
                    if state.get("min_next"):
                        lot.next_amount = int(state["min_next"])

    deadline = time.perf_counter() + seconds
    t0 = time.perf_counter()
    await asyncio.gather(*(task(lot) for lot in lots))
    elapsed = time.perf_counter() - t0
    await client.aclose()
    return {
        "accepted": accepted,
        "rejected": rejected,
        "seconds": elapsed,
        "per_s": accepted / elapsed,
    }


class LeanHTTP:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams (one connection, one request
    in flight). It speaks to the same portal endpoint as httpx but costs far less CPU in the
    benchmark process, so on a 2-core machine more of the CPU is left to the server."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def post_json(self, path: str, body: bytes, cookie: str) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nhost: {self.host}:{self.port}\r\n"
            f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
            f"cookie: {cookie}\r\n\r\n".encode()
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return status, await self.reader.readexactly(length) if length else b""

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def api_phase(
    base: str,
    lots: list[Lot],
    cookies: dict[str, str],
    seconds: float,
    shared_pool: bool = False,
    client_kind: str = "httpx",
) -> dict[str, float]:
    """Each task gets its own keep-alive httpx.AsyncClient (one connection) unless
    shared_pool: one client whose pool holds ``len(lots)`` connections. httpx's shared pool
    costs a lot of client CPU at this concurrency (its pool is scanned per request), which
    would make the client, not the portal, the bottleneck."""
    n = len(lots)
    accepted = rejected = errors = 0
    statuses: dict[str, int] = {}
    latencies: list[float] = []
    deadline = 0.0
    if client_kind == "lean":
        return await lean_phase(base, lots, cookies, seconds)
    if shared_pool:
        limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
        shared = httpx.AsyncClient(base_url=base, limits=limits, timeout=30)
        clients = [shared] * n
    else:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        clients = [httpx.AsyncClient(base_url=base, limits=limits, timeout=30) for _ in range(n)]
    # warm the pool (one request per connection) so connection set-up is not measured
    await asyncio.gather(*(cl.get("/api/openapi.json") for cl in clients))

    async def task(lot: Lot, client: httpx.AsyncClient) -> None:
        nonlocal accepted, rejected, errors
        url = f"/api/lots/{lot.id}/bids"
        while time.perf_counter() < deadline:
            user = lot.bidders[lot.turn]
            body = json.dumps({"amount": yuan(lot.next_amount)})
            t = time.perf_counter()
            try:
                r = await client.post(
                    url,
                    content=body,
                    headers={"content-type": "application/json", "cookie": cookies[user]},
                )
            except httpx.HTTPError as exc:
                errors += 1
                statuses[type(exc).__name__] = statuses.get(type(exc).__name__, 0) + 1
                continue
            latencies.append(time.perf_counter() - t)
            if r.status_code == 201:
                accepted += 1
                lot.advance()
            else:
                rejected += 1
                key = str(r.status_code)
                statuses[key] = statuses.get(key, 0) + 1
                err = (
                    r.json().get("error", {})
                    if r.headers.get("content-type", "").startswith("application/json")
                    else {}
                )
                if err.get("min_next"):
                    lot.next_amount = int(round(float(err["min_next"]) * 100))
                if err.get("code") == "already_leading":
                    lot.turn ^= 1

    deadline = time.perf_counter() + seconds
    t0 = time.perf_counter()
    await asyncio.gather(*(task(lot, cl) for lot, cl in zip(lots, clients, strict=True)))
    elapsed = time.perf_counter() - t0
    for cl in set(clients):
        await cl.aclose()
    return phase_result(accepted, rejected, errors, elapsed, statuses, latencies)


def phase_result(accepted: int, rejected: int, errors: int, elapsed: float,
                 statuses: dict[str, int], latencies: list[float]) -> dict[str, Any]:
    """One API phase's figures (both load generators report the same shape)."""
    latencies.sort()
    return {
        "accepted": accepted,
        "rejected": rejected,
        "errors": errors,
        "seconds": elapsed,
        "per_s": accepted / elapsed,
        "statuses": statuses,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
    }


async def lean_phase(
    base: str, lots: list[Lot], cookies: dict[str, str], seconds: float
) -> dict[str, float]:
    host, port = base.split("//")[1].split(":")
    clients = [LeanHTTP(host, int(port)) for _ in lots]
    await asyncio.gather(*(cl.connect() for cl in clients))
    accepted = rejected = errors = 0
    statuses: dict[str, int] = {}
    latencies: list[float] = []
    deadline = 0.0

    async def task(lot: Lot, client: LeanHTTP) -> None:
        nonlocal accepted, rejected, errors
        path = f"/api/lots/{lot.id}/bids"
        while time.perf_counter() < deadline:
            body = json.dumps({"amount": yuan(lot.next_amount)}).encode()
            t = time.perf_counter()
            try:
                status, data = await client.post_json(path, body, cookies[lot.bidders[lot.turn]])
            except (OSError, asyncio.IncompleteReadError) as exc:
                errors += 1  # e.g. the server closed the connection after a 500
                statuses[type(exc).__name__] = statuses.get(type(exc).__name__, 0) + 1
                await client.close()
                await client.connect()
                continue
            latencies.append(time.perf_counter() - t)
            if status == 201:
                accepted += 1
                lot.advance()
            else:
                rejected += 1
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                err = json.loads(data).get("error", {}) if data[:1] == b"{" else {}
                if err.get("min_next"):
                    lot.next_amount = int(round(float(err["min_next"]) * 100))
                if err.get("code") == "already_leading":
                    lot.turn ^= 1

    deadline = time.perf_counter() + seconds
    t0 = time.perf_counter()
    await asyncio.gather(*(task(lot, cl) for lot, cl in zip(lots, clients, strict=True)))
    elapsed = time.perf_counter() - t0
    for cl in clients:
        await cl.close()
    return phase_result(accepted, rejected, errors, elapsed, statuses, latencies)


def make_lots(seeded, ids: list[int]) -> list[Lot]:  # type: ignore[no-untyped-def]
    return [Lot(i, seeded.bidders, [seeded.codes[(i, b)] for b in seeded.bidders]) for i in ids]


def start_profiler(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not os.path.exists(spy):
        note("py-spy not found; pip install py-spy into the venv to profile")
        return None
    return subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            "250",
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--concurrency", type=int, default=48, help="client tasks (one lot each)")
    ap.add_argument(
        "--seconds",
        type=float,
        default=10.0,
        help="each API phase per round (one per load generator)",
    )
    ap.add_argument("--raw-seconds", type=float, default=4.0, help="each raw phase per round")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--pipeline", type=int, default=32, help="EVALSHAs per raw pipeline")
    ap.add_argument(
        "--clients",
        default="httpx,lean",
        help="load generators for the API, comma-separated: httpx (one keep-alive "
        "httpx.AsyncClient per task), lean (raw asyncio HTTP/1.1)",
    )
    ap.add_argument(
        "--shared-pool",
        action="store_true",
        help="httpx: one AsyncClient (pool = concurrency) for all tasks",
    )
    ap.add_argument("--fsync", default="always", choices=["always", "everysec", "no"])
    ap.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="py-spy the server during the last httpx API phase (raw folded stacks)",
    )
    args = ap.parse_args()

    c, rounds = args.concurrency, args.rounds
    kinds = [k.strip() for k in args.clients.split(",") if k.strip()]
    phases = 2 + len(kinds)
    with servers(workers=1, fsync=args.fsync) as (rs, ps):
        t = time.perf_counter()
        # fresh lots for every phase of every round (short ledgers, nobody else's state)
        seeded = asyncio.run(seed(rs.url, lots=c * rounds * phases, bidders=2, prefix="api"))
        cookies = {b: cookie_header(login(ps.base, b)) for b in seeded.bidders}
        note(f"seeded {len(seeded.lots)} lots in {time.perf_counter() - t:.1f}s")
        chunks = iter(
            [make_lots(seeded, seeded.lots[i : i + c]) for i in range(0, len(seeded.lots), c)]
        )
        redis_pid = rs.proc.pid  # type: ignore[union-attr]
        meter = CpuMeter(server=ps.pid, redis=redis_pid, client=os.getpid())
        rounds_out = []
        for r in range(rounds):
            out: dict = {}
            for name, depth in (("raw_pipelined", args.pipeline), ("raw_unpipelined", 1)):
                meter.begin()
                out[name] = asyncio.run(raw_phase(rs.url, next(chunks), args.raw_seconds, depth))
                out[name]["cpu"] = meter.end()
            raw_best = max(out["raw_pipelined"]["per_s"], out["raw_unpipelined"]["per_s"])
            line = (
                f"round {r + 1}: raw pipelined {out['raw_pipelined']['per_s']:.0f}/s "
                f"{out['raw_pipelined']['cpu']}, raw 1-in-flight "
                f"{out['raw_unpipelined']['per_s']:.0f}/s {out['raw_unpipelined']['cpu']}"
            )
            for kind in kinds:
                profiler = None
                if args.profile and r == rounds - 1 and kind == kinds[0]:
                    profiler = start_profiler(ps.pid, args.seconds, args.profile)
                meter.begin()
                res = asyncio.run(
                    api_phase(ps.base, next(chunks), cookies, args.seconds, args.shared_pool, kind)
                )
                res["cpu"] = meter.end()
                if profiler:
                    profiler.wait(60)
                res["ratio"] = res["per_s"] / raw_best
                out["api_" + kind] = res
                line += (
                    f"; api/{kind} {res['per_s']:.0f}/s {res['cpu']} p50 "
                    f"{res['p50_ms']:.1f} ms p99 {res['p99_ms']:.1f} ms rejected "
                    f"{res['rejected']} {res['statuses']} ratio {res['ratio']:.3f}"
                )
            rounds_out.append(out)
            note(line)
        if ps.proc is None or ps.proc.poll() is not None:
            note(ps.log_tail())

    def rate(name: str) -> float:
        return sum(x[name]["accepted"] for x in rounds_out) / sum(
            x[name]["seconds"] for x in rounds_out
        )

    raw_rate, raw1_rate = rate("raw_pipelined"), rate("raw_unpipelined")
    baseline = max(raw_rate, raw1_rate)
    head = "api_" + kinds[0]
    result = {
        "bench": "bids_api",
        "date": time.strftime("%Y-%m-%d"),
        "api_bids_per_s": round(rate(head), 1),
        "api_client": kinds[0],
        "raw_evalsha_per_s": round(baseline, 1),
        "ratio": round(rate(head) / baseline, 4),
        "target_ratio": 0.15,
        "target_met": rate(head) / baseline >= 0.15,
    }
    for kind in kinds[1:]:
        result[f"api_bids_per_s_{kind}"] = round(rate("api_" + kind), 1)
        result[f"ratio_{kind}"] = round(rate("api_" + kind) / baseline, 4)
    for kind in kinds:
        res = [x["api_" + kind] for x in rounds_out]
        result[f"ratio_per_round_{kind}"] = [round(x["ratio"], 4) for x in res]
        result[f"p50_ms_{kind}"] = round(statistics.median(x["p50_ms"] for x in res), 2)
        result[f"p99_ms_{kind}"] = round(max(x["p99_ms"] for x in res), 2)
        result[f"cpu_{kind}"] = res[-1]["cpu"]
    result.update(
        {
            "raw_evalsha_pipelined_per_s": round(raw_rate, 1),
            "raw_evalsha_unpipelined_per_s": round(raw1_rate, 1),
            "cpu_raw_pipelined": rounds_out[-1]["raw_pipelined"]["cpu"],
            "concurrency": c,
            "pipeline": args.pipeline,
            "rounds": rounds,
            "api_seconds": args.seconds,
            "raw_seconds": args.raw_seconds,
            "accepted": sum(x[f"api_{k}"]["accepted"] for x in rounds_out for k in kinds),
            "rejected": sum(x[f"api_{k}"]["rejected"] for x in rounds_out for k in kinds),
            "errors": sum(x[f"api_{k}"]["errors"] for x in rounds_out for k in kinds),
            "raw_accepted": sum(
                x[n]["accepted"] for x in rounds_out for n in ("raw_pipelined", "raw_unpipelined")
            ),
            "raw_rejected": sum(
                x[n]["rejected"] for x in rounds_out for n in ("raw_pipelined", "raw_unpipelined")
            ),
            "workers": 1,
            "fsync": args.fsync,
            "machine": machine(),
        }
    )
    emit(result)


if __name__ == "__main__":
    main()
