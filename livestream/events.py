"""Livestream events: venues linked to lots, stream keys, status, and the on-air timeline.

An event has up to 12 venues; each venue shows one lot and takes its video either from the
portal's ingest (a secret per-venue stream key, HLS PUT to /ingest/<key>/index.m3u8, played
back from /hls/<stream id>/index.m3u8) or from an external HLS URL.

Every on-air switch is appended to the timeline with the Redis server time *and*, per ingest
venue, the program date time (PDT) of its live playlist's edge at that moment. HLS players run
seconds behind the room; a player that knows the PDT of what it shows (hls.js `playingDate`)
can tell which venue was on air for exactly that picture, and a replay of the recordings can
cut between venues at the same media positions the live broadcast did.
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as aioredis

from core.errors import Conflict, Invalid, NotFound, PortalError
from core.redis import mget
from core.reminders import EVENT_REMIND_LEAD_MS, REMINDERS_DUE, event_reminder
from core.timefmt import iso_to_ms, ms_to_iso
from livestream import keys
from livestream.hls import PlaylistError, parse_media_playlist
from livestream.publish import room_publish
from livestream.recording import RECORDING_PLAYLIST
from livestream.store import IngestStore

MAX_VENUES = 12
SOURCES = ("ingest", "external")
PLAYLIST = "index.m3u8"
KEY_GRACE_MS = 3600 * 1000  # a stream key still works for an hour after the scheduled end
TEXT_LIMITS = {"title": 120, "description": 2000, "name": 60}
def stream_id(event_id: int, venue_id: int, nonce: str) -> str:
    """The folder and playback path of an ingest venue; the event's random nonce keeps ids
    unique even if event ids were ever reused (a wiped Redis over an old HLS folder)."""
    return f"ev{int(event_id)}-{int(venue_id)}-{nonce}"


def _text(data: dict[str, Any], field: str, *, required: bool, where: str = "") -> str:
    value = data.get(field)
    text = "" if value is None else str(value).strip()
    limit = TEXT_LIMITS[field]
    if (required and not text) or len(text) > limit:
        raise Invalid(f"{where}{field}: 1-{limit} characters", code="invalid_field",
                      field=f"{where}{field}")
    return text


def _time(data: dict[str, Any], field: str) -> int:
    value = data.get(field)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return iso_to_ms(str(value))
    except (ValueError, TypeError):
        raise Invalid(f"{field} must be ISO 8601 with an offset, e.g. 2026-12-01T02:00:00Z",
                      code="invalid_field", field=field) from None


def external_url(value: Any, where: str) -> str:
    url = str(value or "").strip()
    parts = urlsplit(url)
    if (parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500
            or not parts.path.endswith(".m3u8") or re.search(r"[\s\"'<>\\]", url)):
        raise Invalid("url must be an http(s) URL of an HLS playlist (.m3u8)",
                      code="invalid_field", field=f"{where}url")
    return url


def parse_event_input(data: Any) -> dict[str, Any]:
    """Validate a create body (venues without lot checks) into internal units."""
    if not isinstance(data, dict):
        raise Invalid("Expected a JSON object", code="invalid_body")
    out: dict[str, Any] = {"title": _text(data, "title", required=True),
                           "description": _text(data, "description", required=False),
                           "starts_at": _time(data, "starts_at"), "ends_at": _time(data, "ends_at")}
    if out["ends_at"] <= out["starts_at"]:
        raise Invalid("ends_at must be after starts_at", code="ends_before_start", field="ends_at")
    venues = data.get("venues")
    if not isinstance(venues, list) or not 1 <= len(venues) <= MAX_VENUES:
        raise Invalid(f"venues: 1-{MAX_VENUES} venues", code="invalid_venues", field="venues")
    out["venues"] = [_venue(v, i) for i, v in enumerate(venues)]
    return out


def _venue(item: Any, index: int) -> dict[str, Any]:
    where = f"venues[{index}]."
    if not isinstance(item, dict):
        raise Invalid("each venue is an object", code="invalid_field", field=where[:-1])
    lot_id = item.get("lot_id")
    if isinstance(lot_id, str) and lot_id.isdigit():
        lot_id = int(lot_id)
    if not isinstance(lot_id, int) or isinstance(lot_id, bool) or lot_id <= 0:
        raise Invalid("lot_id must be a lot's id", code="invalid_field", field=f"{where}lot_id")
    source = item.get("source", "ingest")
    if source not in SOURCES:
        raise Invalid(f"source must be one of {SOURCES}", code="invalid_field",
                      field=f"{where}source")
    venue = {"id": index + 1, "name": _text(item, "name", required=True, where=where),
             "lot_id": lot_id, "source": source}
    if source == "external":
        venue["url"] = external_url(item.get("url"), where)
    return venue


def live_edge_ms(playlist_path: Path) -> int | None:
    """Program date time (ms) at the end of the newest segment of a live playlist, if stamped."""
    try:
        playlist = parse_media_playlist(playlist_path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, PlaylistError):
        return None
    edge: float | None = None
    for seg in playlist.segments:
        if seg.program_date_time is not None:
            edge = seg.program_date_time.timestamp() * 1000
        if edge is not None:
            edge += seg.duration * 1000
    return None if edge is None else int(edge)


class Events:
    def __init__(self, redis: aioredis.Redis, lots: Any, store: IngestStore) -> None:
        self.redis: Any = redis
        self.lots = lots
        self.store = store

    # -- scheduling --------------------------------------------------------------------------

    async def create(self, data: Any, created_by: str) -> dict[str, Any]:
        event = parse_event_input(data)
        now = await self.now_ms()
        if event["ends_at"] <= now:
            raise Invalid("ends_at is in the past", code="ends_in_past", field="ends_at")
        for venue in event["venues"]:
            try:
                await self.lots.get(venue["lot_id"])
            except PortalError:
                raise Invalid(f"no lot {venue['lot_id']}", code="unknown_lot",
                              field=f"venues[{venue['id'] - 1}].lot_id") from None
        event_id = int(await self.redis.incr(keys.next_id()))
        nonce = secrets.token_hex(4)
        event.update(id=event_id, created_by=created_by, created_at=now, nonce=nonce)
        # Three steps, not one MULTI (the stream keys and the index are global keys, in other
        # slots of a Redis Cluster than the event's): the stream keys first (useless until the
        # event exists), then the event's own keys in one MULTI (one hash-tagged slot), then
        # the index last, so the event is listed only once it is complete.
        pipe = self.redis.pipeline(transaction=False)
        for venue in event["venues"]:
            if venue["source"] == "ingest":
                venue["stream_id"] = stream_id(event_id, venue["id"], nonce)
                venue["stream_key"] = secrets.token_urlsafe(24)
                pipe.set(keys.stream_key(venue["stream_key"]), f"{event_id}:{venue['id']}")
        await pipe.execute()
        pipe = self.redis.pipeline(transaction=True)
        pipe.set(keys.meta(event_id), json.dumps(event, ensure_ascii=False))
        pipe.hset(keys.live(event_id), mapping={"slow_mode": 0, "hold_questions": 0})
        await pipe.execute()
        await self.redis.zadd(keys.index(), {str(event_id): event["starts_at"]})
        return event

    async def get(self, event_id: int) -> dict[str, Any]:
        raw = await self.redis.get(keys.meta(event_id))
        if raw is None:
            raise NotFound("No such event", code="event_not_found")
        return dict(json.loads(raw))

    async def many(self, event_ids: list[int]) -> list[dict[str, Any]]:
        if not event_ids:
            return []
        raws = await mget(self.redis, [keys.meta(i) for i in event_ids])
        return [json.loads(r) for r in raws if r]

    async def listing(self, *, include_ended: bool = True, limit: int = 100) -> list[
            tuple[dict[str, Any], dict[str, str]]]:
        ids = [int(i) for i in await self.redis.zrange(keys.index(), 0, -1)]
        events = await self.many(ids)
        lives = await self.lives([e["id"] for e in events])
        now = await self.now_ms()
        pairs = [(e, lives[e["id"]]) for e in events
                 if include_ended or status_of(e, lives[e["id"]], now) != "ended"]
        return pairs[-limit:] if include_ended else pairs[:limit]

    async def live_state(self, event_id: int) -> dict[str, str]:
        return dict(await self.redis.hgetall(keys.live(event_id)))

    async def lives(self, event_ids: list[int]) -> dict[int, dict[str, str]]:
        pipe = self.redis.pipeline(transaction=False)
        for event_id in event_ids:
            pipe.hgetall(keys.live(event_id))
        return {i: dict(h) for i, h in zip(event_ids, await pipe.execute(), strict=True)}

    async def now_ms(self) -> int:
        sec, usec = await self.redis.time()
        return int(sec) * 1000 + int(usec) // 1000

    # -- ingest ------------------------------------------------------------------------------

    async def resolve_key(self, key: str) -> str | None:
        """The stream id of a valid stream key; None if unknown, or its event is over."""
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", key):
            return None
        target = await self.redis.get(keys.stream_key(key))
        if not target:
            return None
        event_id, _, venue_id = str(target).partition(":")
        event = await self.get(int(event_id))
        live = await self.live_state(int(event_id))
        if live.get("ended_at") or await self.now_ms() > event["ends_at"] + KEY_GRACE_MS:
            return None
        return str(next(v["stream_id"] for v in event["venues"] if v["id"] == int(venue_id)))

    def playback_url(self, venue: dict[str, Any], *, recording: bool = False) -> str:
        if venue["source"] == "external":
            return str(venue["url"])
        return f"/hls/{venue['stream_id']}/{RECORDING_PLAYLIST if recording else PLAYLIST}"

    def has_recording(self, venue: dict[str, Any]) -> bool:
        if venue["source"] != "ingest":
            return False
        path = self.store.path_for(venue["stream_id"], RECORDING_PLAYLIST)
        return path is not None and path.exists()

    def edges(self, event: dict[str, Any]) -> dict[str, int]:
        """Per ingest venue, the program date time at its live playlist's edge (if stamped)."""
        out: dict[str, int] = {}
        for venue in event["venues"]:
            if venue["source"] != "ingest":
                continue
            path = self.store.path_for(venue["stream_id"], PLAYLIST)
            edge = live_edge_ms(path) if path is not None else None
            if edge is not None:
                out[str(venue["id"])] = edge
        return out

    # -- control -----------------------------------------------------------------------------

    async def set_on_air(self, event_id: int, venue_id: Any) -> dict[str, Any]:
        event = await self.get(event_id)
        venue = next((v for v in event["venues"] if v["id"] == venue_id), None)
        if venue is None or isinstance(venue_id, bool):
            raise Invalid("venue_id must be one of the event's venues", code="unknown_venue",
                          field="venue_id")
        live = await self.live_state(event_id)
        if live.get("ended_at"):
            raise Conflict("The event has ended", code="event_ended")
        at = await self.now_ms()
        entry = {"at": at, "venue_id": venue_id, "edge": self.edges(event)}
        message = {"type": "on_air", "venue_id": venue_id, "at": ms_to_iso(at), "entry":
                   timeline_view(entry)}
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(keys.live(event_id), mapping={"on_air": venue_id, "on_air_since": at})
        pipe.rpush(keys.timeline(event_id), json.dumps(entry))
        await room_publish(self.redis, event_id, json.dumps(message, separators=(",", ":")),
                           pipe=pipe)
        await pipe.execute()
        return entry

    async def timeline(self, event_id: int) -> list[dict[str, Any]]:
        return [json.loads(x) for x in await self.redis.lrange(keys.timeline(event_id), 0, -1)]

    async def end(self, event_id: int) -> dict[str, str]:
        """End the broadcast now: stream keys stop working, recordings are closed."""
        event = await self.get(event_id)
        at = await self.now_ms()
        if await self.redis.hsetnx(keys.live(event_id), "ended_at", at):
            await room_publish(self.redis, event_id, json.dumps(
                {"type": "status", "status": "ended", "at": ms_to_iso(at)}))
        for venue in event["venues"]:
            if venue["source"] == "ingest":
                await self.store.finish(venue["stream_id"])
        return await self.live_state(event_id)

    # -- reminders ---------------------------------------------------------------------------

    async def remind(self, event_id: int, username: str, on: bool) -> int:
        """Set or clear a reminder; the notifier tells the user
        in-app and by mail EVENT_REMIND_LEAD_MS before the start."""
        event = await self.get(event_id)
        member = event_reminder(event_id, username)
        # No MULTI: the event's set, the user's set and the global due index lie in three
        # slots of a Redis Cluster. Atomicity is not needed: the event's set decides (the
        # notifier checks it before sending), the writes are idempotent and a retry repairs
        # a half-done one.
        pipe = self.redis.pipeline(transaction=False)
        if on:
            pipe.sadd(keys.reminders(event_id), keys.reminder_member(username))
            pipe.sadd(keys.user_reminders(username), event_id)
            pipe.zadd(REMINDERS_DUE, {member: event["starts_at"] - EVENT_REMIND_LEAD_MS})
        else:
            pipe.srem(keys.reminders(event_id), keys.reminder_member(username))
            pipe.srem(keys.user_reminders(username), event_id)
            pipe.zrem(REMINDERS_DUE, member)
        pipe.scard(keys.reminders(event_id))
        return int((await pipe.execute())[-1])

    async def reminder_state(self, event_id: int, username: str | None) -> tuple[bool, int]:
        pipe = self.redis.pipeline(transaction=False)
        pipe.sismember(keys.reminders(event_id), keys.reminder_member(username or ""))
        pipe.scard(keys.reminders(event_id))
        mine, count = await pipe.execute()
        return bool(mine), int(count)

    async def reminded_ids(self, username: str) -> set[int]:
        return {int(i) for i in await self.redis.smembers(keys.user_reminders(username))}


