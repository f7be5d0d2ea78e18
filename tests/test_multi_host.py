"""The multi-host layout of docs/scaling.md, tested: two independent portal hosts, each
`python -m portal serve --workers 2` on its own port and its own DATA_DIR, with the settings
every host must share (SECRET_KEY, COURT, PORTAL_RULES, TRUSTED_PROXIES, REDIS_URL and
REDIS_CLUSTER) and one Redis (a single server, or the local 3-master cluster under
REDIS_CLUSTER_TESTS=1).

It asserts what a load balancer in front of N hosts relies on, with no stickiness: a page
served by one host and its form posted to the other (login), a session used on both, the
balancer's X-Forwarded-Proto believed (https URLs for venues' encoders), a bid through each
host reaching lot watchers on both (every seq once, in order), the cacheable lot and room
state alike on both, a viewer id issued by one host accepted by the other, room messages
crossing hosts both ways, one close and one settlement for the two hosts' closers and
settlers, and a logout on one host closing the session's socket on the other. A second test
puts both hosts on one DATA_DIR (the shared file system production needs for uploads and
HLS) and serves each host's uploads from the other.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import TEST_LIMITS
from fault_support import serve, stop
from portal_helpers import PASSWORD, actor, end_lot_now, lot_body, make_account, page_csrf
from portal_helpers import pay_deposit as pay
from redis_cluster import CLUSTER_TESTS, flush
from test_livestream_api import cookie_header, event_body, next_of, ws_url
from test_livestream_workers import playlist
from test_portal_live import ws_url as lot_ws_url
from test_portal_pages import form_fields, jpeg_bytes
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

# What every host of one deployment must share (docs/scaling.md, "Multi-host layout").
# The balancer is the test's clients bound to 127.0.0.2 (still loopback, but not the
# 127.0.0.1 that uvicorn believes by default).
PROXY = "127.0.0.2"
SHARED = {"SECRET_KEY": "multi-host-secret", "COURT": "北京市第一中级人民法院",
          "PORTAL_RULES": "sandbox", "REDIS_CLUSTER": str(CLUSTER_TESTS).lower(),
          "TRUSTED_PROXIES": PROXY, **TEST_LIMITS}
WATCHERS_PER_HOST = 3
BIDS = 4


@contextlib.contextmanager
def two_hosts(redis_url: str, tmp_path: Path, data_dirs: tuple[Path, Path],
              ) -> Iterator[tuple[str, str]]:
    """Hosts A and B (`portal serve --workers 2` each, the SHARED settings), started side by
    side; stopped after."""
    flush(redis_url)
    env = {**SHARED, "REDIS_URL": redis_url}
    with ThreadPoolExecutor(2) as pool:
        started = [pool.submit(serve, {**env, "DATA_DIR": str(data)}, 2,
                               tmp_path / f"host-{n}.log") for n, data in zip("ab", data_dirs,
                                                                               strict=True)]
    try:
        (_, a), (_, b) = (future.result() for future in started)
        yield a, b
    finally:
        for future in started:  # a host that failed to start has nothing to stop
            if future.exception() is None:
                stop(future.result()[0])


@pytest.fixture
def hosts(redis_alone_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Each host with its own DATA_DIR, on Redis that the session's live portal never touches
    (its closer and settler would otherwise be a third host)."""
    with two_hosts(redis_alone_url, tmp_path, (tmp_path / "data-a", tmp_path / "data-b")) as ab:
        yield ab


