"""The human page of a lot's hash-chained bid ledger: every entry in a table, the result of
re-hashing the chain, how to check it yourself, and links to the JSON for machines.

Entries name bidders only by their anonymous codes (the ledger holds nothing else), before
and after the close.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bidding.ledger import ZERO_HASH, canonical
from core.money import format_yuan
from portal.services import services
from portal.sessions import current_user
from portal.templating import render


def ledger_rows(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ledger entries as table rows (money as display yuan, times in ms for the page)."""
    rows = []
    for e in entries:
        rows.append({
            "seq": int(e["seq"]), "kind": e["kind"], "at": int(e["at"]),
            "code": e.get("code") or "", "amount": format_yuan(int(e["amount"]))
            if int(e["amount"]) else "—", "rank": int(e.get("rank") or 0),
            "status": e.get("status", ""), "extended": str(e.get("extended")) == "1",
            "ends_at": int(e["ends_at"]) if e.get("ends_at") else None,
            "prev": e["prev"], "hash": e["hash"], "canonical": canonical(e)})
    return rows


async def ledger_page(request: Request) -> Response:
    await current_user(request)
    app, lot_id = services(request), request.path_params["lot_id"]
    lot = await app.lots.get(lot_id)
    entries = await app.store.ledger(lot_id)
    check = await app.store.verify(lot_id)
    return render(request, "ledger.html", {
        "lot": lot, "rows": ledger_rows(entries), "check": check, "zero_hash": ZERO_HASH})


api_routes: list[Any] = []
page_routes = [
    Route("/lots/{lot_id:int}/ledger", ledger_page),
]
