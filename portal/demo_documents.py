"""Demo court documents: a 竞买公告, 竞买须知, 评估报告 and 标的物调查情况 for every demo lot,
set in the packaged CJK font. The PDFs are made in a thread before the demo's short auctions
start (filing them is then quick), and filed before bidders register, so the demo's
registrations record the 竞买须知 version they accepted."""

from __future__ import annotations

import asyncio
import hashlib
import io
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from portal.confirmation import cjk_font
from portal.documents import Documents

if TYPE_CHECKING:  # annotations only; services.py imports this module's dependencies
    from portal.services import Services

Papers = dict[str, bytes]


NO_LINE_START = "。，、；：！？）」』》"  # Chinese punctuation never begins a line


def wrap(text: str, width: int) -> list[str]:
    """Rows of at most ``width`` characters (one more to keep punctuation off a row's start)."""
    rows: list[str] = []
    while text:
        cut = width + (len(text) > width and text[width] in NO_LINE_START)
        rows.append(text[:cut])
        text = text[cut:]
    return rows


def paper(title: str, court: str, lines: list[str]) -> bytes:
    """A one-page court paper: the title, the court, numbered paragraphs."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, initialFontName=cjk_font(), initialFontSize=11)
    width, height = A4
    pdf.setTitle(title)
    pdf.setFont(cjk_font(), 20)
    pdf.drawCentredString(width / 2, height - 80, title)
    pdf.setFont(cjk_font(), 11)
    pdf.drawCentredString(width / 2, height - 104, court)
    y = height - 150
    for line in lines:
        for row in wrap(line, 38):
            pdf.drawString(72, y, row)
            y -= 18
        y -= 6
    pdf.drawRightString(width - 72, max(y - 40, 72), court)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def terms_paper(court: str) -> bytes:
    """The demo's 竞买须知 (the same for every lot, so stored once by its hash)."""
    return paper("竞买须知", court, [
        "一、竞买人应当具备完全民事行为能力，法律、行政法规对买受人资格有规定的，从其规定。",
        "二、竞买人须在拍卖开始前缴纳保证金；未竞得者的保证金在竞价结束后即时解冻退还。",
        "三、标的物以现状拍卖，本院不承担瑕疵担保责任，请竞买人仔细阅读标的物调查情况。",
        "四、买受人应在本院规定的期限内支付余款；悔拍的，保证金不予退还，并不得参加重新拍卖。",
        "五、过户所涉税费按相关规定由买卖双方各自承担。"])


def lot_papers(title: str, address: str, court: str, appraisal_yuan: int,
               terms: bytes) -> Papers:
    return {
        "notice": paper("竞买公告", court, [
            f"本院将在网络司法拍卖平台上公开拍卖：{title}（{address}）。",
            "拍卖按照《最高人民法院关于人民法院网络司法拍卖若干问题的规定》进行。",
            "竞买人应当在拍卖开始前报名并缴纳保证金，竞价结束前五分钟内有出价的，自动延时五分钟。"]),
        "terms": terms,
        "appraisal": paper("评估报告（摘要）", court, [
            f"评估对象：{title}",
            f"评估价值：人民币 {appraisal_yuan:,} 元",
            "评估方法：市场比较法；评估基准日：2026年10月1日。"]),
        "survey": paper("标的物调查情况", court, [
            f"标的物：{title}",
            "占有使用情况：经现场调查，标的物目前由本院查封控制。",
            "瑕疵说明：以现场看样及实物现状为准，本院不承担瑕疵担保责任。"]),
    }


async def make_papers(specs: list[tuple[str, str, int]], court: str) -> list[Papers]:
    """(title, address, appraisal yuan) of each lot -> its papers, made in a thread."""

    def make() -> list[Papers]:
        terms = terms_paper(court)
        return [lot_papers(title, address, court, value, terms)
                for title, address, value in specs]

    return await asyncio.to_thread(make)


async def file_papers(state: Services, lot: dict[str, Any], papers: Papers,
                      author: str) -> None:
    store = Documents(state.redis, state.settings.data_dir)
    await asyncio.to_thread(store.make_dirs)
    now = await state.store.server_time_ms()
    for kind, data in papers.items():
        path = store.uploads / f"{secrets.token_hex(12)}.pdf"
        sha = await asyncio.to_thread(_write, path, data)
        await store.add(lot["id"], kind, path, sha=sha, size=len(data),
                        filename=f"{kind}.pdf", author=author, at_ms=now)


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()
