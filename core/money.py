"""Money helpers: integer fen (1 yuan = 100 fen) <-> yuan strings, using Decimal only."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_YUAN_RE = re.compile(r"[+-]?\d+(\.\d{1,2})?")


def fen_to_yuan(fen: int) -> str:
    """Format fen as a yuan string with exactly two decimals, e.g. 101500000 -> "1015000.00"."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("fen must be an int")
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def yuan_to_fen(value: str | int | float) -> int:
    """Parse a yuan amount ("1015000", "1015000.5", "1015000.50", 12, 12.5) into fen.

    Raises ValueError for non-numbers, NaN/inf and more than two decimal places.
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    if isinstance(value, int):
        return value * 100
    if isinstance(value, float):
        return _decimal_to_fen(_float_decimal(value))
    if isinstance(value, str):
        text = value.strip()
        if not _YUAN_RE.fullmatch(text):
            raise ValueError(f"not a yuan amount: {value!r}")
        return _decimal_to_fen(Decimal(text))
    raise ValueError(f"not a yuan amount: {value!r}")


def _float_decimal(value: float) -> Decimal:
    try:
        dec = Decimal(repr(value))
    except InvalidOperation as exc:  # pragma: no cover - repr of a float is always parseable
        raise ValueError(f"not a yuan amount: {value!r}") from exc
    if not dec.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return dec


def _decimal_to_fen(dec: Decimal) -> int:
    fen = dec * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"more than two decimal places: {dec}")
    return int(fen)


def format_yuan(fen: int | None, symbol: bool = True) -> str:
    """Display format: ¥1,015,000.00 (grouped); "—" for no amount."""
    if fen is None:
        return "—"
    whole, _, cents = fen_to_yuan(int(fen)).partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-')):,}"
    return f"{'¥' if symbol else ''}{sign}{grouped}.{cents}"
