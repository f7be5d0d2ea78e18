"""BidStore: the async Redis-backed bidding engine used by the portal."""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bidding import keys
from bidding.closer import run_closer
from bidding.codec import parse_entry, public_state, text, time_ms
from bidding.errors import LotClosed, LotLocked, LotNotFound, UnknownBidder
from bidding.ledger import VerifyResult, verify_entries
from bidding.rules import MAX_FEN
from bidding.scripts import scripts_for
from core import lease
from core.redis import is_cluster, publish_command

if TYPE_CHECKING:
    import redis.asyncio

__all__ = ["BidOutcome", "BidStore", "VerifyResult"]

CODE_CANDIDATES = 8
SALE_MODES = ("auction", "fixed_price")


@dataclass
class BidOutcome:
    ok: bool
    error: str | None
    min_next: int | None
    now_ms: int
    bid: dict | None
    state: dict | None
    event_id: str | None
    previous_leader: str | None = None  # the code that led before this accepted bid
    replayed: bool = False  # the kept outcome of an earlier try with the same idempotency key


def _int(name: str, value: object, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} out of range: {value}")
    return value


class BidStore:
    """All bidding operations; every state change is one atomic Lua script."""

    def __init__(self, redis: redis.asyncio.Redis) -> None:
        self.redis = redis
        self._scripts = scripts_for(redis)
        # how the scripts publish the lot's events: SPUBLISH on a Redis Cluster, else PUBLISH
        self._publish = publish_command(redis)

    async def server_time_ms(self) -> int:
        return time_ms(await self.redis.time())

    # -- lots -------------------------------------------------------------------------------

    async def create_lot(self, lot_id: int, *, starting_price: int, increment: int,
                         starts_at_ms: int, ends_at_ms: int, extension_ms: int,
                         sale_mode: str = "auction") -> None:
        """Create the lot, or update its terms while it has no bid (else raise LotLocked).

        ``sale_mode="fixed_price"`` makes it a fixed-price sale (see rules.extended_end).
        """
        if sale_mode not in SALE_MODES:
            raise ValueError(f"sale_mode must be one of {SALE_MODES}")
        args: list[int | str] = [
            _int("lot_id", lot_id, 0), _int("starting_price", starting_price, 1, MAX_FEN),
            _int("increment", increment, 1, MAX_FEN), _int("starts_at_ms", starts_at_ms, 0),
            _int("ends_at_ms", ends_at_ms, starts_at_ms + 1),
            _int("extension_ms", extension_ms, 0), sale_mode]
        result = text(await self._scripts.create_lot(keys=[keys.state(lot_id)], args=args))
        if result == "locked":
            raise LotLocked(f"lot {lot_id} has bids or is closed; its terms are fixed")
        await self.redis.zadd(keys.CLOSING, {str(lot_id): ends_at_ms})

    async def cancel_lot(self, lot_id: int) -> None:
        """Cancel a scheduled lot (idempotent); sold or failed lots raise LotClosed."""
        result = text(await self._scripts.cancel_lot(
            keys=[keys.state(lot_id)], args=[keys.events(lot_id), self._publish]))
        if result == "not_found":
            raise LotNotFound(lot_id)
        if result == "closed":
            raise LotClosed(f"lot {lot_id} is already closed")
        await self.redis.zrem(keys.CLOSING, str(lot_id))

    # -- bidders ----------------------------------------------------------------------------

    async def register(self, lot_id: int, user_id: str, *, rank: int = 0) -> str:
        """The user's bidder code for the lot, created on first call (idempotent per user)."""
        if not isinstance(user_id, str) or not user_id:
            raise ValueError("user_id must be a non-empty string")
        _int("rank", rank, 0)
        candidates = [f"{secrets.randbelow(65536):04X}" for _ in range(CODE_CANDIDATES)]
        reply = await self._scripts.register(
            keys=[keys.state(lot_id), keys.bidders(lot_id), keys.users(lot_id)],
            args=[user_id, rank, *candidates])
        result = json.loads(reply)
        if result.get("error") == "not_found":
            raise LotNotFound(lot_id)
        if result.get("error"):
            raise LotClosed(f"lot {lot_id} does not accept registrations: {result['error']}")
        return str(result["code"])

    async def set_rank(self, lot_id: int, code: str, rank: int) -> None:
        """Set the bidder's priority purchase rank (0 = none, 1 = highest)."""
        await self._update_bidder(lot_id, code, {"rank": _int("rank", rank, 0)})

    async def mark_deposit_paid(self, lot_id: int, code: str) -> None:
        await self._update_bidder(lot_id, code, {"deposit": True})

    async def _update_bidder(self, lot_id: int, code: str, fields: dict[str, Any]) -> None:
        result = text(await self._scripts.update_bidder(
            keys=[keys.bidders(lot_id)], args=[code, json.dumps(fields)]))
        if result != "ok":
            raise UnknownBidder(f"no bidder {code!r} on lot {lot_id}")

    async def bidder(self, lot_id: int, code: str) -> dict | None:
        """{"code", "user", "deposit": bool, "rank": int} or None."""
        raw = await self.redis.hget(keys.bidders(lot_id), code)
        if raw is None:
            return None
        return {"code": code, **json.loads(raw)}

    async def code_for(self, lot_id: int, user_id: str) -> str | None:
        return text(await self.redis.hget(keys.users(lot_id), user_id))

    # -- bidding ----------------------------------------------------------------------------

    async def place_bid(self, lot_id: int, code: str, amount: int,
                        idempotency_key: str = "") -> BidOutcome:
        """One atomic bid; refusals come back as ``ok=False`` with an error code. With an
        ``idempotency_key``, a retry gets the first try's outcome (``replayed=True``)."""
        return await self._place(lot_id, code, "", amount, idempotency_key)

    async def place_bid_as(self, lot_id: int, user_id: str, amount: int,
                           idempotency_key: str = "") -> BidOutcome:
        """The same atomic bid, naming the user: the script looks up their bidder code."""
        return await self._place(lot_id, "", user_id, amount, idempotency_key)

    async def _place(self, lot_id: int, code: str, user_id: str, amount: int,
                     idempotency_key: str) -> BidOutcome:
        _int("amount", amount, -MAX_FEN, MAX_FEN)
        reply = await self._scripts.place_bid(
            keys=[keys.state(lot_id), keys.ledger(lot_id), keys.bidders(lot_id),
                  keys.users(lot_id), keys.idempotency(lot_id)],
            args=[code, amount, keys.events(lot_id), user_id, idempotency_key, self._publish])
        return await self._outcome(lot_id, reply)

    async def _outcome(self, lot_id: int, reply: Any) -> BidOutcome:
        r = json.loads(reply)
        now = int(r["now"])
        if r.get("ok") and r["state"].get("sale_mode") == "fixed_price":
            # the first bid of a fixed-price sale may bring the end forward: tell the closer
            await self.redis.zadd(keys.CLOSING, {str(lot_id): int(r["state"]["ends_at"])})
        state = public_state(r["state"], now) if r.get("state") else None
        entry = parse_entry(r["id"], r["entry"]) if r.get("entry") else None
        min_next = int(r["min_next"]) if r.get("min_next") is not None else None
        return BidOutcome(ok=bool(r["ok"]), error=r.get("error"), min_next=min_next, now_ms=now,
                          bid=entry, state=state, event_id=r.get("id"),
                          previous_leader=r.get("prev_leader") or None,
                          replayed=bool(r.get("replayed")))

    # -- reading ----------------------------------------------------------------------------

    async def state(self, lot_id: int) -> dict | None:
        """Public state (see codec.public_state) or None when the lot does not exist."""
        return (await self.states([lot_id])).get(lot_id)

    async def states(self, lot_ids: list[int]) -> dict[int, dict]:
        """Public states of many lots in one round trip; missing lots are left out."""
        pipe = self.redis.pipeline(transaction=False)
        for lot_id in lot_ids:
            pipe.hgetall(keys.state(lot_id))
        cluster = is_cluster(self.redis)  # no keyless TIME in its pipelines
        if not cluster:
            pipe.time()
        raws = await pipe.execute()
        now_reply = await self.redis.time() if cluster else raws.pop()
        now = time_ms(now_reply)
        return {lot_id: public_state(text(raw), now)
                for lot_id, raw in zip(lot_ids, raws, strict=True) if raw}

    async def _raw_ledger(self, lot_id: int, after_id: str | None = None,
                          count: int | None = None) -> list[tuple[str, dict[str, str]]]:
        start = f"({after_id}" if after_id else "-"
        rows = await self.redis.xrange(keys.ledger(lot_id), min=start, max="+", count=count)
        return [(text(i), text(f)) for i, f in rows or []]

    async def ledger(self, lot_id: int, after_id: str | None = None,
                     count: int | None = None) -> list[dict]:
        """Ledger entries in order (each with its stream "id"); ``after_id`` is exclusive."""
        return [parse_entry(i, f) for i, f in await self._raw_ledger(lot_id, after_id, count)]

    async def recent_bids(self, lot_id: int, n: int = 20) -> list[dict]:
        """The newest ``n`` bids, newest first."""
        rows = await self.redis.xrevrange(keys.ledger(lot_id), max="+", min="-", count=n + 1)
        bids = [parse_entry(text(i), text(f)) for i, f in rows or []]
        return [b for b in bids if b.get("kind") == "bid"][:n]

    async def verify(self, lot_id: int) -> VerifyResult:
        """Verify the whole ledger chain and that it ends at the state's head."""
        rows = await self._raw_ledger(lot_id)
        result = verify_entries(fields for _, fields in rows)
        raw_state = text(await self.redis.hgetall(keys.state(lot_id)))
        if not result.ok or not raw_state:
            return result
        seq, head = int(raw_state.get("seq") or 0), raw_state.get("head", "")
        if seq == result.length and head == result.head:
            return result
        bad = result.length if seq == result.length else min(seq, result.length) + 1
        bad = max(bad, 1)
        return VerifyResult(False, result.length, result.head, bad,
                            f"ledger ends at seq {result.length} but the state records seq {seq} "
                            "and another head hash (entries missing, added or altered)")

    # -- closing ----------------------------------------------------------------------------

    async def close_lot(self, lot_id: int) -> dict:
        """Close the lot if its end has passed (idempotent).

        Returns {"closed": lot is closed now, "changed": this call closed it, "status",
        "ends_at"}; raises LotNotFound.
        """
        reply = await self._scripts.close_lot(keys=[keys.state(lot_id), keys.ledger(lot_id)],
                                              args=[keys.events(lot_id), self._publish])
        r = json.loads(reply)
        if not r["found"]:
            raise LotNotFound(lot_id)
        return {"closed": r["closed"], "changed": r["changed"], "status": r["status"],
                "ends_at": int(r["ends_at"])}

    async def close_due(self) -> list[int]:
        """Close every lot due by server time; returns the lots this call closed."""
        now = await self.server_time_ms()
        due = await self.redis.zrangebyscore(keys.CLOSING, "-inf", now)
        closed: list[int] = []
        for member in text(due):
            lot_id = int(member)
            try:
                result = await self.close_lot(lot_id)
            except LotNotFound:
                await self.redis.zrem(keys.CLOSING, member)
                continue
            if result["closed"]:
                await self.redis.zrem(keys.CLOSING, member)
            else:
                await self.redis.zadd(keys.CLOSING, {member: result["ends_at"]}, xx=True)
            if result["changed"]:
                closed.append(lot_id)
        return closed

    async def acquire_lease(self, token: str, ttl_ms: int) -> bool:
        """Take or renew the closer leader lease; True while this token holds it."""
        return await lease.acquire(self.redis, keys.CLOSER_LOCK, token, ttl_ms)

    async def release_lease(self, token: str) -> None:
        await lease.release(self.redis, keys.CLOSER_LOCK, token)

    async def run_closer(self, stop: asyncio.Event, interval: float = 0.5) -> None:
        """Close due lots every ``interval`` seconds while holding the leader lease."""
        await run_closer(self, stop, interval)
