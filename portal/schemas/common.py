"""Types shared by every area: money, time, the error body."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, Struct, UnsetType

Money = Annotated[str, msgspec.Meta(pattern=r"^-?\d+\.\d{2}$",
                                    description="yuan with two decimals, e.g. 1015000.00")]
Time = Annotated[str, msgspec.Meta(description="ISO 8601, UTC",
                                   extra_json_schema={"format": "date-time"})]
# An amount a client sends: a yuan string ("1015000", "1015000.50") or a JSON number; the
# engines parse it exactly (integer fen) and refuse what is not an amount.
AmountIn = Annotated[str | int | float, msgspec.Meta(
    description="yuan: a decimal string (preferred) or a number, at most two decimals")]


class ErrorDetail(Struct):
    code: Annotated[str, msgspec.Meta(description="machine-readable, e.g. below_minimum")]
    message: str
    min_next: Money | UnsetType = UNSET


class ErrorBody(Struct):
    """Every error response: ``{"error": {"code", "message", ...}}``."""

    error: ErrorDetail


class Ok(Struct):
    ok: bool
