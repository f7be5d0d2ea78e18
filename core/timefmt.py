"""Times: integer ms internally, ISO 8601 UTC on the wire, Asia/Shanghai on pages."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def ms_to_iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_to_ms(value: str) -> int:
    """Parse ISO 8601 with an explicit offset (or Z); naive times are refused."""
    dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError("time needs a timezone offset, e.g. 2026-12-01T02:00:00Z")
    return int(dt.timestamp() * 1000)


def local_input_to_ms(value: str) -> int:
    """A form's datetime-local value, meant as Beijing time."""
    dt = datetime.fromisoformat(value.strip())
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=SHANGHAI)
    return int(dt.timestamp() * 1000)


def ms_to_local(ms: int | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, tz=SHANGHAI).strftime(fmt)


def ms_to_local_input(ms: int | None) -> str:
    return ms_to_local(ms, "%Y-%m-%dT%H:%M") if ms else ""


def ms_to_beijing(ms: int | None) -> str:
    """Beijing time with its label, as notifications say it: "2026-12-01 10:00 (北京时间)"."""
    return ms_to_local(ms) + " (北京时间)" if ms else ""
