"""``yuqing report weekly``: the weekly complaint report on the terminal or as JSON."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from yuqing.cli.common import console, handles_errors, open_resources

report_app = typer.Typer(help="Reports.", no_args_is_help=True)


@report_app.command("weekly")
@handles_errors
def report_weekly(
    week: Annotated[str | None, typer.Option(help="ISO week like 2026-W47 (default: last week).")] = None,
    brand: Annotated[str | None, typer.Option(help="Only this brand.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Top-10 issues, volumes, SLA compliance, satisfaction and the complaint rate against its baseline."""
    from foundation.access import SYSTEM
    from index.base import MentionFilter
    from tickets.report import weekly_report

    with open_resources() as resources:

        def count(name: str | None, start: Any, end: Any) -> int:
            return int(resources.mentions.count(MentionFilter(brands=[name] if name else [], since=start, until=end)))

        try:
            report = weekly_report(resources.tickets, SYSTEM, week=week, brand=brand, mentions=count)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--week") from exc
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
        return
    console.print(
        f"[bold]Weekly complaint report {report.week}[/]"
        + (f" · {brand}" if brand else "")
        + f": {report.received} tickets received"
    )
    issues = Table(title="Top issues (category × product)")
    for col in ("category", "product", "tickets"):
        issues.add_column(col)
    for issue in report.top_issues:
        issues.add_row(issue.category, issue.product or "-", str(issue.tickets))
    console.print(issues)

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    console.print(
        f"SLA: responded on time {pct(report.respond_on_time)}, resolved on time "
        f"{pct(report.resolve_on_time)}, open and overdue now {report.overdue_open}"
    )
    console.print(
        f"Satisfaction: {report.satisfaction or '-'} (rate {pct(report.satisfaction_rate)}); "
        f"reopened after the revisit: {report.reopened}"
    )
    flag = "[bold red]ABOVE baseline[/]" if report.rate_above_baseline else "within baseline"
    console.print(
        f"Complaint rate: {report.rate.rate} per 1,000 mentions vs baseline {report.baseline_rate} "
        f"({', '.join(f'{b.week}: {b.rate}' for b in report.baseline)}) → {flag}"
    )
