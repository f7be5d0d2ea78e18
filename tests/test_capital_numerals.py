"""Chinese capital numerals of the bid confirmation dialog (static/js/lib/capital.js), run in
node: the same module the browser loads."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

MODULE = Path(__file__).resolve().parent.parent / "static" / "js" / "lib" / "capital.js"

CASES = {  # fen -> capital numerals
    350_000_000: "叁佰伍拾万元整",  # 3,500,000.00
    100_500: "壹仟零伍元整",  # 1,005: one 零 for the zeros inside
    1_000: "壹拾元整",  # financial documents write the 壹 of 壹拾
    10_000_000: "壹拾万元整",
    10_100_000: "壹拾万壹仟元整",
    101_000_000: "壹佰零壹万元整",  # a zero at the end of a group, then one inside
    1_000_000_500: "壹仟万零伍元整",  # a whole group of zeros between the figures
    100_000_000_000: "壹拾亿元整",
    1_000_100_000_000: "壹佰亿零壹佰万元整",
    458_700_000: "肆佰伍拾捌万柒仟元整",
    0: "零元整",
    5: "伍分",
    50: "伍角",
    105: "壹元零伍分",  # 零 between 元 and 分 when 角 is zero
    1_050: "壹拾元伍角",  # no 整 after 角
    123_456_789_012_3: "壹佰贰拾叁亿肆仟伍佰陆拾柒万捌仟玖佰零壹元贰角叁分",
}


def run_node(script: str) -> str:
    node = shutil.which("node")
    assert node, "node is needed for the front end's unit tests (scripts/_node.sh installs it)"
    done = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_capital_numerals() -> None:
    script = (f"import {{capitalAmount, rmbCapital}} from {json.dumps(MODULE.as_uri())};"
              f"const fens = {json.dumps(list(CASES))};"
              "console.log(JSON.stringify({each: fens.map(capitalAmount),"
              " rmb: rmbCapital(350000000)}));")
    out = json.loads(run_node(script))
    assert dict(zip(CASES, out["each"], strict=True)) == CASES
    assert out["rmb"] == "人民币叁佰伍拾万元整"


@pytest.mark.parametrize("bad", ["-1", "1.5", "2 ** 60", "'100'"])
def test_capital_numerals_refuse_what_is_not_fen(bad: str) -> None:
    script = (f"import {{capitalAmount}} from {json.dumps(MODULE.as_uri())};"
              f"try {{ capitalAmount({bad}); console.log('accepted'); }}"
              " catch (e) { console.log(e.name); }")
    assert run_node(script).strip() == "RangeError"
