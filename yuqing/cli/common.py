"""What every ``yuqing`` command shares: exit codes, the two consoles, error handling, loading config and stores."""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from foundation.errors import ConfigError, StoreUnavailable, YuqingError

EXIT_OK = 0
EXIT_FAILED = 1  # the command ran and what it ran failed (a crawl, a cycle)
EXIT_USAGE = 2  # bad arguments or an invalid config: nothing ran
EXIT_UNAVAILABLE = 3  # a store (database, index, API) could not be reached
EXIT_NEEDS_CREDENTIALS = 4  # a crawl could not run: the source needs a cookie or key it lacks
EXIT_PARTIAL = 5  # a crawl ran but part of it failed (degraded: pages, parse or store errors)

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


def setup_logging(level: str) -> None:
    """Log to stderr through rich at ``level``."""
    from foundation.pii import PiiLogFilter

    handler = RichHandler(console=err, show_path=False, rich_tracebacks=False)
    handler.addFilter(PiiLogFilter())  # logs are read by people too: personal data masked
    logging.basicConfig(level=level, format="%(message)s", datefmt="[%X]", handlers=[handler], force=True)
    for own_handlers in ("uvicorn.access", "uvicorn.error"):
        logging.getLogger(own_handlers).addFilter(PiiLogFilter())
    # Migrations and HTTP clients narrate every step at INFO; only their problems matter here.
    for noisy in ("alembic", "httpx", "elastic_transport"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def load() -> tuple[Any, Any]:
    """The settings in use and the config file they point to, validated."""
    from config.loader import load_config
    from config.settings import get_settings

    settings = get_settings()
    return settings, load_config(settings.config_path())


@contextlib.contextmanager
def open_resources() -> Iterator[Any]:
    """The stores the config names, open for the duration of the ``with`` block."""
    from api.resources import Resources

    settings, config = load()
    resources = Resources.open(settings, config)
    try:
        yield resources
    finally:
        resources.close()
