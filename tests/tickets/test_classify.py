"""Classification by transparent rules: category, grade (safety is always urgent), confidence, matched words."""

from __future__ import annotations

import pytest

from tickets.classify import Classifier
from tickets.enums import Category, Priority

C = Classifier()


@pytest.mark.parametrize(
    ("text", "category", "grade"),
    [
        ("鲜达外卖配送太慢，骑手还晚到一个小时", Category.logistics, Priority.general),
        ("吃了鲜达外卖后全家食物中毒住院了", Category.product_quality, Priority.urgent),
        ("充电时手机突然起火，差点烧到孩子", Category.product_quality, Priority.urgent),
        ("再不退款我就找媒体曝光", Category.process, Priority.urgent),  # rights-protection threat
        ("退款三天没到账，客服态度很差，推来推去", Category.service_attitude, Priority.general),
        ("第三次投诉了，还是送错餐", Category.logistics, Priority.major),
        ("希望能增加夜间配送", Category.suggestion, Priority.suggestion),
        ("请问怎么申请退款", Category.enquiry, Priority.general),
        ("The courier was rude and the delivery was late", Category.logistics, Priority.general),
        ("今天天气不错", Category.other, Priority.general),
    ],
)
def test_category_and_grade(text: str, category: Category, grade: Priority) -> None:
    verdict = C.classify(text)
    assert (verdict.category, verdict.grade) == (category, grade)


def test_matched_words_and_confidence_are_shown() -> None:
    verdict = C.classify("退款三天没到账，客服态度很差，推来推去")
    assert verdict.matched == {"service_attitude": ["态度", "推来推去", "客服"], "process": ["退款"]}
    assert verdict.confidence == 0.75 and not verdict.needs_confirmation
    assert verdict.matched_text() == "service_attitude:态度|推来推去|客服; process:退款"


def test_weak_or_split_evidence_needs_an_agent() -> None:
    assert C.classify("今天天气不错").needs_confirmation  # nothing matched
    assert C.classify("订单送错了").needs_confirmation  # one word each for process and logistics
    # Safety is never left waiting for a confirmation before it is urgent.
    urgent = C.classify("孩子吃完过敏了")
    assert urgent.grade is Priority.urgent and not urgent.needs_confirmation


def test_negated_words_do_not_count() -> None:
    verdict = C.classify("包装里没有异物，就是送得慢")
    assert "product_quality" not in verdict.matched


def test_latin_words_are_whole_words_and_numbers_exact() -> None:
    assert "urgent" not in C.classify("fireworks show tonight").matched
    assert C.classify("已向315热线反映").grade is Priority.urgent
    assert C.classify("订单号3150001").grade is not Priority.urgent  # a number inside a longer number


def test_configured_lexicon_replaces_a_list() -> None:
    custom = Classifier(category_words={Category.logistics: ["闪送"]}, urgent_words=["冒烟"], low_confidence=0.9)
    verdict = custom.classify("闪送的小哥说柜子冒烟")
    assert verdict.category is Category.logistics and verdict.grade is Priority.urgent
    assert custom.classify("配送很慢").category is Category.other  # the shipped logistics words were replaced
