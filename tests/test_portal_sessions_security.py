"""Sessions, CSRF, security headers, redirects and websocket frames against a live portal
(issue 9, findings 7, 9 and 10)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from portal_helpers import PASSWORD, actor, lot_body, make_account, page_csrf, run_async
from redis_cluster import async_client
from test_livestream_api import cookie_header, event_body, next_of, ws_url
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from portal.users import Users

ROOT_TEMPLATES = Path(__file__).resolve().parent.parent / "portal" / "templates"


@pytest.fixture
def officer(portal: str, redis_url: str) -> httpx.Client:
    return actor(portal, redis_url, "sec_officer", role="officer")


@pytest.fixture
def lot_id(officer: httpx.Client) -> int:
    r = officer.post("/api/lots", json=lot_body(title="安全测试房产"))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


@pytest.fixture
def event(officer: httpx.Client, lot_id: int) -> dict[str, Any]:
    r = officer.post("/api/events", json=event_body([lot_id]))
    assert r.status_code == 201, r.text
    return dict(r.json())


def lot_ws(base: str, lot: int) -> str:
    return base.replace("http://", "ws://") + f"/ws/lots/{lot}"


def frames_until(ws: ClientConnection, kind: str, timeout: float = 8.0) -> list[dict]:
    """Every frame up to and including the first of ``kind``."""
    out: list[dict] = []
    while not out or out[-1]["type"] != kind:
        out.append(json.loads(ws.recv(timeout=timeout)))
    return out


def frames_until_any(ws: ClientConnection, kinds: set[str]) -> list[dict]:
    """The frames up to the first whose type is in ``kinds``, that one last (reversed)."""
    out: list[dict] = []
    while not out or out[-1]["type"] not in kinds:
        out.append(json.loads(ws.recv(timeout=8)))
    return out[::-1]


def closed_with(ws: ClientConnection) -> int | None:
    with pytest.raises(ConnectionClosed):
        while True:
            ws.recv(timeout=8)
    return ws.close_code


def test_logout_closes_that_sessions_websockets(portal: str, redis_url: str, event: dict,
                                                lot_id: int) -> None:
    """Regression: a logged-out user kept chatting on /ws/events/<id>."""
    alice = actor(portal, redis_url, "alice_sec")
    bob = actor(portal, redis_url, "bob_sec")
    with connect(ws_url(portal, event["id"]), additional_headers=cookie_header(alice)) as room, \
            connect(lot_ws(portal, lot_id), additional_headers=cookie_header(alice)) as lot, \
            connect(ws_url(portal, event["id"]), additional_headers=cookie_header(bob)) as other:
        assert next_of(room, "snapshot")["me"]["username"] == "alice_sec"
        assert json.loads(lot.recv(timeout=8))["type"] == "snapshot"
        next_of(other, "snapshot")
        assert alice.delete("/api/session").status_code == 204
        assert closed_with(room) == 1008
        assert closed_with(lot) == 1008
        other.send(json.dumps({"type": "ping", "t": 7}))
        assert next_of(other, "pong")["t"] == 7  # another user's socket stays open


def test_event_socket_frames_get_errors_not_tracebacks(portal: str, redis_url: str,
                                                        event: dict) -> None:
    """Regression: a binary frame raised KeyError: 'text' in the server."""
    with connect(ws_url(portal, event["id"])) as ws:
        next_of(ws, "snapshot")
        ws.send("{not json")
        assert next_of(ws, "error")["code"] == "bad_frame"
        ws.send("[1, 2]")
        assert next_of(ws, "error")["code"] == "bad_frame"
        ws.send("x" * 5000)
        assert next_of(ws, "error")["code"] == "frame_too_large"
        ws.send(b"\x00\x01binary")
        assert closed_with(ws) == 1003


def test_lot_socket_resumes_are_bounded(portal: str, redis_url: str, lot_id: int) -> None:
    """Regression: 400 resumes from 0-0 amplified traffic and overflowed the queue
    (QueueFull); last_event_id "not-an-id" raised a Redis ResponseError."""
    with connect(lot_ws(portal, lot_id)) as ws:
        assert json.loads(ws.recv(timeout=8))["type"] == "snapshot"
        ws.send(json.dumps({"type": "resume", "last_event_id": "not-an-id"}))
        assert frames_until(ws, "error")[-1]["code"] == "invalid_event_id"
        for _ in range(40):  # a burst: one at a time, the rest refused
            ws.send(json.dumps({"type": "resume", "last_event_id": "0-0"}))
        ws.send(json.dumps({"type": "ping", "t": 1}))
        frames = frames_until(ws, "pong")
        assert len(frames) <= 42  # never a flood: at most one replay (empty) and refusals
        refused = [f["code"] for f in frames if f["type"] == "error"]
        assert len(refused) >= 39 - len([f for f in frames if f["type"] == "resumed"])
        assert set(refused) <= {"too_many_resumes", "resume_in_progress"}
        answers = []
        for _ in range(6):  # one by one: WS_RESUME_LIMIT (5 per minute) holds
            ws.send(json.dumps({"type": "resume", "last_event_id": "0-0"}))
            frame = next(f for f in frames_until_any(ws, {"resumed", "error"}))
            answers.append(frame.get("code", frame["type"]))
        assert answers[-1] == "too_many_resumes" and "resumed" not in answers[-1:]
        ws.send(b"binary")
        assert closed_with(ws) == 1003


def test_a_ping_flood_never_breaks_the_lot_socket(portal: str, redis_url: str,
                                                  lot_id: int) -> None:
    """The reader's queue is bounded: a flood drops the backlog (resync) or the socket with
    4408, never an unhandled QueueFull (1011)."""
    with connect(lot_ws(portal, lot_id)) as ws:
        ws.recv(timeout=8)
        try:  # the 4408 may come while the flood is still being sent
            for n in range(3000):
                ws.send(json.dumps({"type": "ping", "t": n}))
            ws.send(json.dumps({"type": "ping", "t": "last"}))
            while json.loads(ws.recv(timeout=15)).get("t") != "last":
                pass
            ended = None
        except ConnectionClosed:
            ended = ws.close_code
        assert ended in (None, 4408)


def test_csrf_token_is_bound_to_the_session(portal: str, redis_url: str) -> None:
    """Regression: the token was a plain double-submit cookie value, so whoever could plant
    the cookie could forge forms."""
    make_account(redis_url, "csrf_user", "bidder")
    planted = httpx.Client(base_url=portal, cookies={"csrftoken": "a" * 43})
    forged = planted.post("/login", data={"username": "csrf_user", "password": PASSWORD,
                                          "csrf_token": "a" * 43})
    assert forged.status_code == 403
    one, two = httpx.Client(base_url=portal), httpx.Client(base_url=portal)
    first = one.get("/login")
    assert "psid=" in first.headers["set-cookie"] and "HttpOnly" in first.headers["set-cookie"]
    token_one, token_two = page_csrf(first.text), page_csrf(two.get("/login").text)
    assert token_one != token_two
    crossed = two.post("/login", data={"username": "csrf_user", "password": PASSWORD,
                                       "csrf_token": token_one})
    assert crossed.status_code == 403
    ok = one.post("/login", data={"username": "csrf_user", "password": PASSWORD,
                                  "csrf_token": token_one})
    assert ok.status_code == 303
    session_token = page_csrf(one.get("/me").text)
    assert session_token != token_one and session_token == page_csrf(one.get("/login").text)
    assert one.post("/logout", data={"csrf_token": token_one}).status_code == 403
    assert one.post("/logout", data={"csrf_token": session_token}).status_code == 303


def test_no_cookie_on_cacheable_responses(portal: str, redis_url: str, event: dict) -> None:
    """Regression: Set-Cookie: csrftoken=... came with /api/events/<id>/state (s-maxage=2)
    and other publicly cacheable responses."""
    fresh = httpx.Client(base_url=portal)
    state = fresh.get(f"/api/events/{event['id']}/state")
    assert state.status_code == 200 and "s-maxage" in state.headers["cache-control"]
    assert "set-cookie" not in state.headers
    for path in ("/static/css/site.css", "/api/lots", f"/api/events/{event['id']}"):
        r = fresh.get(path)
        assert r.status_code == 200 and "set-cookie" not in r.headers, path


def test_security_headers_on_every_refusal(portal: str, redis_url: str) -> None:
    """Regression: 403/415 refusals carried no security headers."""
    c = httpx.Client(base_url=portal)
    responses = {
        415: c.post("/api/users", data={"username": "abc"}),
        403: c.post("/api/session", json={}, headers={"Origin": "https://evil.example"}),
        404: c.get("/no/such/page"),
        405: c.delete("/login"),
    }
    token_page = c.post("/login", data={"username": "x", "password": "y"})
    responses[token_page.status_code] = token_page  # 403 csrf_failed page
    for status, r in responses.items():
        assert r.status_code == status, (status, r.text)
        assert r.headers["x-content-type-options"] == "nosniff", status
        assert r.headers["referrer-policy"] == "same-origin", status
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, status
        script_src = re.search(r"script-src ([^;]*)", csp)
        assert script_src and "'unsafe-inline'" not in script_src.group(1), status


def test_inline_scripts_are_gone_or_hashed(portal: str, redis_url: str, event: dict) -> None:
    """CSP without 'unsafe-inline': no inline script or handler attribute in any template;
    the one inline import map is allowed by its hash."""
    for template in ROOT_TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag or \
                'type="importmap"' in tag, (template.name, tag)
        assert not re.search(r"\son[a-z]+=\"", text), template.name
    page = httpx.get(f"{portal}/events/{event['id']}")
    importmap = re.search(r'<script type="importmap">(.*?)</script>', page.text, re.S)
    assert importmap
    digest = base64.b64encode(hashlib.sha256(importmap.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in page.headers["content-security-policy"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/",
                                    "/\\evil.example/", "javascript:alert(1)"])
def test_next_never_leaves_the_site(portal: str, redis_url: str, target: str) -> None:
    """Regression: POST /register with next=https://evil.example/ redirected there."""
    c = httpx.Client(base_url=portal)
    token = page_csrf(c.get("/register").text)
    r = c.post("/register", data={"username": "next_user", "password": PASSWORD,
                                  "real_name": "王五", "id_number": "11010519491231002X",
                                  "phone": "13900001111", "csrf_token": token, "next": target})
    assert r.status_code == 303 and r.headers["location"] == "/"
    c.delete("/api/session")
    token = page_csrf(c.get("/login").text)
    r = c.post("/login", data={"username": "next_user", "password": PASSWORD,
                               "csrf_token": token, "next": target})
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_a_password_change_closes_all_the_users_websockets(portal: str, redis_url: str,
                                                           lot_id: int) -> None:
    """Users.set_password closes the user's sockets on every worker (via Redis pub/sub)."""
    carol = actor(portal, redis_url, "carol_sec")

    async def change() -> None:
        client = async_client(redis_url, decode_responses=True)
        await Users(client).set_password("Carol_Sec", "another-long-secret-7")
        await client.aclose()

    with connect(lot_ws(portal, lot_id), additional_headers=cookie_header(carol)) as ws:
        assert json.loads(ws.recv(timeout=8))["type"] == "snapshot"
        run_async(change())
        assert closed_with(ws) == 1008
