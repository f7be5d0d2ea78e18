"""The hash-chained ledger: independent recomputation and tamper detection."""

from __future__ import annotations

import hashlib
from typing import Any

import redis.asyncio as aioredis
from test_bidding_support import open_lot, paid_bidder

from bidding import BidStore, keys
from bidding.ledger import ZERO_HASH, canonical, entry_hash, verify_entries


async def lot_with_bids(store: BidStore, n: int = 5) -> None:
    await open_lot(store, 7, start=1_000, inc=100)
    a, b = await paid_bidder(store, 7, "a"), await paid_bidder(store, 7, "b")
    for i in range(n):
        assert (await store.place_bid(7, (a, b)[i % 2], 1_000 + i * 100)).ok


async def rewrite(aredis: aioredis.Redis, change: dict[int, dict[str, str]]) -> None:
    """Delete the stream and re-add every entry under its old id, with some fields changed."""
    rows: Any = await aredis.xrange(keys.ledger(7))
    await aredis.delete(keys.ledger(7))
    for i, fields in rows:
        fields.update(change.get(int(fields["seq"]), {}))
        await aredis.xadd(keys.ledger(7), fields, id=i)


async def test_hash_is_sha256_of_the_documented_encoding(aredis: aioredis.Redis) -> None:
    store = BidStore(aredis)
    await lot_with_bids(store, 2)
    first, second = await store.ledger(7)
    text = (f"bid|7|1|{first['at']}|{first['code']}|1000|0|{first['ends_at']}|{ZERO_HASH}")
    assert canonical(first) == text
    assert first["hash"] == hashlib.sha256(text.encode()).hexdigest() == entry_hash(first)
    assert second["prev"] == first["hash"]
    assert verify_entries([first, second]).ok


async def test_rewritten_amount_is_detected(aredis: aioredis.Redis) -> None:
    store = BidStore(aredis)
    await lot_with_bids(store)
    assert (await store.verify(7)).ok
    await rewrite(aredis, {3: {"amount": "1150"}})
    result = await store.verify(7)
    assert (result.ok, result.bad_seq, result.length) == (False, 3, 2)
    assert result.reason and "hash" in result.reason


async def test_forged_entry_with_recomputed_hash_breaks_the_chain(aredis: aioredis.Redis) -> None:
    store = BidStore(aredis)
    await lot_with_bids(store)
    third = (await store.ledger(7))[2]
    forged = {**{k: str(v) for k, v in third.items()}, "amount": "999999"}
    forged["hash"] = entry_hash(forged)
    forged_fields = {k: v for k, v in forged.items() if k not in ("id", "extended")}
    await rewrite(aredis, {3: forged_fields})
    result = await store.verify(7)
    assert (result.ok, result.bad_seq) == (False, 4)
    assert result.reason and "prev" in result.reason


async def test_forged_last_entry_or_truncation_disagrees_with_state(
        aredis: aioredis.Redis) -> None:
    store = BidStore(aredis)
    await lot_with_bids(store)
    last = (await store.ledger(7))[-1]
    forged = {k: str(v) for k, v in last.items() if k not in ("id", "extended")}
    forged["code"] = "FFFF"
    forged["hash"] = entry_hash(forged)
    await rewrite(aredis, {5: forged})
    result = await store.verify(7)
    assert (result.ok, result.bad_seq) == (False, 5)
    rows: Any = await aredis.xrange(keys.ledger(7))
    await aredis.xdel(keys.ledger(7), rows[-1][0])
    result = await store.verify(7)
    assert (result.ok, result.bad_seq, result.length) == (False, 5, 4)


async def test_seq_gap_is_detected(aredis: aioredis.Redis) -> None:
    store = BidStore(aredis)
    await lot_with_bids(store)
    entries = await store.ledger(7)
    del entries[1]
    result = verify_entries(entries)
    assert (result.ok, result.bad_seq, result.length) == (False, 2, 1)


async def test_ledger_paging_and_recent_bids(aredis: aioredis.Redis) -> None:
    store = BidStore(aredis)
    await lot_with_bids(store)
    entries = await store.ledger(7)
    assert await store.ledger(7, after_id=entries[1]["id"]) == entries[2:]
    assert await store.ledger(7, after_id=entries[1]["id"], count=2) == entries[2:4]
    recent = await store.recent_bids(7, 3)
    assert [b["seq"] for b in recent] == [5, 4, 3]
