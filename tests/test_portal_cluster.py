"""The portal's multi-key operations on a real 3-master Redis Cluster (tests/redis_cluster.py):
each of these failed there with a cross-slot error (CROSSSLOT, redis-py's
CrossSlotTransactionError or its refusal of multi-key commands in cluster pipelines) before
it was made single-slot or split."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from redis_cluster import available

from core.redis import mget
from core.throttle import Throttle, parse
from livestream import keys as live_keys
from livestream.chat import Chat
from livestream.events import Events
from livestream.store import IngestStore
from livestream.testsrc import _demo_feeds
from livestream.viewers import ViewerCounter
from panorama.store import PanoramaStore
from panorama.tour_rules import TourError
from panorama.tours import Tours
from portal import keys, notifications

pytestmark = pytest.mark.skipif(not available(), reason="needs Debian's redis-server 7")


class NoLots:
    async def get(self, lot_id: int) -> dict[str, int]:
        return {"id": lot_id}


async def test_notify_spans_the_users_keys_and_the_global_outbox(rc) -> None:
    await rc.sadd(keys.case_applicants(3), "alice")
    await rc.sadd(keys.case_officers(3), "bob")
    await notifications.notify_case(rc, 3, "announced", {"title": "t", "case_number": "n"},
                                    dedupe="announced:1", lot_id=1)
    for name in ("alice", "bob"):
        assert [i["kind"] for i in await notifications.items(rc, name)] == ["announced"]
        assert await notifications.unread(rc, name) == 1
    assert await rc.xlen(keys.OUTBOX) == 2


async def test_records_of_many_slots_read_in_one_call(rc) -> None:
    names = [keys.lot_meta(i) for i in range(1, 9)]
    for name in names:
        await rc.set(name, name)
    assert await mget(rc, [*names, keys.lot_meta(99)]) == [*names, None]


async def test_an_event_room_on_the_cluster(rc, tmp_path: Path) -> None:
    events = Events(rc, NoLots(), IngestStore(tmp_path / "hls"))
    event = await events.create({"title": "看样", "starts_at": "2030-01-01T00:00:00Z",
                                 "ends_at": "2030-01-01T02:00:00Z",
                                 "venues": [{"name": "A", "lot_id": 1, "source": "ingest"},
                                            {"name": "B", "lot_id": 2, "source": "ingest"}]},
                                "officer")
    event_id = event["id"]
    assert [e["id"] for e in await events.many([event_id])] == [event_id]
    assert await events.resolve_key(event["venues"][0]["stream_key"])
    await events.set_on_air(event_id, 2)  # MULTI with the room's publish script
    assert (await events.live_state(event_id))["on_air"] == "2"
    assert await events.remind(event_id, "alice", True) == 1
    assert await events.remind(event_id, "alice", False) == 0
    chat = Chat(rc, b"secret", Throttle(rc), "100/minute")
    await chat.announce(event_id, "开始")
    assert await rc.get(live_keys.channel_seq(live_keys.channel(event_id))) == "2"
    viewers = ViewerCounter(rc)
    room = (event_id, event["nonce"])
    viewers.pending = {(room, 1): {"v1", "v2"}, (room, 2): {"v2"}}
    await viewers.flush(now=1_000)
    assert await viewers.counts(room, [1, 2], now=1_000) == ({1: 2, 2: 1}, 2)


async def test_the_throttle_uses_limits_cluster_storage(rc) -> None:
    throttle = Throttle(rc, "t")
    limits = parse("2/minute")
    assert await throttle.hit(limits, "login", "x") is None
    assert await throttle.hit(limits, "login", "x") is None
    assert await throttle.hit(limits, "login", "x") is not None


async def test_tour_versions_save_in_a_watched_transaction(rc, tmp_path: Path) -> None:
    """The tour's WATCH/MULTI stays in the lot's slot; the save's server time (TIME, keyless)
    is read outside the pipeline, which a cluster pipeline would refuse."""
    tours = Tours(rc, PanoramaStore(tmp_path))
    empty = {"scenes": [], "start_scene": None, "floor_plan": None}
    first = await tours.save(7, empty, "officer", 0)
    second = await tours.save(7, empty, "officer", 1)
    assert (first["version"], second["version"]) == (1, 2)
    assert second["created_at"] >= first["created_at"]
    with pytest.raises(TourError):
        await tours.save(7, empty, "officer", 1)
    assert [v["version"] for v in await tours.versions(7)] == [1, 2]


async def test_the_cli_commands_use_the_cluster_client(rc, cluster_url: str,
                                                       tmp_path: Path) -> None:
    """create-officer and verify-ledger under REDIS_CLUSTER=true (they used a plain client,
    which a key of another master's slot answers with MOVED)."""
    env = dict(os.environ, REDIS_URL=cluster_url, REDIS_CLUSTER="true", DATA_DIR=str(tmp_path))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "portal", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    made = cli("create-officer", "cluster_chief", "--password", "chief-pass-123")
    assert made.returncode == 0, made.stderr
    assert await rc.hget(keys.user("cluster_chief"), "role") == "officer"
    checked = cli("verify-ledger", "1")  # lot 1's keys: slot 9842, the second master's
    assert checked.returncode == 0 and "0 entries" in checked.stdout, checked.stderr


async def test_the_demo_feeder_reads_the_event_through_the_cluster(
        rc, cluster_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REDIS_URL", cluster_url)
    monkeypatch.setenv("REDIS_CLUSTER", "true")
    await rc.set(live_keys.demo_event(), "1")  # slot 7673: not the seed node's
    await rc.set(live_keys.meta(1), json.dumps({"venues": [{"id": 1, "source": "url"}]}))
    assert await _demo_feeds(tmp_path) == []
