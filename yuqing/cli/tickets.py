"""``yuqing tickets``: list and show complaint tickets."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from yuqing.cli.common import console, handles_errors, open_resources

tickets_app = typer.Typer(help="Complaint tickets.", no_args_is_help=True)


@tickets_app.command("list")
@handles_errors
def tickets_list(
    status: Annotated[list[str] | None, typer.Option(help="Only these statuses (repeatable).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
) -> None:
    """Newest tickets first."""
    from tickets.schemas import TicketQuery

    with open_resources() as resources:
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
    with open_resources() as resources:
        ticket = resources.tickets.get_by_number(number) if not number.isdigit() else resources.tickets.get(int(number))
        full = resources.tickets.get(ticket.id, history=True)
        console.print(full.model_dump_json(indent=2), markup=False, highlight=False)
