"""``/healthz`` and ``/sources``: is the service up, and how is each source doing."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import ConfigDep, PrincipalDep, ResourcesDep, SourceRunsDep

health_router = APIRouter(tags=["system"])
sources_router = APIRouter(prefix="/sources", tags=["sources"])


@health_router.get("/healthz", summary="Liveness and store reachability (no key needed)")
def healthz(resources: ResourcesDep) -> JSONResponse:
    mentions_ok = resources.mentions.ping()
    db_ok = resources.db.ping()
    body = {
        "status": "ok" if mentions_ok and db_ok else "degraded",
        "mention_store": {"backend": resources.mentions.backend, "ok": mentions_ok},
        "database": {"backend": resources.db.dialect, "ok": db_ok},
    }
    return JSONResponse(body, status_code=200 if mentions_ok and db_ok else 503)


class SourceStatus(BaseModel):
    name: str
    type: str
    enabled: bool
    interval_seconds: int
    last_run_at: datetime | None
    last_status: str | None
    last_items: int | None
    last_created: int | None
    parse_errors: int | None
    http_errors: dict[str, int]
    error: str | None


@sources_router.get("", response_model=list[SourceStatus], summary="Configured sources and their last run")
def list_sources(config: ConfigDep, runs: SourceRunsDep, _: PrincipalDep) -> list[SourceStatus]:
    latest = runs.latest()
    out = []
    for source in config.sources:
        run = latest.get(source.name)
        out.append(
            SourceStatus(
                name=source.name,
                type=source.type,
                enabled=source.enabled,
                interval_seconds=int(source.interval.total_seconds()),
                last_run_at=run.started_at if run else None,
                last_status=run.status if run else None,
                last_items=run.items_scraped if run else None,
                last_created=run.created if run else None,
                parse_errors=run.parse_errors if run else None,
                http_errors=dict(run.http_errors or {}) if run else {},
                error=run.error if run else None,
            )
        )
    return out
