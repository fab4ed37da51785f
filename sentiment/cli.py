"""``yuqing sentiment``: score texts to CSV, and evaluate the default model against snownlp's on labelled data.

The sub-app is :data:`app`; the project's CLI mounts it as ``yuqing sentiment``.

    yuqing sentiment score posts.txt > scored.csv              # one text per line
    yuqing sentiment score mentions.csv --text-column body     # a CSV: its columns + score,label,language
    yuqing sentiment eval labelled.csv                          # label,text → accuracy, macro-F1, AUC, texts/s
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, TextIO

import typer

from sentiment import SentimentService, Thresholds, scorer_names
from sentiment.data import read_labelled, split
from sentiment.metrics import Evaluation, ScoreBatch, compare

app = typer.Typer(help="Score the sentiment of texts, or evaluate the models on labelled texts.", no_args_is_help=True)

OUTPUT_COLUMNS = ("score", "label", "language")
DEFAULT_THRESHOLDS = Thresholds()


def _service(names: Sequence[str], negative_below: float | None, positive_above: float | None) -> SentimentService:
    try:
        thresholds = Thresholds(
            DEFAULT_THRESHOLDS.negative_below if negative_below is None else negative_below,
            DEFAULT_THRESHOLDS.positive_above if positive_above is None else positive_above,
        )
        return SentimentService.from_names(scorer_names(names), thresholds)
    except (KeyError, ValueError) as exc:
        raise typer.BadParameter(str(exc.args[0] if exc.args else exc)) from exc


def _rows(source: TextIO, text_column: str | None) -> tuple[list[str], Iterator[dict[str, str]]]:
    """Input columns and rows: a CSV when ``text_column`` is given, else one text per line (column ``text``)."""
    if text_column is None:
        return ["text"], ({"text": line.rstrip("\r\n")} for line in source if line.strip())
    reader = csv.DictReader(source)
    columns = list(reader.fieldnames or [])
    if text_column not in columns:
        raise typer.BadParameter(f"no column {text_column!r} in the CSV (columns: {', '.join(columns)})")
    return columns, iter(reader)


def _open_input(path: str) -> TextIO:
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
    try:
        return Path(path).open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc.strerror}") from exc


@app.command()
def score(
    input_path: Annotated[str, typer.Argument(metavar="FILE", help="texts, one per line, or a CSV; - for stdin")] = "-",
    text_column: Annotated[
        str | None, typer.Option("--text-column", help="read FILE as a CSV and score this column")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write the CSV here (default stdout)")] = None,
    scorer: Annotated[
        list[str] | None, typer.Option("--scorer", help="scorer name, repeatable (default: default)")
    ] = None,
    negative_below: Annotated[float | None, typer.Option(help="label threshold (default: calibrated)")] = None,
    positive_above: Annotated[float | None, typer.Option(help="label threshold (default: calibrated)")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="texts scored per batch")] = 512,
) -> None:
    """Write CSV: the input columns plus score (probability of positive), label and language.

    A text no scorer handles (empty, or a language without a scorer) gets an empty score and label unscored.
    """
    service = _service(scorer or ["default"], negative_below, positive_above)
    source = _open_input(input_path)
    sink: TextIO = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        columns, rows = _rows(source, text_column)
        out_columns = [c for c in columns if c not in OUTPUT_COLUMNS] + list(OUTPUT_COLUMNS)
        writer = csv.DictWriter(sink, fieldnames=out_columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        key = text_column or "text"
        batch: list[dict[str, str]] = []

        def flush() -> None:
            results = service.analyze_batch([row.get(key) or "" for row in batch])
            for row, result in zip(batch, results, strict=True):
                row = dict(row)
                row["score"] = "" if result.score is None else f"{result.score:.4f}"
                row["label"] = result.label.value
                row["language"] = result.language
                writer.writerow(row)
            batch.clear()

        for row in rows:
            batch.append(row)
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
    finally:
        if source is not sys.stdin:
            source.close()
        if output:
            sink.close()


def _score_batch(service: SentimentService) -> ScoreBatch:
    def score_batch(batch: Sequence[str]) -> list[float | None]:
        return [r.score for r in service.analyze_batch(batch)]

    return score_batch


def _table(evaluations: Sequence[Evaluation], baseline: Evaluation | None) -> str:
    header = f"{'model':<22} {'n':>6} {'accuracy':>8} {'macro-F1':>8} {'AUC':>6} {'texts/s':>9} {'speed':>7}"
    lines = [header, "-" * len(header)]
    for e in evaluations:
        ratio = f"{e.texts_per_second / baseline.texts_per_second:.1f}x" if baseline else ""
        lines.append(
            f"{e.scorer:<22} {e.n:>6} {e.accuracy:>8.3f} {e.macro_f1:>8.3f} {e.auc:>6.3f} "  # AUC nan: one label
            f"{e.texts_per_second:>9.0f} {ratio:>7}"
        )
        if e.unscored:
            lines.append(f"{'':<22} ({e.unscored} texts unscored: counted wrong, 0.5 for F1 and AUC)")
    return "\n".join(lines)


@app.command("eval")
def eval_(
    input_path: Annotated[Path, typer.Argument(metavar="FILE.csv", help="CSV with a 0/1 label and a text")],
    text_column: Annotated[str, typer.Option("--text-column")] = "text",
    label_column: Annotated[str, typer.Option("--label-column", help="1/0 or positive/negative")] = "label",
    scorer: Annotated[
        list[str] | None, typer.Option("--scorer", help="scorers to compare (default: default, snownlp)")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="a seeded sample of N rows, both labels kept")] = None,
) -> None:
    """Accuracy and macro-F1 (at 0.5), ROC-AUC and texts/s of each scorer, side by side.

    Each scorer runs as the service runs it (language detection, then the scorer for the language), on the
    same texts in the same process on one core, batch by batch in turn; the speed column divides by snownlp's.
    """
    try:
        examples = read_labelled(input_path, text_column, label_column)
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    if limit and limit < len(examples):
        examples = split(examples, limit / len(examples), seed=0)[1]  # corpora are often sorted by label
    if not examples:
        raise typer.BadParameter(f"{input_path} has no rows")
    texts = [e.text for e in examples]
    labels = [e.label for e in examples]
    names = list(dict.fromkeys(scorer or ["default", "snownlp"]))
    evaluations = compare({name: _score_batch(_service([name], None, None)) for name in names}, texts, labels)
    baseline = next((e for e in evaluations if e.scorer == "snownlp"), None)
    typer.echo(f"{input_path}: {len(examples)} texts, {sum(labels)} positive")
    typer.echo(_table(evaluations, baseline))
