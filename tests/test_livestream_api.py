"""Events API, on-air timeline, cacheable room state, chat/Q&A/moderation over API and websocket,
viewer counts, reminders — against the real portal (uvicorn subprocess) and real Redis."""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any

import httpx
import pytest
from portal_helpers import actor, iso, lot_body, now_ms
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect


def ws_url(base: str, event_id: int, **query: str) -> str:
    q = "&".join(f"{k}={v}" for k, v in query.items())
    return base.replace("http://", "ws://") + f"/ws/events/{event_id}" + (f"?{q}" if q else "")


def cookie_header(client: httpx.Client) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())}


def events_of(frame: str) -> list[dict[str, Any]]:
    message = json.loads(frame)
    return message["events"] if message["type"] == "batch" else [message]


def next_of(ws: ClientConnection, kind: str, timeout: float = 8.0, **match: Any) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        for message in events_of(ws.recv(timeout=max(0.01, deadline - time.monotonic()))):
            if message["type"] == kind and all(message.get(k) == v for k, v in match.items()):
                return message


def event_body(lot_ids: list[int], **overrides: Any) -> dict[str, Any]:
    now = now_ms()
    body = {"title": "朝阳法院 集中看样直播", "description": "六处房产同场直播",
            "starts_at": iso(now - 60_000), "ends_at": iso(now + 3600_000),
            "venues": [{"name": f"现场{i + 1}", "lot_id": lot_id, "source": "ingest"}
                       for i, lot_id in enumerate(lot_ids)]}
    body.update(overrides)
    return body


@pytest.fixture
def officer(portal: str, redis_url: str) -> httpx.Client:
    return actor(portal, redis_url, "host_officer", role="officer")


@pytest.fixture
def lots(officer: httpx.Client) -> list[int]:
    out = []
    for n in range(2):
        r = officer.post("/api/lots", json=lot_body(title=f"直播测试房产{n}"))
        assert r.status_code == 201, r.text
        out.append(r.json()["id"])
    return out


@pytest.fixture
def event(officer: httpx.Client, lots: list[int]) -> dict[str, Any]:
    r = officer.post("/api/events", json=event_body(lots))
    assert r.status_code == 201, r.text
    return r.json()


def test_create_event_gives_each_venue_a_secret_key(portal: str, redis_url: str, officer,
                                                    lots) -> None:
    body = event_body(lots)
    body["venues"].append({"name": "外部源", "lot_id": lots[0], "source": "external",
                           "url": "https://media.example/live/v3/index.m3u8"})
    r = officer.post("/api/events", json=body)
    assert r.status_code == 201, r.text
    ev = r.json()
    assert ev["status"] == "live" and ev["on_air_venue_id"] is None
    one, two, ext = ev["venues"]
    assert one["stream_key"] != two["stream_key"] and len(one["stream_key"]) >= 24
    assert one["ingest_url"] == f"{portal}/ingest/{one['stream_key']}/index.m3u8"
    assert re.fullmatch(rf"/hls/ev{ev['id']}-1-[0-9a-f]{{8}}/index\.m3u8", one["playback_url"])
    assert ext["playback_url"] == "https://media.example/live/v3/index.m3u8"
    assert "stream_key" not in ext and ext["lot"]["status"] == "live"
    # The public never sees stream keys.
    public = httpx.get(f"{portal}/api/events/{ev['id']}").json()
    assert all("stream_key" not in v and "ingest_url" not in v for v in public["venues"])
    assert public["venues"][0]["playback_url"] == one["playback_url"]
    listed = httpx.get(f"{portal}/api/events").json()
    assert [e["id"] for e in listed["items"]] == [ev["id"]]
    assert "stream_key" not in json.dumps(listed)
    assert httpx.get(f"{portal}/api/events?status=upcoming").json()["total"] == 0


