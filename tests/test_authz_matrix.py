"""The authorization matrix, generated from the app's own route table.

Every route (API, pages, uploads, ingest, websockets, static mounts) of ``create_app()`` is
probed as five actors — anonymous, a bidder, an applicant (linked to case A), an officer of
court A and an officer of court B — against two resource sets: A (lot, case, event, payment
of court A and of the bidder) and B (the same of court B and of another bidder). What each
route allows is declared once below (``EXPECT``); a route without an entry fails
``test_every_route_has_an_entry``, so a new route cannot skip the review.

Expectations are relative to the resource set: for set A, officer A is "the court's
officer" and officer B "another court's"; for set B the other way round. The applicant is a
party of case A only; the bidder pays for A's deposit only.

A probe is *refused* when it answers 401, 403 (any code but a CSRF/origin slip, which fails
the test as a broken probe), a redirect to the login page, or — where existence must not
leak (``PAYER``) — 404. ``KEY`` routes authenticate by a secret, not a session: every
actor must get the same answer. Anything else but a 5xx counts as *allowed* (a 409 or 422 means the
caller passed the checks and the request itself was refused).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from portal_helpers import actor, iso, lot_body, now_ms, page_csrf
from redis_cluster import flush
from starlette.routing import Mount, Route, WebSocketRoute
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from portal.app import create_app
from portal.settings import load_settings

OTHER_COURT = "北京市海淀区人民法院"
ACTORS = ("anonymous", "bidder", "applicant", "officer_a", "officer_b")
SETS = ("A", "B")

# -- who may: one rule per category ------------------------------------------------------


def _court_officer(who: str, res: str) -> bool:
    return (who, res) in {("officer_a", "A"), ("officer_b", "B")}


RULES = {
    "PUBLIC": lambda who, res: True,
    "LOGIN": lambda who, res: who != "anonymous",
    "BIDDER": lambda who, res: who in ("bidder", "applicant"),
    "OFFICER": lambda who, res: who.startswith("officer"),
    "CASES": lambda who, res: who in ("applicant", "officer_a", "officer_b"),
    "COURT": _court_officer,
    "CASE": lambda who, res: _court_officer(who, res) or (who, res) == ("applicant", "A"),
    "PAYER": lambda who, res: (who, res) == ("bidder", "A"),
    # a secret (stream key in the path, a signature) decides; who is logged in changes nothing
    "KEY": lambda who, res: True,
}

EV = "/api/events/{event_id:int}"
LOT = "/api/lots/{lot_id:int}"
EXPECT: dict[str, str] = {
    # events and their rooms
    "POST /api/events": "OFFICER", "GET /api/events": "PUBLIC", f"GET {EV}": "PUBLIC",
    f"POST {EV}/on-air": "COURT", f"POST {EV}/end": "COURT", f"GET {EV}/state": "PUBLIC",
    f"GET {EV}/timeline": "PUBLIC", f"POST {EV}/heartbeat": "PUBLIC",
    f"GET {EV}/viewer": "PUBLIC",
    f"GET {EV}/messages": "PUBLIC", f"POST {EV}/messages": "LOGIN",
    f"DELETE {EV}/messages/{{message_id}}": "COURT",
    f"POST {EV}/questions/{{question_id}}/approve": "COURT",
    f"GET {EV}/moderation": "COURT", f"POST {EV}/mutes": "COURT",
    f"DELETE {EV}/mutes/{{username}}": "COURT", f"PATCH {EV}/settings": "COURT",
    f"POST {EV}/announcements": "COURT",
    f"DELETE {EV}/announcements/{{announcement_id}}": "COURT",
    f"POST {EV}/reminder": "LOGIN", f"DELETE {EV}/reminder": "LOGIN",
    "GET /events/{event_id:int}.ics": "PUBLIC", "WS /ws/events/{event_id:int}": "PUBLIC",
    "GET /events": "PUBLIC", "GET /events/{event_id:int}": "PUBLIC",
    "GET /events/{event_id:int}/host": "COURT", "POST /events/{event_id:int}/reminder": "LOGIN",
    "GET /officer/events/new": "OFFICER", "POST /officer/events/new": "OFFICER",
    "PUT /ingest/{key}/{name:path}": "KEY", "DELETE /ingest/{key}/{name:path}": "KEY",
    "GET /hls/{stream_id}/{name:path}": "PUBLIC",
    # panoramas and tours
    "POST /upload/panoramas": "COURT", "POST /upload/videos": "COURT",
    "POST /upload/floorplans": "COURT", "POST /upload/photos": "COURT",
    "GET /api/panorama-jobs/{job_id}": "OFFICER", "GET /api/panoramas/{pano_id}": "PUBLIC",
    f"GET {LOT}/tour": "PUBLIC", f"PUT {LOT}/tour": "COURT", f"GET {LOT}/tour/versions": "PUBLIC",
    "GET /panoramas/floorplans/{name}": "PUBLIC", "GET /panoramas/videos/{name}": "PUBLIC",
    "GET /panoramas/{pano_id}/{rel:path}": "PUBLIC", "GET /lots/{lot_id:int}/tour": "PUBLIC",
    "GET /officer/lots/{lot_id:int}/tour": "COURT",
    # after the hammer, cases, dashboard
    f"GET {LOT}/result": "PUBLIC", f"GET {LOT}/fees": "PUBLIC", f"POST {LOT}/relist": "COURT",
    f"POST {LOT}/settlement": "COURT", f"POST {LOT}/release": "COURT",
    f"POST {LOT}/forfeit": "COURT", "GET /api/me/cases": "CASES",
    "GET /api/cases/{case_id:int}": "CASE", "POST /api/cases/{case_id:int}/applicants": "COURT",
    "GET /api/cases/{case_id:int}/ledger/verify": "CASE",
    "GET /api/officer/dashboard": "OFFICER", "POST /api/officer/bulk": "OFFICER",
    f"POST {LOT}/reminders": "LOGIN", f"DELETE {LOT}/reminders": "LOGIN",
    "GET /api/me/deposits": "LOGIN", "GET /api/me/notifications": "LOGIN",
    "POST /api/me/notifications": "LOGIN",
    "GET /lots/{lot_id:int}/result": "PUBLIC", "GET /lots/{lot_id:int}/confirmation": "PUBLIC",
    "GET /lots/{lot_id:int}/confirmation.pdf": "PUBLIC",
    "GET /officer/lots/{lot_id:int}/relist": "COURT",
    "POST /officer/lots/{lot_id:int}/relist": "COURT",
    "POST /officer/lots/{lot_id:int}/settlement": "COURT",
    "GET /cases": "CASES", "GET /cases/{case_id:int}": "CASE",
    "POST /cases/{case_id:int}": "COURT",
    "GET /officer/dashboard": "OFFICER", "POST /officer/dashboard": "OFFICER",
    "POST /lots/{lot_id:int}/reminders": "LOGIN", "GET /notifications": "LOGIN",
    # accounts, lots, bids, payments
    "GET /api/openapi.json": "PUBLIC", "POST /api/users": "PUBLIC",
    "POST /api/session": "PUBLIC", "DELETE /api/session": "PUBLIC", "GET /api/me": "LOGIN",
    "GET /api/me/lots": "LOGIN", "GET /api/lots": "PUBLIC", "POST /api/lots": "OFFICER",
    "GET /api/me/lots/{lot_id:int}": "LOGIN", "GET /api/me/notifications/unread": "LOGIN",
    # inviting an applicant: the case's court makes the link; the link's secret opens it
    "POST /api/cases/{case_id:int}/invitations": "COURT",
    "POST /cases/{case_id:int}/invite": "COURT",
    "GET /invite/{token}": "KEY", "POST /invite/{token}": "KEY",
    # court documents and the human ledger page
    f"GET {LOT}/state": "PUBLIC",
    f"GET {LOT}/documents": "PUBLIC", f"GET {LOT}/documents/{{kind}}": "PUBLIC",
    f"PUT {LOT}/documents/{{kind}}": "COURT",
    "GET /lots/{lot_id:int}/documents/{kind}/v{version:int}.pdf": "PUBLIC",
    "GET /lots/{lot_id:int}/documents/{kind}/v{version:int}.png": "PUBLIC",
    "POST /officer/lots/{lot_id:int}/documents": "COURT", "GET /lots/{lot_id:int}/ledger": "PUBLIC",
    f"GET {LOT}": "PUBLIC", f"PATCH {LOT}": "COURT", f"POST {LOT}/registrations": "BIDDER",
    f"GET {LOT}/bids": "PUBLIC", f"POST {LOT}/bids": "BIDDER", f"GET {LOT}/ledger": "PUBLIC",
    f"GET {LOT}/ledger/verify": "PUBLIC", "POST /api/payments/callback": "KEY",
    "GET /api/payments/{payment_id}": "PAYER", "POST /api/payments/{payment_id}/confirm": "PAYER",
    **{f"{m} /api/{{rest:path}}": "PUBLIC" for m in ("GET", "POST", "PUT", "PATCH", "DELETE")},
    "WS /ws/lots/{lot_id}": "PUBLIC",
    "GET /": "PUBLIC", "GET /lots/{lot_id:int}": "PUBLIC",
    "POST /lots/{lot_id:int}/register": "BIDDER", "GET /register": "PUBLIC",
    "POST /register": "PUBLIC", "GET /login": "PUBLIC", "POST /login": "PUBLIC",
    "POST /logout": "PUBLIC", "GET /me": "LOGIN", "GET /pay/{payment_id}": "PAYER",
    "POST /pay/{payment_id}": "PAYER", "GET /officer": "OFFICER",
    "GET /officer/lots/new": "OFFICER", "POST /officer/lots/new": "OFFICER",
    "GET /officer/lots/{lot_id:int}/edit": "COURT", "POST /officer/lots/{lot_id:int}/edit": "COURT",
    "MOUNT /static": "PUBLIC", "MOUNT /media": "PUBLIC",
}
LAST = ("DELETE /api/session", "POST /logout")  # they end the session: probed last


def route_keys() -> list[str]:
    """``METHOD path`` of every route of the app (HEAD implied by GET), in table order."""
    app = create_app(load_settings(data_dir=tempfile.mkdtemp(prefix="authz-")), run_closer=False)
    out: list[str] = []
    for r in app.routes:
        if isinstance(r, WebSocketRoute):
            out.append(f"WS {r.path}")
        elif isinstance(r, Mount):
            out.append(f"MOUNT {r.path}")
        elif isinstance(r, Route):
            out += [f"{m} {r.path}" for m in sorted((r.methods or set()) - {"HEAD"})]
    return [k for k in out if k not in LAST] + [k for k in out if k in LAST]


KEYS = route_keys()


def test_every_route_has_an_entry() -> None:
    assert [k for k in KEYS if k not in EXPECT] == [], "declare who may call the new route"
    assert [k for k in EXPECT if k not in KEYS] == [], "an entry names a route that is gone"
    assert {EXPECT[k] for k in KEYS} <= set(RULES)


# -- the world: two courts, their lots, cases, events, two bidders' payments -------------------


@dataclass
class World:
    base: str
    clients: dict[str, httpx.Client]
    tokens: dict[str, str]
    params: dict[str, dict[str, str]]  # set -> path parameter -> value


def _event(officer: httpx.Client, lot_id: int) -> dict[str, Any]:
    now = now_ms()
    r = officer.post("/api/events", json={
        "title": "看样直播", "starts_at": iso(now - 60_000), "ends_at": iso(now + 3600_000),
        "venues": [{"name": "现场", "lot_id": lot_id, "source": "ingest"}]})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _csrf(client: httpx.Client) -> str:
    return page_csrf(client.get("/register").text)


@pytest.fixture(scope="module")
def world(live_server: str, redis_server: str) -> Iterator[World]:
    flush(redis_server)  # every master's, on a cluster
    base, url = live_server, redis_server
    officers = {"officer_a": actor(base, url, "mx_officer_a", role="officer"),
                "officer_b": actor(base, url, "mx_officer_b", role="officer", court=OTHER_COURT)}
    bidder = actor(base, url, "mx_bidder")
    other_bidder = actor(base, url, "mx_bidder2")
    applicant = actor(base, url, "mx_applicant", role="applicant")
    params: dict[str, dict[str, str]] = {}
    for res, officer, payer in (("A", officers["officer_a"], bidder),
                                ("B", officers["officer_b"], other_bidder)):
        lot = officer.post("/api/lots", json=lot_body(case_number=f"(2026)京执矩阵{res}号"))
        assert lot.status_code == 201, lot.text
        lot_id, case_id = lot.json()["id"], lot.json()["case_id"]
        reg = payer.post(f"/api/lots/{lot_id}/registrations", json={"accept_terms": True})
        event = _event(officer, lot_id)
        venue = event["venues"][0]
        params[res] = {"lot_id": str(lot_id), "case_id": str(case_id),
                       "event_id": str(event["id"]), "payment_id": reg.json()["deposit"]
                       ["payment_id"], "key": venue["stream_key"],
                       "stream_id": re.findall(r'/hls/([^/"]+)/', str(event))[0]}
    assert officers["officer_a"].post(f"/api/cases/{params['A']['case_id']}/applicants",
                                      json={"username": "mx_applicant"}).status_code == 201
    clients = {"anonymous": httpx.Client(base_url=base, timeout=30), "bidder": bidder,
               "applicant": applicant, **officers}
    yield World(base, clients, {k: _csrf(c) for k, c in clients.items()}, params)
    for c in (*clients.values(), other_bidder):
        c.close()


DUMMY = {"message_id": "1-0", "question_id": "1-0", "username": "nobody",
         "announcement_id": "1-0", "job_id": "nojob", "pano_id": "nopano",
         "name": "index.m3u8", "rel": "manifest.json", "rest": "nothing/here",
         "token": "no-such-invitation-token", "kind": "notice", "version": "1"}


def fill(path: str, params: dict[str, str]) -> str:
    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        return params.get(name) or DUMMY[name]

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


# -- probing ---------------------------------------------------------------------------------


def probe(w: World, who: str, key: str, res: str) -> tuple[bool, str]:
    """(refused, what came back) for one actor, route and resource set."""
    method, path = key.split(" ", 1)
    if method == "WS":
        return probe_socket(w, who, fill(path, w.params[res]))
    if method == "MOUNT":
        path += "/css/site.css" if path == "/static" else "/nothing.jpg"
        method = "GET"
    url = fill(path, w.params[res])
    client, token = w.clients[who], w.tokens[who]
    if key in LAST:  # the CSRF token is bound to the session, which the other one just ended
        token = _csrf(client)
    kwargs: dict[str, Any] = {}
    if url.startswith("/upload/"):
        kwargs = {"params": {"lot_id": w.params[res]["lot_id"]}, "content": b"",
                  "headers": {"x-csrf-token": token, "content-type": "application/json"}}
    elif url.startswith("/ingest/"):
        kwargs = {"content": b""}
    elif method in ("POST", "PUT", "PATCH") and url.startswith("/api/"):
        kwargs = {"json": {}}
    elif method == "POST":
        kwargs = {"data": {"csrf_token": token}}
    r = client.request(method, url, follow_redirects=False, **kwargs)
    return refusal(r, EXPECT[key] == "PAYER"), f"{r.status_code} {r.text[:160]!r}"


def refusal(r: httpx.Response, hides: bool) -> bool:
    assert r.status_code < 500, r.text[:300]
    code = ""
    if r.headers.get("content-type", "").startswith("application/json"):
        code = str((r.json().get("error") or {}).get("code", "")) if isinstance(
            r.json(), dict) else ""
    else:
        found = re.search(r'data-code="([^"]*)"', r.text)
        code = found.group(1) if found else ""
    assert code not in ("csrf_failed", "bad_origin"), "the probe itself is broken"
    to_login = r.is_redirect and r.headers.get("location", "").startswith("/login")
    return (r.status_code == 401 and code != "bad_credentials") or r.status_code == 403 \
        or to_login or (hides and r.status_code == 404)


def probe_socket(w: World, who: str, path: str) -> tuple[bool, str]:
    url = w.base.replace("http://", "ws://") + path
    cookie = "; ".join(f"{k}={v}" for k, v in w.clients[who].cookies.items())
    try:
        with connect(url, additional_headers={"Cookie": cookie} if cookie else None,
                     open_timeout=20) as ws:
            first = ws.recv(timeout=20)
    except InvalidStatus as exc:
        return exc.response.status_code in (401, 403), f"handshake {exc.response.status_code}"
    return False, str(first)[:120]


def test_probes_log_in_as_declared(world: World) -> None:
    """The actors really are who the matrix says (guards against a silent login failure)."""
    for who in ACTORS[1:]:
        me = world.clients[who].get("/api/me")
        assert me.status_code == 200, who
    assert world.clients["anonymous"].get("/api/me").status_code == 401


@pytest.mark.parametrize("key", KEYS)
def test_route(world: World, key: str) -> None:
    rule = RULES[EXPECT[key]]
    seen: dict[tuple[str, str], str] = {}
    wrong = []
    for res in SETS:
        for who in ACTORS:
            refused, detail = probe(world, who, key, res)
            seen[(who, res)] = detail.split(" ", 1)[0]
            if refused == rule(who, res) and EXPECT[key] != "KEY":
                wrong.append(f"{who} on {res}: {'refused' if refused else 'allowed'} "
                             f"({detail})")
    if EXPECT[key] == "KEY":  # identity must not matter: same answer for everyone
        for res in SETS:
            assert len({seen[(who, res)] for who in ACTORS}) == 1, seen
    assert wrong == [], f"{key} ({EXPECT[key]}):\n" + "\n".join(wrong)
