"""``yuqing users``: add, list and deactivate people and their API keys."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from yuqing.cli.common import console, handles_errors, open_resources

users_app = typer.Typer(help="People, roles and API keys.", no_args_is_help=True)


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
    with open_resources() as resources:
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
    with open_resources() as resources:
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
    with open_resources() as resources:
        user = resources.users.by_name(name)
        resources.users.set_active(user.id, False, actor="cli")
    console.print(f"user {name} deactivated")
