"""Room events published with a per-channel sequence number (`lua/publish.lua`).

Every event on a room's public channel carries `"seq"`, every moderator-only event `"mseq"`:
1, 2, 3 … per channel, assigned and published in one atomic step, so a client that sees a
jump knows it lost an event and asks for a fresh snapshot (which carries both numbers).
"""

from __future__ import annotations

from typing import Any

from core.lua import register
from livestream import keys


async def room_publish(redis: Any, event_id: int, text: str, *, mod: bool = False,
                       pipe: Any = None) -> None:
    """Publish `text` (a JSON object's wire text) on the room's public channel (or, `mod`,
    its moderators' channel); with `pipe`, queue it on that pipeline/transaction."""
    channel = keys.mod_channel(event_id) if mod else keys.channel(event_id)
    script = register(redis, "livestream", "publish.lua")
    await script(keys=[keys.channel_seq(channel)], args=[channel, text, "mseq" if mod else "seq"],
                 client=pipe)


async def room_seqs(redis: Any, event_id: int) -> tuple[int, int]:
    """The last (public, moderator) sequence numbers published in the room."""
    raw = await redis.mget([keys.channel_seq(keys.channel(event_id)),
                            keys.channel_seq(keys.mod_channel(event_id))])
    return int(raw[0] or 0), int(raw[1] or 0)
