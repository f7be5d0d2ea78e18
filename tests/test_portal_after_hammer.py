"""The after-the-hammer API and pages end to end against the live portal (its settlement
worker settles the lots): result, deposits, cases and applicants, relist refusals, settlement
actions, confirmation of sale (HTML and PDF), dashboard, notifications, reminders, fees."""

from __future__ import annotations

import time

import httpx
import pytest
from portal_helpers import actor, end_lot_now, id_for, iso, lot_body, now_ms, pay_deposit

from core.timefmt import iso_to_ms


def wait_for(fetch, done, timeout: float = 15.0):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


@pytest.fixture
def officer(portal: str, redis_url: str) -> httpx.Client:
    return actor(portal, redis_url, "officer_h", role="officer")


def closed_sold_lot(portal: str, redis_url: str, officer: httpx.Client,
                    case_number: str = "(2026)京01执77号") -> tuple[dict, httpx.Client,
                                                               httpx.Client]:
    winner, loser = (actor(portal, redis_url, name) for name in ("winner_h", "loser_h"))
    lot = officer.post("/api/lots", json=lot_body(
        case_number=case_number, starts_at=iso(now_ms() - 59_000),
        ends_at=iso(now_ms() + 600_000), extension_seconds=0)).json()
    for who in (winner, loser):
        pay_deposit(who, lot["id"])
    assert loser.post(f"/api/lots/{lot['id']}/bids", json={"amount": "800000.00"}).status_code \
        == 201
    assert winner.post(f"/api/lots/{lot['id']}/bids", json={"amount": "810000.00"}) \
        .status_code == 201
    end_lot_now(redis_url, lot["id"])
    result = wait_for(lambda: officer.get(f"/api/lots/{lot['id']}/result").json(),
                      lambda r: r["settlement"]["status"] == "awaiting_payment")
    assert result["status"] == "sold", result
    return lot, winner, loser


