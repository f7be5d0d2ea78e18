"""CLI: python -m portal serve|demo|create-officer|create-user|verify-ledger."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import redis.asyncio as aioredis
import uvicorn

from bidding.store import BidStore
from core.errors import PortalError
from core.redis import EmbeddedRedis, connect
from livestream.demo import load_demo_event
from portal.demo import load_demo
from portal.services import Services, open_services
from portal.settings import load_settings
from portal.users import Users

# ffmpeg's HLS muxer closes the socket right after each PUT body; this protocol still serves
# such a request (stock uvicorn drops it). See livestream/uvicorn_protocol.py.
INGEST_SAFE_HTTP = "livestream.uvicorn_protocol:HttpToolsProtocol"


@contextlib.contextmanager
def redis_url_for_cli(supervise: bool = False) -> Iterator[str]:
    """REDIS_URL, or the embedded server under DATA_DIR (started here, stopped after;
    with `supervise`, restarted with backoff whenever it dies)."""
    settings = load_settings()
    if settings.redis_url:
        yield settings.redis_url
        return
    embedded = EmbeddedRedis(settings.data_dir)
    started_here = not embedded._ping()
    url = embedded.start()
    if supervise:
        embedded.supervise()
    try:
        yield url
    finally:
        if started_here:
            embedded.stop()


def services(url: str) -> contextlib.AbstractAsyncContextManager[Services]:
    return open_services(load_settings(), url)


def redis_client(url: str) -> aioredis.Redis:
    """A command's own client: the cluster client under REDIS_CLUSTER=true, as the server's."""
    return connect(url, cluster=load_settings().redis_cluster)


def _exit_on_sigterm() -> None:
    """uvicorn re-raises the SIGTERM it handled once it has shut down; turn that into a
    normal exit so the embedded redis-server is stopped by the finally clauses."""
    def handler(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, handler)


def cmd_serve(args: argparse.Namespace) -> int:
    _exit_on_sigterm()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    with redis_url_for_cli(supervise=True) as url:
        os.environ["REDIS_URL"] = url
        if args.demo:
            asyncio.run(_demo(url, quiet=True))
        print(f"Portal on http://{args.host}:{args.port}  (Redis: {url})", flush=True)
        feeder = start_demo_streams(args) if args.demo else None
        proxies = forwarded_allow_ips()
        try:
            uvicorn.run("portal.app:create_app", factory=True, host=args.host, port=args.port,
                        workers=args.workers, ws_per_message_deflate=False, ws_ping_interval=20,
                        ws_ping_timeout=20, ws_max_size=64 * 1024, log_level=args.log_level,
                        proxy_headers=proxies is not None, forwarded_allow_ips=proxies,
                        http=INGEST_SAFE_HTTP)
        finally:
            if feeder is not None:
                feeder.terminate()
                feeder.wait(10)
    return 0


def forwarded_allow_ips() -> str | None:
    """Whose X-Forwarded-Proto/-For uvicorn believes: the TRUSTED_PROXIES that the throttles
    believe (portal/client_ip.py); None, and uvicorn reads no forwarded headers at all, when it
    is unset. (uvicorn's own default believes 127.0.0.1: any local process could then name
    the client the login throttles count, and with the proxy on another machine, as in front
    of several hosts, every absolute URL the portal builds would be `http://`.)"""
    return load_settings().trusted_proxies or None


def start_demo_streams(args: argparse.Namespace) -> subprocess.Popen[bytes]:
    """The demo's test streams: a child process pushing HLS to the demo venues over PUT."""
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    return subprocess.Popen([sys.executable, "-m", "livestream.testsrc",
                             "--base", f"http://{host}:{args.port}"])


async def _demo(url: str, quiet: bool = False) -> None:
    async with services(url) as state:
        message = await load_demo(state)
        if not quiet or "loaded" in message:
            print(message, flush=True)
        event_message = await load_demo_event(state)
        if event_message:
            print(event_message, flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    with redis_url_for_cli() as url:
        asyncio.run(_demo(url))
    return 0


def cmd_create_user(args: argparse.Namespace, role: str) -> int:
    password = args.password or getpass.getpass(f"Password for {args.username}: ")

    async def run(url: str) -> None:
        redis = redis_client(url)
        try:
            await Users(redis).create({
                "username": args.username, "password": password,
                "real_name": args.real_name or args.username, "phone": args.phone,
                "id_number": args.id_number or ""}, role=role, court=getattr(args, "court", ""))
        finally:
            await redis.aclose()

    with redis_url_for_cli() as url:
        try:
            asyncio.run(run(url))
        except PortalError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 2
    print(f"created {role} {args.username}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    async def run(url: str) -> int:
        redis = redis_client(url)
        try:
            result = await BidStore(redis).verify(args.lot_id)
        finally:
            await redis.aclose()
        status = "OK" if result.ok else f"BROKEN at seq {result.bad_seq}: {result.reason}"
        print(f"lot {args.lot_id}: {status}; {result.length} entries; head {result.head}")
        return 0 if result.ok else 1

    with redis_url_for_cli() as url:
        return asyncio.run(run(url))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m portal", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web portal")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="load demo data first (once)")
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("demo", help="load demo data").set_defaults(func=cmd_demo)
    for name, role in (("create-officer", "officer"), ("create-applicant", "applicant")):
        c = sub.add_parser(name, help=f"create an {role} account")
        c.add_argument("username")
        c.add_argument("--password")
        c.add_argument("--real-name")
        c.add_argument("--phone", default="13800000000")
        c.add_argument("--id-number", default=None,
                       help="unique per account; optional for officers (they never bid)")
        if role == "officer":
            c.add_argument("--court", default="",
                           help="the officer's court (default: the portal's COURT setting)")
        c.set_defaults(func=lambda a, r=role: cmd_create_user(a, r))
    verify = sub.add_parser("verify-ledger", help="verify a lot's hash-chained bid ledger")
    verify.add_argument("lot_id", type=int)
    verify.set_defaults(func=cmd_verify)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
