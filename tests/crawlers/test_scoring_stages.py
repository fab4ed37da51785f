"""The scoring stages run by the store pipeline over each batch: the same answers as item by item, each item once,
and nothing lost when a scorer or a classifier fails."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from crawlers.items import MentionItem
from crawlers.pipelines.category import CategoryPipeline
from crawlers.pipelines.sentiment import SentimentPipeline
from crawlers.pipelines.store import StorePipeline
from crawlers.settings import SCORING_STAGES_SETTING
from index.base import MentionFilter
from index.sqlite import SQLiteMentionStore
from sentiment import SentimentLabel, SentimentResult
from tests.crawlers.test_pipelines import NOW, SOURCES, item

TEXTS = [
    ("先达外卖配送太慢，骑手还送错了", None),
    ("先达手机用了三天就死机，质量太差", None),
    ("申请退款", "先达手机发热严重，漏电"),
    ("先达手机非常好用，很满意，推荐！", None),
    ("XianDa support never answered my refund request.", None),
    ("先達のアプリは最高です、また使いたい", None),
    ("先达客服态度恶劣，爱答不理", "差评"),
    ("建议先达增加夜间配送", None),
]


@pytest.fixture
def crawler(parse_yaml_config: Any, crawler_for: Any) -> Any:
    return crawler_for(parse_yaml_config(SOURCES), "forum")


def _items() -> list[MentionItem]:
    return [item(f"p{i}", text, title=title) for i, (text, title) in enumerate(TEXTS)]


def _fields(items: Sequence[MentionItem]) -> list[tuple[Any, ...]]:
    return [(i.language, i.sentiment_score, i.sentiment_label, i.category) for i in items]


def _stats(crawler: Any) -> dict[str, Any]:
    return {k: v for k, v in crawler.stats.get_stats().items() if k.startswith(("yuqing/sentiment", "yuqing/category"))}


def test_a_batch_gets_what_item_by_item_gets(parse_yaml_config: Any, crawler_for: Any) -> None:
    config = parse_yaml_config(SOURCES)
    one, many = crawler_for(config, "forum"), crawler_for(config, "forum")
    singles = _items()
    sentiment, category = SentimentPipeline.from_crawler(one), CategoryPipeline.from_crawler(one)
    for single in singles:
        category.process_item(sentiment.process_item(single))
    batch = _items()
    SentimentPipeline.from_crawler(many).process_batch(batch)
    CategoryPipeline.from_crawler(many).process_batch(batch)
    assert _fields(batch) == _fields(singles)
    assert {i.category for i in batch} >= {"logistics", "product_quality", "service_attitude"}
    assert {i.sentiment_label for i in batch} >= {"positive", "negative", "unscored"}
    assert _stats(many) == _stats(one) and _stats(many)


def test_the_lexicon_classifier_goes_item_by_item(parse_yaml_config: Any, crawler_for: Any) -> None:
    config = parse_yaml_config(SOURCES).model_copy(deep=True)
    config.tickets.classification.engine = "lexicon"
    pipeline = CategoryPipeline.from_crawler(crawler_for(config, "forum"))
    batch = _items()
    pipeline.process_batch(batch)
    assert [i.category for i in batch][:2] == ["logistics", "product_quality"]


def test_the_store_pipeline_scores_each_batch_before_writing_it(crawler: Any, tmp_path: Path) -> None:
    assert crawler.settings.getlist(SCORING_STAGES_SETTING)  # the runner's settings name the stages
    store = SQLiteMentionStore.at(tmp_path / "m.sqlite3")
    store.ensure_schema()
    stages = [SentimentPipeline.from_crawler(crawler), CategoryPipeline.from_crawler(crawler)]
    pipeline = StorePipeline(lambda: store, crawler.stats, 3, clock=lambda: NOW, stages=stages, owns_store=False)
    pipeline.open_spider()
    scored_on_return = [pipeline.process_item(one).category is not None for one in _items()]
    assert scored_on_return == [False, False, True] * 2 + [False, False]  # with its batch of 3, not one by one
    pipeline.close_spider()
    try:
        assert store.count(MentionFilter()) == len(TEXTS)
        assert store.count(MentionFilter(query="category:logistics")) >= 1
        assert store.label_counts(MentionFilter())[SentimentLabel.negative] >= 2
        assert crawler.stats.get_value("yuqing/stored/created") == len(TEXTS)
    finally:
        store.close()


class _CountingStage:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def process_batch(self, items: Sequence[MentionItem]) -> None:
        self.seen += [i.post_id for i in items]


class _DownOnce:
    """A store whose first write raises: the batch stays pending and is written on the next flush."""

    def __init__(self, store: SQLiteMentionStore):
        self.store, self.down = store, 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def upsert(self, mentions: Any) -> Any:
        if self.down:
            self.down -= 1
            raise OSError("store briefly down")
        return self.store.upsert(mentions)


def test_each_item_goes_through_the_stages_once_when_a_write_is_retried(crawler: Any, tmp_path: Path) -> None:
    inner = SQLiteMentionStore.at(tmp_path / "m.sqlite3")
    inner.ensure_schema()
    stage = _CountingStage()
    pipeline = StorePipeline(
        lambda: _DownOnce(inner), crawler.stats, 2, clock=lambda: NOW, stages=[stage], owns_store=False
    )
    pipeline.open_spider()
    for one in _items()[:3]:
        pipeline.process_item(one)
    pipeline.close_spider()
    assert stage.seen == ["p0", "p1", "p2"]
    assert inner.count(MentionFilter()) == 3
    inner.close()


class _Fussy:
    """A sentiment service that fails a whole batch when one text in it is poison, as a broken scorer would."""

    def analyze_batch(self, texts: Sequence[str], languages: Any = None) -> list[SentimentResult]:
        if any("毒" in t for t in texts):
            raise RuntimeError("poisoned")
        return [SentimentResult(0.9, SentimentLabel.positive, "zh", "fake") for _ in texts]

    def analyze(self, text: str, language: str | None = None) -> SentimentResult:
        return self.analyze_batch([text])[0]


def test_a_text_the_scorer_cannot_take_loses_only_its_own_score(crawler: Any, caplog: Any) -> None:
    batch = [item("a", "先达很好"), item("b", "先达有毒"), item("c", "先达不错")]
    with caplog.at_level(logging.ERROR):
        SentimentPipeline(_Fussy(), crawler.stats).process_batch(batch)  # type: ignore[arg-type]
    assert [i.sentiment_label for i in batch] == ["positive", "unscored", "positive"]
    assert crawler.stats.get_value("yuqing/sentiment/failed") == 1


def test_a_stage_that_raises_never_loses_the_batch(crawler: Any, tmp_path: Path, caplog: Any) -> None:
    class Broken:
        def process_batch(self, items: Sequence[MentionItem]) -> None:
            raise RuntimeError("stage bug")

    store = SQLiteMentionStore.at(tmp_path / "m.sqlite3")
    store.ensure_schema()
    pipeline = StorePipeline(lambda: store, crawler.stats, 5, clock=lambda: NOW, stages=[Broken()], owns_store=False)
    pipeline.open_spider()
    with caplog.at_level(logging.ERROR):
        for one in _items()[:2]:
            pipeline.process_item(one)
        pipeline.close_spider()
    assert store.count(MentionFilter()) == 2 and "stage bug" in caplog.text
    store.close()
