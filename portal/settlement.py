"""After the hammer: deposits released or applied, the balance due, default and forfeiture,
release of the proceeds — every movement of money posted to the case's account ledger.

Exactly once: a leader-leased worker (``run_settler``, started in the app lifespan next to
the closer) settles each closed lot and defaults overdue buyers; every step is idempotent on
its own (status changes are atomic Lua transitions, money movements carry a unique ref that
the ledger refuses twice), so a crash, a restart or a second worker never repeats a movement.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis

from bidding.codec import str_hash
from bidding.rules import DAY_MS
from core.errors import Conflict, Invalid
from core.money import format_yuan as yuan
from core.timefmt import ms_to_beijing
from portal import cases, keys, notifications, settlement_worker
from portal.accounts import CaseAccounts
from portal.keys import SETTLE_DONE, SETTLE_DUE
from portal.payments import deposit_status
from portal.settlement_rules import apply_forfeit, reauction_shortfall, split_at_close
from portal.transitions import transition

if TYPE_CHECKING:  # annotations only; services.py imports this module's dependencies
    from portal.services import Services

log = logging.getLogger(__name__)
DEFAULT_PAYMENT_DAYS = 10
RECORD_INTS = ("final_price", "deposit", "balance", "due_at", "closed_at", "paid_at",
               "defaulted_at", "auction_costs", "forfeited", "releases", "released_total",
               "released_at", "case_id", "settled_at", "forfeit_applied_at")
ENDED = ("sold", "failed", "cancelled")


def bidder_account(order: dict[str, Any]) -> str:
    """The outside account of a bidder in a case ledger: named by the lot's anonymous bidder
    code, never the account (the ledger is shown to the case's parties while lots are live,
    and its hashes must not let anyone test a guess of a username)."""
    return f"bidder:{order['code']}"


class Settlement:
    def __init__(self, state: Services) -> None:
        self.app = state
        self.redis: aioredis.Redis = state.redis
        self.accounts = CaseAccounts(state.redis)
        state.payments.before_paid["balance"] = self._check_balance_payment
        state.payments.after_paid.append(self._after_paid)

    # -- records --------------------------------------------------------------------------

    async def record(self, lot_id: int) -> dict[str, Any]:
        raw = await self.redis.hgetall(keys.lot_settlement(lot_id))
        rec: dict[str, Any] = str_hash(raw)
        for k in RECORD_INTS:
            if k in rec and rec[k] != "":
                rec[k] = int(rec[k])
        return rec

    async def next_lot(self, lot_id: int) -> int | None:
        value = await self.redis.get(keys.lot_next(lot_id))
        return int(value) if value and value.isdigit() else None

    async def outcome(self, lot_id: int, state: dict[str, Any] | None = None) -> str:
        """upcoming, live, sold, failed, cancelled or defaulted (sold, then the buyer
        did not pay)."""
        state = state if state is not None else await self.app.store.state(lot_id)
        status = (state or {}).get("status", "upcoming")
        if status == "sold" and (await self.record(lot_id)).get("status") == "defaulted":
            return "defaulted"
        return str(status)

    # -- at close -------------------------------------------------------------------------

    async def settle_lot(self, lot_id: int) -> bool:
        """Settle a closed lot (idempotent); False while it has not closed."""
        state = await self.app.store.state(lot_id)
        if state is None or state["status"] not in ENDED:
            return False
        lot = await self.app.lots.get(lot_id)
        case_id = int(lot["case_id"])
        sold = state["status"] == "sold"
        winner_code = state["leader_code"] if sold else None
        final = state["current_price"] if sold else 0
        paid = await self._close_deposit_orders(lot_id, case_id)
        split = split_at_close({c: o["amount"] for c, o in paid.items()}, winner_code, final)
        for code, amount in split.refunds.items():
            await self._refund(lot, paid[code], amount)
        key = keys.lot_settlement(lot_id)
        base = {"case_id": case_id, "outcome": state["status"], "closed_at": state["closed_at"],
                "final_price": final}
        for k, v in base.items():
            await self.redis.hsetnx(key, k, v)
        if sold and winner_code:
            await self._settle_sale(lot, state, paid.get(winner_code), split.applied,
                                    split.balance)
        else:
            await self.redis.hsetnx(key, "status", state["status"])
            await notifications.notify_case(
                self.redis, case_id, state["status"], {"title": lot["title"]},
                dedupe=f"closed:{lot_id}", lot_id=lot_id)
        await self.redis.hsetnx(key, "settled_at", await self.app.store.server_time_ms())
        await self.redis.sadd(SETTLE_DONE, lot_id)
        return True

    async def _close_deposit_orders(self, lot_id: int, case_id: int) -> dict[str, dict]:
        """Cancel unpaid deposit orders; the paid ones by bidder code (receipts posted)."""
        paid: dict[str, dict] = {}
        index = await self.redis.hgetall(keys.lot_orders(lot_id, "deposit"))
        for _username, raw_pid in sorted(index.items()):
            pid = str(raw_pid)
            order = await self.app.payments.get(pid)
            if order["status"] == "pending":
                await self.app.payments.transition(pid, "pending", "cancelled")
                order = await self.app.payments.get(pid)
            if order["status"] == "paid":
                await self._post_deposit_receipt(order, case_id)
                paid[order["code"]] = order
        return paid

    async def _post_deposit_receipt(self, order: dict[str, Any], case_id: int) -> None:
        await self.accounts.post(case_id, f"deposit:{order['id']}", "deposit_paid",
                                 bidder_account(order), f"deposits:{order['lot_id']}",
                                 order["amount"], order["lot_id"], order["code"])
        await self.redis.hsetnx(keys.payment(order["id"]), "deposit_status", "paid")

    async def _refund(self, lot: dict[str, Any], order: dict[str, Any], amount: int) -> None:
        await self.accounts.post(lot["case_id"], f"refund:{order['id']}", "deposit_refunded",
                                 f"deposits:{lot['id']}", bidder_account(order),
                                 amount, lot["id"], order["code"])
        if amount == order["amount"]:
            await self.redis.hset(keys.payment(order["id"]), "deposit_status", "refunded")
        await notifications.notify(self.redis, order["username"], "deposit_refunded",
                                   {"title": lot["title"], "amount": yuan(amount)},
                                   dedupe=f"refund:{order['id']}", lot_id=lot["id"],
                                   case_id=lot["case_id"])

    async def _settle_sale(self, lot: dict[str, Any], state: dict[str, Any],
                           order: dict[str, Any] | None, applied: int, balance: int) -> None:
        lot_id, case_id, key = lot["id"], int(lot["case_id"]), keys.lot_settlement(lot["id"])
        if order is None:  # a winner always paid a deposit (the engine requires it)
            raise Conflict(f"lot {lot_id}: the winner has no paid deposit", code="no_deposit")
        if applied:
            await self.accounts.post(case_id, f"apply:{order['id']}", "deposit_applied",
                                     f"deposits:{lot_id}", f"proceeds:{lot_id}", applied,
                                     lot_id, order["code"])
            await self.redis.hset(keys.payment(order["id"]), "deposit_status", "applied")
        due_at = state["closed_at"] + DEFAULT_PAYMENT_DAYS * DAY_MS
        for k, v in {"winner": order["username"], "winner_code": order["code"],
                     "deposit": applied, "balance": balance, "due_at": due_at}.items():
            await self.redis.hsetnx(key, k, v)
        rec = await self.record(lot_id)
        if balance <= 0:
            await transition(self.redis, key, "status", "none", "paid")
            await self._after_completion(lot)
        else:
            await self.redis.hsetnx(key, "status", "awaiting_payment")
            bal = await self.app.payments.order(lot_id, order["username"], order["code"],
                                                balance, "balance", due_at=rec["due_at"])
            await self.redis.hsetnx(key, "balance_order", bal["id"])
            if (await self.record(lot_id)).get("status") == "awaiting_payment":
                await self.redis.zadd(SETTLE_DUE, {str(lot_id): rec["due_at"]})
        params = {"title": lot["title"], "price": yuan(state["current_price"]),
                  "balance": yuan(balance), "due": ms_to_beijing(rec["due_at"])}
        await notifications.notify(self.redis, order["username"], "won", params,
                                   dedupe=f"won:{lot_id}", lot_id=lot_id, case_id=case_id)
        await notifications.notify_case(self.redis, case_id, "sold", params,
                                        dedupe=f"closed:{lot_id}", lot_id=lot_id)

    # -- the balance ----------------------------------------------------------------------

    async def _check_balance_payment(self, order: dict[str, Any]) -> None:
        """Accept the balance only while it is due and before the deadline (atomic)."""
        result = await transition(self.redis, keys.lot_settlement(order["lot_id"]), "status",
                                  "awaiting_payment", "paid", "due_at", "before")
        if result["ok"]:
            return
        if result.get("error") == "deadline_passed" or result["current"] == "defaulted":
            raise Conflict("The payment deadline has passed; the deposit is forfeited",
                           code="payment_deadline_passed")
        raise Conflict("This balance is not due", code="payment_closed")

    async def _after_paid(self, order: dict[str, Any]) -> None:
        lot = await self.app.lots.get(order["lot_id"])
        if order.get("purpose", "deposit") == "deposit":
            await self._post_deposit_receipt(order, int(lot["case_id"]))
            return
        await self.accounts.post(lot["case_id"], f"balance:{order['id']}", "balance_paid",
                                 bidder_account(order), f"proceeds:{lot['id']}",
                                 order["amount"], lot["id"], order["code"])
        await self.redis.zrem(SETTLE_DUE, str(lot["id"]))
        await self._after_completion(lot)

    async def _after_completion(self, lot: dict[str, Any]) -> None:
        """The sale is paid in full: tell everyone, apply forfeits of earlier defaults."""
        rec = await self.record(lot["id"])
        params = {"title": lot["title"], "price": yuan(rec.get("final_price", 0))}
        await notifications.notify(self.redis, rec.get("winner", ""), "paid", params,
                                   dedupe=f"paid:{lot['id']}", lot_id=lot["id"],
                                   case_id=lot["case_id"])
        await notifications.notify_case(self.redis, int(lot["case_id"]), "paid", params,
                                        dedupe=f"paid:{lot['id']}", lot_id=lot["id"])
        await self.apply_chain_forfeits(lot, rec.get("final_price", 0))

    # -- default and forfeiture -------------------------------------------------------------

    async def default(self, lot_id: int) -> bool:
        """Default the buyer once the deadline has passed (idempotent)."""
        key = keys.lot_settlement(lot_id)
        result = await transition(self.redis, key, "status", "awaiting_payment", "defaulted",
                                  "due_at", "after")
        if not result["ok"]:
            if result.get("error") == "not_due":
                rec = await self.record(lot_id)
                await self.redis.zadd(SETTLE_DUE, {str(lot_id): rec["due_at"]})
            else:
                await self.redis.zrem(SETTLE_DUE, str(lot_id))
            return False
        rec = await self.record(lot_id)
        lot = await self.app.lots.get(lot_id)
        if rec.get("balance_order"):
            await self.app.payments.transition(rec["balance_order"], "pending", "expired")
        case_id, winner, deposit = int(lot["case_id"]), rec["winner"], rec.get("deposit", 0)
        code = str(rec.get("winner_code") or "")  # ledgers name bidder codes, not accounts
        if deposit:
            await self.accounts.post(case_id, f"forfeit:{lot_id}", "deposit_forfeited",
                                     f"proceeds:{lot_id}", f"forfeited:{lot_id}", deposit,
                                     lot_id, code)
            pid = await self.app.payments.order_id(lot_id, winner, "deposit")
            if pid:
                await self.redis.hset(keys.payment(pid), "deposit_status", "forfeited")
        use = apply_forfeit(deposit, int(rec.get("auction_costs") or 0), 0)
        if use.costs:
            await self.accounts.post(case_id, f"forfeit_costs:{lot_id}", "forfeit_to_costs",
                                     f"forfeited:{lot_id}", "costs", use.costs, lot_id, code)
        await self.redis.hset(key, "forfeited", deposit)
        await self.redis.zrem(SETTLE_DUE, str(lot_id))
        params = {"title": lot["title"], "deposit": yuan(deposit)}
        await notifications.notify(self.redis, winner, "defaulted", params,
                                   dedupe=f"defaulted:{lot_id}", lot_id=lot_id, case_id=case_id)
        await notifications.notify_case(self.redis, case_id, "defaulted", params,
                                        dedupe=f"defaulted:{lot_id}", lot_id=lot_id)
        return bool(result["changed"])  # the steps above re-run harmlessly after a crash

    async def chain(self, lot: dict[str, Any]) -> list[dict[str, Any]]:
        """The lots this one relisted, nearest first."""
        out, prev = [], lot.get("previous_lot_id")
        while prev:
            earlier = await self.app.lots.get(int(prev))
            out.append(earlier)
            prev = earlier.get("previous_lot_id")
        return out

    async def apply_chain_forfeits(self, lot: dict[str, Any], sale_price: int) -> None:
        """When a re-auction is paid: apply the forfeited deposits of earlier defaults, after
        costs, to the shortfall (credited to this sale's proceeds), the rest to the debt."""
        earlier = [e for e in await self.chain(lot)
                   if (await self.record(e["id"])).get("status") == "defaulted"]
        if not earlier:
            return
        prices = [int((await self.record(e["id"])).get("final_price") or 0) for e in earlier]
        top = max(prices)
        shortfall = reauction_shortfall(top, sale_price)
        for e in earlier:
            shortfall -= await self._apply_remainder(e, lot, shortfall)

    async def apply_forfeit_now(self, lot_id: int) -> int:
        """Officer: apply what is left of a forfeited deposit to the debt now (the re-auction
        chain ended without a sale); credited to this lot's proceeds for release."""
        lot = await self.app.lots.get(lot_id)
        if (await self.record(lot_id)).get("status") != "defaulted":
            raise Conflict("Only a defaulted sale has a forfeited deposit", code="not_defaulted")
        await self._apply_remainder(lot, lot, 0)
        return await self.accounts.balance(int(lot["case_id"]), f"proceeds:{lot_id}")

    async def _apply_remainder(self, defaulted: dict[str, Any], credit: dict[str, Any],
                               shortfall: int) -> int:
        case_id, did = int(defaulted["case_id"]), defaulted["id"]
        left = await self.accounts.balance(case_id, f"forfeited:{did}")
        use = apply_forfeit(left, 0, shortfall)
        user = str((await self.record(did)).get("winner_code") or "")
        for kind, amount in (("forfeit_to_shortfall", use.shortfall),
                             ("forfeit_to_debt", use.debt)):
            await self.accounts.post(case_id, f"{kind}:{did}", kind, f"forfeited:{did}",
                                     f"proceeds:{credit['id']}", amount, credit["id"], user)
        await self.redis.hsetnx(keys.lot_settlement(did), "forfeit_applied_at",
                                await self.app.store.server_time_ms())
        return use.shortfall

    # -- officer actions ----------------------------------------------------------------------

    async def set_terms(self, lot_id: int, *, due_at: int | None = None,
                        auction_costs: int | None = None) -> dict[str, Any]:
        """Officer: the balance deadline (before or after the close) and the auction costs."""
        await self.app.lots.get(lot_id)
        rec = await self.record(lot_id)
        key, now = keys.lot_settlement(lot_id), await self.app.store.server_time_ms()
        if due_at is not None:
            if rec.get("status") not in (None, "awaiting_payment"):
                raise Conflict("The balance is no longer due", code="not_awaiting_payment")
            if due_at <= now:
                raise Invalid("The deadline must be in the future", code="deadline_in_past",
                              field="due_at")
            await self.redis.hset(key, "due_at", due_at)
            if rec.get("balance_order"):
                await self.redis.hset(keys.payment(rec["balance_order"]), "due_at", due_at)
            if rec.get("status") == "awaiting_payment":
                await self.redis.zadd(SETTLE_DUE, {str(lot_id): due_at})
                lot = await self.app.lots.get(lot_id)
                await notifications.notify(
                    self.redis, rec["winner"], "deadline_set",
                    {"title": lot["title"], "due": ms_to_beijing(due_at)},
                    dedupe=f"deadline:{lot_id}:{due_at}", lot_id=lot_id,
                    case_id=lot["case_id"])
        if auction_costs is not None:
            if auction_costs < 0:
                raise Invalid("auction_costs must not be negative", code="invalid_field",
                              field="auction_costs")
            if rec.get("status") == "defaulted":
                raise Conflict("The forfeited deposit has been applied", code="already_defaulted")
            await self.redis.hset(key, "auction_costs", auction_costs)
        return await self.record(lot_id)

    async def force_due(self, lot_id: int, due_at: int) -> None:
        """Set the deadline without checks (tests and demo data move time this way)."""
        await self.redis.hset(keys.lot_settlement(lot_id), "due_at", due_at)
        await self.redis.zadd(SETTLE_DUE, {str(lot_id): due_at})

    async def release(self, lot_id: int) -> int:
        """Officer: pay the lot's proceeds out to the applicant; returns the amount."""
        lot = await self.app.lots.get(lot_id)
        rec = await self.record(lot_id)
        releasable = rec.get("status") == "paid" or (
            rec.get("status") == "defaulted" and rec.get("forfeit_applied_at"))
        if not releasable:
            raise Conflict("Proceeds can be released once the sale is paid",
                           code="not_releasable")
        case_id = int(lot["case_id"])
        amount = await self.accounts.balance(case_id, f"proceeds:{lot_id}")
        if amount <= 0:
            return 0
        k = int(rec.get("releases") or 0)
        await self.accounts.post(case_id, f"release:{lot_id}:{k}", "proceeds_released",
                                 f"proceeds:{lot_id}", "applicant", amount, lot_id)
        await self.redis.hincrby(keys.lot_settlement(lot_id), "releases", 1)
        await self.redis.hset(keys.lot_settlement(lot_id), "released_at",
                              await self.app.store.server_time_ms())
        await notifications.notify_case(self.redis, case_id, "released",
                                        {"title": lot["title"], "amount": yuan(amount)},
                                        dedupe=f"released:{lot_id}:{k}", lot_id=lot_id)
        return amount

    # -- deposits of a user -------------------------------------------------------------------

    async def deposits_for(self, username: str) -> list[dict[str, Any]]:
        out = []
        for order in await self.app.payments.for_user(username):
            if order.get("purpose", "deposit") != "deposit" or order["status"] == "cancelled":
                continue
            status = deposit_status(order)
            out.append({"lot_id": order["lot_id"], "amount": order["amount"],
                        "status": status, "payment_id": order["id"]})
        return sorted(out, key=lambda d: d["lot_id"])

    # -- the worker (portal/settlement_worker.py) ---------------------------------------------

    async def tick(self) -> None:
        await settlement_worker.tick(self)

    async def run(self, stop: asyncio.Event, interval: float = 0.5) -> None:
        """Until ``stop``: hold the settler lease and tick (one leader across processes)."""
        await settlement_worker.run(self, stop, interval)


__all__ = ["Settlement", "cases", "transition"]
