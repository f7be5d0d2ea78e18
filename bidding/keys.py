"""Every Redis key name used by the bidding engine.

Each lot's keys share one hash tag (``{<lot_id>}``) so a lot lives on a single Redis Cluster
slot and one Lua script may touch all of them. The two global keys are used outside Lua only.
"""

from __future__ import annotations

CLOSING = "lots:closing"
"""Sorted set: lot_id -> ends_at_ms, scanned by the closer."""

CLOSER_LOCK = "closer:lock"
"""Leader lease of the closer (SET NX PX with a random token)."""


def _lot(lot_id: int) -> str:
    return f"lot:{{{int(lot_id)}}}"


def state(lot_id: int) -> str:
    """Hash with the lot's terms and live state."""
    return f"{_lot(lot_id)}:state"


def ledger(lot_id: int) -> str:
    """Stream holding the hash-chained public record (bids and the close)."""
    return f"{_lot(lot_id)}:ledger"


def bidders(lot_id: int) -> str:
    """Hash: bidder code -> JSON {"user", "deposit", "rank"}."""
    return f"{_lot(lot_id)}:bidders"


def users(lot_id: int) -> str:
    """Hash: user id -> bidder code."""
    return f"{_lot(lot_id)}:users"


def idempotency(lot_id: int) -> str:
    """Hash: "<Idempotency-Key>|<user id or code>" -> the bid's outcome (place_bid.lua's
    reply); expires a day after the lot's end."""
    return f"{_lot(lot_id)}:idem"


def events(lot_id: int) -> str:
    """Pub/sub channel carrying the lot's JSON events."""
    return f"{_lot(lot_id)}:events"


def viewers(channel: str) -> str:
    """Hash: process id -> watcher count of a hub channel (lot or event room), per process."""
    return f"{channel}:viewers"
