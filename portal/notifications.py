"""Notifications: an in-app list per user and e-mail through a pluggable sender.

``notify`` needs only Redis: it stores the in-app item and appends the mail to the outbox
stream ``mail:outbox``; the settlement worker (one leader) drains the outbox to the sender.
A ``dedupe`` key makes each notification happen once however often its step is retried.
The default sender appends one JSON line per mail to ``DATA_DIR/mail.log``; set
``NOTIFY_SENDER=package.module:factory`` (factory(data_dir) -> object with
``async send(to, subject, body)``) to deliver for real.
"""

from __future__ import annotations

import importlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import redis.asyncio as aioredis

from bidding.codec import stream_entries
from core.money import format_yuan as _yuan
from core.names import user_id
from core.timefmt import ms_to_local
from livestream import keys as live_keys
from portal import keys
from portal.i18n import translate
from portal.keys import OUTBOX, OUTBOX_CURSOR, REMINDERS_DUE

if TYPE_CHECKING:  # annotations only; services.py imports this module's dependencies
    from portal.services import Services

REMIND_LEAD_MS = 30 * 60 * 1000
KEEP = 200
DEDUPE_TTL = 180 * 24 * 3600


class Sender(Protocol):
    async def send(self, to: str, subject: str, body: str) -> None: ...


class LogFileSender:
    """Appends each mail as one JSON line to a file (the default, for sandboxes and tests)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def send(self, to: str, subject: str, body: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"at": int(time.time() * 1000), "to": to, "subject": subject,
                           "body": body}, ensure_ascii=False)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")


def make_sender(data_dir: Path, spec: str = "") -> Sender:
    if not spec:
        return LogFileSender(data_dir / "mail.log")
    module, _, attr = spec.partition(":")
    factory = getattr(importlib.import_module(module), attr)
    return factory(data_dir)  # type: ignore[no-any-return]


def render(lang: str, item: dict[str, Any]) -> str:
    return translate(lang, f"notify_{item['kind']}", **item.get("params", {}))


async def notify(redis: aioredis.Redis, username: str, kind: str, params: dict[str, Any], *,
                 dedupe: str, lot_id: int | None = None, case_id: int | None = None) -> bool:
    """Store an in-app notification and queue its mail, once per ``dedupe`` key."""
    if not await redis.set(keys.notified(dedupe, username), "1", nx=True, ex=DEDUPE_TTL):
        return False
    item = {"kind": kind, "params": params, "lot_id": lot_id, "case_id": case_id,
            "at": int(time.time() * 1000)}
    raw = json.dumps(item, ensure_ascii=False)
    # No MULTI: the user's list and counter and the global outbox lie in different slots of
    # a Redis Cluster, and atomicity buys nothing here: the dedupe marker above already makes
    # the notification at-most-once. One pipeline: one round trip (one per master on a cluster).
    pipe = redis.pipeline(transaction=False)
    pipe.lpush(keys.notifications(username), raw)
    pipe.ltrim(keys.notifications(username), 0, KEEP - 1)
    pipe.incr(keys.unread(username))
    pipe.xadd(OUTBOX, {"to": user_id(username), "item": raw}, maxlen=100_000, approximate=True)
    await pipe.execute()
    return True


async def notify_case(redis: aioredis.Redis, case_id: int, kind: str, params: dict[str, Any],
                      *, dedupe: str, lot_id: int | None = None) -> None:
    """Tell the case's applicants and officers."""
    people = await redis.sunion([keys.case_applicants(case_id), keys.case_officers(case_id)])
    for username in sorted(str(p) for p in people):
        await notify(redis, username, kind, params, dedupe=dedupe, lot_id=lot_id,
                     case_id=case_id)


async def items(redis: aioredis.Redis, username: str, limit: int = 50) -> list[dict[str, Any]]:
    return [json.loads(r) for r in await redis.lrange(keys.notifications(username), 0, limit - 1)]


async def unread(redis: aioredis.Redis, username: str) -> int:
    return int(await redis.get(keys.unread(username)) or 0)


async def mark_read(redis: aioredis.Redis, username: str) -> None:
    await redis.set(keys.unread(username), 0)


