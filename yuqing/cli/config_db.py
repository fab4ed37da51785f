"""``yuqing config check`` validates a config file; ``yuqing db upgrade`` migrates the stores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yuqing.cli.common import console, handles_errors, open_resources

config_app = typer.Typer(help="Check the configuration.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


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
    with open_resources() as resources:
        console.print(f"[green]up to date[/]: {resources.mentions.describe()}; {resources.db.describe()}")
