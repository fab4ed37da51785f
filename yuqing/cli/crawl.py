"""Crawling from the command line: ``crawl`` one source, ``sources`` health, ``parse`` a saved response."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from yuqing.cli.common import (
    EXIT_FAILED,
    EXIT_NEEDS_CREDENTIALS,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    console,
    err,
    handles_errors,
    load,
    open_resources,
)

#: ``yuqing crawl``'s exit code by run status: scripts and the scheduler can tell what happened.
CRAWL_EXIT = {
    "ok": EXIT_OK,
    "degraded": EXIT_PARTIAL,
    "failed": EXIT_FAILED,
    "needs_credentials": EXIT_NEEDS_CREDENTIALS,
}


@handles_errors
def crawl(
    source: Annotated[str, typer.Argument(help="Name of a source in the config.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the run report as one JSON line.")] = False,
) -> None:
    """Crawl one source in this process and store what matches. The scheduler runs this as a subprocess.

    Exit code: 0 ok, 1 failed, 2 invalid config or unknown source, 3 a store unreachable, 4 needs credentials,
    5 partial (degraded: some pages, items or writes failed)."""
    from crawlers.runner import crawl as run_crawl

    settings, config = load()
    try:
        config.source(source)
    except KeyError as exc:
        err.print(f"[bold red]error:[/] {exc.args[0]}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from exc
    report = run_crawl(config, settings, source)
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False) + "\n")
    else:
        table = Table(title=f"crawl {source}")
        table.add_column("field")
        table.add_column("value")
        for key, value in report.as_dict().items():
            table.add_row(key, str(value))
        console.print(table)
    code = CRAWL_EXIT.get(report.status, EXIT_FAILED)
    if code != EXIT_OK:
        raise typer.Exit(code)


_STATE_STYLE = {
    "ok": "green",
    "degraded": "yellow",
    "failing": "red",
    "needs_credentials": "bold red",
    "blocked": "bold red",
    "never_run": "dim",
}


@handles_errors
def sources() -> None:
    """Each source's health: state (ok, degraded, failing, needs_credentials, blocked), last run and last success,
    items, parse errors and HTTP errors of the last run. Exit code 1 when an enabled source is failing, blocked or
    needs credentials."""
    from foundation.timeutil import format_duration

    with open_resources() as resources:
        health = resources.sources.health([s.name for s in resources.config.sources])
        table = Table(title="Sources (times in UTC; counts of the last run)")
        columns = ("source", "type", "every", "state", "last run", "last success", "items", "new", "parse errors")
        for col in columns:
            table.add_column(col, no_wrap=True, min_width=len(col))
        table.add_column("HTTP errors", overflow="fold")
        problems = []
        for source in resources.config.sources:
            h = health[source.name]
            state = h.state.value + ("" if source.enabled else " (disabled)")
            table.add_row(
                source.name,
                source.type,
                format_duration(source.interval),
                f"[{_STATE_STYLE.get(h.state.value, 'white')}]{state}[/]",
                f"{h.last_run_at:%Y-%m-%d %H:%M}" if h.last_run_at else "never",
                f"{h.last_success_at:%Y-%m-%d %H:%M}" if h.last_success_at else "-",
                "-" if h.items_last_run is None else str(h.items_last_run),
                "-" if h.created_last_run is None else str(h.created_last_run),
                str(h.parse_errors),
                ", ".join(f"{code}×{n}" for code, n in h.http_errors.items()) or "0",
            )
            if h.last_error and h.state.value != "ok":
                problems.append(f"{source.name}: {h.last_error}")
            problems.extend(f"{source.name}: unrecognised response saved to {sample}" for sample in h.samples)
        console.print(table)
        for line in problems:
            console.print(f"  {line}", highlight=False, soft_wrap=True)
        if resources.settings.redis_url:
            from yuqing.cli.workers import queue_summary

            console.print(queue_summary(resources.settings))
        bad = [
            s.name
            for s in resources.config.sources
            if s.enabled and health[s.name].state.value in {"failing", "needs_credentials", "blocked"}
        ]
    if bad:
        raise typer.Exit(EXIT_FAILED)


@handles_errors
def parse(
    platform: Annotated[str, typer.Argument(help="Platform name, e.g. hackernews, weibo, bilibili.")],
    file: Annotated[
        Path, typer.Argument(help="A saved response (JSON, XML or HTML), or - for standard input.", allow_dash=True)
    ],
    kind: Annotated[str | None, typer.Option(help="Response kind (search, comments, ...); default: detected.")] = None,
) -> None:
    """Print the mentions one saved platform response yields, as JSON lines in the common item shape.

    Which of the platform's responses it is (search results, comments, reviews, feed) is detected. A summary goes
    to stderr; exit code 1 when the response's structure is not recognised."""
    import dataclasses

    from crawlers.platforms import get_platform
    from crawlers.platforms.base import ShapeError
    from index.reach import reach as item_reach

    try:
        parser = get_platform(platform)
    except KeyError as exc:
        err.print(f"[bold red]error:[/] {exc.args[0]}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from exc
    try:
        body = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        err.print(f"[bold red]error:[/] cannot read {file}: {exc.strerror}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from exc
    try:
        page = parser.parse(kind, body) if kind else parser.parse_any(body)
    except ShapeError as exc:
        err.print(f"[bold red]not recognised:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_FAILED) from exc
    for item in page.items:
        line = {
            **dataclasses.asdict(item),
            "reach": item_reach(item.platform, item.likes, item.comments, item.reposts, item.extra),
        }
        sys.stdout.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
    summary = f"{platform} {page.kind}: {len(page.items)} mentions"
    if page.total is not None:
        summary += f" (of {page.total})"
    if page.next:
        summary += f"; next page: {json.dumps(page.next, ensure_ascii=False)}"
    if page.follow:
        summary += f"; {len(page.follow)} follow-up requests"
    err.print(summary, highlight=False, soft_wrap=True)
    for problem in page.problems:
        err.print(f"  skipped: {problem}", highlight=False, soft_wrap=True)
