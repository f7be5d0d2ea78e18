"""A local 3-master Redis Cluster from Debian's redis-server, for the cluster tests.

    python tests/redis_cluster.py [DIR]    # start one, print its seed URL; Ctrl-C stops it

Each node runs `--cluster-enabled yes` on a free port (AOF off unless asked, no RDB: test
data only);
`redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes` assigns the 16,384 slots.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import redis
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster

from core.redis import sharded

SERVER = "/usr/bin/redis-server"
CLI = "/usr/bin/redis-cli"
# REDIS_CLUSTER_TESTS=1: the shared fixtures (tests/conftest.py) run the suite's Redis and
# the live portal on a local 3-master cluster (README "Redis Cluster").
CLUSTER_TESTS = os.environ.get("REDIS_CLUSTER_TESTS", "") not in ("", "0", "false")


CLUSTER_URLS: set[str] = set()
"""Seed URLs of the clusters this process runs (`local_cluster`): the session's Redis under
REDIS_CLUSTER_TESTS, the cluster tests' own; a test's private single server is not one."""


def is_cluster_url(url: str) -> bool:
    """Whether `url` is the seed of a cluster this process started (so a test's client, or an
    app it builds, must be the cluster client: `REDIS_CLUSTER=true`)."""
    return url in CLUSTER_URLS


def redis_env(url: str) -> dict[str, str]:
    """The environment that points a portal process (`portal serve`, a CLI command) at `url`:
    REDIS_URL, and REDIS_CLUSTER=true when it is one of our clusters'."""
    return {"REDIS_URL": url, "REDIS_CLUSTER": str(is_cluster_url(url)).lower()}


def async_client(url: str, cluster: bool | None = None, **kwargs: Any) -> aioredis.Redis:
    """An asyncio client for a test's Redis: the cluster client (it routes each key to its
    master) when `url` is one of our clusters' (or with `cluster`), else a plain one."""
    if is_cluster_url(url) if cluster is None else cluster:
        return cast(aioredis.Redis, RedisCluster.from_url(url, **kwargs))
    return aioredis.Redis.from_url(url, **kwargs)


def sync_client(url: str, **kwargs: Any) -> redis.Redis:
    """The blocking twin of `async_client`."""
    if is_cluster_url(url):
        return cast(redis.Redis, redis.RedisCluster.from_url(url, **kwargs))
    return redis.Redis.from_url(url, **kwargs)


async def publish(client: aioredis.Redis, channel: str, text: str) -> int:
    """Publish as the portal's scripts do: SPUBLISH for a hash-tagged (lot or room) channel on
    a cluster, else PUBLISH (core.redis.sharded). Returns the count of receivers (on a
    cluster, the node's own)."""
    if sharded(client, channel):
        return int(await client.spublish(channel, text))
    return int(await client.publish(channel, text))


class Listener:
    """A test's own subscriber to lot or room channels: SSUBSCRIBE where the portal's hub
    uses it (a cluster), else SUBSCRIBE."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.client, self.pubsub, self.sharded = client, client.pubsub(), False

    async def subscribe(self, *channels: str) -> None:
        self.sharded = all(sharded(self.client, c) for c in channels)
        if self.sharded:
            await self.pubsub.ssubscribe(*channels)  # type: ignore[attr-defined]
        else:
            await self.pubsub.subscribe(*channels)

    async def get_message(self, timeout: float) -> dict[str, Any] | None:
        """The next published message, or None after `timeout` (per master, on a cluster)."""
        if self.sharded:
            return await self.pubsub.get_sharded_message(  # type: ignore[attr-defined, no-any-return]
                ignore_subscribe_messages=True, timeout=timeout)
        return await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=timeout)

    async def aclose(self) -> None:
        await self.pubsub.aclose()


def flush(url: str) -> None:
    """Empty a test's Redis: FLUSHDB on a single server, FLUSHALL on every master."""
    if is_cluster_url(url):
        cluster = redis.RedisCluster.from_url(url)
        cluster.flushall(target_nodes=redis.RedisCluster.PRIMARIES)
        cluster.close()
        return
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


def _free_ports(n: int) -> list[int]:
    """n free ports whose cluster-bus ports (port + 10000) are free too."""
    ports: list[int] = []
    while len(ports) < n:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port + 10000 > 65535 or port in ports:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        ports.append(port)
    return ports


def available() -> bool:
    return Path(SERVER).exists() and Path(CLI).exists()


def _wait_ping(port: int, proc: subprocess.Popen[bytes]) -> None:
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            client.close()
            return
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"cluster node on {port} did not start") from None
            time.sleep(0.05)


class LocalCluster:
    """The nodes' processes of a local cluster: `kill(port)` (-9) and `start(port)` again
    (same port, directory and nodes.conf, so the node rejoins with its slots; with `aof` its
    data survive too)."""

    def __init__(self, root: Path, ports: list[int], aof: bool = False) -> None:
        self.root, self.ports, self.aof = root, ports, aof
        self.procs: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.ports[0]}"

    def start(self, port: int) -> None:
        node = self.root / str(port)
        node.mkdir(parents=True, exist_ok=True)
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.aof \
            else ["--appendonly", "no"]
        self.procs[port] = subprocess.Popen(
            [SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(node),
             "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
             "--cluster-node-timeout", "5000", *persistence, "--save", "",
             "--logfile", str(node / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait(self, port: int) -> None:
        _wait_ping(port, self.procs[port])

    def kill(self, port: int) -> None:
        """kill -9, as a crash would."""
        proc = self.procs.pop(port)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()


@contextmanager
def local_cluster(base: Path | None = None, masters: int = 3,
                  aof: bool = False) -> Iterator[LocalCluster]:
    """Start a cluster of `masters` masters; yield it; stop it after."""
    root = Path(base or tempfile.mkdtemp(prefix="redis-cluster-"))
    cluster = LocalCluster(root, _free_ports(masters), aof)
    try:
        for port in cluster.ports:
            cluster.start(port)
        for port in cluster.ports:
            cluster.wait(port)
        subprocess.run([CLI, "--cluster", "create", *(f"127.0.0.1:{p}" for p in cluster.ports),
                        "--cluster-replicas", "0", "--cluster-yes"],
                       check=True, capture_output=True, timeout=60)
        wait_ok(cluster.ports[0])
        CLUSTER_URLS.add(cluster.url)
        yield cluster
    finally:
        CLUSTER_URLS.discard(cluster.url)
        cluster.stop()
        if base is None:
            shutil.rmtree(root, ignore_errors=True)


@contextmanager
def redis_cluster(base: Path | None = None, masters: int = 3) -> Iterator[str]:
    """Start the cluster; yield a seed URL (redis://127.0.0.1:<first port>); stop it after."""
    with local_cluster(base, masters) as cluster:
        yield cluster.url


def wait_ok(port: int) -> None:
    """Until every node agrees the cluster is up (all slots served)."""
    client = redis.Redis(port=port, decode_responses=True)
    deadline = time.monotonic() + 30
    while client.execute_command("CLUSTER INFO").get("cluster_state") != "ok":
        if time.monotonic() > deadline:
            raise RuntimeError("the cluster did not reach state ok")
        time.sleep(0.1)
    client.close()


if __name__ == "__main__":
    with redis_cluster(Path(sys.argv[1]) if len(sys.argv) > 1 else None) as url:
        print(url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