async def drain_outbox(redis: aioredis.Redis, sender: Sender, batch: int = 100) -> int:
    """Send queued mails after the stored cursor (under the worker lease; each entry is
    claimed before sending, so two drainers never send the same mail)."""
    cursor = str(await redis.get(OUTBOX_CURSOR) or "0-0")
    rows = stream_entries(await redis.xrange(OUTBOX, min=f"({cursor}", max="+", count=batch))
    for entry_id, fields in rows:
        if not await redis.set(keys.mail_sent(entry_id), "1", nx=True, ex=DEDUPE_TTL):
            continue  # another drainer took it
        item = json.loads(fields["item"])
        subject = translate("zh", f"notify_{item['kind']}_subject")
        body = render("zh", item) + "\n\n" + render("en", item)
        await sender.send(fields["to"], subject, body)
        await redis.set(OUTBOX_CURSOR, entry_id)
    return len(rows)


# -- reminders and outbid notices -------------------------------------------------------------


async def subscribe_reminders(redis: aioredis.Redis, lot_id: int, username: str,
                              starts_at: int, ends_at: int, now: int) -> None:
    await redis.sadd(keys.lot_reminders(lot_id), user_id(username))
    due: dict[str, int] = {keys.reminder_member(lot_id, username, "end"): ends_at - REMIND_LEAD_MS}
    if now < starts_at:
        due[keys.reminder_member(lot_id, username, "open")] = starts_at - REMIND_LEAD_MS
    await redis.zadd(REMINDERS_DUE, due)


async def unsubscribe_reminders(redis: aioredis.Redis, lot_id: int, username: str) -> None:
    await redis.srem(keys.lot_reminders(lot_id), user_id(username))
    await redis.zrem(REMINDERS_DUE, *(keys.reminder_member(lot_id, username, w) for w in
                                      ("open", "end")))


async def reminded(redis: aioredis.Redis, lot_id: int, username: str) -> bool:
    """Whether the user asked for reminders of the lot."""
    return bool(await redis.sismember(keys.lot_reminders(lot_id), user_id(username)))


async def _send_event_reminder(app: Services, member: str) -> int:
    event_text, username = member.removeprefix("event:").split("|")
    event_id = int(event_text)
    if not await app.redis.sismember(live_keys.reminders(event_id), username):
        return 0
    try:
        event = await app.events.get(event_id)
    except Exception:  # the event is gone
        return 0
    return int(await notify(app.redis, username, "event_reminder",
                            {"title": event["title"], "at": _local(event["starts_at"]),
                             "url": f"/events/{event_id}"},
                            dedupe=f"event-reminder:{event_id}:{event['starts_at']}"))


async def send_due_reminders(app: Services, now: int) -> int:
    """Fire reminders whose time has come (each once: ZREM decides who fires)."""
    sent = 0
    for raw in await app.redis.zrangebyscore(REMINDERS_DUE, "-inf", now, start=0, num=200):
        member = str(raw)
        if not await app.redis.zrem(REMINDERS_DUE, member):
            continue
        if member.startswith("event:"):
            sent += await _send_event_reminder(app, member)
            continue
        lot_id_text, username, which = member.split("|")
        lot_id = int(lot_id_text)
        state = await app.store.state(lot_id)
        if state is None or state["status"] not in ("upcoming", "live"):
            continue
        if which == "end" and state["ends_at"] - REMIND_LEAD_MS > now:  # extended: later
            await app.redis.zadd(REMINDERS_DUE, {member: state["ends_at"] - REMIND_LEAD_MS})
            continue
        lot = await app.lots.get(lot_id)
        at = state["starts_at"] if which == "open" else state["ends_at"]
        sent += await notify(app.redis, username, f"reminder_{which}",
                             {"title": lot["title"], "at": _local(at)},
                             dedupe=f"reminder:{member}:{at}", lot_id=lot_id,
                             case_id=lot.get("case_id"))
    return sent


async def notify_outbid(app: Services, lot_id: int, previous_code: str,
                        new: dict[str, Any]) -> None:
    """Tell the bidder who led (``previous_code``) before the bid ``new`` that they were
    outbid."""
    if previous_code == new.get("code"):
        return
    bidder = await app.store.bidder(lot_id, previous_code)
    if not bidder:
        return
    lot = await app.lots.get(lot_id)
    await notify(app.redis, bidder["user"], "outbid",
                 {"title": lot["title"], "price": _yuan(int(new["amount"]))},
                 dedupe=f"outbid:{lot_id}:{new['seq']}", lot_id=lot_id,
                 case_id=lot.get("case_id"))


def _local(ms: int) -> str:
    return ms_to_local(ms) + " (北京时间)"

