"""Issue 11, finding 1 in the browser: the event page notices a lost room event (a jump in
`seq`), asks for a fresh snapshot and shows what it had missed; duplicates are skipped."""

from __future__ import annotations

from typing import Any

from portal_helpers import actor, browser_login, iso, lot_body, now_ms
from redis_cluster import sync_client


def test_event_page_resyncs_after_a_gap(portal: str, redis_url: str, browser: Any) -> None:
    officer = actor(portal, redis_url, "gap_host", role="officer")
    lot = officer.post("/api/lots", json=lot_body()).json()
    ev = officer.post("/api/events", json={
        "title": "缺口测试 直播看样", "description": "一处房产",
        "starts_at": iso(now_ms() - 60_000), "ends_at": iso(now_ms() + 3600_000),
        "venues": [{"name": "一号现场", "lot_id": lot["id"]}]}).json()
    chatter = actor(portal, redis_url, "gap_chatter")
    actor(portal, redis_url, "gap_viewer")
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(page, portal, "gap_viewer", f"/events/{ev['id']}")
    page.wait_for_function("window.eventRoom && window.eventRoom.seqs.seq !== null")
    url = f"/api/events/{ev['id']}/messages"
    assert chatter.post(url, json={"text": "第一条", "kind": "chat"}).status_code == 201
    page.wait_for_function("window.eventRoom.seqs.seq === 1")
    assert page.evaluate("window.eventRoom.resyncs") == 0
    # An event is lost on the way (its number is taken, nobody receives it) …
    client = sync_client(redis_url, decode_responses=True)
    client.incr(f"event:{{{ev['id']}}}:room:seq")
    client.close()
    # … so the next one arrives with a jump: the page asks for a snapshot and catches up.
    assert officer.post(url, json={"text": "第三条", "kind": "chat"}).status_code == 201
    page.wait_for_function("window.eventRoom.resyncs === 1 && window.eventRoom.seqs.seq === 3")
    texts = page.eval_on_selector_all("#chat-list .text", "ns => ns.map(n => n.textContent)")
    assert texts == ["第一条", "第三条"]  # each once: the snapshot's copy is not added twice
    assert errors == []
    context.close()
