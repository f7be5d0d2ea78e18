"""Every Redis key and channel name of the livestream area.

An event's keys share one hash tag (``{<event id>}``) so an event room lives on one Redis
Cluster slot (MULTI and sharded pub/sub keep working). Global keys: the id counter, the
schedule index and the stream-key map.
"""

from __future__ import annotations

NEXT_ID = "events:next_id"
"""INCR counter of event ids."""

INDEX = "events:index"
"""Sorted set: event id -> starts_at ms."""


def stream_key(key: str) -> str:
    """String: secret stream key -> "<event id>:<venue id>"."""
    return f"livestream:key:{key}"


def _event(event_id: int) -> str:
    return f"event:{{{int(event_id)}}}"


def meta(event_id: int) -> str:
    """String: the event as JSON (title, times, venues with their sources)."""
    return f"{_event(event_id)}:meta"


def live(event_id: int) -> str:
    """Hash: on_air, on_air_since, ended_at, slow_mode, hold_questions."""
    return f"{_event(event_id)}:live"


def timeline(event_id: int) -> str:
    """List of JSON on-air switches {at, venue_id, edge: {venue id: program date time ms}}."""
    return f"{_event(event_id)}:timeline"


def channel(event_id: int) -> str:
    """Pub/sub channel of the room's public events (wire JSON)."""
    return f"{_event(event_id)}:room"


def mod_channel(event_id: int) -> str:
    """Pub/sub channel of moderator-only events (held questions, mutes)."""
    return f"{_event(event_id)}:mod"


def messages(event_id: int, kind: str) -> str:
    """Stream of chat messages ("chat") or published questions ("question")."""
    return f"{_event(event_id)}:{kind}"


def deleted(event_id: int) -> str:
    """Set of deleted message ids."""
    return f"{_event(event_id)}:deleted"


def held(event_id: int) -> str:
    """Hash: held question id -> JSON, waiting for a moderator."""
    return f"{_event(event_id)}:held"


def muted(event_id: int) -> str:
    """Set of muted usernames."""
    return f"{_event(event_id)}:muted"


def announcements(event_id: int) -> str:
    """List of pinned announcements (JSON), newest first."""
    return f"{_event(event_id)}:announcements"


def rate(event_id: int, username: str, window: str) -> str:
    """Rate-limit counters of one user in one room."""
    return f"{_event(event_id)}:rate:{window}:{username}"


def reminders(event_id: int) -> str:
    """Set of usernames who asked to be reminded."""
    return f"{_event(event_id)}:reminders"


def user_reminders(username: str) -> str:
    """Set of event ids a user asked to be reminded of."""
    return f"user:{username}:event_reminders"


def viewers(room: tuple[int, str], venue_id: int, bucket: int) -> str:
    """HyperLogLog of viewer ids seen on one venue in one time bucket. `room` is (event id,
    the event's random nonce), so counts never mix even if ids were reused (tests flush)."""
    return f"{_event(room[0])}:hll:{room[1]}:{venue_id}:{bucket}"
