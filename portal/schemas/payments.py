"""Payment orders and the sandbox provider's signed callback."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Struct

from portal.schemas.common import Money
from portal.schemas.lots import PaymentStatus


class PaymentOut(Struct):
    id: Annotated[str, msgspec.Meta(description="e.g. pay_3f9a0c…")]
    lot_id: int
    purpose: Literal["deposit", "balance"]
    amount: Money
    status: PaymentStatus


class PaymentResult(Struct):
    """A payment after a confirmation or callback; ``changed`` is false for a replay."""

    payment: PaymentOut
    changed: bool


class PaymentCallback(Struct):
    """What the provider posts; the signature covers the exact bytes of this body."""

    payment_id: str
    status: Literal["paid"]
    amount: Annotated[int, msgspec.Meta(description="fen")]
    ts: Annotated[int, msgspec.Meta(
        description="Unix seconds; refused when older than 300 s or more than 60 s ahead")]
    nonce: Annotated[str, msgspec.Meta(
        pattern="^[A-Za-z0-9_-]{8,64}$", description="once only; a replay is refused")]


class CallbackHeaders(Struct):
    signature: Annotated[str, msgspec.Meta(
        description="hex HMAC-SHA256 of the body with the provider secret")] = msgspec.field(
        name="X-Sandbox-Signature")
