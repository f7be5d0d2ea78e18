"""After the hammer against a real Redis: refunds at close, the balance within and after the
deadline, default and forfeiture in the legal order, relisting limits, the fixed-price sale,
signed/forged/replayed callbacks, exactly-once settlement, and reconciling account ledgers."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from settlement_support import OFFICER, close_services, new_lot, paid, services, wait_closed

from bidding.rules import DAY_MS
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.timefmt import ms_to_iso
from portal.keys import SETTLE_DUE
from portal.payments import sign
from portal.relist import relist

START = 80_000_000
INC = 1_000_000
DEP = 8_000_000


@pytest.fixture
async def app(redis_alone_url: str, tmp_path: Any) -> Any:
    state = await services(redis_alone_url, tmp_path)
    yield state
    await close_services(state)


async def kinds(app: Any, case_id: int) -> list[tuple[str, int]]:
    return [(e["kind"], e["amount"]) for e in await app.settlement.accounts.entries(case_id)]


async def deposit_statuses(app: Any, lot_id: int) -> dict[str, str]:
    return {d["username"]: d["status"] for d in await all_deposits(app, lot_id)}


async def all_deposits(app: Any, lot_id: int) -> list[dict[str, Any]]:
    out = []
    for username in ("a", "b", "c", "d"):
        for d in await app.settlement.deposits_for(username):
            if d["lot_id"] == lot_id:
                out.append({**d, "username": username})
    return out


async def sold_lot(app: Any, bids: int = 3) -> tuple[dict[str, Any], dict[str, str]]:
    """A lot where a, b, c paid deposits and a then b bid; b wins at START + INC."""
    lot = await new_lot(app)
    codes = {u: (await paid(app, lot["id"], u))[0] for u in ("a", "b", "c")}
    price = START
    for n in range(bids - 1):
        who = "a" if n % 2 == 0 else "b"
        assert (await app.store.place_bid(lot["id"], codes[who], price)).ok
        price += INC
    return lot, codes


async def test_losing_deposits_refunded_at_close_winner_applied(app: Any) -> None:
    lot, codes = await sold_lot(app)
    unpaid = await new_lot(app, case_number="(2026)京01执2号")
    from portal.lot_routes import register

    await register(app, unpaid["id"], "d", accept_terms=True)  # never pays
    await wait_closed(app, lot["id"], unpaid["id"])
    case_id = lot["case_id"]
    assert await kinds(app, case_id) == [
        ("deposit_paid", DEP), ("deposit_paid", DEP), ("deposit_paid", DEP),
        ("deposit_refunded", DEP), ("deposit_refunded", DEP), ("deposit_applied", DEP)]
    assert await deposit_statuses(app, lot["id"]) == {"a": "refunded", "b": "applied",
                                                      "c": "refunded"}
    balances = await app.settlement.accounts.balances(case_id)
    assert balances[f"deposits:{lot['id']}"] == 0
    assert balances[f"proceeds:{lot['id']}"] == DEP
    rec = await app.settlement.record(lot["id"])
    assert rec["status"] == "awaiting_payment" and rec["winner"] == "b"
    assert rec["balance"] == START + INC - DEP
    assert rec["due_at"] == rec["closed_at"] + 10 * DAY_MS
    # the unpaid order was cancelled: paying it now is refused and nothing moves
    order = await app.payments.get(await app.payments.order_id(unpaid["id"], "d", "deposit"))
    assert order["status"] == "cancelled"
    with pytest.raises(Conflict) as late:
        await app.payments.confirm_as_payer(order["id"], "d")
    assert late.value.code == "payment_closed"
    assert await app.settlement.accounts.entries(unpaid["case_id"]) == []
    assert await app.settlement.deposits_for("d") == []
    assert (await app.settlement.accounts.verify(case_id)).ok
    notes = [json.loads(x)["kind"] for x in await app.redis.lrange("user:a:notifications", 0, -1)]
    assert "deposit_refunded" in notes and "outbid" not in notes  # outbid comes from the API


async def test_settlement_runs_exactly_once_with_racing_workers(app: Any) -> None:
    lot, _ = await sold_lot(app)
    await wait_closed(app, lot["id"])
    before = await kinds(app, lot["case_id"])
    results = await asyncio.gather(*(app.settlement.settle_lot(lot["id"]) for _ in range(6)),
                                   app.settlement.tick(), app.settlement.tick())
    assert results[:6] == [True] * 6
    assert await kinds(app, lot["case_id"]) == before
    mails = (app.settings.data_dir / "mail.log").read_text(encoding="utf-8").splitlines()
    won = [m for m in mails if json.loads(m)["to"] == "b" and "竞买成功" in m]
    assert len(won) == 1  # the winner's notice was mailed once


async def test_balance_paid_within_deadline_completes_sale(app: Any) -> None:
    lot, _ = await sold_lot(app)
    await wait_closed(app, lot["id"])
    rec = await app.settlement.record(lot["id"])
    order = await app.payments.get(rec["balance_order"])
    assert (order["purpose"], order["amount"], order["due_at"]) == (
        "balance", START + INC - DEP, rec["due_at"])
    with pytest.raises(NotFound):  # not the buyer's order: as if it did not exist
        await app.payments.confirm_as_payer(order["id"], "a")
    body, signature = app.payments.signed_callback(order["id"], order["amount"])
    first = await app.payments.callback(body, signature)
    assert first["changed"] and first["payment"]["status"] == "paid"
    with pytest.raises(Conflict) as replay:  # the same nonce again
        await app.payments.callback(body, signature)
    assert replay.value.code == "replayed_callback"
    body, signature = app.payments.signed_callback(order["id"], order["amount"])
    assert (await app.payments.callback(body, signature))["changed"] is False
    rec = await app.settlement.record(lot["id"])
    assert rec["status"] == "paid" and rec["paid_at"] >= rec["closed_at"]
    assert await app.redis.zscore(SETTLE_DUE, str(lot["id"])) is None
    assert (await kinds(app, lot["case_id"]))[-1] == ("balance_paid", START + INC - DEP)
    assert await app.settlement.accounts.balance(lot["case_id"],
                                                 f"proceeds:{lot['id']}") == START + INC
    assert await app.settlement.default(lot["id"]) is False  # a paid sale cannot default
    released = await app.settlement.release(lot["id"])
    assert released == START + INC
    assert await app.settlement.release(lot["id"]) == 0
    check = await app.settlement.accounts.verify(lot["case_id"])
    assert check.ok and check.balance == 0 and check.money_in == check.money_out


async def test_forged_and_altered_callbacks_change_nothing(app: Any) -> None:
    lot, _ = await sold_lot(app)
    await wait_closed(app, lot["id"])
    rec = await app.settlement.record(lot["id"])
    order = await app.payments.get(rec["balance_order"])
    ledger_before = await kinds(app, lot["case_id"])
    forged = json.dumps({"payment_id": order["id"], "status": "paid", "amount": order["amount"],
                         "ts": int(time.time()), "nonce": "forged-nonce"}).encode()
    for signature in (None, "", "0" * 64, sign("wrong-secret", forged)):
        with pytest.raises(Forbidden) as exc:
            await app.payments.callback(forged, signature)
        assert exc.value.code == "bad_signature"
    body, signature = app.payments.signed_callback(order["id"], order["amount"])
    altered = body.replace(str(order["amount"]).encode(), b"1")
    with pytest.raises(Forbidden):
        await app.payments.callback(altered, signature)
    cheap = json.dumps({"payment_id": order["id"], "status": "paid", "amount": 1,
                        "ts": int(time.time()), "nonce": "cheap-nonce"}).encode()
    with pytest.raises(Conflict) as mismatch:
        await app.payments.callback(cheap, sign(app.payments.provider.secret, cheap))
    assert mismatch.value.code == "callback_mismatch"
    assert (await app.payments.get(order["id"]))["status"] == "pending"
    assert (await app.settlement.record(lot["id"]))["status"] == "awaiting_payment"
    assert await kinds(app, lot["case_id"]) == ledger_before


async def test_payment_after_deadline_refused_then_default_forfeits(app: Any) -> None:
    lot, codes = await sold_lot(app)
    await wait_closed(app, lot["id"])
    await app.settlement.set_terms(lot["id"], auction_costs=3_000_000)
    rec = await app.settlement.record(lot["id"])
    now = await app.store.server_time_ms()
    with pytest.raises(Invalid):
        await app.settlement.set_terms(lot["id"], due_at=now - 1)
    await app.settlement.force_due(lot["id"], now - 1)
    with pytest.raises(Conflict) as late:
        await app.payments.confirm_as_payer(rec["balance_order"], "b")
    assert late.value.code == "payment_deadline_passed"
    assert (await app.payments.get(rec["balance_order"]))["status"] == "pending"
    await app.settlement.tick()  # the worker defaults the buyer
    rec = await app.settlement.record(lot["id"])
    assert rec["status"] == "defaulted" and rec["forfeited"] == DEP
    assert (await app.payments.get(rec["balance_order"]))["status"] == "expired"
    with pytest.raises(Conflict):
        await app.payments.confirm_as_payer(rec["balance_order"], "b")
    assert await deposit_statuses(app, lot["id"]) == {"a": "refunded", "b": "forfeited",
                                                      "c": "refunded"}
    assert (await kinds(app, lot["case_id"]))[-2:] == [("deposit_forfeited", DEP),
                                                       ("forfeit_to_costs", 3_000_000)]
    assert await app.settlement.default(lot["id"]) is False  # once
    assert await app.settlement.outcome(lot["id"]) == "defaulted"
    with pytest.raises(Conflict):
        await app.settlement.release(lot["id"])
    assert (await app.settlement.accounts.verify(lot["case_id"])).ok


async def test_reauction_after_default_bars_buyer_and_applies_forfeit_in_order(app: Any) -> None:
    lot, _ = await sold_lot(app)  # b wins at START + INC
    await wait_closed(app, lot["id"])
    await app.settlement.set_terms(lot["id"], auction_costs=1_000_000)
    await app.settlement.force_due(lot["id"], await app.store.server_time_ms() - 1)
    assert await app.settlement.default(lot["id"])
    now = await app.store.server_time_ms()
    new = await relist(app, lot["id"], {"starting_price": "800000.00",
                                        "starts_at": ms_to_iso(now - 59_000),
                                        "ends_at": ms_to_iso(now + 600_000)}, OFFICER)
    assert (new["round"], new["previous_lot_id"], new["barred"]) == (1, lot["id"], ["b"])
    assert new["case_id"] == lot["case_id"]
    with pytest.raises(Forbidden) as barred:
        await paid(app, new["id"], "b")
    assert barred.value.code == "barred_after_default"
    with pytest.raises(Conflict) as again:
        await relist(app, lot["id"], {"starting_price": "800000.00",
                                      "starts_at": ms_to_iso(now), "ends_at": ms_to_iso(now + 9e5)},
                     OFFICER)
    assert again.value.code == "already_relisted"
    code, _ = await paid(app, new["id"], "c")
    assert (await app.store.place_bid(new["id"], code, START)).ok  # sells 1 increment lower
    await wait_closed(app, new["id"])
    rec = await app.settlement.record(new["id"])
    await app.payments.confirm_as_payer(rec["balance_order"], "c")
    entries = await kinds(app, lot["case_id"])
    # forfeited 80 000: costs 10 000 first, the shortfall 10 000 next, the debt gets 60 000
    assert entries[-3:] == [("balance_paid", START - DEP), ("forfeit_to_shortfall", INC),
                            ("forfeit_to_debt", DEP - 1_000_000 - INC)]
    assert await app.settlement.accounts.balance(lot["case_id"], f"proceeds:{new['id']}") == \
        START + DEP - 1_000_000
    assert await app.settlement.accounts.balance(lot["case_id"], f"forfeited:{lot['id']}") == 0
    assert await app.settlement.release(new["id"]) == START + DEP - 1_000_000
    check = await app.settlement.accounts.verify(lot["case_id"])
    assert check.ok and check.balance == 0


async def test_second_auction_and_fixed_price_sale_limits_and_engine(app: Any) -> None:
    lot = await new_lot(app, property_type="vehicle", area_m2=None)
    await wait_closed(app, lot["id"])
    assert await app.settlement.outcome(lot["id"]) == "failed"
    now = await app.store.server_time_ms()

    def body(price: str, start: int, end: int) -> dict[str, Any]:
        return {"starting_price": price, "starts_at": ms_to_iso(start), "ends_at": ms_to_iso(end)}

    cases = [(body("639999.99", now, now + 90_000), "second_auction_price_below_80pct"),
             (body("800000.01", now, now + 90_000), "second_auction_price_above_first"),
             (body("700000.00", now + 31 * DAY_MS, now + 32 * DAY_MS),
              "second_auction_not_within_30_days")]
    for data, code in cases:
        with pytest.raises(Invalid) as refused:
            await relist(app, lot["id"], data, OFFICER)
        assert refused.value.code == code
    second = await relist(app, lot["id"], body("640000.00", now - 59_000, now + 600_000), OFFICER)
    assert (second["round"], second["sale_mode"], second["starting_price"]) == (2, "auction",
                                                                                64_000_000)
    assert second["deposit"] == 6_400_000
    await wait_closed(app, second["id"])
    now = await app.store.server_time_ms()
    with pytest.raises(Invalid) as wrong_price:
        await relist(app, second["id"], body("630000.00", now, now + 90_000), OFFICER)
    assert wrong_price.value.code == "fixed_price_not_second_auction_price"
    with pytest.raises(Invalid) as too_long:
        await relist(app, second["id"], body("640000.00", now, now + 61 * DAY_MS), OFFICER)
    assert too_long.value.code == "fixed_price_period_above_60_days"
    sale = await relist(app, second["id"], body("640000.00", now - 59_000, now + DAY_MS),
                        OFFICER)
    assert (sale["round"], sale["sale_mode"], sale["deposit"]) == (3, "fixed_price", 64_000_000)
    # the first full-price payer's bid brings the end forward to bid time + window (0 s here),
    # so the sale closes at once and the advance payment covers the price
    code, _ = await paid(app, sale["id"], "a")
    other, _ = await paid(app, sale["id"], "b")
    first = await app.store.place_bid(sale["id"], code, 64_000_000)
    assert first.ok and first.bid["ends_at"] == first.bid["at"]
    late = await app.store.place_bid(sale["id"], other, 64_000_000 + INC)
    assert not late.ok and late.error == "closed"
    await wait_closed(app, sale["id"])
    rec = await app.settlement.record(sale["id"])
    assert (rec["status"], rec["winner"], rec["balance"]) == ("paid", "a", 0)
    assert await deposit_statuses(app, sale["id"]) == {"a": "applied", "b": "refunded"}
    now = await app.store.server_time_ms()
    with pytest.raises(Invalid) as none_after:
        await relist(app, sale["id"], body("640000.00", now, now + DAY_MS), OFFICER)
    assert none_after.value.code == "lot_not_failed"
    assert (await app.settlement.accounts.verify(lot["case_id"])).ok


async def test_fixed_price_sale_others_may_raise_with_extension(app: Any) -> None:
    lot = await new_lot(app, extension_seconds=2)
    await wait_closed(app, lot["id"])
    now = await app.store.server_time_ms()
    second = await relist(app, lot["id"], {"starting_price": "640000.00",
                                           "starts_at": ms_to_iso(now - 59_000),
                                           "ends_at": ms_to_iso(now + 600_000)}, OFFICER)
    await wait_closed(app, second["id"])
    now = await app.store.server_time_ms()
    sale = await relist(app, second["id"], {"starting_price": "640000.00",
                                            "starts_at": ms_to_iso(now - 59_000),
                                            "ends_at": ms_to_iso(now + DAY_MS)}, OFFICER)
    a, _ = await paid(app, sale["id"], "a")
    b, _ = await paid(app, sale["id"], "b")
    first = await app.store.place_bid(sale["id"], a, 64_000_000)
    assert first.ok and first.bid["ends_at"] == first.bid["at"] + 2000
    raise_ = await app.store.place_bid(sale["id"], b, 64_000_000 + INC)
    assert raise_.ok and raise_.bid["ends_at"] >= first.bid["ends_at"]
    await wait_closed(app, sale["id"])
    rec = await app.settlement.record(sale["id"])
    assert (rec["winner"], rec["status"], rec["balance"]) == ("b", "awaiting_payment", INC)
    await app.payments.confirm_as_payer(rec["balance_order"], "b")
    assert (await app.settlement.record(sale["id"]))["status"] == "paid"
    assert await deposit_statuses(app, sale["id"]) == {"a": "refunded", "b": "applied"}


async def test_priority_purchaser_ties_in_a_second_auction(app: Any) -> None:
    from portal.users import Users

    await Users(app.redis).create({"username": "heir", "password": "long-enough-1",
                                   "real_name": "继承人", "id_number": "11010519491231002X",
                                   "phone": "13800138000"})
    lot = await new_lot(app, priority_purchasers=[{"username": "heir", "rank": 1}])
    await wait_closed(app, lot["id"])
    now = await app.store.server_time_ms()
    second = await relist(app, lot["id"], {"starting_price": "700000.00",
                                           "starts_at": ms_to_iso(now - 59_000),
                                           "ends_at": ms_to_iso(now + 600_000)}, OFFICER)
    assert second["priority_purchasers"] == [{"username": "heir", "rank": 1}]
    other, _ = await paid(app, second["id"], "a")
    heir, _ = await paid(app, second["id"], "heir")
    assert (await app.store.bidder(second["id"], heir))["rank"] == 1
    assert (await app.store.place_bid(second["id"], other, 70_000_000)).ok
    match = await app.store.place_bid(second["id"], heir, 70_000_000)
    assert match.ok and match.state["leader_code"] == heir  # equal price, priority wins
    again = await app.store.place_bid(second["id"], other, 70_000_000)
    assert not again.ok and again.error == "below_minimum"
    await wait_closed(app, second["id"])
    assert (await app.settlement.record(second["id"]))["winner"] == "heir"


async def test_strict_mode_minimum_periods_for_second_auction(redis_alone_url: str,
                                                              tmp_path: Any) -> None:
    app = await services(redis_alone_url, tmp_path, rules="strict")
    try:
        now = await app.store.server_time_ms()
        from settlement_support import lot_input

        lot = await app.lots.create(lot_input(now), OFFICER, "strict", check=False)
        await wait_closed(app, lot["id"])
        now = await app.store.server_time_ms()
        soon = {"starting_price": "700000.00", "starts_at": ms_to_iso(now + 14 * DAY_MS),
                "ends_at": ms_to_iso(now + 14 * DAY_MS + 3_600_000)}
        with pytest.raises(Invalid) as refused:
            await relist(app, lot["id"], soon, OFFICER)
        codes = [v["code"] for v in refused.value.extra["violations"]]
        assert codes == ["bidding_period_below_24h", "second_auction_announcement_below_15_days"]
        ok = await relist(app, lot["id"], {"starting_price": "700000.00",
                                           "starts_at": ms_to_iso(now + 16 * DAY_MS),
                                           "ends_at": ms_to_iso(now + 17 * DAY_MS)}, OFFICER)
        assert ok["round"] == 2
    finally:
        await close_services(app)


async def test_reminders_opening_and_step_notifications(app: Any) -> None:
    from portal import notifications
    from portal.cases import link_applicant

    now = await app.store.server_time_ms()
    from settlement_support import lot_input

    lot = await app.lots.create(lot_input(now, ends_in_ms=120_000, starts_at=ms_to_iso(now + 400)),
                                OFFICER, "sandbox", check=False)
    await link_applicant(app.redis, lot["case_id"], "bank")
    await notifications.subscribe_reminders(app.redis, lot["id"], "a", lot["starts_at"],
                                            lot["ends_at"], now)
    while await app.store.server_time_ms() < lot["starts_at"]:
        await asyncio.sleep(0.05)
    await app.settlement.tick()
    await app.settlement.tick()
    mine = [i["kind"] for i in await notifications.items(app.redis, "a")]
    assert mine.count("reminder_open") == 1 and mine.count("reminder_end") == 1
    bank = [i["kind"] for i in await notifications.items(app.redis, "bank")]
    assert bank.count("bidding_open") == 1
    mails = (app.settings.data_dir / "mail.log").read_text(encoding="utf-8")
    assert "开拍提醒" in mails and "结束提醒" in mails
    await notifications.unsubscribe_reminders(app.redis, lot["id"], "a")
    assert await app.redis.zcard(notifications.REMINDERS_DUE) == 0
