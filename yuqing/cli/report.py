"""``yuqing report``: the weekly complaint report on the terminal or as JSON (``weekly``); daily, weekly and
monthly reports made as XLSX and PDF, stored and pushed (``generate``), and the stored ones (``list``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from foundation.access import SYSTEM
from foundation.errors import InvalidQuery
from foundation.i18n import DEFAULT_LANGUAGE, Language
from tickets.periods import ReportKind
from yuqing.cli.common import console, handles_errors, open_resources

report_app = typer.Typer(help="Reports.", no_args_is_help=True)


@report_app.command("weekly")
@handles_errors
def report_weekly(
    week: Annotated[str | None, typer.Option(help="ISO week like 2026-W47 (default: last week).")] = None,
    brand: Annotated[str | None, typer.Option(help="Only this brand.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    language: Annotated[Language, typer.Option("--lang", help="Language of the report: zh or en.")] = DEFAULT_LANGUAGE,
) -> None:
    """Top-10 issues, volumes, SLA compliance, satisfaction and the complaint rate against its baseline."""
    from index.base import MentionFilter
    from tickets.report import weekly_report
    from tickets.report_text import report_lines

    with open_resources() as resources:

        def count(name: str | None, start: Any, end: Any) -> int:
            return int(resources.mentions.count(MentionFilter(brands=[name] if name else [], since=start, until=end)))

        try:
            report = weekly_report(resources.tickets, SYSTEM, week=week, brand=brand, mentions=count)
        except (ValueError, InvalidQuery) as exc:  # a week that is no ISO week is a usage error (exit 2)
            raise typer.BadParameter(str(exc), param_hint="--week") from exc
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
        return
    for index, line in enumerate(report_lines(report, language)):
        # Markup off: brand names and product names are data, not rich markup.
        console.print(line, style="bold" if index == 0 else None, markup=False, highlight=False)


@report_app.command("generate")
@handles_errors
def report_generate(
    kind: Annotated[ReportKind | None, typer.Argument(help="daily, weekly or monthly (omit with --due).")] = None,
    period: Annotated[
        str | None, typer.Option(help="2026-12-02, 2026-W47 or 2026-11 (default: the last complete one).")
    ] = None,
    brand: Annotated[str | None, typer.Option(help="Only this brand (default: every brand, as one report).")] = None,
    due: Annotated[bool, typer.Option("--due", help="Make every report the schedule says is due now.")] = False,
    push: Annotated[bool, typer.Option("--push/--no-push", help="Push to the report channels.")] = True,
    out: Annotated[Path | None, typer.Option(help="Also write the XLSX and PDF into this folder.")] = None,
) -> None:
    """Make a complaint report (XLSX and PDF), store it for the dashboard and push it to the channels."""
    from alerts.channels import build_channels
    from alerts.dispatch import Dispatcher
    from tickets.report_archive import FileFormat, ReportArchive, file_stem
    from yuqing.scheduled_reports import ReportScheduler

    if kind is None and not due:
        raise typer.BadParameter("name a kind (daily, weekly, monthly) or use --due", param_hint="KIND")
    with open_resources() as resources:
        alerts = resources.config.alerts
        channels = build_channels(list(alerts.channels), alerts.allowed_hosts, alerts.allow_private_hosts)
        dispatcher = Dispatcher(resources.db, channels, alerts.escalation_notify)
        scheduler = ReportScheduler(resources, dispatcher)
        if due:
            entries = scheduler.run_due()
        else:
            assert kind is not None
            try:
                job = scheduler.job(kind, period, brand)
            except (ValueError, InvalidQuery) as exc:  # a bad period or brand is a usage error (exit 2)
                raise typer.BadParameter(str(exc), param_hint="--period/--brand") from exc
            # Made by hand: a report of the same period and brand made earlier is replaced.
            entries = [scheduler.make(job, push=push, replace=True, created_by="cli")]
        if push and entries:
            dispatcher.deliver()
        archive = ReportArchive(resources.db)
        for entry in entries:
            console.print(f"#{entry.id} {entry.summary[0]}", markup=False, highlight=False)
            for line in entry.summary[1:]:
                console.print(f"  {line}", markup=False, highlight=False)
            console.print(f"  pushed to: {', '.join(entry.pushed_to) or '-'}", markup=False, highlight=False)
            if out is not None:
                out.mkdir(parents=True, exist_ok=True)
                stem = file_stem(entry.kind, entry.period, entry.brand)
                formats: tuple[FileFormat, ...] = ("xlsx", "pdf")
                for fmt in formats:
                    _, data = archive.file(SYSTEM, entry.id, fmt)
                    (out / f"{stem}.{fmt}").write_bytes(data)
                    console.print(f"  {out / f'{stem}.{fmt}'}", markup=False, highlight=False)
        if not entries:
            console.print("no report is due", markup=False, highlight=False)


@report_app.command("list")
@handles_errors
def report_list(
    kind: Annotated[ReportKind | None, typer.Option(help="Only daily, weekly or monthly reports.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
) -> None:
    """The stored reports, newest first."""
    from tickets.report_archive import ReportArchive

    with open_resources() as resources:
        for entry in ReportArchive(resources.db).list(SYSTEM, kind=kind, limit=limit):
            console.print(
                f"#{entry.id} {entry.kind} {entry.period} {entry.brand or '*'} {entry.created_at:%Y-%m-%d %H:%M} "
                f"xlsx {entry.xlsx_bytes} B, pdf {entry.pdf_bytes} B",
                markup=False,
                highlight=False,
            )
