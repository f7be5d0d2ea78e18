"""Every Redis key name the portal uses, and the members that name a user.

Usernames are case-insensitive: a username inside a key, a set member or a hash field goes
through ``core.names.user_id`` here, the one place it is normalised. The keys of a lot share
its hash tag (``lot:{<id>}``) with the bidding engine's (``bidding.keys``) and the keys of a
case share ``case:{<id>}``, so one Lua script may touch all keys of a lot or of a case.
"""

from __future__ import annotations

from core.names import user_id

# The reminder queue is shared with livestream events; its names live in core.
from core.reminders import REMINDERS_DUE as REMINDERS_DUE
from core.reminders import event_reminder as event_reminder
from core.throttle import DEFAULT_PREFIX

# -- global keys ----------------------------------------------------------------------------

THROTTLE_PREFIX = DEFAULT_PREFIX
"""Prefix of the `limits` moving windows (core/throttle.py): ``throttle:LIMITER/<ids>/...``."""

SESSIONS_CLOSED = "sessions:closed"
"""Pub/sub channel: {"sid": <session hash>} or {"user": <user id>} whose websockets every
worker closes (logout, password change; portal/socket_registry.py)."""


def throttle_login_account(username: str) -> tuple[str, str]:
    """Throttle ids: failed logins of one account."""
    return ("login-account", user_id(username))


def throttle_login_ip(ip: str) -> tuple[str, str]:
    """Throttle ids: failed logins from one client IP."""
    return ("login-ip", ip)


def throttle_signup_ip(ip: str) -> tuple[str, str]:
    """Throttle ids: accounts created from one client IP."""
    return ("signup-ip", ip)


def throttle_resume(socket_id: str) -> tuple[str, str]:
    """Throttle ids: resume requests of one lot websocket."""
    return ("ws-resume", socket_id)


LOTS_NEXT_ID = "lots:next_id"
"""Counter: the last lot id handed out."""

LOTS_INDEX = "lots:index"
"""Sorted set: lot id -> starts_at (ms); the catalogue."""

CASES_NEXT_ID = "cases:next_id"
"""Counter: the last case id handed out."""

CASES_BY_NUMBER = "cases:by_number"
"""Hash: case number -> case id."""

USERS_BY_ID_NUMBER = "users:by_id_number"
"""Hash: SHA-256 of a normalised ID number -> the user id holding it (one person, one
account)."""

SETTLE_WATCH = "settle:watch"
"""Sorted set: lot id -> time to look at it next (its end); settled once it has closed."""

SETTLE_DONE = "settle:done"
"""Set of lot ids whose close has been settled."""

SETTLE_DUE = "settle:due"
"""Sorted set: lot id -> the winner's balance deadline (ms)."""

OPENING = "lifecycle:opening"
"""Sorted set: lot id -> starts_at; the case is told when bidding opens."""

SETTLER_LOCK = "settler:lock"
"""Leader lease of the settlement worker."""

OUTBOX = "mail:outbox"
"""Stream of mails to send (fields: to, item)."""

OUTBOX_CURSOR = "mail:outbox:cursor"
"""String: the id of the last outbox entry sent."""

"""Sorted set: reminder member (``reminder_member``, ``event_reminder``) -> when to send."""

DEMO_LOADED = "demo:loaded"
"""Marker: the demo data has been loaded."""

DEMO_AFTER_HAMMER = "demo:after_hammer"
"""Marker: the demo data after the hammer has been loaded."""


HEALTH_PROBE = "health:probe"
"""String written (10 s TTL) by the 503 handler's probe to see Redis serving writes again."""


# -- users and sessions ---------------------------------------------------------------------


def user(username: str) -> str:
    """Hash: the account record."""
    return f"user:{user_id(username)}"


def users_with_role(role: str) -> str:
    """Set of user ids with this role."""
    return f"users:role:{role}"


def user_lots(username: str) -> str:
    """Set of the ids of the lots the user registered for."""
    return f"{user(username)}:lots"


def user_cases(username: str) -> str:
    """Set of the ids of the cases the user (an applicant) is linked to."""
    return f"{user(username)}:cases"


