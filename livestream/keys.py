"""Every Redis key and channel name of the livestream area.

An event's keys share one hash tag (``{<event id>}``) so an event room lives on one Redis
Cluster slot (MULTI and sharded pub/sub keep working). Global keys: the id counter, the
schedule index, the stream-key map and the demo marker. Usernames in keys and set members
are user ids (`core.names.user_id`: usernames are case-insensitive).
"""

from __future__ import annotations

from bidding import keys as lot_keys
from core.names import user_id


def next_id() -> str:
    """INCR counter of event ids."""
    return "events:next_id"


def index() -> str:
    """Sorted set: event id -> starts_at ms."""
    return "events:index"


def demo_event() -> str:
    """String: the id of the demo live viewing (set once, when the demo data is loaded)."""
    return "demo:live_event"


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


def channel_seq(channel_name: str) -> str:
    """INCR counter: the sequence number of the last event published on a room channel
    (`channel` or `mod_channel`; same hash tag, so one script may touch both)."""
    return f"{channel_name}:seq"


def messages(event_id: int, kind: str) -> str:
    """Stream of chat messages ("chat") or published questions ("question")."""
    return f"{_event(event_id)}:{kind}"


def lot_events(lot_id: int) -> str:
    """Pub/sub channel of a venue lot's bid/close events (the bidding area's channel)."""
    return lot_keys.events(lot_id)


def deleted(event_id: int) -> str:
    """Set of deleted message ids."""
    return f"{_event(event_id)}:deleted"


def held(event_id: int) -> str:
    """Hash: held question id -> JSON, waiting for a moderator."""
    return f"{_event(event_id)}:held"


def held_seq(event_id: int) -> str:
    """INCR counter of held question ids."""
    return f"{held(event_id)}:seq"


def muted(event_id: int) -> str:
    """Set of muted user ids (`muted_member`)."""
    return f"{_event(event_id)}:muted"


def aliases(event_id: int) -> str:
    """Hash: room alias (网友·XXXXXX) -> user id, so moderators can mute by what they see."""
    return f"{_event(event_id)}:aliases"


def muted_member(username: str) -> str:
    """The member of `muted` for a username."""
    return user_id(username)


def announcements(event_id: int) -> str:
    """List of pinned announcements (JSON), newest first."""
    return f"{_event(event_id)}:announcements"


def chat_throttle(event_id: int, username: str) -> tuple[str, str, str]:
    """Throttle ids (core/throttle.py): one user's chat and questions in one room."""
    return ("chat", str(int(event_id)), user_id(username))


def reminders(event_id: int) -> str:
    """Set of user ids (`reminder_member`) who asked to be reminded."""
    return f"{_event(event_id)}:reminders"


def reminder_member(username: str) -> str:
    """The member of `reminders` for a username."""
    return user_id(username)


def user_reminders(username: str) -> str:
    """Set of event ids a user asked to be reminded of."""
    return f"user:{user_id(username)}:event_reminders"


def viewers(room: tuple[int, str], venue_id: int, bucket: int) -> str:
    """HyperLogLog of viewer ids seen on one venue in one time bucket. `room` is (event id,
    the event's random nonce), so counts never mix even if ids were reused (tests flush)."""
    return f"{_event(room[0])}:hll:{room[1]}:{venue_id}:{bucket}"
