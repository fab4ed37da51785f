"""The queue's commands: ``scheduler`` (enqueue what is due), ``worker`` (take jobs), ``workers`` (their health)."""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from foundation.errors import ConfigError, ConfigProblem, StoreUnavailable
from yuqing.cli.common import EXIT_FAILED, EXIT_OK, console, err, handles_errors, load, open_resources


def _redis(settings: Any) -> Any:
    """The queue's Redis connection; a config error when none is set, unavailable when it does not answer."""
    from redis.exceptions import RedisError

    from yuqing.queue.process import connect

    if not settings.redis_url:
        raise ConfigError(
            str(settings.config_path()),
            [
                ConfigProblem(
                    "settings.redis_url",
                    "the work queue needs Redis: set YUQING_REDIS_URL (e.g. redis://127.0.0.1:6379/0), or use "
                    "`yuqing run` for everything in one process",
                )
            ],
        )
    try:
        return connect(settings.redis_url)
    except RedisError as exc:
        raise StoreUnavailable(f"Redis at {settings.redis_url} is not reachable: {exc}") from exc


def _timing(lease_seconds: float, poll_seconds: float) -> Any:
    from yuqing.queue.keys import QueueTiming

    lease = timedelta(seconds=lease_seconds)
    return QueueTiming(lease_ttl=lease, heartbeat_every=lease / 3, poll=timedelta(seconds=poll_seconds))


LeaseOption = Annotated[
    float,
    typer.Option(min=1.0, help="Seconds a dead worker's lease (and so its job) stays blocked before it is retried."),
]
PollOption = Annotated[float, typer.Option(min=0.1, help="Seconds between looks for due work and new mentions.")]


@handles_errors
def scheduler(lease_seconds: LeaseOption = 15.0, poll_seconds: PollOption = 2.0) -> None:
    """Enqueue each source's crawl on its interval and ask the workers to evaluate the rules (needs Redis)."""
    from yuqing.queue.process import run_scheduler

    settings, _ = load()
    redis = _redis(settings)
    with open_resources() as resources:
        run_scheduler(resources, redis, timing=_timing(lease_seconds, poll_seconds))


@handles_errors
def worker(
    name: Annotated[str | None, typer.Option(help="Worker name (default: host.pid.random); must be unique.")] = None,
    burst: Annotated[bool, typer.Option("--burst", help="Stop when the queue is empty.")] = False,
    lease_seconds: LeaseOption = 15.0,
    crawls: Annotated[
        int,
        typer.Option(min=1, max=64, help="Crawl jobs this worker runs at once (they wait on pages, not on the CPU)."),
    ] = 4,
) -> None:
    """Take crawl jobs from the queue and evaluate a share of the alert rules; run as many as you like."""
    from yuqing.queue.process import run_worker

    settings, _ = load()
    redis = _redis(settings)
    with open_resources() as resources:
        run_worker(resources, redis, name=name, burst=burst, timing=_timing(lease_seconds, 2.0), crawls=crawls)


def _summary(now: Any, reported: Any) -> str:
    age = now.oldest_job_age_seconds
    return (
        f"队列 queue: {now.depth} waiting (oldest {f'{age:.0f}s' if age is not None else '-'}), "
        f"{now.running} running, {now.failed} failed, {now.retried} retried, {now.workers_alive} workers alive; "
        f"调度器 scheduler: {'reporting' if reported else '[red]not reporting[/]'}"
        + (f", rules behind by {reported.eval_lag_seconds:.0f}s" if reported and reported.eval_lag_seconds else "")
    )


def queue_summary(settings: Any) -> str:
    """One line about the work queue (for ``yuqing sources``); says so when Redis does not answer."""
    from redis.exceptions import RedisError

    from yuqing.queue import health

    try:
        redis = _redis(settings)
        return _summary(health.measure(redis), health.read(redis))
    except (RedisError, StoreUnavailable) as exc:
        return f"[red]队列 queue: unavailable[/] ({exc})"


@handles_errors
def workers(
    check: Annotated[
        str | None,
        typer.Option(
            help="Exit 1 unless healthy: 'worker' (a worker on this host beats), 'scheduler' (one reports).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """The work queue: jobs waiting and the oldest one's age, running, failed and retried jobs, live workers."""
    from yuqing.queue import health

    settings, _ = load()
    redis = _redis(settings)
    if check == "worker":
        here = socket.gethostname()
        raise typer.Exit(EXIT_OK if any(w.host == here for w in health.live_workers(redis)) else EXIT_FAILED)
    if check == "scheduler":
        raise typer.Exit(EXIT_OK if health.read(redis) is not None else EXIT_FAILED)
    if check is not None:
        raise typer.BadParameter("--check takes 'worker' or 'scheduler'")
    now = health.measure(redis)
    console.print(_summary(now, health.read(redis)))
    table = Table(title=f"工作进程 workers alive: {now.workers_alive}")
    for column in ("name", "host", "pid", "started", "last seen", "working on"):
        table.add_column(column)
    for w in now.workers:
        table.add_row(w.name, w.host, str(w.pid), w.started_at[:19], w.seen_at[:19], w.current or "-")
    console.print(table)
    if not now.workers:
        err.print("[yellow]no worker is alive:[/] start `yuqing worker` (docker compose up --scale worker=N)")
