"""An anonymous viewer in real Chromium counts once, with the viewer id the server signed
(issue 9, finding 8): the page's own id, or, when the server refuses it, a fresh one from
GET /api/events/{id}/viewer."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
from portal_helpers import actor, iso, lot_body, now_ms


@pytest.fixture
def event(portal: str, redis_url: str) -> dict[str, Any]:
    officer = actor(portal, redis_url, "viewer_host", role="officer")
    lot = officer.post("/api/lots", json=lot_body(title="朝阳区 看样一号房")).json()
    ev = officer.post("/api/events", json={
        "title": "观看人数测试", "description": "一处房产",
        "starts_at": iso(now_ms() - 60_000), "ends_at": iso(now_ms() + 3600_000),
        "venues": [{"name": "一号现场", "lot_id": lot["id"]}]}).json()
    assert officer.post(f"/api/events/{ev['id']}/on-air", json={"venue_id": 1}).status_code == 200
    return dict(ev)


def viewers_total(portal: str, eid: int, at_least: int) -> int:
    deadline = time.monotonic() + 20
    while True:  # heartbeats are flushed to Redis every 2 s, counts cached 2 s
        total = int(httpx.get(f"{portal}/api/events/{eid}/state").json()["viewers_total"])
        if total >= at_least or time.monotonic() > deadline:
            return total
        time.sleep(0.5)


@pytest.mark.parametrize("forged", [False, True])
def test_anonymous_page_counts_once_with_a_signed_id(portal: str, browser: Any, event: Any,
                                                     forged: bool) -> None:
    eid = event["id"]
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    beats: list[dict[str, Any]] = []
    page.on("request", lambda r: beats.append(r.post_data_json)
            if r.url.endswith(f"/api/events/{eid}/heartbeat") else None)
    if forged:  # the page arrives with an id the server never issued (or one expired)
        def tamper(route: Any) -> None:
            html = route.fetch().text()
            route.fulfill(body=re.sub(r'"viewer": "[^"]+"', '"viewer": "0123456789abcdef"',
                                      html), content_type="text/html; charset=utf-8")

        page.route(f"{portal}/events/{eid}", tamper)
    page.goto(f"{portal}/events/{eid}")
    page.wait_for_function("window.eventState && window.eventState.counted === true",
                           timeout=20_000)
    assert viewers_total(portal, eid, 1) == 1
    sent = [b["viewer"] for b in beats]
    assert sent and re.fullmatch(rf"{eid}_\d+_[0-9a-f]{{12}}_[0-9a-f]{{24}}", sent[-1])
    if forged:
        assert sent[0] == "0123456789abcdef" and len(sent) == 2
    context.close()
    assert not errors, errors
