"""Concurrency (100 racing bidders) and agreement of the Lua decision with rules.check_bid."""

from __future__ import annotations

import asyncio
import json
import random

import redis.asyncio as aioredis
from test_bidding_support import open_lot, paid_bidder

from bidding import BidStore, keys
from bidding.ledger import ZERO_HASH
from bidding.rules import BidderSnapshot, LotSnapshot, check_bid

HOUR_MS = 3_600_000


async def test_one_winner_per_price_level(aredis: aioredis.Redis) -> None:
    store = BidStore(aredis)
    await open_lot(store, 1, start=100_000, inc=1_000)
    codes = await asyncio.gather(*(paid_bidder(store, 1, f"user{i}") for i in range(100)))
    assert len(set(codes)) == 100
    levels = 5
    for level in range(levels):
        amount = 100_000 + level * 1_000
        outcomes = await asyncio.gather(*(store.place_bid(1, c, amount) for c in codes))
        winners = [o for o in outcomes if o.ok]
        assert len(winners) == 1
        losers = {o.error for o in outcomes if not o.ok}
        assert losers <= {"below_minimum", "already_leading"}
    entries = await store.ledger(1)
    assert [e["seq"] for e in entries] == list(range(1, levels + 1))
    assert [e["amount"] for e in entries] == [100_000 + i * 1_000 for i in range(levels)]
    result = await store.verify(1)
    assert result.ok and result.length == levels and result.bad_seq is None
    state = await store.state(1)
    assert state is not None and state["bid_count"] == levels and state["head"] == result.head


def random_case(rng: random.Random, now: int) -> tuple[LotSnapshot | None, dict, str, int]:
    start, inc = rng.randrange(1, 1000) * 100, rng.choice([1, 7, 100, 500, 1000])
    count = rng.choice([0, 0, 1, 2, 5])
    current = start + rng.randrange(0, 10) * inc if count else 0
    lot = LotSnapshot(
        status=rng.choice(["scheduled"] * 6 + ["sold", "failed", "cancelled"]),
        starting_price=start, increment=inc,
        starts_at_ms=now + rng.choice([-HOUR_MS, -HOUR_MS, HOUR_MS]),
        ends_at_ms=now + rng.choice([-HOUR_MS, 2 * 60_000, HOUR_MS, HOUR_MS]),
        extension_ms=rng.choice([0, 300_000, 2 * HOUR_MS]), current_price=current,
        bid_count=count, leader_code=rng.choice(["AAAA", "BBBB", "CCCC"]) if count else "",
        leader_rank=rng.choice([0, 0, 1, 2, 3]) if count else 0,
    )
    bidders = {c: BidderSnapshot(c, rng.choice([0, 0, 1, 2, 3]), rng.random() < 0.85)
               for c in ("AAAA", "BBBB", "CCCC")}
    base = current if count else start
    amount = base + rng.choice([-inc, 0, 0, inc, inc, 2 * inc, inc // 2 or 1, 1])
    code = rng.choice(["AAAA", "BBBB", "CCCC", "ZZZZ"])
    return (lot if rng.random() < 0.95 else None), bidders, code, amount


async def write_case(aredis: aioredis.Redis, lot: LotSnapshot | None, bidders: dict) -> None:
    await aredis.delete(keys.state(1), keys.bidders(1), keys.ledger(1))
    if lot is None:
        return
    await aredis.hset(keys.state(1), mapping={
        "lot": 1, "status": lot.status, "starting_price": lot.starting_price,
        "increment": lot.increment, "starts_at": lot.starts_at_ms, "ends_at": lot.ends_at_ms,
        "extension": lot.extension_ms, "current_price": lot.current_price,
        "leader_code": lot.leader_code, "leader_rank": lot.leader_rank,
        "bid_count": lot.bid_count, "seq": lot.bid_count, "head": ZERO_HASH, "closed_at": 0,
    })
    await aredis.hset(keys.bidders(1), mapping={
        c: json.dumps({"user": c, "deposit": b.deposit_paid, "rank": b.rank})
        for c, b in bidders.items()})


async def test_lua_agrees_with_python_on_random_inputs(aredis: aioredis.Redis) -> None:
    store = BidStore(aredis)
    rng = random.Random(20160801)
    seen: set[str | None] = set()
    for _ in range(400):
        lot, bidders, code, amount = random_case(rng, await store.server_time_ms())
        await write_case(aredis, lot, bidders)
        out = await store.place_bid(1, code, amount)
        want = check_bid(lot, bidders.get(code), code, amount, out.now_ms)
        assert (out.error, out.min_next) == (want.error, want.min_next), (lot, code, amount)
        if out.ok:
            assert out.bid is not None
            assert (out.bid["ends_at"], out.bid["extended"]) == (want.ends_at_ms, want.extended)
        seen.add(out.error)
    assert seen >= {None, "not_found", "not_open", "closed", "not_registered", "deposit_unpaid",
                    "already_leading", "below_minimum", "off_increment"}
