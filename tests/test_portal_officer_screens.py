"""Officer screens say what they mean: the dashboard tells a too-short announcement period
apart from an overdue step, officers land on the dashboard, each role sees its own navigation,
and officers invite applicants to a case from the case page (no command line)."""

from __future__ import annotations

import re

import httpx
from portal_helpers import PASSWORD, actor, id_for, iso, lot_body, make_account, now_ms, page_csrf


def form_login(base: str, username: str, next_url: str = "/") -> httpx.Response:
    c = httpx.Client(base_url=base, follow_redirects=False)
    token = page_csrf(c.get("/login").text)
    return c.post("/login", data={"username": username, "password": PASSWORD,
                                  "csrf_token": token, "next": next_url})


def test_login_lands_on_the_roles_start_page(portal: str, redis_url: str) -> None:
    make_account(redis_url, "landing_officer", "officer")
    make_account(redis_url, "landing_applicant", "applicant")
    actor(portal, redis_url, "landing_bidder")
    assert form_login(portal, "landing_officer").headers["location"] == "/officer/dashboard"
    assert form_login(portal, "landing_applicant").headers["location"] == "/cases"
    assert form_login(portal, "landing_bidder").headers["location"] == "/"
    # a page asked for explicitly wins
    assert form_login(portal, "landing_officer", "/lots/1").headers["location"] == "/lots/1"


def nav_links(html: str) -> list[str]:
    nav = html.split("<nav>", 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a (?:class="[^"]*" )?href="([^"?]+)', nav)


def test_each_role_sees_its_own_navigation(portal: str, redis_url: str) -> None:
    officer = actor(portal, redis_url, "nav_officer", role="officer")
    applicant = actor(portal, redis_url, "nav_applicant", role="applicant")
    bidder = actor(portal, redis_url, "nav_bidder")
    assert nav_links(officer.get("/").text) == [
        "/", "/events", "/officer/dashboard", "/cases", "/officer", "/notifications"]
    assert nav_links(applicant.get("/").text) == ["/", "/events", "/cases",
                                                   "/notifications"]
    assert nav_links(bidder.get("/").text) == ["/", "/events", "/me", "/notifications"]


def test_dashboard_tells_short_notice_from_overdue(portal: str, redis_url: str) -> None:
    officer = actor(portal, redis_url, "notice_officer", role="officer")
    soon = now_ms() + 3600_000
    lot = officer.post("/api/lots", json=lot_body(
        case_number="(2026)京01执7101号", starts_at=iso(soon), ends_at=iso(soon + 86_400_000)))
    assert lot.status_code == 201, lot.text
    row = next(r for r in officer.get("/api/officer/dashboard").json()["lots"]
               if r["lot_id"] == lot.json()["id"])
    assert row["overdue"] == [] and row["short_notice"] == ["announcement_period"]
    assert row["next_deadline"]["overdue"] is False
    html = officer.get("/officer/dashboard").text
    tr = html.split(f'data-lot-id="{lot.json()["id"]}"', 1)[1].split("</tr>", 1)[0]
    overdue_cell = tr.split('class="col-overdue">', 1)[1].split("</td>", 1)[0]
    notice_cell = tr.split('class="col-short-notice">', 1)[1].split("</td>", 1)[0]
    assert overdue_cell.strip() == "" and "公告期不足" in notice_cell
    assert "<th>已逾期</th>" in html


def test_officer_invites_an_applicant_to_the_case(portal: str, redis_url: str) -> None:
    officer = actor(portal, redis_url, "invite_officer", role="officer")
    lot = officer.post("/api/lots", json=lot_body(case_number="(2026)京01执7102号")).json()
    case_id = lot["case_id"]
    bidder = actor(portal, redis_url, "invite_bidder")
    refused = bidder.post(f"/api/cases/{case_id}/invitations", json={})
    assert refused.status_code == 403
    assert officer.post("/api/cases/99999/invitations", json={}).status_code == 404
    made = officer.post(f"/api/cases/{case_id}/invitations", json={})
    assert made.status_code == 201, made.text
    url = made.json()["url"]
    assert re.fullmatch(r"/invite/[A-Za-z0-9_-]{16,64}", url)

    guest = httpx.Client(base_url=portal, follow_redirects=False)
    page = guest.get(url)
    assert page.status_code == 200 and "(2026)京01执7102号" in page.text
    fields = {"username": "invited_bank", "password": PASSWORD, "real_name": "某银行",
              "id_number": "110105194912310021", "phone": "13800138000"}
    bad = guest.post(url, data={**fields, "csrf_token": page_csrf(page.text)})
    assert bad.status_code == 422 and 'data-code="invalid_id_number"' in bad.text
    assert guest.get(url).status_code == 200  # a refused form does not use up the link
    good = guest.post(url, data={**fields, "id_number": id_for("invited_bank"),
                                 "csrf_token": page_csrf(page.text)})
    assert good.status_code == 303 and good.headers["location"] == f"/cases/{case_id}"
    case = guest.get(f"/api/cases/{case_id}")
    assert case.status_code == 200 and "invited_bank" in case.json()["applicants"]
    # the case page names the applicant by real name, with the account beside it
    applicants = officer.get(f"/cases/{case_id}").text.split('id="case-applicants"', 1)[1]
    assert re.search(r'data-username="invited_bank">某银行 <span[^>]*>（账号 invited_bank）',
                     applicants), applicants[:300]
    reused = guest.post(url, data={**fields, "username": "second_use",
                                   "csrf_token": page_csrf(page.text)})
    assert reused.status_code == 410 and 'data-code="invitation_gone"' in reused.text
    assert guest.get("/invite/not-a-real-token-at-all").status_code == 410

    # the same from the case page, with its CSRF-protected form
    html = officer.get(f"/cases/{case_id}").text
    shown = officer.post(f"/cases/{case_id}/invite", data={"csrf_token": page_csrf(html)})
    assert shown.status_code == 200
    link = re.search(r'id="invitation-url"[^>]*value="([^"]+)"', shown.text)
    assert link and re.search(r"/invite/[A-Za-z0-9_-]{16,64}$", link.group(1))
