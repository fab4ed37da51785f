"""The runner: real crawls of a local server into SQLite stores, and the run report's status rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawlers.runner import report_from_stats, report_to_json
from foundation.db import Database
from foundation.health import SourceRunStore
from index.base import MentionFilter, mention_id
from index.sqlite import SQLiteMentionStore

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
T1 = T0 + timedelta(seconds=42)


def _feed_source(url: str) -> str:
    return f"""
        - name: bbs-feed
          type: feed
          platform: bbs
          urls: ["{url}"]
          backfill: 36500d  # the fixture's entries date from 2024
        """


# -- real crawls --------------------------------------------------------------------------------------------
def test_crawl_stores_matches_and_records_then_a_recrawl_changes_nothing(
    server, crawl_config, crawl, fixture_file, tmp_path
):
    server.route("/robots.txt", server.Reply(body="User-agent: *\nDisallow: /private\n", content_type="text/plain"))
    server.route("/feed.xml", server.Reply(body=fixture_file("brand_rss2.xml"), content_type="application/rss+xml"))
    path, config = crawl_config(_feed_source(server.url("/feed.xml")))

    first = crawl(path, "bbs-feed").report

    # 9 entries: 2 malformed (no id/link; no text), 7 yielded; of those 1 duplicate, 2 without a brand
    # (one only through an exclusion word, 先达路), 4 stored.
    assert first["status"] == "degraded"
    assert first["parse_errors"] == 2
    assert "2 parse errors" in first["error"]
    assert first["pages"] == 1
    assert first["items_scraped"] == 7
    assert first["dropped"] == {"duplicate": 1, "no_brand": 2}
    assert first["items_matched"] == 4
    assert (first["created"], first["updated"], first["unchanged"]) == (4, 0, 0)
    assert first["brands"] == {"lumi": 2, "xianda": 2}
    assert first["store_errors"] == 0
    assert first["http_errors"] == {}
    assert first["robots_blocked"] == 0
    assert first["finish_reason"] == "finished"
    assert server.paths().count("/robots.txt") == 1  # fetched once per origin, before the feed

    store = SQLiteMentionStore(f"sqlite:///{(tmp_path / 'mentions.sqlite3').as_posix()}")
    try:
        assert store.count(MentionFilter()) == 4
        zh = store.get(mention_id("bbs", "xd-1001"))
        assert zh is not None
        assert zh.source == "bbs-feed"
        assert zh.text == "先达手机X5的电池续航非常好，快充也很快，我很满意。\n推荐购买！"
        assert zh.author == "王小明"
        assert zh.published_at == datetime(2024, 3, 5, 6, 30, tzinfo=UTC)
        assert zh.comments == 12
        assert zh.brands == ["xianda"]
        assert zh.matched_keywords == ["先达手机", "先达"]
        assert zh.language == "zh"
        assert zh.sentiment_score is not None and zh.sentiment_label.value == "positive"
        en = store.get(mention_id("bbs", "xd-1002"))
        assert en is not None and en.language == "en" and en.sentiment_score is not None  # VADER scores English
        # An entry with a link and no guid is identified by the link, made absolute against the feed URL.
        linked = store.get(mention_id("bbs", server.url("/posts/8")))
        assert linked is not None and linked.brands == ["lumi"]
        escaped = store.get(mention_id("bbs", "lumi-9"))
        assert escaped is not None and escaped.text == "露米耳机音质 不错，就是价格有点贵。"
        assert store.get(mention_id("bbs", "addr-1")) is None  # 先达路 is an exclusion word
    finally:
        store.close()

    second = crawl(path, "bbs-feed").report
    # Feeds are read incrementally: only the newest entry (the cursor's high-water mark, inside its overlap)
    # and the two undated ones are yielded again; the undated ones have no brand.
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 1)
    assert second["items_scraped"] == 3 and second["dropped"] == {"no_brand": 2}
    store = SQLiteMentionStore(f"sqlite:///{(tmp_path / 'mentions.sqlite3').as_posix()}")
    try:
        assert store.count(MentionFilter()) == 4
    finally:
        store.close()

    db = Database(config.settings["database_url"])
    try:
        runs = SourceRunStore(db).runs("bbs-feed")
        assert [r.status for r in runs] == ["degraded", "degraded"]
        assert [r.created for r in runs] == [0, 4]  # newest first
        assert runs[0].unchanged == 1
        assert runs[1].brands == {"lumi": 2, "xianda": 2}
        assert runs[1].dropped == {"duplicate": 1, "no_brand": 2}
        assert runs[1].finished_at is not None and runs[1].finished_at >= runs[1].started_at
    finally:
        db.close()


def test_an_unusable_mention_store_fails_the_run_and_crawls_nothing(
    server, crawl_config, crawl, fixture_file, tmp_path
):
    server.route("/feed.xml", server.Reply(body=fixture_file("brand_rss2.xml"), content_type="application/rss+xml"))
    path, _ = crawl_config(_feed_source(server.url("/feed.xml")))
    # The store's folder would have to be created inside a regular file: opening the store fails.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    text = path.read_text().replace(
        f"sqlite:///{(tmp_path / 'mentions.sqlite3').as_posix()}", f"sqlite:///{(blocker / 'm.sqlite3').as_posix()}"
    )
    path.write_text(text)

    result = crawl(path, "bbs-feed")

    assert result.report["status"] == "failed"
    assert "mention store" in result.report["error"]
    assert result.report["created"] == 0
    assert "/feed.xml" not in server.paths()
    db = Database(f"sqlite:///{(tmp_path / 'yuqing.sqlite3').as_posix()}")
    try:
        assert SourceRunStore(db).latest(["bbs-feed"])["bbs-feed"].status == "failed"
    finally:
        db.close()


def test_local_files_are_crawled_without_robots_txt(crawl_config, crawl, tmp_path):
    feed = Path(__file__).parent / "fixtures" / "brand_atom.xml"
    path, _ = crawl_config(
        f"""
        - name: local
          type: feed
          urls: ["{feed.as_uri()}"]
          backfill: 36500d  # the fixture's entries date from 2024
        """
    )
    report = crawl(path, "local").report
    assert report["status"] == "ok"
    assert (report["pages"], report["created"], report["robots_blocked"]) == (1, 2, 0)
    assert report["brands"] == {"lumi": 1, "xianda": 1}


# -- the Scrapy settings the runner crawls with ---------------------------------------------------------------
def test_build_settings(parse_yaml_config):
    from config.models import AppConfig
    from config.settings import Settings
    from crawlers.settings import APP_CONFIG, CRAWL_OPTIONS, SOURCE, build_settings, required_setting
    from crawlers.sources import CrawlOptions, FeedSource

    config = parse_yaml_config(
        """
        - name: slow-site
          type: feed
          urls: ["https://example.org/feed.xml", "file:///var/feeds/local.xml"]
          crawl:
            download_delay: 5
            retry_times: 4
        """,
        "crawl:\n  autothrottle: true\n  response_max_bytes: 2097152\n",
    )
    source = config.source("slow-site")
    settings = build_settings(config, Settings(), source)

    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings["ROBOTSTXT_USER_AGENT"] == "YuqingBot"
    assert settings.getfloat("DOWNLOAD_DELAY") == 5.0  # the source's override
    assert settings.getint("RETRY_TIMES") == 4
    assert settings.getbool("AUTOTHROTTLE_ENABLED")  # the crawl: default
    assert settings.getint("DOWNLOAD_MAXSIZE") == 2097152
    assert settings.getint("DOWNLOAD_WARNSIZE") == 1048576
    assert not settings.getbool("TELNETCONSOLE_ENABLED")
    assert not settings.getbool("REMOTE_CONTROL_ENABLED")
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] is None
    assert middlewares["scrapy.downloadermiddlewares.retry.RetryMiddleware"] is None
    assert middlewares["crawlers.middlewares.robots.StrictRobotsTxtMiddleware"] == 100
    pipelines = settings.getdict("ITEM_PIPELINES")
    assert [p.rsplit(".", 1)[1] for p in sorted(pipelines, key=pipelines.__getitem__)] == [
        "NormalizePipeline",
        "DedupePipeline",
        "BrandPipeline",
        "StorePipeline",
    ]
    # Scored a batch at a time by the store pipeline, just before each write.
    assert [p.rsplit(".", 1)[1] for p in settings.getlist("YUQING_SCORING_STAGES")] == [
        "SentimentPipeline",
        "CategoryPipeline",
    ]
    assert required_setting(settings, SOURCE, FeedSource) is source
    assert required_setting(settings, APP_CONFIG, AppConfig) is config
    assert required_setting(settings, CRAWL_OPTIONS, CrawlOptions).download_delay == 5.0
    # Shared, not copied: Scrapy deep-copies the settings of every crawler, and a warm child runs many.
    assert required_setting(settings.copy(), APP_CONFIG, AppConfig) is config
    assert settings.getdict("DOWNLOAD_SLOTS")[""]["delay"] == 0.0  # file:// URLs wait for nobody
    # Closing starts early enough for a Retry-After wait, the flush and the record before the kill at 30 min.
    assert 1200 <= settings.getfloat("CLOSESPIDER_TIMEOUT") < 1800


# -- the status rules -----------------------------------------------------------------------------------------
def _stats(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "yuqing/pages": 3,
        "item_scraped_count": 5,
        "item_dropped_count": 2,
        "yuqing/matched": 5,
        "yuqing/stored/created": 4,
        "yuqing/stored/unchanged": 1,
        "yuqing/dropped/no_brand": 2,
        "yuqing/brand/xianda": 3,
        "yuqing/brand/lumi": 2,
        "finish_reason": "finished",
    }
    base.update(extra)
    return base


def test_a_clean_run_is_ok_even_when_a_retry_overcame_an_http_error():
    report = report_from_stats("s", T0, T1, _stats(**{"yuqing/http_status/503": 1}))
    assert report.status == "ok"
    assert report.error is None
    assert report.items_scraped == 7
    assert report.items_matched == 5
    assert (report.created, report.updated, report.unchanged) == (4, 0, 1)
    assert report.dropped == {"no_brand": 2}
    assert report.brands == {"lumi": 2, "xianda": 3}
    assert report.http_errors == {"503": 1}


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"yuqing/parse_errors": 2}, "2 parse errors"),
        ({"yuqing/request_failed": 1, "yuqing/http_status/404": 1}, "1 requests failed"),
        ({"yuqing/stored/failed": 1}, "1 mentions rejected by the store"),
        ({"finish_reason": "closespider_timeout"}, "stopped early: closespider_timeout"),
        ({"yuqing/retry/retry_after_too_long": 1}, "Retry-After"),
        ({"yuqing/item_errors": 1}, "1 pipeline errors"),
    ],
)
def test_problems_with_items_flowing_make_a_run_degraded(extra, needle):
    report = report_from_stats("s", T0, T1, _stats(**extra))
    assert report.status == "degraded"
    assert needle in (report.error or "")


@pytest.mark.parametrize(
    ("stats", "error", "needle"),
    [
        ({"yuqing/pages": 0, "yuqing/http_status/503": 3, "yuqing/request_failed": 1}, None, "HTTP 503 ×3"),
        ({"yuqing/pages": 0, "yuqing/robots_blocked": 2}, None, "robots.txt disallowed every request"),
        ({"yuqing/store/failed": "mention store unavailable: boom", "yuqing/stored/lost": 4}, None, "4 mentions"),
        ({}, "RuntimeError: exploded", "crawl raised RuntimeError"),
    ],
)
def test_nothing_fetched_store_failure_or_an_exception_fail_the_run(stats, error, needle):
    report = report_from_stats("s", T0, T1, _stats(**stats), error=error)
    assert report.status == "failed"
    assert needle in (report.error or "")
    if "yuqing/stored/lost" in stats:
        assert report.store_errors == 4


def test_report_json_is_what_the_cli_prints():
    report = report_from_stats("s", T0, T1, _stats())
    data = json.loads(report_to_json(report))
    assert data["source"] == "s"
    assert data["started_at"] == T0.isoformat()
    assert data["status"] == "ok"
    assert data["brands"] == {"lumi": 2, "xianda": 3}


def test_unknown_source_is_a_crawl_error(parse_yaml_config):
    from config.settings import Settings
    from crawlers.runner import crawl as run
    from foundation.errors import CrawlError

    config = parse_yaml_config(_feed_source("http://127.0.0.1:9/feed.xml"))
    with pytest.raises(CrawlError, match="no source named 'nope'"):
        run(config, Settings(data_dir=Path("/nonexistent")), "nope")


def test_a_block_outranks_missing_credentials_and_keeps_the_platforms_message():
    blocked = report_from_stats("s", T0, T1, _stats(**{"yuqing/blocked": "xiaohongshu: 当前账号存在异常 (300011)"}))
    assert blocked.status == "blocked" and "blocked by the platform: xiaohongshu: 当前账号存在异常" in (
        blocked.error or ""
    )
    both = {"yuqing/blocked": "captcha (HTTP 461)", "yuqing/credentials": "login expired"}
    assert report_from_stats("s", T0, T1, _stats(**both)).status == "blocked"
    assert report_from_stats("s", T0, T1, _stats(**{"yuqing/credentials": "x"})).status == "needs_credentials"
    from foundation.health import SourceRun, SourceState, source_health

    run = SourceRun(source="s", started_at=T0, status="blocked", items_scraped=0, created=0, parse_errors=0)
    health = source_health("s", [run])
    assert health.state is SourceState.blocked and health.consecutive_failures == 1
