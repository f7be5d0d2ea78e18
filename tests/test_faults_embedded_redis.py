"""Issue 11, finding 3: the embedded Redis is supervised.

`python -m portal serve` (2 workers, embedded Redis) survives a kill -9 of its redis-server:
the supervisor restarts it on the same data directory (AOF), requests meanwhile get 503
(never 500), then 200 again without an operator; the start-up log says which server runs.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from fault_support import serve, stop
from portal_helpers import PASSWORD, actor

from core.redis import EmbeddedRedis


@pytest.fixture
def embedded_portal(tmp_path: Path) -> Iterator[str]:
    saved = os.environ.pop("REDIS_URL", None)
    try:
        proc, base = serve({"DATA_DIR": str(tmp_path), "SECRET_KEY": "fault-test"}, 2,
                           tmp_path / "portal.log")
    finally:
        if saved is not None:
            os.environ["REDIS_URL"] = saved
    yield base
    stop(proc)
    assert not EmbeddedRedis(tmp_path)._ping(), "embedded redis-server outlived the portal"


def redis_pid(data: Path) -> int:
    client = redis.Redis(unix_socket_path=str(data / "redis" / "redis.sock"))
    pid = int(client.info("server")["process_id"])
    client.close()
    return pid


def test_kill_9_of_the_embedded_redis_is_survived(embedded_portal: str, tmp_path: Path) -> None:
    base = embedded_portal
    bidder = actor(base, "unused://", "survivor")  # a bidder account, kept in the AOF
    first = redis_pid(tmp_path)
    os.kill(first, signal.SIGKILL)
    client = httpx.Client(base_url=base, timeout=30)
    seen: list[int] = []
    deadline = time.monotonic() + 90  # a bound for the failure, not a timing requirement
    while not seen or seen[-1] != 200:
        assert time.monotonic() < deadline, f"not serving again: {seen[-5:]}"
        r = client.get("/api/lots")
        seen.append(r.status_code)
        if r.status_code == 503:
            assert r.json()["error"]["code"] == "unavailable" and "retry-after" in r.headers
    assert set(seen) <= {200, 503}, seen
    assert redis_pid(tmp_path) != first  # a new server, on the same socket and data
    again = httpx.Client(base_url=base, timeout=30)
    assert again.post("/api/session", json={"username": "survivor",
                                            "password": PASSWORD}).status_code == 200
    assert bidder.get("/api/me").status_code == 200  # the session survived too
    log = (tmp_path / "portal.log").read_text()
    assert "embedded Redis: system redis-server 7" in log
    assert "embedded redis-server exited with code -9" in log
    assert "embedded redis-server restarted" in log and "Traceback" not in log


def test_ctrl_c_stops_the_portal_then_its_redis(tmp_path: Path) -> None:
    """A terminal's Ctrl+C sends SIGINT to the whole foreground process group. The embedded
    redis-server runs in a session of its own, so only the portal gets it: the portal shuts
    down (leases released) and then stops the server, which is not "restarted" on the way
    and does not outlive it."""
    saved = os.environ.pop("REDIS_URL", None)
    try:
        proc, base = serve({"DATA_DIR": str(tmp_path), "SECRET_KEY": "fault-test"}, 2,
                           tmp_path / "portal.log", new_session=True)
    finally:
        if saved is not None:
            os.environ["REDIS_URL"] = saved
    try:
        assert httpx.get(base + "/api/lots").status_code == 200
        server = redis_pid(tmp_path)
        assert os.getpgid(server) != os.getpgid(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(60)
        outlived = EmbeddedRedis(tmp_path)._ping()
    finally:
        if proc.poll() is None:  # the test failed before the portal stopped
            stop(proc)
        if EmbeddedRedis(tmp_path)._ping():  # nor leave a server behind when it fails
            os.kill(redis_pid(tmp_path), signal.SIGTERM)
    assert not outlived, "embedded redis-server outlived the portal"
    log = (tmp_path / "portal.log").read_text()
    assert "exited with code" not in log and "restart" not in log, log
    assert "could not release" not in log and "Traceback" not in log, log
