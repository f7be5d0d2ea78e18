"""Lots, their live state, registrations, bids and the bid ledger."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Struct, UnsetType

from portal.schemas.common import AmountIn, Money, Time

Status = Literal["upcoming", "live", "sold", "failed", "cancelled"]
PaymentStatus = Literal["pending", "paid", "cancelled", "expired"]
# A deposit: its payment order's status, then after the close what became of the money.
DepositStatus = Literal["pending", "paid", "cancelled", "expired", "applied", "refunded",
                        "forfeited"]
# A time a client sends: ISO 8601 with an offset (preferred) or epoch milliseconds.
TimeIn = Annotated[str | int, msgspec.Meta(
    description="ISO 8601 with a timezone offset, e.g. 2026-12-01T02:00:00Z, or epoch ms")]
PROPERTY_TYPES = ("residential, commercial, industrial, land, vehicle, equipment, equity, "
                  "other")
PropertyType = Annotated[str, msgspec.Meta(description="one of " + PROPERTY_TYPES)]


DebtorId = Annotated[str | None, msgspec.Meta(
    description="the case's debtor's ID number (kept with the case, never shown publicly); "
    "the debtor may not register for the case's lots (403 debtor_cannot_bid)")]


class PriorityIn(Struct):
    username: str
    rank: Annotated[int, msgspec.Meta(description="1 = first in line")]


class LotInput(Struct):
    """A new lot; portal.lots checks each field (422 naming it) and the schedule rules
    (e.g. 422 ``starting_price_below_70pct``)."""

    title: str
    case_number: str
    property_type: PropertyType
    district: str
    address: str
    appraisal_price: AmountIn
    starting_price: AmountIn
    increment: AmountIn
    deposit: AmountIn
    starts_at: TimeIn
    ends_at: TimeIn
    area_m2: float | str | None | UnsetType = UNSET
    extension_seconds: int | UnsetType = UNSET
    description: str | None | UnsetType = UNSET
    photos: list[str] | None | UnsetType = UNSET
    priority_purchasers: list[PriorityIn] | None | UnsetType = UNSET
    court: Annotated[str | None | UnsetType, msgspec.Meta(
        description="ignored: a lot belongs to the court of the officer who creates it")] = UNSET
    debtor_id_number: DebtorId | UnsetType = UNSET


class LotPatch(Struct):
    """Changes to a lot before it opens: any fields of a new lot but case_number's value."""

    title: str | None | UnsetType = UNSET
    court: Annotated[str | None | UnsetType, msgspec.Meta(
        description="ignored: a lot stays with its court")] = UNSET
    case_number: str | None | UnsetType = UNSET
    property_type: PropertyType | UnsetType = UNSET
    district: str | None | UnsetType = UNSET
    address: str | None | UnsetType = UNSET
    appraisal_price: AmountIn | None | UnsetType = UNSET
    starting_price: AmountIn | None | UnsetType = UNSET
    increment: AmountIn | None | UnsetType = UNSET
    deposit: AmountIn | None | UnsetType = UNSET
    starts_at: TimeIn | None | UnsetType = UNSET
    ends_at: TimeIn | None | UnsetType = UNSET
    area_m2: float | str | None | UnsetType = UNSET
    extension_seconds: int | UnsetType = UNSET
    description: str | None | UnsetType = UNSET
    photos: list[str] | None | UnsetType = UNSET
    priority_purchasers: list[PriorityIn] | None | UnsetType = UNSET
    debtor_id_number: DebtorId | UnsetType = UNSET


class LotQuery(Struct):
    """Search filters; all optional, all combined."""

    status: Annotated[str, msgspec.Meta(
        description="upcoming, live, sold, failed, cancelled or ended (any of the last three)"
    )] = ""
    type: Annotated[str, msgspec.Meta(description="property type")] = ""
    district: str = ""
    q: Annotated[str, msgspec.Meta(description="words in title, address, court, case "
                                   "number, description or district")] = ""
    min_price: Annotated[str, msgspec.Meta(description="yuan; current or starting price")] = ""
    max_price: Annotated[str, msgspec.Meta(description="yuan; current or starting price")] = ""