def test_result_deposits_payment_and_confirmation(portal: str, redis_url: str,
                                                  officer: httpx.Client) -> None:
    lot, winner, loser = closed_sold_lot(portal, redis_url, officer)
    anon = httpx.Client(base_url=portal)
    result = anon.get(f"/api/lots/{lot['id']}/result").json()
    assert {k: result[k] for k in ("status", "final_price", "bid_count", "bidder_count")} == {
        "status": "sold", "final_price": "810000.00", "bid_count": 2, "bidder_count": 2}
    assert result["winner_code"] and result["confirmation_url"] == \
        f"/lots/{lot['id']}/confirmation"
    assert result["settlement"]["balance"] == "730000.00" and result["ledger_verified"], result
    notes = loser.get("/api/me/notifications").json()
    assert any(n["kind"] == "outbid" for n in notes["items"]) and notes["unread"] >= 1
    assert loser.get("/api/me/deposits").json() == [
        {"lot_id": lot["id"], "amount": "80000.00", "status": "refunded",
         "payment_id": loser.get("/api/me/deposits").json()[0]["payment_id"]}]
    assert winner.get("/api/me/deposits").json()[0]["status"] == "applied"
    assert anon.get("/api/me/deposits").status_code == 401
    # the winner pays the balance through the sandbox provider
    page = winner.get(f"/lots/{lot['id']}/result")
    assert 'id="pay-balance"' in page.text
    pid = page.text.split('href="/pay/')[1].split('"')[0]
    assert loser.post(f"/api/payments/{pid}/confirm", json={}).status_code == 404
    paid = winner.post(f"/api/payments/{pid}/confirm", json={})
    assert paid.status_code == 200 and paid.json()["payment"]["purpose"] == "balance"
    assert winner.post(f"/api/payments/{pid}/confirm", json={}).json()["changed"] is False
    after = anon.get(f"/api/lots/{lot['id']}/result").json()
    assert after["settlement"]["status"] == "paid"
    # public confirmation of sale, naming the buyer; printable HTML and PDF
    html = anon.get(f"/lots/{lot['id']}/confirmation")
    assert html.status_code == 200 and "网络竞价成交确认书" in html.text
    winner_id = id_for("winner_h")
    assert "张三" in html.text and winner_id[:6] + "********" + winner_id[-4:] in html.text
    assert winner_id not in html.text
    pdf = anon.get(f"/lots/{lot['id']}/confirmation.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert b"/FontFile2" in pdf.content  # the CJK font is embedded (tests: pdffonts)
    result_page = anon.get(f"/lots/{lot['id']}/result")
    assert "810,000.00" in result_page.text and result["winner_code"] in result_page.text
    assert 'id="ledger-verification"' in result_page.text
    # officers release the proceeds; only officers
    assert winner.post(f"/api/lots/{lot['id']}/release", json={}).status_code == 403
    released = officer.post(f"/api/lots/{lot['id']}/release", json={})
    assert released.json() == {"released": "810000.00"}


def test_cases_applicants_timeline_and_ledger(portal: str, redis_url: str,
                                              officer: httpx.Client) -> None:
    lot, winner, _ = closed_sold_lot(portal, redis_url, officer, "(2026)京01执78号")
    case_id = lot["case_id"]
    applicant = actor(portal, redis_url, "bank_h", role="applicant")
    other = actor(portal, redis_url, "other_applicant", role="applicant")
    assert applicant.get(f"/api/cases/{case_id}").status_code == 403
    assert winner.post(f"/api/cases/{case_id}/applicants", json={"username": "bank_h"}) \
        .status_code == 403
    bad = officer.post(f"/api/cases/{case_id}/applicants", json={"username": "winner_h"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "not_an_applicant"
    missing = officer.post("/api/cases/9999/applicants", json={"username": "bank_h"})
    assert missing.status_code == 404
    linked = officer.post(f"/api/cases/{case_id}/applicants", json={"username": "bank_h"})
    assert linked.status_code == 201 and linked.json()["applicants"] == ["bank_h"]
    case = applicant.get(f"/api/cases/{case_id}").json()
    assert case["case_number"] == "(2026)京01执78号"
    assert [x["id"] for x in case["lots"]] == [lot["id"]]
    steps = [s["step"] for s in case["timeline"]]
    assert steps[:4] == ["announced", "viewing", "bidding", "sold"] and "paid" in steps
    paid_step = next(s for s in case["timeline"] if s["step"] == "paid")
    assert paid_step["at"] is None and paid_step["deadline"].endswith("Z")
    assert [(e["kind"], e["amount"]) for e in case["ledger"]] == [
        ("deposit_paid", "80000.00"), ("deposit_paid", "80000.00"),
        ("deposit_refunded", "80000.00"), ("deposit_applied", "80000.00")]
    assert [e["balance"] for e in case["ledger"]] == ["80000.00", "160000.00", "80000.00",
                                                      "80000.00"]
    assert case["ledger_check"]["ok"] is True
    assert other.get(f"/api/cases/{case_id}").status_code == 403
    assert applicant.get(f"/api/cases/{case_id}/ledger/verify").json()["ok"] is True
    assert applicant.get("/api/me/cases").json()[0]["id"] == case_id
    page = applicant.get(f"/cases/{case_id}")
    assert page.status_code == 200 and 'id="timeline"' in page.text
    assert "保证金转为价款" in page.text
    kinds = [n["kind"] for n in applicant.get("/api/me/notifications").json()["items"]]
    assert "linked" in kinds
    # the officer's deadline and the worker's default
    due = iso(now_ms() + 600_000)
    terms = officer.post(f"/api/lots/{lot['id']}/settlement",
                         json={"due_at": due, "auction_costs": "5000.00"})
    assert terms.status_code == 200
    assert iso_to_ms(terms.json()["due_at"]) == iso_to_ms(due)
    past = officer.post(f"/api/lots/{lot['id']}/settlement", json={"due_at": iso(now_ms() - 5)})
    assert past.status_code == 422 and past.json()["error"]["code"] == "deadline_in_past"
    dash = officer.get("/api/officer/dashboard").json()
    row = next(r for r in dash["lots"] if r["lot_id"] == lot["id"])
    assert row["next_deadline"]["kind"] == "payment_deadline" and row["overdue"] == []
    assert dash["figures"]["lots_sold"] >= 1
    assert applicant.get("/api/officer/dashboard").status_code == 403
    bulk = officer.post("/api/officer/bulk", json={"action": "extend_deadline",
                                                   "lot_ids": [lot["id"], 9999], "days": 3})
    results = bulk.json()["results"]
    assert results[0]["ok"] and results[1] == {"lot_id": 9999, "ok": False,
                                               "error": "lot_not_found"}


def test_relist_api_names_the_rule(portal: str, redis_url: str, officer: httpx.Client) -> None:
    lot = officer.post("/api/lots", json=lot_body(
        case_number="(2026)京01执79号", starts_at=iso(now_ms() - 59_000),
        ends_at=iso(now_ms() + 600_000))).json()
    early = officer.post(f"/api/lots/{lot['id']}/relist", json={
        "starting_price": "700000.00", "starts_at": iso(now_ms()),
        "ends_at": iso(now_ms() + 90_000)})
    assert early.status_code == 422 and early.json()["error"]["code"] == "lot_not_failed"
    end_lot_now(redis_url, lot["id"])
    wait_for(lambda: officer.get(f"/api/lots/{lot['id']}/result").json(),
             lambda r: r["status"] == "failed")
    bidder = actor(portal, redis_url, "bidder_r")
    body = {"starting_price": "630000.00", "starts_at": iso(now_ms() + 1000),
            "ends_at": iso(now_ms() + 90_000)}
    assert bidder.post(f"/api/lots/{lot['id']}/relist", json=body).status_code == 403
    low = officer.post(f"/api/lots/{lot['id']}/relist", json=body)
    assert low.status_code == 422
    assert low.json()["error"]["code"] == "second_auction_price_below_80pct"
    assert "20%" in low.json()["error"]["message"]
    ok = officer.post(f"/api/lots/{lot['id']}/relist", json={**body,
                                                            "starting_price": "640000.00"})
    assert ok.status_code == 201, ok.text
    new = ok.json()
    assert (new["round"], new["previous_lot_id"], new["case_id"]) == (2, lot["id"],
                                                                     lot["case_id"])
    assert new["starting_price"] == "640000.00" and new["deposit"] == "64000.00"
    again = officer.post(f"/api/lots/{lot['id']}/relist", json=body)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_relisted"
    assert officer.get(f"/api/lots/{lot['id']}/result").json()["next_lot_id"] == new["id"]
    assert f'href="/lots/{new["id"]}" id="next-sale-link"' in httpx.get(
        f"{portal}/lots/{lot['id']}").text  # the failed lot's page leads to its next sale
    form = officer.get(f"/officer/lots/{new['id']}/relist")
    assert form.status_code == 200


def test_reminders_fees_pages_and_openapi(portal: str, redis_url: str,
                                          officer: httpx.Client) -> None:
    lot = officer.post("/api/lots", json=lot_body(
        case_number="(2026)京01执80号", area_m2=150.0,
        starts_at=iso(now_ms() + 3_600_000), ends_at=iso(now_ms() + 7_200_000))).json()
    bidder = actor(portal, redis_url, "bidder_m")
    assert httpx.Client(base_url=portal).post(f"/api/lots/{lot['id']}/reminders",
                                              json={}).status_code == 401
    assert bidder.post(f"/api/lots/{lot['id']}/reminders", json={}).status_code == 201
    page = bidder.get(f"/lots/{lot['id']}")
    assert 'id="reminder-off"' in page.text and 'id="fee-estimate"' in page.text
    fees = httpx.Client(base_url=portal).get(f"/api/lots/{lot['id']}/fees").json()
    assert fees["price"] == "800000.00"
    deed = next(i for i in fees["items"] if i["item"] == "契税")
    assert deed["rate"] == "1.5%" and deed["amount"] == "12000.00" and "140" in deed["rule"]
    assert fees["total"] == "12080.00"
    assert bidder.delete(f"/api/lots/{lot['id']}/reminders").json() == {"subscribed": False}
    # a form without its CSRF token is refused
    assert bidder.post(f"/lots/{lot['id']}/reminders", data={}).status_code == 403
    assert bidder.get("/notifications").status_code == 200
    assert bidder.get("/cases").status_code == 403
    assert officer.get("/officer/dashboard").status_code == 200
    assert bidder.get("/officer/dashboard").status_code == 403
    paths = httpx.Client(base_url=portal).get("/api/openapi.json").json()["paths"]
    for path in ("/api/lots/{lot_id}/result", "/api/me/deposits", "/api/cases/{case_id}",
                 "/api/cases/{case_id}/applicants", "/api/lots/{lot_id}/relist"):
        assert path in paths
