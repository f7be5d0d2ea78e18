"""Accounts and sessions."""

from __future__ import annotations

from msgspec import Struct

from portal.schemas.lots import BidOut, LotOut, RegistrationOut


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
    """One lot the user registered for: the lot, the registration and their own bids."""

    lot: LotOut
    registration: RegistrationOut
    bids: list[BidOut]


class MyLots(Struct):
    items: list[MyLot]
