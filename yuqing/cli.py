"""The ``yuqing`` command line: one program, one subcommand per task."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.table import Table

from sentiment.cli import app as sentiment_app
from yuqing.errors import ConfigError, InvalidQuery, StoreUnavailable, YuqingError

EXIT_OK = 0
EXIT_FAILED = 1  # the command ran and what it ran failed (a crawl, a cycle)
EXIT_USAGE = 2  # bad arguments or an invalid config: nothing ran
EXIT_UNAVAILABLE = 3  # a store (database, index, API) could not be reached

EPILOG = (
    "Exit codes: 0 success · 1 the work failed (a crawl, a cycle) · 2 bad arguments or config, nothing ran · "
    "3 a store or the API is unreachable.\n\n"
    "Settings come from YUQING_* environment variables (see README), overriding the settings: section of the "
    "config file."
)

app = typer.Typer(
    name="yuqing",
    help="Yuqing (舆情): watch what people say about your brands and turn bad news into handled complaints.",
    epilog=EPILOG,
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
tickets_app = typer.Typer(help="Complaint tickets.", no_args_is_help=True)
alerts_app = typer.Typer(help="Alert rules and their state.", no_args_is_help=True)
config_app = typer.Typer(help="Check the configuration.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(tickets_app, name="tickets")
app.add_typer(alerts_app, name="alerts")
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(sentiment_app, name="sentiment")

# Logs and CI capture output without a terminal; rich would fall back to 80 columns and wrap every table.
console = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)

F = TypeVar("F", bound=Callable[..., Any])


def handles_errors(func: F) -> F:
    """Turn Yuqing's errors into a message on stderr and a meaningful exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            err.print(f"[bold red]config error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_USAGE) from exc
        except StoreUnavailable as exc:
            err.print(f"[bold red]unavailable:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_UNAVAILABLE) from exc
        except YuqingError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_FAILED) from exc

    return wrapper  # type: ignore[return-value]


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(console=err, show_path=False, rich_tracebacks=False)],
        force=True,
    )
    # Migrations and HTTP clients narrate every step at INFO; only their problems matter here.
    for noisy in ("alembic", "httpx", "elastic_transport"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


@app.callback()
def _main(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="YAML config file (default: $YUQING_CONFIG or ./yuqing.yaml).", show_default=False
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug messages.")] = False,
) -> None:
    if config is not None:
        os.environ["YUQING_CONFIG"] = str(config.resolve())
    from config.settings import get_settings

    get_settings.cache_clear()
    _setup_logging("DEBUG" if verbose else os.environ.get("YUQING_LOG_LEVEL", "INFO"))


def _load() -> tuple[Any, Any]:
    from config.loader import load_config
    from config.settings import get_settings

    settings = get_settings()
    return settings, load_config(settings.config_path())


@contextlib.contextmanager
def _resources() -> Iterator[Any]:
    from api.resources import Resources

    settings, config = _load()
    resources = Resources.open(settings, config)
    try:
        yield resources
    finally:
        resources.close()


# -- serve / run / crawl / demo ------------------------------------------------------------------------------
@app.command()
@handles_errors
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: YUQING_API_HOST, 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: YUQING_API_PORT, 8000).")] = None,
) -> None:
    """Start the HTTP API (docs at /docs). Crawls never run here: start [bold]yuqing run[/] for those."""
    import uvicorn

    from api.app import create_app

    settings, _ = _load()  # validate the config before listening
    host = host or settings.api_host
    port = port or settings.api_port
    if not settings.api_keys:
        err.print("[yellow]warning:[/] no API keys configured (YUQING_API_KEYS); every API call will get 401.")
    uvicorn.run(create_app(settings=settings), host=host, port=port, log_level=settings.log_level.lower())


@app.command()
@handles_errors
def run(
    once: Annotated[
        bool, typer.Option("--once", help="Run one cycle (crawl every source, evaluate rules), then exit.")
    ] = False,
) -> None:
    """Run the scheduler: crawl each source on its interval, score, index, evaluate alert rules. Stops on Ctrl-C."""
    from yuqing.report import Snapshot, print_cycle
    from yuqing.worker import Worker

    with _resources() as resources:
        worker = Worker(resources.settings, resources.config, resources)

        async def go() -> int:
            try:
                if once:
                    before = Snapshot.take(resources)
                    report = await worker.run_once(lambda c: err.print(f"crawled {c.source}: {c.status}"))
                    print_cycle(console, resources, report, before)
                    return EXIT_FAILED if any(c.status == "failed" for c in report.crawls) else EXIT_OK
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(sig, stop.set)
                await worker.run_forever(stop)
                return EXIT_OK
            finally:
                await worker.aclose()

        code = asyncio.run(go())
    raise typer.Exit(code)


