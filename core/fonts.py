"""The CJK font shipped with the portal's dependencies, for anything that draws Chinese text.

WenQuanYi Micro Hei (文泉驿微米黑, Apache-2.0 / GPLv3 with the font exception) comes from the
``paperang-p2-fonts-cjk`` package, never a system path, so the confirmation PDF, the demo
panoramas, floor plans and the livestream test feeds draw Chinese on any machine.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from PIL import ImageFont

FONT_PACKAGE, FONT_FILE = "paperang_p2_fonts_cjk", "fonts/wqy-microhei.ttc"


def cjk_font_path() -> str:
    """File system path of the CJK TrueType collection (face 0 is Micro Hei)."""
    return str(resources.files(FONT_PACKAGE).joinpath(FONT_FILE))


@cache
def cjk_pil_font(size: int) -> ImageFont.FreeTypeFont:
    """The CJK font at ``size`` pixels for Pillow (cached: loading a face parses the file)."""
    return ImageFont.truetype(cjk_font_path(), size, index=0)
