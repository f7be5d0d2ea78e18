"""Pure conversion of ledger entries / published events into the websocket wire format.

Internally money is fen and time is ms; on the wire money is yuan strings and time ISO UTC.
A ledger entry and the event published for it convert to the same messages, so a client
that resumes from the ledger sees exactly what a live client saw.
"""

from __future__ import annotations

import json
from typing import Any

from core.money import fen_to_yuan
from core.timefmt import ms_to_iso


def stream_id_key(event_id: str | None) -> tuple[int, int]:
    """Order Redis stream ids ("1700000000000-3") numerically; None sorts first."""
    if not event_id:
        return (0, 0)
    ms, _, seq = str(event_id).partition("-")
    return (int(ms), int(seq or 0))


def to_messages(entry: dict[str, Any]) -> list[dict[str, Any]]:
    kind = entry.get("kind") or entry.get("type")
    if kind == "bid":
        return _bid_messages(entry)
    if kind in ("close", "closed"):
        return [_closed_message(entry)]
    if kind == "cancelled":  # withdrawn before it opened: no ledger entry, so no event id
        return [{"type": "closed", "status": "cancelled", "final_price": None,
                 "winner_code": None, "at": ms_to_iso(int(entry["at"]))}]
    return []


def _bid_messages(e: dict[str, Any]) -> list[dict[str, Any]]:
    seq, amount, ends_at = int(e["seq"]), int(e["amount"]), int(e["ends_at"])
    bid = {"seq": seq, "amount": fen_to_yuan(amount), "bidder_code": e["code"],
           "at": ms_to_iso(int(e["at"])), "priority": int(e.get("rank") or 0) > 0,
           "prev_hash": e["prev"], "hash": e["hash"]}
    state = {"status": "live", "current_price": fen_to_yuan(amount), "leader_code": e["code"],
             "bid_count": int(e.get("bid_count") or seq), "ends_at": ms_to_iso(ends_at)}
    out: list[dict[str, Any]] = [{"type": "bid", "id": e["id"], "bid": bid, "state": state}]
    if str(e.get("extended")) in ("1", "True", "true"):
        out.append({"type": "extended", "id": e["id"], "ends_at": ms_to_iso(ends_at)})
    return out


def _closed_message(e: dict[str, Any]) -> dict[str, Any]:
    price = int(e.get("final_price", e.get("amount")) or 0)
    winner = e.get("winner_code", e.get("code")) or None
    return {"type": "closed", "id": e["id"], "status": e["status"],
            "final_price": fen_to_yuan(price) if price else None,
            "winner_code": winner, "at": ms_to_iso(int(e["at"]))}


def public_bid(entry: dict[str, Any]) -> dict[str, Any]:
    """A ledger bid entry as shown in the public bid list / GET /api/lots/{id}/bids."""
    return {"seq": int(entry["seq"]), "amount": fen_to_yuan(int(entry["amount"])),
            "bidder_code": entry["code"], "at": ms_to_iso(int(entry["at"])),
            "priority": int(entry.get("rank") or 0) > 0,
            "prev_hash": entry["prev"], "hash": entry["hash"]}


def public_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """Any ledger entry (bid or close) with every hashed field, for independent checking."""
    out = {k: entry[k] for k in entry if k not in ("id",)}
    out["event_id"] = entry["id"]
    return out


def encode(messages: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(m, separators=(",", ":"), ensure_ascii=False) for m in messages]


def lot_transform(channel: str, data: str) -> tuple[str | None, list[str]]:
    """Convert a published lot event (fen, ms) once per process into wire texts."""
    event = json.loads(data)
    return event.get("id"), encode(to_messages(event))
