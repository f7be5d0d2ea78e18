"""Lean websocket watchers and the fan-out floor server for bench/ws_latency.py.

A Python client that decodes every JSON frame costs ~40 µs a message, more than the server
it measures, and shares the machine's two cores with it. A lean watcher is an asyncio
protocol that does the HTTP upgrade by hand, splits the byte stream into frames and finds
each bid's `seq` with a byte search (no JSON); it answers the server's pings. One watcher in
`sample` decodes every frame fully and checks that the decoded `seq` matches.

The floor server is the least a Python server can do per delivery: a bare asyncio server
that answers the upgrade, then for every message builds ONE pre-framed websocket text frame
and writes those bytes to every socket's transport. Its CPU per delivery, measured beside
the portal's in the same run, is the yardstick for the portal's fan-out.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import struct
import time
from array import array
from typing import Any

from portal.ws_direct import text_frame  # the portal's own framing: the floor frames alike

SEQ = b'"seq":'
BID_PREFIX = b'{"type":"bid"'
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Tally:
    """What the watchers of one client process saw."""

    def __init__(self, n_lots: int, send_ts: Any, delivered: Any) -> None:
        self.n_lots = n_lots
        self.send_ts = send_ts
        self.delivered = delivered
        self.latencies = array("d")
        self.stats = {"dup": 0, "unknown": 0, "resnapshots": 0, "closed": 0,
                      "connect_errors": 0, "other_events": 0, "out_of_order": 0,
                      "sample_mismatch": 0, "frames_per_read_max": 0}


class LeanWatcher(asyncio.Protocol):
    def __init__(self, tally: Tally, lot_pos: int, path: str, host: str, full: bool) -> None:
        self.tally, self.pos, self.full = tally, lot_pos, full
        self.request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}"
                        "\r\n\r\n").encode()
        self.buf = b""
        self.upgraded = False
        self.ready: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.seqs: set[int] = set()
        self.last_seq = 0
        self.transport: asyncio.Transport | None = None
        self.closed = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("closed before the snapshot"))

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        buf = self.buf + data if self.buf else data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self.transport.close()  # type: ignore[union-attr]
                return
            self.upgraded, buf = True, buf[end + 4:]
        pos, n, frames = 0, len(buf), 0
        while n - pos >= 2:
            op, ln = buf[pos] & 0x0F, buf[pos + 1] & 0x7F
            head = 2
            if ln == 126:
                if n - pos < 4:
                    break
                ln, head = struct.unpack_from("!H", buf, pos + 2)[0], 4
            elif ln == 127:
                if n - pos < 10:
                    break
                ln, head = struct.unpack_from("!Q", buf, pos + 2)[0], 10
            if n - pos < head + ln:
                break
            self.frame(op, buf[pos + head:pos + head + ln], now)
            pos += head + ln
            frames += 1
        self.buf = buf[pos:]
        stats = self.tally.stats
        stats["frames_per_read_max"] = max(stats["frames_per_read_max"], frames)

    def frame(self, op: int, payload: bytes, now: float) -> None:
        if op == 0x9:  # ping: answer with a masked pong (zero mask key: payload as is)
            self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)  # type: ignore[union-attr]
            return
        if op != 0x1:
            return
        stats = self.tally.stats
        if payload.startswith(BID_PREFIX):
            i = payload.find(SEQ) + len(SEQ)
            j = i
            while 48 <= payload[j] <= 57:
                j += 1
            seq = int(payload[i:j])
            if self.full and json.loads(payload)["bid"]["seq"] != seq:
                stats["sample_mismatch"] += 1
            self.bid(seq, now)
        elif payload.startswith(b'{"type":"snapshot"'):
            if self.ready.done():
                stats["resnapshots"] += 1
            else:
                self.ready.set_result(True)
        else:
            stats["other_events"] += 1

    def bid(self, seq: int, now: float) -> None:
        stats, tally = self.tally.stats, self.tally
        if seq in self.seqs:
            stats["dup"] += 1
            return
        if seq != self.last_seq + 1:
            stats["out_of_order"] += 1
        self.seqs.add(seq)
        self.last_seq = max(self.last_seq, seq)
        idx = (seq - 1) * tally.n_lots + self.pos
        sent = tally.send_ts[idx] if idx < len(tally.send_ts) else 0.0
        if sent <= 0:
            stats["unknown"] += 1
            return
        tally.latencies.append(now - sent)
        tally.delivered.value += 1


async def open_lean(tally: Tally, host: str, port: int, path: str, lot_pos: int,
                    full: bool) -> LeanWatcher:
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_connection(
        lambda: LeanWatcher(tally, lot_pos, path, f"{host}:{port}", full), host, port)
    await asyncio.wait_for(proto.ready, 60)
    return proto


# -- the floor server --------------------------------------------------------------------------


class FloorConn(asyncio.Protocol):
    def __init__(self, conns: list[asyncio.Transport]) -> None:
        self.conns, self.buf, self.transport = conns, b"", None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.buf is None:
            return  # client frames (pongs) are ignored
        self.buf += data
        if b"\r\n\r\n" not in self.buf:
            return
        key = b""
        for line in self.buf.split(b"\r\n"):
            if line.lower().startswith(b"sec-websocket-key:"):
                key = line.split(b":", 1)[1].strip()
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        self.transport.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"  # type: ignore[union-attr]
                             b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept +
                             b"\r\n\r\n" + text_frame('{"type":"snapshot"}'))
        self.buf = None  # type: ignore[assignment]
        self.conns.append(self.transport)  # type: ignore[arg-type]


def bid_text(seq: int) -> str:
    """A frame the size and shape of a real `bid` event (~450 bytes)."""
    h = hashlib.sha256(str(seq).encode()).hexdigest()
    return json.dumps({"type": "bid", "id": f"{int(time.time() * 1000)}-0",
                       "bid": {"seq": seq, "amount": "800000.00", "bidder_code": "A3F9",
                               "at": "2026-11-29T10:00:00.000Z", "priority": False,
                               "prev_hash": h, "hash": h},
                       "state": {"status": "live", "current_price": "800000.00",
                                 "leader_code": "A3F9", "bid_count": seq,
                                 "ends_at": "2026-11-29T10:05:00.000Z"}},
                      separators=(",", ":"))


def floor_main(conn: Any, port: int, send_ts: Any) -> None:
    """Serve on `port`; on ("go", rate, count) broadcast count messages at rate; report."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_floor(conn, port, send_ts))


async def _floor(conn: Any, port: int, send_ts: Any) -> None:
    conns: list[asyncio.Transport] = []
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: FloorConn(conns), "127.0.0.1", port,
                                      backlog=4096)
    conn.send("listening")
    _, rate, count = await loop.run_in_executor(None, conn.recv)
    t0 = time.perf_counter() + 0.1
    for k in range(count):
        delay = t0 + k / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        send_ts[k] = time.perf_counter()
        frame = text_frame(bid_text(k + 1))
        for transport in conns:
            transport.write(frame)
    conn.send(("sent", len(conns)))
    await loop.run_in_executor(None, conn.recv)
    server.close()
