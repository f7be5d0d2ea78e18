"""The court's documents of a lot (versioned PDFs) and the acceptance of its 竞买须知."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Struct, UnsetType

from portal.schemas.common import Time

DocumentKind = Annotated[
    Literal["notice", "terms", "appraisal", "survey", "other"],
    msgspec.Meta(description="notice 竞买公告, terms 竞买须知, appraisal 评估报告, survey "
                 "标的物调查情况 (瑕疵说明), other 其他")]


class DocumentOut(Struct, kw_only=True):
    """One version of a document; ``versions`` (in lists of current documents) counts all."""

    lot_id: int
    kind: DocumentKind
    version: int
    sha256: str
    size: int
    filename: str
    uploaded_at: Time
    url: Annotated[str, msgspec.Meta(description="the PDF, inline")]
    preview_url: Annotated[str, msgspec.Meta(
        description="PNG of the first page (404 where the server cannot render it)")]
    versions: int | UnsetType = UNSET


class DocumentList(Struct):
    items: list[DocumentOut]
