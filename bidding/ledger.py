"""The public, hash-chained bid ledger and how to verify it independently.

Each lot has a Redis stream ``lot:{<lot_id>}:ledger``. Entry kinds and stream fields:

* ``bid``: kind, seq, lot, at, code, amount, rank, ends_at, extended, prev, hash
* ``close``: kind, seq, lot, at, status, amount, code, prev, hash

``seq`` counts 1, 2, 3, ... over all entries of the lot; ``at`` is the Redis server time in
milliseconds since the Unix epoch; money (``amount``) is integer fen (1 yuan = 100 fen);
``ends_at`` is the lot's end time after this bid (anti-sniping extension applied);
``extended`` is "1" when the bid moved the end time, else "0"; ``rank`` is the bidder's
priority purchase rank (0 = none, 1 = highest); ``status`` is "sold" or "failed"; for a
close, ``amount`` is the final price (0 if failed) and ``code`` the winner's bidder code
("" if failed). All integers are written in plain decimal without leading zeros.

Canonical encoding: the fields below joined with "|", encoded as UTF-8::

    bid|{lot}|{seq}|{at}|{code}|{amount}|{rank}|{ends_at}|{prev}
    close|{lot}|{seq}|{at}|{status}|{amount}|{code}|{prev}

``hash`` is the lowercase hex SHA-256 of that encoding. ``prev`` is the ``hash`` of the
previous entry, or 64 "0" characters for the first entry. To verify a ledger, walk the
entries in stream order and check that seq increases by one from 1, that each ``prev``
equals the previous ``hash`` and that each ``hash`` matches the recomputed digest.
The lot state's ``head`` field is the hash of the newest entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ZERO_HASH = "0" * 64

BID_FIELDS: tuple[str, ...] = ("lot", "seq", "at", "code", "amount", "rank", "ends_at", "prev")
CLOSE_FIELDS: tuple[str, ...] = ("lot", "seq", "at", "status", "amount", "code", "prev")


@dataclass
class VerifyResult:
    ok: bool
    length: int
    head: str
    bad_seq: int | None
    reason: str | None


def canonical(entry: Mapping[str, object]) -> str:
    """The canonical string of a ledger entry (see the module docstring)."""
    kind = str(entry["kind"])
    if kind == "bid":
        fields = BID_FIELDS
    elif kind == "close":
        fields = CLOSE_FIELDS
    else:
        raise ValueError(f"unknown ledger entry kind: {kind!r}")
    return "|".join([kind, *(_text(entry.get(name, "")) for name in fields)])


def entry_hash(entry: Mapping[str, object]) -> str:
    return hashlib.sha256(canonical(entry).encode("utf-8")).hexdigest()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def verify_entries(entries: Iterable[Mapping[str, object]]) -> VerifyResult:
    """Recompute every hash and check the prev chain and seq continuity (pure)."""
    head = ZERO_HASH
    length = 0
    for expected_seq, entry in enumerate(entries, start=1):
        reason = _entry_problem(entry, expected_seq, head)
        if reason is not None:
            return VerifyResult(False, length, head, expected_seq, reason)
        head = str(entry["hash"])
        length = expected_seq
    return VerifyResult(True, length, head, None, None)


def _entry_problem(entry: Mapping[str, object], seq: int, prev: str) -> str | None:
    if _text(entry.get("seq")) != str(seq):
        return f"seq {entry.get('seq')!r} where {seq} was expected"
    if _text(entry.get("prev")) != prev:
        return "prev does not match the previous entry's hash"
    try:
        digest = entry_hash(entry)
    except (KeyError, ValueError) as exc:
        return f"malformed entry: {exc}"
    if _text(entry.get("hash")) != digest:
        return "hash does not match the entry's contents"
    return None
