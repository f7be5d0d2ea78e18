"""The one queue of due reminders, shared by lots (portal/notifications.py sends them) and
livestream events (livestream/events.py schedules them): a sorted set of members scored by
the time (ms) the reminder is due."""

from __future__ import annotations

from core.names import user_id

REMINDERS_DUE = "reminders:due"
EVENT_REMIND_LEAD_MS = 10 * 60 * 1000  # as the event's calendar file alarm


def event_reminder(event_id: int, username: str) -> str:
    """The REMINDERS_DUE member of a livestream event reminder."""
    return f"event:{event_id}|{user_id(username)}"
