"""Pure rules of what happens after the hammer (no I/O). Money in fen, times in ms.

- Re-auctions (法释〔2016〕18号 第二十六条): after a failed first auction the second auction
  starts within 30 days of the failure, is announced at least 15 days ahead (real estate) or
  7 days (movables), and its starting price is at most 20% below the first auction's.
  A failed second auction may be followed by a fixed-price sale (变卖) for 60 days at the
  second auction's starting price. Price limits and the 30-day/60-day maxima hold in every
  mode; only the minimum periods (notice, 24 h bidding, the full 60 days) relax in sandbox.
- A re-auction after the buyer's default (悔拍, 第二十四条) repeats the same round with that
  round's price rule; the defaulting buyer may not bid in it.
- A forfeited deposit is applied, in this order, to the auction costs, the shortfall of the
  re-auction against the defaulted price, then the debtor's debt in this case (第二十四条).
- The buyer's taxes and fees estimate, with the rule used for each figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bidding.rules import DAY_MS, MOVABLE_TYPES, REAL_ESTATE_TYPES, Violation

FIRST_AUCTION, SECOND_AUCTION, FIXED_PRICE_SALE = 1, 2, 3
RELIST_WINDOW_DAYS = 30
FIXED_PRICE_DAYS = 60
SECOND_NOTICE_DAYS_REAL_ESTATE = 15
SECOND_NOTICE_DAYS_MOVABLE = 7
FIRST_NOTICE_DAYS_REAL_ESTATE = 30
FIRST_NOTICE_DAYS_MOVABLE = 15
START_TOLERANCE_MS = 60_000
_ART24 = "法释〔2016〕18号 第二十四条"
_ART26 = "法释〔2016〕18号 第二十六条"


@dataclass(frozen=True)
class PriorLot:
    """The lot being relisted and the anchors of its chain."""

    round: int
    outcome: str  # "failed" or "defaulted"
    starting_price: int
    ended_at_ms: int  # when it failed, or when the buyer defaulted
    property_type: str
    appraisal_price: int
    first_price: int  # starting price of the chain's first auction
    second_price: int | None  # starting price of the chain's second auction, if any


@dataclass(frozen=True)
class RelistTerms:
    starting_price: int
    deposit: int
    increment: int
    starts_at_ms: int
    ends_at_ms: int


def next_round(prior: PriorLot) -> int | None:
    """The round of the relisted lot, or None when nothing may follow."""
    if prior.outcome == "defaulted":
        return prior.round
    if prior.outcome == "failed" and prior.round < FIXED_PRICE_SALE:
        return prior.round + 1
    return None


def relist_violations(prior: PriorLot, terms: RelistTerms, now_ms: int,
                      mode: str) -> list[Violation]:
    """Every rule the proposed relisting breaks (empty list: it may be scheduled)."""
    if mode not in ("strict", "sandbox"):
        raise ValueError(f"unknown mode: {mode!r}")
    if prior.outcome not in ("failed", "defaulted"):
        return [Violation("lot_not_failed", "Only a failed auction, or one whose buyer "
                          "defaulted, can be relisted")]
    new_round = next_round(prior)
    if new_round is None:
        return [Violation("no_relist_after_fixed_price_sale", "A failed fixed-price sale ends "
                          f"the sale of this property online ({_ART26})")]
    found = _sanity(terms, now_ms)
    found += _price(prior, terms, new_round)
    found += _window(prior, terms, new_round)
    if mode == "strict":
        found += _minimum_periods(prior, terms, now_ms, new_round)
    return found


def _sanity(t: RelistTerms, now_ms: int) -> list[Violation]:
    checks = [
        (t.starting_price > 0, "starting_price_not_positive", "Starting price must be positive"),
        (t.increment > 0, "increment_not_positive", "Bid increment must be positive"),
        (t.ends_at_ms > t.starts_at_ms, "ends_before_starts", "Bidding must end after it starts"),
        (t.ends_at_ms - t.starts_at_ms >= 60_000, "bidding_period_below_60s",
         "Bidding period must be at least 60 seconds"),
        (t.starts_at_ms >= now_ms - START_TOLERANCE_MS, "starts_in_past",
         "The relisted sale cannot start in the past"),
    ]
    return [Violation(code, msg) for ok, code, msg in checks if not ok]


def _price(prior: PriorLot, t: RelistTerms, new_round: int) -> list[Violation]:
    found: list[Violation] = []
    if new_round == FIRST_AUCTION and t.starting_price * 10 < prior.appraisal_price * 7:
        found.append(Violation("starting_price_below_70pct", "Starting price must be at least "
                               "70% of the appraisal price (法释〔2016〕18号 第十条)"))
    if new_round == SECOND_AUCTION:
        if t.starting_price * 100 < prior.first_price * 80:
            found.append(Violation("second_auction_price_below_80pct", "The second auction's "
                                   "starting price may be at most 20% below the first "
                                   f"auction's starting price ({_ART26})"))
        if t.starting_price > prior.first_price:
            found.append(Violation("second_auction_price_above_first", "The second auction's "
                                   "starting price may not exceed the first auction's"))
    if new_round == FIXED_PRICE_SALE:
        if t.starting_price != prior.second_price:
            found.append(Violation("fixed_price_not_second_auction_price", "The fixed-price "
                                   "sale is at the second auction's starting price "
                                   f"({_ART26})"))
    elif t.deposit * 100 < t.starting_price * 5 or t.deposit * 100 > t.starting_price * 20:
        found.append(Violation("deposit_outside_5_20pct", "Deposit must be 5-20% of the "
                               "starting price (法释〔2016〕18号 第十七条)"))
    return found


def _window(prior: PriorLot, t: RelistTerms, new_round: int) -> list[Violation]:
    found: list[Violation] = []
    if (new_round == SECOND_AUCTION and prior.outcome == "failed"
            and t.starts_at_ms - prior.ended_at_ms > RELIST_WINDOW_DAYS * DAY_MS):
        found.append(Violation("second_auction_not_within_30_days", "The second auction must "
                               f"start within 30 days of the failed auction ({_ART26})"))
    if new_round == FIXED_PRICE_SALE and t.ends_at_ms - t.starts_at_ms > FIXED_PRICE_DAYS * DAY_MS:
        found.append(Violation("fixed_price_period_above_60_days", "A fixed-price sale runs "
                               f"for 60 days ({_ART26})"))
    return found


def _minimum_periods(prior: PriorLot, t: RelistTerms, now_ms: int,
                     new_round: int) -> list[Violation]:
    found: list[Violation] = []
    notice = t.starts_at_ms - now_ms
    real_estate = prior.property_type in REAL_ESTATE_TYPES
    if new_round == FIXED_PRICE_SALE:
        if t.ends_at_ms - t.starts_at_ms != FIXED_PRICE_DAYS * DAY_MS:
            found.append(Violation("fixed_price_period_not_60_days", "A fixed-price sale runs "
                                   f"for exactly 60 days ({_ART26})"))
        return found
    if t.ends_at_ms - t.starts_at_ms < DAY_MS:
        found.append(Violation("bidding_period_below_24h", "Bidding period must be at least "
                               "24 hours (法释〔2016〕18号 第二十条)"))
    if new_round == SECOND_AUCTION:
        days = SECOND_NOTICE_DAYS_REAL_ESTATE if real_estate else SECOND_NOTICE_DAYS_MOVABLE
        code = f"second_auction_announcement_below_{days}_days"
        text = f"The second auction must be announced at least {days} days ahead ({_ART26})"
    else:
        days = FIRST_NOTICE_DAYS_REAL_ESTATE if real_estate else FIRST_NOTICE_DAYS_MOVABLE
        code = f"announcement_below_{days}_days"
        text = f"The auction must be announced at least {days} days ahead (第十二条)"
    if prior.property_type in REAL_ESTATE_TYPES | MOVABLE_TYPES and notice < days * DAY_MS:
        found.append(Violation(code, text))
    return found


def relist_deadline_ms(prior: PriorLot) -> int | None:
    """The latest time the second auction can be announced (start within 30 days, minus the
    notice period); None when no such deadline applies."""
    if prior.outcome != "failed" or prior.round != FIRST_AUCTION:
        return None
    days = (SECOND_NOTICE_DAYS_REAL_ESTATE if prior.property_type in REAL_ESTATE_TYPES
            else SECOND_NOTICE_DAYS_MOVABLE)
    return prior.ended_at_ms + (RELIST_WINDOW_DAYS - days) * DAY_MS


# -- money at close, default and forfeiture -------------------------------------------------


@dataclass(frozen=True)
class CloseSplit:
    refunds: dict[str, int]  # code -> amount released to the losing bidder
    applied: int  # the winner's deposit applied to the price
    balance: int  # still owed by the winner (0: fully paid by the deposit)


def split_at_close(paid_deposits: dict[str, int], winner_code: str | None,
                   final_price: int) -> CloseSplit:
    """Losing deposits are released at once; the winner's counts toward the price."""
    refunds = {c: a for c, a in paid_deposits.items() if c != winner_code}
    applied = paid_deposits.get(winner_code, 0) if winner_code else 0
    if applied > final_price:  # never keep more than the price
        refunds[str(winner_code)] = applied - final_price
        applied = final_price
    return CloseSplit(refunds, applied, max(final_price - applied, 0) if winner_code else 0)


