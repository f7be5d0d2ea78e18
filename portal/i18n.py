"""UI text in Simplified Chinese (default) and English."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from starlette.requests import HTTPConnection

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


@cache
def catalogue(lang: str) -> dict[str, str]:
    text = resources.files("portal").joinpath(f"locale/{lang}.json").read_text("utf-8")
    return dict(json.loads(text))


def translate(lang: str, key: str, **values: object) -> str:
    # an empty text is a translation too (English "+1" quick-raise buttons need no unit)
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue("en").get(key, key)
    return text.format(**values) if values else text


def request_lang(conn: HTTPConnection) -> str:
    lang = conn.query_params.get("lang") or conn.cookies.get("lang") or DEFAULT_LANG
    return lang if lang in LANGS else DEFAULT_LANG
