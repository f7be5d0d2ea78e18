"""The append-only account ledger of each enforcement case, with running balances.

Every movement of money of a case is one entry in the Redis stream ``case:{<id>}:account``,
appended by ``lua/account_post.lua`` in one atomic step that refuses a duplicate ``ref`` (so
a retried or replayed step never moves money twice) and never lets a custody account go
negative. The court's custody account of the case is split into sub-accounts per lot:

* ``deposits:<lot>``  frozen deposits of that lot's bidders
* ``proceeds:<lot>``  the price received (applied deposit + balance) and forfeit uses
* ``forfeited:<lot>`` a defaulting buyer's deposit until it has been applied

Outside parties: ``bidder:<code>`` (the lot's anonymous bidder code; entries written before
codes were used name ``bidder:<username>`` and are shown with the code, see
``portal.case_read.anonymised``), ``applicant`` (proceeds released to the creditor)
and ``costs`` (auction costs paid from a forfeited deposit).

Entry fields: seq, at (ms), case, kind, lot, from, to, amount (fen > 0), effect (the change
of the custody balance: +amount in, -amount out, 0 between sub-accounts), balance (custody
balance after the entry), ref, user, prev, hash. ``hash`` is the SHA-256 of::

    acct|{case}|{seq}|{at}|{kind}|{lot}|{from}|{to}|{amount}|{effect}|{balance}|{ref}|{user}|{prev}

``verify`` re-walks the chain and recomputes every balance from the movements.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis

from bidding.codec import str_hash, stream_entries
from bidding.scripts import LIBRARIES
from core.errors import Conflict
from core.lua import register
from portal import keys

ZERO_HASH = "0" * 64
CUSTODY_PREFIXES = ("deposits:", "proceeds:", "forfeited:")
ENTRY_INTS = ("seq", "at", "case", "lot", "amount", "effect", "balance")
HASHED = ("case", "seq", "at", "kind", "lot", "from", "to", "amount", "effect", "balance",
          "ref", "user", "prev")


def is_custody(name: str) -> bool:
    return name.startswith(CUSTODY_PREFIXES)


def script(redis: aioredis.Redis, name: str) -> Any:
    """``portal/lua/<name>`` with the shared SHA-256 and lot helpers in front."""
    return register(redis, "portal", name, LIBRARIES)


def entry_hash(e: dict[str, Any]) -> str:
    text = "|".join(["acct", *(str(e[k]) for k in HASHED)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class AccountCheck:
    ok: bool
    length: int
    balance: int
    head: str
    reason: str | None = None
    accounts: dict[str, int] = field(default_factory=dict)
    money_in: int = 0
    money_out: int = 0


def check_entries(entries: list[dict[str, Any]], stored: dict[str, str]) -> AccountCheck:
    """Re-verify a case ledger: chain, hashes, running balances and the stored balances."""
    prev, total, money_in, money_out = ZERO_HASH, 0, 0, 0
    accounts: dict[str, int] = defaultdict(int)

    def fail(n: int, why: str) -> AccountCheck:
        return AccountCheck(False, len(entries), total, prev, f"entry {n}: {why}", dict(accounts),
                            money_in, money_out)

    for n, e in enumerate(entries, start=1):
        if e["seq"] != n or e["prev"] != prev or entry_hash(e) != e["hash"]:
            return fail(n, "broken hash chain (altered, missing or inserted entry)")
        effect = (-e["amount"] if is_custody(e["from"]) else 0) + \
                 (e["amount"] if is_custody(e["to"]) else 0)
        if effect != e["effect"] or total + effect != e["balance"]:
            return fail(n, "running balance does not add up")
        for name, sign in ((e["from"], -1), (e["to"], 1)):
            if is_custody(name):
                accounts[name] += sign * e["amount"]
                if accounts[name] < 0:
                    return fail(n, f"{name} went below zero")
        total += effect
        money_in += max(effect, 0)
        money_out += max(-effect, 0)
        prev = e["hash"]
    result = AccountCheck(True, len(entries), total, prev, None, dict(accounts), money_in,
                          money_out)
    stored_accounts = {k: int(v) for k, v in stored.items() if is_custody(k)}
    if (int(stored.get("total") or 0) != total or stored.get("head", ZERO_HASH) != prev
            or {k: v for k, v in stored_accounts.items() if v} !=
            {k: v for k, v in accounts.items() if v}
            or int(stored.get("in_total") or 0) != money_in
            or int(stored.get("out_total") or 0) != money_out):
        result.ok, result.reason = False, "stored balances differ from the ledger"
    if money_in - money_out != total or sum(accounts.values()) != total:
        result.ok, result.reason = False, "money in minus money out differs from the balance"
    return result


def parse(entry_id: str, raw: dict[str, str]) -> dict[str, Any]:
    e: dict[str, Any] = {"id": entry_id, **raw}
    for k in ENTRY_INTS:
        e[k] = int(raw[k])
    return e


class CaseAccounts:
    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis

    async def post(self, case_id: int, ref: str, kind: str, src: str, dst: str, amount: int,
                   lot_id: int, user: str = "") -> bool:
        """Record one movement; False when ``ref`` was already recorded (nothing changes)."""
        if amount <= 0:
            return False
        reply = await script(self.redis, "account_post.lua")(
            keys=[keys.case_account(case_id), keys.case_balances(case_id), keys.case_refs(case_id)],
            args=[case_id, ref, kind, src, dst, amount, lot_id, user])
        r = json.loads(reply)
        if not r["ok"]:
            raise Conflict(f"Cannot move {amount} fen from {src}: {r['error']}",
                           code="insufficient_funds" if r["error"] == "insufficient"
                           else "bad_amount")
        return not r["duplicate"]

    async def has(self, case_id: int, ref: str) -> bool:
        return bool(await self.redis.hexists(keys.case_refs(case_id), ref))

    async def entries(self, case_id: int) -> list[dict[str, Any]]:
        rows = await self.redis.xrange(keys.case_account(case_id))
        return [parse(i, f) for i, f in stream_entries(rows)]

    async def balances(self, case_id: int) -> dict[str, int]:
        raw = await self.redis.hgetall(keys.case_balances(case_id))
        return {str(k): int(v) for k, v in raw.items() if k != "head"}

    async def balance(self, case_id: int, account: str) -> int:
        return int(await self.redis.hget(keys.case_balances(case_id), account) or 0)

    async def verify(self, case_id: int) -> AccountCheck:
        entries = await self.entries(case_id)
        balances = str_hash(await self.redis.hgetall(keys.case_balances(case_id)))
        return check_entries(entries, balances)
