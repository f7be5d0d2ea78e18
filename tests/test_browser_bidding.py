"""Two bidders in two real Chromium contexts: one bids, the other sees it live; the end extends."""

from __future__ import annotations

import time

from portal_helpers import (
    actor,
    browser_login,
    end_lot_now,
    iso,
    lot_body,
    make_account,
    now_ms,
    paid_bidder,
    pay_deposit,
    short_lot,
)


def test_two_bidders_see_each_other_live(portal: str, redis_url: str, browser, tmp_path) -> None:
    officer = actor(portal, redis_url, "officer_b", role="officer")
    lot = officer.post("/api/lots", json=lot_body(ends_at=iso(now_ms() + 120_000))).json()
    paid_bidder(portal, redis_url, lot["id"], "browser_a")
    paid_bidder(portal, redis_url, lot["id"], "browser_b")
    errors: list[str] = []
    pages, contexts = [], []
    for name in ("browser_a", "browser_b"):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        browser_login(page, portal, name, f"/lots/{lot['id']}")
        page.wait_for_function("window.lotState && window.lotState.lastEventId !== null")
        pages.append(page)
    a, b = pages
    ends_before = b.get_attribute("#countdown", "data-ends-at")
    assert b.inner_text("#price-label") == "起拍价"  # no bid yet: the starting price is shown
    a.fill("#bid-amount", "800000.00")
    a.click("#bid-submit")  # opens the confirmation; nothing is sent before 确认出价
    clicked = time.monotonic()
    a.click("#confirm-ok")
    b.wait_for_function("document.querySelector('#bid-count').textContent === '1'",
                        timeout=5000)
    assert "800,000.00" in b.inner_text("#current-price")
    assert b.inner_text("#price-label") == "当前价"
    seen_after = time.monotonic() - clicked
    assert "800,000.00" in b.inner_text("#bid-list")
    b.wait_for_function(
        f"document.querySelector('#countdown').dataset.endsAt > '{ends_before}'", timeout=5000)
    assert a.inner_text("#bid-message").startswith("出价成功")
    # the other bidder answers; the first sees it
    b.click("#bid-submit")  # the form holds the minimum next bid
    b.click("#confirm-ok")
    a.wait_for_function("document.querySelector('#current-price').textContent.includes('810,000')",
                        timeout=5000)
    assert "1" == b.inner_text("#viewers") or int(b.inner_text("#viewers")) >= 1
    a.screenshot(path=str(tmp_path / "lot-a.png"), full_page=True)
    for context in contexts:
        context.close()
    assert not errors, errors
    print(f"bid seen by the other browser after {seen_after:.3f}s (click to render)")


def test_page_follows_the_close_live(portal: str, redis_url: str, browser) -> None:
    make_account(redis_url, "officer_c", "officer")
    bidder = actor(portal, redis_url, "closing_watch")
    lot_id = short_lot(redis_url, "officer_c", ends_in_ms=600_000)
    code = pay_deposit(bidder, lot_id)
    assert bidder.post(f"/api/lots/{lot_id}/bids", json={"amount": "800000"}).status_code == 201
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{portal}/lots/{lot_id}")
    assert page.inner_text("#status-badge") == "正在进行"
    end_lot_now(redis_url, lot_id)
    page.wait_for_selector("#result-link", timeout=15000)
    assert page.inner_text("#status-badge") == "已成交"
    assert page.inner_text("#leader").startswith(code)
    page.click("#result-link")
    page.wait_for_url(f"{portal}/lots/{lot_id}/result")
    assert "¥800,000.00" in page.inner_text("body")
    context.close()
