"""The confirmation of sale (成交确认书) as a PDF.

Uses reportlab's built-in Adobe CID font ``STSong-Light`` for Chinese text: PDF readers supply
the glyphs, so no font file has to be installed on the server.
"""

from __future__ import annotations

import io
from functools import cache
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if pdfmetrics.stringWidth(line + ch, _font(), size) > width:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines


def confirmation_pdf(doc: dict[str, Any]) -> bytes:
    """``doc``: title, court, number, rows [(label, value)], body paragraphs, footer."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    pdf.setTitle(doc["title"])
    pdf.setAuthor(doc["court"])
    width, height = A4
    font = _font()
    y = height - 72
    pdf.setFont(font, 20)
    pdf.drawCentredString(width / 2, y, doc["title"])
    y -= 26
    pdf.setFont(font, 11)
    pdf.drawCentredString(width / 2, y, doc["number"])
    y -= 36
    for label, value in doc["rows"]:
        pdf.setFont(font, 11)
        pdf.drawString(72, y, label)
        for n, line in enumerate(_wrap(str(value), width - 72 - 200, 11)):
            pdf.drawString(200, y - n * 16, line)
            if n:
                y -= 16
        y -= 22
    y -= 10
    for para in doc["body"]:
        for line in _wrap(para, width - 144, 11):
            pdf.drawString(72, y, line)
            y -= 17
        y -= 8
    pdf.drawRightString(width - 72, max(y - 30, 90), doc["footer"])
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
