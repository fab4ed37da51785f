"""The YAML config: valid files load; every broken one names the file, line, key and problem."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from config.loader import load_config, parse_config
from crawlers.sources import FeedSource, HtmlSource
from foundation.errors import ConfigError
from tests.factories import BRANDS_YAML

VALID = (
    BRANDS_YAML
    + """
crawl:
  download_delay: 2
sources:
  - name: news
    type: feed
    urls: ["https://example.com/feed.xml"]
    interval: 1h30m
    crawl: {download_delay: 0.5}
  - name: forum
    type: html
    start_urls: ["https://example.com/forum"]
    item: "css:li.thread"
    link: "css:a::attr(href)"
    brands: [鲜达外卖]
    fields:
      text: "css:.body ::text"
      published_at: "xpath://time/@datetime"
alerts:
  rules:
    - name: neg
      type: negative_share
      threshold: 0.4
      window: 12h
"""
)


def problems(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "bad.yaml")
    return info.value


def test_valid_config_loads_typed() -> None:
    cfg = parse_config(VALID, "ok.yaml")
    news, forum = cfg.sources
    assert isinstance(news, FeedSource) and isinstance(forum, HtmlSource)
    assert news.interval == timedelta(hours=1, minutes=30)
    assert news.crawl_options(cfg.crawl).download_delay == 0.5
    assert forum.crawl_options(cfg.crawl).download_delay == 2
    assert cfg.alerts.rules[0].window == timedelta(hours=12)
    assert cfg.brand_names() == ["鲜达外卖", "光屿手机"]


def test_syntax_error_names_the_line() -> None:
    err = problems("brands:\n  - name: [unclosed\n")
    assert "bad.yaml:" in str(err) and "YAML syntax error" in str(err)
    assert err.problems[0].line is not None


def test_every_problem_has_file_line_and_key() -> None:
    text = (
        BRANDS_YAML
        + """
sources:
  - name: news
    type: feed
    urls: [ftp://example.com/x]
    interval: 15x
    urll: typo
"""
    )
    err = problems(text)
    rendered = {p.key: (p.line, p.problem) for p in err.problems}
    assert rendered["sources[0].urls[0]"][0] == 12
    assert "not an http(s):// or file:// URL" in rendered["sources[0].urls[0]"][1]
    assert "invalid duration '15x'" in rendered["sources[0].interval"][1]
    assert rendered["sources[0].urll"] == (14, "is not a known option (check the spelling)")
    assert str(err).startswith("invalid configuration in bad.yaml:\n  - bad.yaml:")


def test_unknown_source_type_lists_known_types() -> None:
    err = problems(BRANDS_YAML + "sources:\n  - {name: x, type: rsss}\n")
    assert "unknown type 'rsss'" in str(err) and "'feed'" in str(err)


def test_unknown_sentiment_scorer_lists_known_ones() -> None:
    err = problems(BRANDS_YAML + "sentiment:\n  scorer: bert\n")
    (problem,) = err.problems
    assert problem.key == "sentiment.scorer"
    assert "unknown scorer 'bert'" in problem.problem and "yuqing-zh" in problem.problem
    assert parse_config(BRANDS_YAML, "ok.yaml").sentiment.scorer == "default"


def test_bad_selector_is_reported_at_load_time() -> None:
    text = (
        BRANDS_YAML
        + """
sources:
  - name: h
    type: html
    start_urls: [https://example.com/]
    item: "css:div[["
    fields: {text: "nope"}
"""
    )
    err = problems(text)
    keys = {p.key for p in err.problems}
    assert {"sources[0].item", "sources[0].fields.text"} <= keys


def test_rule_missing_required_option_and_unknown_brand() -> None:
    err = problems(BRANDS_YAML + "alerts:\n  rules:\n    - {name: neg, type: negative_share}\n")
    assert any(p.key == "alerts.rules[0].threshold" and p.problem == "is required" for p in err.problems)
    err = problems(
        BRANDS_YAML + "alerts:\n  rules:\n    - {name: n, type: negative_share, threshold: 0.5, brands: [X]}\n"
    )
    assert "unknown brand 'X'" in str(err)


def test_duplicate_names_are_rejected() -> None:
    text = (
        BRANDS_YAML
        + """
sources:
  - {name: a, type: feed, urls: ["https://e.com/f"]}
  - {name: a, type: feed, urls: ["https://e.com/g"]}
"""
    )
    assert "name 'a' is used twice" in str(problems(text))


def test_env_references_expand_and_missing_ones_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    text = BRANDS_YAML + 'sources:\n  - {name: a, type: feed, urls: ["${SITE}/feed", "${OTHER:-https://x.org}/f"]}\n'
    monkeypatch.setenv("SITE", "https://example.org")
    cfg = parse_config(text)
    assert cfg.sources[0].urls == ["https://example.org/feed", "https://x.org/f"]  # type: ignore[attr-defined]
    monkeypatch.delenv("SITE")
    err = problems(text)
    assert err.problems[0].key == "sources[0].urls[0]"
    assert "environment variable SITE is not set" in err.problems[0].problem


def test_brands_are_required_and_top_level_must_be_mapping() -> None:
    assert any(p.key == "brands" for p in problems("sources: []\n").problems)
    assert "must be a YAML mapping" in str(problems("- a\n- b\n"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


def test_shipped_example_and_demo_configs_are_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("YUQING_DEMO_SITE", "http://127.0.0.1:1")
    for name in ("WECOM_WEBHOOK_URL", "SMTP_PASSWORD", "OPS_WEBHOOK_SECRET"):
        value = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x" if name == "WECOM_WEBHOOK_URL" else "s3cret"
        monkeypatch.setenv(name, value)
    for path in (root / "config" / "examples" / "yuqing.example.yaml", root / "yuqing" / "demo" / "yuqing.yaml"):
        cfg = load_config(path)
        assert cfg.brands and cfg.sources and cfg.alerts.rules, path
