"""Payment providers: who may tell the portal that money arrived.

Both providers speak the same signed callback: ``POST /api/payments/callback`` with the JSON
body ``{"payment_id", "status": "paid", "amount" (fen), "ts" (Unix seconds), "nonce"}`` and
``X-Sandbox-Signature: hex HMAC-SHA256(body, PAYMENT_SECRET)``. A callback counts only when
its signature is right, its ``ts`` lies within :data:`MAX_AGE_S` in the past (and at most
:data:`MAX_SKEW_S` ahead) and its nonce was never seen (nonces are kept in Redis a little
longer than that window, so a replay is refused whenever it could otherwise be accepted).

* :class:`SignedCallbackProvider` (``PORTAL_RULES=strict``): the provider's callback is the
  only way an order becomes paid.
* :class:`SandboxProvider` (``PORTAL_RULES=sandbox``): the same checks, and the payer may
  confirm on the portal's own pay page, which signs a fresh callback in-process.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import redis.asyncio as aioredis

from core.errors import Conflict, Forbidden, Invalid
from portal import keys

SIGNATURE_HEADER = "x-sandbox-signature"
MAX_AGE_S = 300  # a callback older than five minutes is refused
MAX_SKEW_S = 60  # ... and one dated more than a minute ahead
NONCE_TTL_S = MAX_AGE_S + MAX_SKEW_S + 60
_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{8,64}", re.ASCII)


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Callback:
    """A verified callback: the order it pays and the amount (fen) it says was paid."""

    payment_id: str
    status: str
    amount: int


class PaymentProvider(ABC):
    """What the portal needs of a payment provider."""

    #: whether the payer may confirm a payment on the portal's own page (sandbox only)
    self_confirm: ClassVar[bool] = False

    @abstractmethod
    async def verify(self, body: bytes, signature: str | None) -> Callback:
        """The callback if it is authentic, fresh and not seen before; raises otherwise."""

    def signed_callback(self, pid: str, amount: int) -> tuple[bytes, str]:
        """Body and signature of a callback as the provider would send it (sandbox only)."""
        raise Forbidden("Payments are confirmed only by the payment provider in strict mode",
                        code="not_in_strict_mode")


class SignedCallbackProvider(PaymentProvider):
    """A provider that POSTs HMAC-signed callbacks (production)."""

    def __init__(self, redis: aioredis.Redis, secret: str) -> None:
        self.redis = redis
        self.secret = secret

    async def verify(self, body: bytes, signature: str | None) -> Callback:
        if not signature or not hmac.compare_digest(sign(self.secret, body), signature):
            raise Forbidden("Bad payment callback signature", code="bad_signature")
        try:
            data = json.loads(body)
            callback = Callback(str(data["payment_id"]), str(data["status"]),
                                int(data["amount"]))
            ts, nonce = data["ts"], data["nonce"]
        except (ValueError, KeyError, TypeError):
            raise Invalid("Malformed payment callback", code="bad_callback") from None
        if isinstance(ts, bool) or not isinstance(ts, int) or not isinstance(nonce, str) \
                or not _NONCE_RE.fullmatch(nonce):
            raise Invalid("Callback needs an integer ts and a nonce of 8-64 letters, digits, "
                          "- or _", code="bad_callback")
        now = time.time()
        if not now - MAX_AGE_S <= ts <= now + MAX_SKEW_S:
            raise Forbidden(f"Callback ts is not within the last {MAX_AGE_S} s",
                            code="stale_callback")
        if not await self.redis.set(keys.payment_nonce(nonce), 1, nx=True, ex=NONCE_TTL_S):
            raise Conflict("This callback was already received", code="replayed_callback")
        return callback


class SandboxProvider(SignedCallbackProvider):
    """The in-process provider of the sandbox: the payer's confirmation signs a callback."""

    self_confirm = True

    def signed_callback(self, pid: str, amount: int) -> tuple[bytes, str]:
        body = json.dumps({"payment_id": pid, "status": "paid", "amount": amount,
                           "ts": int(time.time()), "nonce": secrets.token_hex(8)},
                          separators=(",", ":")).encode()
        return body, sign(self.secret, body)


def provider_for(rules: str, redis: aioredis.Redis, secret: str) -> PaymentProvider:
    """The provider of the rules mode (portal/settings.py ``PORTAL_RULES``)."""
    cls = SandboxProvider if rules == "sandbox" else SignedCallbackProvider
    return cls(redis, secret)
