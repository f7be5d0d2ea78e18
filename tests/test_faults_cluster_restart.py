"""Issue 11 on a Redis Cluster: watchers connected through a restart of the master that owns
their lot miss no bid.

A 2-worker portal runs with REDIS_CLUSTER=true on a private 3-master cluster (AOF always, so
a node killed -9 and started again keeps its data and its slots). Each worker's hub reads
the lot's channel by sharded pub/sub on a connection to the lot's master. That master is
killed and restarted with watchers connected; bids are placed on it the moment it is back,
in one transaction with a CLIENT KILL of the pub/sub connections already back (so every
listener is certain to be re-subscribing when they are published), and later over HTTP.
Every watcher must end with every `seq`, in order, no gap, no duplicate.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis
from fault_support import bid_unseen, serve, stop, watch_a_restart
from portal_helpers import actor, lot_body, paid_bidder
from redis.crc import key_slot
from redis_cluster import LocalCluster, available, local_cluster, wait_ok

from bidding import keys

pytestmark = pytest.mark.skipif(not available(), reason="needs Debian's redis-server 7")
WATCHERS = 6


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[LocalCluster]:
    with local_cluster(tmp_path / "cluster", aof=True) as nodes:
        yield nodes


@pytest.fixture
def two_workers(cluster: LocalCluster, tmp_path: Path) -> Iterator[str]:
    proc, base = serve({"REDIS_URL": cluster.url, "REDIS_CLUSTER": "true",
                        "DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "fault-test"}, 2,
                       tmp_path / "portal.log")
    yield base
    stop(proc)


def port_of(cluster: LocalCluster, name: str) -> int:
    """The port of the master that owns `name`'s slot."""
    client = redis.Redis(port=cluster.ports[0], decode_responses=True)
    slot = key_slot(name.encode())
    for start, end, master, *_ in client.execute_command("CLUSTER SLOTS"):
        if start <= slot <= end:
            client.close()
            return int(master[1])
    raise AssertionError(f"no master serves slot {slot}")


def test_watchers_get_every_bid_across_a_restart_of_the_lots_master(
        two_workers: str, cluster: LocalCluster) -> None:
    base, url = two_workers, cluster.url
    officer = actor(base, url, "officer1", role="officer", cluster=True)
    lot_id = officer.post("/api/lots", json=lot_body()).json()["id"]
    (a, _), (b, _) = (paid_bidder(base, url, lot_id, name) for name in ("fault_a", "fault_b"))
    port = port_of(cluster, keys.state(lot_id))
    assert port_of(cluster, keys.events(lot_id)) == port
    total = 9

    def restart() -> None:
        cluster.kill(port)
        cluster.start(port)  # same port, nodes.conf and AOF: its slots and the bids so far
        cluster.wait(port)
        for node in cluster.ports:  # a restarted master serves after a delay
            wait_ok(node)

    async def unseen(usernames: list[str], amounts: list[int]) -> None:
        await bid_unseen(aioredis.Redis(port=port, decode_responses=True), lot_id, usernames,
                         amounts, "SPUBLISH")

    results = watch_a_restart(base, lot_id, (a, b), restart, unseen, WATCHERS, total)
    expected = list(range(1, total + 1))
    for n, seqs in enumerate(results):
        assert seqs == expected, f"watcher {n}: {seqs}"
    verify = a.get(f"/api/lots/{lot_id}/ledger/verify").json()
    assert verify["ok"] and verify["length"] == total
