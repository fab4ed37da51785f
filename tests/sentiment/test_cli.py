"""``yuqing sentiment score`` and ``eval`` through Typer's test runner."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from typer.testing import CliRunner

from sentiment.cli import app

runner = CliRunner()


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_score_lines_from_a_file(tmp_path: Path) -> None:
    source = tmp_path / "texts.txt"
    source.write_text(
        "味道很好，送得很快，好评！\n\nThe app keeps crashing, awful\nこのアプリは最高です\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["score", str(source)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "text,score,label,language"
    rows = _csv(result.output)
    assert [r["language"] for r in rows] == ["zh", "en", "ja"]  # blank lines are skipped
    assert [r["label"] for r in rows] == ["positive", "negative", "unscored"]
    assert 0.5 < float(rows[0]["score"]) <= 1.0 and rows[2]["score"] == ""


def test_score_stdin() -> None:
    result = runner.invoke(app, ["score", "-"], input="配送太慢了，饭都凉了\n")
    assert result.exit_code == 0, result.output
    assert _csv(result.output)[0]["label"] == "negative"


def test_score_a_csv_keeps_its_columns(tmp_path: Path) -> None:
    source = tmp_path / "mentions.csv"
    source.write_text('id,body,label\n7,"客服态度很好，希望尽快退款",old\n8,"",old\n', encoding="utf-8")
    out = tmp_path / "scored.csv"
    result = runner.invoke(app, ["score", str(source), "--text-column", "body", "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = _csv(out.read_text(encoding="utf-8"))
    assert list(rows[0]) == ["id", "body", "score", "label", "language"]  # an input "label" is replaced
    assert (rows[0]["id"], rows[0]["label"]) == ("7", "negative")
    assert (rows[1]["id"], rows[1]["label"], rows[1]["score"]) == ("8", "unscored", "")


def test_score_rejects_a_missing_column_and_bad_thresholds(tmp_path: Path) -> None:
    source = tmp_path / "mentions.csv"
    source.write_text("id,body\n1,好\n", encoding="utf-8")
    missing = runner.invoke(app, ["score", str(source), "--text-column", "text"])
    assert missing.exit_code != 0 and "no column 'text'" in missing.output
    crossed = runner.invoke(app, ["score", str(source), "--negative-below", "0.8", "--positive-above", "0.2"])
    assert crossed.exit_code != 0 and "thresholds" in crossed.output


def test_eval_prints_default_and_snownlp_side_by_side(tmp_path: Path) -> None:
    source = tmp_path / "labelled.csv"
    rows = [
        (1, "味道很好，送得很快，好评！"),
        (0, "配送太慢了，饭都凉了，差评"),
        (1, "今天终于收到了，超级喜欢[爱你]"),
        (0, "客服态度很好，希望尽快退款"),
        (1, "Great app, love it"),
        (0, "Still waiting for my refund, awful"),
    ]
    with source.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([("label", "text"), *rows])
    result = runner.invoke(app, ["eval", str(source)])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()[3:] if line.strip()}
    assert {"default", "snownlp"} <= set(lines)
    assert float(lines["default"][2]) == 1.0  # accuracy: all six right
    assert lines["snownlp"][-1] == "1.0x"  # the baseline of the speed column
    assert "unscored" in result.output  # snownlp has no English


def test_eval_limit_samples_both_labels(tmp_path: Path) -> None:
    source = tmp_path / "sorted.csv"  # sorted by label, like the shared corpora
    with source.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(
            [("label", "text")] + [(1, f"很好{i}") for i in range(10)] + [(0, f"很差{i}") for i in range(10)]
        )
    result = runner.invoke(app, ["eval", str(source), "--limit", "6", "--scorer", "default"])
    assert result.exit_code == 0, result.output
    assert "6 texts, 3 positive" in result.output
