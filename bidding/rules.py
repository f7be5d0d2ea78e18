"""Pure rules of the 2016 SPC online judicial auction provisions (no I/O).

Money is integer fen, times are integer milliseconds since the Unix epoch.
``check_bid`` mirrors the decision made atomically by ``lua/place_bid.lua``.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.money import MAX_FEN, fen_to_yuan, yuan_to_fen

__all__ = [
    "DAY_MS", "MAX_FEN", "MOVABLE_TYPES", "PROPERTY_TYPES", "REAL_ESTATE_TYPES", "BidDecision",
    "BidderSnapshot", "LotSnapshot", "LotTerms", "Violation", "check_bid", "extended_end",
    "fen_to_yuan", "min_next_bid", "schedule_violations", "yuan_to_fen",
]

REAL_ESTATE_TYPES = frozenset({"residential", "commercial", "industrial", "land"})
MOVABLE_TYPES = frozenset({"vehicle", "equipment", "equity", "other"})
PROPERTY_TYPES = REAL_ESTATE_TYPES | MOVABLE_TYPES

SECOND_MS = 1000
DAY_MS = 24 * 3600 * SECOND_MS

_RULE = "SPC 2016 online judicial auction rules"


@dataclass(frozen=True)
class Violation:
    code: str
    message: str


@dataclass(frozen=True)
class LotTerms:
    appraisal_price: int
    starting_price: int
    increment: int
    deposit: int
    starts_at_ms: int
    ends_at_ms: int
    extension_ms: int
    property_type: str


def schedule_violations(terms: LotTerms, now_ms: int, mode: str) -> list[Violation]:
    """Every rule the proposed terms break; ``mode`` is "strict" or "sandbox"."""
    if mode not in ("strict", "sandbox"):
        raise ValueError(f"unknown mode: {mode!r}")
    found = _sanity_violations(terms) + _price_violations(terms)
    if terms.property_type not in PROPERTY_TYPES:
        found.append(Violation("unknown_property_type",
                               f"Unknown property type {terms.property_type!r}"))
    if mode == "strict":
        found += _time_violations(terms, now_ms)
    return found


def _sanity_violations(t: LotTerms) -> list[Violation]:
    checks = [
        (t.appraisal_price > 0, "appraisal_price_not_positive",
         "Appraisal price must be positive"),
        (t.starting_price > 0, "starting_price_not_positive", "Starting price must be positive"),
        (t.increment > 0, "increment_not_positive", "Bid increment must be positive"),
        (t.deposit >= 0, "deposit_negative", "Deposit must not be negative"),
        (t.extension_ms >= 0, "extension_negative", "Extension must not be negative"),
        (t.ends_at_ms > t.starts_at_ms, "ends_before_starts",
         "Bidding must end after it starts"),
        (t.ends_at_ms - t.starts_at_ms >= 60 * SECOND_MS or t.ends_at_ms <= t.starts_at_ms,
         "bidding_period_below_60s", "Bidding period must be at least 60 seconds"),
        (max(t.starting_price, t.increment, t.appraisal_price, t.deposit) <= MAX_FEN,
         "amount_too_large", f"Amounts must not exceed {fen_to_yuan(MAX_FEN)} yuan"),
    ]
    return [Violation(code, msg) for ok, code, msg in checks if not ok]


def _price_violations(t: LotTerms) -> list[Violation]:
    found = []
    if t.starting_price * 10 < t.appraisal_price * 7:
        found.append(Violation("starting_price_below_70pct",
                               f"Starting price must be at least 70% of the appraisal price "
                               f"({_RULE})"))
    if t.deposit * 100 < t.starting_price * 5:
        found.append(Violation("deposit_below_5pct",
                               f"Deposit must be at least 5% of the starting price ({_RULE})"))
    if t.deposit * 100 > t.starting_price * 20:
        found.append(Violation("deposit_above_20pct",
                               f"Deposit must be at most 20% of the starting price ({_RULE})"))
    return found


def _time_violations(t: LotTerms, now_ms: int) -> list[Violation]:
    found = []
    if t.extension_ms < 5 * 60 * SECOND_MS:
        found.append(Violation("extension_below_5_min",
                               f"A bid in the final five minutes must extend bidding by five "
                               f"minutes ({_RULE})"))
    if t.ends_at_ms - t.starts_at_ms < DAY_MS:
        found.append(Violation("bidding_period_below_24h",
                               f"Bidding period must be at least 24 hours ({_RULE})"))
    notice = t.starts_at_ms - now_ms
    if t.property_type in REAL_ESTATE_TYPES and notice < 30 * DAY_MS:
        found.append(Violation("announcement_below_30_days",
                               f"Real estate must be announced at least 30 days before bidding "
                               f"starts ({_RULE})"))
    if t.property_type in MOVABLE_TYPES and notice < 15 * DAY_MS:
        found.append(Violation("announcement_below_15_days",
                               f"Movable property must be announced at least 15 days before "
                               f"bidding starts ({_RULE})"))
    return found


def min_next_bid(starting_price: int, increment: int, current_price: int | None, bid_count: int,
                 rank: int = 0, leader_rank: int = 0) -> int:
    """Minimum valid next bid for a bidder of priority ``rank`` (0 = no priority right).

    A priority purchaser may match the current price unless the leader holds an equal or
    higher priority (numerically lower or equal rank >= 1).
    """
    if bid_count <= 0 or current_price is None:
        return starting_price
    if rank >= 1 and (leader_rank <= 0 or rank < leader_rank):
        return current_price
    return current_price + increment


def extended_end(now_ms: int, ends_at_ms: int, extension_ms: int, *,
                 sale_mode: str = "auction", bid_count: int = 1) -> int:
    """End time after a bid accepted at ``now_ms``.

    An auction's end never moves earlier. In a fixed-price sale (``sale_mode="fixed_price"``)
    the first bid (``bid_count == 0`` before it) brings the end forward to bid time + window:
    that buyer wins unless someone raises within the window, and each raise extends as usual.
    """
    if sale_mode == "fixed_price" and bid_count == 0 and now_ms + extension_ms < ends_at_ms:
        return now_ms + extension_ms
    if now_ms >= ends_at_ms - extension_ms:
        return max(ends_at_ms, now_ms + extension_ms)
    return ends_at_ms


@dataclass(frozen=True)
class LotSnapshot:
    """The parts of the lot state that decide a bid."""

    status: str
    starting_price: int
    increment: int
    starts_at_ms: int
    ends_at_ms: int
    extension_ms: int
    current_price: int
    bid_count: int
    leader_code: str
    leader_rank: int
    sale_mode: str = "auction"


@dataclass(frozen=True)
class BidderSnapshot:
    code: str
    rank: int
    deposit_paid: bool


@dataclass(frozen=True)
class BidDecision:
    error: str | None
    min_next: int | None
    ends_at_ms: int | None = None
    extended: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def check_bid(lot: LotSnapshot | None, bidder: BidderSnapshot | None, code: str, amount: int,
              now_ms: int) -> BidDecision:
    """Pure mirror of place_bid.lua: the refusal code (checked in order) or the acceptance."""
    if lot is None:
        return BidDecision("not_found", None)
    rank = bidder.rank if bidder is not None else 0
    floor = min_next_bid(lot.starting_price, lot.increment, lot.current_price, lot.bid_count,
                         rank, lot.leader_rank)
    error = _refusal(lot, bidder, code, amount, now_ms, floor)
    if error is not None:
        return BidDecision(error, floor)
    new_end = extended_end(now_ms, lot.ends_at_ms, lot.extension_ms, sale_mode=lot.sale_mode,
                           bid_count=lot.bid_count)
    nxt = min_next_bid(lot.starting_price, lot.increment, amount, lot.bid_count + 1)
    return BidDecision(None, nxt, new_end, new_end > lot.ends_at_ms)


def _refusal(lot: LotSnapshot, bidder: BidderSnapshot | None, code: str, amount: int,
             now_ms: int, floor: int) -> str | None:
    if lot.status != "scheduled":
        return "closed"
    if now_ms < lot.starts_at_ms:
        return "not_open"
    if now_ms >= lot.ends_at_ms:
        return "closed"
    if bidder is None:
        return "not_registered"
    if not bidder.deposit_paid:
        return "deposit_unpaid"
    if lot.bid_count > 0 and lot.leader_code == code:
        return "already_leading"
    if amount < floor:
        return "below_minimum"
    if (amount - lot.starting_price) % lot.increment != 0:
        return "off_increment"
    return None
