"""Lot fan-out (portal/lot_fanout.py): every watcher gets every event once, in ledger order,
whether frames are written straight to uvicorn's transports (coalesced bursts: several
frames per write) or sent through the ASGI path; and the cacheable lot state for anonymous
watchers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from conftest import free_port
from portal_helpers import actor, lot_body, paid_bidder
from redis_cluster import async_client, is_cluster_url
from websockets.sync.client import ClientConnection, connect

from bidding import keys
from bidding.hub import Hub
from bidding.store import BidStore
from portal.app import create_app
from portal.lot_fanout import LotRoom, LotRooms, Watcher
from portal.settings import load_settings
from portal.ws_direct import text_frame

BIDS = 24
WATCHERS = 8


def settings(redis_url: str, data: Path) -> Any:
    return load_settings(data_dir=data, redis_url=redis_url, secret_key="k" * 32,
                         rules="sandbox",
                         redis_cluster=is_cluster_url(redis_url))


@pytest.fixture(params=["websockets-sansio", "websockets"])
def inproc(request: pytest.FixtureRequest, redis_url: str,
           tmp_path: Path) -> Iterator[tuple[str, Any, bool]]:
    """The portal under a real uvicorn in a thread of this process (so the test can look at
    its lot rooms): with uvicorn's sansio websockets (as `portal serve` runs it: frames are
    written straight to the transports) and with its legacy implementation (no direct
    transport: the ASGI path). Yields (base url, app, direct expected)."""
    app = create_app(settings(redis_url, tmp_path / "data"))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(
        app, host="127.0.0.1", port=port, ws=request.param,
        ws_per_message_deflate=False, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        thread.join(0.05)
    try:
        app.state.loop = server.servers[0].get_loop()  # to call into the server's loop
        yield f"http://127.0.0.1:{port}", app, request.param == "websockets-sansio"
    finally:
        server.should_exit = True
        thread.join(15)


def burst(redis_url: str, lot_id: int, codes: list[str], n: int) -> None:
    """n bids placed back to back through the store (faster than a tick: coalesced)."""
    burst_from(redis_url, lot_id, codes, 0, n)


def burst_from(redis_url: str, lot_id: int, codes: list[str], first: int, n: int) -> None:
    """Bids number first+1 .. first+n, back to back, alternating bidders."""
    async def run() -> None:
        client = async_client(redis_url, decode_responses=True)
        store = BidStore(client)
        for k in range(first, first + n):
            outcome = await store.place_bid(lot_id, codes[k % 2], 80_000_000 + k * 1_000_000)
            assert outcome.ok, outcome.error
        await client.aclose()

    asyncio.run(run())


def bid_seqs(recv: Any, n: int) -> list[int]:
    """The bid seqs a socket receives until it has n of them (duplicates kept)."""
    seqs: list[int] = []
    while len(seqs) < n:
        message = json.loads(recv())
        if message["type"] == "bid":
            seqs.append(message["bid"]["seq"])
    return seqs


def lot_with_bidders(base: str, redis_url: str) -> tuple[int, list[str]]:
    officer = actor(base, redis_url, "fan_officer", role="officer")
    lot = officer.post("/api/lots", json=lot_body()).json()
    codes = [paid_bidder(base, redis_url, lot["id"], f"fan_bidder_{i}")[1] for i in (1, 2)]
    return lot["id"], codes


def test_every_watcher_gets_every_bid_once_in_order(inproc, redis_url: str) -> None:
    base, app, direct = inproc
    lot_id, codes = lot_with_bidders(base, redis_url)
    url = base.replace("http://", "ws://") + f"/ws/lots/{lot_id}"
    with contextlib.ExitStack() as stack:
        sockets: list[ClientConnection] = [stack.enter_context(connect(url))
                                           for _ in range(WATCHERS)]
        for ws in sockets:
            assert json.loads(ws.recv(timeout=10))["type"] == "snapshot"
        room = app.state.services.lot_rooms.rooms[keys.events(lot_id)]
        assert len(room.watchers) == WATCHERS
        assert all((w.writer is not None) == direct for w in room.watchers)
        burst(redis_url, lot_id, codes, BIDS)
        for ws in sockets:
            assert bid_seqs(lambda ws=ws: ws.recv(timeout=10), BIDS) == list(range(1, BIDS + 1))


def test_a_hub_resync_replays_without_gaps_or_duplicates(inproc, redis_url: str) -> None:
    """When the hub signals a resync (its listener may have missed events), every watcher
    replays the ledger after the last event it was sent while bids keep coming."""
    base, app, _ = inproc
    lot_id, codes = lot_with_bidders(base, redis_url)
    url = base.replace("http://", "ws://") + f"/ws/lots/{lot_id}"
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(connect(url)) for _ in range(3)]
        for ws in sockets:
            assert json.loads(ws.recv(timeout=10))["type"] == "snapshot"
        burst(redis_url, lot_id, codes, 5)
        hub = app.state.services.hub
        app.state.loop.call_soon_threadsafe(hub.deliver, keys.events(lot_id), ("resync", None))
        burst_from(redis_url, lot_id, codes, 5, 10)
        for ws in sockets:
            assert bid_seqs(lambda ws=ws: ws.recv(timeout=10), 15) == list(range(1, 16))


async def test_a_coalesced_flush_keeps_order_and_skips_what_a_sync_covered(aredis) -> None:
    hub = Hub(aredis)
    await hub.start()
    rooms = LotRooms(hub)
    room = LotRoom("lot:1:events")
    live, held = Watcher(None), Watcher(None)
    live.ready = True
    room.watchers |= {live, held}
    items = [("event", ("1000-0", ['{"type":"bid","n":1}'])),
             ("event", ("1000-1", ['{"type":"bid","n":2}', '{"type":"extended","n":2}'])),
             ("viewers", 7),
             ("event", ("1001-0", ['{"type":"bid","n":3}']))]
    rooms.flush(room, items)
    kind, texts = live.control.get_nowait()
    assert kind == "texts" and live.control.empty()  # one hand-over for the whole burst
    assert texts == ['{"type":"bid","n":1}', '{"type":"bid","n":2}',
                     '{"type":"extended","n":2}', '{"type":"viewers","count":7}',
                     '{"type":"bid","n":3}']
    assert live.last_key == (1001, 0)
    # the held watcher's sync covered up to 1000-1: only the newer event is flushed to it
    assert held.control.empty()
    assert held.take_pending((1000, 1)) == ['{"type":"bid","n":3}']
    assert held.last_key == (1001, 0)
    # a resync marker (e.g. the hub's listener reconnected) makes ready watchers replay
    rooms.flush(room, [("resync", None)])
    assert live.control.get_nowait() == ("resync", None) and not live.ready
    await hub.stop()


def test_text_frame_is_an_unmasked_final_text_frame() -> None:
    for size in (5, 125, 126, 70_000):
        text = "价" * size
        frame = text_frame(text)
        data = text.encode()
        assert frame[0] == 0x81 and not frame[1] & 0x80
        assert frame.endswith(data)
        length = frame[1] & 0x7F
        if len(data) < 126:
            assert length == len(data)
        elif len(data) < 65536:
            assert length == 126 and int.from_bytes(frame[2:4]) == len(data)
        else:
            assert length == 127 and int.from_bytes(frame[2:10]) == len(data)


def test_lot_state_is_cacheable_and_matches_the_ledger(portal: str, redis_url: str) -> None:
    lot_id, codes = lot_with_bidders(portal, redis_url)
    burst(redis_url, lot_id, codes, 3)
    r = httpx.get(f"{portal}/api/lots/{lot_id}/state")
    assert r.status_code == 200 and "s-maxage=1" in r.headers["cache-control"]
    assert r.headers["cache-control"].startswith("public")
    body = r.json()
    assert "type" not in body and body["lot_id"] == lot_id
    assert [b["seq"] for b in body["bids"]] == [3, 2, 1]
    assert body["state"]["bid_count"] == 3 and body["last_event_id"] != "0-0"
    again = httpx.get(f"{portal}/api/lots/{lot_id}/state",
                      headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == r.headers["etag"]
    missing = httpx.get(f"{portal}/api/lots/987654/state")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "lot_not_found"
