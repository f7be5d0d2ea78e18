"""Randomised scenarios (seeded): whatever mix of deposits, replays, forged callbacks, bids,
payments in and after the deadline, defaults, re-auctions, forfeits and releases happens, every
case's account ledger verifies and its totals reconcile with the payment orders."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from typing import Any

import pytest
from settlement_support import OFFICER, close_services, new_lot, services, wait_closed

from core.errors import Conflict, Forbidden
from core.timefmt import ms_to_iso
from portal.lot_routes import register
from portal.relist import relist

USERS = ["u1", "u2", "u3", "u4", "u5"]


@pytest.fixture
async def app(redis_alone_url: str, tmp_path: Any) -> Any:
    state = await services(redis_alone_url, tmp_path)
    yield state
    await close_services(state)


async def open_auction(app: Any, rng: random.Random, lot: dict[str, Any]) -> None:
    """Random registrations, deposits (some replayed, some forged) and valid bids."""
    codes = []
    for user in rng.sample(USERS, rng.randint(0, 4)):
        try:
            reg, _ = await register(app, lot["id"], user, accept_terms=True)
        except Forbidden:  # barred after a default
            continue
        if rng.random() < 0.8:
            pid = reg["deposit"]["payment_id"]
            body, sig = app.payments.signed_callback(pid, lot["deposit"])
            await app.payments.callback(body, sig)
            if rng.random() < 0.3:  # replayed: refused, changes nothing
                with pytest.raises(Conflict):
                    await app.payments.callback(body, sig)
            if rng.random() < 0.3:
                with pytest.raises(Forbidden):
                    await app.payments.callback(body, "f" * 64)
            codes.append(reg["bidder_code"])
    price = lot["starting_price"]
    for n in range(rng.randint(0, 5) if codes else 0):
        outcome = await app.store.place_bid(lot["id"], codes[n % len(codes)], price)
        if outcome.ok:
            price += lot["increment"] * rng.randint(1, 2)


async def after_close(app: Any, rng: random.Random, lot: dict[str, Any]) -> str:
    """Random settlement path for a closed lot; returns what happened."""
    rec = await app.settlement.record(lot["id"])
    if rec.get("status") != "awaiting_payment":
        return str(rec.get("status"))
    if rng.random() < 0.3:
        await app.settlement.set_terms(lot["id"], auction_costs=rng.randint(0, 2 * lot["deposit"]))
    choice = rng.random()
    if choice < 0.5:
        await app.payments.confirm_as_payer(rec["balance_order"], rec["winner"])
        return "paid"
    await app.settlement.force_due(lot["id"], await app.store.server_time_ms() - 1)
    if choice < 0.75:
        with pytest.raises(Conflict):
            await app.payments.confirm_as_payer(rec["balance_order"], rec["winner"])
    await asyncio.gather(app.settlement.default(lot["id"]), app.settlement.tick())
    return "defaulted"


async def scenario(app: Any, seed: int) -> None:
    rng = random.Random(seed)
    lots = []
    for n in range(8):
        start = rng.choice([40_000_000, 80_000_000, 123_400_000])
        lots.append(await new_lot(app, case_number=f"(2026)京01执{seed}-{n % 3}号", start=start,
                                  ends_in_ms=600_000))
        await open_auction(app, rng, lots[-1])
    await wait_closed(app, *(lot["id"] for lot in lots))
    outcomes = {lot["id"]: await after_close(app, rng, lot) for lot in lots}
    # second round: relist failed and defaulted lots at a random allowed price
    now = await app.store.server_time_ms()
    second = []
    for lot in lots:
        if outcomes[lot["id"]] in ("failed", "defaulted") and rng.random() < 0.7:
            low = lot["starting_price"] * 8 // 10 // 100 * 100 + 100
            price = rng.randrange(low, lot["starting_price"] + 1, 100)
            if outcomes[lot["id"]] == "defaulted":
                price = max(price, lot["appraisal_price"] * 7 // 10 + 100)
            new = await relist(app, lot["id"], {
                "starting_price": f"{price // 100}.00", "starts_at": ms_to_iso(now - 59_000),
                "ends_at": ms_to_iso(now + 600_000)}, OFFICER)
            await open_auction(app, rng, new)
            second.append(new)
    await wait_closed(app, *(lot["id"] for lot in second))
    for lot in second:
        outcomes[lot["id"]] = await after_close(app, rng, lot)
    for lot in lots + second:  # officer actions, some repeated
        if outcomes[lot["id"]] == "defaulted" and not await app.settlement.next_lot(lot["id"]):
            await app.settlement.apply_forfeit_now(lot["id"])
        if rng.random() < 0.6:
            for _ in range(rng.randint(1, 2)):
                try:
                    await app.settlement.release(lot["id"])
                except Conflict:
                    pass
    await app.settlement.tick()
    await check_books(app, lots + second)


async def check_books(app: Any, lots: list[dict[str, Any]]) -> None:
    case_ids = {lot["case_id"] for lot in lots}
    received: dict[int, int] = defaultdict(int)
    for user in USERS:
        for order in await app.payments.for_user(user):
            if order["status"] == "paid":
                lot = await app.lots.get(order["lot_id"])
                received[lot["case_id"]] += order["amount"]
            if order["purpose"] == "deposit" and order["status"] == "paid":
                # every paid deposit of a closed lot has left the frozen state
                assert order["deposit_status"] in ("refunded", "applied", "forfeited"), order
    for case_id in case_ids:
        check = await app.settlement.accounts.verify(case_id)
        assert check.ok, check.reason
        entries = await app.settlement.accounts.entries(case_id)
        assert sum(e["amount"] for e in entries if e["kind"] in ("deposit_paid", "balance_paid")) \
            == received[case_id] == check.money_in
        assert check.money_in - check.money_out == check.balance
        assert all(v >= 0 for v in check.accounts.values())
        refs = [e["ref"] for e in entries]
        assert len(refs) == len(set(refs))  # no movement recorded twice
    for lot in lots:
        balances = await app.settlement.accounts.balances(lot["case_id"])
        assert balances.get(f"deposits:{lot['id']}", 0) == 0  # nothing left frozen
        rec = await app.settlement.record(lot["id"])
        entries = [e for e in await app.settlement.accounts.entries(lot["case_id"])
                   if e["lot"] == lot["id"]]
        if rec.get("status") == "paid":
            into = sum(e["amount"] for e in entries if e["to"] == f"proceeds:{lot['id']}")
            assert into >= rec["final_price"]  # price (+ forfeits credited to this sale)
            out = sum(e["amount"] for e in entries if e["from"] == f"proceeds:{lot['id']}")
            assert into - out == balances.get(f"proceeds:{lot['id']}", 0)
        if rec.get("status") == "defaulted":
            uses = [e["kind"] for e in await app.settlement.accounts.entries(lot["case_id"])
                    if e["from"] == f"forfeited:{lot['id']}"]
            order = ["forfeit_to_costs", "forfeit_to_shortfall", "forfeit_to_debt"]
            assert uses == sorted(uses, key=order.index)  # the legal order


@pytest.mark.parametrize("seed", [7, 2026])
async def test_random_scenarios_reconcile(app: Any, seed: int) -> None:
    await scenario(app, seed)
