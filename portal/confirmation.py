"""The confirmation of sale (成交确认书) as a PDF.

Chinese text is set in WenQuanYi Micro Hei (文泉驿微米黑, Apache-2.0 / GPLv3 with the font
exception), a TrueType font shipped by the ``paperang-p2-fonts-cjk`` package, never a system
path: reportlab embeds the subset of the glyphs used, so the PDF renders the same on any
machine, with or without Chinese fonts installed. The page ends with the signature line of
the enforcement judge and the area for the court's seal.
"""

from __future__ import annotations

import io
from functools import cache
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from core.fonts import cjk_font_path

FONT = "WenQuanYiMicroHei"
SEAL_RADIUS = 46


@cache
def cjk_font() -> str:
    pdfmetrics.registerFont(TTFont(FONT, cjk_font_path(), subfontIndex=0))
    return FONT


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if pdfmetrics.stringWidth(line + ch, cjk_font(), size) > width:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines


def _seal_block(pdf: canvas.Canvas, doc: dict[str, Any], width: float, y: float) -> None:
    """执行法官 signature line on the left; the seal area (a dashed circle) on the right,
    over the court's name and the date."""
    font = cjk_font()
    y = min(y, 210)
    pdf.setFont(font, 11)
    pdf.drawString(72, y, doc["judge_label"])
    pdf.line(72 + pdfmetrics.stringWidth(doc["judge_label"], font, 11) + 4, y - 2, 300, y - 2)
    pdf.drawString(72, y - 30, doc["date_label"])
    pdf.line(72 + pdfmetrics.stringWidth(doc["date_label"], font, 11) + 4, y - 32, 300, y - 32)
    cx, cy = width - 72 - 90, y + 10
    pdf.saveState()
    pdf.setStrokeColorRGB(0.75, 0.1, 0.1)
    pdf.setFillColorRGB(0.75, 0.1, 0.1)
    pdf.setDash(3, 3)
    pdf.circle(cx, cy, SEAL_RADIUS, stroke=1, fill=0)
    pdf.setFont(font, 10)
    pdf.drawCentredString(cx, cy - 4, f"（{doc['seal_label']}）")
    pdf.restoreState()
    pdf.setFont(font, 11)
    pdf.drawCentredString(cx, cy - SEAL_RADIUS - 20, doc["court"])
    pdf.drawCentredString(cx, cy - SEAL_RADIUS - 36, doc["date"])


def confirmation_pdf(doc: dict[str, Any]) -> bytes:
    """``doc``: title, court, number, rows [(label, value)], body paragraphs, date,
    judge_label, date_label, seal_label. Blocking (font subsetting): run it in a thread."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, pageCompression=1, initialFontName=cjk_font(),
                        initialFontSize=11)
    pdf.setTitle(doc["title"])
    pdf.setAuthor(doc["court"])
    width, height = A4
    font = cjk_font()
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
    _seal_block(pdf, doc, width, y - 50)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
