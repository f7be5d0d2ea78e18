"""OpenAPI paths of the after-the-hammer API (merged into portal.openapi)."""

from __future__ import annotations

from typing import Any

from portal.openapi import ERROR, MONEY, TIME, _op

LOT_PARAM = [{"name": "lot_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
CASE_PARAM = [{"name": "case_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
NULL_MONEY = {**MONEY, "type": ["string", "null"]}
RESULT = {"type": "object", "required": ["status", "final_price", "bid_count", "bidder_count",
                                         "winner_code", "confirmation_url"], "properties": {
    "status": {"enum": ["upcoming", "live", "sold", "failed", "cancelled", "defaulted"]},
    "final_price": NULL_MONEY, "bid_count": {"type": "integer"},
    "bidder_count": {"type": "integer"}, "winner_code": {"type": ["string", "null"]},
    "confirmation_url": {"type": ["string", "null"]},
    "confirmation_pdf_url": {"type": ["string", "null"]},
    "round": {"type": "integer", "description": "1 first auction, 2 second, 3 fixed-price sale"},
    "sale_mode": {"enum": ["auction", "fixed_price"]},
    "settlement": {"type": "object", "properties": {
        "status": {"enum": ["awaiting_payment", "paid", "defaulted", "failed", "cancelled",
                            None]},
        "balance": NULL_MONEY, "due_at": TIME, "paid_at": TIME}},
    "ledger_verified": {"type": "boolean"}, "bids": {"type": "array"}}}
DEPOSIT = {"type": "object", "properties": {
    "lot_id": {"type": "integer"}, "amount": MONEY, "payment_id": {"type": "string"},
    "status": {"enum": ["pending", "paid", "refunded", "applied", "forfeited"]}}}
TIMELINE = {"type": "object", "properties": {
    "step": {"enum": ["announced", "viewing", "bidding", "sold", "failed", "cancelled", "paid",
                      "defaulted", "relisted", "proceeds_released"]},
    "lot_id": {"type": "integer"}, "at": {**TIME, "type": ["string", "null"]},
    "deadline": {**TIME, "type": ["string", "null"]}, "done": {"type": "boolean"}}}
LEDGER = {"type": "object", "properties": {
    "seq": {"type": "integer"}, "at": TIME, "lot_id": {"type": "integer"},
    "kind": {"enum": ["deposit_paid", "deposit_refunded", "deposit_applied", "balance_paid",
                      "deposit_forfeited", "forfeit_to_costs", "forfeit_to_shortfall",
                      "forfeit_to_debt", "proceeds_released"]},
    "amount": MONEY, "effect": MONEY, "balance": MONEY, "from": {"type": "string"},
    "to": {"type": "string"}, "hash": {"type": "string"}}}
CASE = {"type": "object", "required": ["case_number", "lots", "timeline", "ledger"],
        "properties": {"id": {"type": "integer"}, "case_number": {"type": "string"},
                       "lots": {"type": "array", "items": {"type": "object"}},
                       "timeline": {"type": "array", "items": TIMELINE},
                       "ledger": {"type": "array", "items": LEDGER},
                       "ledger_check": {"type": "object"},
                       "applicants": {"type": "array", "items": {"type": "string"}}}}
RELIST = {"type": "object", "required": ["starting_price", "starts_at", "ends_at"],
          "properties": {"starting_price": MONEY, "starts_at": TIME, "ends_at": TIME,
                         "increment": MONEY, "deposit": {**MONEY, "description":
                                                         "default: the previous ratio; a "
                                                         "fixed-price sale takes the full price"}}}


def after_hammer_paths() -> dict[str, Any]:
    return {
        "/api/lots/{lot_id}/result": {"parameters": LOT_PARAM, "get": _op(
            "Result of a lot: outcome, final price, bid and bidder counts, winner code, "
            "confirmation of sale", schema=RESULT, errors=(404,))},
        "/api/lots/{lot_id}/relist": {"parameters": LOT_PARAM, "post": _op(
            "Schedule the second auction (after a failed first), the fixed-price sale (after a "
            "failed second) or the re-auction after a default, as a new linked lot; refusals "
            "name the rule (second_auction_price_below_80pct, second_auction_not_within_30_days,"
            " second_auction_announcement_below_15_days, fixed_price_not_second_auction_price, "
            "fixed_price_period_above_60_days, ...)", 201, body=RELIST, auth="officer",
            errors=(401, 403, 404, 409, 422))},
        "/api/lots/{lot_id}/settlement": {"parameters": LOT_PARAM, "post": _op(
            "Set the balance deadline and/or the auction costs", body={"type": "object",
            "properties": {"due_at": TIME, "auction_costs": MONEY}}, auth="officer",
            errors=(401, 403, 409, 422))},
        "/api/lots/{lot_id}/release": {"parameters": LOT_PARAM, "post": _op(
            "Release the lot's proceeds to the applicant", schema={"type": "object",
            "properties": {"released": MONEY}}, auth="officer", errors=(401, 403, 409))},
        "/api/lots/{lot_id}/forfeit": {"parameters": LOT_PARAM, "post": _op(
            "Apply what is left of a forfeited deposit to the debt now", auth="officer",
            errors=(401, 403, 409))},
        "/api/lots/{lot_id}/reminders": {"parameters": LOT_PARAM,
                                         "post": _op("Remind me before the lot opens and ends",
                                                     201, auth="any", errors=(401, 409)),
                                         "delete": _op("Cancel my reminders", auth="any")},
        "/api/lots/{lot_id}/fees": {"parameters": LOT_PARAM, "get": _op(
            "The buyer's taxes and fees on top of the price, with the rules used (?price=)")},
        "/api/me/deposits": {"get": _op("My deposits", schema={"type": "array",
                                                                "items": DEPOSIT}, auth="any",
                                        errors=(401,))},
        "/api/me/cases": {"get": _op("My cases (applicant or officer)", auth="applicant",
                                     errors=(401, 403))},
        "/api/me/notifications": {"get": _op("My notifications and unread count", auth="any"),
                                  "post": _op("Mark my notifications read", auth="any")},
        "/api/cases/{case_id}": {"parameters": CASE_PARAM, "get": _op(
            "A case: lots, timeline of every step, money ledger (its applicants and officers "
            "only)", schema=CASE, auth="applicant", errors=(401, 403, 404))},
        "/api/cases/{case_id}/applicants": {"parameters": CASE_PARAM, "post": _op(
            "Link an applicant account to the case", 201, body={
                "type": "object", "required": ["username"],
                "properties": {"username": {"type": "string"}}}, auth="officer",
            errors=(401, 403, 404, 422))},
        "/api/cases/{case_id}/ledger/verify": {"parameters": CASE_PARAM, "get": _op(
            "Re-verify the case ledger: hash chain, running balances, totals", auth="applicant")},
        "/api/officer/dashboard": {"get": _op(
            "Cases and lots with next deadline and overdue items; court figures",
            auth="officer", errors=(401, 403))},
        "/api/officer/bulk": {"post": _op(
            "Bulk action on lots: release, settle, extend_deadline, apply_forfeit", body={
                "type": "object", "required": ["action", "lot_ids"], "properties": {
                    "action": {"enum": ["release", "settle", "extend_deadline",
                                        "apply_forfeit"]},
                    "lot_ids": {"type": "array", "items": {"type": "integer"}},
                    "days": {"type": "integer"}}}, auth="officer", errors=(401, 403, 422))},
    }


__all__ = ["ERROR", "after_hammer_paths"]
