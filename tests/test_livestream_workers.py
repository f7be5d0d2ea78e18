"""Several worker processes serving the ingest routes of one stream at once.

Each worker has its own IngestStore over the same folder: per-stream housekeeping is serialised
by a file lock, and the recording state lives on disk, so a worker that did not see the
previous playlist still records every segment exactly once and notices encoder restarts.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import AsyncIterator
from pathlib import Path

from livestream.hls import parse_media_playlist
from livestream.store import IngestStore


async def body(data: bytes) -> AsyncIterator[bytes]:
    yield data


def playlist(first: int, last: int) -> bytes:
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:1", f"#EXT-X-MEDIA-SEQUENCE:{first}"]
    for i in range(first, last + 1):
        lines += ["#EXTINF:1.000000,", f"index{i}.ts"]
    return ("\n".join(lines) + "\n").encode()


async def push(store: IngestStore, seq: int, tag: bytes = b"") -> None:
    await store.put("v1", f"index{seq}.ts", body(b"G" * 188 + tag + str(seq).encode()))
    await store.put("v1", "index.m3u8", body(playlist(max(0, seq - 2), seq)))


def recorded(root: Path) -> list[tuple[str, bool]]:
    pl = parse_media_playlist((root / "v1" / "recording.m3u8").read_text())
    return [((root / "v1" / s.uri).read_bytes()[188:].decode(), s.discontinuity)
            for s in pl.segments]


async def test_two_stores_alternating_record_each_segment_once(tmp_path: Path) -> None:
    workers = [IngestStore(tmp_path, record=True), IngestStore(tmp_path, record=True)]
    for seq in range(8):
        await push(workers[seq % 2], seq)
    assert recorded(tmp_path) == [(str(i), False) for i in range(8)]
    # The encoder restarts (sequence numbers go back) and the other worker gets the playlist:
    # the restart is still seen, because the last sequence is part of the state on disk.
    await push(workers[1], 0, b"restart")
    await push(workers[0], 1, b"restart")
    rec = recorded(tmp_path)
    assert rec[8:] == [("restart0", True), ("restart1", False)]
    path = await workers[1].finish("v1")
    assert path is not None and parse_media_playlist(path.read_text()).ended


def _worker(root: str, offset: int, count: int) -> None:
    async def run() -> None:
        store = IngestStore(Path(root), record=True)
        for seq in range(offset, offset + count):
            await push(store, seq)

    asyncio.run(run())


def test_two_processes_pushing_concurrently(tmp_path: Path) -> None:
    """Real processes racing on the same stream: nothing recorded twice, nothing lost."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(str(tmp_path), n * 20, 20)) for n in range(2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    names = sorted(int(name) for name, _ in recorded(tmp_path))
    assert names == list(range(40))
