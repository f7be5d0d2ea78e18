"""Pure rules: scheduling checks, minimum next bid, extension, money helpers."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from bidding.rules import (
    DAY_MS,
    BidderSnapshot,
    LotSnapshot,
    LotTerms,
    check_bid,
    extended_end,
    fen_to_yuan,
    min_next_bid,
    schedule_violations,
    yuan_to_fen,
)

NOW = 1_700_000_000_000
GOOD = LotTerms(appraisal_price=1_000_000, starting_price=700_000, increment=1_000,
                deposit=70_000, starts_at_ms=NOW + 31 * DAY_MS, ends_at_ms=NOW + 32 * DAY_MS,
                extension_ms=300_000, property_type="residential")


def codes(terms: LotTerms, mode: str = "strict") -> set[str]:
    return {v.code for v in schedule_violations(terms, NOW, mode)}


def test_valid_terms_have_no_violation() -> None:
    assert codes(GOOD) == set()
    assert codes(GOOD, "sandbox") == set()


@pytest.mark.parametrize("mode", ["strict", "sandbox"])
@pytest.mark.parametrize(("changes", "code"), [
    ({"starting_price": 699_999, "deposit": 70_000}, "starting_price_below_70pct"),
    ({"deposit": 34_999}, "deposit_below_5pct"),
    ({"deposit": 140_001}, "deposit_above_20pct"),
    ({"property_type": "castle"}, "unknown_property_type"),
    ({"increment": 0}, "increment_not_positive"),
    ({"extension_ms": -1}, "extension_negative"),
    ({"ends_at_ms": GOOD.starts_at_ms}, "ends_before_starts"),
])
def test_price_and_sanity_rules_apply_in_both_modes(mode: str, changes: dict, code: str) -> None:
    found = schedule_violations(dataclasses.replace(GOOD, **changes), NOW, mode)
    assert code in {v.code for v in found}
    assert all(v.message for v in found)


def test_boundaries_are_inclusive() -> None:
    assert codes(dataclasses.replace(GOOD, deposit=35_000)) == set()
    assert codes(dataclasses.replace(GOOD, deposit=140_000)) == set()
    assert codes(dataclasses.replace(GOOD, starting_price=700_000, appraisal_price=1_000_000)) \
        == set()
    exact = dataclasses.replace(GOOD, starts_at_ms=NOW + 30 * DAY_MS,
                                ends_at_ms=NOW + 31 * DAY_MS)
    assert codes(exact) == set()


def test_70pct_message_names_the_rule() -> None:
    [v] = schedule_violations(dataclasses.replace(GOOD, starting_price=600_000, deposit=60_000),
                              NOW, "strict")
    assert v.code == "starting_price_below_70pct"
    assert "70%" in v.message and "SPC 2016" in v.message


def test_strict_time_rules() -> None:
    no_extension = dataclasses.replace(GOOD, extension_ms=299_999)
    assert codes(no_extension) == {"extension_below_5_min"}
    assert codes(no_extension, "sandbox") == set()
    short = dataclasses.replace(GOOD, ends_at_ms=GOOD.starts_at_ms + DAY_MS - 1)
    assert codes(short) == {"bidding_period_below_24h"}
    soon = dataclasses.replace(GOOD, starts_at_ms=NOW + 29 * DAY_MS, ends_at_ms=NOW + 30 * DAY_MS)
    assert codes(soon) == {"announcement_below_30_days"}
    movable = dataclasses.replace(soon, property_type="vehicle")
    assert codes(movable) == set()
    movable_soon = dataclasses.replace(movable, starts_at_ms=NOW + 14 * DAY_MS)
    assert codes(movable_soon) == {"announcement_below_15_days"}


def test_sandbox_skips_time_rules_but_keeps_sanity() -> None:
    quick = dataclasses.replace(GOOD, starts_at_ms=NOW, ends_at_ms=NOW + 60_000)
    assert codes(quick, "sandbox") == set()
    assert codes(quick) == {"bidding_period_below_24h", "announcement_below_30_days"}
    too_quick = dataclasses.replace(quick, ends_at_ms=NOW + 59_999)
    assert codes(too_quick, "sandbox") == {"bidding_period_below_60s"}
    nothing = dataclasses.replace(GOOD, starting_price=0, deposit=0, appraisal_price=0)
    assert "starting_price_not_positive" in codes(nothing, "sandbox")


def test_unknown_mode_is_an_error() -> None:
    with pytest.raises(ValueError):
        schedule_violations(GOOD, NOW, "lenient")


def test_min_next_bid() -> None:
    assert min_next_bid(1000, 100, None, 0) == 1000
    assert min_next_bid(1000, 100, 0, 0, rank=1) == 1000
    assert min_next_bid(1000, 100, 1500, 3) == 1600
    assert min_next_bid(1000, 100, 1500, 3, rank=1) == 1500
    assert min_next_bid(1000, 100, 1500, 3, rank=2, leader_rank=3) == 1500
    assert min_next_bid(1000, 100, 1500, 3, rank=2, leader_rank=2) == 1600
    assert min_next_bid(1000, 100, 1500, 3, rank=2, leader_rank=1) == 1600


def test_extended_end() -> None:
    assert extended_end(1000, 10_000, 5000) == 10_000
    assert extended_end(5000, 10_000, 5000) == 10_000
    assert extended_end(7000, 10_000, 5000) == 12_000
    assert extended_end(7000, 10_000, 0) == 10_000


def lot(**changes: Any) -> LotSnapshot:
    base = LotSnapshot(status="scheduled", starting_price=1000, increment=100, starts_at_ms=0,
                       ends_at_ms=10_000, extension_ms=0, current_price=1500, bid_count=2,
                       leader_code="AAAA", leader_rank=0)
    return dataclasses.replace(base, **changes)


def test_check_bid_order_and_codes() -> None:
    paid = BidderSnapshot("BBBB", 0, True)
    assert check_bid(None, paid, "BBBB", 1600, 5).error == "not_found"
    assert check_bid(lot(status="sold"), paid, "BBBB", 1600, 5).error == "closed"
    assert check_bid(lot(starts_at_ms=9), paid, "BBBB", 1600, 5).error == "not_open"
    assert check_bid(lot(), paid, "BBBB", 1600, 10_000).error == "closed"
    assert check_bid(lot(), None, "BBBB", 1600, 5).error == "not_registered"
    unpaid = BidderSnapshot("BBBB", 0, False)
    assert check_bid(lot(), unpaid, "BBBB", 1600, 5).error == "deposit_unpaid"
    assert check_bid(lot(leader_code="BBBB"), paid, "BBBB", 1600, 5).error == "already_leading"
    assert check_bid(lot(), paid, "BBBB", 1550, 5).error == "below_minimum"
    assert check_bid(lot(), paid, "BBBB", 1650, 5).error == "off_increment"
    ok = check_bid(lot(), paid, "BBBB", 1600, 5)
    assert ok.ok and ok.min_next == 1700 and not ok.extended


def test_money_round_trip() -> None:
    assert fen_to_yuan(101_500_000) == "1015000.00"
    assert fen_to_yuan(5) == "0.05"
    assert fen_to_yuan(-150) == "-1.50"
    assert fen_to_yuan(0) == "0.00"
    assert yuan_to_fen("1015000") == 101_500_000
    assert yuan_to_fen("1015000.5") == 101_500_050
    assert yuan_to_fen("1015000.50") == 101_500_050
    assert yuan_to_fen(" 12.34 ") == 1234
    assert yuan_to_fen("-1.5") == -150
    assert yuan_to_fen(12) == 1200
    assert yuan_to_fen(12.5) == 1250
    assert yuan_to_fen(0.1) == 10


@pytest.mark.parametrize("bad", ["1.234", "abc", "", "1e3", "NaN", "inf", "1,000", "1.",
                                 math.nan, math.inf, -math.inf, 0.125, True, None])
def test_money_rejects(bad: object) -> None:
    with pytest.raises(ValueError):
        yuan_to_fen(bad)  # type: ignore[arg-type]
