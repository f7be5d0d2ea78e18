"""A local 3-master Redis Cluster from Debian's redis-server, for the cluster tests.

    python tests/redis_cluster.py [DIR]    # start one, print its seed URL; Ctrl-C stops it

Each node runs `--cluster-enabled yes` on a free port (AOF off, no RDB: test data only);
`redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes` assigns the 16,384 slots.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import pytest
import redis
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster

SERVER = "/usr/bin/redis-server"
CLI = "/usr/bin/redis-cli"
# REDIS_CLUSTER_TESTS=1: the shared fixtures (tests/conftest.py) run the suite's Redis and
# the live portal on a local 3-master cluster (README "Redis Cluster").
CLUSTER_TESTS = os.environ.get("REDIS_CLUSTER_TESTS", "") not in ("", "0", "false")


def async_client(url: str, **kwargs: Any) -> aioredis.Redis:
    """An asyncio client for the tests' Redis: the cluster client under REDIS_CLUSTER_TESTS
    (it routes each key to its master), else a plain one."""
    if CLUSTER_TESTS:
        return cast(aioredis.Redis, RedisCluster.from_url(url, **kwargs))
    return aioredis.Redis.from_url(url, **kwargs)


def flush(url: str) -> None:
    """Empty the tests' Redis: FLUSHDB on a single server, FLUSHALL on every master."""
    if CLUSTER_TESTS:
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


@contextmanager
def redis_cluster(base: Path | None = None, masters: int = 3) -> Iterator[str]:
    """Start the cluster; yield a seed URL (redis://127.0.0.1:<first port>); stop it after."""
    root = Path(base or tempfile.mkdtemp(prefix="redis-cluster-"))
    procs: list[subprocess.Popen[bytes]] = []
    ports = _free_ports(masters)
    try:
        for port in ports:
            node = root / str(port)
            node.mkdir(parents=True, exist_ok=True)
            procs.append(subprocess.Popen(
                [SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(node),
                 "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                 "--cluster-node-timeout", "5000", "--appendonly", "no", "--save", "",
                 "--logfile", str(node / "redis.log")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for port, proc in zip(ports, procs, strict=True):
            _wait_ping(port, proc)
        subprocess.run([CLI, "--cluster", "create", *(f"127.0.0.1:{p}" for p in ports),
                        "--cluster-replicas", "0", "--cluster-yes"],
                       check=True, capture_output=True, timeout=60)
        _wait_ok(ports[0])
        yield f"redis://127.0.0.1:{ports[0]}"
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if base is None:
            shutil.rmtree(root, ignore_errors=True)


def _wait_ok(port: int) -> None:
    """Until every node agrees the cluster is up (all slots served)."""
    client = redis.Redis(port=port, decode_responses=True)
    deadline = time.monotonic() + 30
    while client.execute_command("CLUSTER INFO").get("cluster_state") != "ok":
        if time.monotonic() > deadline:
            raise RuntimeError("the cluster did not reach state ok")
        time.sleep(0.1)
    client.close()


@pytest.fixture(scope="session")
def cluster_url() -> Iterator[str]:
    """A 3-master cluster shared by the cluster tests (import this fixture to use it)."""
    if not available():
        pytest.skip("needs Debian's redis-server 7 and redis-cli")
    with redis_cluster() as url:
        yield url


if __name__ == "__main__":
    with redis_cluster(Path(sys.argv[1]) if len(sys.argv) > 1 else None) as url:
        print(url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
