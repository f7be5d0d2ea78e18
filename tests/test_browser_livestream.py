"""The event page in real Chromium: a venue plays (currentTime advances, through hls.js; on a
phone after a tap on play, with the venue's poster until then), two users chat and both see
it, the host switches the on-air venue and viewers follow (logged-in over the websocket,
anonymous through the cacheable state), a deleted message disappears for everyone, user text
stays text."""

from __future__ import annotations

import asyncio
import io
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from portal_helpers import actor, browser_login, iso, lot_body, now_ms
from test_browser_tour import upload

from livestream.testsrc import LoopPusher, render_loop

SHOTS = os.environ.get("SCREENSHOT_DIR")


class Feed:
    """Background encoders pushing a rendered loop to venues in real time."""

    def __init__(self, base: str, feeds: list[tuple[str, list[Any]]]) -> None:
        self.base, self.feeds = base, feeds
        self.loop = asyncio.new_event_loop()
        self.stop = asyncio.Event()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self.run(),))

    async def run(self) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=10) as client:
            pushers = [LoopPusher(client, key, segs) for key, segs in self.feeds]
            await asyncio.gather(*(p.run(self.stop) for p in pushers))

    def __enter__(self) -> Feed:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(20)


@pytest.fixture(scope="module")
def loops(tmp_path_factory: pytest.TempPathFactory) -> list[list[Any]]:
    root = tmp_path_factory.mktemp("loops")
    return [render_loop(root / f"v{n}", n, seconds=4, fps=10, size=(320, 180)) for n in (1, 2)]


def shot(page: Any, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(Path(SHOTS or tmp_path) / f"{name}.png"), full_page=True)


@pytest.fixture
def setup(portal: str, redis_url: str) -> Iterator[dict[str, Any]]:
    officer = actor(portal, redis_url, "browser_host", role="officer")
    lots = [officer.post("/api/lots", json=lot_body(title=t)).json()
            for t in ("朝阳区 直播一号房", "海淀区 直播二号房")]
    ev = officer.post("/api/events", json={
        "title": "浏览器测试 同步直播看样", "description": "两处房产",
        "starts_at": iso(now_ms() - 60_000), "ends_at": iso(now_ms() + 3600_000),
        "venues": [{"name": "一号现场", "lot_id": lots[0]["id"]},
                   {"name": "二号现场", "lot_id": lots[1]["id"]}]}).json()
    assert officer.post(f"/api/events/{ev['id']}/on-air", json={"venue_id": 1}).status_code == 200
    for name in ("viewer_a", "viewer_b"):
        actor(portal, redis_url, name)
    yield {"event": ev, "officer": officer, "lots": lots}


