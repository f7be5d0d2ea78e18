"""Server-rendered pages: escaping, language, CSRF-protected forms, officer lot form."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image
from portal_helpers import PASSWORD, actor, iso, lot_body, make_account, now_ms, page_csrf


def browser_login(base: str, username: str) -> httpx.Client:
    c = httpx.Client(base_url=base, follow_redirects=False)
    token = page_csrf(c.get("/login").text)
    r = c.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token,
                               "next": "/me"})
    assert r.status_code == 303 and r.headers["location"] == "/me", r.text
    return c


@pytest.fixture
def officer(portal: str, redis_url: str) -> httpx.Client:
    make_account(redis_url, "officer1", "officer")
    return browser_login(portal, "officer1")


def test_home_lists_and_escapes(portal: str, redis_url: str, officer: httpx.Client) -> None:
    api = actor(portal, redis_url, "officer_api", role="officer")
    evil = '<script>alert("x")</script>'
    r = api.post("/api/lots", json=lot_body(title=f"房产 {evil}", description=evil))
    assert r.status_code == 201
    home = httpx.get(portal + "/").text
    assert "&lt;script&gt;" in home and evil not in home
    assert "沙盒模式" in home  # sandbox says so on every page
    lot_page = httpx.get(portal + f"/lots/{r.json()['id']}").text
    assert evil not in lot_page and "&lt;script&gt;alert" in lot_page
    english = httpx.get(portal + "/?lang=en")
    assert "Sandbox mode" in english.text and english.cookies.get("lang") == "en"
    assert "正在进行" in httpx.get(portal + "/?status=live").text
    assert "没有符合条件的拍品" in httpx.get(portal + "/?status=ended").text
    assert httpx.get(portal + "/lots/999").status_code == 404


def test_forms_need_csrf(portal: str, redis_url: str) -> None:
    make_account(redis_url, "formuser", "bidder")
    c = httpx.Client(base_url=portal)
    c.get("/login")
    r = c.post("/login", data={"username": "formuser", "password": PASSWORD})
    assert r.status_code == 403 and "表单已过期" in r.text
    r = c.post("/login", data={"username": "formuser", "password": PASSWORD,
                               "csrf_token": "forged" * 7 + "x"})
    assert r.status_code == 403
    wrong = c.post("/login", data={"username": "formuser", "password": "wrong-password",
                                   "csrf_token": page_csrf(c.get("/login").text)})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text


def test_register_page_creates_account(portal: str, redis_url: str) -> None:
    c = httpx.Client(base_url=portal)
    token = page_csrf(c.get("/register").text)
    bad = c.post("/register", data={"username": "new_user", "password": "long-enough-1",
                                    "real_name": "王五", "id_number": "123",
                                    "phone": "13900001111", "csrf_token": token})
    assert bad.status_code == 400 and "身份证号码无效" in bad.text
    assert 'value="new_user"' in bad.text
    english = c.post("/register?lang=en", data={"username": "new_user", "password": "x",
                                                "real_name": "王五", "id_number": "123",
                                                "phone": "13900001111", "csrf_token": token})
    assert "Password: at least 10 characters" in english.text
    ok = c.post("/register", data={"username": "new_user", "password": "long-enough-1",
                                   "real_name": "王五", "id_number": "11010519491231002X",
                                   "phone": "13900001111", "csrf_token": token})
    assert ok.status_code == 303
    assert c.get("/api/me").json()["user"]["username"] == "new_user"


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def form_fields(token: str, **overrides: str) -> dict[str, str]:
    now = now_ms() + 8 * 3600_000  # datetime-local is Beijing time
    fields = {"csrf_token": token, "title": "表单创建的拍品", "court": "北京市第一中级人民法院",
              "case_number": "(2026)京01执77号", "property_type": "residential",
              "district": "海淀区", "address": "北京市海淀区某路1号", "area_m2": "70",
              "appraisal_price": "2000000", "starting_price": "1600000", "increment": "10000",
              "deposit": "160000", "starts_at": iso(now - 60_000)[:16],
              "ends_at": iso(now + 3600_000)[:16], "extension_seconds": "300",
              "priority": "", "description": "说明"}
    fields.update(overrides)
    return fields


def test_officer_creates_lot_with_photo(portal: str, redis_url: str,
                                        officer: httpx.Client) -> None:
    page = officer.get("/officer/lots/new")
    assert page.status_code == 200
    token = page_csrf(page.text)
    bad = officer.post("/officer/lots/new", data=form_fields(token, starting_price="1000000"))
    assert bad.status_code == 422 and "70%" in bad.text and "表单创建的拍品" in bad.text
    r = officer.post("/officer/lots/new", data=form_fields(token),
                     files=[("photos", ("room.jpg", jpeg_bytes(), "image/jpeg"))])
    assert r.status_code == 303, r.text
    lot_url = r.headers["location"]
    lot = httpx.get(portal + "/api" + lot_url).json()
    assert lot["status"] == "live" and lot["starting_price"] == "1600000.00"
    assert lot["photos"][0].startswith("/media/photos/")
    photo = httpx.get(portal + lot["photos"][0])
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    not_image = officer.post("/officer/lots/new", data=form_fields(token),
                             files=[("photos", ("x.jpg", b"not an image", "image/jpeg"))])
    assert not_image.status_code == 422 and "not a readable image" in not_image.text
    bidder = httpx.Client(base_url=portal)
    make_account(redis_url, "nosy", "bidder")
    bidder = browser_login(portal, "nosy")
    assert bidder.get("/officer/lots/new").status_code == 403


def test_register_and_pay_through_pages(portal: str, redis_url: str) -> None:
    api = actor(portal, redis_url, "officer_api2", role="officer")
    lot = api.post("/api/lots", json=lot_body()).json()
    make_account(redis_url, "pagebidder", "bidder")
    c = browser_login(portal, "pagebidder")
    page = c.get(f"/lots/{lot['id']}").text
    r = c.post(f"/lots/{lot['id']}/register", data={"csrf_token": page_csrf(page),
                                                     "accept_terms": "yes"})
    assert r.status_code == 303 and r.headers["location"].startswith("/pay/pay_")
    pay = c.get(r.headers["location"])
    assert "¥80,000.00" in pay.text
    done = c.post(r.headers["location"], data={"csrf_token": page_csrf(pay.text)})
    assert done.status_code == 303
    lot_page = c.get(f"/lots/{lot['id']}").text
    assert 'id="bid-form"' in lot_page and 'id="my-code"' in lot_page
    me = c.get("/me").text
    assert "已支付" in me and lot["title"] in me


def test_upcoming_lot_page_shows_start_countdown(portal: str, redis_url: str) -> None:
    api = actor(portal, redis_url, "officer_api3", role="officer")
    now = now_ms()
    lot = api.post("/api/lots", json=lot_body(starts_at=iso(now + 86400_000),
                                              ends_at=iso(now + 2 * 86400_000))).json()
    html = httpx.get(f"{portal}/lots/{lot['id']}").text
    assert "距开始" in html and "即将开始" in html


def test_officer_edits_an_upcoming_lot(portal: str, officer: httpx.Client) -> None:
    later = now_ms() + 8 * 3600_000 + 86400_000
    token = page_csrf(officer.get("/officer/lots/new").text)
    times = {"starts_at": iso(later)[:16], "ends_at": iso(later + 86400_000)[:16]}
    r = officer.post("/officer/lots/new", data=form_fields(token, **times))
    assert r.status_code == 303, r.text
    edit_url = r.headers["location"].replace("/lots/", "/officer/lots/") + "/edit"
    page = officer.get(edit_url)
    assert page.status_code == 200 and "(2026)京01执77号" in page.text
    edited = officer.post(edit_url, data=form_fields(page_csrf(page.text), title="改名后的拍品",
                                                     **times))
    assert edited.status_code == 303, edited.text  # the form re-sends the same case number
    lot = httpx.get(portal + "/api" + r.headers["location"]).json()
    assert lot["title"] == "改名后的拍品"
    moved = officer.post(edit_url, data=form_fields(page_csrf(page.text), case_number="other",
                                                    **times))
    assert moved.status_code == 422 and "case_number cannot change" in moved.text


def test_pages_that_need_a_login_send_visitors_to_it(portal: str) -> None:
    for path in ("/officer/lots/new", "/officer/events/new", "/officer/dashboard", "/me",
                 "/officer", "/cases/1", "/officer/lots/1/relist", "/officer/lots/1/tour",
                 "/pay/pay_0123456789abcdef0123"):
        r = httpx.get(portal + path)
        assert r.status_code == 303 and r.headers["location"] == f"/login?next={path}", path
    posted = httpx.post(portal + "/officer/dashboard", data={"action": "release"})
    assert posted.status_code == 303
    assert posted.headers["location"] == "/login?next=/officer/dashboard"
    api = httpx.get(portal + "/api/me")
    assert api.status_code == 401 and api.json()["error"]["code"] == "not_logged_in"


def test_filter_errors_are_in_the_pages_language(portal: str, officer: httpx.Client) -> None:
    assert officer.post("/api/lots", json=lot_body(case_number="(2026)京01执7201号")) \
        .status_code == 201
    zh = httpx.get(f"{portal}/?min_price=abc")
    assert 'data-code="invalid_filter"' in zh.text and "最低价、最高价请填写金额" in zh.text
    assert "must be an amount" not in zh.text
    en = httpx.get(f"{portal}/?min_price=abc&lang=en")
    assert "Minimum and maximum price must be amounts in yuan" in en.text
