"""Exceptions raised by the bidding store (bid refusals are returned, not raised)."""

from __future__ import annotations


class BiddingError(Exception):
    """Base class of all bidding engine errors."""


class LotNotFound(BiddingError, KeyError):
    """The lot does not exist in Redis."""


class LotLocked(BiddingError):
    """The lot's terms can no longer change (a bid exists, or it is closed/cancelled)."""


class LotClosed(BiddingError):
    """The lot is sold, failed or cancelled, so the operation is refused."""


class UnknownBidder(BiddingError, KeyError):
    """No bidder with that code is registered for the lot."""
