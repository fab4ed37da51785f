"""``yuqing classify``: run the complaint classifier over a file of texts and write CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from yuqing.cli.common import handles_errors


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


@handles_errors
def classify(
    source: Annotated[
        Path,
        typer.Argument(
            help="Texts, one per line, or a CSV with --text-column; - for stdin; eval for the labelled-set table.",
            allow_dash=True,
        ),
    ],
    text_column: Annotated[str | None, typer.Option(help="The CSV column holding the complaint text.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the CSV here (default: stdout).")] = None,
) -> None:
    """Classify complaints as tickets would: writes CSV with the input columns plus category, all categories,
    type, grade, confidence and evidence. ``yuqing classify eval``: the per-domain table on the labelled dev set."""
    from config.loader import load_config
    from config.settings import get_settings
    from tickets.config import TicketsConfig
    from tickets.policy import TicketPolicy
    from tickets.understanding.csvio import classify_rows

    settings = get_settings()
    path = settings.config_path()
    tickets = load_config(path).tickets if path.exists() else TicketsConfig()
    if str(source) == "eval" and not source.exists():
        from tickets.understanding.evaluate import run

        out = run("dev", tickets.classification.critical_words.get("*", []))
    else:
        policy = TicketPolicy.from_config(tickets)
        columns, rows, column = _read_rows(source, text_column)
        out = classify_rows(policy.classifier, columns, rows, column)
    if output:
        output.write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(out if out.endswith("\n") else out + "\n")
