"""``/healthz`` and ``/sources``: is the service up, and how is each source doing."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import ConfigDep, PrincipalDep, ResourcesDep, SourceRunsDep
from api.errors import RETRY_AFTER
from api.queue_status import queue_status
from foundation.health import SourceState
from foundation.outage import BOARD_FILE, read_board

health_router = APIRouter(tags=["system"])
sources_router = APIRouter(prefix="/sources", tags=["sources"])


@health_router.get("/healthz", summary="Liveness and store reachability (no key needed)")
def healthz(resources: ResourcesDep) -> JSONResponse:
    mentions_ok = resources.mentions.ping()
    db_ok = resources.db.ping()
    body: dict[str, object] = {
        "status": "ok" if mentions_ok and db_ok else "degraded",
        "mention_store": {"backend": resources.mentions.backend, "ok": mentions_ok},
        "database": {"backend": resources.db.dialect, "ok": db_ok},
    }
    # The work queue (when configured) is reported, not required: the API serves without it.
    queue = queue_status(resources.settings.redis_url)
    if queue is not None:
        body["queue"] = queue
    # The worker's view: outages it met past its retry budget (and when it saw the store come back).
    worker = read_board(resources.settings.data_dir / BOARD_FILE)
    if worker is not None:
        body["worker"] = worker
    headers = None if mentions_ok and db_ok else {"Retry-After": RETRY_AFTER}
    return JSONResponse(body, status_code=200 if mentions_ok and db_ok else 503, headers=headers)


class SourceStatus(BaseModel):
    """A source's health: ``state`` is ok, degraded, failing, needs_credentials, blocked or never_run."""

    name: str
    type: str
    platform: str
    enabled: bool
    interval_seconds: int
    state: SourceState
    last_run_at: datetime | None
    last_success_at: datetime | None
    consecutive_failures: int
    items_last_run: int | None
    created_last_run: int | None
    parse_errors: int
    shape_errors: int
    http_errors: dict[str, int]
    error: str | None


@sources_router.get("", response_model=list[SourceStatus], summary="Configured sources and their health")
def list_sources(config: ConfigDep, runs: SourceRunsDep, _: PrincipalDep) -> list[SourceStatus]:
    health = runs.health([s.name for s in config.sources])
    out = []
    for source in config.sources:
        h = health[source.name]
        out.append(
            SourceStatus(
                name=source.name,
                type=source.type,
                platform=source.platform_name(),
                enabled=source.enabled,
                interval_seconds=int(source.interval.total_seconds()),
                state=h.state,
                last_run_at=h.last_run_at,
                last_success_at=h.last_success_at,
                consecutive_failures=h.consecutive_failures,
                items_last_run=h.items_last_run,
                created_last_run=h.created_last_run,
                parse_errors=h.parse_errors,
                shape_errors=h.shape_errors,
                http_errors=h.http_errors,
                error=h.last_error,
            )
        )
    return out
