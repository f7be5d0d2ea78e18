"""The human page of a lot's bid ledger: a table of every hash-chained entry, the result of
re-hashing it, how to verify independently (with a worked example that really hashes to the
row's hash), JSON links for machines; bidders by code only; Chinese with English available."""

from __future__ import annotations

import hashlib
import html
import re

import httpx
from portal_helpers import actor, lot_body, paid_bidder
from redis_cluster import sync_client

from bidding import keys as bidding_keys


def test_ledger_page_table_verification_and_how_to(portal: str, redis_url: str) -> None:
    officer = actor(portal, redis_url, "ledger_officer", role="officer")
    lot = officer.post("/api/lots", json=lot_body(case_number="(2026)京01执88号")).json()
    lid = lot["id"]
    visitor = httpx.Client(base_url=portal)
    empty = visitor.get(f"/lots/{lid}/ledger")
    assert empty.status_code == 200 and 'id="ledger-empty"' in empty.text
    a, code_a = paid_bidder(portal, redis_url, lid, "ledger_alice")
    b, code_b = paid_bidder(portal, redis_url, lid, "ledger_bob")
    assert a.post(f"/api/lots/{lid}/bids", json={"amount": "800000.00"}).status_code == 201
    assert b.post(f"/api/lots/{lid}/bids", json={"amount": "810000.00"}).status_code == 201

    page = visitor.get(f"/lots/{lid}/ledger")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert 'data-ok="true"' in text and "校验通过" in text and "已重新计算全部 2 条记录" in text
    rows = re.findall(r'<tr data-seq="(\d+)">(.*?)</tr>', text, re.S)
    assert [int(seq) for seq, _ in rows] == [1, 2]
    assert code_a in rows[0][1] and "¥800,000.00" in rows[0][1]
    assert code_b in rows[1][1] and "¥810,000.00" in rows[1][1]
    assert "ledger_alice" not in text and "ledger_bob" not in text  # codes only
    entries = visitor.get(f"/api/lots/{lid}/ledger").json()
    head = visitor.get(f"/api/lots/{lid}/ledger/verify").json()["head"]
    assert f'<code class="hash" id="ledger-head">{head}</code>' in text
    assert f'title="{entries[1]["hash"]}"' in text and f'title="{entries[1]["prev"]}"' in text
    example = html.unescape(re.search(r'id="canonical-example">(.*?)</pre>', text, re.S)[1])
    canonical = re.search(r"printf '%s' '(.*?)' \| sha256sum", example)[1]
    assert hashlib.sha256(canonical.encode()).hexdigest() == entries[0]["hash"]
    assert entries[0]["hash"] in example
    assert f'href="/api/lots/{lid}/ledger"' in text
    assert f'href="/api/lots/{lid}/ledger/verify"' in text
    assert "如何自行校验" in text
    english = visitor.get(f"/lots/{lid}/ledger?lang=en").text
    assert "Verified." in english and "How to verify it yourself" in english

    lot_page = visitor.get(f"/lots/{lid}").text
    assert f'href="/lots/{lid}/ledger#verify" id="verify-link"' in lot_page
    assert f'href="/lots/{lid}/ledger" id="ledger-link"' in lot_page
    assert visitor.get("/lots/99999/ledger").status_code == 404


def test_ledger_page_shows_a_broken_chain(portal: str, redis_url: str) -> None:
    officer = actor(portal, redis_url, "ledger_officer2", role="officer")
    lid = officer.post("/api/lots", json=lot_body(case_number="(2026)京01执89号")).json()["id"]
    a, code = paid_bidder(portal, redis_url, lid, "ledger_carol")
    assert a.post(f"/api/lots/{lid}/bids", json={"amount": "800000.00"}).status_code == 201
    first = httpx.get(f"{portal}/api/lots/{lid}/ledger").json()[0]
    forged = {k: first[k] for k in ("kind", "lot", "at", "code", "rank", "ends_at")}
    forged.update(seq=2, amount=1, prev=first["hash"], hash="f" * 64, extended=0)
    client = sync_client(redis_url)
    client.xadd(bidding_keys.ledger(lid), forged)
    client.close()
    text = httpx.get(f"{portal}/lots/{lid}/ledger").text
    assert 'data-ok="false"' in text and "校验未通过" in text and "第 2 条记录有误" in text
