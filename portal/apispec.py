"""Typed API operations: one declaration per route yields validation and the OpenAPI document.

Every JSON route under /api is an :class:`ApiRoute` carrying an :class:`Op`: the msgspec
types of its request body, query and success response, who may call it, and the error
statuses it returns. ``read_body`` validates a body against the declared type;
``portal/openapi.py`` builds the OpenAPI 3.1 document from the same declarations, so the two
cannot disagree. Bodies are msgspec Structs (see docs/architecture.md for why msgspec).
"""

from __future__ import annotations

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
    ``also``: other success statuses returning the same body (e.g. 200 besides 201 when the
    thing already existed).
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


def decode_json(raw: bytes, type_: type[T]) -> T:
    """``raw`` decoded and validated as ``type_``; 400 ``invalid_json`` for malformed JSON,
    422 ``invalid`` (naming the field) for JSON of the wrong shape."""
    if len(raw) > MAX_JSON:
        raise TooLarge("Request body too large", code="body_too_large")
    try:
        return _decoder(cast(Any, type_)).decode(raw or b"{}")  # type: ignore[no-any-return]
    except msgspec.ValidationError as exc:
        raise Invalid(str(exc), code="invalid") from None
    except msgspec.DecodeError:
        raise BadRequest("Body is not valid JSON", code="invalid_json") from None


async def read_body(request: Request, type_: type[T]) -> T:
    """The request's JSON body validated as ``type_`` (see :func:`decode_json`)."""
    return decode_json(await request.body(), type_)


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
