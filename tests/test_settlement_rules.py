"""Pure after-the-hammer rules: relisting limits by mode, the forfeit's legal order, the close
split, fees, deadlines and figures; the fixed-price sale in the pure bid rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bidding.rules import DAY_MS, BidderSnapshot, LotSnapshot, check_bid, extended_end
from portal.settlement_rules import (
    Deadline,
    LotFacts,
    PriorLot,
    RelistTerms,
    apply_forfeit,
    court_figures,
    fee_estimate,
    lot_deadlines,
    next_deadline,
    next_round,
    reauction_shortfall,
    relist_deadline_ms,
    relist_violations,
    split_at_close,
)

NOW = 1_800_000_000_000
FAILED = PriorLot(round=1, outcome="failed", starting_price=1_000_000, ended_at_ms=NOW,
                  property_type="residential", appraisal_price=1_250_000,
                  first_price=1_000_000, second_price=None)


def terms(price: int = 900_000, start_days: float = 16, days: float = 1,
          deposit: int | None = None) -> RelistTerms:
    start = NOW + int(start_days * DAY_MS)
    return RelistTerms(price, deposit if deposit is not None else price // 10, 10_000, start,
                       start + int(days * DAY_MS))


def codes(prior: PriorLot, t: RelistTerms, mode: str = "strict") -> list[str]:
    return [v.code for v in relist_violations(prior, t, NOW, mode)]


def test_second_auction_price_limits_hold_in_every_mode() -> None:
    for mode in ("strict", "sandbox"):
        assert codes(FAILED, terms(800_000), mode) == []
        assert codes(FAILED, terms(799_999), mode) == ["second_auction_price_below_80pct"]
        assert codes(FAILED, terms(1_000_001), mode) == ["second_auction_price_above_first"]
        assert codes(FAILED, terms(900_000, deposit=30_000), mode) == ["deposit_outside_5_20pct"]
        assert "second_auction_not_within_30_days" in codes(FAILED, terms(start_days=30.5),
                                                            mode)


def test_second_auction_minimum_periods_relax_only_in_sandbox() -> None:
    short = terms(start_days=2, days=0.5)
    assert codes(FAILED, short, "strict") == ["bidding_period_below_24h",
                                              "second_auction_announcement_below_15_days"]
    assert codes(FAILED, short, "sandbox") == []
    movable = replace(FAILED, property_type="vehicle")
    assert codes(movable, terms(start_days=7), "strict") == []
    assert codes(movable, terms(start_days=6.9), "strict") == [
        "second_auction_announcement_below_7_days"]
    assert codes(FAILED, terms(start_days=-1), "sandbox") == ["starts_in_past"]
    with pytest.raises(ValueError):
        relist_violations(FAILED, terms(), NOW, "lenient")


def test_fixed_price_sale_after_failed_second_auction() -> None:
    second = replace(FAILED, round=2, starting_price=800_000, second_price=800_000)
    assert next_round(second) == 3
    sixty = terms(800_000, start_days=1, days=60, deposit=800_000)
    assert codes(second, sixty) == []
    assert codes(second, replace(sixty, starting_price=790_000, deposit=790_000)) == [
        "fixed_price_not_second_auction_price"]
    assert codes(second, terms(800_000, start_days=1, days=61)) == [
        "fixed_price_period_above_60_days", "fixed_price_period_not_60_days"]
    assert codes(second, terms(800_000, start_days=1, days=10), "strict") == [
        "fixed_price_period_not_60_days"]
    assert codes(second, terms(800_000, start_days=1, days=10), "sandbox") == []
    fixed_failed = replace(second, round=3)
    assert codes(fixed_failed, sixty) == ["no_relist_after_fixed_price_sale"]


def test_relisting_needs_a_failure_or_default_and_default_keeps_the_round() -> None:
    assert codes(replace(FAILED, outcome="sold"), terms()) == ["lot_not_failed"]
    defaulted = replace(FAILED, outcome="defaulted")
    assert next_round(defaulted) == 1
    assert codes(defaulted, terms(870_000, start_days=31), "strict") == [
        "starting_price_below_70pct"]
    assert codes(defaulted, terms(900_000, start_days=20), "strict") == [
        "announcement_below_30_days"]
    assert relist_deadline_ms(FAILED) == NOW + 15 * DAY_MS
    assert relist_deadline_ms(replace(FAILED, property_type="vehicle")) == NOW + 23 * DAY_MS
    assert relist_deadline_ms(defaulted) is None


def test_forfeit_applied_in_legal_order() -> None:
    assert apply_forfeit(100, 30, 50) == apply_forfeit(100, 30, 50)
    use = apply_forfeit(100, 30, 50)
    assert (use.costs, use.shortfall, use.debt, use.total) == (30, 50, 20, 100)
    assert (apply_forfeit(100, 130, 50).costs, apply_forfeit(100, 130, 50).debt) == (100, 0)
    assert apply_forfeit(100, 0, 500).shortfall == 100
    assert apply_forfeit(100, -5, -5).debt == 100
    assert reauction_shortfall(1_000, 900) == 100 and reauction_shortfall(900, 1_000) == 0


def test_split_at_close() -> None:
    split = split_at_close({"A": 10, "B": 10, "C": 10}, "B", 120)
    assert (split.refunds, split.applied, split.balance) == ({"A": 10, "C": 10}, 10, 110)
    failed = split_at_close({"A": 10}, None, 0)
    assert (failed.refunds, failed.applied, failed.balance) == ({"A": 10}, 0, 0)
    full = split_at_close({"A": 120}, "A", 100)  # never keep more than the price
    assert (full.refunds, full.applied, full.balance) == ({"A": 20}, 100, 0)


def test_fee_estimates_show_their_rules() -> None:
    home = fee_estimate("residential", 88.0, 1_000_000_00)
    assert [(i.key, i.amount, i.rate) for i in home.items] == [
        ("fee_commission", 0, "0%"), ("fee_deed_tax", 1_000_000, "1%"),
        ("fee_registration", 8_000, "¥80")]
    assert home.total == 1_008_000
    assert fee_estimate("residential", 150.0, 1_000_000_00).items[1].rate == "1.5%"
    shop = fee_estimate("commercial", 100.0, 1_000_000_00)
    assert [i.amount for i in shop.items] == [0, 3_000_000, 50_000, 55_000]
    assert all(i.rule.startswith("fee_rule_") for i in shop.items)
    assert fee_estimate("vehicle", None, 10_000_00).total == 0


def facts(**kw: object) -> LotFacts:
    base = dict(lot_id=1, status="sold", settlement="awaiting_payment", starting_price=100,
                final_price=120, announced_at_ms=0, starts_at_ms=30 * DAY_MS,
                ends_at_ms=31 * DAY_MS, notice_required_ms=30 * DAY_MS, due_at_ms=41 * DAY_MS)
    base.update(kw)
    return LotFacts(**base)  # type: ignore[arg-type]


def test_deadlines_and_overdue() -> None:
    assert lot_deadlines(facts(), 40 * DAY_MS) == [Deadline("payment_deadline", 41 * DAY_MS,
                                                            False)]
    late = lot_deadlines(facts(), 42 * DAY_MS)
    assert late[0].overdue
    short = facts(status="upcoming", settlement="", starts_at_ms=10 * DAY_MS)
    assert lot_deadlines(short, 0) == [Deadline("announcement_period", 10 * DAY_MS, False,
                                                short_notice=True)]
    held = lot_deadlines(facts(status="failed", settlement="failed", held_deposits=5,
                               relist_by_ms=50 * DAY_MS), 51 * DAY_MS)
    assert [(d.kind, d.overdue) for d in held] == [("refunds", True), ("relist", True)]
    assert next_deadline(held) == held[0]
    assert next_deadline([]) is None


def test_court_figures() -> None:
    lots = [facts(settlement="paid", paid_at_ms=40 * DAY_MS),
            facts(final_price=150, settlement="awaiting_payment"),
            facts(status="failed", settlement="failed", final_price=0),
            facts(settlement="defaulted", final_price=200)]
    fig = court_figures(lots)
    assert (fig.sold, fig.failed, fig.defaulted, fig.proceeds) == (2, 1, 1, 120)
    assert fig.average_premium_pct == 35.0 and fig.average_days_to_payment == 40.0
    empty = court_figures([])
    assert empty.average_premium_pct is None and empty.average_days_to_payment is None


def test_fixed_price_sale_in_the_pure_bid_rules() -> None:
    assert extended_end(1_000, 100_000, 300, sale_mode="fixed_price", bid_count=0) == 1_300
    assert extended_end(1_000, 100_000, 300, sale_mode="fixed_price", bid_count=1) == 100_000
    assert extended_end(99_900, 100_000, 300, sale_mode="fixed_price", bid_count=1) == 100_200
    assert extended_end(1_000, 100_000, 300) == 100_000  # auctions never end earlier
    lot = LotSnapshot("scheduled", 800, 10, 0, 100_000, 300, 0, 0, "", 0, "fixed_price")
    decision = check_bid(lot, BidderSnapshot("A", 0, True), "A", 800, 1_000)
    assert decision.ok and decision.ends_at_ms == 1_300 and not decision.extended
    assert check_bid(lot, BidderSnapshot("A", 0, True), "A", 790, 1_000).error == "below_minimum"
