"""The hub's sharded pub/sub on a Redis Cluster (bidding/hub.py).

The lot and room channels are SSUBSCRIBEd through redis-py's ClusterPubSub: one connection
per master owning such a channel, each read by a task of its own. When a master's connection
reconnects (redis-py re-sends its SSUBSCRIBEs), the members of its channels resync and the
hub's `ready()` waits for a marker sent on that connection behind them.

A channel's slot can also move to another master (a reshard: CLUSTER SETSLOT ... NODE; a
failover). The old master then drops the channel's subscribers (it sends them SUNSUBSCRIBE),
or refuses a re-sent SSUBSCRIBE with MOVED after a reconnection, and whatever the new owner
publishes before the hub subscribes there is lost. So on either sign the hub forgets the
channel on the old master's connection (a reconnection there would re-send it), refreshes
the slot map and subscribes the channel at its new owner; and whenever a channel is found on
another master's connection than before (moved by the hub, or by redis-py's own
reconciliation after a slot-map refresh, or first heard from there), its members resync and
`ready()` waits for the marker on the new connection, as after a reconnection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import redis.exceptions as redis_errors
from redis.crc import key_slot

if TYPE_CHECKING:
    from bidding.hub import Hub

log = logging.getLogger("bidding.hub")


class Shards:
    """The per-master readers of a hub's sharded channels, and where each channel lives."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.readers: dict[str, asyncio.Task[None]] = {}  # master name -> its reader
        self.homes: dict[str, str] = {}  # channel -> the master whose connection holds it
        self.orphans: dict[str, str] = {}  # channels to subscribe again -> the old master

    def pubsubs(self) -> dict[str, Any]:  # ClusterPubSub's per-master PubSubs by name
        return getattr(self.hub._pubsub, "node_pubsub_mapping", {})

    def holder(self, channel: str) -> str | None:
        """The master whose connection holds the channel's SSUBSCRIBE (not one that is
        unsubscribing it: redis-py unsubscribes on the old master when it moves a channel)."""
        return next((name for name, p in self.pubsubs().items()
                     if channel in p.shard_channels
                     and channel not in p.pending_unsubscribe_shard_channels), None)

    async def subscribe(self, channel: str) -> None:
        await self.hub._pubsub.ssubscribe(channel)
        self.homes[channel] = self.holder(channel) or ""
        self.watch()

    async def unsubscribe(self, channel: str) -> None:
        self.homes.pop(channel, None)
        self.orphans.pop(channel, None)
        await self.hub._pubsub.sunsubscribe(channel)

    def watch(self) -> None:
        """Give every per-master connection a reader task and our connect callback, after
        redis-py's (which re-sends the SSUBSCRIBEs). Run after each SSUBSCRIBE and every few
        seconds (redis-py may move a channel to another master after a slot migration)."""
        for name, pubsub in list(self.pubsubs().items()):
            if pubsub.connection is None:  # not connected yet (or it failed): not readable
                continue
            # last in line (a connection reused from an earlier PubSub has it ahead of redis-py's)
            pubsub.connection.deregister_connect_callback(self.reconnected)
            pubsub.connection.register_connect_callback(self.reconnected)
            reader = self.readers.get(name)
            if reader is None or reader.done():
                self.readers[name] = asyncio.create_task(self.listen(name),
                                                         name=f"hub-shard-{name}")

    async def tick(self) -> None:
        """Every few seconds: readers for new connections, channels still to move, and the
        moves redis-py made on its own (its reconciliation after a slot-map refresh)."""
        self.watch()
        for old in set(self.orphans.values()):
            await self.rehome(old, [c for c, o in self.orphans.items() if o == old])
        await self.follow_moves()

    async def reconnected(self, connection: Any) -> None:
        """Connect callback of a per-master connection, run right after redis-py re-sent its
        SSUBSCRIBEs: their members resync; the marker tells when Redis has processed them."""
        found = [(name, pubsub) for name, pubsub in self.pubsubs().items()
                 if pubsub.connection is connection]
        if not found:  # a connection given back to the pool since: not ours any more
            return
        name, pubsub = found[0]
        await self.hub._resync(name, connection,
                               [c for c in pubsub.shard_channels if c in self.hub.subs])

    async def rehome(self, old: str, channels: list[str]) -> None:
        """The master `old` no longer serves these channels' slots: forget them on its
        connection, learn the new owners and subscribe them there (follow_moves then has
        their members resync). Left for the next tick if the cluster cannot say yet."""
        pubsub = self.pubsubs().get(old)
        for channel in channels:
            if pubsub is not None:
                pubsub.shard_channels.pop(channel, None)  # never re-sent there on reconnection
            self.orphans[channel] = old
        wanted = [c for c in channels if c in self.hub.subs]
        try:
            await self.hub.redis.nodes_manager.initialize()  # type: ignore[attr-defined]
            if wanted:
                await self.hub._pubsub.ssubscribe(*wanted)  # at the new owners
        except Exception as exc:
            log.error("sharded channels of %s not moved yet: %s", old, exc)
            return
        for channel in channels:
            self.orphans.pop(channel, None)
        log.warning("%d channel(s) left Redis node %s (slot migration or failover)",
                    len(wanted), old)
        self.watch()
        await self.follow_moves()

    async def follow_moves(self) -> None:
        """The channels now held on another master's connection than before resync, with
        the marker on the new one (queued behind the SSUBSCRIBE sent there)."""
        moved: dict[str, list[str]] = {}
        for channel, home in list(self.homes.items()):
            holder = self.holder(channel)
            if holder and holder != home and channel not in self.orphans:
                self.homes[channel] = holder
                moved.setdefault(holder, []).append(channel)
        for name, channels in moved.items():
            await self.moved_to(name, channels)

    async def moved_to(self, name: str, channels: list[str]) -> None:
        pubsub = self.pubsubs().get(name)
        if pubsub is None or pubsub.connection is None:  # gone again: a later move resyncs
            return
        self.watch()
        await self.hub._resync(name, pubsub.connection, channels, "took moved channels")

    async def listen(self, name: str) -> None:
        """Read one master's sharded messages until no subscription of ours is left there."""
        target, failing = SimpleNamespace(name=name), False  # all get_sharded_message uses
        while True:
            pubsub = self.pubsubs().get(name)
            if pubsub is None or pubsub.connection is None:  # its last channel has gone
                if self.readers.get(name) is asyncio.current_task():
                    del self.readers[name]
                self.hub._marker_back(name)
                return
            try:
                message = await self.hub._pubsub.get_sharded_message(target_node=target,
                                                                     timeout=1.0)
                failing = False
            except asyncio.CancelledError:
                raise
            except (redis_errors.MovedError, redis_errors.AskError) as exc:
                # an SSUBSCRIBE (re-sent on reconnection) or SUNSUBSCRIBE refused: this master
                # no longer serves that slot; move its channels there to the new owner
                moved = [c for c in pubsub.shard_channels
                         if key_slot(str(c).encode()) == exc.slot_id]
                if moved:  # (none: the SUNSUBSCRIBE of a channel moved already)
                    await self.rehome(name, moved)
                continue
            except Exception as exc:  # connection lost: back off; the next read reconnects
                if not failing:  # one line per outage, not one per attempt
                    log.error("sharded pub/sub listener lost Redis node %s: %s", name, exc)
                failing = True
                if not isinstance(exc, redis_errors.ConnectionError) and pubsub.connection:
                    # a re-sent SSUBSCRIBE refused (CLUSTERDOWN while a restarted master
                    # rejoins): reconnect, which subscribes again
                    with contextlib.suppress(Exception):
                        await pubsub.connection.disconnect()
                await asyncio.sleep(0.5)
                continue
            if message:
                await self.handle(name, message)

    async def handle(self, name: str, message: dict[str, Any]) -> None:
        kind, channel = message.get("type"), str(message.get("channel"))
        if kind == "subscribe" and channel == self.hub._marker:
            self.hub._marker_back(name)
        elif kind == "sunsubscribe" and self.homes.get(channel) == name \
                and channel in self.hub.subs:  # the master gave the channel's slot away
            await self.rehome(name, [channel])
        elif kind == "smessage":
            if self.homes.get(channel, name) != name:  # first word from its new master
                self.homes[channel] = name
                self.orphans.pop(channel, None)
                await self.moved_to(name, [channel])
            self.hub._dispatch(channel, message["data"])

    async def stop(self) -> None:
        tasks = list(self.readers.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
