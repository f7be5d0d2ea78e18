"""Typed API operations: one declaration per route yields validation and the OpenAPI document.

Every JSON route under /api is an :class:`ApiRoute` carrying an :class:`Op`: the msgspec
types of its request body, query and success response, who may call it, and the error
statuses it returns. ``read_body`` validates a body against the declared type;
``portal/openapi.py`` builds the OpenAPI 3.1 document from the same declarations, so the two
cannot disagree. Bodies are msgspec Structs (see docs/architecture.md for why msgspec).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar, cast

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.errors import BadRequest, Invalid, TooLarge

T = TypeVar("T")
MAX_JSON = 64 * 1024
MAX_JSON_DEPTH = 32  # no body of ours nests deeper than 5; msgspec recurses per level
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_INNERMOST_PAIR = re.compile(rb"\[\]|\{\}")
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
JSON = "application/json"


@dataclass(frozen=True)
class Op:
    """What one API operation takes and returns, declared once.

    ``returns``: type of the success body (a Struct, ``list[Struct]``, ``dict[str, Any]``);
    ``None`` means no body (204). ``body``: type of the JSON request body. ``query``: a Struct
    whose fields are the query parameters. ``role``: who must be logged in (``"any"`` for any
    account, a role name, or ``None`` for everyone). ``errors``: error statuses beyond those
    implied by the declaration (a body implies 400/413/415/422, path parameters 404, a role
    401/403). ``media_type``: of the success body when it is not JSON (e.g. ``text/calendar``).
    ``headers``: a Struct whose fields (named as sent, e.g. ``X-Sandbox-Signature``) are the
    request headers it reads. ``also``: further success statuses, with the same body as
    ``status`` (e.g. 200 when an idempotent create found the record already there, 202 when
    a message is held for approval), or none for 304 Not Modified.
    """

    summary: str
    returns: Any = None
    status: int = 200
    body: Any = None
    query: Any = None
    role: str | None = None
    errors: tuple[int, ...] = ()
    media_type: str = JSON
    description: str = ""
    headers: Any = None
    also: tuple[int, ...] = ()


class ApiRoute(Route):
    """A Starlette route that carries its :class:`Op` for the OpenAPI document."""

    def __init__(self, path: str, endpoint: Callable[..., Any], op: Op,
                 methods: Sequence[str] = ("GET",), name: str | None = None) -> None:
        super().__init__(path, endpoint, methods=list(methods), name=name)
        self.op = op


def api(path: str, endpoint: Callable[..., Any], op: Op,
        methods: Sequence[str] = ("GET",)) -> ApiRoute:
    return ApiRoute(path, endpoint, op, methods)


@cache
def _decoder(type_: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(type_)


def too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text's arrays/objects nest deeper than ``limit``, found without
    recursion: strings are dropped, then each pass (one C-level regex scan) removes the
    innermost ``[]``/``{}`` pairs, one level per pass; brackets left after ``limit`` passes
    nest deeper (or do not match, which is no JSON either)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    for _ in range(limit):
        if not brackets:
            return False
        brackets = _INNERMOST_PAIR.sub(b"", brackets)
    return bool(brackets)


def decode_json(raw: bytes, type_: type[T], limit: int = MAX_JSON) -> T:
    """``raw`` decoded and validated as ``type_``; 400 ``invalid_json`` for malformed JSON,
    400 ``bad_json`` for nesting deeper than :data:`MAX_JSON_DEPTH`, 422 ``invalid``
    (naming the field) for JSON of the wrong shape, 413 ``body_too_large`` beyond ``limit``."""
    if len(raw) > limit:
        raise TooLarge("Request body too large", code="body_too_large")
    if too_deep(raw):
        raise BadRequest(f"JSON nests deeper than {MAX_JSON_DEPTH} levels", code="bad_json")
    try:
        return _decoder(cast(Any, type_)).decode(raw or b"{}")  # type: ignore[no-any-return]
    except msgspec.ValidationError as exc:
        raise Invalid(str(exc), code="invalid") from None
    except msgspec.DecodeError:
        raise BadRequest("Body is not valid JSON", code="invalid_json") from None
    except RecursionError:  # the depth check above should make this unreachable
        raise BadRequest("JSON nests too deep", code="bad_json") from None


async def read_limited(request: Request, limit: int = MAX_JSON) -> bytes:
    """The request body, refused with 413 ``body_too_large`` as soon as it passes ``limit``
    (a declared Content-Length first, then the bytes as they arrive: never buffered whole)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge("Request body too large", code="body_too_large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge("Request body too large", code="body_too_large")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_body(request: Request, type_: type[T]) -> T:
    """The request's JSON body validated as ``type_`` (see :func:`decode_json`)."""
    return decode_json(await read_limited(request), type_)


def body_dict(body: msgspec.Struct) -> dict[str, Any]:
    """A validated body as a plain dict, fields left unset omitted (for the engines)."""
    return cast(dict[str, Any], msgspec.to_builtins(body))  # a Struct encodes as an object


def read_query(request: Request, type_: type[T]) -> T:
    """The query string as ``type_`` (a Struct of optional strings); 422 when it does not fit."""
    try:
        return msgspec.convert(dict(request.query_params), type_, strict=False)
    except msgspec.ValidationError as exc:
        raise Invalid(str(exc), code="invalid") from None


def respond(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response from Structs, lists and dicts (encoded by msgspec)."""
    return Response(msgspec.json.encode(data), status_code=status, media_type=JSON,
                    headers=headers)
