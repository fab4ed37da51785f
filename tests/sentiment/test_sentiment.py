"""Sentiment: snownlp for Chinese, unscored for the rest, labels from thresholds, no batch failures."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from sentiment import SentimentService
from sentiment.base import Scorer, SentimentLabel, Thresholds
from sentiment.language import detect_language
from sentiment.snow import SnowNLPScorer


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("鲜达外卖配送太慢了", "zh"),
        ("鮮達外賣配送太慢了", "zh"),  # traditional Chinese is Chinese
        ("iPhone 15 太贵了", "zh"),
        ("Great app", "en"),
        ("The delivery was late and the food was cold", "en"),
        ("Das ist nicht gut und sehr teuer", "de"),
        ("このアプリは最高です", "ja"),
        ("배송이 너무 늦어요", "ko"),
        ("12345 !!!", "und"),
        ("", "und"),
    ],
)
def test_language_detection(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_thresholds() -> None:
    t = Thresholds(0.3, 0.7)
    assert [t.label(s) for s in (0.0, 0.29, 0.3, 0.7, 0.71, None)] == [
        SentimentLabel.negative,
        SentimentLabel.negative,
        SentimentLabel.neutral,
        SentimentLabel.neutral,
        SentimentLabel.positive,
        SentimentLabel.unscored,
    ]
    with pytest.raises(ValueError, match="thresholds"):
        Thresholds(0.8, 0.2)


def test_snownlp_scores_chinese_and_leaves_the_rest_unscored() -> None:
    service = SentimentService.from_names(["snownlp"])
    bad, good, english, empty = service.analyze_batch(
        ["配送太慢了，饭都凉了，差评，再也不点了", "味道很好，送得很快，好评！", "Terrible service", "   "]
    )
    assert bad.label is SentimentLabel.negative and bad.score is not None and bad.score < 0.2
    assert good.label is SentimentLabel.positive and good.score is not None and good.score > 0.8
    assert good.scorer == "snownlp" and good.language == "zh"
    assert english.label is SentimentLabel.unscored and english.score is None and english.reason
    assert empty.label is SentimentLabel.unscored and empty.reason == "empty text"


def test_the_text_decides_the_language_and_the_page_only_breaks_ties() -> None:
    service = SentimentService.from_names(["snownlp"])
    english_on_chinese_page, chinese_on_english_page, undetermined = service.analyze_batch(
        ["The delivery was late and cold", "鲜达外卖太慢了", "12345"], ["zh", "en", "zh"]
    )
    assert english_on_chinese_page.language == "en" and english_on_chinese_page.label is SentimentLabel.unscored
    assert chinese_on_english_page.language == "zh" and chinese_on_english_page.score is not None
    assert undetermined.language == "zh"


def test_one_bad_text_never_fails_the_batch() -> None:
    class Flaky:
        def classify(self, text: str) -> float:
            if "boom" in text:
                raise ZeroDivisionError("snownlp internals")
            return 0.9

    scorer = SnowNLPScorer()
    scorer._classifier = Flaky()
    assert scorer.score_batch(["好", "boom 中文", "", "好的"]) == [0.9, None, None, 0.9]


def test_scores_are_clamped_to_probabilities() -> None:
    class Wild(Scorer):
        name = "wild"

        def languages(self) -> frozenset[str]:
            return frozenset({"zh"})

        def score_batch(self, texts: Sequence[str]) -> list[float | None]:
            scores: list[float | None] = [1.5, -0.2, float("nan")]
            return scores[: len(texts)]

    scorer = SnowNLPScorer()

    class Over:
        def classify(self, text: str) -> float:
            return 1.0000001

    scorer._classifier = Over()
    assert scorer.score_batch(["好"]) == [1.0]
    high, low, nan = SentimentService([Wild()]).analyze_batch(["好", "差", "嗯"])
    assert (high.score, high.label) == (1.0, SentimentLabel.positive)
    assert (low.score, low.label) == (0.0, SentimentLabel.negative)
    assert (nan.score, nan.label) == (None, SentimentLabel.unscored)


def test_default_names_the_trained_chinese_model_and_vader() -> None:
    from sentiment import DEFAULT_SCORERS, scorer_names

    assert DEFAULT_SCORERS == ("yuqing-zh", "vader")
    assert scorer_names(["default"]) == ["yuqing-zh", "vader"]
    assert scorer_names(["snownlp", "default", "vader"]) == ["snownlp", "yuqing-zh", "vader"]
    with pytest.raises(KeyError, match="unknown sentiment scorer"):
        scorer_names(["bert"])
    # The first scorer for a language wins: snownlp before the default keeps snownlp for Chinese.
    service = SentimentService.from_names(["snownlp", "default"])
    assert service._by_language["zh"].name == "snownlp" and service._by_language["en"].name == "vader"


def test_a_scorer_that_breaks_its_contract_fails_only_its_texts() -> None:
    class Broken(Scorer):
        name = "broken"

        def languages(self) -> frozenset[str]:
            return frozenset({"en"})

        def score_batch(self, texts: Sequence[str]) -> list[float | None]:
            raise MemoryError("model exploded")

    class Fine(Scorer):
        name = "fine"

        def languages(self) -> frozenset[str]:
            return frozenset({"zh"})

        def score_batch(self, texts: Sequence[str]) -> list[float | None]:
            scores: list[float | None] = [0.9] * len(texts)
            return scores

    english, chinese, nothing = SentimentService([Broken(), Fine()]).analyze_batch(
        ["Great product", "很好", None]  # type: ignore[list-item]
    )
    assert (english.label, english.reason) == (SentimentLabel.unscored, "scorer failed")
    assert (chinese.score, chinese.label) == (0.9, SentimentLabel.positive)
    assert (nothing.label, nothing.reason) == (SentimentLabel.unscored, "empty text")


def test_han_count_is_the_number_of_han_characters() -> None:
    # detect_language counts Han characters by removing everything else: the count of one match per character.
    import re

    from sentiment.language import _NOT_HAN

    one = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
    texts = ["", "abc", "中文", "中a文 b", "㐀䶿一鿿豈﫿", "😀中😀", "こんにちは世界", "한국어 中"]
    for text in [*texts, "\u33ff\u4dc0\u9fff\ufb00"]:
        assert len(_NOT_HAN.sub("", text)) == len(one.findall(text))
