"""Accounts and sessions."""

from __future__ import annotations

from typing import Literal

from msgspec import Struct

from portal.schemas.common import Money, Time
from portal.schemas.lots import BidOut, LotOut, RegistrationOut

# Where the bidder stands (portal.my_lots.MY_STATUSES): registered (upcoming, or live with no
# bid of theirs), leading / outbid (live), awaiting_balance (won, balance due), won (paid),
# defaulted (won, did not pay), lost (sold to another bidder), failed (no sale), cancelled.
MyStatus = Literal["registered", "leading", "outbid", "awaiting_balance", "won", "defaulted",
                   "lost", "failed", "cancelled"]


class Credentials(Struct):
    username: str = ""
    password: str = ""


class NewUser(Struct):
    """A bidder's sign-up; portal.users checks each field (422 ``invalid_<field>``)."""

    username: str
    password: str
    real_name: str
    id_number: str
    phone: str


class User(Struct):
    username: str
    role: str
    real_name: str


class SessionOut(Struct):
    user: User


class MyLot(Struct):
    """One lot the user registered for: the lot, the registration (its deposit status is
    the deposit's lifecycle, as in /api/me/deposits), their own bids and where they stand;
    a winner also gets the balance, its deadline and, while it is due, the page to pay it."""

    lot: LotOut
    registration: RegistrationOut
    bids: list[BidOut]
    status: MyStatus
    balance: Money | None = None
    due_at: Time | None = None
    pay_url: str | None = None


class MyLots(Struct):
    items: list[MyLot]
