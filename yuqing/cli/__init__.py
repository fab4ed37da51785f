"""The ``yuqing`` command line: one program, one subcommand per task.

This module builds the root Typer app and mounts the commands; each command group lives in its own module.
The order of registration below is the order ``yuqing --help`` lists them in.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from sentiment.cli import app as sentiment_app
from yuqing.cli.alerts import alerts_app
from yuqing.cli.classify import classify
from yuqing.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    console,
    err,
    handles_errors,
    setup_logging,
)
from yuqing.cli.config_db import config_app, db_app
from yuqing.cli.crawl import crawl, parse, sources
from yuqing.cli.privacy import privacy_app
from yuqing.cli.report import report_app
from yuqing.cli.search import search, searches_app
from yuqing.cli.serve_run import demo, run, serve
from yuqing.cli.tickets import tickets_app
from yuqing.cli.users import users_app
from yuqing.cli.workers import scheduler, worker, workers

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_UNAVAILABLE",
    "EXIT_USAGE",
    "app",
    "console",
    "err",
    "handles_errors",
    "main",
]

EPILOG = (
    "Exit codes: 0 success · 1 the work failed (a crawl, a cycle) · 2 bad arguments or config, nothing ran · "
    "3 a store or the API is unreachable · 4 a crawl needs credentials · 5 a crawl partly failed.\n\n"
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

for command in (serve, run, scheduler, worker, workers, crawl, demo, sources, parse, search, classify):
    app.command()(command)
app.add_typer(tickets_app, name="tickets")
app.add_typer(alerts_app, name="alerts")
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(sentiment_app, name="sentiment")
app.add_typer(searches_app, name="searches")
app.add_typer(users_app, name="users")
app.add_typer(report_app, name="report")
app.add_typer(privacy_app, name="privacy")


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
    setup_logging("DEBUG" if verbose else os.environ.get("YUQING_LOG_LEVEL", "INFO"))


def main() -> None:
    """Entry point of the ``yuqing`` command."""
    app()
