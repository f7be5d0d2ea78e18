"""Room events published with a per-channel sequence number (`lua/publish.lua`).

Every event on a room's public channel carries `"seq"`, every moderator-only event `"mseq"`:
1, 2, 3 … per channel, assigned and published in one atomic step, so a client that sees a
jump knows it lost an event and asks for a fresh snapshot (which carries both numbers).
On a Redis Cluster the script publishes with SPUBLISH (sharded pub/sub: only the master of
the room's slot delivers it), on a single server with PUBLISH (`core.redis.sharded`).
"""

from __future__ import annotations

from typing import Any

from core.lua import register, script_source
from core.redis import publish_command
from livestream import keys


async def room_publish(redis: Any, event_id: int, text: str, *, mod: bool = False,
                       pipe: Any = None) -> None:
    """Publish `text` (a JSON object's wire text) on the room's public channel (or, `mod`,
    its moderators' channel); with `pipe`, queue it on that pipeline/transaction."""
    channel = keys.mod_channel(event_id) if mod else keys.channel(event_id)
    args = [channel, text, "mseq" if mod else "seq", publish_command(redis)]
    if pipe is not None:
        # Queued as EVAL with the (short) source: redis-py's cluster pipeline refuses EVALSHA
        # and its script-loading fallback; the counter and the room's keys in that MULTI share
        # the event's hash tag, so the transaction stays on one Redis Cluster slot.
        pipe.execute_command("EVAL", script_source("livestream", "publish.lua"), 1,
                             keys.channel_seq(channel), *args)
        return
    script = register(redis, "livestream", "publish.lua")
    await script(keys=[keys.channel_seq(channel)], args=args)


async def room_seqs(redis: Any, event_id: int) -> tuple[int, int]:
    """The last (public, moderator) sequence numbers published in the room."""
    raw = await redis.mget([keys.channel_seq(keys.channel(event_id)),
                            keys.channel_seq(keys.mod_channel(event_id))])
    return int(raw[0] or 0), int(raw[1] or 0)
