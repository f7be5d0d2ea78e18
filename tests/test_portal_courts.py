"""Trust boundaries (issue 9): every officer write scoped to the officer's court, bidder
identities confidential until the close (and the losers' for good), one person one bidder,
officers and the debtor excluded from bidding."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import httpx
import pytest
from portal_helpers import (
    actor,
    id_for,
    iso,
    lot_body,
    now_ms,
    page_csrf,
    paid_bidder,
    pay_deposit,
    run_async,
)
from redis_cluster import async_client, redis_env
from test_portal_cli import run_cli

from portal.accounts import CaseAccounts
from portal.settings import DEFAULT_COURT
from portal.users import Users

OTHER_COURT = "北京市海淀区人民法院"
TERMS = {"accept_terms": True}



@pytest.fixture
def officer(portal: str, redis_url: str) -> httpx.Client:
    return actor(portal, redis_url, "officer_a", role="officer")


@pytest.fixture
def stranger(portal: str, redis_url: str) -> httpx.Client:
    """An officer of another court."""
    return actor(portal, redis_url, "officer_b", role="officer", court=OTHER_COURT)


def refused(r: httpx.Response, code: str = "other_court", status: int = 403) -> bool:
    return r.status_code == status and r.json()["error"]["code"] == code


def test_officer_of_another_court_cannot_change_its_cases(
        portal: str, redis_url: str, officer: httpx.Client, stranger: httpx.Client) -> None:
    lot = officer.post("/api/lots", json=lot_body(
        court=OTHER_COURT, starts_at=iso(now_ms() + 3600_000),
        ends_at=iso(now_ms() + 7200_000))).json()
    assert lot["court"] == DEFAULT_COURT  # from the officer, not the free text
    case_id, lot_id = lot["case_id"], lot["id"]
    actor(portal, redis_url, "applicant2", role="applicant")
    # finding 1 as reported: linking an applicant made the stranger a member of the case
    assert refused(stranger.post(f"/api/cases/{case_id}/applicants",
                                 json={"username": "applicant2"}))
    assert stranger.get("/api/me/cases").json() == []
    assert refused(stranger.get(f"/api/cases/{case_id}"))
    assert refused(stranger.get(f"/api/cases/{case_id}/ledger/verify"))
    assert refused(stranger.patch(f"/api/lots/{lot_id}", json={"title": "改"}))
    assert refused(stranger.post(f"/api/lots/{lot_id}/settlement",
                                 json={"auction_costs": "1.00"}))
    for action in ("relist", "release", "forfeit"):
        assert refused(stranger.post(f"/api/lots/{lot_id}/{action}", json={})), action
    bulk = stranger.post("/api/officer/bulk", json={"action": "settle", "lot_ids": [lot_id]})
    assert bulk.json()["results"] == [{"lot_id": lot_id, "ok": False, "error": "other_court"}]
    assert refused(stranger.put(f"/api/lots/{lot_id}/tour", json={}))
    # a lot of the stranger's own cannot join the other court's case
    assert refused(stranger.post("/api/lots", json=lot_body(case_number=lot["case_number"])))
    own = stranger.post("/api/lots", json=lot_body(case_number="(2026)京0108执5号"))
    assert own.status_code == 201 and own.json()["court"] == OTHER_COURT
    assert refused(officer.patch(f"/api/lots/{own.json()['id']}", json={"title": "改"}))
    assert f"/officer/lots/{lot_id}/edit" in officer.get("/officer").text
    assert f"/officer/lots/{lot_id}/edit" not in stranger.get("/officer").text
    # pages refuse too, with a readable message
    for page in (f"/officer/lots/{lot_id}/edit", f"/officer/lots/{lot_id}/tour",
                 f"/officer/lots/{lot_id}/relist", f"/cases/{case_id}"):
        r = stranger.get(page)
        assert r.status_code == 403 and "属于其他法院" in r.text, page
    # an officer of the same court may (the case's court, not membership, decides)
    peer = actor(portal, redis_url, "officer_a2", role="officer")
    linked = peer.post(f"/api/cases/{case_id}/applicants", json={"username": "applicant2"})
    assert linked.status_code == 201 and linked.json()["applicants"] == ["applicant2"]
    assert peer.patch(f"/api/lots/{lot_id}", json={"title": "改名"}).status_code == 200


def test_events_belong_to_their_court(portal: str, redis_url: str, officer: httpx.Client,
                                      stranger: httpx.Client) -> None:
    lot = officer.post("/api/lots", json=lot_body()).json()
    now = now_ms()
    body = {"title": "看样直播", "starts_at": iso(now - 60_000), "ends_at": iso(now + 3600_000),
            "venues": [{"name": "现场", "lot_id": lot["id"], "source": "ingest"}]}
    assert refused(stranger.post("/api/events", json=body))
    event = officer.post("/api/events", json=body).json()
    e = f"/api/events/{event['id']}"
    assert event["venues"][0].get("stream_key")
    assert not stranger.get(e).json()["venues"][0].get("stream_key")
    assert refused(stranger.post(e + "/on-air", json={"venue_id": 1}))
    assert refused(stranger.post(e + "/announcements", json={"text": "注意"}))
    assert refused(stranger.patch(e + "/settings", json={"slow_mode": 5}))
    assert refused(stranger.post(e + "/end", json={}))
    assert stranger.get(f"/events/{event['id']}/host").status_code == 403
    assert officer.post(e + "/announcements", json={"text": "注意"}).status_code == 201


def test_create_officer_cli_sets_the_court(portal: str, redis_url: str,
                                           tmp_path: Path) -> None:
    env = dict(os.environ, **redis_env(redis_url), DATA_DIR=str(tmp_path))
    for name, extra in (("cli_a", ()), ("cli_b", ("--court", OTHER_COURT))):
        made = run_cli("create-officer", name, "--password", "chief-pass-123", *extra, env=env)
        assert made.returncode == 0, made.stderr
    courts = []
    for name in ("cli_a", "cli_b"):
        client = httpx.Client(base_url=portal)
        assert client.post("/api/session", json={"username": name,
                                                 "password": "chief-pass-123"}).status_code == 200
        courts.append(client.post("/api/lots", json=lot_body(
            case_number=f"(2026)京执{name}号")).json()["court"])
    assert courts == [DEFAULT_COURT, OTHER_COURT]  # no --court: the configured COURT


def case_ledger_sides(case: dict) -> list[str]:
    return [side for e in case["ledger"] for side in (e["from"], e["to"])
            if side.startswith("bidder:")]


def test_case_ledger_names_bidder_codes_never_accounts(portal: str, redis_url: str,
                                                       officer: httpx.Client) -> None:
    applicant = actor(portal, redis_url, "bank_c", role="applicant")
    winner = actor(portal, redis_url, "bidder_w")
    loser = actor(portal, redis_url, "bidder_l")  # accounts first: the lot below is short
    lot = officer.post("/api/lots", json=lot_body(
        starts_at=iso(now_ms() - 59_000), ends_at=iso(now_ms() + 6000),
        extension_seconds=0)).json()
    assert officer.post(f"/api/cases/{lot['case_id']}/applicants",
                        json={"username": "bank_c"}).status_code == 201
    code_w, code_l = (pay_deposit(who, lot["id"]) for who in (winner, loser))
    # a legacy entry (before codes were used) names the account
    run_async(_legacy_entry(redis_url, lot["case_id"], lot["id"], "bidder_l"))
    assert loser.post(f"/api/lots/{lot['id']}/bids", json={"amount": "800000.00"}) \
        .status_code == 201
    assert winner.post(f"/api/lots/{lot['id']}/bids", json={"amount": "810000.00"}) \
        .status_code == 201
    for who in (applicant, officer):  # while the lot is live
        live = who.get(f"/api/cases/{lot['case_id']}")
        assert lot_status(who, lot["id"]) == "live"
        assert sorted(set(case_ledger_sides(live.json()))) == sorted(
            {f"bidder:{code_w}", f"bidder:{code_l}"})
        for name in ("bidder_w", "bidder_l", "张三", id_for("bidder_w")):
            assert name not in live.text and name not in who.get(f"/cases/{lot['case_id']}").text
    deadline = time.monotonic() + 20
    while applicant.get(f"/api/lots/{lot['id']}/result").json()["settlement"]["status"] \
            != "awaiting_payment":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    after = applicant.get(f"/api/cases/{lot['case_id']}")
    assert "bidder_l" not in after.text and "bidder_w" not in after.text
    assert f"bidder:{code_l}" in case_ledger_sides(after.json())  # the refund, by code
    dash = officer.get("/api/officer/dashboard").text + officer.get("/officer/dashboard").text
    assert "bidder_l" not in dash and "bidder_w" not in dash
    notes = applicant.get("/api/me/notifications").text
    assert "bidder_l" not in notes and "bidder_w" not in notes
    # the confirmation of sale names the buyer (name shown, ID masked); never the loser
    conf = httpx.get(f"{portal}/lots/{lot['id']}/confirmation")
    assert "张三" in conf.text and id_for("bidder_w") not in conf.text
    masked = {n: id_for(n)[:6] + "********" + id_for(n)[-4:] for n in ("bidder_w", "bidder_l")}
    assert masked["bidder_w"] in conf.text
    assert "bidder_l" not in conf.text and masked["bidder_l"] not in conf.text


def lot_status(client: httpx.Client, lot_id: int) -> str:
    return str(client.get(f"/api/lots/{lot_id}").json()["status"])


async def _legacy_entry(redis_url: str, case_id: int, lot_id: int, username: str) -> None:
    client = async_client(redis_url, decode_responses=True)
    await CaseAccounts(client).post(case_id, "legacy:1", "deposit_paid", f"bidder:{username}",
                                    f"deposits:{lot_id}", 100, lot_id, username)
    await client.aclose()


def test_one_person_one_account(portal: str, redis_url: str) -> None:
    body = {"username": "person_a", "password": "long-enough-1", "real_name": "李四",
            "id_number": "11010519491231002X", "phone": "13912345678"}
    assert httpx.post(f"{portal}/api/users", json=body).status_code == 201
    for variant in ("11010519491231002x", " 110105 19491231 002X "):
        again = httpx.post(f"{portal}/api/users",
                           json={**body, "username": "person_b", "id_number": variant})
        assert refused(again, "id_number_taken", 409), variant
    page = httpx.Client(base_url=portal)
    token = page_csrf(page.get("/register").text)
    form = page.post("/register", data={**body, "username": "person_c", "csrf_token": token})
    assert form.status_code in (400, 409) and "该身份证号已注册" in form.text
    assert httpx.post(f"{portal}/api/session", json={"username": "person_b",
                                                     "password": "long-enough-1"}) \
        .status_code == 401


def test_concurrent_sign_ups_with_one_id_number(redis_url: str) -> None:
    async def run() -> list[object]:
        client = async_client(redis_url, decode_responses=True)
        users = Users(client)
        results = await asyncio.gather(*(users.create(
            {"username": f"twin{i}", "password": "long-enough-1", "real_name": "双",
             "id_number": "11010519491231002X", "phone": "13800000000"})
            for i in range(4)), return_exceptions=True)
        left = [await users.get(f"twin{i}") for i in range(4)]
        await client.aclose()
        return [*results, *left]

    out = run_async(run())
    made, stored = out[:4], out[4:]
    assert sum(1 for r in made if not isinstance(r, Exception)) == 1
    assert all(getattr(r, "code", None) == "id_number_taken" for r in made
               if isinstance(r, Exception))
    assert sum(1 for u in stored if u is not None) == 1  # the losers left no account behind


def test_officers_and_the_debtor_cannot_bid(portal: str, redis_url: str,
                                            officer: httpx.Client) -> None:
    debtor = actor(portal, redis_url, "debtor_x")
    lot = officer.post("/api/lots", json=lot_body(
        case_number="(2026)京01执90号", debtor_id_number=id_for("debtor_x").lower())).json()
    assert "debtor" not in httpx.get(f"{portal}/api/lots/{lot['id']}").text
    assert refused(officer.post(f"/api/lots/{lot['id']}/registrations",
                                json=TERMS),
                   "officers_cannot_bid")
    assert refused(debtor.post(f"/api/lots/{lot['id']}/registrations",
                                json=TERMS),
                   "debtor_cannot_bid")
    token = page_csrf(debtor.get(f"/lots/{lot['id']}").text)
    page = debtor.post(f"/lots/{lot['id']}/register", data={"csrf_token": token})
    assert page.status_code == 403 and "被执行人不得竞买" in page.text
    # another lot of the same case (the debtor is the case's), and a stranger may bid
    second = officer.post("/api/lots", json=lot_body(case_number="(2026)京01执90号")).json()
    assert refused(debtor.post(f"/api/lots/{second['id']}/registrations",
                                json=TERMS),
                   "debtor_cannot_bid")
    assert paid_bidder(portal, redis_url, lot["id"], "someone_else")[1]
    bad = officer.post("/api/lots", json=lot_body(case_number="(2026)京01执91号",
                                                  debtor_id_number="123"))
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "debtor_id_number"
