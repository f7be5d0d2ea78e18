"""The demo's court papers: real PDFs (header and trailer check, fonts embedded) filed as
version 1 of each kind, before the demo's bidders register and accept the 竞买须知."""

from __future__ import annotations

import subprocess
from pathlib import Path

from settlement_support import close_services, new_lot, paid, services

from portal.demo_documents import file_papers, make_papers
from portal.documents import KINDS, Documents, check_pdf


async def test_demo_papers_are_filed_and_accepted(redis_alone_url: str, tmp_path: Path) -> None:
    papers = await make_papers([("朝阳区 测试住宅", "北京市朝阳区测试路1号", 1_000_000)],
                               "北京市第一中级人民法院")
    assert set(papers[0]) == {"notice", "terms", "appraisal", "survey"}
    app = await services(redis_alone_url, tmp_path)
    try:
        lot = await new_lot(app, ends_in_ms=600_000)
        await file_papers(app, lot, papers[0], "officer")
        store = Documents(app.redis, app.settings.data_dir)
        current = await store.current(lot["id"])
        assert [d["kind"] for d in current] == [k for k in KINDS if k in papers[0]]
        for doc in current:
            assert doc["version"] == 1
            path = store.path(doc["sha256"])
            check_pdf(path)
            fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                                   check=True).stdout.splitlines()[2:]
            assert fonts and all(" yes yes " in line for line in fonts), fonts
        await paid(app, lot["id"], "demo_bidder")
        accepted = await store.acceptance(lot["id"], "demo_bidder")
        assert accepted is not None and accepted["version"] == 1
    finally:
        await close_services(app)