@app.command()
@handles_errors
def crawl(
    source: Annotated[str, typer.Argument(help="Name of a source in the config.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the run report as one JSON line.")] = False,
) -> None:
    """Crawl one source in this process and store what matches. The scheduler runs this as a subprocess."""
    from crawlers.runner import crawl as run_crawl

    settings, config = _load()
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
    if report.status == "failed":
        raise typer.Exit(EXIT_FAILED)


@app.command()
@handles_errors
def demo(
    data_dir: Annotated[Path, typer.Option(help="Where the demo keeps its SQLite stores and logs.")] = Path("var/demo"),
) -> None:
    """Run one monitoring cycle on bundled offline sources and print what happened (idempotent: run it twice)."""
    from yuqing.demo import run_demo

    raise typer.Exit(run_demo(data_dir, console))


# -- reading ------------------------------------------------------------------------------------------------
_STATE_STYLE = {
    "ok": "green",
    "degraded": "yellow",
    "failing": "red",
    "needs_credentials": "bold red",
    "never_run": "dim",
}


@app.command()
@handles_errors
def sources() -> None:
    """Each source's health: state (ok, degraded, failing, needs_credentials), last run and last success, items,
    parse errors and HTTP errors of the last run. Exit code 1 when an enabled source is failing or needs
    credentials."""
    from yuqing.timeutil import format_duration

    with _resources() as resources:
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
        bad = [
            s.name
            for s in resources.config.sources
            if s.enabled and health[s.name].state.value in {"failing", "needs_credentials"}
        ]
    if bad:
        raise typer.Exit(EXIT_FAILED)


@app.command()
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
        sys.stdout.write(json.dumps(dataclasses.asdict(item), ensure_ascii=False, default=str) + "\n")
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


