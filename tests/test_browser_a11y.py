"""Accessibility of the pages Lighthouse scores (docs/benchmarks.md) without Lighthouse: axe-core
(the engine inside Lighthouse's accessibility audit, from package.json's devDependencies) runs
in real Chromium at phone size on the home, lot (with a tour), tour, event and /me pages, and
must find no WCAG 2.x A/AA violation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from portal_helpers import (
    actor,
    browser_login,
    end_lot_now,
    iso,
    lot_body,
    now_ms,
    pay_deposit,
    short_lot,
    wait_status,
)
from test_browser_tour import make_tour

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}


def violations(page: Any) -> list[str]:
    """axe-core's violations on the page as 'rule: element' lines (empty when clean)."""
    page.evaluate(AXE.read_text())
    found = page.evaluate("async (tags) => (await axe.run(document, {runOnly: {type: 'tag',"
                          " values: tags}})).violations.map((v) => v.nodes.map((n) =>"
                          " v.id + ': ' + n.html.slice(0, 160))).flat()", RULES)
    return list(found)


@pytest.fixture
def pages(portal: str, redis_url: str) -> dict[str, Any]:
    lot_id, _bare, _images = make_tour(portal, redis_url)
    officer = actor(portal, redis_url, "a11y_officer", role="officer")
    failed = short_lot(redis_url, "a11y_officer", ends_in_ms=3600_000, title="无人出价的房产")
    end_lot_now(redis_url, failed)
    wait_status(officer, failed, "failed")  # a grey 流拍 badge on the home page
    other = officer.post("/api/lots", json=lot_body(title="海淀区 直播二号房")).json()
    ev = officer.post("/api/events", json={
        "title": "无障碍测试 同步直播看样", "description": "两处房产",
        "starts_at": iso(now_ms() - 60_000), "ends_at": iso(now_ms() + 3600_000),
        "venues": [{"name": "一号现场", "lot_id": lot_id},
                   {"name": "二号现场", "lot_id": other["id"]}]}).json()
    assert officer.post(f"/api/events/{ev['id']}/on-air", json={"venue_id": 1}).status_code == 200
    bidder = actor(portal, redis_url, "a11y_bidder")
    pay_deposit(bidder, lot_id)
    return {"lot": lot_id, "event": ev["id"]}


def test_scored_pages_have_no_axe_violations(portal: str, browser, pages) -> None:
    # bypass_csp: axe is evaluated into the page, which the CSP (no inline scripts) would refuse
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = context.new_page()
    lot = pages["lot"]
    try:
        page.goto(f"{portal}/")
        assert page.locator(".badge.status-failed").count() >= 1  # the contrast once failed here
        report = {"home": violations(page)}
        page.goto(f"{portal}/lots/{lot}")
        report["lot"] = violations(page)
        # the full-screen viewer's box is laid out from the first paint (no layout shift)
        html = page.request.get(f"{portal}/lots/{lot}/tour").text()
        section = re.search(r'<section class="tour[^>]*id="tour"[^>]*>', html)
        assert section and " hidden" not in section.group(0), section
        page.goto(f"{portal}/lots/{lot}/tour")
        # the floor arrows (PSV buttons) once had no names
        page.locator(".psv-virtual-tour-link").first.wait_for(state="attached", timeout=30_000)
        arrow = page.locator(".psv-virtual-tour-link").first
        assert arrow.get_attribute("aria-label") == "前往：书房"
        # phones pay only for the room they look at: no minimap (the floor plan under the
        # viewer marks the room) and no preloading of the next rooms
        assert page.evaluate("tourViewer.map === null && !tourViewer.virtualTour.config.preload")
        assert page.locator(".tour-plan-dot.current").is_visible()
        report["tour"] = violations(page)
        page.goto(f"{portal}/events/{pages['event']}")
        report["event"] = violations(page)
        browser_login(page, portal, "a11y_bidder", "/me")
        report["me"] = violations(page)
    finally:
        context.close()
    assert report == {"home": [], "lot": [], "tour": [], "event": [], "me": []}
