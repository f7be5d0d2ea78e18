"""Lots, their live state, bids and the bid ledger."""

from __future__ import annotations

from msgspec import Struct


class LedgerCheck(Struct):
    """The result of re-hashing a lot's bid ledger."""

    ok: bool
    length: int
    head: str
    bad_seq: int | None
    reason: str | None