@dataclass(frozen=True)
class ForfeitUse:
    costs: int
    shortfall: int
    debt: int

    @property
    def total(self) -> int:
        return self.costs + self.shortfall + self.debt


def apply_forfeit(forfeited: int, costs: int, shortfall: int) -> ForfeitUse:
    """The legal order: auction costs, then the re-auction's shortfall, then the debt."""
    to_costs = min(forfeited, max(costs, 0))
    to_shortfall = min(forfeited - to_costs, max(shortfall, 0))
    return ForfeitUse(to_costs, to_shortfall, forfeited - to_costs - to_shortfall)


def reauction_shortfall(defaulted_price: int, reauction_price: int) -> int:
    """How much less the re-auction fetched than the defaulted sale (never negative)."""
    return max(defaulted_price - reauction_price, 0)


# -- the buyer's taxes and fees ---------------------------------------------------------------


@dataclass(frozen=True)
class FeeItem:
    key: str  # locale key of the item's name
    amount: int
    rule: str  # locale key of the rule text
    rate: str = ""  # shown, e.g. "1%"
    per_ten_thousand: int = 0  # a share of the price (the lot page recomputes it live), else 0


@dataclass(frozen=True)
class FeeEstimate:
    price: int
    items: list[FeeItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(i.amount for i in self.items)


def _pct(price: int, per_ten_thousand: int) -> int:
    return (price * per_ten_thousand + 5000) // 10000  # rounded to the fen


def fee_estimate(property_type: str, area_m2: float | None, price: int) -> FeeEstimate:
    """What the buyer pays on top of the price (assumes the buyer's only home for housing)."""
    items = [FeeItem("fee_commission", 0, "fee_rule_commission", "0%")]
    if property_type == "residential":
        large = (area_m2 or 0) > 140
        rate = 150 if large else 100
        items += [FeeItem("fee_deed_tax", _pct(price, rate), "fee_rule_deed_tax_home",
                          "1.5%" if large else "1%", rate),
                  FeeItem("fee_registration", 8000, "fee_rule_registration_home", "¥80")]
    elif property_type in REAL_ESTATE_TYPES:
        items += [FeeItem("fee_deed_tax", _pct(price, 300), "fee_rule_deed_tax_other", "3%", 300),
                  FeeItem("fee_stamp_duty", _pct(price, 5), "fee_rule_stamp_duty", "0.05%", 5),
                  FeeItem("fee_registration", 55000, "fee_rule_registration_other", "¥550")]
    elif property_type == "equity":
        items.append(FeeItem("fee_stamp_duty", _pct(price, 5), "fee_rule_stamp_duty", "0.05%",
                             5))
    elif property_type == "vehicle":
        items.append(FeeItem("fee_vehicle_transfer", 0, "fee_rule_vehicle", "—"))
    return FeeEstimate(price, items)


# -- the officer's view: deadlines and court figures -----------------------------------------


@dataclass(frozen=True)
class LotFacts:
    """What the dashboard needs to know of one lot."""

    lot_id: int
    status: str  # upcoming, live, sold, failed, cancelled
    settlement: str  # "", awaiting_payment, paid, defaulted, failed
    starting_price: int
    final_price: int
    announced_at_ms: int
    starts_at_ms: int
    ends_at_ms: int
    notice_required_ms: int
    due_at_ms: int | None = None
    paid_at_ms: int | None = None
    held_deposits: int = 0  # deposits still frozen
    proceeds_held: int = 0  # proceeds not yet released
    relist_by_ms: int | None = None  # failed, not yet relisted
    relisted: bool = False


@dataclass(frozen=True)
class Deadline:
    """``overdue``: the deadline passed with the step undone. ``short_notice``: not overdue but
    wrong in itself, the announcement period is below the legal minimum."""
    kind: str
    at_ms: int | None
    overdue: bool
    short_notice: bool = False


def lot_deadlines(f: LotFacts, now_ms: int) -> list[Deadline]:
    """The lot's open deadlines, overdue ones and a too-short announcement period flagged."""
    out: list[Deadline] = []
    if f.status == "upcoming":
        short = f.starts_at_ms - f.announced_at_ms < f.notice_required_ms
        out.append(Deadline("announcement_period", f.starts_at_ms, False, short_notice=short))
    if f.status == "live":
        out.append(Deadline("bidding_ends", f.ends_at_ms, False))
    if f.settlement == "awaiting_payment" and f.due_at_ms is not None:
        out.append(Deadline("payment_deadline", f.due_at_ms, now_ms >= f.due_at_ms))
    if f.status in ("sold", "failed", "cancelled") and f.held_deposits > 0:
        out.append(Deadline("refunds", f.ends_at_ms, True))
    if f.settlement in ("paid", "forfeit_applied") and f.proceeds_held > 0:
        out.append(Deadline("release_proceeds", f.paid_at_ms, False))
    if f.relist_by_ms is not None and not f.relisted:
        out.append(Deadline("relist", f.relist_by_ms, now_ms > f.relist_by_ms))
    return out


def next_deadline(deadlines: list[Deadline]) -> Deadline | None:
    timed = [d for d in deadlines if d.at_ms is not None]
    return min(timed, key=lambda d: (not d.overdue, d.at_ms or 0)) if timed else None


@dataclass(frozen=True)
class CourtFigures:
    sold: int
    failed: int
    defaulted: int
    proceeds: int
    average_premium_pct: float | None
    average_days_to_payment: float | None


def court_figures(lots: list[LotFacts]) -> CourtFigures:
    """Lots sold (paid or awaiting payment), failed, total proceeds of paid sales, average
    premium of the final over the starting price, days from announcement to payment."""
    sold = [f for f in lots if f.status == "sold" and f.settlement in ("awaiting_payment", "paid",
                                                                        "")]
    paid = [f for f in lots if f.settlement == "paid"]
    premiums = [(f.final_price - f.starting_price) / f.starting_price * 100 for f in sold
                if f.starting_price]
    days = [(f.paid_at_ms - f.announced_at_ms) / DAY_MS for f in paid if f.paid_at_ms]
    return CourtFigures(
        sold=len(sold), failed=sum(1 for f in lots if f.status == "failed"),
        defaulted=sum(1 for f in lots if f.settlement == "defaulted"),
        proceeds=sum(f.final_price for f in paid),
        average_premium_pct=round(sum(premiums) / len(premiums), 2) if premiums else None,
        average_days_to_payment=round(sum(days) / len(days), 2) if days else None)
