"""Each item pipeline on its own, built through from_crawler from a config parsed by the real loader."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem

from config.settings import Settings
from crawlers.items import MentionItem
from crawlers.pipelines.brands import BrandPipeline
from crawlers.pipelines.category import CategoryPipeline
from crawlers.pipelines.dedupe import DedupePipeline
from crawlers.pipelines.normalize import NormalizePipeline, html_to_text, normalize_text
from crawlers.pipelines.sentiment import SentimentPipeline, primary_language
from crawlers.pipelines.store import STORE_UNAVAILABLE, SharedStore, StorePipeline
from crawlers.settings import MENTION_STORE, Shared
from foundation.errors import StoreError, StoreUnavailable
from index.base import Mention, MentionFilter, MentionStore, WriteResult
from index.sqlite import SQLiteMentionStore
from tickets.enums import Category

SOURCES = """
- name: forum
  type: feed
  platform: bbs
  urls: ["http://127.0.0.1:9/feed.xml"]
  crawl:
    batch_size: 2
- name: lumi-only
  type: feed
  brands: [lumi]
  urls: ["http://127.0.0.1:9/lumi.xml"]
"""


@pytest.fixture
def config(parse_yaml_config):
    return parse_yaml_config(SOURCES)


@pytest.fixture
def crawler(config, crawler_for):
    return crawler_for(config, "forum")


def item(post_id: str = "p1", text: str = "先达手机很好用", **fields: object) -> MentionItem:
    values: dict[str, object] = {"platform": "bbs", "post_id": post_id, "text": text, "source": "forum"}
    values.update(fields)
    return MentionItem(**values)  # type: ignore[arg-type]


# -- normalize ------------------------------------------------------------------------------------------------
def test_normalize_cleans_text_title_author_and_ids(crawler):
    pipeline = NormalizePipeline.from_crawler(crawler)
    out = pipeline.process_item(
        item(
            post_id="  p1 \n",
            text="<div>先达\u200b手机<br>  很好用&amp;便宜</div><script>x()</script>\r\n\r\n\r\n  Cafe\u0301 ",
            title="  先达\n新品 ",
            author=" <b>小明</b> ",
            url="  https://x.test/1 ",
        )
    )
    assert out.text == "先达手机\n很好用&便宜\nCafé"
    assert out.title == "先达 新品"
    assert out.author == "小明"
    assert out.post_id == "p1"
    assert out.url == "https://x.test/1"


def test_normalize_keeps_plain_text_paragraphs_and_decodes_entities_once():
    assert normalize_text("第一段\n\n\n\n第二段\t\t结束") == "第一段\n\n第二段 结束"
    assert normalize_text("AT&amp;T &amp;lt;3") == "AT&T &lt;3"
    assert normalize_text("a < b and c > d") == "a < b and c > d"
    assert html_to_text("<p>one</p><p>two <b>bold</b></p><ul><li>x</li><li>y</li></ul>") == "one\ntwo bold\nx\ny"


def test_normalize_drops_empty_text_and_hashes_overlong_ids(crawler):
    pipeline = NormalizePipeline.from_crawler(crawler)
    with pytest.raises(DropItem):
        pipeline.process_item(item(text="<p> \u200b </p>"))
    with pytest.raises(DropItem):
        pipeline.process_item({"text": "a dict is not a mention"})
    assert crawler.stats.get_value("yuqing/dropped/empty") == 1
    assert crawler.stats.get_value("yuqing/dropped/invalid") == 1
    long_id = "https://news.example.com/rss/articles/" + "x" * 600
    out = pipeline.process_item(item(post_id=long_id))
    assert out.post_id.startswith("sha256:") and len(out.post_id) <= 512
    assert pipeline.process_item(item(post_id=long_id)).post_id == out.post_id


# -- dedupe ---------------------------------------------------------------------------------------------------
def test_dedupe_drops_repeats_within_the_run(crawler):
    pipeline = DedupePipeline.from_crawler(crawler)
    pipeline.process_item(item("p1"))
    pipeline.process_item(item("p1", platform="weibo"))  # another platform: another post
    with pytest.raises(DropItem):
        pipeline.process_item(item("p1", text="edited"))
    assert crawler.stats.get_value("yuqing/dropped/duplicate") == 1


# -- brands ---------------------------------------------------------------------------------------------------
def test_brands_fill_matches_and_drop_the_rest(crawler):
    pipeline = BrandPipeline.from_crawler(crawler)
    both = pipeline.process_item(item("a", text="先达手机和露米耳机一起买了"))
    assert both.brands == ["xianda", "lumi"]
    assert both.matched_keywords == ["先达手机", "先达", "露米"]
    wide = pipeline.process_item(item("b", text="ＸｉａｎＤａ is everywhere"))  # full-width letters
    assert wide.brands == ["xianda"]
    by_title = pipeline.process_item(item("c", text="Battery life is great.", title="XianDa X5 review"))
    assert by_title.brands == ["xianda"]
    for text in ("先达路上的咖啡店", "Illuminate your home", "天气不错"):  # exclusion; no whole word; nothing
        with pytest.raises(DropItem):
            pipeline.process_item(item("d", text=text))
    stats = crawler.stats
    assert stats.get_value("yuqing/matched") == 3
    assert stats.get_value("yuqing/brand/xianda") == 3
    assert stats.get_value("yuqing/brand/lumi") == 1
    assert stats.get_value("yuqing/dropped/no_brand") == 3


def test_a_reply_inherits_the_brand_of_its_post(crawler):
    pipeline = BrandPipeline.from_crawler(crawler)
    reply = item("r1", text="同感，我也被坑了")
    reply.context = "先达手机的售后太差了"
    kept = pipeline.process_item(reply)
    assert kept.brands == ["xianda"] and kept.matched_keywords == ["先达手机", "先达"]
    unrelated = item("r2", text="同感")
    unrelated.context = "今天天气不错"
    with pytest.raises(DropItem):
        pipeline.process_item(unrelated)


def test_brands_restricted_to_the_sources_brands(config, crawler_for):
    crawler = crawler_for(config, "lumi-only")
    pipeline = BrandPipeline.from_crawler(crawler)
    assert pipeline.process_item(item(text="先达和露米")).brands == ["lumi"]
    with pytest.raises(DropItem):
        pipeline.process_item(item(text="只有先达"))


# -- sentiment ------------------------------------------------------------------------------------------------
def test_sentiment_scores_chinese_and_english_and_leaves_other_languages_unscored(crawler):
    pipeline = SentimentPipeline.from_crawler(crawler)
    good = pipeline.process_item(item(text="先达手机非常好用，很满意，推荐！"))
    assert good.language == "zh"
    assert good.sentiment_score is not None and good.sentiment_score > 0.6
    assert good.sentiment_label == "positive"
    bad = pipeline.process_item(item(text="质量太差了，退货，再也不买", title="垃圾"))
    assert bad.sentiment_label == "negative"
    english = pipeline.process_item(item(text="XianDa support never answered.", language="zh-CN"))
    assert english.language == "en"  # a site's zh-CN declaration does not make an English post Chinese
    assert english.sentiment_label == "negative" and english.sentiment_score is not None
    japanese = pipeline.process_item(item(text="先達のアプリは最高です、また使いたい"))
    assert japanese.language == "ja" and japanese.sentiment_label == "unscored" and japanese.sentiment_score is None
    assert crawler.stats.get_value("yuqing/sentiment/positive") == 1
    assert crawler.stats.get_value("yuqing/sentiment/negative") == 2
    assert crawler.stats.get_value("yuqing/sentiment/unscored") == 1


def test_sentiment_thresholds_come_from_the_config(parse_yaml_config, crawler_for):
    config = parse_yaml_config(SOURCES).model_copy(deep=True)
    config.sentiment.positive_above = 0.999999
    config.sentiment.negative_below = 0.000001
    pipeline = SentimentPipeline.from_crawler(crawler_for(config, "forum"))
    assert pipeline.process_item(item(text="先达手机还行吧")).sentiment_label == "neutral"


def test_sentiment_failure_never_fails_the_item(crawler, caplog):
    class Broken:
        def analyze(self, text: str, language: str | None = None) -> None:
            raise RuntimeError("model file missing")

    pipeline = SentimentPipeline(Broken(), crawler.stats)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR):
        out = pipeline.process_item(item(sentiment_score=0.9))
    assert out.sentiment_label == "unscored" and out.sentiment_score is None
    assert out.language is None  # nothing declared, nothing detected
    assert crawler.stats.get_value("yuqing/sentiment/failed") == 1


def test_primary_language():
    assert primary_language("zh-Hans-CN") == "zh"
    assert primary_language("en_US") == "en"
    assert primary_language("") is None
    assert primary_language("und") is None


# -- category -------------------------------------------------------------------------------------------------
def test_category_comes_from_the_ticket_classifier(crawler):
    pipeline = CategoryPipeline.from_crawler(crawler)
    assert pipeline.process_item(item(text="先达外卖配送太慢，骑手还送错了")).category == "logistics"
    assert pipeline.process_item(item(text="先达手机用了三天就死机，质量太差")).category == "product_quality"
    assert pipeline.process_item(item(text="申请退款", title="先达手机发热严重，漏电")).category == "product_quality"
    assert pipeline.process_item(item(text="先达手机今天发布")).category == "other"
    stats = crawler.stats
    assert stats.get_value("yuqing/category/logistics") == 1
    assert stats.get_value("yuqing/category/product_quality") == 2
    assert stats.get_value("yuqing/category/other") == 1


def test_category_lexicon_comes_from_the_config(parse_yaml_config, crawler_for):
    config = parse_yaml_config(SOURCES).model_copy(deep=True)
    config.tickets.classification.engine = "lexicon"  # the word lists decide alone
    config.tickets.classification.lexicon.categories = {Category.logistics: ["闪送"]}
    pipeline = CategoryPipeline.from_crawler(crawler_for(config, "forum"))
    assert pipeline.process_item(item(text="先达的闪送一直不来")).category == "logistics"
    assert pipeline.process_item(item(text="先达配送太慢")).category == "other"  # the list replaced the shipped one


def test_category_failure_never_fails_the_item(crawler, caplog):
    class Broken:
        def classify(self, text: str) -> None:
            raise RuntimeError("bad lexicon")

    pipeline = CategoryPipeline(Broken(), crawler.stats)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR):
        out = pipeline.process_item(item(text="先达配送太慢"))
    assert out.category is None
    assert crawler.stats.get_value("yuqing/category/failed") == 1


def test_category_reaches_the_stored_mention(crawler, tmp_path: Path):
    classified = CategoryPipeline.from_crawler(crawler).process_item(item(text="先达手机退款一直不到账"))
    mention = classified.to_mention(datetime(2024, 3, 1, tzinfo=UTC))
    assert mention.category == "process"
    store = SQLiteMentionStore.at(tmp_path / "m.sqlite3")
    store.ensure_schema()
    try:
        store.upsert([mention])
        assert store.count(MentionFilter(query="category:process")) == 1
    finally:
        store.close()


# -- store ----------------------------------------------------------------------------------------------------
class FakeStore(MentionStore):
    """An in-memory store whose writes fail while ``down`` is true."""

    backend = "fake"

    def __init__(self, down: int = 0):
        self.down = down  # number of upserts that raise
        self.batches: list[list[str]] = []
        self.mentions: dict[str, Mention] = {}
        self.refreshed = self.closed = False

    def ensure_schema(self) -> None:
        pass

    def upsert(self, mentions: Sequence[Mention]) -> WriteResult:
        if self.down:
            self.down -= 1
            raise StoreUnavailable("connection refused")
        self.batches.append([m.post_id for m in mentions])
        result = WriteResult()
        for m in mentions:
            old = self.mentions.get(m.id)
            if old is None:
                result.created.append(m.id)
            elif old.content_hash == m.content_hash:
                result.unchanged.append(m.id)
            else:
                result.updated.append(m.id)
            self.mentions[m.id] = m
        return result

    def refresh(self) -> None:
        self.refreshed = True

    def close(self) -> None:
        self.closed = True

    def get_many(self, mention_ids: Sequence[str]) -> list[Mention]:
        if self.down:
            self.down -= 1
            raise StoreUnavailable("connection refused")
        return [self.mentions[i] for i in mention_ids if i in self.mentions]

    def get(self, mention_id): ...  # type: ignore[no-untyped-def]
    def search(self, request): ...  # type: ignore[no-untyped-def]
    def count(self, flt): ...  # type: ignore[no-untyped-def]
    def label_counts(self, flt): ...  # type: ignore[no-untyped-def]
    def trend(self, flt, interval, tz="UTC"): ...  # type: ignore[no-untyped-def]
    def ping(self) -> bool:
        return not self.down


NOW = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)


def _store_pipeline(crawler, store: MentionStore, batch_size: int = 2):
    stops: list[str] = []
    pipeline = StorePipeline(lambda: store, crawler.stats, batch_size, stop_crawl=stops.append, clock=lambda: NOW)
    pipeline.open_spider()
    return pipeline, stops


def test_store_writes_in_batches_and_flushes_at_close(crawler):
    store = FakeStore()
    pipeline, _ = _store_pipeline(crawler, store)
    for n in range(5):
        pipeline.process_item(item(f"p{n}", published_at=datetime(2024, 3, 1, tzinfo=UTC)))
    assert store.batches == [["p0", "p1"], ["p2", "p3"]]
    pipeline.close_spider()
    assert store.batches[-1] == ["p4"]
    assert store.refreshed and store.closed
    assert crawler.stats.get_value("yuqing/stored/created") == 5
    stored = store.mentions[item("p0").id]
    assert stored.collected_at == NOW and stored.platform == "bbs"


def test_a_post_without_a_date_keeps_its_first_date_across_crawls(crawler):
    store = FakeStore()
    first, _ = _store_pipeline(crawler, store)
    first.process_item(item("undated"))
    first.close_spider()
    later = datetime(2024, 3, 11, 12, 0, tzinfo=UTC)
    second = StorePipeline(lambda: store, crawler.stats, 2, clock=lambda: later)
    second.open_spider()
    second.process_item(item("undated"))
    second.process_item(item("new-undated"))
    second.close_spider()
    assert crawler.stats.get_value("yuqing/stored/unchanged") == 1  # not "updated" because time passed
    assert store.mentions[item("undated").id].published_at == NOW
    assert store.mentions[item("new-undated").id].published_at == later


def test_store_outage_keeps_items_stops_the_crawl_and_retries_at_close(crawler):
    store = FakeStore(down=1)
    pipeline, stops = _store_pipeline(crawler, store)
    for n in range(5):
        pipeline.process_item(item(f"p{n}"))
    assert stops == [STORE_UNAVAILABLE]  # asked once, not on every item
    assert store.batches == []
    pipeline.close_spider()  # the store is back
    assert sorted(p for batch in store.batches for p in batch) == ["p0", "p1", "p2", "p3", "p4"]
    assert crawler.stats.get_value("yuqing/store/outages") == 1
    assert crawler.stats.get_value("yuqing/stored/created") == 5
    assert crawler.stats.get_value("yuqing/stored/lost") is None
    assert crawler.stats.get_value("yuqing/store/failed") is None


def test_a_persistent_outage_is_counted_and_logged_loudly(crawler, caplog):
    store = FakeStore(down=99)
    pipeline, stops = _store_pipeline(crawler, store, batch_size=3)
    for n in range(4):
        pipeline.process_item(item(f"p{n}"))
    with caplog.at_level(logging.CRITICAL, logger="crawlers.pipelines.store"):
        pipeline.close_spider()
    assert crawler.stats.get_value("yuqing/stored/lost") == 4
    assert "connection refused" in crawler.stats.get_value("yuqing/store/failed")
    assert any("4 mentions were NOT stored" in r.getMessage() for r in caplog.records)
    assert stops == [STORE_UNAVAILABLE]


def test_an_invalid_mention_is_counted_and_the_rest_stored(crawler):
    store = FakeStore()
    pipeline, _ = _store_pipeline(crawler, store)
    pipeline.process_item(item("ok"))
    pipeline.process_item(item("bad", sentiment_score=1.7))  # outside [0, 1]: the Mention model refuses it
    pipeline.close_spider()
    assert store.batches == [["ok"]]
    assert crawler.stats.get_value("yuqing/stored/failed") == 1
    assert crawler.stats.get_value("yuqing/stored/created") == 1


def test_a_store_that_cannot_be_opened_stops_the_crawl_before_it_starts(crawler, caplog):
    def unavailable() -> MentionStore:
        raise StoreUnavailable("https://elastic:hunter2@es.internal:9200: no route to host")

    pipeline = StorePipeline(unavailable, crawler.stats, 10)
    with caplog.at_level(logging.CRITICAL), pytest.raises(StoreError, match="no route to host"):
        pipeline.open_spider()
    failure = crawler.stats.get_value("yuqing/store/failed")
    assert "cannot open the mention store" in failure
    assert "hunter2" not in failure and "https://es.internal:9200" in failure
    assert all("hunter2" not in r.getMessage() for r in caplog.records)


class CountingStore(FakeStore):
    """A FakeStore that counts its schema checks."""

    def __init__(self) -> None:
        super().__init__()
        self.schema_checks = 0

    def ensure_schema(self) -> None:
        self.schema_checks += 1


def test_crawls_of_a_session_share_one_store_opened_and_checked_once(crawler):
    opened: list[CountingStore] = []

    def open_store() -> MentionStore:
        opened.append(CountingStore())
        return opened[-1]

    shared = SharedStore(open_store)
    crawler.settings.frozen = False  # as a CrawlSession's settings are before its crawler starts
    crawler.settings.set(MENTION_STORE, Shared(shared), priority="project")
    for n in range(3):  # three crawls, one after another
        pipeline = StorePipeline.from_crawler(crawler)
        pipeline.open_spider()
        pipeline.process_item(item(f"p{n}"))
        pipeline.close_spider()
    assert len(opened) == 1 and opened[0].schema_checks == 1
    assert opened[0].refreshed and not opened[0].closed  # each crawl's writes are searchable; the store lives on
    assert sorted(p for batch in opened[0].batches for p in batch) == ["p0", "p1", "p2"]
    shared.close()
    assert opened[0].closed


def test_a_shared_store_that_fails_its_schema_check_is_tried_again_by_the_next_crawl(crawler):
    attempts: list[FakeStore] = []

    class Unready(FakeStore):
        def ensure_schema(self) -> None:
            raise StoreUnavailable("connection refused")

    def open_store() -> MentionStore:
        attempts.append(Unready() if not attempts else CountingStore())
        return attempts[-1]

    shared = SharedStore(open_store)
    with pytest.raises(StoreUnavailable):
        shared.get()
    assert attempts[0].closed  # the failed one is not kept open
    assert shared.get() is attempts[1] and shared.get() is attempts[1]


def test_store_from_crawler_writes_to_the_configured_sqlite_store(config, crawler_for, tmp_path: Path):
    url = f"sqlite:///{(tmp_path / 'm.sqlite3').as_posix()}"
    crawler = crawler_for(config, "forum", Settings(mention_store_url=url, data_dir=tmp_path))
    pipeline = StorePipeline.from_crawler(crawler)
    assert pipeline.batch_size == 2  # the source's crawl override
    pipeline.open_spider()
    for n in range(3):
        pipeline.process_item(item(f"p{n}", brands=["xianda"], published_at=datetime(2024, 3, n + 1, tzinfo=UTC)))
    pipeline.process_item(item("undated", brands=["xianda"]))
    pipeline.close_spider()

    again = StorePipeline.from_crawler(crawler)
    again.open_spider()
    for n in range(3):
        again.process_item(item(f"p{n}", brands=["xianda"], published_at=datetime(2024, 3, n + 1, tzinfo=UTC)))
    again.process_item(item("undated", brands=["xianda"]))
    again.close_spider()

    assert crawler.stats.get_value("yuqing/stored/created") == 4
    assert crawler.stats.get_value("yuqing/stored/unchanged") == 4
    store = SQLiteMentionStore(url)
    try:
        assert store.count(MentionFilter(brands=["xianda"])) == 4
    finally:
        store.close()


def test_category_reads_the_crawls_sentiment_score_instead_of_scoring_again(crawler, monkeypatch):
    # The default config scores Chinese with the model the complaint reader was trained on: its score is reused.
    pipeline = CategoryPipeline.from_crawler(crawler)
    assert pipeline.reuse_sentiment
    text = "先达手机用了两天屏幕就失灵了,客服一直推诿"
    scored = SentimentPipeline.from_crawler(crawler).process_item(item(text=text))
    expected = pipeline.classifier.classify(text).category.value

    def no_second_scoring(text: str) -> float:
        raise AssertionError("the text was scored again")

    monkeypatch.setattr("tickets.understanding.features.sentiment_of", no_second_scoring)
    assert scored.language == "zh" and scored.sentiment_score is not None
    assert pipeline.process_item(scored).category == expected


def test_category_scores_itself_under_another_sentiment_scorer(parse_yaml_config, crawler_for):
    config = parse_yaml_config(SOURCES)
    config.sentiment.scorer = "snownlp"
    assert not CategoryPipeline.from_crawler(crawler_for(config, "forum")).reuse_sentiment
