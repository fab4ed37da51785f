"""The scheduler: crawl each source on its interval, then evaluate the alert rules.

Crawls never run in this process: each is a ``yuqing crawl SOURCE`` subprocess, because Scrapy's Twisted
reactor cannot be restarted and a crawl must not share a process with the API. The child gets the resolved
settings through ``YUQING_*`` variables, prints its :class:`~foundation.health.RunReport` as one JSON line
and logs to ``<data_dir>/logs/crawl-<source>.log``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from alerts.channels import build_channels
from alerts.client import TicketClient
from alerts.dispatch import Dispatcher
from alerts.engine import AlertEngine, EvaluationReport
from api.app import create_app
from api.privacy import purge_expired
from api.resources import Resources
from config.models import AppConfig
from config.settings import Settings
from crawlers.backoff import REFUSED, next_wait
from crawlers.sources import SourceConfig
from foundation.errors import ConfigError, ConfigProblem
from foundation.health import SourceHealth
from foundation.outage import BOARD_FILE, OutageBoard
from foundation.retry import BACKGROUND, RetryPolicy, is_transient
from foundation.timeutil import utcnow
from index.base import MentionFilter
from tickets.store import Escalation
from yuqing import heartbeat
from yuqing.scheduled_reports import ReportScheduler
from yuqing.store_guard import DATABASE, MENTION_STORE, StoreGuard

log = logging.getLogger(__name__)

#: How often the ticket clock (escalation, revisits, notifications) runs.
MAINTENANCE_EVERY = timedelta(minutes=1)
#: How often the index is asked whether new mentions arrived.
NEW_DATA_POLL = timedelta(seconds=2)
#: While a store is down, how often the worker looks whether it is back (at most; ``evaluate_every`` if shorter).
OUTAGE_RECHECK = timedelta(seconds=15)


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as ``YUQING_*`` variables, so a child process resolves exactly the same stores."""
    env: dict[str, str] = {
        "YUQING_MENTION_STORE_URL": settings.resolved_mention_store_url(),
        # The password, if kept apart, travels as YUQING_DATABASE_PASSWORD (below), not inside the URL.
        "YUQING_DATABASE_URL": settings.resolved_database_url(with_password=False),
        "YUQING_CONFIG": str(Path(settings.config_path()).resolve()),
    }
    for name, value in settings.model_dump().items():
        key = f"YUQING_{name.upper()}"
        if value is None or key in env:
            continue
        raw = getattr(settings, name)
        if isinstance(raw, SecretStr):
            env[key] = raw.get_secret_value()
        elif isinstance(raw, list):
            env[key] = ",".join(v.get_secret_value() if isinstance(v, SecretStr) else str(v) for v in raw)
        elif isinstance(raw, Path):
            env[key] = str(raw.resolve())
        else:
            env[key] = str(raw)
    return env


#: How often the worker applies the retention period (YUQING_RETENTION_DAYS).
RETENTION_EVERY = timedelta(days=1)


@dataclass
class CrawlResult:
    """The outcome of one crawl subprocess."""

    source: str
    exit_code: int
    report: dict[str, Any] | None
    log_file: Path
    error: str | None = None

    @property
    def status(self) -> str:
        if self.report:
            return str(self.report.get("status", "unknown"))
        return "failed"


@dataclass
class CycleReport:
    """One monitoring cycle: the crawls and the alert evaluation after them."""

    started_at: datetime
    crawls: list[CrawlResult] = field(default_factory=list)
    evaluation: EvaluationReport | None = None
    escalations: list[Escalation] = field(default_factory=list)


