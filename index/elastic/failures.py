"""How Elasticsearch client failures become Yuqing's store errors, with messages an operator can act on.

Also strips credentials from node URLs, so no message or log line built here can leak them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TransportError
from elasticsearch import (
    ApiError,
    AuthenticationException,
    AuthorizationException,
    BadRequestError,
    NotFoundError,
)

from foundation.errors import InvalidQuery, StoreError, StoreUnavailable


class Translate(Protocol):
    """A store's ``_translate``: a context that turns client exceptions raised inside it into store errors."""

    def __call__(self, action: str, *, query: bool = False) -> AbstractContextManager[None]: ...


def error_reason(error: Any) -> str:
    """``type: reason`` of an Elasticsearch error object (bulk item or response body)."""
    if isinstance(error, dict):
        kind = error.get("type", "error")
        reason = error.get("reason", "")
        caused = error.get("caused_by")
        text = f"{kind}: {reason}" if reason else str(kind)
        if isinstance(caused, dict) and caused.get("reason"):
            text += f" ({caused.get('type')}: {caused['reason']})"
        return text
    return str(error)


def api_reason(exc: ApiError) -> str:
    """The root cause of a failed request, from its response body when there is one."""
    body = exc.body
    if isinstance(body, dict) and "error" in body:
        root = body["error"]
        if isinstance(root, dict) and root.get("root_cause"):
            return error_reason(root["root_cause"][0])
        return error_reason(root)
    return str(exc.message)


@contextmanager
def translate_errors(describe: Callable[[], str], alias: str, action: str, *, query: bool = False) -> Iterator[None]:
    """Turn client exceptions into Yuqing's store errors, with a message an operator can act on.

    ``describe`` names the cluster (called only when something failed). Credentials travel in headers,
    never in the node URL, so none of these messages can leak them. ``query=True`` marks requests whose
    body came from a caller: a 400 there is the caller's mistake.
    """
    try:
        yield
    except (AuthenticationException, AuthorizationException) as exc:
        raise StoreUnavailable(
            f"{describe()} refused the credentials while trying to {action} (HTTP {exc.meta.status}); "
            "check YUQING_ES_API_KEY or YUQING_ES_USERNAME/YUQING_ES_PASSWORD and the role's privileges"
        ) from exc
    except NotFoundError as exc:
        reason = api_reason(exc)
        if "index_not_found" in reason:
            raise StoreError(f"{describe()} has no index behind alias {alias}; run ensure_schema() first") from exc
        raise StoreError(f"{describe()} could not {action}: {reason}") from exc
    except BadRequestError as exc:
        reason = api_reason(exc)
        if query:
            raise InvalidQuery(f"cannot {action}: {reason}") from exc
        raise StoreError(f"{describe()} rejected the request to {action}: {reason}") from exc
    except ApiError as exc:
        reason = api_reason(exc)
        if exc.meta.status == 429 or exc.meta.status >= 500:  # shedding load or failing inside: transient
            raise StoreUnavailable(
                f"{describe()} is unavailable (HTTP {exc.meta.status}) while trying to {action}: {reason}"
            ) from exc
        raise StoreError(f"{describe()} failed to {action} (HTTP {exc.meta.status}): {reason}") from exc
    except (TransportConnectionError, ConnectionTimeout) as exc:  # unreachable, TLS failures, no answer in time
        raise StoreUnavailable(
            f"{describe()} cannot be reached while trying to {action}: {type(exc).__name__}: {exc}"
        ) from exc
    except TransportError as exc:
        raise StoreError(f"{describe()} failed to {action}: {type(exc).__name__}: {exc}") from exc


def strip_credentials(url: str) -> str:
    """``https://user:secret@host:9200`` → ``https://host:9200``, for messages and logs."""
    out = []
    for part in url.split(", "):
        scheme, sep, rest = part.partition("://")
        if sep and "@" in rest.split("/", 1)[0]:
            rest = rest.split("@", 1)[1]
        out.append(f"{scheme}{sep}{rest}")
    return ", ".join(out)
