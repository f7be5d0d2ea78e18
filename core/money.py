"""Money helpers: integer fen (1 yuan = 100 fen) <-> yuan strings, using Decimal only."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from core.errors import Invalid

# ASCII only: ``\d`` would also take full-width and other Unicode digits ("６００").
_YUAN_RE = re.compile(r"[+-]?[0-9]+(\.[0-9]{1,2})?", re.ASCII)
_MAX_DIGITS = 40  # longer strings are refused before Decimal sees them

MAX_FEN = 10**13
"""Largest accepted amount (100 billion yuan); keeps every number exact in Lua and cjson."""


class AmountTooLarge(ValueError):
    """An amount beyond :data:`MAX_FEN` (either sign): the API answers 422 amount_too_large."""


def fen_to_yuan(fen: int) -> str:
    """Format fen as a yuan string with exactly two decimals, e.g. 101500000 -> "1015000.00"."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("fen must be an int")
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def yuan_to_fen(value: str | int | float) -> int:
    """Parse a yuan amount ("1015000", "1015000.5", "1015000.50", 12, 12.5) into fen.

    The one parser of amounts that clients send. Strings take ASCII digits only, with one
    optional ASCII decimal point. Raises :class:`AmountTooLarge` beyond :data:`MAX_FEN`,
    ValueError for non-numbers, NaN/inf and more than two decimal places.
    """
    return _in_range(_parse(value))


def _parse(value: str | int | float) -> int:
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
        if len(text) > _MAX_DIGITS:
            raise AmountTooLarge(f"amount beyond {fen_to_yuan(MAX_FEN)} yuan")
        return _decimal_to_fen(Decimal(text))
    raise ValueError(f"not a yuan amount: {value!r}")


def _in_range(fen: int) -> int:
    if abs(fen) > MAX_FEN:
        raise AmountTooLarge(f"amount beyond {fen_to_yuan(MAX_FEN)} yuan")
    return fen


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


def parse_amount(value: Any, field: str, *, code: str = "invalid_field") -> int:
    """A client's amount in fen, or the API error: 422 ``amount_too_large`` beyond
    :data:`MAX_FEN`, 422 ``code`` (naming ``field``) when it is not an amount of yuan."""
    try:
        return yuan_to_fen(value)
    except AmountTooLarge:
        raise Invalid(f"{field} must not exceed {fen_to_yuan(MAX_FEN)} yuan",
                      code="amount_too_large", field=field) from None
    except (ValueError, TypeError):
        raise Invalid(f"{field} must be an amount of yuan such as \"1015000.00\"",
                      code=code, field=field) from None
