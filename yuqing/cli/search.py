"""Searching stored mentions: ``search`` with the query language, ``searches list`` of saved searches."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from foundation.errors import InvalidQuery
from yuqing.cli.common import EXIT_USAGE, console, err, handles_errors, open_resources


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

    with open_resources() as resources:
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


searches_app = typer.Typer(help="Saved mention searches.", no_args_is_help=True)


@searches_app.command("list")
@handles_errors
def searches_list() -> None:
    """Every saved search: owner, whether it is shared (usable by alert rules' saved_search), order, query."""

    from foundation.access import SYSTEM
    from index.saved import SavedSearchStore

    with open_resources() as resources:
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
