"""Several uvicorn workers on one Redis: every watcher sees every bid; one close per lot."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import ROOT, free_port, wait_http
from portal_helpers import end_lot_now, make_account, paid_bidder, short_lot
from redis_cluster import redis_env, sync_client
from websockets.sync.client import connect


@pytest.fixture
def two_workers(redis_url: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = dict(os.environ, **redis_env(redis_url), DATA_DIR=str(tmp_path), PORTAL_RULES="sandbox",
               SECRET_KEY="workers-secret")
    proc = subprocess.Popen([sys.executable, "-m", "portal", "serve", "--port", str(port),
                             "--workers", "2", "--log-level", "warning"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/api/lots", proc)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_bids_reach_watchers_on_every_worker_and_close_once(two_workers: str,
                                                            redis_url: str) -> None:
    base = two_workers
    make_account(redis_url, "officer_w", "officer")

    lot_id = short_lot(redis_url, "officer_w", ends_in_ms=600_000)
    bidder, code = paid_bidder(base, redis_url, lot_id, "worker_bidder")
    url = base.replace("http://", "ws://") + f"/ws/lots/{lot_id}"
    with contextlib.ExitStack() as stack:
        # six sockets, spread by the kernel over both worker processes
        sockets = [stack.enter_context(connect(url)) for _ in range(6)]
        for ws in sockets:
            assert json.loads(ws.recv(timeout=5))["type"] == "snapshot"
        assert bidder.post(f"/api/lots/{lot_id}/bids", json={"amount": "800000"}).status_code == 201
        for ws in sockets:
            message = json.loads(ws.recv(timeout=5))
            while message["type"] == "viewers":
                message = json.loads(ws.recv(timeout=5))
            assert message["type"] == "bid" and message["bid"]["bidder_code"] == code
    end_lot_now(redis_url, lot_id)
    deadline = time.monotonic() + 15
    while httpx.get(f"{base}/api/lots/{lot_id}").json()["status"] != "sold":
        assert time.monotonic() < deadline, "lot was not closed"
        time.sleep(0.2)
    time.sleep(1.5)  # both closers have had several chances to close it again
    entries = sync_client(redis_url, decode_responses=True).xrange(
        f"lot:{{{lot_id}}}:ledger")
    assert [e[1]["kind"] for e in entries] == ["bid", "close"]
