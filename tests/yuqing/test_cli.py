"""The ``yuqing`` command: help that teaches, exit codes that mean something."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.resources import Resources
from config.loader import load_config
from config.settings import Settings
from foundation.access import Principal
from index.saved import SavedSearchIn, SavedSearchStore
from tests.alerts.synthetic import Scenario, burst_rows
from tests.factories import BRANDS_YAML, make_mention
from tickets.enums import Role
from tickets.schemas import TicketQuery
from yuqing.cli import EXIT_OK, EXIT_USAGE, app

runner = CliRunner()


def flat(output: str) -> str:
    """Typer's error box wraps long messages: compare without the frame and the whitespace."""
    return "".join(ch for ch in output if not ch.isspace() and ch not in "│╭╮╰╯─")


def test_help_lists_commands_and_exit_codes() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == EXIT_OK
    commands = ("serve", "run", "crawl", "demo", "sources", "search", "tickets", "alerts", "config", "sentiment")
    for command in commands:
        assert command in result.output
    assert "Exit codes" in result.output


def test_sentiment_is_mounted() -> None:
    result = runner.invoke(app, ["sentiment", "score", "-"], input="配送太慢了，饭都凉了，希望尽快退款\n")
    assert result.exit_code == EXIT_OK, result.output
    assert result.output.splitlines()[1].endswith(",negative,zh")
    assert runner.invoke(app, ["sentiment", "score", "-", "--scorer", "nosuch"], input="x\n").exit_code == EXIT_USAGE


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


def test_search_takes_the_query_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(BRANDS_YAML, encoding="utf-8")
    data = tmp_path / "data"
    monkeypatch.setenv("YUQING_DATA_DIR", str(data))
    resources = Resources.open(Settings(data_dir=data, config=config), load_config(config))
    resources.mentions.upsert(
        [
            make_mention("鲜达外卖退款太慢 [bold red]红字[/] 电话13812345678", platform="weibo", post_id="w"),
            make_mention("鲜达外卖退款广告", platform="weibo", post_id="ad"),
            make_mention("鲜达外卖退款很快", platform="news", post_id="n"),
        ]
    )
    resources.close()

    result = runner.invoke(app, ["--config", str(config), "search", "退款 -广告 platform:weibo"])
    assert result.exit_code == EXIT_OK, result.output
    assert "1 mentions match" in result.output
    assert "[bold red]红字[/]" in result.output  # crawled text is shown as text, not as terminal markup
    assert "13812345678" not in result.output and "*******5678" in result.output

    bad = runner.invoke(app, ["--config", str(config), "search", "rating:[5 TO 1]"])
    assert bad.exit_code == EXIT_USAGE
    assert "invalid query" in bad.output and "rating:[5 TO 1]" in bad.output


