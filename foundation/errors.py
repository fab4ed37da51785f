"""The exceptions Yuqing raises on purpose, as one documented hierarchy.

Catch :class:`YuqingError` to handle every anticipated failure; anything else is a bug.

``YuqingError``
    ``ConfigError``: the YAML config or the settings are invalid (names file, key, problem).
    ``StoreError``: a store failed.
        ``StoreUnavailable``: the server behind a store cannot be reached.
        ``InvalidQuery``: a search or filter cannot be run as given (maps to HTTP 400).
    ``NotFound``: an object asked for by id does not exist, or is not the caller's to see (HTTP 404).
    ``Forbidden``: the caller's role may not do this at all (HTTP 403).
    ``Conflict``: the request conflicts with stored state (maps to HTTP 409).
        ``IdempotencyConflict``: an idempotency key was reused with a different body.
    ``CrawlError``: a crawl could not run.
        ``CredentialsMissing``: a source needs credentials the config does not give.
    ``TicketClientError``: the alert engine could not create or read a ticket through the API.
        ``TicketApiUnavailable``: the API did not answer (after retries).
        ``TicketApiRejected``: the API answered with a 4xx that retrying cannot fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class YuqingError(Exception):
    """Base class of every error Yuqing raises on purpose."""


@dataclass(frozen=True)
class ConfigProblem:
    """One problem found in a config file: where it is and what is wrong."""

    key: str
    problem: str
    line: int | None = None

    def render(self, file: str) -> str:
        where = f"{file}:{self.line}" if self.line else file
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.problem}"


class ConfigError(YuqingError):
    """The configuration cannot be used; the message names the file, each key and its problem."""

    def __init__(self, file: str, problems: Sequence[ConfigProblem]):
        self.file = file
        self.problems = list(problems)
        lines = [p.render(file) for p in self.problems]
        if len(lines) == 1:
            super().__init__(f"invalid configuration: {lines[0]}")
        else:
            super().__init__(f"invalid configuration in {file}:\n" + "\n".join(f"  - {line}" for line in lines))


class StoreError(YuqingError):
    """A store (mentions, tickets, state) failed."""


class StoreUnavailable(StoreError):
    """The server behind a store cannot be reached or refused the connection."""


class InvalidQuery(StoreError):
    """A search, filter or paging request cannot be run as given."""


class NotFound(YuqingError):
    """The object asked for by id does not exist (or is not visible to the caller)."""


class Forbidden(YuqingError):
    """The caller's role may not perform this kind of action (whatever the object)."""


class Conflict(YuqingError):
    """The request conflicts with the stored state."""


class IdempotencyConflict(Conflict):
    """An ``Idempotency-Key`` was reused with a different request body."""


class CrawlError(YuqingError):
    """A crawl could not be started or run."""


class CredentialsMissing(CrawlError):
    """A source needs credentials (cookie, API key) that the config does not provide."""


class TicketClientError(YuqingError):
    """The alert engine could not create or read a ticket through the API."""


class TicketApiUnavailable(TicketClientError):
    """The ticket API did not answer successfully, even after retries."""


class TicketApiRejected(TicketClientError):
    """The ticket API rejected the request with a 4xx that retrying cannot fix."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(f"ticket API answered {status}: {message}")
