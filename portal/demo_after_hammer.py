"""Demo data after the hammer: settled results, a second auction scheduled for the failed lot,
a sold lot whose balance is paid and proceeds released, another awaiting payment, and the
applicant account linked to the demo cases. Runs once (its own marker), also over demo data
loaded before this existed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bidding.rules import DAY_MS
from core.money import fen_to_yuan
from core.timefmt import ms_to_iso
from portal import cases
from portal.keys import DEMO_AFTER_HAMMER
from portal.relist import relist
from portal.users import Users, sample_id_number

if TYPE_CHECKING:  # annotations only; services.py imports this module's dependencies
    from portal.services import Services

APPLICANT = ("applicant", "demo-pass-2026")


async def ensure_applicant(state: Services) -> None:
    users = Users(state.redis)
    if await users.get(APPLICANT[0]) is None:
        await users.create({"username": APPLICANT[0], "password": APPLICANT[1],
                            "real_name": "北京某银行股份有限公司", "phone": "13800009999",
                            "id_number": sample_id_number("demo:applicant")},
                           role="applicant")


async def load_after_hammer(state: Services) -> str:
    if await state.redis.get(DEMO_AFTER_HAMMER):
        return ""
    await ensure_applicant(state)
    officer = await Users(state.redis).get("officer")
    for case_id in await cases.all_case_ids(state.redis):
        await cases.link_applicant(state.redis, case_id, APPLICANT[0])
    lots = await state.lots.all()
    states = await state.store.states([lot["id"] for lot in lots])
    ended = [lot for lot in lots if states.get(lot["id"], {}).get("status") in ("sold", "failed")]
    for lot in ended:
        await state.settlement.settle_lot(lot["id"])
    sold = [lot for lot in ended if states[lot["id"]]["status"] == "sold"]
    failed = [lot for lot in ended if states[lot["id"]]["status"] == "failed"
              and not lot.get("previous_lot_id")]
    if sold:  # the first sale is paid in full and its proceeds released to the applicant
        rec = await state.settlement.record(sold[0]["id"])
        if rec.get("status") == "awaiting_payment":
            await state.payments.confirm_as_payer(rec["balance_order"], rec["winner"])
        await state.settlement.release(sold[0]["id"])
    for lot in failed:  # the second auction: 20% lower, announced now, starting in 20 days
        if officer and not await state.settlement.next_lot(lot["id"]):
            closed = states[lot["id"]]["closed_at"]
            price = lot["starting_price"] * 80 // 100 // 100 * 100
            await relist(state, lot["id"], {
                "starting_price": fen_to_yuan(price),
                "starts_at": ms_to_iso(closed + 20 * DAY_MS),
                "ends_at": ms_to_iso(closed + 21 * DAY_MS)}, officer)
    await state.redis.set(DEMO_AFTER_HAMMER, "1")
    return f"; applicant {APPLICANT[0]} / {APPLICANT[1]} linked to the demo cases"
