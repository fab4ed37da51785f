"""What a monitoring cycle did, printed for people (``yuqing demo``, ``yuqing run --once``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from alerts.registry import RULE_TYPES
from api.resources import Resources
from index.base import MentionFilter
from sentiment.base import SentimentLabel
from tickets.schemas import TicketQuery
from yuqing.worker import CycleReport


@dataclass
class Snapshot:
    """Counts taken before a cycle, to tell what the cycle added."""

    mentions: int
    ticket_ids: set[int]

    @classmethod
    def take(cls, resources: Resources) -> Snapshot:
        return cls(resources.mentions.count(MentionFilter()), _ticket_ids(resources))


def _ticket_ids(resources: Resources) -> set[int]:
    ids: set[int] = set()
    cursor = None
    while True:
        page = resources.tickets.find(TicketQuery(limit=100, cursor=cursor))
        ids.update(t.id for t in page.items)
        if not page.next_cursor:
            return ids
        cursor = page.next_cursor


def print_cycle(console: Console, resources: Resources, report: CycleReport, before: Snapshot) -> None:
    """Crawls per source, brand matches, sentiment, alerts, tickets and where the data lives."""
    crawls = Table(
        title="Crawls, one process per source (items: parsed; kept: matched a brand; new/changed/same: in the index)",
        title_justify="left",
    )
    columns = ("source", "status", "pages", "items", "kept", "new", "changed", "same", "dropped", "parse err", "robots")
    for col in columns:
        crawls.add_column(col, justify="left" if col in {"source", "status"} else "right", no_wrap=True)
    notes = []
    for crawl in report.crawls:
        r = crawl.report or {}
        dropped = r.get("dropped") or {}
        style = {"ok": "green", "degraded": "yellow"}.get(crawl.status, "red")
        figures = [r.get(k, 0) for k in ("pages", "items_scraped", "items_matched", "created", "updated", "unchanged")]
        crawls.add_row(
            crawl.source,
            f"[{style}]{crawl.status}[/]",
            *map(str, figures),
            str(sum(dropped.values())),
            str(r.get("parse_errors", 0)),
            str(r.get("robots_blocked", 0)),
        )
        details = []
        if dropped:
            details.append("dropped " + ", ".join(f"{n} {reason}" for reason, n in sorted(dropped.items())))
        if r.get("robots_blocked"):
            details.append(f"{r['robots_blocked']} page(s) not fetched because robots.txt disallows them")
        if crawl.error:
            details.append(crawl.error)
        if details:
            notes.append(f"  {crawl.source}: " + "; ".join(details))
    console.print(crawls)
    for note in notes:
        console.print(note, highlight=False, markup=False)
    console.print(f"  crawl logs: {resources.settings.data_dir / 'logs'}", highlight=False)
    console.print()

    brands = Table(title="Mentions stored per brand (all time)", title_justify="left")
    for col in ("brand", "mentions", "negative", "neutral", "positive", "unscored", "matched this run"):
        brands.add_column(col, justify="left" if col == "brand" else "right")
    matched: Counter[str] = Counter()
    for crawl in report.crawls:
        matched.update((crawl.report or {}).get("brands") or {})
    totals: Counter[str] = Counter()
    for brand in resources.config.brand_names():
        counts = resources.mentions.label_counts(MentionFilter(brands=[brand]))
        totals.update({k.value: v for k, v in counts.items()})
        brands.add_row(
            brand,
            str(sum(counts.values())),
            *(
                str(counts[label])
                for label in (
                    SentimentLabel.negative,
                    SentimentLabel.neutral,
                    SentimentLabel.positive,
                    SentimentLabel.unscored,
                )
            ),
            str(matched.get(brand, 0)),
        )
    console.print(brands)
    total = sum(totals.values())
    if total:
        parts = ", ".join(
            f"{label} {totals[label]} ({totals[label] / total:.0%})"
            for label in ("negative", "neutral", "positive", "unscored")
        )
        console.print(f"Sentiment of all {total} brand mentions: {parts}")
    now_total = resources.mentions.count(MentionFilter())
    console.print(f"Mentions in the index: {now_total} ({now_total - before.mentions} new this run)")

    evaluation = report.evaluation
    console.print()
    if evaluation is None:
        console.print("Alerts: not evaluated.")
    else:
        alerts = Table(title="Alert rules", title_justify="left")
        for col in ("rule", "brand", "state", "why", "ticket"):
            alerts.add_column(col, overflow="fold", max_width=60 if col == "why" else None)
        states = {(s.rule, s.key): s for s in resources.alerts.all()}
        # An event rule fires once per post; a window rule keeps firing while its condition holds.
        events = {r.name for r in resources.config.alerts.rules if RULE_TYPES[r.type].kind == "event"}
        for outcome in evaluation.outcomes:
            if outcome.status != "evaluated":
                alerts.add_row(outcome.rule, "*", f"[red]{outcome.status}[/]", escape(outcome.error or ""), "")
                continue
            fired = {f.key: f for f in outcome.fired}
            for obs in outcome.observations:
                state = states.get((outcome.rule, obs.key))
                if obs.key in fired:
                    f = fired[obs.key]
                    if f.new_ticket:
                        label = "[bold red]FIRED[/]: new ticket"
                    elif f.ticket_number:
                        # The ticket API found the posts in an open ticket and commented on it instead.
                        label = "[red]fired[/]: added to an open ticket"
                    else:
                        label = "[red]fired[/]: ticket pending (retried next evaluation)"
                    ticket = f.ticket_number or f"not yet: {f.error}"
                elif obs.firing:
                    label = "alerted earlier" if outcome.rule in events else "[red]still firing[/]"
                    ticket = (state.ticket_number if state else None) or "-"
                elif obs.key in outcome.resolved:
                    label, ticket = "[green]resolved[/]", "-"
                else:
                    label, ticket = "[green]ok[/]", "-"
                n = obs.numbers
                numbers = (
                    f"{n.get('negative')}/{n.get('scored')} negative = {n.get('share', 0):.0%} "
                    f"(threshold {n.get('threshold', 0):.0%}, min {n.get('min_count')}, {n.get('window')})"
                    if "share" in n
                    else obs.summary
                )
                # Summaries quote crawled posts: shown as text, never as rich markup.
                alerts.add_row(outcome.rule, obs.brand or obs.key, label, escape(numbers), escape(ticket))
        console.print(alerts)
        fired_now = evaluation.fired
        console.print(
            f"Alerts fired this run: {len(fired_now)} ({len(evaluation.opened)} opened a ticket, "
            f"{sum(1 for f in fired_now if not f.new_ticket and f.ticket_number)} added to an open one)"
        )

    after = _ticket_ids(resources)
    opened = sorted(after - before.ticket_ids)
    tickets = Table(title="Tickets", title_justify="left")
    for col in ("number", "grade", "category", "department", "status", "respond by", "mentions", "opened", "title"):
        tickets.add_column(col, no_wrap=col != "title", overflow="ellipsis", max_width=48 if col == "title" else None)
    zone = ZoneInfo(resources.config.timezone)
    for ticket_id in sorted(after, reverse=True)[:10]:
        t = resources.tickets.get(ticket_id)
        due = t.sla.respond_due_at
        tickets.add_row(
            t.number,
            t.priority.value,
            t.category.value,
            t.department or "-",
            t.status.value,
            f"{due.astimezone(zone):%m-%d %H:%M}" if due else "-",
            str(len(t.mentions)),
            "[bold]this run[/]" if ticket_id in opened else "earlier",
            escape(t.title),
        )
    if after:
        console.print(tickets)
    opened_numbers = ", ".join(resources.tickets.get(i).number for i in opened) or "none"
    console.print(f"Tickets opened this run: {len(opened)} ({opened_numbers}); tickets in total: {len(after)}")

    console.print()
    console.print("Where the data lives:")
    console.print(f"  mentions: {resources.mentions.describe()}")
    console.print(f"  tickets, alert state, source runs: {resources.db.describe()}")
    console.print(f"  crawl logs: {resources.settings.data_dir / 'logs'}", highlight=False)