def status_of(event: dict[str, Any], live: dict[str, str], now_ms: int) -> str:
    if live.get("ended_at") or now_ms >= event["ends_at"]:
        return "ended"
    return "live" if now_ms >= event["starts_at"] else "upcoming"


def timeline_view(entry: dict[str, Any]) -> dict[str, Any]:
    return {"at": ms_to_iso(entry["at"]), "venue_id": entry["venue_id"],
            "edge": {k: ms_to_iso(v) for k, v in (entry.get("edge") or {}).items()}}


def on_air_of(live: dict[str, str]) -> int | None:
    value = live.get("on_air")
    return int(value) if value else None


def venue_view(events: Events, venue: dict[str, Any], *, officer: bool,
               base_url: str = "") -> dict[str, Any]:
    out = {"id": venue["id"], "name": venue["name"], "lot_id": venue["lot_id"],
           "source": venue["source"], "playback_url": events.playback_url(venue)}
    if events.has_recording(venue):
        out["recording_url"] = events.playback_url(venue, recording=True)
    if officer and venue["source"] == "ingest":
        out["stream_key"] = venue["stream_key"]
        out["ingest_url"] = f"{base_url}/ingest/{venue['stream_key']}/{PLAYLIST}"
    return out


def event_view(events: Events, event: dict[str, Any], live: dict[str, str], now_ms: int, *,
               officer: bool = False, base_url: str = "",
               viewers: dict[int, int] | None = None, total: int = 0) -> dict[str, Any]:
    venues = []
    for venue in event["venues"]:
        v = venue_view(events, venue, officer=officer, base_url=base_url)
        v["viewers"] = (viewers or {}).get(venue["id"], 0)
        venues.append(v)
    return {"id": event["id"], "title": event["title"], "description": event["description"],
            "starts_at": ms_to_iso(event["starts_at"]), "ends_at": ms_to_iso(event["ends_at"]),
            "status": status_of(event, live, now_ms), "on_air_venue_id": on_air_of(live),
            "on_air_since": ms_to_iso(int(live["on_air_since"])) if live.get("on_air_since")
            else None, "viewers_total": total, "venues": venues}
