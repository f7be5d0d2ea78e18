"""Payment orders and the callbacks that mark them paid.

The provider (portal/payment_providers.py, chosen by ``PORTAL_RULES``) verifies each
callback: signature, ``ts`` window, nonce never seen. A real provider hosts the payment page
and POSTs the signed callback to /api/payments/callback; the sandbox provider also lets the
payer confirm in-process with the same callback, so the path is exercised as in production.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis

from bidding.store import BidStore
from core.errors import Conflict, NotFound
from core.names import user_id
from portal import keys
from portal.payment_providers import SIGNATURE_HEADER, PaymentProvider, sign
from portal.transitions import transition

__all__ = ["SIGNATURE_HEADER", "Payments", "is_payer", "sign"]
PURPOSES = ("deposit", "balance")
Hook = Callable[[dict[str, Any]], Awaitable[None]]


def is_payer(order: dict[str, Any], username: str) -> bool:
    """Whether the order is this user's."""
    return user_id(str(order["username"])) == user_id(username)


def deposit_status(order: dict[str, Any]) -> str:
    """A deposit order's lifecycle: pending, paid (frozen), applied (to the price), refunded,
    forfeited, or the order's cancelled/expired."""
    return str(order.get("deposit_status") or order["status"])


class Payments:
    def __init__(self, redis: aioredis.Redis, store: BidStore,
                 provider: PaymentProvider) -> None:
        self.redis = redis
        self.store = store
        self.provider = provider
        # per purpose: a check run before a pending order may become paid (raises to refuse)
        self.before_paid: dict[str, Hook] = {}
        # run (idempotently) after every valid callback of a paid order: bookkeeping
        self.after_paid: list[Hook] = []

    async def deposit_order(self, lot_id: int, username: str, code: str,
                            amount: int) -> dict[str, Any]:
        """The deposit order of this bidder for this lot (created once)."""
        return await self.order(lot_id, username, code, amount, "deposit")

    async def order(self, lot_id: int, username: str, code: str, amount: int, purpose: str,
                    **extra: Any) -> dict[str, Any]:
        """The order of this purpose of this user for this lot (created once); its
        ``username`` is the user id (``core.names.user_id``)."""
        if purpose not in PURPOSES:
            raise ValueError(f"unknown payment purpose {purpose!r}")
        index, uid = keys.lot_orders(lot_id, purpose), user_id(username)
        existing = await self.redis.hget(index, uid)
        if existing:
            return await self.get(str(existing))
        pid = "pay_" + secrets.token_hex(10)
        if not await self.redis.hsetnx(index, uid, pid):
            return await self.get(str(await self.redis.hget(index, uid)))
        order: dict[str, str | int] = {
                 "id": pid, "lot_id": lot_id, "username": uid, "code": code,
                 "amount": amount, "purpose": purpose, "status": "pending",
                 "created_at": int(time.time() * 1000), **extra}
        await self.redis.hset(keys.payment(pid), mapping=order)  # type: ignore[arg-type]
        await self.redis.sadd(keys.user_payments(username), pid)
        return await self.get(pid)

    async def order_id(self, lot_id: int, username: str, purpose: str) -> str | None:
        pid = await self.redis.hget(keys.lot_orders(lot_id, purpose), user_id(username))
        return str(pid) if pid else None

    async def get(self, pid: str) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        if pid.startswith("pay_"):
            raw = await self.redis.hgetall(keys.payment(pid))  # type: ignore[assignment]
        if not raw:
            raise NotFound("No such payment", code="payment_not_found")
        for k in ("lot_id", "amount", "created_at", "paid_at", "due_at", "cancelled_at",
                  "expired_at"):
            if k in raw:
                raw[k] = int(raw[k])
        return raw

    async def transition(self, pid: str, allowed: str, to: str) -> bool:
        """Atomically move the order's status from one of ``allowed`` ("a|b") to ``to``."""

        result = await transition(self.redis, keys.payment(pid), "status", allowed, to)
        return bool(result["ok"])

    async def for_user(self, username: str) -> list[dict[str, Any]]:
        pids = sorted(await self.redis.smembers(keys.user_payments(username)))
        return [await self.get(str(pid)) for pid in pids]

    @property
    def self_confirm(self) -> bool:
        """Whether payers may confirm on the portal's page (the sandbox provider only)."""
        return self.provider.self_confirm

    def signed_callback(self, pid: str, amount: int) -> tuple[bytes, str]:
        """What the provider sends when the payer confirms: body and signature (sandbox
        only; 403 ``not_in_strict_mode`` otherwise)."""
        return self.provider.signed_callback(pid, amount)

    async def confirm_as_payer(self, pid: str, username: str) -> dict[str, Any]:
        order = await self.get(pid)
        if not is_payer(order, username):  # as GET does: do not reveal that it exists
            raise NotFound("No such payment", code="payment_not_found")
        body, signature = self.signed_callback(pid, order["amount"])
        return await self.callback(body, signature)

    async def callback(self, body: bytes, signature: str | None) -> dict[str, Any]:
        """Apply a provider callback once; forged, altered, stale or replayed ones change
        nothing (the provider refuses them: 403, 422, 403 ``stale_callback``, 409)."""
        verified = await self.provider.verify(body, signature)
        order = await self.get(verified.payment_id)
        if verified.amount != order["amount"] or verified.status != "paid":
            raise Conflict("Callback does not match the order", code="callback_mismatch")
        changed = False
        if order["status"] == "pending":
            check = self.before_paid.get(order.get("purpose", "deposit"))
            if check:
                await check(order)  # e.g. the balance deadline; raises to refuse
            result = await transition(self.redis, keys.payment(order["id"]), "status",
                                      "pending", "paid")
            changed = bool(result["changed"])
            order = await self.get(order["id"])
        if order["status"] != "paid":
            raise Conflict("This payment order is closed (the lot ended or the deadline "
                           "passed); nothing was charged", code="payment_closed")
        if order.get("purpose", "deposit") == "deposit":
            await self.store.mark_deposit_paid(order["lot_id"], order["code"])
        for hook in self.after_paid:
            await hook(order)
        return {"payment": await self.get(order["id"]), "changed": changed}
