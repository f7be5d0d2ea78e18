"""Livestream events: venues, on-air timeline, the cacheable room state, chat, Q&A, moderation.

Request bodies are typed as loosely as the engines (livestream/events.py, livestream/chat.py)
accept, so their specific error codes (``invalid_venues``, ``unknown_venue``, ``empty_text``,
...) still come out; the limits they enforce are shown in the document only
(``extra_json_schema``), not checked twice.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Struct, UnsetType

from portal.schemas.common import Money, Time

EventStatus = Literal["upcoming", "live", "ended"]
Source = Literal["ingest", "external"]
TimeIn = Annotated[str | int, msgspec.Meta(
    description="ISO 8601 with an offset (e.g. 2026-12-01T02:00:00Z) or epoch milliseconds")]
MessageId = Annotated[str, msgspec.Meta(
    description="c-<stream id> (chat), q-<stream id> (question), h-<ms>-<n> (held question), "
    "e.g. c-1795965887444-0")]


def _text(limit: int, doc: str = "") -> msgspec.Meta:
    return msgspec.Meta(description=doc or None, extra_json_schema={"maxLength": limit})


# -- requests ----------------------------------------------------------------------------------


class VenueIn(Struct, kw_only=True):
    name: Annotated[str, _text(60)]
    lot_id: Annotated[int | str, msgspec.Meta(description="a lot's id (digits accepted)")]
    source: Annotated[str, msgspec.Meta(extra_json_schema={"enum": ["ingest", "external"]})] \
        = "ingest"
    url: Annotated[str, msgspec.Meta(
        description="external only: http(s) URL of an HLS playlist (.m3u8)")] | UnsetType \
        = UNSET


class EventIn(Struct, kw_only=True):
    title: Annotated[str, _text(120)]
    description: Annotated[str, _text(2000)] | UnsetType = UNSET
    starts_at: TimeIn
    ends_at: TimeIn
    venues: Annotated[list[VenueIn], msgspec.Meta(
        description="1-12 venues, each showing one lot",
        extra_json_schema={"minItems": 1, "maxItems": 12})]


class OnAirIn(Struct):
    venue_id: Annotated[int, msgspec.Meta(description="one of the event's venue ids")]


class HeartbeatIn(Struct):
    viewer: Annotated[str, msgspec.Meta(
        description="a viewer id the server issued (the event page, GET "
        "/api/events/{id}/viewer); any other id is refused with 403 bad_viewer",
        extra_json_schema={"pattern": "^[A-Za-z0-9_-]{8,80}$"})]
    venue_id: Annotated[int, msgspec.Meta(description="the venue being watched")]


class ViewerId(Struct):
    """A signed viewer id for heartbeats: never cached, one per page view."""

    viewer: Annotated[str, msgspec.Meta(description="event id, issue time, random part, HMAC")]
    expires_at: Time


class MessageIn(Struct):
    text: Annotated[str, _text(300, "plain text; control characters dropped")]
    kind: Annotated[str, msgspec.Meta(extra_json_schema={"enum": ["chat", "question"]})] \
        = "chat"


class MuteIn(Struct):
    username: Annotated[str, msgspec.Meta(
        description="the account name, or the room alias (网友·XXXXXX) shown on a message")]


class SettingsIn(Struct):
    slow_mode: Annotated[int, msgspec.Meta(
        description="seconds between a user's messages",
        extra_json_schema={"enum": [0, 5, 10, 30, 60, 300]})] | UnsetType = UNSET
    hold_questions: bool | UnsetType = UNSET


class AnnouncementIn(Struct):
    text: Annotated[str, _text(500)]


class EventsQuery(Struct):
    status: Annotated[str, msgspec.Meta(
        description="upcoming, live, ended (comma-separated)")] | UnsetType = UNSET


class MessagesQuery(Struct):
    kind: Annotated[str, msgspec.Meta(extra_json_schema={"enum": ["chat", "question"]})] \
        = "chat"


# -- responses ---------------------------------------------------------------------------------


class LotPrice(Struct):
    current_price: Money | None
    bid_count: int
    status: str


class VenueLot(LotPrice, kw_only=True):
    """The venue's lot: its id and live price."""

    id: int


class VenueSummary(Struct, kw_only=True):
    id: int
    name: str
    lot_id: int
    source: Source
    playback_url: str
    recording_url: Annotated[str, msgspec.Meta(
        description="once something was recorded")] | UnsetType = UNSET
    stream_key: Annotated[str, msgspec.Meta(
        description="officers only, ingest venues")] | UnsetType = UNSET
    ingest_url: Annotated[str, msgspec.Meta(
        description="officers only, ingest venues: PUT HLS here")] | UnsetType = UNSET
    viewers: int


class Venue(VenueSummary, kw_only=True):
    lot: VenueLot


class _EventBase(Struct, kw_only=True):
    id: int
    title: str
    description: str
    starts_at: Time
    ends_at: Time
    status: EventStatus
    on_air_venue_id: int | None
    on_air_since: Time | None
    viewers_total: int


class EventSummary(_EventBase, kw_only=True):
    venues: list[VenueSummary]


class Event(_EventBase, kw_only=True):
    """An event with its venues' lots and prices (officers also get stream keys)."""

    venues: list[Venue]


class EventList(Struct):
    items: list[EventSummary]
    total: int


class TimelineEntry(Struct):
    at: Time
    venue_id: int
    edge: Annotated[dict[str, Time], msgspec.Meta(
        description="per ingest venue id: program date time at its live playlist's edge")]


class Timeline(Struct):
    items: list[TimelineEntry]


class OnAirOut(Struct):
    on_air_venue_id: int
    entry: TimelineEntry


class Ended(Struct):
    status: Literal["ended"]
    ended_at: Time


class Message(Struct):
    id: MessageId
    kind: Literal["chat", "question"]
    name: Annotated[str, msgspec.Meta(
        description="the author's alias in this room (网友·XXXXXX), never the account name")]
    text: Annotated[str, msgspec.Meta(description="plain text; escape when shown")]
    at: Time


class Messages(Struct):
    items: list[Message]


class Posted(Struct):
    status: Literal["published", "held"]
    message: Message


class Approved(Struct):
    status: Literal["published"]
    message: Message


class Announcement(Struct):
    id: Annotated[str, msgspec.Meta(description="a-<ms>")]
    text: str
    at: Time


class ChatSettings(Struct):
    slow_mode: int
    hold_questions: bool


class Moderation(Struct):
    held: list[Message]
    muted: list[str]
    settings: ChatSettings


class Muted(Struct):
    muted: Annotated[list[str], msgspec.Meta(description="muted user ids (lower case)")]


class StateVenue(Struct):
    id: int
    viewers: int
    lot: LotPrice


class RoomState(Struct):
    """Small and identical for everyone: cacheable 1-2 s (public, max-age=1, s-maxage=2)."""

    event_id: int
    status: EventStatus
    on_air_venue_id: int | None
    on_air_since: Time | None
    viewers_total: int
    venues: list[StateVenue]
    announcements: list[Announcement]
    questions: list[Message]
    messages: list[Message]
    settings: ChatSettings
    server_time: Time


class Reminder(Struct):
    reminder: bool
    count: int
