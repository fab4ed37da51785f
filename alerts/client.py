"""The alert engine's client of the ticket API.

The engine always creates tickets through the API, so there is one ticket path. With an API URL the client
speaks HTTP; without one (the embedded setup) it calls the application in the same process through httpx's
ASGI transport. Requests are retried with exponential backoff on network errors, 5xx and 429; every create
carries an idempotency key, so a retry after a lost response still yields exactly one ticket.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import httpx

from foundation.errors import TicketApiRejected, TicketApiUnavailable

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class TicketClient:
    """Creates and reads tickets through ``/api/v1/tickets``.

    ``transport`` is injectable (an ``httpx.ASGITransport`` for in-process use, an ``httpx.MockTransport``
    in tests), so nothing needs monkeypatching.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        attempts: int = 5,
        backoff: float = 0.5,
        backoff_max: float = 30.0,
        timeout: float = 15.0,
    ):
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            transport=transport,
            timeout=timeout,
            headers={"X-API-Key": api_key, "User-Agent": "yuqing-alert-engine"},
        )
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.backoff_max = backoff_max

    @classmethod
    def in_process(cls, app: Any, api_key: str, **kwargs: Any) -> TicketClient:
        """A client of an ASGI app in this process (no network, no server)."""
        return cls("http://yuqing.internal", api_key, transport=httpx.ASGITransport(app=app), **kwargs)

    async def create_ticket(self, payload: dict[str, Any], idempotency_key: str) -> tuple[dict[str, Any], bool]:
        """Create (or find again) the ticket for ``idempotency_key``.

        Returns the ticket JSON and whether this call created it (201) rather than found it (200).
        """
        response = await self._request(
            "POST", "/api/v1/tickets", json=payload, headers={"Idempotency-Key": idempotency_key}
        )
        result: dict[str, Any] = response.json()
        return result, response.status_code == 201

    async def get_ticket(self, ticket_id: int) -> dict[str, Any]:
        response = await self._request("GET", f"/api/v1/tickets/{ticket_id}")
        result: dict[str, Any] = response.json()
        return result

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        last_problem = "no attempt made"
        for attempt in range(1, self.attempts + 1):
            delay: float | None = None
            try:
                response = await self._client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in RETRY_STATUSES:
                    raise TicketApiRejected(response.status_code, _message(response))
                last_problem = f"HTTP {response.status_code}: {_message(response)}"
                delay = _retry_after(response)
            if attempt == self.attempts:
                break
            wait = delay if delay is not None else min(self.backoff_max, self.backoff * 2 ** (attempt - 1))
            wait *= 1 + random.uniform(0, 0.25)  # jitter: concurrent evaluators should not retry in lockstep
            log.warning(
                "ticket API %s %s failed (%s); retry %d/%d in %.1fs",
                method,
                url,
                last_problem,
                attempt,
                self.attempts - 1,
                wait,
            )
            await asyncio.sleep(wait)
        raise TicketApiUnavailable(f"ticket API {method} {url} failed after {self.attempts} attempts: {last_problem}")

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> TicketClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return response.text[:200]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, min(float(value), 300.0))
    except ValueError:
        return None
