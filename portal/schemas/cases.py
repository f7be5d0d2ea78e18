"""After the hammer: a lot's result and fees, settlement actions, relisting, enforcement cases
with their timeline and money ledger, the officer's dashboard and bulk actions, and the user's
deposits, notifications and reminders."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, Struct, UnsetType

from portal.schemas.common import AmountIn, Money, Time
from portal.schemas.lots import LotOut

OUTCOME = "upcoming, live, sold, failed, cancelled or defaulted (sold, then not paid)"
TimeIn = Annotated[str | int, msgspec.Meta(
    description="ISO 8601 (e.g. 2026-05-01T02:00:00Z) or milliseconds since the epoch")]

# -- a lot's result, fees and settlement ---------------------------------------------------


class ResultBid(Struct):
    seq: int
    bidder_code: str
    amount: Money
    at: Time
    priority: bool


class Settlement(Struct):
    """The balance owed by the buyer of a sold lot (all null before the close)."""

    status: Annotated[str | None, msgspec.Meta(
        description="awaiting_payment, paid or defaulted; null before settlement")]
    balance: Money | None
    due_at: Time | None
    paid_at: Time | None


class LotResult(Struct):
    lot_id: int
    status: Annotated[str, msgspec.Meta(description=OUTCOME)]
    final_price: Money | None
    bid_count: int
    bidder_count: int
    winner_code: str | None
    confirmation_url: str | None
    confirmation_pdf_url: str | None
    settlement: Settlement
    round: Annotated[int, msgspec.Meta(
        description="1 first auction, 2 second auction, 3 fixed-price sale")]
    sale_mode: Annotated[str, msgspec.Meta(description="auction or fixed_price")]
    previous_lot_id: int | None
    next_lot_id: int | None
    ledger_verified: bool
    ledger_head: str
    bids: list[ResultBid]


class FeesQuery(Struct):
    price: Annotated[str, msgspec.Meta(
        description="yuan; default: the current price, or the starting price before any bid"
    )] | UnsetType = UNSET


class FeeItem(Struct):
    item: str
    rate: Annotated[str, msgspec.Meta(description="e.g. 1.5%; empty for fixed fees")]
    amount: Money
    rule: str


class FeeEstimate(Struct):
    price: Money
    total: Money
    items: list[FeeItem]


class SettlementTermsIn(Struct):
    due_at: Time | None | UnsetType = UNSET
    auction_costs: AmountIn | None | UnsetType = UNSET


class Released(Struct):
    released: Money


class ForfeitApplied(Struct):
    proceeds_held: Annotated[Money, msgspec.Meta(
        description="the lot's proceeds held for release after the forfeit is applied")]


class RelistIn(Struct):
    starting_price: AmountIn
    starts_at: TimeIn
    ends_at: TimeIn
    increment: AmountIn | None | UnsetType = UNSET
    deposit: Annotated[AmountIn | None, msgspec.Meta(
        description="default: the previous deposit ratio; a fixed-price sale takes the full "
        "price")] | UnsetType = UNSET


# -- lots as cases and relisting show them ---------------------------------------------------


class RelistedLot(LotOut, kw_only=True):
    """The new lot: the second auction, the fixed-price sale or the re-auction."""

    round: int
    sale_mode: str
    previous_lot_id: int


class CaseLot(LotOut, kw_only=True):
    outcome: Annotated[str, msgspec.Meta(description=OUTCOME)]
    round: int
    sale_mode: str
    previous_lot_id: int | None


# -- enforcement cases -------------------------------------------------------------------------


class CaseSummary(Struct):
    id: int
    case_number: str | None
    court: str | None
    lot_ids: list[int]


class TimelineStep(Struct):
    step: Annotated[str, msgspec.Meta(
        description="announced, viewing, bidding, sold, failed, cancelled, paid, defaulted, "
        "relisted or proceeds_released")]
    lot_id: int
    at: Annotated[Time | None, msgspec.Meta(description="when it happened; null: not yet")]
    deadline: Time | None
    done: bool


class CaseLedgerEntry(Struct):
    seq: int
    at: Time
    kind: Annotated[str, msgspec.Meta(
        description="deposit_paid, deposit_refunded, deposit_applied, balance_paid, "
        "deposit_forfeited, forfeit_to_costs, forfeit_to_shortfall, forfeit_to_debt, "
        "proceeds_released")]
    lot_id: int
    amount: Money
    effect: Money
    balance: Money
    from_: str = msgspec.field(name="from")
    to: str
    hash: str


class CaseLedgerCheck(Struct):
    ok: bool
    balance: Money
    money_in: Money
    money_out: Money
    reason: str | None


class CaseDetail(Struct):
    id: int
    case_number: str
    court: str | None
    lots: list[CaseLot]
    timeline: list[TimelineStep]
    ledger: list[CaseLedgerEntry]
    ledger_check: CaseLedgerCheck
    applicants: list[str]


class CaseVerify(Struct):
    """Re-verification of a case's money ledger: hash chain, running balances, totals."""

    ok: bool
    length: int
    head: str
    reason: str | None
    balance: Money
    money_in: Money
    money_out: Money


