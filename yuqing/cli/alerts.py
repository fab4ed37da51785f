"""``yuqing alerts``: rule state, replay of a rule over stored history, backtest on a count series."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from foundation.errors import InvalidQuery
from yuqing.cli.common import console, handles_errors, load, open_resources

alerts_app = typer.Typer(help="Alert rules and their state.", no_args_is_help=True)


@alerts_app.command("status")
@handles_errors
def alerts_status() -> None:
    """Every rule and key the engine has seen, and whether it is firing."""
    with open_resources() as resources:
        table = Table(title="Alert state")
        for col in ("rule", "key", "state", "since (UTC)", "ticket"):
            table.add_column(col)
        for s in resources.alerts.all():
            table.add_row(
                s.rule, s.key, s.status, f"{s.since:%Y-%m-%d %H:%M}" if s.since else "", s.ticket_number or ""
            )
        console.print(table)


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
    from foundation.timeutil import parse_duration, utcnow
    from index.saved import SavedSearchStore

    with open_resources() as resources:
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

    _, config = load()
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

    evaluated = _rule(load()[1], rule) if rule else None
    try:
        console.print(evaluation_table(windows, directory, evaluated), markup=False, highlight=False)
    except InvalidQuery as exc:
        raise typer.BadParameter(str(exc), param_hint="--windows") from exc