@pytest.fixture
def hosts_sharing_files(redis_alone_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Both hosts on one DATA_DIR: the shared file system of docs/scaling.md (here a local
    folder, so this shows that two `portal serve` share it, not what NFS does)."""
    with two_hosts(redis_alone_url, tmp_path, (tmp_path / "data",) * 2) as ab:
        yield ab


def on(base: str, client: httpx.Client) -> httpx.Client:
    """The same browser (cookie jar) talking to another host, as a load balancer would send it."""
    return httpx.Client(base_url=base, cookies=client.cookies, timeout=20)


def login_across(page_host: str, form_host: str, username: str) -> httpx.Client:
    """The login page (and its CSRF token, bound to the pre-session cookie) from one host, the
    form posted to the other; returns the browser, logged in."""
    browser = httpx.Client(base_url=page_host, timeout=20)
    token = page_csrf(browser.get("/login").text)
    there = on(form_host, browser)
    posted = there.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token, "next": "/me"})
    assert posted.status_code == 303 and posted.headers["location"] == "/me", posted.text
    return on(page_host, there)  # its jar holds the session cookie that form_host set


def poll(fetch: Callable[[], Any], done: Callable[[Any], bool], timeout: float = 20) -> Any:
    """Fetch until done (a per-process memo or a background worker has caught up)."""
    deadline = time.monotonic() + timeout
    while not done(value := fetch()):
        assert time.monotonic() < deadline, f"gave up waiting; last: {value}"
        time.sleep(0.1)
    return value


def lot_frames(ws: ClientConnection, until: str, timeout: float = 30) -> list[dict]:
    """Every lot-socket message up to and including the first of type `until`."""
    deadline = time.monotonic() + timeout
    out: list[dict] = []
    while not out or out[-1]["type"] != until:
        out.append(json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic()))))
    return out


def comparable(state: dict) -> dict:
    """A lot state body without what legitimately differs per response: the clock and the
    viewer count (presence is flushed every 2 s per process)."""
    state = json.loads(json.dumps(state))
    state.pop("server_time"), state.pop("viewers"), state["state"].pop("server_time")
    return state


def test_two_hosts_behind_one_balancer(hosts: tuple[str, str], redis_alone_url: str) -> None:
    a, b = hosts
    url = redis_alone_url
    officer_a = actor(a, url, "mh_officer", role="officer")
    officer_b = on(b, officer_a)  # one login, both hosts
    make_account(url, "mh_alice", "bidder")
    alice_a = login_across(a, b, "mh_alice")  # page from A, form posted to B
    alice_b = on(b, alice_a)
    assert alice_a.get("/api/me").json()["user"]["username"] == "mh_alice"
    bob_b = actor(b, url, "mh_bob")
    bob_a = on(a, bob_b)

    lot = officer_a.post("/api/lots", json=lot_body(title="多主机 测试住宅")).json()
    lot_id = lot["id"]
    assert officer_b.get(f"/api/lots/{lot_id}").json()["court"] == SHARED["COURT"]
    code_alice, code_bob = pay(alice_b, lot_id), pay(bob_a, lot_id)
    # The event is scheduled through the balancer, with the headers it adds: the ingest URL
    # the venue gets names the public https origin. (Regression: `portal serve` did not hand
    # TRUSTED_PROXIES to uvicorn, which believed X-Forwarded-Proto from 127.0.0.1 only, so
    # behind a proxy on another machine every URL the portal built was http://.)
    balancer = httpx.Client(base_url=b, cookies=officer_a.cookies, timeout=20,
                            transport=httpx.HTTPTransport(local_address=PROXY),
                            headers={"Host": "portal.example", "X-Forwarded-Proto": "https",
                                     "X-Forwarded-For": "203.0.113.7"})
    r = balancer.post("/api/events", json=event_body([lot_id]))
    assert r.status_code == 201, r.text
    event = r.json()
    assert event["venues"][0]["ingest_url"].startswith("https://portal.example/ingest/")
    eid = event["id"]

    with contextlib.ExitStack() as stack:
        watchers = {host: [stack.enter_context(connect(lot_ws_url(host, lot_id)))
                           for _ in range(WATCHERS_PER_HOST)] for host in (a, b)}
        for ws in (ws for group in watchers.values() for ws in group):
            assert json.loads(ws.recv(timeout=10))["type"] == "snapshot"
        room_a = stack.enter_context(connect(ws_url(a, eid), additional_headers=cookie_header(
            alice_a)))
        room_b = stack.enter_context(connect(ws_url(b, eid), additional_headers=cookie_header(
            bob_b)))
        assert next_of(room_a, "snapshot")["me"]["username"] == "mh_alice"
        assert next_of(room_b, "snapshot")["me"]["username"] == "mh_bob"

        # Bids alternate between the hosts and the bidders.
        bidders = [alice_a, bob_b, alice_b, bob_a]
        for n, client in enumerate(bidders[:BIDS]):
            r = client.post(f"/api/lots/{lot_id}/bids", json={"amount": f"{800000 + n * 10000}"})
            assert r.status_code == 201, r.text
            assert r.json()["bid"]["seq"] == n + 1

        # The cacheable lot state: the same on both hosts once each one's memo has expired.
        states = {}
        for host in (a, b):
            r = poll(lambda host=host: httpx.get(f"{host}/api/lots/{lot_id}/state"),
                     lambda r: r.json()["state"]["bid_count"] == BIDS)
            assert r.headers["cache-control"] == \
                "public, max-age=1, s-maxage=1, stale-while-revalidate=1"
            assert r.headers["etag"] and "Accept-Encoding" in r.headers["vary"]
            assert "set-cookie" not in r.headers  # a shared cache must never store a cookie
            states[host] = comparable(r.json())
        assert states[a] == states[b]
        assert [x["seq"] for x in states[a]["bids"]] == [4, 3, 2, 1]
        assert [x["bidder_code"] for x in states[a]["bids"]] == [code_bob, code_alice] * 2

        # Room messages cross hosts both ways; the room state agrees on both hosts.
        r = alice_a.post(f"/api/events/{eid}/messages", json={"text": "A 的消息"})
        assert r.status_code == 201 and r.json()["status"] == "published", r.text
        assert next_of(room_b, "chat")["message"]["text"] == "A 的消息"
        room_b.send(json.dumps({"type": "chat", "text": "B 的消息"}))
        seen_a = [next_of(room_a, "chat")["message"]["text"] for _ in range(2)]
        assert seen_a == ["A 的消息", "B 的消息"]
        room_states = {}
        for host in (a, b):
            r = poll(lambda host=host: httpx.get(f"{host}/api/events/{eid}/state"),
                     lambda r: len(r.json()["messages"]) == 2)
            assert r.headers["cache-control"] == \
                "public, max-age=1, s-maxage=2, stale-while-revalidate=2"
            assert "set-cookie" not in r.headers
            room_states[host] = [m["text"] for m in r.json()["messages"]]
        assert room_states[a] == room_states[b] == ["A 的消息", "B 的消息"]
        # A viewer id issued by one host counts on the other (signed with SECRET_KEY).
        viewer = httpx.get(f"{a}/api/events/{eid}/viewer").json()["viewer"]
        beat = httpx.post(f"{b}/api/events/{eid}/heartbeat", json={"viewer": viewer,
                                                                   "venue_id": 1})
        assert beat.status_code == 204, beat.text

        # One close: the two hosts' four closers compete for one lease; every watcher on
        # either host gets every bid once, in order, then the `closed` event.
        end_lot_now(url, lot_id)
        for host, group in watchers.items():
            for n, ws in enumerate(group):
                frames = lot_frames(ws, "closed")
                seqs = [f["bid"]["seq"] for f in frames if f["type"] == "bid"]
                assert seqs == list(range(1, BIDS + 1)), (host, n, seqs)
                assert frames[-1]["status"] == "sold"

        # A logout through B closes the session's socket on A (policy violation, 1008).
        assert alice_b.delete("/api/session").status_code in (200, 204)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                room_a.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        assert alice_a.get("/api/me").status_code == 401

    # One settlement, read alike on both hosts.
    results = [poll(lambda host=host: httpx.get(f"{host}/api/lots/{lot_id}/result").json(),
                    lambda r: r["settlement"]["status"] == "awaiting_payment")
               for host in (a, b)]
    assert results[0] == results[1]
    assert results[0]["status"] == "sold" and results[0]["winner_code"] == code_bob
    assert results[0]["final_price"] == "830000.00" and results[0]["ledger_verified"]
    ledger = httpx.get(f"{a}/api/lots/{lot_id}/ledger").json()
    assert [e["kind"] for e in ledger] == ["bid"] * BIDS + ["close"]
    for officer in (officer_a, officer_b):  # the same court on both hosts: both may read it
        case = officer.get(f"/api/cases/{lot['case_id']}")
        assert case.status_code == 200, case.text
        assert [e["kind"] for e in case.json()["ledger"]] == [
            "deposit_paid", "deposit_paid", "deposit_refunded", "deposit_applied"]
    def won() -> list[dict]:
        items = bob_a.get("/api/me/notifications").json()["items"]
        return [n for n in items if n["kind"] == "won"]

    assert len(poll(won, bool)) == 1  # the settler's last step; notified once


def test_hosts_sharing_data_dir_serve_each_others_uploads(hosts_sharing_files: tuple[str, str],
                                                          redis_alone_url: str) -> None:
    """Files are written by the host that took the request: with one shared DATA_DIR a photo
    uploaded through A is served by B, and one HLS stream pushed alternately through both
    (what a round-robin balancer does to an encoder's PUTs) plays from either."""
    a, b = hosts_sharing_files
    officer_a = actor(a, redis_alone_url, "mh_files_officer", role="officer")
    officer_b = on(b, officer_a)
    page = officer_a.get("/officer/lots/new")
    r = officer_b.post("/officer/lots/new", data=form_fields(page_csrf(page.text)),
                       files=[("photos", ("room.jpg", jpeg_bytes(), "image/jpeg"))])
    assert r.status_code == 303, r.text
    lot = officer_a.get("/api" + r.headers["location"]).json()
    photos = [httpx.get(host + lot["photos"][0]) for host in (a, b)]
    assert [p.status_code for p in photos] == [200, 200]
    assert photos[0].content == photos[1].content

    event = officer_a.post("/api/events", json=event_body([lot["id"]])).json()
    venue = event["venues"][0]
    key, playback = venue["stream_key"], venue["playback_url"]
    folder = playback.rsplit("/", 1)[0]
    for seq in range(4):
        via = (a, b)[seq % 2]
        assert httpx.put(f"{via}/ingest/{key}/index{seq}.ts",
                         content=b"G" * 188 + str(seq).encode()).status_code == 201
        assert httpx.put(f"{via}/ingest/{key}/index.m3u8",
                         content=playlist(max(0, seq - 2), seq)).status_code == 201
    lists = [httpx.get(host + playback) for host in (a, b)]
    assert [x.status_code for x in lists] == [200, 200]
    assert lists[0].text == lists[1].text == playlist(1, 3).decode()
    for host in (a, b):
        for seq in (1, 2, 3):
            segment = httpx.get(f"{host}{folder}/index{seq}.ts")
            assert segment.status_code == 200 and segment.content.endswith(str(seq).encode())


def test_a_host_without_trusted_proxies_believes_no_forwarded_headers(
        redis_alone_url: str, tmp_path: Path) -> None:
    """`portal serve` without TRUSTED_PROXIES: a client on 127.0.0.1 (uvicorn's own default
    for whom to believe) that sends X-Forwarded-Proto gets the scheme it really used in the
    URLs the portal builds, as docs/operations.md and docs/security.md say."""
    flush(redis_alone_url)
    env = {k: v for k, v in SHARED.items() if k != "TRUSTED_PROXIES"}
    proc, base = serve({**env, "REDIS_URL": redis_alone_url, "DATA_DIR": str(tmp_path / "data")},
                       1, tmp_path / "host.log")
    try:
        officer = actor(base, redis_alone_url, "np_officer", role="officer")
        lot_id = officer.post("/api/lots", json=lot_body(title="无代理 测试住宅")).json()["id"]
        forged = httpx.Client(base_url=base, cookies=officer.cookies, timeout=20,
                              headers={"Host": "portal.example", "X-Forwarded-Proto": "https",
                                       "X-Forwarded-For": "203.0.113.7"})
        r = forged.post("/api/events", json=event_body([lot_id]))
        assert r.status_code == 201, r.text
        assert r.json()["venues"][0]["ingest_url"].startswith("http://portal.example/ingest/")
    finally:
        stop(proc)
