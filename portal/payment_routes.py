"""JSON API of payment orders and the sandbox provider's signed callback."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from core.errors import Forbidden, NotFound
from core.money import fen_to_yuan
from portal.apispec import Op, api, read_limited, respond
from portal.payments import SIGNATURE_HEADER, is_payer
from portal.schemas.payments import CallbackHeaders, PaymentCallback, PaymentOut, PaymentResult
from portal.services import services
from portal.sessions import require_user


def payment_view(order: dict[str, Any]) -> dict[str, Any]:
    return {"id": order["id"], "lot_id": order["lot_id"], "purpose": order["purpose"],
            "amount": fen_to_yuan(order["amount"]), "status": order["status"]}


def result_view(result: dict[str, Any]) -> dict[str, Any]:
    return {"payment": payment_view(result["payment"]), "changed": result["changed"]}


async def get_payment(request: Request) -> Response:
    user = await require_user(request)
    order = await services(request).payments.get(request.path_params["payment_id"])
    if not is_payer(order, user.username):
        raise NotFound("No such payment", code="payment_not_found")
    return respond(payment_view(order))


def require_self_confirm(request: Request) -> None:
    """The payer's own confirmation exists only with the sandbox provider."""
    if not services(request).payments.self_confirm:
        raise Forbidden("In strict mode only the payment provider's signed callback marks a "
                        "payment paid", code="not_in_strict_mode")


async def confirm_payment(request: Request) -> Response:
    user = await require_user(request)
    require_self_confirm(request)
    result = await services(request).payments.confirm_as_payer(
        request.path_params["payment_id"], user.username)
    return respond(result_view(result))


async def payment_callback(request: Request) -> Response:
    # The signature covers the raw bytes: the engine checks it before parsing the body.
    body = await read_limited(request)
    result = await services(request).payments.callback(
        body, request.headers.get(SIGNATURE_HEADER))
    return respond(result_view(result))


routes = [
    api("/api/payments/callback", payment_callback, Op(
        "Provider callback; HMAC-SHA256 of the body in X-Sandbox-Signature; once per nonce",
        PaymentResult, body=PaymentCallback, headers=CallbackHeaders, errors=(403, 404, 409),
        description="403 bad_signature (checked first), 422 bad_callback, 403 "
        "stale_callback (ts more than 300 s old or 60 s ahead), 409 replayed_callback (nonce "
        "seen before), 404 unknown payment, 409 callback_mismatch / payment_closed."),
        ["POST"]),
    api("/api/payments/{payment_id}", get_payment, Op(
        "A payment order of the logged-in user", PaymentOut, role="any")),
    api("/api/payments/{payment_id}/confirm", confirm_payment, Op(
        "Sandbox provider: confirm a payment (sends the signed callback)", PaymentResult,
        role="any", errors=(403, 409), description="403 not_in_strict_mode under "
        "PORTAL_RULES=strict: there only the provider's signed callback marks money paid."),
        ["POST"]),
]
