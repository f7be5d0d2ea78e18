"""Read models: a lot's result and the extras of its page, a case's lots/timeline/ledger, the
officer's dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bidding.rules import DAY_MS, REAL_ESTATE_TYPES
from core.money import fen_to_yuan
from core.names import user_id
from core.timefmt import ms_to_iso
from portal import cases, notifications
from portal.lots import lot_view
from portal.relist import prior_of
from portal.settlement_rules import (
    LotFacts,
    court_figures,
    fee_estimate,
    lot_deadlines,
    next_deadline,
    relist_deadline_ms,
)
from portal.users import User, Users

if TYPE_CHECKING:  # annotations only; services.py imports this module's dependencies
    from portal.services import Services


def mask_id(id_number: str) -> str:
    return id_number[:6] + "*" * 8 + id_number[-4:] if len(id_number) == 18 else ""


async def lot_result(app: Services, lot_id: int) -> dict[str, Any]:
    """Everything the public result page shows (money in fen, times in ms)."""
    lot = await app.lots.get(lot_id)
    state = await app.store.state(lot_id) or {}
    entries = await app.store.ledger(lot_id)
    bids = [e for e in entries if e["kind"] == "bid"]
    rec = await app.settlement.record(lot_id)
    status = await app.settlement.outcome(lot_id, state)
    sold = state.get("status") == "sold"
    verify = await app.store.verify(lot_id)
    return {
        "lot": lot, "state": state, "status": status, "record": rec, "bids": bids,
        "final_price": state.get("current_price") if sold else None,
        "bid_count": len(bids), "bidder_count": len({b["code"] for b in bids}),
        "winner_code": state.get("leader_code") if sold else None,
        "confirmation_url": f"/lots/{lot_id}/confirmation" if sold else None,
        "verify": verify, "next_lot_id": await app.settlement.next_lot(lot_id),
        "account": await app.settlement.accounts.verify(int(lot["case_id"])),
    }


def result_json(r: dict[str, Any]) -> dict[str, Any]:
    rec = r["record"]
    return {
        "lot_id": r["lot"]["id"], "status": r["status"],
        "final_price": fen_to_yuan(r["final_price"]) if r["final_price"] is not None else None,
        "bid_count": r["bid_count"], "bidder_count": r["bidder_count"],
        "winner_code": r["winner_code"], "confirmation_url": r["confirmation_url"],
        "confirmation_pdf_url": (r["confirmation_url"] + ".pdf") if r["confirmation_url"]
        else None,
        "settlement": {"status": rec.get("status"),
                       "balance": fen_to_yuan(rec["balance"]) if "balance" in rec else None,
                       "due_at": ms_to_iso(rec.get("due_at")),
                       "paid_at": ms_to_iso(rec.get("paid_at"))},
        "round": r["lot"].get("round", 1), "sale_mode": r["lot"].get("sale_mode", "auction"),
        "previous_lot_id": r["lot"].get("previous_lot_id"), "next_lot_id": r["next_lot_id"],
        "ledger_verified": r["verify"].ok, "ledger_head": r["verify"].head,
        "bids": [{"seq": b["seq"], "bidder_code": b["code"], "amount": fen_to_yuan(b["amount"]),
                  "at": ms_to_iso(b["at"]), "priority": int(b.get("rank") or 0) > 0}
                 for b in r["bids"]],
    }


async def buyer_of(app: Services, r: dict[str, Any]) -> User | None:
    if not r["winner_code"]:
        return None
    bidder = await app.store.bidder(r["lot"]["id"], r["winner_code"])
    return await Users(app.redis).get(bidder["user"]) if bidder else None


async def lot_extras(app: Services, lot: dict[str, Any], state: dict[str, Any] | None,
                     user: User | None) -> dict[str, Any]:
    """Extra context of the lot page: fee estimate, reminder, round, settlement links."""
    state = state or {}
    price = state["current_price"] if state.get("bid_count") else lot["starting_price"]
    reminded = bool(user and await notifications.reminded(app.redis, lot["id"], user.username))
    return {"fees": fee_estimate(lot["property_type"], lot.get("area_m2"), price),
            "reminded": reminded, "settlement": await app.settlement.record(lot["id"]),
            "next_lot_id": await app.settlement.next_lot(lot["id"]),
            "outcome": await app.settlement.outcome(lot["id"], state or None)}


# -- timeline -----------------------------------------------------------------------------------


async def lot_timeline(app: Services, lot: dict[str, Any]) -> list[dict[str, Any]]:
    state = await app.store.state(lot["id"]) or {}
    rec = await app.settlement.record(lot["id"])
    now = state.get("server_time") or await app.store.server_time_ms()
    status = state.get("status", "upcoming")
    steps: list[tuple[str, int | None, int | None]] = [
        ("announced", lot.get("announced_at"), None),
        ("viewing", lot.get("announced_at"), lot["starts_at"]),
        ("bidding", lot["starts_at"] if now >= lot["starts_at"] else None,
         state.get("ends_at", lot["ends_at"])),
    ]
    if status in ("sold", "failed", "cancelled"):
        steps.append((status, state.get("closed_at"), None))
    if status == "sold":
        steps.append(("paid", rec.get("paid_at") if rec.get("status") == "paid" else None,
                      rec.get("due_at")))
        if rec.get("status") == "defaulted":
            steps.append(("defaulted", rec.get("defaulted_at"), None))
    nxt = await app.settlement.next_lot(lot["id"])
    if nxt:
        steps.append(("relisted", (await app.lots.get(nxt)).get("announced_at"), None))
    elif status == "failed" or rec.get("status") == "defaulted":
        prior = await prior_of(app, lot)
        steps.append(("relisted", None, relist_deadline_ms(prior)))
    if rec.get("status") == "paid" or rec.get("forfeit_applied_at"):
        steps.append(("proceeds_released", rec.get("released_at"), None))
    return [{"step": s, "lot_id": lot["id"], "at": at, "deadline": dl, "done": at is not None}
            for s, at, dl in steps]


def timeline_json(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**i, "at": ms_to_iso(i["at"]), "deadline": ms_to_iso(i["deadline"])} for i in items]


def ledger_json(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"seq": e["seq"], "at": ms_to_iso(e["at"]), "kind": e["kind"], "lot_id": e["lot"],
             "amount": fen_to_yuan(e["amount"]), "effect": fen_to_yuan(e["effect"]),
             "balance": fen_to_yuan(e["balance"]), "from": e["from"], "to": e["to"],
             "hash": e["hash"]} for e in entries]


async def anonymised(app: Services, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Case-ledger entries with every bidder named by their bidder code, never the account
    (entries written before codes were used named ``bidder:<username>``)."""
    out = []
    for e in entries:
        e = dict(e)
        for side in ("from", "to"):
            name = str(e[side])
            if name.startswith("bidder:"):
                e[side] = "bidder:" + await _code_of(app, int(e["lot"]), name[7:])
        e.pop("user", None)
        out.append(e)
    return out