def test_classify_lines_and_csv(tmp_path: Path) -> None:
    lines = tmp_path / "texts.txt"
    lines.write_text("吃了以后食物中毒住院了\n希望能增加夜间配送\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(lines)])
    assert result.exit_code == EXIT_OK, result.output
    rows = result.stdout.splitlines()
    assert rows[0] == "text,category,categories,type,grade,confidence,evidence"
    assert rows[1].startswith("吃了以后食物中毒住院了,product_quality,product_quality")
    assert ",complaint,urgent," in rows[1] and "urgent:中毒" in rows[1]  # the evidence behind the grade
    assert rows[2].startswith("希望能增加夜间配送,suggestion,") and ",suggestion,suggestion," in rows[2]
    table = tmp_path / "complaints.csv"
    table.write_text("id,content\n7,骑手送错地址还骂人\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(table), "--text-column", "content", "-o", str(out)])
    assert result.exit_code == EXIT_OK
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("7,骑手送错地址还骂人,logistics,")
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
    # On the terminal: Chinese by default, English on request; honest without a baseline, never "None".
    zh = runner.invoke(app, ["--config", str(config), "report", "weekly", "--week", "2026-W47"])
    assert zh.exit_code == EXIT_OK and "投诉周报 2026-W47" in zh.stdout and "暂无基线" in zh.stdout
    en = runner.invoke(app, ["--config", str(config), "report", "weekly", "--week", "2026-W47", "--lang", "en"])
    assert en.exit_code == EXIT_OK and "no baseline yet: 0 of 28 days" in en.stdout
    assert "None" not in zh.stdout + en.stdout and "within" not in en.stdout
    assert runner.invoke(app, ["--config", str(config), "report", "weekly", "--week", "47"]).exit_code == EXIT_USAGE


ALERTS_YAML = """
alerts:
  rules:
    - {name: neg, type: negative_share, brands: [鲜达外卖], window: 1h, min_count: 5, threshold: 0.4}
    - name: spike
      type: volume_spike
      brands: [鲜达外卖]
      window: 1h
      baseline_days: 14
      sensitivity: 3
      min_count: 20
      min_ratio: 2
"""


def test_alerts_test_replays_stored_history_and_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(BRANDS_YAML + ALERTS_YAML, encoding="utf-8")
    data = tmp_path / "data"
    monkeypatch.setenv("YUQING_DATA_DIR", str(data))
    settings = Settings(data_dir=data, config=config)
    resources = Resources.open(settings, load_config(config))
    now = datetime.now(UTC)
    burst = [
        make_mention("鲜达外卖配送太慢，饭都凉了", label="negative", score=0.05, published_at=now - timedelta(hours=3))
        for _ in range(8)
    ]
    resources.mentions.upsert(burst)
    resources.close()

    result = runner.invoke(app, ["--config", str(config), "alerts", "test", "neg", "--since", "12h", "--step", "10m"])
    assert result.exit_code == EXIT_OK, result.output
    assert "neg: 1 alerts over the last 12h" in result.output
    assert "fired" in result.output and "resolved" in result.output  # the hour passed: it resolved too

    resources = Resources.open(settings, load_config(config))
    try:
        assert list(resources.tickets.iterate(TicketQuery())) == []  # a replay opens nothing
        assert resources.alerts.events("neg") == []
    finally:
        resources.close()

    unknown = runner.invoke(app, ["--config", str(config), "alerts", "test", "nosuch"])
    assert unknown.exit_code == EXIT_USAGE and "configured: neg, spike" in unknown.output


SAVED_SEARCH_YAML = """
alerts:
  rules:
    - {name: refunds, type: negative_share, brands: [鲜达外卖], window: 1h, min_count: 5, threshold: 0.4,
       saved_search: 退款投诉}
"""


def test_alerts_test_uses_the_rules_saved_search(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(BRANDS_YAML + SAVED_SEARCH_YAML, encoding="utf-8")
    data = tmp_path / "data"
    monkeypatch.setenv("YUQING_DATA_DIR", str(data))
    settings = Settings(data_dir=data, config=config)
    argv = ["--config", str(config), "alerts", "test", "refunds", "--since", "12h", "--step", "10m"]

    missing = runner.invoke(app, argv)
    assert missing.exit_code != EXIT_OK
    assert "no shared saved search named '退款投诉'" in missing.output

    resources = Resources.open(settings, load_config(config))
    now = datetime.now(UTC)
    slow = [
        make_mention("鲜达外卖配送太慢，饭都凉了", label="negative", score=0.05, published_at=now - timedelta(hours=3))
        for _ in range(8)
    ]
    refunds = [
        make_mention("鲜达外卖退款一直不到账", label="negative", score=0.05, published_at=now - timedelta(hours=6))
        for _ in range(8)
    ]
    resources.mentions.upsert(slow + refunds)
    owner = Principal("pr-team", Role.pr)
    SavedSearchStore(resources.db).create(owner, SavedSearchIn(name="退款投诉", query="退款", shared=True))
    resources.close()

    result = runner.invoke(app, argv)
    assert result.exit_code == EXIT_OK, result.output
    # Only the refund posts are in the rule's scope: one alert, six hours ago, not three.
    assert "refunds: 1 alerts over the last 12h" in result.output
    fired = [line for line in result.output.splitlines() if "fired" in line]
    assert len(fired) == 1
    assert f"{(now - timedelta(hours=6)):%Y-%m-%d %H}" in fired[0]


def test_alerts_backtest_marks_the_burst_in_a_series(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(BRANDS_YAML + ALERTS_YAML, encoding="utf-8")
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    scenario = Scenario(days=21, seed=3, bursts=[(18, 19, 70, 0.5)])
    series = tmp_path / "series.csv"
    series.write_text(
        "timestamp,count,negative\n"
        + "".join(f"{p.timestamp.isoformat()},{p.count},{p.negative}\n" for p in scenario.build()),
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["--config", str(config), "alerts", "backtest", "--rule", "spike", "--series", str(series)]
    )
    assert result.exit_code == EXIT_OK, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 21 * 24 and set(rows[0]) == {"timestamp", "count", "alert"}
    assert [i for i, r in enumerate(rows) if r["alert"] == "1"] == burst_rows(scenario)

    series.write_text("timestamp,count\n2026-11-01T00:00:00Z,3\n2026-11-01T01:00:00Z,-1\n", encoding="utf-8")
    bad = runner.invoke(
        app, ["--config", str(config), "alerts", "backtest", "--rule", "spike", "--series", str(series)]
    )
    assert bad.exit_code == EXIT_USAGE and "line3:countsmustsatisfy0<=negative<=count" in flat(bad.output)
    missing = runner.invoke(
        app, ["--config", str(config), "alerts", "backtest", "--rule", "spike", "--series", str(tmp_path / "none.csv")]
    )
    assert missing.exit_code == EXIT_USAGE and "cannotread" in flat(missing.output)
