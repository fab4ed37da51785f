"""The ``yuqing`` command: help that teaches, exit codes that mean something."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.factories import BRANDS_YAML
from yuqing.cli import EXIT_OK, EXIT_USAGE, app

runner = CliRunner()


def test_help_lists_commands_and_exit_codes() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == EXIT_OK
    for command in ("serve", "run", "crawl", "demo", "sources", "search", "tickets", "alerts", "config"):
        assert command in result.output
    assert "Exit codes" in result.output


def test_config_check_valid_and_invalid(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(BRANDS_YAML, encoding="utf-8")
    result = runner.invoke(app, ["config", "check", str(good)])
    assert result.exit_code == EXIT_OK and "valid" in result.output and "2 brands" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(BRANDS_YAML + "sources:\n  - {name: x, type: feed, urls: [nope]}\n", encoding="utf-8")
    result = runner.invoke(app, ["config", "check", str(bad)])
    assert result.exit_code == EXIT_USAGE
    assert "bad.yaml:9: sources[0].urls[0]: 'nope' is not an http(s):// or file:// URL" in result.output


@pytest.mark.parametrize("args", [["crawl", "nosuch"], ["sources"], ["tickets", "list"]])
def test_missing_config_is_a_usage_error(args: list[str], tmp_path: Path) -> None:
    result = runner.invoke(app, ["--config", str(tmp_path / "missing.yaml"), *args])
    assert result.exit_code == EXIT_USAGE and "file not found" in result.output


def test_unknown_source_names_the_configured_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        BRANDS_YAML + 'sources:\n  - {name: news, type: feed, urls: ["https://e.com/f"]}\n', encoding="utf-8"
    )
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    result = runner.invoke(app, ["--config", str(config), "crawl", "nosuch"])
    assert result.exit_code == EXIT_USAGE and "configured: news" in result.output


def test_listings_on_empty_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        BRANDS_YAML + 'sources:\n  - {name: news, type: feed, urls: ["https://e.com/f"]}\n', encoding="utf-8"
    )
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    for args in (["sources"], ["tickets", "list"], ["alerts", "status"], ["search", "退款"], ["db", "upgrade"]):
        result = runner.invoke(app, ["--config", str(config), *args])
        assert result.exit_code == EXIT_OK, (args, result.output)
    assert "never" in runner.invoke(app, ["--config", str(config), "sources"]).output


def test_classify_lines_and_csv(tmp_path: Path) -> None:
    lines = tmp_path / "texts.txt"
    lines.write_text("吃了以后食物中毒住院了\n希望能增加夜间配送\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(lines)])
    assert result.exit_code == EXIT_OK, result.output
    rows = result.stdout.splitlines()
    assert rows[0] == "text,category,grade,confidence,matched"
    assert rows[1].startswith("吃了以后食物中毒住院了,product_quality,urgent,")
    assert rows[2].startswith("希望能增加夜间配送,suggestion,suggestion,")
    table = tmp_path / "complaints.csv"
    table.write_text("id,content\n7,骑手送错地址还骂人\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(table), "--text-column", "content", "-o", str(out)])
    assert result.exit_code == EXIT_OK
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("7,骑手送错地址还骂人,logistics,general,")
    result = runner.invoke(app, ["classify", str(table), "--text-column", "body"])
    assert result.exit_code == EXIT_USAGE and "no column 'body'" in result.output


def test_users_and_weekly_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(BRANDS_YAML + "tickets:\n  departments: [客服部]\n", encoding="utf-8")
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    added = runner.invoke(
        app, ["--config", str(config), "users", "add", "wang", "--department", "客服部", "--permission", "pii"]
    )
    assert added.exit_code == EXIT_OK and added.stdout.strip().splitlines()[-1].startswith("yq_")
    bad = runner.invoke(app, ["--config", str(config), "users", "add", "li", "--department", "无"])
    assert bad.exit_code == EXIT_USAGE
    assert "wang" in runner.invoke(app, ["--config", str(config), "users", "list"]).stdout
    report = runner.invoke(app, ["--config", str(config), "report", "weekly", "--week", "2026-W47", "--json"])
    assert report.exit_code == EXIT_OK and '"week": "2026-W47"' in report.stdout
    assert runner.invoke(app, ["--config", str(config), "report", "weekly", "--week", "47"]).exit_code == EXIT_USAGE
