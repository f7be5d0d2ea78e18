"""The lot page as a live state machine, in real Chromium: a lot that opens and closes while
bidders watch (no reload), a bid through the confirmation dialog, the outbid alert with the
nav's unread count, and 我的竞买 after a sold and a failed lot."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect
from portal_helpers import (
    actor,
    browser_login,
    end_lot_now,
    lot_body,
    make_account,
    pay_deposit,
    run_async,
    short_lot,
    wait_status,
)
from redis_cluster import async_client

WAIT = 30_000  # ms: an upper bound for server-driven changes on a loaded machine


def open_as(browser, base: str, username: str, size: dict | None = None) -> tuple[Page, list]:
    """A logged-in page of its own context, collecting console errors."""
    context = browser.new_context(viewport=size or {"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(page, base, username, "/me")
    return page, errors


def watch_status(page: Page) -> None:
    """Record every data-lot-status the page shows (and mark the document: a reload loses it)."""
    page.evaluate("""() => {
      const root = document.getElementById('lot');
      window.seenStatuses = [root.dataset.lotStatus];
      new MutationObserver(() => {
        const s = root.dataset.lotStatus;
        if (window.seenStatuses.at(-1) !== s) window.seenStatuses.push(s);
      }).observe(root, {attributes: true, attributeFilter: ['data-lot-status']});
    }""")


def two_bids(lot_id: int, first, second) -> None:
    """`first` bids the starting price (¥800,000), `second` one increment more (¥810,000)."""
    for client, amount in ((first, "800000"), (second, "810000")):
        assert client.post(f"/api/lots/{lot_id}/bids", json={"amount": amount}).status_code == 201


def test_lot_opens_and_closes_while_bidders_watch(portal: str, redis_url: str, browser) -> None:
    make_account(redis_url, "officer_lp", "officer")
    winner, loser = actor(portal, redis_url, "lp_winner"), actor(portal, redis_url, "lp_loser")
    pages = {name: open_as(browser, portal, name) for name in ("lp_winner", "lp_loser")}
    lot_id = short_lot(redis_url, "officer_lp", starts_in_ms=9000, ends_in_ms=600_000)
    pay_deposit(winner, lot_id)
    pay_deposit(loser, lot_id)
    for page, _ in pages.values():
        page.goto(f"{portal}/lots/{lot_id}")
        watch_status(page)
    w, lo = pages["lp_winner"][0], pages["lp_loser"][0]
    expect(w.locator("#lot")).to_have_attribute("data-lot-status", "upcoming")
    expect(w.locator("#bid-submit")).to_be_disabled()
    expect(w.locator("#status-badge")).to_have_text("即将开始")
    expect(w.locator("#countdown-label")).to_have_text("距开始")
    # it opens at starts_at by the server's clock: button, badge and label switch, no reload
    expect(w.locator("#lot")).to_have_attribute("data-lot-status", "live", timeout=WAIT)
    expect(w.locator("#bid-submit")).to_be_enabled()
    expect(w.locator("#status-badge")).to_have_text("正在进行")
    expect(w.locator("#countdown-label")).to_have_text("距结束")
    lo.click("#bid-submit")  # the form holds the minimum, 800,000
    lo.click("#confirm-ok")
    expect(lo.locator("#bid-message")).to_have_text("出价成功: ¥800,000.00")
    expect(w.locator("#bid-count")).to_have_text("1")
    assert winner.post(f"/api/lots/{lot_id}/bids", json={"amount": "810000"}).status_code == 201
    expect(lo.get_by_role("alert")).to_contain_text("出价已被超越")
    expect(lo.locator("#bid-message")).to_have_text("")  # no stale 出价成功
    end_lot_now(redis_url, lot_id)
    # it closes: sold, the form goes, the winner gets the balance link, the loser the refund
    for page in (w, lo):
        expect(page.locator("#lot")).to_have_attribute("data-lot-status", "sold", timeout=WAIT)
        expect(page.locator("#bid-submit")).to_be_hidden()
        expect(page.locator("#status-badge")).to_have_text("已成交")
        expect(page.locator("#outcome-text")).to_contain_text("¥810,000.00")
        expect(page.locator("#reminder-form")).to_be_hidden()
        expect(page.locator("#result-link")).to_have_attribute("href", f"/lots/{lot_id}/result")
        assert page.evaluate("() => window.seenStatuses") == ["upcoming", "live", "sold"]
    expect(w.locator("#pay-balance")).to_have_text("支付余款 ¥730,000.00", timeout=WAIT)
    expect(w.locator("#pay-balance")).to_have_attribute("href", re.compile(r"^/pay/pay_"))
    expect(lo.locator("#my-outcome")).to_have_text("未竞得（保证金已退还）", timeout=WAIT)
    expect(lo.get_by_role("alert")).to_be_hidden()
    for page, errors in pages.values():
        page.context.close()
        assert not errors, errors


def test_bid_goes_through_the_confirmation_dialog(portal: str, redis_url: str, browser) -> None:
    officer = actor(portal, redis_url, "officer_cf", role="officer")
    bidder = actor(portal, redis_url, "cf_bidder")
    page, errors = open_as(browser, portal, "cf_bidder")
    lot = officer.post("/api/lots", json=lot_body()).json()
    pay_deposit(bidder, lot["id"])
    page.goto(f"{portal}/lots/{lot['id']}")
    expect(page.locator("#lot")).to_have_attribute("data-lot-status", "live")
    expect(page.locator("#no-bids")).to_have_text("暂无出价")
    amount = page.locator("#bid-amount")
    amount.fill("")
    amount.press_sequentially("950000")
    expect(amount).to_have_value("950,000")  # grouped as typed
    page.click("#bid-submit")
    dialog = page.locator("#bid-confirm")
    expect(dialog).to_be_visible()
    expect(page.locator("#confirm-amount")).to_have_text("¥950,000.00")
    expect(page.locator("#confirm-lot")).to_have_text("朝阳区 测试住宅")  # which lot, in the dialog
    expect(page.locator("#confirm-capital")).to_have_text("人民币玖拾伍万元整")
    expect(page.locator("#confirm-steps")).to_have_text("比起拍价高 15 个加价幅度")
    expect(page.locator("#confirm-warning")).to_be_visible()  # 15 increments above the minimum
    page.click("#confirm-cancel")
    expect(dialog).to_be_hidden()
    assert httpx.get(f"{portal}/api/lots/{lot['id']}/bids").json() == []  # nothing was sent
    page.click("#raise-2")  # one tap: two increments above the price, still confirmed
    expect(page.locator("#confirm-amount")).to_have_text("¥810,000.00")
    expect(page.locator("#confirm-capital")).to_have_text("人民币捌拾壹万元整")
    expect(page.locator("#confirm-warning")).to_be_hidden()
    page.click("#confirm-ok")
    expect(page.locator("#bid-message")).to_have_text("出价成功: ¥810,000.00")
    bids = httpx.get(f"{portal}/api/lots/{lot['id']}/bids").json()
    assert [b["amount"] for b in bids] == ["810000.00"]
    expect(page.locator("#no-bids")).to_be_hidden()
    expect(page.locator("#fee-total")).to_have_text("¥8,180.00")  # 1% deed tax + ¥80, live
    page.context.close()
    assert not errors, errors


def test_outbid_alert_and_unread_count(portal: str, redis_url: str, browser) -> None:
    officer = actor(portal, redis_url, "officer_ob", role="officer")
    first, second = actor(portal, redis_url, "ob_first"), actor(portal, redis_url, "ob_second")
    page, errors = open_as(browser, portal, "ob_first")
    lot = officer.post("/api/lots", json=lot_body()).json()
    pay_deposit(first, lot["id"])
    pay_deposit(second, lot["id"])
    assert first.post(f"/api/lots/{lot['id']}/bids", json={"amount": "800000"}).status_code == 201
    page.goto(f"{portal}/lots/{lot['id']}")
    expect(page.locator("#leader")).to_contain_text("(我)")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator("#leading-note")).to_have_text("您的出价目前最高，暂时领先")
    expect(page.locator("#nav-unread")).to_be_hidden()
    assert second.post(f"/api/lots/{lot['id']}/bids", json={"amount": "820000"}).status_code \
        == 201
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("出价已被超越，当前价 ¥820,000.00")
    expect(page.locator("#leading-note")).to_be_hidden()
    expect(page.locator("#rebid")).to_have_text("按最低可出价 ¥830,000.00 再出价")
    expect(page.locator("#nav-unread")).to_have_text("1", timeout=WAIT)  # the outbid notice
    page.click("#rebid")
    expect(page.locator("#confirm-amount")).to_have_text("¥830,000.00")
    page.click("#confirm-ok")
    expect(page.locator("#bid-message")).to_have_text("出价成功: ¥830,000.00")
    expect(alert).to_be_hidden()
    page.context.close()
    assert not errors, errors


def my_lots(client: httpx.Client) -> dict[int, dict]:
    return {i["lot"]["id"]: i for i in client.get("/api/me/lots").json()["items"]}


def test_my_lots_after_a_sold_and_a_failed_lot(portal: str, redis_url: str, browser) -> None:
    make_account(redis_url, "officer_me", "officer")
    winner, loser = actor(portal, redis_url, "me_winner"), actor(portal, redis_url, "me_loser")
    pages = {name: open_as(browser, portal, name, {"width": 390, "height": 844})
             for name in ("me_winner", "me_loser")}
    sold = short_lot(redis_url, "officer_me", ends_in_ms=600_000, title="海淀区 成交的房子")
    failed = short_lot(redis_url, "officer_me", ends_in_ms=600_000, title="海淀区 流拍的房子")
    for client in (winner, loser):
        pay_deposit(client, sold)
    pay_deposit(winner, failed)
    two_bids(sold, loser, winner)
    end_lot_now(redis_url, sold)
    end_lot_now(redis_url, failed)
    w, lo = pages["me_winner"][0], pages["me_loser"][0]
    # follow both closes on the lot pages until settlement has run
    w.goto(f"{portal}/lots/{failed}")
    expect(w.locator("#my-outcome")).to_have_text("流拍（保证金已退还）", timeout=WAIT)
    expect(w.locator("#fee-estimate")).to_be_hidden()  # nobody buys a failed lot
    expect(w.locator("#leader-line")).to_be_hidden()  # no "领先: —" without bids
    w.goto(f"{portal}/lots/{sold}")
    # loaded after the close, the payment and the result are in the live panel, as when the
    # page was open at the close
    expect(w.locator("#lot-outcome #pay-balance")).to_be_visible(timeout=WAIT)
    expect(w.locator("#lot-outcome #result-link")).to_be_visible()
    lo.goto(f"{portal}/lots/{sold}")
    expect(lo.locator("#my-outcome")).to_have_text("未竞得（保证金已退还）", timeout=WAIT)
    w.goto(f"{portal}/me")
    won = w.locator(f".my-lot[data-lot-id='{sold}']")
    expect(won).to_have_attribute("data-my-status", "awaiting_balance")
    expect(won.locator(".my-status")).to_have_text("已竞得（待付余款）")
    expect(won.get_by_role("link", name="支付余款 ¥730,000.00")).to_be_visible()
    expect(won.locator(".deposit-status")).to_have_text("已抵作价款")
    no_sale = w.locator(f".my-lot[data-lot-id='{failed}']")
    expect(no_sale.locator(".my-status")).to_have_text("流拍")
    expect(no_sale.locator(".deposit-status")).to_have_text("已退还")
    lo.goto(f"{portal}/me")
    lost = lo.locator(f".my-lot[data-lot-id='{sold}']")
    expect(lost.locator(".my-status-line")).to_contain_text("未竞得（保证金已退还）")
    lost.locator("summary").click()
    bid_time = lost.locator(".my-bids time").inner_text()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", bid_time), bid_time  # Beijing
    # the API says the same, in codes, and agrees with /api/me/deposits
    mine = my_lots(winner)
    assert (mine[sold]["status"], mine[failed]["status"]) == ("awaiting_balance", "failed")
    assert mine[sold]["balance"] == "730000.00" and mine[sold]["pay_url"].startswith("/pay/")
    assert my_lots(loser)[sold]["status"] == "lost"
    for client in (winner, loser):
        deposits = {d["lot_id"]: d["status"] for d in client.get("/api/me/deposits").json()}
        assert {k: v["registration"]["deposit"]["status"] for k, v in my_lots(client).items()} \
            == deposits
    assert deposits == {sold: "refunded"}
    for page, errors in pages.values():
        page.context.close()
        assert not errors, errors


def relay_lot_socket(page: Page, drop) -> list[str]:
    """Route the page's lot websocket through the test, dropping server frames where
    ``drop(frame)`` says so; returns the dropped frames."""
    dropped: list[str] = []

    def handler(ws) -> None:
        server = ws.connect_to_server()

        def from_server(message) -> None:
            if drop(message, dropped):
                dropped.append(message)
            else:
                ws.send(message)

        server.on_message(from_server)
        ws.on_message(lambda message: server.send(message))

    page.route_web_socket(re.compile(r"/ws/lots/\d+$"), handler)
    return dropped


def test_a_lost_bid_frame_and_a_dead_socket_are_repaired(portal: str, redis_url: str,
                                                         browser) -> None:
    officer = actor(portal, redis_url, "officer_gap", role="officer")
    lot = officer.post("/api/lots", json=lot_body()).json()
    bidders = [actor(portal, redis_url, f"gap_{n}") for n in ("a", "b")]
    for client in bidders:
        pay_deposit(client, lot["id"])
    actor(portal, redis_url, "gap_watch")  # logged in: a socket (anonymous visitors poll)
    page, _ = open_as(browser, portal, "gap_watch")
    context = page.context
    # drop the first bid frame (a gap in seq), and every frame after the fourth bid (a socket
    # that went silent, as after a laptop's sleep)
    dropped = relay_lot_socket(page, lambda m, d: ('"type":"bid"' in m and not d)
                               or '"seq":4,' in m or ('"seq":' in m and len(d) > 1))
    page.goto(f"{portal}/lots/{lot['id']}")
    page.wait_for_function("() => window.lotState.lastSeq !== null")  # the snapshot arrived
    for n, price in enumerate(("800000", "810000", "820000")):
        assert bidders[n % 2].post(f"/api/lots/{lot['id']}/bids",
                                   json={"amount": price}).status_code == 201
    expect(page.locator("#bid-list li")).to_have_count(3)  # the second bid's seq 2 showed
    expect(page.locator("#current-price")).to_have_text("¥820,000.00")  # the gap: re-read
    assert page.evaluate("() => window.lotState.resyncs") >= 1 and len(dropped) == 1
    assert bidders[1].post(f"/api/lots/{lot['id']}/bids",
                           json={"amount": "830000"}).status_code == 201
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")  # shown again
    expect(page.locator("#current-price")).to_have_text("¥830,000.00")
    expect(page.locator("#bid-list li")).to_have_count(4)
    assert len(dropped) >= 2
    context.close()


def test_a_withdrawn_lot_closes_on_the_page(portal: str, redis_url: str, browser) -> None:
    from bidding.store import BidStore  # the engine: no portal route withdraws a lot yet

    officer = actor(portal, redis_url, "officer_wd", role="officer")
    lot = officer.post("/api/lots", json=lot_body()).json()
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{portal}/lots/{lot['id']}")
    page.wait_for_function("() => window.lotState.lastSeq !== null")  # the socket is up

    async def withdraw() -> None:
        client = async_client(redis_url, decode_responses=True)
        await BidStore(client).cancel_lot(lot["id"])
        await client.aclose()

    run_async(withdraw())
    expect(page.locator("#lot")).to_have_attribute("data-lot-status", "cancelled")
    expect(page.locator("#status-badge")).to_have_text("已撤回")
    expect(page.locator("#outcome-text")).to_have_text("本标的已撤回")
    expect(page.locator("#lot-actions")).to_be_hidden()
    context.close()


def test_phone_lot_page_reads_price_first_then_facts(portal: str, redis_url: str, browser) -> None:
    """On a phone the two desktop columns become one list of cards in a bidder's order: photos,
    price and bid, fees, bid record, facts, then documents and rules (before, the whole side
    column came first: the photos sat under the tax table and the bid record)."""
    make_account(redis_url, "officer_order", "officer")
    lot_id = short_lot(redis_url, "officer_order", ends_in_ms=600_000, photos=["/media/none.jpg"])
    order = [".gallery", ".live-panel", ".after-hammer", ".bid-record", ".lot-facts", ".lot-rules"]
    tops = "(sels) => sels.map((s) => document.querySelector(s).getBoundingClientRect().top)"
    lefts = "(sels) => sels.map((s) => document.querySelector(s).getBoundingClientRect().left)"
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    page.goto(f"{portal}/lots/{lot_id}")
    got = page.evaluate(tops, order)
    assert got == sorted(got) and len(set(got)) == len(got), dict(zip(order, got, strict=True))
    assert len(set(page.evaluate(lefts, order[1:]))) == 1  # one column of cards
    phone.close()
    desktop = browser.new_context(viewport={"width": 1366, "height": 900})
    page = desktop.new_page()
    page.goto(f"{portal}/lots/{lot_id}")
    facts_left, panel_left = page.evaluate(lefts, [".lot-facts", ".live-panel"])
    assert panel_left > facts_left + 300  # the price panel is the right-hand column
    desktop.close()


def test_the_page_starts_from_the_state_the_server_rendered(portal: str, redis_url: str,
                                                            browser) -> None:
    """Before the first snapshot or poll answer, the page shows the state the server rendered
    it from. (Before, the script's first render reset a sold lot to the starting price, 暂无出价
    and 成交价 ¥0.00 for the two seconds until an anonymous visitor's first poll; a live lot
    with bids showed its starting price.) The state endpoint is blocked here, so only the
    page's own data can be shown."""
    make_account(redis_url, "officer_fp", "officer")
    bidder, other = actor(portal, redis_url, "fp_bidder"), actor(portal, redis_url, "fp_other")
    sold = short_lot(redis_url, "officer_fp", ends_in_ms=600_000, title="东城区 已成交")
    live = short_lot(redis_url, "officer_fp", ends_in_ms=600_000, title="东城区 竞价中")
    for lot_id in (sold, live):
        pay_deposit(bidder, lot_id)
        pay_deposit(other, lot_id)
        two_bids(lot_id, other, bidder)
    end_lot_now(redis_url, sold)
    wait_status(bidder, sold, "sold", timeout=WAIT / 1000)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.route(re.compile(r".*/api/lots/\d+/state$"), lambda route: route.abort())
    page.goto(f"{portal}/lots/{sold}")
    expect(page.locator("#lot")).to_have_attribute("data-lot-status", "sold")
    expect(page.locator("#current-price")).to_have_text("¥810,000.00")
    expect(page.locator("#price-label")).to_have_text("成交价")
    expect(page.locator("#outcome-text")).to_contain_text("¥810,000.00")
    expect(page.locator("#bid-count")).to_have_text("2")
    expect(page.locator("#no-bids")).to_be_hidden()
    page.goto(f"{portal}/lots/{live}")
    expect(page.locator("#lot")).to_have_attribute("data-lot-status", "live")
    expect(page.locator("#current-price")).to_have_text("¥810,000.00")
    expect(page.locator("#price-label")).to_have_text("当前价")
    expect(page.locator("#no-bids")).to_be_hidden()
    context.close()