@app.command()
@handles_errors
def search(
    query: Annotated[
        str,
        typer.Argument(
            help='A query in the search language: words (all must occur), "phrases", OR, NOT or -word, '
            "NEAR/5, platform:, brand:, lang:, author:, category:, sentiment:<0.3, rating:[1 TO 2], "
            "date:>now-7d (see the README's 'Search language')."
        ),
    ],
    brand: Annotated[list[str] | None, typer.Option(help="Only this brand (repeatable).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
) -> None:
    """Search stored mentions, best match first (newest first for a query of field conditions only).

    Example: yuqing search '(退款 OR refund) -广告 platform:weibo date:>now-7d'. A query that cannot be run
    exits 2 with the column and what was expected there."""
    from index.base import MentionFilter, SearchRequest, SortOrder
    from tickets.masking import mask_text
    from yuqing.errors import InvalidQuery

    with _resources() as resources:
        try:
            flt = MentionFilter(query=query, query_tz=resources.config.timezone, brands=brand or [])
            page = resources.mentions.search(
                SearchRequest(filter=flt, sort=SortOrder.relevance, limit=limit, highlight=False)
            )
        except InvalidQuery as exc:
            err.print(f"[bold red]invalid query:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_USAGE) from exc
        table = Table(title=f"{page.total} mentions match {query!r}")
        for col in ("published (UTC)", "platform", "brands", "sentiment", "text"):
            table.add_column(col, overflow="fold")
        for hit in page.hits:
            m = hit.mention
            score = (
                f"{m.sentiment_label.value} {m.sentiment_score:.2f}"
                if m.sentiment_score is not None
                else m.sentiment_label.value
            )
            text = (m.title + " · " if m.title else "") + m.text[:120]
            table.add_row(
                f"{m.published_at:%Y-%m-%d %H:%M}",
                m.platform,
                ", ".join(m.brands),
                score,
                escape(mask_text(text) or ""),  # crawled text: no rich markup from strangers
            )
        console.print(table)


@tickets_app.command("list")
@handles_errors
def tickets_list(
    status: Annotated[list[str] | None, typer.Option(help="Only these statuses (repeatable).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
) -> None:
    """Newest tickets first."""
    from tickets.schemas import TicketQuery

    with _resources() as resources:
        page = resources.tickets.find(TicketQuery.model_validate({"status": status or [], "limit": limit}))
        table = Table(title=f"{page.total} tickets")
        for col in ("number", "status", "priority", "brand", "origin", "created (UTC)", "title"):
            table.add_column(col)
        for t in page.items:
            table.add_row(
                t.number,
                t.status.value,
                t.priority.value,
                t.brand or "",
                t.origin.value,
                f"{t.created_at:%Y-%m-%d %H:%M}",
                escape(t.title),
            )
        console.print(table)


@tickets_app.command("show")
@handles_errors
def tickets_show(number: Annotated[str, typer.Argument(help="Ticket number (FBD...) or id.")]) -> None:
    """One ticket with its mentions and history."""
    with _resources() as resources:
        ticket = resources.tickets.get_by_number(number) if not number.isdigit() else resources.tickets.get(int(number))
        full = resources.tickets.get(ticket.id, history=True)
        console.print(full.model_dump_json(indent=2), markup=False, highlight=False)


@alerts_app.command("status")
@handles_errors
def alerts_status() -> None:
    """Every rule and key the engine has seen, and whether it is firing."""
    with _resources() as resources:
        table = Table(title="Alert state")
        for col in ("rule", "key", "state", "since (UTC)", "ticket"):
            table.add_column(col)
        for s in resources.alerts.all():
            table.add_row(
                s.rule, s.key, s.status, f"{s.since:%Y-%m-%d %H:%M}" if s.since else "", s.ticket_number or ""
            )
        console.print(table)


searches_app = typer.Typer(help="Saved mention searches.", no_args_is_help=True)
app.add_typer(searches_app, name="searches")


@searches_app.command("list")
@handles_errors
def searches_list() -> None:
    """Every saved search: owner, whether it is shared (usable by alert rules' saved_search), order, query."""

    from index.saved import SavedSearchStore
    from tickets.access import SYSTEM

    with _resources() as resources:
        searches = SavedSearchStore(resources.db).visible(SYSTEM)
        table = Table(title=f"{len(searches)} saved searches")
        for col in ("id", "name", "owner", "shared", "sort", "updated (UTC)", "query"):
            table.add_column(col, overflow="fold")
        for search in searches:
            table.add_row(
                str(search.id),
                escape(search.name),
                escape(search.owner),
                "yes" if search.shared else "",
                search.filters.sort.value,
                f"{search.updated_at:%Y-%m-%d %H:%M}",
                escape(search.query),
            )
        console.print(table)


@config_app.command("check")
@handles_errors
def config_check(
    path: Annotated[Path | None, typer.Argument(help="Config file (default: the one in use).")] = None,
) -> None:
    """Validate a config file and summarise it. Exit code 2 when it is invalid."""
    from config.loader import load_config
    from config.settings import get_settings, load_settings

    settings = load_settings(path) if path else get_settings()
    cfg = load_config(path or settings.config_path())
    console.print(
        f"[green]valid[/]: {len(cfg.brands)} brands, {len(cfg.sources)} sources, {len(cfg.alerts.rules)} alert rules"
    )
    console.print(f"mentions: {settings.resolved_mention_store_url().split('@')[-1]}")
    console.print(f"database: {settings.resolved_database_url().split('@')[-1]}")


@db_app.command("upgrade")
@handles_errors
def db_upgrade() -> None:
    """Create or migrate every table and index template (also done on start)."""
    with _resources() as resources:
        console.print(f"[green]up to date[/]: {resources.mentions.describe()}; {resources.db.describe()}")


def main() -> None:
    """Entry point of the ``yuqing`` command."""
    app()


# -- complaint process ------------------------------------------------------------------------------------------
users_app = typer.Typer(help="People, roles and API keys.", no_args_is_help=True)
report_app = typer.Typer(help="Reports.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(report_app, name="report")


def _read_rows(source: Path, text_column: str | None) -> tuple[list[str], list[dict[str, str]], str]:
    """Rows from a CSV (``text_column`` names the text) or from lines of text (column ``text``)."""
    import csv

    raw = sys.stdin.read() if str(source) == "-" else source.read_text(encoding="utf-8-sig")
    if text_column:
        reader = csv.DictReader(raw.splitlines())
        columns = list(reader.fieldnames or [])
        if text_column not in columns:
            raise typer.BadParameter(f"no column {text_column!r}; the CSV has {columns}", param_hint="--text-column")
        return columns, list(reader), text_column
    return ["text"], [{"text": line} for line in raw.splitlines() if line.strip()], "text"


@app.command()
@handles_errors
def classify(
    source: Annotated[
        Path, typer.Argument(help="Texts, one per line, or a CSV with --text-column; - for stdin.", allow_dash=True)
    ],
    text_column: Annotated[str | None, typer.Option(help="The CSV column holding the complaint text.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the CSV here (default: stdout).")] = None,
) -> None:
    """Classify complaints with the configured lexicon: writes CSV with the input columns plus
    category, grade, confidence and the matched words, so admins can tune the lexicon on their own data."""
    import csv

    from config.loader import load_config
    from config.settings import get_settings
    from tickets.policy import TicketPolicy

    settings = get_settings()
    path = settings.config_path()
    policy = TicketPolicy.from_config(load_config(path).tickets) if path.exists() else TicketPolicy()
    columns, rows, column = _read_rows(source, text_column)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*columns, "category", "grade", "confidence", "matched"])
    writer.writeheader()
    for row in rows:
        verdict = policy.classifier.classify(row.get(column) or "")
        writer.writerow(
            {
                **row,
                "category": verdict.category.value,
                "grade": verdict.grade.value,
                "confidence": f"{verdict.confidence:.2f}",
                "matched": verdict.matched_text(),
            }
        )
    if output:
        output.write_text(out.getvalue(), encoding="utf-8")
    else:
        sys.stdout.write(out.getvalue())


@users_app.command("add")
@handles_errors
def users_add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="admin, pr or agent.")] = "agent",
    level: Annotated[str, typer.Option(help="agent, supervisor, manager or executive (escalation chain).")] = "agent",
    department: Annotated[list[str] | None, typer.Option(help="Department (repeatable).")] = None,
    brand: Annotated[list[str] | None, typer.Option(help="Only these brands (repeatable; default all).")] = None,
    permission: Annotated[list[str] | None, typer.Option(help="pii, export, approve_export (repeatable).")] = None,
) -> None:
    """Add a user and print their API key (shown once)."""
    from tickets.enums import Level, Role

    try:
        role_, level_ = Role(role), Level(level)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    with _resources() as resources:
        unknown = sorted(set(department or []) - set(resources.config.tickets.departments))
        if unknown:
            raise typer.BadParameter(
                f"unknown departments {unknown}; configured: {resources.config.tickets.departments}",
                param_hint="--department",
            )
        user, key = resources.users.create(
            name,
            role_,
            level=level_,
            departments=department or [],
            brands=brand or [],
            permissions=permission or [],
            actor="cli",
        )
    console.print(f"user [bold]{user.name}[/] ({user.role}, {user.level}) created; API key (shown once):")
    sys.stdout.write(key + "\n")


@users_app.command("list")
@handles_errors
def users_list() -> None:
    """Every user, their role, level, departments, brands and permissions."""
    with _resources() as resources:
        table = Table(title="Users")
        for col in ("id", "name", "role", "level", "departments", "brands", "permissions", "active"):
            table.add_column(col)
        for u in resources.users.all():
            table.add_row(
                str(u.id),
                u.name,
                u.role,
                u.level,
                ", ".join(u.departments),
                ", ".join(u.brands) or "all",
                ", ".join(u.permissions),
                "yes" if u.active else "no",
            )
        console.print(table)


@users_app.command("deactivate")
@handles_errors
def users_deactivate(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Disable a user: their key stops working at once."""
    with _resources() as resources:
        user = resources.users.by_name(name)
        resources.users.set_active(user.id, False, actor="cli")
    console.print(f"user {name} deactivated")


@report_app.command("weekly")
@handles_errors
def report_weekly(
    week: Annotated[str | None, typer.Option(help="ISO week like 2026-W47 (default: last week).")] = None,
    brand: Annotated[str | None, typer.Option(help="Only this brand.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Top-10 issues, volumes, SLA compliance, satisfaction and the complaint rate against its baseline."""
    from index.base import MentionFilter
    from tickets.access import SYSTEM
    from tickets.report import weekly_report

    with _resources() as resources:

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


def _rule(config: Any, name: str) -> Any:
    from alerts.registry import build_rule

    for rule in config.rules():
        if rule.name == name:
            return build_rule(rule)
    known = ", ".join(r.name for r in config.rules()) or "none"
    raise typer.BadParameter(f"no rule named {name!r} (configured: {known})", param_hint="RULE")


@alerts_app.command("test")
@handles_errors
def alerts_test(
    rule: Annotated[str, typer.Argument(help="A rule name from the config.")],
    since: Annotated[str, typer.Option(help="How far back to replay (e.g. 7d, 48h).")] = "7d",
    step: Annotated[
        str | None,
        typer.Option(help="Time between evaluations (default: alerts.evaluate_every; at least 1/500 of the replay)."),
    ] = None,
) -> None:
    """Replay RULE over the stored history and print what would have fired and resolved. Nothing is stored,
    no ticket opened, nobody notified."""
    from alerts.backtest import replay
    from alerts.engine import resolve_saved_query
    from index.saved import SavedSearchStore
    from yuqing.timeutil import parse_duration, utcnow

    with _resources() as resources:
        config = resources.config
        evaluated = _rule(config, rule)
        # The search as it is now, as the engine would use it on its next evaluation.
        saved_query = resolve_saved_query(evaluated.config, SavedSearchStore(resources.db))
        try:
            span = parse_duration(since)
            every = parse_duration(step) if step else config.alerts.evaluate_every
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
        every = max(every, span / 500)
        now = utcnow()
        moments = []
        moment = now - span
        while moment <= now:
            moments.append(moment)
            moment += every
        with console.status(f"replaying {rule} at {len(moments)} moments…"):
            events = replay(
                evaluated,
                resources.mentions,
                moments,
                config.brand_names(),
                config.timezone,
                saved_query=saved_query,
            )
    table = Table(title=f"{rule}: {sum(e.kind == 'fired' for e in events)} alerts over the last {since}")
    for col in ("at (UTC)", "key", "event", "summary"):
        table.add_column(col, overflow="fold")
    for event in events:
        style = "red" if event.kind == "fired" else "green"
        table.add_row(f"{event.at:%Y-%m-%d %H:%M}", event.key, f"[{style}]{event.kind}[/]", event.summary)
    console.print(table)


@alerts_app.command("backtest")
@handles_errors
def alerts_backtest(
    rule: Annotated[str, typer.Option("--rule", help="A count-based rule from the config.")],
    series: Annotated[
        Path,
        typer.Option("--series", help="CSV: timestamp,count[,negative], evenly spaced; - for stdin.", allow_dash=True),
    ],
) -> None:
    """Run one rule over a count series and print CSV timestamp,count,alert (alert 1 where it would fire),
    one row per input row: tune thresholds on exported or historical data."""
    from alerts.backtest import backtest, read_series, write_backtest

    _, config = _load()
    evaluated = _rule(config, rule)
    try:
        text = sys.stdin.read() if str(series) == "-" else series.read_text(encoding="utf-8")
        points, step = read_series(text)
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {series}: {exc.strerror}", param_hint="--series") from exc
    except InvalidQuery as exc:
        raise typer.BadParameter(str(exc), param_hint="--series") from exc
    sys.stdout.write(write_backtest(points, backtest(evaluated, points, step, config.timezone)))


@alerts_app.command("eval")
@handles_errors
def alerts_eval(
    directory: Annotated[Path, typer.Argument(help="The folder of the labelled CSV series.")],
    windows: Annotated[Path, typer.Option("--windows", help="JSON: file name → [[start, end], …] anomaly windows.")],
    rule: Annotated[
        str | None, typer.Option("--rule", help="A count-based rule from the config (default: volume_spike defaults).")
    ] = None,
) -> None:
    """Score a spike rule on labelled series beside two baselines: windows caught, false alerts per week,
    median delay, per file and overall."""
    from alerts.evaluation import evaluation_table

    evaluated = _rule(_load()[1], rule) if rule else None
    try:
        console.print(evaluation_table(windows, directory, evaluated), markup=False, highlight=False)
    except InvalidQuery as exc:
        raise typer.BadParameter(str(exc), param_hint="--windows") from exc
