"""Bad input is a 4xx with a code, never a 500: amounts beyond the maximum or in other digits,
JSON nested too deep (issue 9, findings 6 and 12)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from portal_helpers import client_login, lot_body
from redis_cluster import is_cluster_url
from starlette.testclient import TestClient

from core.errors import Invalid
from core.money import MAX_FEN, AmountTooLarge, parse_amount, yuan_to_fen
from portal.apispec import MAX_JSON_DEPTH, too_deep
from portal.app import create_app
from portal.settings import load_settings


@pytest.fixture
def client(redis_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = load_settings(data_dir=tmp_path / "data", redis_url=redis_url,
                             secret_key="k" * 32, rules="sandbox",
                             redis_cluster=is_cluster_url(redis_url))
    with TestClient(create_app(settings, run_closer=False)) as c:
        yield c


def error(r: object) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"]  # type: ignore[attr-defined]


# -- amounts ------------------------------------------------------------------------------------

def test_the_one_parser_refuses_amounts_beyond_the_maximum() -> None:
    assert yuan_to_fen(MAX_FEN // 100) == MAX_FEN  # the maximum itself is an amount
    for too_big in ("999999999999", 1e30, 10**12, "1" * 400, -1e30, "100000000000.01"):
        with pytest.raises(AmountTooLarge):
            yuan_to_fen(too_big)
    with pytest.raises(Invalid) as exc:
        parse_amount("999999999999", "amount")
    assert exc.value.code == "amount_too_large" and exc.value.status == 422


@pytest.mark.parametrize("text", ["６００５０００", "٦٠٠", "६००", "600５", "1．5", "1e5", "1.2.3"])
def test_only_ascii_digits_are_amounts(text: str) -> None:
    with pytest.raises(ValueError) as exc:
        yuan_to_fen(text)
    assert not isinstance(exc.value, AmountTooLarge)


def test_bids_beyond_the_maximum_are_422_not_500(client: TestClient, redis_url: str) -> None:
    client_login(client, redis_url, "officer_in", "officer")
    lot = client.post("/api/lots", json=lot_body())
    assert lot.status_code == 201, lot.text
    lot_id = lot.json()["id"]
    client_login(client, redis_url, "bidder_in", "bidder")
    url = f"/api/lots/{lot_id}/bids"
    assert error(client.post(url, json={"amount": "999999999999"})) == (422, "amount_too_large")
    assert error(client.post(url, json={"amount": 1e30})) == (422, "amount_too_large")
    assert error(client.post(url, json={"amount": "６００５０００"})) == (422, "invalid_amount")
    # a sound amount still reaches the bidding rules (not registered: 403)
    assert client.post(url, json={"amount": "810000"}).status_code == 403


def test_lot_prices_and_filters_beyond_the_maximum_are_422(client: TestClient,
                                                          redis_url: str) -> None:
    client_login(client, redis_url, "officer_in2", "officer")
    for field in ("starting_price", "deposit", "appraisal_price", "increment"):
        r = client.post("/api/lots", json=lot_body(**{field: "1" * 30}))
        assert error(r) == (422, "amount_too_large"), (field, r.text)
        assert r.json()["error"]["field"] == field
    r = client.post("/api/lots", json=lot_body(starting_price="８０００００"))
    assert error(r) == (422, "invalid_field")
    assert client.post("/api/lots", json=lot_body()).status_code == 201  # filters need a lot
    assert error(client.get("/api/lots?max_price=1e400")) == (422, "invalid_filter")
    assert error(client.get("/api/lots?max_price=99999999999999")) == (422, "amount_too_large")


# -- JSON nesting ---------------------------------------------------------------------------------

def test_deep_json_is_400_bad_json_without_recursion(client: TestClient) -> None:
    deep = b"[" * 20_000 + b"]" * 20_000  # 40 KB
    # msgspec skips an unknown field by recursion: a RecursionError (500) before
    for body in (b'{"x":' + deep + b"}", b'{"username":"a","password":"b","x":' + deep + b"}",
                 deep):
        r = client.post("/api/session", content=body,
                        headers={"content-type": "application/json"})
        assert error(r) == (400, "bad_json")
    unclosed = b'{"username":' + b"[" * 30_000
    r = client.post("/api/session", content=unclosed,
                    headers={"content-type": "application/json"})
    assert error(r) == (400, "bad_json")
    ok = client.post("/api/session", json={"username": "[[[[" * 100, "password": "{{" * 100})
    assert error(ok) == (401, "bad_credentials")  # brackets inside strings do not count


def test_depth_check_counts_levels_exactly() -> None:
    def nested(depth: int, open_: bytes = b"[", close: bytes = b"]") -> bytes:
        return open_ * depth + close * depth

    assert not too_deep(nested(MAX_JSON_DEPTH))
    assert too_deep(nested(MAX_JSON_DEPTH + 1))
    alternating = b'{"a":[' * (MAX_JSON_DEPTH // 2 + 1) + b"1" + b"]}" * (MAX_JSON_DEPTH // 2 + 1)
    assert too_deep(alternating)  # 34 levels, half of them objects
    wide = b"[" + b"[],{}," * 5000 + b"[]]"
    assert not too_deep(wide)
    assert not too_deep(b'["' + b"[" * 5000 + b'\\"]"]')  # escaped quote stays in the string
