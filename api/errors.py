"""Every error leaves the API as JSON ``{"error": {"status", "code", "message", "details"}}``.

Bad input is always a 4xx that says what is wrong; a 500 means a bug and is logged with its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from foundation.errors import Conflict, Forbidden, IdempotencyConflict, InvalidQuery, NotFound, StoreUnavailable
from foundation.i18n import localize
from foundation.retry import is_sqlite_busy, is_transient
from tickets.workflow import ProcessIncomplete

log = logging.getLogger("yuqing.api")


def error_body(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The error shape, its message (and each detail's problem) in the request's language."""
    body: dict[str, Any] = {"status": status, "code": code, "message": localize(message)}
    if details:
        body["details"] = [
            {**d, "problem": localize(d["problem"])} if isinstance(d.get("problem"), str) else d for d in details
        ]
    return {"error": body}


def _json(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(status, code, message, details), status_code=status, headers=headers)


def _where(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        head, rest = parts[0], parts[1:]
        return f"{head} {'.'.join(rest)}" if rest else head
    return ".".join(parts)


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = []
    for err in exc.errors():
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if err.get("type") == "json_invalid":
            error = err.get("ctx", {}).get("error", "")
            details.append({"field": "body", "problem": f"is not valid JSON ({error} at character {err['loc'][-1]})"})
            continue
        if err.get("type") == "extra_forbidden":
            msg = "is not a field you can set here"
        elif err.get("type") == "missing":
            msg = "is required"
        details.append({"field": _where(tuple(err.get("loc", ()))), "problem": msg})
    message = "; ".join(f"{d['field']}: {localize(d['problem'])}" for d in details[:5]) or "invalid request"
    return _json(422, "validation_error", message, details)


#: Yuqing's exceptions and the HTTP answer each gets. Order matters: subclasses before their bases.
_MAPPED: dict[type[Exception], tuple[int, str]] = {
    NotFound: (404, "not_found"),
    Forbidden: (403, "forbidden"),
    InvalidQuery: (400, "invalid_query"),
    IdempotencyConflict: (409, "idempotency_conflict"),
    ProcessIncomplete: (409, "process_incomplete"),
    Conflict: (409, "conflict"),
    StoreUnavailable: (503, "store_unavailable"),
}


def _mapped(status: int, code: str) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        headers = {"Retry-After": RETRY_AFTER} if status == 503 else None
        # An error that knows more than its message (a query syntax error: position, expected) says so.
        details = getattr(exc, "details", None)
        return _json(status, code, str(exc), details if isinstance(details, list) else None, headers=headers)

    return handler


#: Seconds a client is asked to wait when a store is unavailable or busy.
RETRY_AFTER = "5"


async def _transient(request: Request, exc: Exception) -> JSONResponse:
    """A database or connection failure: 503 with ``Retry-After`` when a retry can succeed (SQLite's write lock
    held by another process, a dropped connection, a pool timeout); otherwise a bug, so 500."""
    if not is_transient(exc):
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return _json(500, "internal_error", "internal error; the server log has the details")
    if is_sqlite_busy(exc):
        message = "the database is busy (another process holds its write lock); nothing was changed, try again"
    else:
        message = f"a store is unavailable ({type(exc).__name__}); nothing was changed, try again"
    log.warning("%s %s: 503: %s", request.method, request.url.path, exc)
    return _json(503, "store_unavailable", message, headers={"Retry-After": RETRY_AFTER})


def install_error_handlers(app: FastAPI) -> None:
    """Map Yuqing's exceptions and FastAPI's own to the JSON error shape."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        return _json(exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None))

    app.add_exception_handler(RequestValidationError, _validation)

    for exc_type, (status, code) in _MAPPED.items():
        app.add_exception_handler(exc_type, _mapped(status, code))
    for transient_type in (DBAPIError, PoolTimeout, ConnectionError, TimeoutError):
        app.add_exception_handler(transient_type, _transient)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _json(500, "internal_error", "internal error; the server log has the details")