def user_payments(username: str) -> str:
    """Set of the user's payment order ids."""
    return f"{user(username)}:payments"


def notifications(username: str) -> str:
    """List of the user's in-app notifications (JSON, newest first)."""
    return f"{user(username)}:notifications"


def unread(username: str) -> str:
    """Counter: the user's unread notifications."""
    return f"{user(username)}:unread"


def notified(dedupe: str, username: str) -> str:
    """Marker (with a TTL): this notification was sent to this user."""
    return f"notified:{dedupe}:{user_id(username)}"


def session(token: str) -> str:
    """String: the username of the session."""
    return f"session:{token}"


# -- lots (the engine's own keys of a lot are in bidding.keys) ---------------------------------


def _lot(lot_id: int) -> str:
    return f"lot:{{{int(lot_id)}}}"


def lot_meta(lot_id: int) -> str:
    """String: the lot record (JSON)."""
    return f"{_lot(lot_id)}:meta"


def lot_orders(lot_id: int, purpose: str) -> str:
    """Hash: user id -> payment id of the lot's orders of this purpose (deposit, balance)."""
    return f"{_lot(lot_id)}:{purpose}_orders"


def lot_reminders(lot_id: int) -> str:
    """Set of the ids of the users who asked for reminders of the lot."""
    return f"{_lot(lot_id)}:reminders"


def lot_settlement(lot_id: int) -> str:
    """Hash: the lot's after-the-hammer record (status, winner, balance, deadline ...)."""
    return f"{_lot(lot_id)}:settlement"


def lot_next(lot_id: int) -> str:
    """String: the id of the lot that relisted this one."""
    return f"{_lot(lot_id)}:next"


# -- cases ---------------------------------------------------------------------------------


def case(case_id: int) -> str:
    """Hash: the case record (id, case_number, court, created_by, created_at)."""
    return f"case:{{{int(case_id)}}}"


def case_lots(case_id: int) -> str:
    """Set of the case's lot ids."""
    return f"{case(case_id)}:lots"


def case_applicants(case_id: int) -> str:
    """Set of the user ids of the case's applicants."""
    return f"{case(case_id)}:applicants"


def case_officers(case_id: int) -> str:
    """Set of the user ids of the case's officers."""
    return f"{case(case_id)}:officers"


def case_account(case_id: int) -> str:
    """Stream: the case's hash-chained account ledger (see portal.accounts)."""
    return f"{case(case_id)}:account"


def case_balances(case_id: int) -> str:
    """Hash: account name -> balance (fen)."""
    return f"{case(case_id)}:balances"


def case_refs(case_id: int) -> str:
    """Hash: ref -> ledger seq; a ref is posted once."""
    return f"{case(case_id)}:refs"


# -- payments, mail and reminders ------------------------------------------------------------


def payment(pid: str) -> str:
    """Hash: the payment order."""
    return f"payment:{pid}"


def payment_nonce(nonce: str) -> str:
    """Marker (with a TTL): a payment callback with this nonce was received."""
    return f"payment:nonce:{nonce}"


def mail_sent(entry_id: str) -> str:
    """Marker (with a TTL): this outbox entry was claimed by a drainer."""
    return f"mail:sent:{entry_id}"


def reminder_member(lot_id: int, username: str, which: str) -> str:
    """The REMINDERS_DUE member of a lot reminder (which: open or end)."""
    return f"{int(lot_id)}|{user_id(username)}|{which}"


def invitation(token: str) -> str:
    """String (JSON, expires): a one-time invitation of an applicant to a case."""
    return f"invitation:{token}"


def lot_documents(lot_id: int, kind: str) -> str:
    """List: the versions of one kind of the lot's court documents (JSON records; version n
    is element n-1, never changed or removed)."""
    return f"{_lot(lot_id)}:documents:{kind}"


def lot_terms_accepted(lot_id: int) -> str:
    """Hash: user id -> JSON {at, version, sha256} of the 竞买须知 accepted at registration."""
    return f"{_lot(lot_id)}:terms_accepted"


def lot_views(lot_id: int) -> str:
    """Counter: views of the lot page (围观次数)."""
    return f"{_lot(lot_id)}:views"
