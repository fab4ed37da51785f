"""The complaint reader given a sentiment score it would otherwise compute: same reading, no second scoring."""

from __future__ import annotations

import pytest

from tickets.classify import Classifier, ModelClassifier
from tickets.understanding.features import sentiment_of
from tickets.understanding.urgency import UrgencyDetector

TEXTS = (
    "智能手环屏幕失灵",
    "咖啡机开机无反应,客服也不理人",
    "吃了你们家的外卖全家上吐下泻,已经去医院了",
    "建议增加夜间配送",
    "请问会员怎么退款?",
    "快递真的是差到爆炸了,一个星期都没送到",
    "非常好用,推荐购买",
)


@pytest.fixture(scope="module")
def reader() -> ModelClassifier:
    return ModelClassifier()


@pytest.mark.parametrize("text", TEXTS)
def test_a_given_score_reads_as_the_computed_one(reader: ModelClassifier, text: str) -> None:
    assert reader.classify(text, sentiment=sentiment_of(text)) == reader.classify(text)


def test_a_given_score_is_not_computed_again(reader: ModelClassifier, monkeypatch: pytest.MonkeyPatch) -> None:
    def scored(text: str) -> float:
        raise AssertionError("scored again")

    monkeypatch.setattr("tickets.understanding.features.sentiment_of", scored)
    seen = reader.classify("吃了你们家的外卖拉肚子,要去12315投诉", sentiment=0.05)
    assert seen.grade.value == "urgent"
    with pytest.raises(AssertionError, match="scored again"):
        reader.classify("吃了你们家的外卖拉肚子,要去12315投诉")


def test_the_score_feature_moves_the_reading(reader: ModelClassifier) -> None:
    # The score is a feature, not decoration: the type head reads it.
    text = "这家店的东西"
    happy = reader._default.model.predict(text, sentiment=0.99).type_scores
    sad = reader._default.model.predict(text, sentiment=0.01).type_scores
    assert happy["praise"] > sad["praise"]


def test_the_lexicon_classifier_accepts_the_same_call() -> None:
    assert Classifier().classify("配送超时", sentiment=0.1).category.value == "logistics"


def test_overlapping_harmless_phrases_are_all_blanked() -> None:
    # "差到爆" and "到爆炸" overlap in "差到爆炸了": blanking one first used to leave "炸了" standing, depending
    # on the hash seed's set order.
    detector = UrgencyDetector()
    assert detector.masked("差到爆炸了") == "□□□□了"
    assert not detector.detect("快递真的是差到爆炸了!!!").urgent
    assert detector.detect("充电宝充着充着炸了").urgent
