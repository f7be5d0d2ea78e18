"""Chat and Q&A of an event room, moderation (deletions, held questions, mutes, slow mode),
pinned announcements.

Messages are plain text (stored and sent as typed, never as HTML); every renderer escapes them
(Jinja autoescape, `textContent` in the browser). Limits: 300 characters, control characters
dropped, a user may post once per second (or once per slow-mode interval) and 10 times per
30 s (setting CHAT_LIMIT), muted users not at all. Rate limits are `limits` moving windows in
Redis (core/throttle.py), shared by every worker. Mutes and rate limits are per user id
(`core.names.user_id`): usernames are case-insensitive.

Nobody in a room sees account names: a message carries the author's room alias, `网友·` and six
hex digits of an HMAC (server secret, event, user id), stable within one event and unlinkable
across events, so the anonymous bidder codes are not undone by the chat. Moderators mute by the
alias they see; the alias -> user id map stays on the server.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from typing import Any

import redis.asyncio as aioredis
from limits import RateLimitItemPerSecond

from core.errors import Forbidden, Invalid, NotFound, PortalError
from core.names import user_id
from core.throttle import Throttle, parse
from core.timefmt import iso_to_ms, ms_to_iso
from livestream import keys
from livestream.frames import wire
from livestream.publish import room_publish

MAX_TEXT = 300
MAX_ANNOUNCEMENT = 500
KEEP_MESSAGES = 1000
RECENT = 50
PINNED = 5
BURST = "10/30 seconds"  # the default of CHAT_LIMIT
SLOW_MODES = (0, 5, 10, 30, 60, 300)
ALIAS_PREFIX = "网友·"
ALIAS_TTL_S = 90 * 24 * 3600


class RateLimited(PortalError):
    status, code = 429, "rate_limited"


def clean_text(value: Any, limit: int = MAX_TEXT) -> str:
    """Plain text: control and format characters dropped, whitespace collapsed, length checked."""
    if not isinstance(value, str):
        raise Invalid("text must be a string", code="invalid_text", field="text")
    text = "".join(" " if ch in "\t\n\r" else ch for ch in value
                   if ch in "\t\n\r" or unicodedata.category(ch)[0] != "C")
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise Invalid("text is empty", code="empty_text", field="text")
    if len(text) > limit:
        raise Invalid(f"text: at most {limit} characters", code="text_too_long", field="text",
                      limit=limit)
    return text


def message_view(mid: str, fields: dict[str, str]) -> dict[str, Any]:
    """What everyone in the room sees: the author's alias, never the account name."""
    return {"id": mid, "kind": fields.get("kind", "chat"),
            "name": fields.get("name") or ALIAS_PREFIX.rstrip("·"),
            "text": fields.get("text", ""), "at": ms_to_iso(int(fields.get("at") or 0))}


def room_alias(secret: bytes, event_id: int, username: str) -> str:
    digest = hmac.new(secret, f"{event_id}:{user_id(username)}".encode(), hashlib.sha256)
    return ALIAS_PREFIX + digest.hexdigest()[:6].upper()



