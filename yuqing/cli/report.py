"""``yuqing report weekly``: the weekly complaint report on the terminal or as JSON."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from foundation.errors import InvalidQuery
from foundation.i18n import DEFAULT_LANGUAGE, Language
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
    from foundation.access import SYSTEM
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
