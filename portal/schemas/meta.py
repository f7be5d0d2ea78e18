"""The API's description of itself."""

from __future__ import annotations

from typing import Any

from msgspec import Struct


class OpenApiDocument(Struct):
    """An OpenAPI 3.1 document (see https://spec.openapis.org/oas/v3.1.0)."""

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]
