"""Conversion of raw Redis replies (bytes or str) into the dicts returned by BidStore."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bidding.rules import min_next_bid

STATE_INTS = ("lot", "starting_price", "increment", "starts_at", "ends_at", "extension",
              "current_price", "leader_rank", "bid_count", "seq", "closed_at")
ENTRY_INTS = ("seq", "lot", "at", "amount", "rank", "ends_at")
ENTRY_ORDER = ("kind", "seq", "lot", "at", "status", "code", "amount", "rank", "ends_at",
               "extended", "prev", "hash")


def text(value: Any) -> Any:
    """Decode bytes (recursively through lists, tuples and dicts) to str."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, list | tuple):
        return [text(v) for v in value]
    if isinstance(value, dict):
        return {text(k): text(v) for k, v in value.items()}
    return value


def str_hash(reply: Mapping[Any, Any]) -> dict[str, str]:
    """A hash reply (HGETALL, stream entry fields) as dict[str, str].

    redis-py types replies as ``bytes | str`` whatever the client's ``decode_responses``; this
    names what they are (str from a decoding client, bytes decoded otherwise).
    """
    return {text(k): text(v) for k, v in reply.items()}


def stream_entries(reply: Iterable[tuple[Any, Any]] | None) -> list[tuple[str, dict[str, str]]]:
    """An XRANGE reply as (entry id, fields) pairs of str (redis-py types it Optional)."""
    return [(text(entry_id), str_hash(fields)) for entry_id, fields in reply or ()]


def time_ms(reply: Any) -> int:
    """Milliseconds from a TIME reply (seconds, microseconds)."""
    seconds, micros = reply
    return int(seconds) * 1000 + int(micros) // 1000


def effective_status(stored: str, starts_at: int, now_ms: int) -> str:
    if stored != "scheduled":
        return stored
    return "upcoming" if now_ms < starts_at else "live"


def public_state(raw: Mapping[str, str], now_ms: int) -> dict[str, Any]:
    """The state hash with ints as ints, the effective status and the server time."""
    st: dict[str, Any] = {k: int(raw.get(k) or 0) for k in STATE_INTS}
    stored = raw.get("status", "scheduled")
    st.update(
        stored_status=stored,
        status=effective_status(stored, st["starts_at"], now_ms),
        leader_code=raw.get("leader_code") or None,
        head=raw.get("head", ""),
        closed_at=st["closed_at"] or None,
        server_time=now_ms,
        min_next=min_next_bid(st["starting_price"], st["increment"], st["current_price"],
                              st["bid_count"]),
    )
    return st


def parse_entry(entry_id: str, fields: Mapping[str, str]) -> dict[str, Any]:
    """A ledger entry with its stream id, ints as ints and ``extended`` as a bool."""
    out: dict[str, Any] = {"id": entry_id}
    out.update((k, fields[k]) for k in ENTRY_ORDER if k in fields)
    out.update((k, v) for k, v in fields.items() if k not in out)
    for name in ENTRY_INTS:
        if name in fields:
            out[name] = int(fields[name])
    if "extended" in fields:
        out["extended"] = fields["extended"] == "1"
    return out
