"""The API keeps the contract its OpenAPI document states, checked by schemathesis.

A bounded run against the live portal, anonymous and as an officer with a lot, an event and
a case to act on: every generated request must get no 5xx, only documented status codes,
bodies that match the response schemas and the documented content types. Deterministic
generation keeps the run the same every time (a failure is reproducible, never flaky).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from portal_helpers import actor, lot_body

CHECKS = ("not_a_server_error,status_code_conformance,response_schema_conformance,"
          "content_type_conformance")
MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "20"))


def run_schemathesis(base: str, tmp_path: Path, cookie: str | None) -> tuple[int, str]:
    report = tmp_path / "report.ndjson"
    cmd = [sys.executable, "-m", "schemathesis.cli", "run", f"{base}/api/openapi.json",
           "--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES), "--phases",
           "examples,coverage,fuzzing", "--generation-deterministic", "--seed", "1",
           "--request-timeout", "20", "--suppress-health-check", "all",
           "--report", "ndjson", "--report-ndjson-path", str(report),
           "-H", f"Origin: {base}"]
    if cookie:  # logging out would end the officer's session for the rest of the run
        cmd += ["-H", f"Cookie: {cookie}", "--exclude-operation-id", "delete_api_session"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, NO_COLOR="1"))
    return proc.returncode, proc.stdout[-6000:] + proc.stderr[-2000:]


def officer_cookie(portal: str, redis_url: str) -> str:
    officer = actor(portal, redis_url, "contract_officer", role="officer")
    lot = officer.post("/api/lots", json=lot_body())
    assert lot.status_code == 201, lot.text
    event = officer.post("/api/events", json={
        "title": "看样直播", "starts_at": lot.json()["starts_at"],
        "ends_at": lot.json()["ends_at"],
        "venues": [{"name": "一号现场", "lot_id": lot.json()["id"], "source": "ingest"}]})
    assert event.status_code == 201, event.text
    return "; ".join(f"{k}={v}" for k, v in officer.cookies.items())


@pytest.mark.parametrize("who", ["anonymous", "officer"])
def test_every_operation_keeps_its_documented_contract(portal: str, redis_url: str,
                                                      tmp_path: Path, who: str) -> None:
    cookie = officer_cookie(portal, redis_url) if who == "officer" else None
    code, out = run_schemathesis(portal, tmp_path, cookie)
    assert code == 0, out
    assert "generated, " in out and " failed" not in out.split("Test cases:")[-1], out


def test_the_contract_run_covers_every_operation(portal: str) -> None:
    import httpx

    doc = httpx.get(f"{portal}/api/openapi.json").json()
    operations = [(p, m) for p, item in doc["paths"].items() for m in item]
    assert len(operations) >= 60, json.dumps(operations)