async def _code_of(app: Services, lot_id: int, name: str) -> str:
    if await app.store.bidder(lot_id, name):
        return name
    return await app.store.code_for(lot_id, user_id(name)) or "?"


async def case_detail(app: Services, case_id: int) -> dict[str, Any]:
    case = await cases.get_case(app.redis, case_id) or {}
    lots = [await app.lots.get(i) for i in await cases.lot_ids(app.redis, case_id)]
    states = await app.store.states([lot["id"] for lot in lots])
    timeline: list[dict[str, Any]] = []
    for lot in lots:
        timeline += await lot_timeline(app, lot)
    return {"case": case, "lots": lots, "states": states, "timeline": timeline,
            "outcomes": {lot["id"]: await app.settlement.outcome(lot["id"],
                                                                 states.get(lot["id"]))
                         for lot in lots},
            "ledger": await anonymised(app, await app.settlement.accounts.entries(case_id)),
            "check": await app.settlement.accounts.verify(case_id),
            **await applicants_named(app, case_id)}


async def applicants_named(app: Services, case_id: int) -> dict[str, Any]:
    """The case's applicants: their accounts, and as the case page names them (real name and
    account)."""
    names = await cases.applicants(app.redis, case_id)
    users = Users(app.redis)
    people = []
    for username in names:
        user = await users.get(username)
        people.append({"username": username, "real_name": user.real_name if user else ""})
    return {"applicants": names, "applicant_people": people}