class LotState(Struct):
    """The live state of a lot's auction."""

    status: Status
    current_price: Money | None
    leader_code: str | None
    bid_count: int
    starts_at: Time | None
    ends_at: Time | None
    server_time: Time


class PriorityRank(Struct):
    rank: int


class LotCounters(Struct):
    """报名人数 (registered bidders), 围观次数 (lot page views), 设置提醒人数 (reminders set)."""

    registrations: int
    views: int
    reminders: int


class LotOut(Struct, kw_only=True):
    """A lot as the public sees it (priority purchasers by rank only)."""

    id: int
    title: str
    court: str
    case_number: str
    case_id: int
    property_type: str
    district: str
    address: str
    area_m2: float | None
    description: str | None
    photos: list[str] | None
    extension_seconds: int
    appraisal_price: Money
    starting_price: Money
    increment: Money
    deposit: Money
    starts_at: Time
    ends_at: Time
    announced_at: Time | None
    priority_purchasers: list[PriorityRank]
    state: LotState
    status: Status
    counters: LotCounters | UnsetType = UNSET


class LotList(Struct):
    items: list[LotOut]
    total: int


class DepositOut(Struct):
    amount: Money
    status: DepositStatus
    payment_id: str
    pay_url: str


class TermsAccepted(Struct):
    """When the bidder accepted the lot's 竞买须知 and which version (version and url null
    when the lot had none)."""

    accepted_at: Time
    version: int | None
    url: str | None


class RegistrationIn(Struct):
    accept_terms: Annotated[bool, msgspec.Meta(
        description="must be true: the bidder has read and accepts the lot's 竞买须知 "
        "(422 terms_not_accepted otherwise)")] = False


class RegistrationOut(Struct):
    """A registration: the anonymous bidder code, the deposit order to pay and the terms
    accepted (null for a registration made before terms were recorded)."""

    lot_id: int
    bidder_code: str
    priority_rank: int | None
    deposit: DepositOut
    terms: TermsAccepted | None


class BidIn(Struct):
    amount: AmountIn


class BidHeaders(Struct):
    idempotency_key: Annotated[str, msgspec.Meta(
        pattern="^[A-Za-z0-9_-]{1,64}$",
        description="one random key per bid attempt (1-64 of A-Za-z0-9_-; else 400 "
        "invalid_idempotency_key): a retry with the same key by the same bidder, e.g. after "
        "a timeout or a 503, gets the first try's outcome (201 with the same bid, or the same "
        "refusal; header Idempotent-Replayed: true) and never a second bid. Kept until a day "
        "after the lot ends")] | UnsetType = msgspec.field(default=UNSET, name="Idempotency-Key")


class BidsQuery(Struct):
    mine: Annotated[str, msgspec.Meta(
        description="1: only the logged-in bidder's own accepted bids (401 when not logged "
        "in; [] when not registered)")] = ""


class BidOut(Struct):
    """A bid of the public record (hash-chained: prev_hash is the previous entry's hash)."""

    seq: int
    amount: Money
    bidder_code: str
    at: Time
    priority: bool
    prev_hash: str
    hash: str


class BidPlaced(Struct):
    bid: BidOut
    state: LotState


class LotLive(Struct):
    """A lot's live state for anonymous watchers: identical for everyone, cacheable 1 s
    (the websocket snapshot without its type)."""

    lot_id: int
    state: LotState
    bids: list[BidOut]
    last_event_id: str
    viewers: int
    server_time: Time


class LedgerEntry(Struct):
    """A ledger entry with every hashed field (money in fen, times in epoch ms): kind ``bid``
    (with rank, ends_at, extended) or ``close`` (with status; code empty when unsold)."""

    kind: Literal["bid", "close"]
    seq: int
    lot: int
    at: int
    code: str
    amount: int
    prev: str
    hash: str
    event_id: Annotated[str, msgspec.Meta(description="stream id, e.g. 1795965887444-0")]
    status: Literal["sold", "failed"] | UnsetType = UNSET
    rank: int | UnsetType = UNSET
    ends_at: int | UnsetType = UNSET
    extended: bool | UnsetType = UNSET


class LedgerCheck(Struct):
    """The result of re-hashing a lot's bid ledger."""

    ok: bool
    length: int
    head: str
    bad_seq: int | None
    reason: str | None
