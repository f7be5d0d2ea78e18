"""Bidding engine: atomic Redis/Lua bids, a hash-chained public ledger and the lot closer."""

from bidding.errors import BiddingError, LotClosed, LotLocked, LotNotFound, UnknownBidder
from bidding.ledger import VerifyResult
from bidding.store import BidOutcome, BidStore

__all__ = ["BidOutcome", "BidStore", "BiddingError", "LotClosed", "LotLocked", "LotNotFound",
           "UnknownBidder", "VerifyResult"]
