"""Who may act on what: the one place that decides ownership, one function per resource kind.

Every officer belongs to one court (``User.court``; an account without one belongs to the
portal's configured court, setting ``COURT``). Cases and lots belong to the court of the
officer who created them (stored as their ``court``); an event belongs to the court of its
creator. An officer may change only what belongs to their own court: anything else is
403 ``other_court``. A case is read by its linked applicants and the officers of its court.
Who may register to bid is decided here too: never an officer (``officers_cannot_bid``),
never the case's debtor (``debtor_cannot_bid``).

Routes call these functions and nothing else to decide ownership; the authorization matrix
test (tests/test_authz_matrix.py) checks every route against its declared expectation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.errors import Forbidden, NotFound
from portal import cases
from portal.users import User, Users, normalise_id_number

if TYPE_CHECKING:  # annotations only; services.py imports this module's dependencies
    from portal.services import Services

OTHER_COURT = "This belongs to another court; only its own court's officers may change it"


def court_of(app: Services, user: User) -> str:
    """The court of an officer (the configured court when the account names none)."""
    return user.court or app.settings.court


def in_court(app: Services, user: User, court: str | None) -> bool:
    """Whether a record of ``court`` ("" = the configured court) is the officer's."""
    return user.role == "officer" and (court or app.settings.court) == court_of(app, user)


def _own(app: Services, user: User, court: str | None) -> None:
    if user.role != "officer":
        raise Forbidden("This needs the role: officer", code="wrong_role")
    if not in_court(app, user, court):
        raise Forbidden(OTHER_COURT, code="other_court")


async def lot_for_officer(app: Services, user: User, lot_id: int) -> dict[str, Any]:
    """The lot, when ``user`` is an officer of its court (404 lot_not_found, 403 other_court)."""
    lot = await app.lots.get(lot_id)
    _own(app, user, lot.get("court"))
    return lot


async def case_for_officer(app: Services, user: User, case_id: int) -> dict[str, str]:
    """The case, when ``user`` is an officer of its court (404 case_not_found, 403
    other_court)."""
    case = await cases.get_case(app.redis, case_id)
    if case is None:
        raise NotFound("No such case", code="case_not_found")
    _own(app, user, case.get("court"))
    return case


async def case_for_reader(app: Services, user: User, case_id: int) -> dict[str, str]:
    """The case, for its linked applicants and the officers of its court."""
    case = await cases.get_case(app.redis, case_id)
    if case is None:
        raise NotFound("No such case", code="case_not_found")
    if user.role == "officer":
        _own(app, user, case.get("court"))
    elif not await cases.may_view(app.redis, case_id, user.username, user.role):
        raise Forbidden("Only the case's applicants and officers may see it",
                        code="not_your_case")
    return case


async def event_court(app: Services, event: dict[str, Any]) -> str:
    """An event's court: that of the officer who created it."""
    creator = await Users(app.redis).get(str(event.get("created_by") or ""))
    return court_of(app, creator) if creator else app.settings.court


async def event_for_officer(app: Services, user: User, event_id: int) -> dict[str, Any]:
    """The event, when ``user`` is an officer of its court (404 event_not_found, 403
    other_court)."""
    event = await app.events.get(event_id)
    _own(app, user, await event_court(app, event))
    return event


async def is_event_officer(app: Services, user: User | None, event: dict[str, Any]) -> bool:
    """Whether ``user`` hosts ``event`` (sees its stream keys, moderates its room)."""
    return user is not None and in_court(app, user, await event_court(app, event))


async def lots_for_event(app: Services, user: User, lot_ids: list[int]) -> None:
    """An officer may put only their own court's lots on an event's venues."""
    for lot_id in lot_ids:
        try:
            await lot_for_officer(app, user, lot_id)
        except NotFound:
            continue  # the engine names the unknown lot (422 unknown_lot)


async def may_register(app: Services, lot: dict[str, Any], username: str) -> None:
    """Refuse the law's excluded bidders: officers, and the debtor of the lot's case."""
    user = await Users(app.redis).get(username)
    if user is None:
        return
    if user.role == "officer":
        raise Forbidden("Court officers may not bid", code="officers_cannot_bid")
    case = await cases.get_case(app.redis, int(lot["case_id"])) or {}
    debtor = case.get("debtor_id_number")
    if debtor and user.id_number and normalise_id_number(user.id_number) == debtor:
        raise Forbidden("The debtor may not bid for the property (法释〔2016〕18号)",
                        code="debtor_cannot_bid")