class Worker:
    """Runs crawls in subprocesses and the alert engine in this process."""

    def __init__(
        self, settings: Settings, config: AppConfig, resources: Resources, *, policy: RetryPolicy = BACKGROUND
    ):
        self.settings = settings
        self.config = config
        self.resources = resources
        self.log_dir = settings.data_dir / "logs"
        self.last_purge: datetime | None = None
        if settings.api_url:
            key = settings.engine_api_key()
            if not key:
                raise ConfigError(
                    str(settings.config_path()),
                    [
                        ConfigProblem(
                            "settings.api_client_key",
                            "YUQING_API_URL is set, so the alert engine needs a key: set "
                            "YUQING_API_CLIENT_KEY or YUQING_API_KEYS",
                        )
                    ],
                )
            client = TicketClient(settings.api_url, key)
        else:
            # Embedded: the same HTTP client, talking to the API app inside this process.
            app = create_app(resources)
            client = TicketClient.in_process(app, resources.issue_internal_key())
        self.tickets = client
        # Past the retry budget a store outage is recorded (for /healthz) and the worker carries on.
        self.guard = StoreGuard(OutageBoard(settings.data_dir / BOARD_FILE), policy)
        self.mentions = self.guard.wrap(resources.mentions, MENTION_STORE)
        self.ticket_store = self.guard.wrap(resources.tickets, DATABASE)
        channels = build_channels(
            list(config.alerts.channels), config.alerts.allowed_hosts, config.alerts.allow_private_hosts
        )
        self.dispatcher = Dispatcher(resources.db, channels, config.alerts.escalation_notify)
        self.reports = ReportScheduler(resources, self.dispatcher)
        self.engine = AlertEngine.from_config(
            config,
            self.mentions,
            self.guard.wrap(resources.alerts, DATABASE),
            client,
            dispatcher=self.dispatcher,
            sources=self.source_health,
        )

    def source_health(self) -> list[tuple[SourceHealth, timedelta]]:
        """Each enabled source's health with its crawl interval (for the source_silent rule)."""
        enabled = [s for s in self.config.sources if s.enabled]
        health = self.resources.sources.health([s.name for s in enabled])
        return [(health[s.name], s.interval) for s in enabled]

    async def aclose(self) -> None:
        await self.tickets.aclose()

    # -- crawling -------------------------------------------------------------------------------------------
    async def crawl(self, source: SourceConfig, *, die_with_parent: bool = False) -> CrawlResult:
        """Run ``yuqing crawl SOURCE`` as a subprocess and collect its report. With ``die_with_parent`` (the
        queue's workers) the kernel kills the crawl if this process dies, even by SIGKILL, so a retried job
        never runs beside an orphaned crawl of the same source."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_file = self.log_dir / f"crawl-{source.name}.log"
        env = {**os.environ, **settings_env(self.settings)}
        timeout = self.config.scheduler.crawl_timeout.total_seconds()
        with log_file.open("ab") as stderr:
            stderr.write(f"\n==== {utcnow().isoformat()} crawl {source.name} ====\n".encode())
            stderr.flush()
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "yuqing",
                "crawl",
                source.name,
                "--json",
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
                env=env,
                start_new_session=True,
                preexec_fn=_die_with_parent if die_with_parent and sys.platform == "linux" else None,
            )
            try:
                stdout, _ = await asyncio.wait_for(proc.communicate(), timeout=timeout)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
                return CrawlResult(source.name, -9, None, log_file, f"stopped after {timeout:.0f}s (crawl_timeout)")
            except asyncio.CancelledError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                raise
        report = None
        for line in reversed(stdout.decode(errors="replace").splitlines()):
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    report = json.loads(line)
                    break
        error = None
        if report is None:
            error = f"crawl exited with code {proc.returncode} and no report; see {log_file}"
        elif report.get("error"):
            error = str(report["error"])
        return CrawlResult(source.name, proc.returncode or 0, report, log_file, error)

    async def crawl_all(self, on_done: Callable[[CrawlResult], None] | None = None) -> list[CrawlResult]:
        """Crawl every enabled source once, a few at a time."""
        limit = asyncio.Semaphore(self.config.scheduler.concurrent_crawls)

        async def one(source: SourceConfig) -> CrawlResult:
            async with limit:
                result = await self.crawl(source)
            if on_done:
                on_done(result)
            return result

        sources = [s for s in self.config.sources if s.enabled]
        return list(await asyncio.gather(*(one(s) for s in sources)))

    # -- cycles ---------------------------------------------------------------------------------------------
    async def run_once(self, on_crawl: Callable[[CrawlResult], None] | None = None) -> CycleReport:
        """Crawl every source, then evaluate every rule and look after the tickets: one full cycle."""
        report = CycleReport(started_at=utcnow())
        report.crawls = await self.crawl_all(on_crawl)
        await self.guard.run_sync("refreshing the mention index", self.refresh_index)
        report.evaluation = await self.engine.evaluate()
        report.escalations = await asyncio.to_thread(self.maintain_tickets)
        return report

    def new_data_since(self, moment: datetime) -> bool:
        """Whether any mention was stored or changed since ``moment`` (a cheap indexed count)."""
        return self.mentions.count(MentionFilter(updated_since=moment)) > 0

    def refresh_index(self) -> bool:
        """Make what crawls stored searchable (``True``; raises while the index is unavailable)."""
        self.mentions.refresh()
        return True

    async def evaluate_guarded(self) -> EvaluationReport | None:
        """Refresh the index, evaluate every rule and deliver notifications; ``None`` when a store was down.

        The refresh comes first and inside the guard: with the index unreachable the rules are not run at all
        (they would only fail and be paused), and the next successful evaluation catches up on the moments
        this one missed.
        """
        if not await self.guard.run_sync("refreshing the mention index", self.refresh_index):
            return None
        report = await self.guard.run("alert evaluation", self.engine.evaluate)
        if report is not None:
            await self.guard.run_sync("delivering notifications", self.dispatcher.deliver)
        return report

    def maintain_tickets(self) -> list[Escalation]:
        """The ticket clock: warnings before deadlines, escalation of overdue tickets, revisits that are due,
        and delivery of the notifications they produce. Restart-safe: all state is in the database."""
        now = utcnow()
        store = self.ticket_store
        actions = store.escalate(now)
        for revisit in store.due_revisits(now):
            log.info("revisit due: %s (%s)", revisit.number, revisit.title)
        self.make_reports(now)
        self.dispatcher.deliver(now)
        # Replies to customers whose channel failed are retried here, with the wait growing each attempt.
        sent = store.deliver_due(self.resources.sender(), now)
        if sent:
            log.info("replies sent on retry: %d", sent)
        days = self.settings.retention_days
        if days and (self.last_purge is None or now - self.last_purge >= RETENTION_EVERY):
            # Retention: raw text of mentions older than the period goes once a day; the counts stay.
            purged = purge_expired(self.resources, days, actor="worker")
            log.info("retention: purged the text of %d mentions older than %d days", purged, days)
            self.last_purge = now
        return actions

    def make_reports(self, now: datetime) -> None:
        """The daily, weekly and monthly reports that are due (each made once; a failed one is tried again on
        the next tick, and never stops the ticket clock)."""
        for job in self.reports.due(now):
            try:
                self.reports.make(job)
            except Exception as exc:  # one report's failure must not stop escalations and deliveries
                if is_transient(exc):
                    raise  # a store outage: the guard records it and the next tick tries again
                log.exception("report %s %s %s failed", job.period.kind, job.period.label, job.brand or "*")

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Crawl each source when due, evaluate rules on a timer and whenever a crawl stored something new."""
        last = self.resources.sources.last_started()
        now = utcnow()
        sources = {s.name: s for s in self.config.sources if s.enabled}
        due = {name: next_due(last, source, now) for name, source in sources.items()}
        running: dict[str, asyncio.Task[CrawlResult]] = {}
        limit = self.config.scheduler.concurrent_crawls
        every = self.config.alerts.evaluate_every
        next_eval = now
        next_maintenance = now
        next_poll = now
        last_look = now
        new_data = asyncio.Event()
        log.info(
            "worker started: %d sources, %d rules, evaluating every %s", len(sources), len(self.engine.rules), every
        )
        while not stop.is_set():
            now = utcnow()
            heartbeat.beat(self.settings.data_dir, now)  # the container healthcheck reads it
            for name, task in list(running.items()):
                if task.done():
                    running.pop(name)
                    result = task.result()
                    created = (result.report or {}).get("created", 0) + (result.report or {}).get("updated", 0)
                    log.info("crawl %s: %s (%s new or changed)", name, result.status, created)
                    if created:
                        new_data.set()
                    if result.status in REFUSED:  # refused: wait longer before asking the platform again
                        runs = await asyncio.to_thread(self.resources.sources.runs, name, 20)
                        due[name] = utcnow() + next_wait(sources[name].interval, [r.status for r in runs])
                        log.warning("source %s %s: next crawl at %s", name, result.status, due[name].isoformat())
            for name, when in sorted(due.items(), key=lambda kv: kv[1]):
                if when <= now and name not in running and len(running) < limit:
                    running[name] = asyncio.create_task(self.crawl(sources[name]))
                    due[name] = now + sources[name].interval
            if now >= next_maintenance:
                # A database outage must not stop the worker: the guard records it and the next tick retries.
                await self.guard.run_sync("ticket maintenance", self.maintain_tickets)
                next_maintenance = utcnow() + MAINTENANCE_EVERY
            if now >= next_poll and self.guard.healthy():  # while a store is down, the evaluation timer rechecks
                # Crawl processes store batches as they go: a burst is evaluated within seconds, not at the
                # end of the crawl or of the evaluation period.
                if await self.guard.run_sync("looking for new mentions", self.new_data_since, last_look):
                    new_data.set()
                next_poll = now + NEW_DATA_POLL
            if now >= next_eval or new_data.is_set():
                new_data.clear()
                if await self.evaluate_guarded() is not None:
                    last_look = now
                    next_eval = utcnow() + every
                else:  # a store is down: look again soon; the evaluation that succeeds catches up
                    next_eval = utcnow() + min(every, OUTAGE_RECHECK)
            wake = min([next_eval, next_maintenance, next_poll, *due.values()])
            delay = max(0.2, min((wake - utcnow()).total_seconds(), 30.0))
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(new_data.wait()), *running.values()]
            await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters[:2]:
                if not waiter.done():
                    waiter.cancel()
        for task in running.values():
            task.cancel()
        await asyncio.gather(*running.values(), return_exceptions=True)
        log.info("worker stopped")


def _die_with_parent() -> None:
    """In the crawl child before it runs: ask Linux to SIGKILL it when its parent dies (PR_SET_PDEATHSIG)."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def next_due(last_started: dict[str, datetime], source: SourceConfig, now: datetime) -> datetime:
    """When ``source`` should be crawled next given when it last started."""
    started = last_started.get(source.name)
    return now if started is None else started + source.interval