class ApplicantIn(Struct):
    username: str = ""


class CaseApplicants(Struct):
    case_id: int
    applicants: list[str]


# -- the officer's dashboard -------------------------------------------------------------------


class CourtFigures(Struct):
    lots_sold: int
    lots_failed: int
    lots_defaulted: int
    total_proceeds: Money
    average_premium_pct: float | None
    average_days_announcement_to_payment: float | None


class NextDeadline(Struct):
    kind: str
    at: Time | None
    overdue: bool


class DashboardLot(Struct):
    lot_id: int
    case_id: int
    case_number: str
    title: str
    status: str
    settlement: str | None
    next_deadline: NextDeadline | None
    overdue: list[str]
    short_notice: list[str]


class Dashboard(Struct):
    figures: CourtFigures
    lots: list[DashboardLot]


BULK_ACTIONS = ("release", "settle", "extend_deadline", "apply_forfeit")


class BulkIn(Struct):
    action: Annotated[str, msgspec.Meta(extra_json_schema={"enum": list(BULK_ACTIONS)})]
    lot_ids: Annotated[list[int], msgspec.Meta(description="at most 500 are acted on")]
    days: Annotated[int, msgspec.Meta(
        description="extend_deadline: days added to the deadline",
        extra_json_schema={"minimum": 1, "maximum": 60})] = 7


class BulkResult(Struct):
    lot_id: int
    ok: bool
    result: Annotated[str | bool, msgspec.Meta(
        description="release, apply_forfeit: the amount; settle: whether it settled; "
        "extend_deadline: the new deadline")] | UnsetType = UNSET
    error: Annotated[str, msgspec.Meta(description="the refusal's code")] | UnsetType = UNSET


class BulkResults(Struct):
    results: list[BulkResult]


# -- the user's deposits, notifications and reminders ------------------------------------------


class Deposit(Struct):
    lot_id: int
    amount: Money
    status: Annotated[str, msgspec.Meta(
        description="pending, paid, refunded, applied or forfeited")]
    payment_id: str


class Notification(Struct):
    kind: str
    text: str
    lot_id: int | None
    case_id: int | None
    at: Time


class Notifications(Struct):
    unread: int
    items: list[Notification]


class Unread(Struct):
    unread: int


class Reminders(Struct):
    subscribed: bool


class Invitation(Struct):
    """A one-time link the officer hands to the applicant; it makes an applicant account and
    links it to the case. The officer never sees or sets the applicant's password."""

    case_id: int
    url: Annotated[str, msgspec.Meta(description="path of the invitation page, /invite/{token}")]
    expires_at: Time
