"""place_bid against the real Redis: refusal codes, priority purchasers, extension."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis
from redis_cluster import async_client
from test_bidding_support import MINUTE_MS, open_lot, paid_bidder

from bidding import BidStore, LotLocked, LotNotFound, UnknownBidder
from bidding.rules import MAX_FEN


@pytest.fixture
def store(aredis: aioredis.Redis) -> BidStore:
    return BidStore(aredis)


async def test_refusal_codes_each_with_min_next_and_now(store: BidStore) -> None:
    await open_lot(store, 1)
    paid = await paid_bidder(store, 1, "paid")
    unpaid = await store.register(1, "unpaid")
    cases = [
        (99, paid, 100_000, "not_found"),
        (1, "ZZZZ", 100_000, "not_registered"),
        (1, unpaid, 100_000, "deposit_unpaid"),
        (1, paid, 99_500, "below_minimum"),
        (1, paid, 100_100, "off_increment"),
    ]
    for lot_id, code, amount, error in cases:
        out = await store.place_bid(lot_id, code, amount)
        assert (out.ok, out.error) == (False, error)
        assert out.now_ms > 0 and out.bid is None and out.event_id is None
        assert out.min_next == (None if error == "not_found" else 100_000)
    assert (await store.place_bid(1, paid, 100_000)).ok
    out = await store.place_bid(1, paid, 100_500)
    assert (out.error, out.min_next) == ("already_leading", 100_500)


async def test_not_open_and_closed(store: BidStore) -> None:
    await open_lot(store, 1, starts_in_ms=MINUTE_MS, ends_in_ms=2 * MINUTE_MS)
    code = await paid_bidder(store, 1, "u")
    assert (await store.place_bid(1, code, 100_000)).error == "not_open"
    await open_lot(store, 2, starts_in_ms=-2 * MINUTE_MS, ends_in_ms=-1)
    code2 = await paid_bidder(store, 2, "u")
    out = await store.place_bid(2, code2, 100_000)
    assert (out.error, out.min_next) == ("closed", 100_000)
    await open_lot(store, 3)
    code3 = await paid_bidder(store, 3, "u")
    await store.cancel_lot(3)
    assert (await store.place_bid(3, code3, 100_000)).error == "closed"


async def test_closed_status_precedes_time_checks(store: BidStore) -> None:
    await open_lot(store, 1, starts_in_ms=MINUTE_MS, ends_in_ms=2 * MINUTE_MS)
    await store.cancel_lot(1)
    assert (await store.place_bid(1, "ZZZZ", 1)).error == "closed"


async def test_accepted_bid_updates_state_ledger_and_outcome(store: BidStore) -> None:
    await open_lot(store, 1)
    a = await paid_bidder(store, 1, "alice")
    out = await store.place_bid(1, a, 100_000)
    assert out.ok and out.error is None and out.min_next == 100_500
    assert out.bid is not None and out.state is not None
    assert out.bid["seq"] == 1 and out.bid["amount"] == 100_000 and out.bid["code"] == a
    assert out.bid["id"] == out.event_id
    assert out.state["current_price"] == 100_000 and out.state["leader_code"] == a
    assert out.state["status"] == "live" and out.state["bid_count"] == 1
    assert await store.ledger(1) == [out.bid]
    state = await store.state(1)
    assert state is not None and state["head"] == out.bid["hash"]


async def test_priority_purchaser_takes_lead_at_equal_price(store: BidStore) -> None:
    await open_lot(store, 1)
    normal, other = await paid_bidder(store, 1, "n"), await paid_bidder(store, 1, "o")
    p2 = await paid_bidder(store, 1, "p2", rank=2)
    p1 = await paid_bidder(store, 1, "p1", rank=1)
    p2b = await paid_bidder(store, 1, "p2b", rank=2)
    assert (await store.place_bid(1, normal, 100_000)).ok
    out = await store.place_bid(1, other, 100_000)
    assert (out.error, out.min_next) == ("below_minimum", 100_500)
    assert (await store.place_bid(1, p2, 100_000)).ok        # priority matches a normal bidder
    out = await store.place_bid(1, p2b, 100_000)               # equal rank: the earlier keeps it
    assert (out.error, out.min_next) == ("below_minimum", 100_500)
    out = await store.place_bid(1, normal, 100_000)
    assert (out.error, out.min_next) == ("below_minimum", 100_500)
    taken = await store.place_bid(1, p1, 100_000)               # higher rank wins at equal price
    assert taken.ok and taken.state is not None
    assert (taken.state["leader_code"], taken.state["leader_rank"]) == (p1, 1)
    out = await store.place_bid(1, p2, 100_000)                 # lower rank cannot take it back
    assert (out.error, out.min_next) == ("below_minimum", 100_500)
    assert (await store.place_bid(1, p2, 100_500)).ok
    assert (await store.place_bid(1, p1, 100_500)).ok
    state = await store.state(1)
    assert state is not None and state["bid_count"] == 5 and state["current_price"] == 100_500


async def test_set_rank_applies_to_later_bids(store: BidStore) -> None:
    await open_lot(store, 1)
    a, b = await paid_bidder(store, 1, "a"), await paid_bidder(store, 1, "b")
    assert (await store.place_bid(1, a, 100_000)).ok
    await store.set_rank(1, b, 1)
    assert (await store.bidder(1, b)) == {"code": b, "user": "b", "deposit": True, "rank": 1}
    assert (await store.place_bid(1, b, 100_000)).ok
    with pytest.raises(UnknownBidder):
        await store.set_rank(1, "ZZZZ", 1)


async def test_extension_inside_window_only(store: BidStore) -> None:
    await open_lot(store, 1, ends_in_ms=10 * MINUTE_MS, extension_ms=5 * MINUTE_MS)
    a, b = await paid_bidder(store, 1, "a"), await paid_bidder(store, 1, "b")
    out = await store.place_bid(1, a, 100_000)
    assert out.ok and out.bid is not None and out.bid["extended"] is False
    ends = out.bid["ends_at"]
    await open_lot(store, 2, ends_in_ms=2 * MINUTE_MS, extension_ms=5 * MINUTE_MS)
    c = await paid_bidder(store, 2, "c")
    out = await store.place_bid(2, c, 100_000)
    assert out.ok and out.bid is not None and out.bid["extended"] is True
    assert out.bid["ends_at"] == out.now_ms + 5 * MINUTE_MS
    assert out.state is not None and out.state["ends_at"] == out.bid["ends_at"]
    again = await store.place_bid(1, b, 100_500)
    assert again.bid is not None and again.bid["ends_at"] == ends


async def test_register_is_idempotent_and_codes_unique(store: BidStore) -> None:
    await open_lot(store, 1)
    codes = {await store.register(1, f"user{i}") for i in range(300)}
    assert len(codes) == 300
    assert all(len(c) == 4 and c == c.upper() and int(c, 16) >= 0 for c in codes)
    first = await store.register(1, "user0")
    assert await store.register(1, "user0", rank=3) == first
    assert await store.code_for(1, "user0") == first
    assert await store.code_for(1, "nobody") is None
    assert await store.bidder(1, "ZZZZ") is None
    with pytest.raises(LotNotFound):
        await store.register(42, "user0")


async def test_create_lot_updates_until_first_bid(store: BidStore) -> None:
    now = await open_lot(store, 1)
    await store.create_lot(1, starting_price=200_000, increment=1_000, starts_at_ms=now - 1000,
                           ends_at_ms=now + MINUTE_MS, extension_ms=0)
    state = await store.state(1)
    assert state is not None and state["starting_price"] == 200_000
    code = await paid_bidder(store, 1, "a")
    assert (await store.place_bid(1, code, 200_000)).ok
    with pytest.raises(LotLocked):
        await store.create_lot(1, starting_price=1, increment=1, starts_at_ms=now,
                               ends_at_ms=now + 1, extension_ms=0)
    with pytest.raises(ValueError):
        await store.create_lot(2, starting_price=1, increment=0, starts_at_ms=now,
                               ends_at_ms=now + 1, extension_ms=0)


async def test_states_and_effective_status(store: BidStore) -> None:
    await open_lot(store, 1)
    await open_lot(store, 2, starts_in_ms=MINUTE_MS, ends_in_ms=2 * MINUTE_MS)
    await open_lot(store, 3)
    await store.cancel_lot(3)
    states = await store.states([1, 2, 3, 4])
    assert {k: v["status"] for k, v in states.items()} == {1: "live", 2: "upcoming",
                                                            3: "cancelled"}
    s1 = states[1]
    assert s1["current_price"] == 0 and s1["leader_code"] is None and s1["min_next"] == 100_000
    assert isinstance(s1["server_time"], int) and s1["closed_at"] is None
    assert isinstance(states[3]["closed_at"], int)
    assert await store.state(4) is None


async def test_works_with_a_bytes_client(redis_url: str) -> None:
    client = async_client(redis_url)  # decode_responses=False
    try:
        store = BidStore(client)
        await open_lot(store, 1)
        code = await paid_bidder(store, 1, "u")
        assert (await store.place_bid(1, code, 100_000)).ok
        assert await store.code_for(1, "u") == code
        assert (await store.bidder(1, code) or {})["deposit"] is True
        assert (await store.ledger(1))[0]["code"] == code
        assert (await store.recent_bids(1))[0]["amount"] == 100_000
        assert (await store.verify(1)).ok
        state = await store.state(1)
        assert state is not None and state["leader_code"] == code
    finally:
        await client.aclose()


async def test_large_amounts_stay_exact(store: BidStore) -> None:
    start = MAX_FEN - 1_000
    await open_lot(store, 1, start=start, inc=1_000)
    a, b = await paid_bidder(store, 1, "a"), await paid_bidder(store, 1, "b")
    assert (await store.place_bid(1, a, start)).ok
    out = await store.place_bid(1, b, MAX_FEN)
    assert out.ok and out.bid is not None and out.bid["amount"] == MAX_FEN
    assert out.min_next == MAX_FEN + 1_000
    assert (await store.verify(1)).ok
    with pytest.raises(ValueError):
        await store.place_bid(1, a, MAX_FEN + 1_000)


async def test_bid_by_user_id_resolves_the_code_and_names_the_previous_leader(
        store: BidStore) -> None:
    await open_lot(store)
    assert (await store.place_bid_as(1, "stranger", 100_000)).error == "not_registered"
    assert (await store.place_bid_as(9, "stranger", 100_000)).error == "not_found"
    a = await paid_bidder(store, 1, "ann")
    b = await paid_bidder(store, 1, "ben")
    first = await store.place_bid_as(1, "ann", 100_000)
    assert first.ok and first.bid is not None and first.bid["code"] == a
    assert first.previous_leader is None
    second = await store.place_bid_as(1, "ben", 100_500)
    assert second.ok and second.bid is not None and second.bid["code"] == b
    assert second.previous_leader == a
    assert (await store.place_bid_as(1, "ben", 101_000)).error == "already_leading"