def case_json(d: dict[str, Any]) -> dict[str, Any]:
    return {"id": int(d["case"]["id"]), "case_number": d["case"]["case_number"],
            "court": d["case"].get("court"),
            "lots": [{**lot_view(lot, d["states"].get(lot["id"])),
                      "outcome": d["outcomes"][lot["id"]], "round": lot.get("round", 1),
                      "sale_mode": lot.get("sale_mode", "auction"),
                      "previous_lot_id": lot.get("previous_lot_id")} for lot in d["lots"]],
            "timeline": timeline_json(d["timeline"]), "ledger": ledger_json(d["ledger"]),
            "ledger_check": {"ok": d["check"].ok, "balance": fen_to_yuan(d["check"].balance),
                             "money_in": fen_to_yuan(d["check"].money_in),
                             "money_out": fen_to_yuan(d["check"].money_out),
                             "reason": d["check"].reason},
            "applicants": d["applicants"]}


# -- the officer's dashboard ------------------------------------------------------------------


async def lot_facts(app: Services, lot: dict[str, Any], state: dict[str, Any]) -> LotFacts:
    rec = await app.settlement.record(lot["id"])
    case_id, lot_id = int(lot["case_id"]), lot["id"]
    balances = await app.settlement.accounts.balances(case_id)
    status = state.get("status", "upcoming")
    nxt = await app.settlement.next_lot(lot_id)
    relist_by = None
    if status == "failed" and not nxt:
        relist_by = relist_deadline_ms(await prior_of(app, lot))
    notice_days = 30 if lot["property_type"] in REAL_ESTATE_TYPES else 15
    if lot.get("round", 1) == 2:
        notice_days //= 2
    if lot.get("round", 1) == 3:
        notice_days = 0
    return LotFacts(
        lot_id=lot_id, status=status, settlement=str(rec.get("status", "")),
        starting_price=lot["starting_price"],
        final_price=state.get("current_price", 0) if status == "sold" else 0,
        announced_at_ms=int(lot.get("announced_at") or 0), starts_at_ms=lot["starts_at"],
        ends_at_ms=state.get("ends_at", lot["ends_at"]), notice_required_ms=notice_days * DAY_MS,
        due_at_ms=rec.get("due_at"), paid_at_ms=rec.get("paid_at"),
        held_deposits=balances.get(f"deposits:{lot_id}", 0),
        proceeds_held=balances.get(f"proceeds:{lot_id}", 0), relist_by_ms=relist_by,
        relisted=nxt is not None)


async def dashboard(app: Services, officer: User) -> dict[str, Any]:
    now = await app.store.server_time_ms()
    rows: list[dict[str, Any]] = []
    facts = []
    for case_id in await cases.cases_of_officer(app.redis, officer.username):
        case = await cases.get_case(app.redis, case_id) or {}
        lots = [await app.lots.get(i) for i in await cases.lot_ids(app.redis, case_id)]
        states = await app.store.states([lot["id"] for lot in lots])
        for lot in lots:
            f = await lot_facts(app, lot, states.get(lot["id"]) or {})
            facts.append(f)
            deadlines = lot_deadlines(f, now)
            rows.append({"case": case, "lot": lot, "facts": f, "deadlines": deadlines,
                         "next": next_deadline(deadlines),
                         "overdue": [d for d in deadlines if d.overdue],
                         "short_notice": [d for d in deadlines if d.short_notice]})
    rows.sort(key=lambda r: (not r["overdue"], not r["short_notice"],
                             (r["next"].at_ms if r["next"] else None) or 10**15))
    return {"rows": rows, "figures": court_figures(facts), "now": now}


def dashboard_json(d: dict[str, Any]) -> dict[str, Any]:
    fig = d["figures"]
    return {
        "figures": {"lots_sold": fig.sold, "lots_failed": fig.failed,
                    "lots_defaulted": fig.defaulted, "total_proceeds": fen_to_yuan(fig.proceeds),
                    "average_premium_pct": fig.average_premium_pct,
                    "average_days_announcement_to_payment": fig.average_days_to_payment},
        "lots": [{"lot_id": r["lot"]["id"], "case_id": int(r["case"]["id"]),
                  "case_number": r["case"]["case_number"], "title": r["lot"]["title"],
                  "status": r["facts"].status, "settlement": r["facts"].settlement or None,
                  "next_deadline": {"kind": r["next"].kind, "at": ms_to_iso(r["next"].at_ms),
                                    "overdue": r["next"].overdue} if r["next"] else None,
                  "overdue": [d.kind for d in r["overdue"]],
                  "short_notice": [d.kind for d in r["short_notice"]]} for r in d["rows"]],
    }