def test_event_page_plays_chats_follows_and_moderates(portal: str, browser, setup, loops,
                                                      tmp_path: Path) -> None:
    ev = setup["event"]
    url = f"/events/{ev['id']}"
    feeds = [(v["stream_key"], loops[i]) for i, v in enumerate(ev["venues"])]
    errors: list[str] = []
    contexts = []

    def page_for(username: str | None, next_url: str = url, **kw: Any) -> Any:
        context = browser.new_context(viewport=kw.get("viewport", {"width": 1280, "height": 900}),
                                      is_mobile=kw.get("mobile", False), bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        if username:
            browser_login(page, portal, username, next_url)
        else:
            page.goto(portal + next_url)
        return page

    with Feed(portal, feeds):
        a = page_for("viewer_a")
        b = page_for("viewer_b")
        anon = page_for(None, viewport={"width": 390, "height": 844}, mobile=True)
        host = page_for("browser_host", f"{url}/host")
        anon.click("#player-start")  # a phone plays when asked (test_a_phone_plays_on_tap)

        # A venue plays: hls.js (tested with Hls.isSupported()) and currentTime advances.
        for page in (a, anon):
            page.wait_for_function("window.eventState && window.eventState.showing === 1",
                                   timeout=30_000)
            assert page.evaluate("document.querySelector('#main-video')._hls !== null")
            t0 = page.evaluate("document.querySelector('#main-video').currentTime")
            page.wait_for_function(
                f"document.querySelector('#main-video').currentTime > {t0} + 1", timeout=20_000)
        assert a.inner_text("#now-venue") == "一号现场"
        assert "朝阳区 直播一号房" in a.inner_text("#now-lot")
        assert a.get_attribute("#now-bid", "href") == f"/lots/{setup['lots'][0]['id']}"
        host.wait_for_function("document.querySelector('#preview-2').currentTime > 0.5",
                               timeout=30_000)
        host.wait_for_selector("#no-signal-2", state="hidden", timeout=10_000)

        # Two users chat; both see both messages. User text stays text.
        a.fill("#chat-text", "请问几层？")
        a.click("#chat-send")
        b.wait_for_selector("#chat-list li:has-text('请问几层？')", timeout=10_000)
        a.wait_for_selector("#chat-list li:has-text('请问几层？')", timeout=10_000)
        b.wait_for_timeout(1100)  # the per-user gap is 1 s; B has not posted yet anyway
        b.fill("#chat-text", "<img src=x onerror=window.pwned=1>八层")
        b.click("#chat-send")
        a.wait_for_selector("#chat-list li:has-text('八层')", timeout=10_000)
        evil = "<img src=x onerror=window.pwned=1>八层"
        assert a.inner_text("#chat-list li:last-child .text") == evil
        assert a.evaluate("document.querySelector('#chat-list img') === null && !window.pwned")
        anon.wait_for_selector("#chat-list li:has-text('请问几层？')", timeout=10_000)
        shot(a, tmp_path, "event-viewer")
        shot(anon, tmp_path, "event-phone")

        # The host switches the on-air venue; every viewer's page follows.
        host.wait_for_selector("#chat-list li:has-text('请问几层？')", timeout=10_000)
        shot(host, tmp_path, "event-host")
        host.click("#on-air-2")
        for page in (a, b, anon):
            page.wait_for_function("window.eventState.onAir === 2 && "
                                   "window.eventState.source === 2", timeout=15_000)
        a.wait_for_function("window.eventState.showing === 2", timeout=30_000)
        assert a.inner_text("#now-venue") == "二号现场"
        assert "on-air" in (a.get_attribute("#venue-2", "class") or "")
        t0 = a.evaluate("document.querySelector('#main-video').currentTime")
        a.wait_for_function(f"document.querySelector('#main-video').currentTime > {t0} + 1",
                            timeout=20_000)

        # The host deletes A's message: it disappears for everyone.
        host.click("#chat-list li:has-text('请问几层？') [data-delete]")
        for page in (a, b, anon, host):
            page.wait_for_function(
                "![...document.querySelectorAll('#chat-list li')]"
                ".some(li => li.textContent.includes('请问几层？'))", timeout=15_000)
        assert "八层" in b.inner_text("#chat-list")
        shot(a, tmp_path, "event-viewer-after")
    for context in contexts:
        context.close()
    assert not [e for e in errors if "favicon" not in e], errors


def test_a_phone_plays_on_tap(portal: str, browser, setup, loops, tmp_path: Path) -> None:
    """On a phone the event page shows the on-air venue's lot photo and a play button, follows
    the on-air venue with its poster, and loads hls.js and the stream only when tapped (a
    desktop starts at once: the test above)."""
    officer = setup["officer"]
    photos = []
    for colour in ("red", "blue"):
        jpeg = io.BytesIO()
        Image.new("RGB", (640, 360), colour).save(jpeg, "JPEG")
        r = upload(officer, "photos", setup["lots"][0]["id"], jpeg.getvalue(), "image/jpeg")
        assert r.status_code == 201, r.text
        photos.append(r.json()["url"])
    lots = [officer.post("/api/lots", json=lot_body(title=title, photos=[photo])).json()
            for title, photo in zip(("手机一号房", "手机二号房"), photos, strict=True)]
    ev = officer.post("/api/events", json={
        "title": "手机观看",
        "starts_at": iso(now_ms() - 60_000), "ends_at": iso(now_ms() + 3600_000),
        "venues": [{"name": "一号现场", "lot_id": lots[0]["id"]},
                   {"name": "二号现场", "lot_id": lots[1]["id"]}]}).json()
    assert officer.post(f"/api/events/{ev['id']}/on-air", json={"venue_id": 1}).status_code == 200
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    streamed = lambda: [u for u in requested if "/vendor/hls.js/" in u or ".m3u8" in u]  # noqa: E731
    with Feed(portal, [(v["stream_key"], loops[i]) for i, v in enumerate(ev["venues"])]):
        page.goto(f"{portal}/events/{ev['id']}")
        page.wait_for_function("window.eventState && window.eventState.source === 1")
        start = page.locator("#player-start")
        assert start.is_visible() and start.inner_text() == "播放"
        assert page.get_attribute("#main-video", "poster") == photos[0]
        assert any(u.endswith(photos[0]) for u in requested)
        # the host puts venue 2 on air: the phone follows with that venue's poster, unplayed
        assert officer.post(f"/api/events/{ev['id']}/on-air",
                            json={"venue_id": 2}).status_code == 200
        page.wait_for_function("window.eventState.source === 2", timeout=15_000)
        assert page.get_attribute("#main-video", "poster") == photos[1]
        assert page.inner_text("#now-venue") == "二号现场"
        assert page.evaluate("document.querySelector('#main-video')._hls == null")
        assert start.is_visible() and not streamed(), streamed()
        shot(page, tmp_path, "event-phone-poster")
        start.tap()
        page.wait_for_function("window.eventState.showing === 2", timeout=30_000)
        assert start.is_hidden() and streamed()
        t0 = page.evaluate("document.querySelector('#main-video').currentTime")
        page.wait_for_function(f"document.querySelector('#main-video').currentTime > {t0} + 1",
                               timeout=20_000)
    context.close()
    assert not errors, errors


def test_replay_follows_the_timeline(portal: str, browser, setup, loops, tmp_path: Path) -> None:
    """After the event the recordings replay, cutting between venues where the broadcast did."""
    ev, officer = setup["event"], setup["officer"]
    feeds = [(v["stream_key"], loops[i]) for i, v in enumerate(ev["venues"])]
    with Feed(portal, feeds):
        time.sleep(8)  # let both venues record a while (venue 1 on air)
        assert officer.post(f"/api/events/{ev['id']}/on-air",
                            json={"venue_id": 2}).status_code == 200
        time.sleep(8)
    assert officer.post(f"/api/events/{ev['id']}/end", json={}).status_code == 200
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{portal}/events/{ev['id']}")
    assert page.inner_text("#event-status") == "已结束"
    assert page.locator("#timeline li").count() == 2
    page.wait_for_function("window.eventState.source === 1 && "
                           "document.querySelector('#main-video').currentTime > 0.5",
                           timeout=20_000)
    # playing on: the replay cuts to venue 2 at the recorded switch
    try:
        page.wait_for_function("window.eventState.source === 2", timeout=40_000)
    except Exception:  # say where the replay stood
        print(page.evaluate("""JSON.stringify({state: window.eventState,
            date: document.querySelector('#main-video')._hls?.playingDate,
            t: document.querySelector('#main-video').currentTime,
            data: JSON.parse(document.getElementById('event-data').textContent).timeline,
            frags: document.querySelector('#main-video')._hls?.levels?.[0]?.details?.fragments
              ?.map(f => [f.start, f.programDateTime])})"""))
        raise
    assert page.inner_text("#now-venue") == "二号现场"
    shot(page, tmp_path, "event-replay")
    context.close()


def test_a_refused_chat_message_stays_in_the_input(portal: str, browser, setup) -> None:
    """Regression: a rate-limited message was wiped from the input and had to be retyped."""
    ev = setup["event"]
    assert setup["officer"].patch(f"/api/events/{ev['id']}/settings",
                                  json={"slow_mode": 30}).status_code == 200
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    browser_login(page, portal, "viewer_a", f"/events/{ev['id']}")
    page.wait_for_function("window.eventState && window.eventState.connected", timeout=20_000)
    page.fill("#chat-text", "第一条")
    page.click("#chat-send")
    page.wait_for_selector("#chat-list li:has-text('第一条')", timeout=10_000)
    assert page.input_value("#chat-text") == ""
    page.fill("#chat-text", "慢速模式下的第二条")
    page.click("#chat-send")
    page.wait_for_function("document.querySelector('#chat-message').classList.contains('error')",
                           timeout=10_000)
    assert page.input_value("#chat-text") == "慢速模式下的第二条"
    assert page.inner_text("#chat-message")
    context.close()


def test_host_previews_say_waiting_for_a_stream(portal: str, browser, setup) -> None:
    """A venue nobody streams to says 等待推流 on the host page instead of a black box."""
    ev = setup["event"]
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    browser_login(page, portal, "browser_host", f"/events/{ev['id']}/host")
    for venue in (1, 2):
        assert page.is_visible(f"#no-signal-{venue}")
        assert page.inner_text(f"#no-signal-{venue}") == "等待推流…"
    context.close()
