"""Relisting: the second auction after a failed first one, the fixed-price sale (变卖) after a
failed second auction, and the re-auction after a buyer's default — each a new lot of the same
case linked to the one before it, checked by portal.settlement_rules first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.errors import Conflict, Invalid
from core.money import fen_to_yuan, parse_amount
from core.timefmt import iso_to_ms, ms_to_iso
from portal import cases, keys, notifications
from portal.settlement_rules import (
    FIRST_AUCTION,
    FIXED_PRICE_SALE,
    SECOND_AUCTION,
    PriorLot,
    RelistTerms,
    next_round,
    relist_violations,
)
from portal.users import User

if TYPE_CHECKING:  # annotations only; services.py imports this module's dependencies
    from portal.services import Services

COPIED = ("title", "court", "case_number", "property_type", "district", "address", "area_m2",
          "description", "photos", "extension_seconds", "priority_purchasers")


def _money(data: dict[str, Any], field: str, default: int | None) -> int:
    value = data.get(field)
    if value is None or value == "":
        if default is None:
            raise Invalid(f"{field} is required", code="missing_field", field=field)
        return default
    return parse_amount(value, field)


def _time(data: dict[str, Any], field: str) -> int:
    value = data.get(field)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not value:
        raise Invalid(f"{field} is required", code="missing_field", field=field)
    try:
        return iso_to_ms(str(value))
    except ValueError as exc:
        raise Invalid(f"{field}: {exc}", code="invalid_field", field=field) from None


async def prior_of(app: Services, lot: dict[str, Any]) -> PriorLot:
    """The lot as the rules see it: its round, outcome and the anchors of its chain."""
    state = await app.store.state(lot["id"]) or {}
    rec = await app.settlement.record(lot["id"])
    outcome = await app.settlement.outcome(lot["id"], state)
    ended = rec.get("defaulted_at") if outcome == "defaulted" else state.get("closed_at")
    chain = [lot, *await app.settlement.chain(lot)]
    first = next((x for x in reversed(chain) if x.get("round", 1) == FIRST_AUCTION), chain[-1])
    second = next((x for x in chain if x.get("round") == SECOND_AUCTION), None)
    return PriorLot(round=int(lot.get("round", FIRST_AUCTION)), outcome=outcome,
                    starting_price=lot["starting_price"], ended_at_ms=int(ended or 0),
                    property_type=lot["property_type"], appraisal_price=lot["appraisal_price"],
                    first_price=first["starting_price"],
                    second_price=second["starting_price"] if second else None)


def terms_from(data: Any, lot: dict[str, Any], new_round: int | None) -> RelistTerms:
    if not isinstance(data, dict):
        raise Invalid("Expected a JSON object", code="invalid_body")
    price = _money(data, "starting_price", None)
    if price <= 0:
        raise Invalid("starting_price must be positive", code="invalid_field",
                      field="starting_price")
    if new_round == FIXED_PRICE_SALE:
        deposit = price  # the full price, paid in advance
    else:
        share = lot["deposit"] * price // lot["starting_price"]
        deposit = _money(data, "deposit", max(share // 100 * 100, 1))
    return RelistTerms(starting_price=price, deposit=deposit,
                       increment=_money(data, "increment", lot["increment"]),
                       starts_at_ms=_time(data, "starts_at"), ends_at_ms=_time(data, "ends_at"))


async def relist(app: Services, lot_id: int, data: Any, officer: User) -> dict[str, Any]:
    """Create the next sale of a failed (or defaulted) lot; refusals name the rule."""
    lot = await app.lots.get(lot_id)
    if await app.redis.exists(keys.lot_next(lot_id)):
        raise Conflict("This lot has already been relisted", code="already_relisted",
                       next_lot_id=await app.settlement.next_lot(lot_id))
    prior = await prior_of(app, lot)
    new_round = next_round(prior)
    terms = terms_from(data, lot, new_round)
    violations = relist_violations(prior, terms, await app.store.server_time_ms(),
                                   app.settings.rules)
    if violations:
        first = violations[0]
        raise Invalid(first.message, code=first.code,
                      violations=[{"code": v.code, "message": v.message} for v in violations])
    assert new_round is not None
    if not await app.redis.set(keys.lot_next(lot_id), "pending", nx=True):
        raise Conflict("This lot has already been relisted", code="already_relisted",
                       next_lot_id=await app.settlement.next_lot(lot_id))
    try:
        new = await _create(app, lot, prior, terms, new_round, officer)
    except Exception:
        await app.redis.delete(keys.lot_next(lot_id))
        raise
    await app.redis.set(keys.lot_next(lot_id), new["id"])
    await cases.add_officer(app.redis, int(lot["case_id"]), officer.username)
    await notifications.notify_case(
        app.redis, int(lot["case_id"]), "relisted",
        {"title": lot["title"], "round": new_round, "starts": ms_to_iso(new["starts_at"]) or ""},
        dedupe=f"relisted:{lot_id}", lot_id=new["id"])
    return new


async def _create(app: Services, lot: dict[str, Any], prior: PriorLot, terms: RelistTerms,
                  new_round: int, officer: User) -> dict[str, Any]:
    data = {k: lot.get(k) for k in COPIED}
    data.update(appraisal_price=fen_to_yuan(lot["appraisal_price"]),
                starting_price=fen_to_yuan(terms.starting_price),
                increment=fen_to_yuan(terms.increment), deposit=fen_to_yuan(terms.deposit),
                starts_at=ms_to_iso(terms.starts_at_ms), ends_at=ms_to_iso(terms.ends_at_ms))
    rec = await app.settlement.record(lot["id"])
    barred = list(lot.get("barred", []))
    if prior.outcome == "defaulted" and rec.get("winner") and rec["winner"] not in barred:
        barred.append(rec["winner"])
    extra = {"round": new_round, "previous_lot_id": lot["id"], "barred": barred,
             "sale_mode": "fixed_price" if new_round == FIXED_PRICE_SALE else "auction"}
    # the rules above replace the first-auction checks (70% of appraisal, 30-day notice)
    return dict(await app.lots.create(data, officer, app.settings.rules, check=False,
                                      extra=extra))