def test_only_officers_schedule_and_input_is_validated(portal: str, redis_url: str, officer,
                                                       lots) -> None:
    assert httpx.post(f"{portal}/api/events", json=event_body(lots)).status_code == 401
    bidder = actor(portal, redis_url, "not_an_officer")
    r = bidder.post("/api/events", json=event_body(lots))
    assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_role"
    cases = [
        (event_body(lots * 7), "invalid_venues"),  # 14 venues
        (event_body([]), "invalid_venues"),
        (event_body([999_999]), "unknown_lot"),
        (event_body(lots, ends_at=iso(now_ms() - 7200_000),
                    starts_at=iso(now_ms() - 9000_000)), "ends_in_past"),
        (event_body(lots, ends_at=iso(now_ms() - 120_000)), "ends_before_start"),
        ({**event_body(lots), "venues": [{"name": "x", "lot_id": lots[0], "source": "external",
                                          "url": "javascript:alert(1)//.m3u8"}]},
         "invalid_field"),
        ({**event_body(lots), "venues": [{"name": "x", "lot_id": lots[0], "source": "rtmp"}]},
         "invalid_field"),
        ({**event_body(lots), "title": ""}, "invalid_field"),
    ]
    for body, code in cases:
        r = officer.post("/api/events", json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == code, (code, r.text)
    r = officer.post("/api/events", content="title=x",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415


def test_on_air_switch_reaches_websocket_state_and_timeline(portal: str, officer,
                                                            event) -> None:
    eid = event["id"]
    with connect(ws_url(portal, eid)) as ws:
        snap = next_of(ws, "snapshot")
        assert snap["event"]["id"] == eid and snap["timeline"] == []
        assert snap["me"] == {"username": None, "moderator": False}
        assert len(snap["event"]["venues"]) == 2
        r = officer.post(f"/api/events/{eid}/on-air", json={"venue_id": 2})
        assert r.status_code == 200, r.text
        switched = next_of(ws, "on_air")
        assert switched["venue_id"] == 2 and switched["at"].endswith("Z")
        officer.post(f"/api/events/{eid}/on-air", json={"venue_id": 1})
        assert next_of(ws, "on_air")["venue_id"] == 1
    r = officer.post(f"/api/events/{eid}/on-air", json={"venue_id": 9})
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_venue"
    timeline = httpx.get(f"{portal}/api/events/{eid}/timeline").json()["items"]
    assert [t["venue_id"] for t in timeline] == [2, 1] and timeline[0]["at"] <= timeline[1]["at"]
    state = httpx.get(f"{portal}/api/events/{eid}/state")
    assert state.status_code == 200
    assert state.headers["cache-control"].startswith("public, max-age=1")
    assert state.headers["etag"]
    body = state.json()
    assert body["on_air_venue_id"] == 1 and body["status"] == "live"
    assert [v["id"] for v in body["venues"]] == [1, 2]
    again = httpx.get(f"{portal}/api/events/{eid}/state",
                      headers={"If-None-Match": state.headers["etag"]})
    assert again.status_code in (200, 304)
    assert httpx.get(f"{portal}/api/events/424242/state").status_code == 404


def test_on_air_needs_an_officer(portal: str, redis_url: str, event) -> None:
    bidder = actor(portal, redis_url, "curious_bidder")
    r = bidder.post(f"/api/events/{event['id']}/on-air", json={"venue_id": 1})
    assert r.status_code == 403
    assert httpx.post(f"{portal}/api/events/{event['id']}/on-air",
                      json={"venue_id": 1}).status_code == 401


def test_two_users_chat_and_a_moderator_deletes_for_everyone(portal: str, redis_url: str,
                                                             officer, event) -> None:
    eid = event["id"]
    alice = actor(portal, redis_url, "alice_chat")
    bob = actor(portal, redis_url, "bob_chat")
    with connect(ws_url(portal, eid), additional_headers=cookie_header(alice)) as wa, \
            connect(ws_url(portal, eid), additional_headers=cookie_header(bob)) as wb:
        assert next_of(wa, "snapshot")["me"]["username"] == "alice_chat"
        next_of(wb, "snapshot")
        wa.send(json.dumps({"type": "chat", "text": "  <b>请问</b>\n几层？  "}))
        seen_b = next_of(wb, "chat")["message"]
        seen_a = next_of(wa, "chat")["message"]
        assert seen_a == seen_b and re.fullmatch(r"网友·[0-9A-F]{6}", seen_b["name"])
        assert "alice_chat" not in json.dumps(seen_b)  # the room never sees account names
        assert seen_b["text"] == "<b>请问</b> 几层？"  # plain text; pages escape it
        r = bob.post(f"/api/events/{eid}/messages", json={"text": "八层"})
        assert r.status_code == 201 and r.json()["status"] == "published"
        bob_msg = next_of(wa, "chat")["message"]
        assert bob_msg["text"] == "八层"
        r = officer.delete(f"/api/events/{eid}/messages/{seen_b['id']}")
        assert r.status_code == 204
        assert next_of(wa, "chat_deleted")["id"] == seen_b["id"]
        assert next_of(wb, "chat_deleted")["id"] == seen_b["id"]
    recent = httpx.get(f"{portal}/api/events/{eid}/messages").json()["items"]
    assert [m["text"] for m in recent] == ["八层"]
    assert officer.delete(f"/api/events/{eid}/messages/c-1-0").status_code == 404
    assert bob.delete(f"/api/events/{eid}/messages/{bob_msg['id']}").status_code == 403


def test_chat_limits_rate_and_mute(portal: str, redis_url: str, officer, event) -> None:
    eid = event["id"]
    carol = actor(portal, redis_url, "carol_chat")
    anon = httpx.post(f"{portal}/api/events/{eid}/messages", json={"text": "hi"})
    assert anon.status_code == 401
    r = carol.post(f"/api/events/{eid}/messages", json={"text": "长" * 301})
    assert r.status_code == 422 and r.json()["error"]["code"] == "text_too_long"
    r = carol.post(f"/api/events/{eid}/messages", json={"text": " \u0000\u200b "})
    assert r.status_code == 422 and r.json()["error"]["code"] == "empty_text"
    assert carol.post(f"/api/events/{eid}/messages", json={"text": "第一条"}).status_code == 201
    r = carol.post(f"/api/events/{eid}/messages", json={"text": "第二条"})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    assert r.json()["error"]["retry_after_ms"] <= 1000
    r = officer.post(f"/api/events/{eid}/mutes", json={"username": "carol_chat"})
    assert r.status_code == 200 and r.json()["muted"] == ["carol_chat"]
    time.sleep(1.1)  # past the 1 s gap, so only the mute can refuse
    r = carol.post(f"/api/events/{eid}/messages", json={"text": "还在吗"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "muted"
    assert officer.delete(f"/api/events/{eid}/mutes/carol_chat").json()["muted"] == []
    assert carol.post(f"/api/events/{eid}/messages", json={"text": "好了"}).status_code == 201
    # slow mode: the gap becomes the slow-mode interval
    r = officer.patch(f"/api/events/{eid}/settings", json={"slow_mode": 30})
    assert r.json() == {"slow_mode": 30, "hold_questions": False}
    assert officer.patch(f"/api/events/{eid}/settings",
                         json={"slow_mode": 7}).status_code == 422
    dave = actor(portal, redis_url, "dave_chat")
    assert dave.post(f"/api/events/{eid}/messages", json={"text": "一"}).status_code == 201
    time.sleep(1.1)
    r = dave.post(f"/api/events/{eid}/messages", json={"text": "二"})
    assert r.status_code == 429 and r.json()["error"]["retry_after_ms"] > 20_000


def test_moderators_mute_by_the_room_alias(portal: str, redis_url: str, officer,
                                           event) -> None:
    eid = event["id"]
    fay = actor(portal, redis_url, "fay_alias")
    first = fay.post(f"/api/events/{eid}/messages", json={"text": "你好"}).json()["message"]
    assert re.fullmatch(r"网友·[0-9A-F]{6}", first["name"]) and "user" not in first
    r = officer.post(f"/api/events/{eid}/mutes", json={"username": first["name"]})
    assert r.status_code == 200 and r.json()["muted"] == ["fay_alias"]
    r = fay.post(f"/api/events/{eid}/messages", json={"text": "再说一句"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "muted"
    r = officer.post(f"/api/events/{eid}/mutes", json={"username": "网友·000000"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_alias"


def test_a_mute_holds_whatever_the_case_of_the_username(portal: str, redis_url: str, officer,
                                                       event) -> None:
    """Regression: the officer muted `MixedCase1` (stored `mixedcase1`) and the post check
    looked up `MixedCase1`, so the muted user kept posting."""
    eid = event["id"]
    mixed = actor(portal, redis_url, "MixedCase1")
    r = officer.post(f"/api/events/{eid}/mutes", json={"username": "MixedCase1"})
    assert r.status_code == 200 and r.json()["muted"] == ["mixedcase1"]
    r = mixed.post(f"/api/events/{eid}/messages", json={"text": "还能说话吗"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "muted"
    with connect(ws_url(portal, eid), additional_headers=cookie_header(mixed)) as ws:
        assert next_of(ws, "snapshot")["me"]["username"] == "MixedCase1"
        ws.send(json.dumps({"type": "chat", "text": "还能说话吗"}))
        assert next_of(ws, "error")["code"] == "muted"
    assert httpx.get(f"{portal}/api/events/{eid}/messages").json()["items"] == []


def test_questions_held_for_approval_and_announcements(portal: str, redis_url: str, officer,
                                                       event) -> None:
    eid = event["id"]
    erin = actor(portal, redis_url, "erin_q")
    assert officer.patch(f"/api/events/{eid}/settings",
                         json={"hold_questions": True}).status_code == 200
    with connect(ws_url(portal, eid)) as public, \
            connect(ws_url(portal, eid), additional_headers=cookie_header(officer)) as host:
        assert "held" not in next_of(public, "snapshot")
        assert next_of(host, "snapshot")["held"] == []
        r = erin.post(f"/api/events/{eid}/messages",
                      json={"text": "有无欠费？", "kind": "question"})
        assert r.status_code == 202 and r.json()["status"] == "held"
        held = next_of(host, "question_held")["question"]
        assert held["text"] == "有无欠费？"
        r = officer.post(f"/api/events/{eid}/questions/{held['id']}/approve", json={})
        assert r.status_code == 200
        question = next_of(public, "question")["question"]
        assert question["text"] == "有无欠费？" and question["name"] == held["name"]
        assert "erin_q" not in json.dumps(question) + json.dumps(held)
        r = officer.post(f"/api/events/{eid}/announcements", json={"text": "14:30 切换到二号现场"})
        assert r.status_code == 201
        pinned = next_of(public, "announcement")
        assert pinned["action"] == "pin"
        assert pinned["announcement"]["text"] == "14:30 切换到二号现场"
        aid = pinned["announcement"]["id"]
        assert officer.delete(f"/api/events/{eid}/announcements/{aid}").status_code == 204
        assert next_of(public, "announcement", action="unpin")["id"] == aid
    mod = officer.get(f"/api/events/{eid}/moderation").json()
    assert mod["held"] == [] and mod["settings"]["hold_questions"] is True
    state = httpx.get(f"{portal}/api/events/{eid}/state").json()
    assert [q["text"] for q in state["questions"]] == ["有无欠费？"]
    assert erin.post(f"/api/events/{eid}/announcements", json={"text": "x"}).status_code == 403


def test_websocket_chat_needs_login_and_origin(portal: str, event) -> None:
    with connect(ws_url(portal, event["id"])) as ws:
        next_of(ws, "snapshot")
        ws.send(json.dumps({"type": "chat", "text": "匿名"}))
        assert next_of(ws, "error")["code"] == "not_logged_in"
    with pytest.raises(InvalidStatus):
        with connect(ws_url(portal, event["id"]),
                     additional_headers={"Origin": "https://evil.example"}) as ws:
            ws.recv(timeout=5)
    with pytest.raises(Exception):  # noqa: B017 - closed with 4404 before accept
        with connect(ws_url(portal, 987654)) as ws:
            ws.recv(timeout=5)


def issued_viewer(portal: str, eid: int) -> str:
    r = httpx.get(f"{portal}/api/events/{eid}/viewer")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store, private"
    return str(r.json()["viewer"])


def test_viewer_counts_from_heartbeats_and_sockets(portal: str, event) -> None:
    eid = event["id"]
    ids = [issued_viewer(portal, eid) for _ in range(30)]
    assert len(set(ids)) == 30

    def beat() -> None:
        """Every viewer's heartbeat, as their pages send one every 20 s (a count covers the
        current and previous 30 s bucket: without fresh beats it would fall within 30-60 s,
        which a loaded machine can spend waiting below)."""
        for n, viewer in enumerate(ids):
            r = httpx.post(f"{portal}/api/events/{eid}/heartbeat",
                           json={"viewer": viewer, "venue_id": 1 + n % 2})
            assert r.status_code == 204
        # the same viewer again, moving to the other venue: still counted once in total
        httpx.post(f"{portal}/api/events/{eid}/heartbeat", json={"viewer": ids[0], "venue_id": 2})

    beat()
    bad = httpx.post(f"{portal}/api/events/{eid}/heartbeat", json={"viewer": "x", "venue_id": 1})
    assert bad.status_code == 403 and bad.json()["error"]["code"] == "bad_viewer"
    elsewhere = httpx.post(f"{portal}/api/events/{eid}/heartbeat",
                           json={"viewer": ids[1], "venue_id": 99})
    assert elsewhere.status_code == 422
    deadline = time.monotonic() + 15
    while True:
        state = httpx.get(f"{portal}/api/events/{eid}/state").json()
        if state["viewers_total"] >= 30 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert state["viewers_total"] == 30  # HyperLogLog is exact at this size
    per_venue = {v["id"]: v["viewers"] for v in state["venues"]}
    assert per_venue == {1: 15, 2: 16}
    with connect(ws_url(portal, eid, viewer="socket-viewer-1")) as ws:
        next_of(ws, "snapshot")
        ws.send(json.dumps({"type": "watch", "venue_id": 2}))
        beat()
        viewers = next_of(ws, "viewers", timeout=20)
        while viewers["venues"]["2"] < 17:  # the socket's venue is noted every 5 s
            beat()
            viewers = next_of(ws, "viewers", timeout=20)
        # a viewer who switched venues within the window counts on both, once in the total
        assert viewers["total"] == 31 and viewers["venues"]["2"] == 17


def test_made_up_viewer_ids_count_for_nothing(portal: str, event) -> None:
    """Issue 9, finding 8: 300 random anonymous heartbeats raised viewers_total to 297."""
    eid, other = event["id"], event["id"] + 1000
    for n in range(300):
        forged = f"{eid}_{int(time.time())}_{n:012x}_{0:024x}"  # the shape, a wrong HMAC
        made_up = secrets.token_hex(12) if n % 3 else forged
        r = httpx.post(f"{portal}/api/events/{eid}/heartbeat",
                       json={"viewer": made_up, "venue_id": 1})
        assert r.status_code == 403 and r.json()["error"]["code"] == "bad_viewer", r.text
    page = httpx.get(f"{portal}/events/{eid}")
    assert page.headers["cache-control"] == "private, no-store"
    from_page = json.loads(page.text.split('id="event-data">')[1].split("</script>")[0])["viewer"]
    # signed for another event: refused too
    wrong = httpx.post(f"{portal}/api/events/{eid}/heartbeat", json={
        "viewer": from_page.replace(f"{eid}_", f"{other}_", 1), "venue_id": 1})
    assert wrong.status_code == 403
    ok = httpx.post(f"{portal}/api/events/{eid}/heartbeat",
                    json={"viewer": from_page, "venue_id": 1})
    assert ok.status_code == 204
    deadline = time.monotonic() + 15
    while True:  # wait for the flush that carries the one real viewer
        state = httpx.get(f"{portal}/api/events/{eid}/state").json()
        if state["viewers_total"] >= 1 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert state["viewers_total"] == 1


def test_reminder_and_calendar(portal: str, redis_url: str, officer, lots) -> None:
    body = event_body(lots, starts_at=iso(now_ms() + 86400_000),
                      ends_at=iso(now_ms() + 90000_000))
    ev = officer.post("/api/events", json=body).json()
    assert ev["status"] == "upcoming"
    frank = actor(portal, redis_url, "frank_remind")
    r = frank.post(f"/api/events/{ev['id']}/reminder", json={})
    assert r.status_code == 200 and r.json() == {"reminder": True, "count": 1}
    assert httpx.post(f"{portal}/api/events/{ev['id']}/reminder", json={}).status_code == 401
    home = frank.get("/")
    assert "朝阳法院 集中看样直播" in home.text and "已设提醒" in home.text
    r = frank.delete(f"/api/events/{ev['id']}/reminder")
    assert r.json() == {"reminder": False, "count": 0}
    cal = httpx.get(f"{portal}/events/{ev['id']}.ics")
    assert cal.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VALARM" in cal.text and "TRIGGER:-PT10M" in cal.text
    assert "SUMMARY:朝阳法院 集中看样直播" in cal.text


def test_prices_of_venue_lots_are_pushed_into_the_room(portal: str, redis_url: str, officer,
                                                       event, lots) -> None:
    from portal_helpers import paid_bidder

    bidder, _ = paid_bidder(portal, redis_url, lots[1], "price_watcher")
    with connect(ws_url(portal, event["id"])) as ws:
        snap = next_of(ws, "snapshot")
        assert snap["event"]["venues"][1]["lot"]["current_price"] is None
        r = bidder.post(f"/api/lots/{lots[1]}/bids", json={"amount": "800000.00"})
        assert r.status_code == 201
        price = next_of(ws, "price")
        assert price == {"type": "price", "venue_id": 2, "lot_id": lots[1],
                         "current_price": "800000.00", "bid_count": 1, "status": "live"}


def test_end_closes_the_room(portal: str, officer, event) -> None:
    eid = event["id"]
    with connect(ws_url(portal, eid)) as ws:
        next_of(ws, "snapshot")
        r = officer.post(f"/api/events/{eid}/end", json={})
        assert r.status_code == 200 and r.json()["status"] == "ended"
        assert next_of(ws, "status")["status"] == "ended"
    assert httpx.get(f"{portal}/api/events/{eid}").json()["status"] == "ended"
    r = officer.post(f"/api/events/{eid}/on-air", json={"venue_id": 1})
    assert r.status_code == 409 and r.json()["error"]["code"] == "event_ended"
    r = officer.post(f"/api/events/{eid}/messages", json={"text": "结束后"})
    assert r.status_code == 409


def test_openapi_describes_the_livestream_api(portal: str) -> None:
    schema = httpx.get(f"{portal}/api/openapi.json").json()
    for path, method in [("/api/events", "post"), ("/api/events", "get"),
                         ("/api/events/{event_id}", "get"),
                         ("/api/events/{event_id}/on-air", "post"),
                         ("/api/events/{event_id}/state", "get"),
                         ("/api/events/{event_id}/messages/{message_id}", "delete"),
                         ("/api/events/{event_id}/mutes", "post"),
                         ("/api/events/{event_id}/settings", "patch"),
                         ("/api/events/{event_id}/reminder", "post")]:
        assert method in schema["paths"][path], (path, method)
    assert "WS /ws/events/{event_id}" in schema["info"]["description"]
    ref = schema["paths"]["/api/events"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]["$ref"]  # one named component per body
    event_in = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert event_in["properties"]["venues"]["maxItems"] == 12


def test_reminder_notifies_before_the_start(portal: str, redis_url: str, officer, lots) -> None:
    soon = officer.post("/api/events", json=event_body(
        lots, title="即将开播的看样", starts_at=iso(now_ms() + 5 * 60_000),
        ends_at=iso(now_ms() + 3600_000))).json()
    later = officer.post("/api/events", json=event_body(
        lots, title="明天的看样", starts_at=iso(now_ms() + 86400_000),
        ends_at=iso(now_ms() + 90000_000))).json()
    gina = actor(portal, redis_url, "gina_remind")
    for ev in (soon, later):
        assert gina.post(f"/api/events/{ev['id']}/reminder", json={}).status_code == 200
    deadline = time.monotonic() + 15
    texts: list[str] = []
    while not texts and time.monotonic() < deadline:
        items = gina.get("/api/me/notifications").json()["items"]
        texts = [i["text"] for i in items]
        time.sleep(0.3)
    assert len(texts) == 1 and "即将开播的看样" in texts[0]  # 10 minutes ahead, once
    assert f"/events/{soon['id']}" in texts[0]
    time.sleep(1.5)  # the notifier has run again: still once, and nothing for tomorrow's yet
    assert len(gina.get("/api/me/notifications").json()["items"]) == 1
