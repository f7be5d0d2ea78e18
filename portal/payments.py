"""Sandbox payment provider: payment orders, HMAC-signed idempotent callbacks.

A real provider would host the payment page and POST the signed callback to
/api/payments/callback; the sandbox does both in-process with the same signature
check, so the callback path is exercised exactly as in production.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import redis.asyncio as aioredis

from bidding.store import BidStore
from portal.errors import Conflict, Forbidden, Invalid, NotFound

SIGNATURE_HEADER = "x-sandbox-signature"


def payment_key(pid: str) -> str:
    return f"payment:{pid}"


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Payments:
    def __init__(self, redis: aioredis.Redis, store: BidStore, secret: str) -> None:
        self.redis = redis
        self.store = store
        self.secret = secret

    async def deposit_order(self, lot_id: int, username: str, code: str,
                            amount: int) -> dict[str, Any]:
        """The deposit order of this bidder for this lot (created once)."""
        index = f"lot:{{{lot_id}}}:deposit_orders"
        pid = await self.redis.hget(index, username)
        if pid:
            return await self.get(pid)
        pid = "pay_" + secrets.token_hex(10)
        if not await self.redis.hsetnx(index, username, pid):
            return await self.get(await self.redis.hget(index, username))
        order = {"id": pid, "lot_id": lot_id, "username": username, "code": code,
                 "amount": amount, "purpose": "deposit", "status": "pending",
                 "created_at": int(time.time() * 1000)}
        await self.redis.hset(payment_key(pid), mapping=order)
        await self.redis.sadd(f"user:{username}:payments", pid)
        return await self.get(pid)

    async def get(self, pid: str) -> dict[str, Any]:
        raw = await self.redis.hgetall(payment_key(pid)) if pid.startswith("pay_") else {}
        if not raw:
            raise NotFound("No such payment", code="payment_not_found")
        for k in ("lot_id", "amount", "created_at", "paid_at"):
            if k in raw:
                raw[k] = int(raw[k])
        return raw

    async def for_user(self, username: str) -> list[dict[str, Any]]:
        pids = sorted(await self.redis.smembers(f"user:{username}:payments"))
        return [await self.get(pid) for pid in pids]

    def signed_callback(self, pid: str, amount: int) -> tuple[bytes, str]:
        """What the provider sends when the payer confirms: body and signature."""
        body = json.dumps({"payment_id": pid, "status": "paid", "amount": amount,
                           "ts": int(time.time()), "nonce": secrets.token_hex(8)},
                          separators=(",", ":")).encode()
        return body, sign(self.secret, body)

    async def confirm_as_payer(self, pid: str, username: str) -> dict[str, Any]:
        order = await self.get(pid)
        if order["username"] != username:
            raise Forbidden("This payment belongs to someone else", code="not_your_payment")
        body, signature = self.signed_callback(pid, order["amount"])
        return await self.callback(body, signature)

    async def callback(self, body: bytes, signature: str | None) -> dict[str, Any]:
        """Apply a provider callback once; forged, altered or replayed ones change nothing."""
        if not signature or not hmac.compare_digest(sign(self.secret, body), signature):
            raise Forbidden("Bad payment callback signature", code="bad_signature")
        try:
            data = json.loads(body)
            pid, status, amount = data["payment_id"], data["status"], int(data["amount"])
        except (ValueError, KeyError, TypeError):
            raise Invalid("Malformed payment callback", code="bad_callback") from None
        order = await self.get(str(pid))
        if amount != order["amount"] or status != "paid":
            raise Conflict("Callback does not match the order", code="callback_mismatch")
        changed = order["status"] == "pending"
        if changed:
            await self.redis.hset(payment_key(order["id"]), mapping={
                "status": "paid", "paid_at": int(time.time() * 1000)})
        await self.store.mark_deposit_paid(order["lot_id"], order["code"])
        return {"payment": await self.get(order["id"]), "changed": changed}