class Chat:
    def __init__(self, redis: aioredis.Redis, alias_secret: bytes = b"",
                 throttle: Throttle | None = None, limit: str = BURST) -> None:
        self.redis: Any = redis
        self.alias_secret = alias_secret
        self.throttle = throttle or Throttle(redis)
        self.burst = parse(limit)

    async def alias(self, event_id: int, username: str) -> str:
        """The user's alias in this room, remembered so a moderator can mute by it."""
        name = room_alias(self.alias_secret, event_id, username)
        pipe = self.redis.pipeline(transaction=False)
        pipe.hset(keys.aliases(event_id), name, user_id(username))
        pipe.expire(keys.aliases(event_id), ALIAS_TTL_S)
        await pipe.execute()
        return name

    async def settings(self, event_id: int) -> dict[str, Any]:
        raw = await self.redis.hmget(keys.live(event_id), ["slow_mode", "hold_questions"])
        return {"slow_mode": int(raw[0] or 0), "hold_questions": raw[1] in ("1", b"1")}

    async def _check_rate(self, event_id: int, username: str, slow_mode: int) -> None:
        ids = keys.chat_throttle(event_id, username)
        gap = (RateLimitItemPerSecond(1, max(1, slow_mode)),)
        wait = await self.throttle.wait(gap, *ids)
        if wait is not None:
            raise RateLimited("Slow down: wait a moment before the next message",
                              retry_after_ms=int(wait * 1000))
        wait = await self.throttle.hit(self.burst, *ids)
        if wait is not None:
            raise RateLimited("Too many messages; wait a little",
                              retry_after_ms=int(wait * 1000))
        await self.throttle.hit(gap, *ids)

    async def post(self, event_id: int, username: str, text: Any, kind: str = "chat",
                   *, moderator: bool = False) -> dict[str, Any]:
        """Post a chat message or a question; returns {"status": published|held, ...}."""
        if kind not in ("chat", "question"):
            raise Invalid("kind must be chat or question", code="invalid_kind", field="kind")
        text = clean_text(text)
        if not moderator and await self.redis.sismember(keys.muted(event_id),
                                                         keys.muted_member(username)):
            raise Forbidden("A moderator muted you in this room", code="muted")
        settings = await self.settings(event_id)
        if not moderator:
            await self._check_rate(event_id, username, settings["slow_mode"])
        sec, usec = await self.redis.time()
        at = int(sec) * 1000 + int(usec) // 1000
        fields = {"kind": kind, "user": username, "name": await self.alias(event_id, username),
                  "text": text, "at": str(at)}
        if kind == "question" and settings["hold_questions"] and not moderator:
            hid = f"h-{at}-{await self.redis.incr(keys.held_seq(event_id))}"
            view = message_view(hid, fields)
            pipe = self.redis.pipeline(transaction=True)
            pipe.hset(keys.held(event_id), hid, json.dumps({**view, "user": username},
                                                           ensure_ascii=False))
            await room_publish(self.redis, event_id, wire({"type": "question_held",
                                                           "question": view}), mod=True, pipe=pipe)
            await pipe.execute()
            return {"status": "held", "message": view}
        view = await self._publish(event_id, kind, fields)
        return {"status": "published", "message": view}

    async def _publish(self, event_id: int, kind: str, fields: dict[str, str]) -> dict[str, Any]:
        sid = await self.redis.xadd(keys.messages(event_id, kind), fields, maxlen=KEEP_MESSAGES,
                                    approximate=True)
        view = message_view(f"{kind[0]}-{sid}", fields)
        key = "message" if kind == "chat" else "question"
        await room_publish(self.redis, event_id, wire({"type": kind, key: view}))
        return view

    async def recent(self, event_id: int, kind: str, count: int = RECENT) -> list[dict[str, Any]]:
        pipe = self.redis.pipeline(transaction=False)
        pipe.xrevrange(keys.messages(event_id, kind), count=count + 50)
        pipe.smembers(keys.deleted(event_id))
        entries, deleted = await pipe.execute()
        out = []
        for sid, fields in entries:
            mid = f"{kind[0]}-{sid}"
            if mid not in deleted:
                out.append(message_view(mid, fields))
            if len(out) == count:
                break
        return out[::-1]

    async def delete(self, event_id: int, message_id: str) -> None:
        """Delete a message (or reject a held question) for everyone."""
        if not re.fullmatch(r"[cqh]-\d+-\d+(-\d+)?", message_id):
            raise NotFound("No such message", code="message_not_found")
        if message_id.startswith("h-"):
            if not await self.redis.hdel(keys.held(event_id), message_id):
                raise NotFound("No such held question", code="message_not_found")
            await room_publish(self.redis, event_id, wire(
                {"type": "question_rejected", "id": message_id}), mod=True)
            return
        kind = "chat" if message_id[0] == "c" else "question"
        sid = message_id[2:]
        if not await self.redis.xrange(keys.messages(event_id, kind), sid, sid):
            raise NotFound("No such message", code="message_not_found")
        pipe = self.redis.pipeline(transaction=True)
        pipe.sadd(keys.deleted(event_id), message_id)
        pipe.expire(keys.deleted(event_id), 30 * 24 * 3600)
        await room_publish(self.redis, event_id, wire({"type": "chat_deleted", "id": message_id}),
                           pipe=pipe)
        await pipe.execute()

    async def held(self, event_id: int) -> list[dict[str, Any]]:
        """Held questions as moderators see them (alias only, like everyone else)."""
        items = [json.loads(v) for v in (await self.redis.hgetall(keys.held(event_id))).values()]
        return sorted(({k: v for k, v in q.items() if k != "user"} for q in items),
                      key=lambda q: q["at"])

    async def approve(self, event_id: int, held_id: str) -> dict[str, Any]:
        raw = await self.redis.hget(keys.held(event_id), held_id)
        if raw is None or not await self.redis.hdel(keys.held(event_id), held_id):
            raise NotFound("No such held question", code="message_not_found")
        q = json.loads(raw)
        fields = {"kind": "question", "user": q.get("user", ""), "name": q.get("name", ""),
                  "text": q["text"], "at": str(iso_to_ms(q["at"]))}
        await room_publish(self.redis, event_id, wire(
            {"type": "question_approved", "id": held_id}), mod=True)
        return await self._publish(event_id, "question", fields)

    async def mute(self, event_id: int, username: Any, on: bool) -> list[str]:
        """Mute or unmute a user (by account name or by room alias); returns the muted user
        ids."""
        name = str(username or "")
        if name.startswith(ALIAS_PREFIX):
            found = await self.redis.hget(keys.aliases(event_id), name)
            if found is None:
                raise NotFound("Nobody with that name posted in this room",
                               code="unknown_alias")
            name = found.decode() if isinstance(found, bytes) else str(found)
        member = keys.muted_member(name)
        if not re.fullmatch(r"[a-z0-9_.-]{1,64}", member):
            raise Invalid("username is required", code="invalid_field", field="username")
        if on:
            await self.redis.sadd(keys.muted(event_id), member)
        else:
            await self.redis.srem(keys.muted(event_id), member)
        await room_publish(self.redis, event_id, wire(
            {"type": "muted" if on else "unmuted", "username": member}), mod=True)
        return sorted(await self.redis.smembers(keys.muted(event_id)))

    async def muted(self, event_id: int) -> list[str]:
        return sorted(await self.redis.smembers(keys.muted(event_id)))

    async def set_settings(self, event_id: int, data: dict[str, Any]) -> dict[str, Any]:
        mapping: dict[str, int] = {}
        if "slow_mode" in data:
            if data["slow_mode"] not in SLOW_MODES:
                raise Invalid(f"slow_mode must be one of {SLOW_MODES} seconds",
                              code="invalid_field", field="slow_mode")
            mapping["slow_mode"] = int(data["slow_mode"])
        if "hold_questions" in data:
            if not isinstance(data["hold_questions"], bool):
                raise Invalid("hold_questions must be true or false", code="invalid_field",
                              field="hold_questions")
            mapping["hold_questions"] = int(data["hold_questions"])
        if mapping:
            await self.redis.hset(keys.live(event_id), mapping=mapping)
        settings = await self.settings(event_id)
        await room_publish(self.redis, event_id, wire({"type": "settings", **settings}))
        return settings

    async def announce(self, event_id: int, text: Any) -> dict[str, Any]:
        text = clean_text(text, MAX_ANNOUNCEMENT)
        sec, usec = await self.redis.time()
        at = int(sec) * 1000 + int(usec) // 1000
        item = {"id": f"a-{at}", "text": text, "at": ms_to_iso(at)}
        pipe = self.redis.pipeline(transaction=True)
        pipe.lpush(keys.announcements(event_id), json.dumps(item, ensure_ascii=False))
        pipe.ltrim(keys.announcements(event_id), 0, PINNED - 1)
        await room_publish(self.redis, event_id, wire(
            {"type": "announcement", "action": "pin", "announcement": item}), pipe=pipe)
        await pipe.execute()
        return item

    async def unpin(self, event_id: int, announcement_id: str) -> None:
        for raw in await self.redis.lrange(keys.announcements(event_id), 0, -1):
            if json.loads(raw)["id"] == announcement_id:
                await self.redis.lrem(keys.announcements(event_id), 1, raw)
                await room_publish(self.redis, event_id, wire(
                    {"type": "announcement", "action": "unpin", "id": announcement_id}))
                return
        raise NotFound("No such announcement", code="announcement_not_found")

    async def announcements(self, event_id: int) -> list[dict[str, Any]]:
        return [json.loads(x) for x in await self.redis.lrange(keys.announcements(event_id),
                                                                 0, -1)]
