"""Fault-injection helpers: a private redis-server that a test may kill and restart (its own
port, AOF always, like production) and a portal served by several workers on it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis
from conftest import ROOT, _redis_binary, free_port, wait_http


class PrivateRedis:
    """redis-server on a fixed free port over one data dir; kill() and start() again keep
    the data (AOF appendfsync always)."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [_redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.data), "--save", "", "--appendonly", "yes",
             "--appendfsync", "always"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except (redis.ConnectionError, redis.BusyLoadingError):
                assert time.monotonic() < deadline, "redis-server did not come up"
                time.sleep(0.02)
        client.close()

    def kill(self) -> None:
        """kill -9, as a crash or the OOM killer would."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None


def serve(env: dict[str, str], workers: int, log: Path, *args: str) -> tuple[
        subprocess.Popen[bytes], str]:
    """`python -m portal serve` with `workers` workers on a free port; (process, base URL)."""
    port = free_port()
    out = open(log, "wb")  # noqa: SIM115 - closed with the process by the caller's stop()
    proc = subprocess.Popen(
        [sys.executable, "-m", "portal", "serve", "--port", str(port), "--workers",
         str(workers), "--log-level", "warning", *args],
        cwd=ROOT, env={**os.environ, "PORTAL_RULES": "sandbox", **env}, stdout=out,
        stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/api/openapi.json", proc, timeout=90)
    return proc, base


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
