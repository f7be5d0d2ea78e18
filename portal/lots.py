"""The lot catalogue: validated lot records in Redis, search, and the API view of a lot."""

from __future__ import annotations

import json
import time
from typing import Any

import redis.asyncio as aioredis

from bidding import keys as bidding_keys
from bidding import rules
from bidding.store import BidStore
from core.errors import Conflict, Invalid, NotFound
from core.money import fen_to_yuan, parse_amount
from core.names import user_id
from core.redis import mget
from core.timefmt import iso_to_ms, ms_to_iso
from portal import cases, keys, lifecycle
from portal.settings import DEFAULT_COURT
from portal.users import User, Users, id_number_valid, normalise_id_number

TEXT_LIMITS = {"title": 120, "court": 80, "case_number": 64, "district": 32,
               "address": 200, "description": 5000}
MONEY_FIELDS = ("appraisal_price", "starting_price", "increment", "deposit")
OPTIONAL_TEXT = ("description", "court")


def _text(data: dict[str, Any], field: str, required: bool) -> str | None:
    value = data.get(field)
    if value is None:
        if required:
            raise Invalid(f"{field} is required", code="missing_field", field=field)
        return None
    text = str(value).strip()
    limit = TEXT_LIMITS[field]
    if (required and not text) or len(text) > limit:
        raise Invalid(f"{field}: 1-{limit} characters", code="invalid_field", field=field)
    return text


def _money(data: dict[str, Any], field: str) -> int | None:
    if data.get(field) is None:
        return None
    fen = parse_amount(data[field], field)
    if fen <= 0:
        raise Invalid(f"{field} must be positive", code="invalid_field", field=field)
    return fen


def _time(data: dict[str, Any], field: str) -> int | None:
    value = data.get(field)
    if value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        return iso_to_ms(str(value))
    except ValueError as exc:
        raise Invalid(f"{field}: {exc}", code="invalid_field", field=field) from None


