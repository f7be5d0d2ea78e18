"""Panorama jobs: run the pipeline off the event loop and publish live progress in Redis.

A job is a Redis hash ``panojob:{<id>}`` (state, progress 0..1, stage, result or error) that
any process can read, so progress can be polled from whichever worker a browser reaches.
The build itself runs on a small thread pool owned by the process that received the upload
(the pipeline releases the GIL in OpenCV and encodes tiles on its own threads); one build at
a time by default keeps peak memory bounded.  While a job runs, its lease key is refreshed;
a queued or running job whose lease has expired (its process died) reads as failed with the
code ``interrupted``.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from panorama import keys
from panorama.errors import PanoramaError
from panorama.pipeline import BuildResult, build
from panorama.store import PanoramaStore, pano_url

JOB_TTL = 7 * 24 * 3600
LEASE_TTL = 120
TICK = 0.2  # seconds between progress writes while a build runs
ACTIVE = ("queued", "running")


class JobNotFound(Exception):
    pass


class JobRunner:
    def __init__(self, redis: aioredis.Redis, store: PanoramaStore, workers: int = 1) -> None:
        self.redis = redis
        self.store = store
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pool(self) -> ThreadPoolExecutor:
        if self._pool is None:  # created lazily: CLI tools that never build need no threads
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="pano-job")
        return self._pool

    async def submit(
        self, upload: Path, *, lot_id: int, owner: str, filename: str = ""
    ) -> dict[str, Any]:
        """Queue a build of ``upload`` (which the job deletes when done)."""
        job_id = secrets.token_urlsafe(12)
        now = int(time.time() * 1000)
        fields: dict[Any, Any] = {
            "id": job_id,
            "state": "queued",
            "progress": "0",
            "stage": "queued",
            "lot_id": str(lot_id),
            "owner": owner,
            "filename": filename[:200],
            "created_ms": str(now),
            "updated_ms": str(now),
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.job(job_id), mapping=fields)
            pipe.expire(keys.job(job_id), JOB_TTL)
            pipe.set(keys.job_lease(job_id), "1", ex=LEASE_TTL)
            await pipe.execute()
        task = asyncio.create_task(self._run(job_id, upload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return await self.get(job_id)

    async def get(self, job_id: str) -> dict[str, Any]:
        raw: dict[str, str] = (await self.redis.hgetall(keys.job(job_id))  # type: ignore[assignment]
                               if len(job_id) <= 64 else {})
        if not raw:
            raise JobNotFound(job_id)
        if raw["state"] in ACTIVE and not await self.redis.exists(keys.job_lease(job_id)):
            raw.update(
                state="failed",
                error_code="interrupted",
                error_message="The server stopped while processing; upload again",
            )
        return job_view(raw)

    async def wait(self) -> None:
        """Wait for every job this process started (tests, graceful shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    async def _run(self, job_id: str, upload: Path) -> None:
        latest: dict[str, Any] = {"progress": 0.0, "stage": "queued"}

        def progress(fraction: float, stage: str) -> None:  # called on the worker thread
            latest.update(progress=fraction, stage=stage)

        def work() -> BuildResult:
            latest.update(stage="starting")
            return build(upload, self.store.root, progress=progress)

        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.pool, work)
        try:
            await self._report_until_done(job_id, future, latest)
        finally:
            upload.unlink(missing_ok=True)  # before "done" is visible: nothing lingers
        try:
            result = future.result()
        except PanoramaError as exc:
            await self._finish(job_id, state="failed", error_code=exc.code,
                               error_message=exc.message)
        except Exception as exc:  # a bug or a full disk: report it, never leave it "running"
            await self._finish(job_id, state="failed", error_code="build_failed",
                               error_message=f"Processing failed: {type(exc).__name__}")
        else:
            await self._finish(job_id, state="done", progress="1", stage="done",
                               panorama=result.id, reused="1" if result.reused else "0")

    async def _report_until_done(
        self, job_id: str, future: asyncio.Future[BuildResult], latest: dict[str, Any]
    ) -> None:
        written: tuple[str, str] = ("", "")
        while True:
            done, _ = await asyncio.wait({future}, timeout=TICK)
            now = (f"{latest['progress']:.3f}", str(latest["stage"]))
            if now != written and latest["stage"] != "queued":
                written = now
                await self._update(job_id, state="running", progress=now[0], stage=now[1])
            if done:
                return

    async def _update(self, job_id: str, **fields: str) -> None:
        mapping: dict[Any, Any] = {**fields, "updated_ms": str(int(time.time() * 1000))}
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.job(job_id), mapping=mapping)
            pipe.set(keys.job_lease(job_id), "1", ex=LEASE_TTL)
            await pipe.execute()

    async def _finish(self, job_id: str, **fields: str) -> None:
        await self._update(job_id, **fields)
        await self.redis.delete(keys.job_lease(job_id))


def job_view(raw: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": raw["id"],
        "state": raw["state"],
        "progress": float(raw.get("progress") or 0),
        "stage": raw.get("stage", ""),
        "lot_id": int(raw["lot_id"]),
        "filename": raw.get("filename", ""),
        "panorama": raw.get("panorama") or None,
        "reused": raw.get("reused") == "1",
        "error": None,
    }
    if out["panorama"]:
        out["panorama_url"] = pano_url(out["panorama"])
    if raw["state"] == "failed":
        out["error"] = {
            "code": raw.get("error_code", "build_failed"),
            "message": raw.get("error_message", ""),
        }
    return out
