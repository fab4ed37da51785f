"""Scheduled complaint reports: after each day, ISO week and month ends (at ``tickets.reports.at``, local time),
make its report per brand and over every brand, keep it with its XLSX and PDF, and push it to the report
channels (``alerts.report_notify``, default ``alerts.notify``) through the notification outbox.

Restart-safe and idempotent: what is due is whatever report of the last complete period is not stored yet, so
a worker that was down at 08:00 makes it when it is back, and two workers never store the same report twice
(:class:`tickets.report_archive.ReportArchive`). Only the newest period of each kind is made automatically;
older ones are made by hand (``yuqing report generate``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from alerts.channels import Message
from alerts.dispatch import Dispatcher
from api.resources import Resources
from foundation.access import SYSTEM
from foundation.i18n import gettext
from foundation.timeutil import isoformat_z, utcnow
from tickets.periods import Period, ReportKind, last_complete, parse_period
from tickets.report import complaint_report, mention_counter
from tickets.report_archive import ReportArchive, ReportEntry
from tickets.report_text import report_title

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportJob:
    """One report to make: a period and a brand (``None``: every brand)."""

    period: Period
    brand: str | None


class ReportScheduler:
    """Decides which reports are due and makes them."""

    def __init__(self, resources: Resources, dispatcher: Dispatcher | None = None):
        self.resources = resources
        self.config = resources.config
        self.options = resources.config.tickets.reports
        self.zone = ZoneInfo(resources.config.timezone)
        self.archive = ReportArchive(resources.db)
        self.dispatcher = dispatcher
        notify = resources.config.alerts.report_notify
        self.channels = list(resources.config.alerts.notify if notify is None else notify)

    def brands(self) -> list[str | None]:
        out: list[str | None] = []
        if self.options.all_brands:
            out.append(None)
        if self.options.per_brand:
            out.extend(self.config.brand_names())
        return out

    def due(self, now: datetime | None = None) -> list[ReportJob]:
        """The reports of the last complete periods whose time (``at`` after the period ended) has come and
        that are not stored yet."""
        now = now or utcnow()
        jobs = []
        at = self.options.at
        for kind in self.options.kinds:
            period = last_complete(kind, now, self.zone)
            ready = period.end + timedelta(hours=at.hour, minutes=at.minute)
            if now < ready:
                continue
            for brand in self.brands():
                if not self.archive.exists(kind, period.label, brand):
                    jobs.append(ReportJob(period, brand))
        return jobs

    def make(
        self, job: ReportJob, *, push: bool = True, replace: bool = False, created_by: str = "scheduler"
    ) -> ReportEntry:
        """Compute, render, store and (with ``push``) queue the report for the report channels."""
        language = self.options.language
        report = complaint_report(
            self.resources.tickets,
            SYSTEM,
            job.period,
            brand=job.brand,
            mentions=mention_counter(self.resources.mentions),
        )
        channels = self.channels if push and self.dispatcher is not None else []
        entry = self.archive.store(report, language, created_by=created_by, pushed_to=channels, replace=replace)
        # A report another worker stored first was pushed by that worker: not twice.
        if channels and self.dispatcher is not None and entry.fresh:
            lines = entry.summary
            link = f"{self.options.link_base.rstrip('/')}/#/reports" if self.options.link_base else None
            message = Message(
                kind="report",
                summary="\n".join(lines[1:]),
                key=report_title(report, language),
                link=link,
                report_id=entry.id,
                at=isoformat_z(utcnow()),
            )
            self.dispatcher.enqueue(message, channels)
        log.info("report %s %s %s stored (id %d)", job.period.kind, job.period.label, job.brand or "*", entry.id)
        return entry

    def run_due(self, now: datetime | None = None) -> list[ReportEntry]:
        """Make every due report (called by the worker's maintenance tick)."""
        return [self.make(job) for job in self.due(now)]

    def job(self, kind: ReportKind, period: str | None, brand: str | None, now: datetime | None = None) -> ReportJob:
        """A report asked for by hand (``period`` default: the last complete one)."""
        today = (now or utcnow()).astimezone(self.zone).date()
        if brand is not None and brand not in self.config.brand_names():
            configured = ", ".join(self.config.brand_names())
            raise ValueError(
                gettext("unknown brands %(unknown)s; configured: %(configured)s", unknown=brand, configured=configured)
            )
        return ReportJob(parse_period(kind, period, self.zone, today), brand)