def parse_lot_input(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Validate a create (or, partial=True, a PATCH) body into internal units."""
    if not isinstance(data, dict):
        raise Invalid("Expected a JSON object", code="invalid_body")
    out: dict[str, Any] = {}
    for field in TEXT_LIMITS:
        value = _text(data, field, required=not partial and field not in OPTIONAL_TEXT)
        if value is not None:
            out[field] = value
    out.pop("court", None)  # a lot belongs to its creating officer's court (portal.policy)
    for field in MONEY_FIELDS:
        if (fen := _money(data, field)) is not None:
            out[field] = fen
        elif not partial:
            raise Invalid(f"{field} is required", code="missing_field", field=field)
    for field in ("starts_at", "ends_at"):
        if (ms := _time(data, field)) is not None:
            out[field] = ms
        elif not partial:
            raise Invalid(f"{field} is required", code="missing_field", field=field)
    _more_fields(data, out, partial)
    return out


def _more_fields(data: dict[str, Any], out: dict[str, Any], partial: bool) -> None:
    if "property_type" in data or not partial:
        if data.get("property_type") not in rules.PROPERTY_TYPES:
            raise Invalid(f"property_type must be one of {sorted(rules.PROPERTY_TYPES)}",
                          code="invalid_field", field="property_type")
        out["property_type"] = data["property_type"]
    if "area_m2" in data and data["area_m2"] not in (None, ""):
        try:
            out["area_m2"] = round(float(data["area_m2"]), 2)
            assert 0 < out["area_m2"] < 10_000_000
        except (ValueError, TypeError, AssertionError):
            raise Invalid("area_m2 must be a positive number", code="invalid_field",
                          field="area_m2") from None
    if "extension_seconds" in data or not partial:
        ext = data.get("extension_seconds", 300)
        if not isinstance(ext, int) or isinstance(ext, bool) or not 0 <= ext <= 3600:
            raise Invalid("extension_seconds: 0-3600", code="invalid_field",
                          field="extension_seconds")
        out["extension_seconds"] = ext
    if "priority_purchasers" in data or not partial:
        out["priority_purchasers"] = _priority(data.get("priority_purchasers") or [])
    if data.get("debtor_id_number"):
        debtor = normalise_id_number(str(data["debtor_id_number"]))
        if not id_number_valid(debtor):
            raise Invalid("debtor_id_number must be a valid 18-digit resident identity card "
                          "number", code="invalid_field", field="debtor_id_number")
        out["debtor_id_number"] = debtor
    if "photos" in data:
        photos = data["photos"] or []
        if not isinstance(photos, list) or not all(
            isinstance(p, str) and p.startswith("/media/") for p in photos
        ):
            raise Invalid("photos must be a list of /media/ URLs", code="invalid_field",
                          field="photos")
        out["photos"] = photos[:20]


def _priority(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        raise Invalid("priority_purchasers must be a list", code="invalid_field",
                      field="priority_purchasers")
    out = []
    for item in items:
        if not (isinstance(item, dict) and isinstance(item.get("username"), str)
                and isinstance(item.get("rank"), int) and 1 <= item["rank"] <= 99):
            raise Invalid("each priority purchaser needs username and rank (1 = first)",
                          code="invalid_field", field="priority_purchasers")
        out.append({"username": user_id(item["username"]), "rank": item["rank"]})
    return out


def check_schedule(lot: dict[str, Any], now_ms: int, mode: str) -> None:
    terms = rules.LotTerms(
        appraisal_price=lot["appraisal_price"], starting_price=lot["starting_price"],
        increment=lot["increment"], deposit=lot["deposit"], starts_at_ms=lot["starts_at"],
        ends_at_ms=lot["ends_at"], extension_ms=lot["extension_seconds"] * 1000,
        property_type=lot["property_type"],
    )
    violations = rules.schedule_violations(terms, now_ms, mode)
    if violations:
        first = violations[0]
        raise Invalid(first.message, code=first.code,
                      violations=[{"code": v.code, "message": v.message} for v in violations])


class Lots:
    def __init__(self, redis: aioredis.Redis, store: BidStore,
                 court: str = DEFAULT_COURT) -> None:
        self.redis = redis
        self.store = store
        self.court = court  # the configured court, of officers whose account names none

    async def create(self, data: dict[str, Any], officer: User, mode: str,
                     *, check: bool = True, extra: dict[str, Any] | None = None
                     ) -> dict[str, Any]:
        """Validate and schedule a lot; check=False only for generated demo auctions and for
        re-auctions, which portal.relist checks against their own rules first. ``extra``
        (round, sale_mode, previous_lot_id, barred) is stored with the lot."""
        lot = parse_lot_input(data)
        debtor = lot.pop("debtor_id_number", None)
        await self._check_priority_users(lot["priority_purchasers"])
        now = await self.store.server_time_ms()
        if check:
            check_schedule(lot, now, mode)
        lot["court"] = officer.court or self.court
        case_id = await cases.case_for_number(self.redis, lot["case_number"], lot["court"],
                                              officer.username)
        lot_id = int(await self.redis.incr(keys.LOTS_NEXT_ID))
        lot.update(extra or {})
        lot.update(id=lot_id, created_by=officer.username, announced_at=now, case_id=case_id,
                   photos=lot.get("photos", []), description=lot.get("description", ""))
        if debtor:
            await cases.set_debtor(self.redis, case_id, debtor)
        await self._save(lot)
        await cases.add_lot(self.redis, lot["case_id"], lot_id)
        return lot

    async def update(self, lot_id: int, data: dict[str, Any], mode: str) -> dict[str, Any]:
        lot = await self.get(lot_id)
        state = await self.store.state(lot_id)
        if state and (state["status"] != "upcoming" or state["bid_count"]):
            raise Conflict("A lot can be changed only before it opens", code="lot_locked")
        changes = parse_lot_input(data, partial=True)
        if debtor := changes.pop("debtor_id_number", None):
            await cases.set_debtor(self.redis, int(lot["case_id"]), debtor)
        if changes.pop("case_number", lot["case_number"]) != lot["case_number"]:
            raise Invalid("case_number cannot change", code="invalid_field", field="case_number")
        await self._check_priority_users(changes.get("priority_purchasers", []))
        lot.update(changes)
        check_schedule(lot, await self.store.server_time_ms(), mode)
        await self._save(lot)
        return lot

    async def _save(self, lot: dict[str, Any]) -> None:
        await self.store.create_lot(
            lot["id"], starting_price=lot["starting_price"], increment=lot["increment"],
            starts_at_ms=lot["starts_at"], ends_at_ms=lot["ends_at"],
            extension_ms=lot["extension_seconds"] * 1000,
            sale_mode=lot.get("sale_mode", "auction"),
        )
        for p in lot["priority_purchasers"]:
            code = await self.store.code_for(lot["id"], p["username"])
            if code:
                await self.store.set_rank(lot["id"], code, p["rank"])
        await self.redis.set(keys.lot_meta(lot["id"]), json.dumps(lot, ensure_ascii=False))
        await self.redis.zadd(keys.LOTS_INDEX, {str(lot["id"]): lot["starts_at"]})
        await lifecycle.track_lot(self.redis, lot)

    async def _check_priority_users(self, items: list[dict[str, Any]]) -> None:
        users = Users(self.redis)
        for item in items:
            if await users.get(item["username"]) is None:
                raise Invalid(f"priority purchaser {item['username']!r} has no account",
                              code="unknown_user", field="priority_purchasers")

    async def get(self, lot_id: int) -> dict[str, Any]:
        raw = await self.redis.get(keys.lot_meta(lot_id))
        if raw is None:
            raise NotFound("No such lot", code="lot_not_found")
        return dict(json.loads(raw))

    async def all(self) -> list[dict[str, Any]]:
        ids = [int(str(i)) for i in await self.redis.zrange(keys.LOTS_INDEX, 0, -1)]
        if not ids:
            return []
        raws = await mget(self.redis, [keys.lot_meta(i) for i in ids])
        return [json.loads(r) for r in raws if r]

    async def search(self, filters: dict[str, str]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        lots = await self.all()
        states = await self.store.states([lot["id"] for lot in lots])
        pairs = [(lot, states.get(lot["id"]) or {}) for lot in lots]
        return [p for p in pairs if matches(p[0], p[1], filters)]

    async def counters(self, ids: list[int]) -> dict[int, dict[str, int]]:
        """报名人数, 围观次数, 设置提醒人数 of each lot, in one round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for i in ids:
                pipe.hlen(bidding_keys.users(i))
                pipe.get(keys.lot_views(i))
                pipe.scard(keys.lot_reminders(i))
            replies = await pipe.execute()
        return {i: {"registrations": int(replies[3 * n]), "views": int(replies[3 * n + 1] or 0),
                    "reminders": int(replies[3 * n + 2])} for n, i in enumerate(ids)}

    async def count_view(self, lot_id: int) -> None:
        """One view of the lot page (one INCR; API reads are not counted)."""
        await self.redis.incr(keys.lot_views(lot_id))

    def rank_for(self, lot: dict[str, Any], username: str) -> int:
        for p in lot.get("priority_purchasers", []):
            if p["username"] == user_id(username):
                return int(p["rank"])
        return 0


ENDED = {"sold", "failed", "cancelled"}


def matches(lot: dict[str, Any], state: dict[str, Any], f: dict[str, str]) -> bool:
    status = state.get("status", "upcoming")
    wanted = f.get("status") or ""
    if wanted and not (status == wanted or (wanted == "ended" and status in ENDED)):
        return False
    if f.get("type") and lot["property_type"] != f["type"]:
        return False
    if f.get("district") and lot["district"] != f["district"]:
        return False
    price = state.get("current_price") or lot["starting_price"]
    for bound, ok in (("min_price", lambda b: price >= b), ("max_price", lambda b: price <= b)):
        if f.get(bound):
            if not ok(parse_amount(f[bound], bound, code="invalid_filter")):
                return False
    q = (f.get("q") or "").strip().lower()
    if q:
        hay = " ".join(str(lot.get(k, "")) for k in
                       ("title", "address", "court", "case_number", "description", "district"))
        return q in hay.lower()
    return True


def state_view(state: dict[str, Any] | None) -> dict[str, Any]:
    state = state or {}
    current = state.get("current_price") or 0
    return {
        "status": state.get("status", "upcoming"),
        "current_price": fen_to_yuan(current) if state.get("bid_count") else None,
        "leader_code": state.get("leader_code") or None,
        "bid_count": int(state.get("bid_count") or 0),
        "starts_at": ms_to_iso(state.get("starts_at")),
        "ends_at": ms_to_iso(state.get("ends_at")),
        "server_time": ms_to_iso(state.get("server_time") or int(time.time() * 1000)),
    }


def lot_view(lot: dict[str, Any], state: dict[str, Any] | None,
             counters: dict[str, int] | None = None) -> dict[str, Any]:
    """The public JSON shape of a lot (money as yuan strings, times ISO UTC), with its
    counters where the caller fetched them."""
    fields = ("id", "title", "court", "case_number", "case_id", "property_type", "district",
              "address", "area_m2", "description", "photos", "extension_seconds")
    view: dict[str, Any] = {k: lot.get(k) for k in fields}
    view.update({k: fen_to_yuan(lot[k]) for k in MONEY_FIELDS})
    view.update(starts_at=ms_to_iso(lot["starts_at"]), ends_at=ms_to_iso(lot["ends_at"]),
                announced_at=ms_to_iso(lot.get("announced_at")),
                priority_purchasers=[{"rank": p["rank"]} for p in lot["priority_purchasers"]])
    view["state"] = state_view(state)
    view["status"] = view["state"]["status"]
    if counters is not None:
        view["counters"] = counters
    return view
