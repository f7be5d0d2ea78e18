"""Published lot events in the websocket's wire format (bidding.events)."""

from __future__ import annotations

from bidding.events import to_messages


def test_a_withdrawn_lot_reaches_watchers_as_closed() -> None:
    # cancel_lot.lua publishes {type: cancelled}; the lot page knows only "closed"
    assert to_messages({"type": "cancelled", "lot": 3, "at": 1_790_000_000_000}) == [
        {"type": "closed", "status": "cancelled", "final_price": None, "winner_code": None,
         "at": "2026-09-21T14:13:20.000Z"}]
