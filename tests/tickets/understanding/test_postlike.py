"""The social-post detector the category choice reads: fitted on unlabelled shared texts, stored with the model."""

from __future__ import annotations

from pathlib import Path

from tickets.enums import Category
from tickets.understanding.features import grams
from tickets.understanding.folding import fold
from tickets.understanding.model import ComplaintModel, Prediction, shipped_model
from tickets.understanding.postlike import PostDetector, grams12
from tickets.understanding.understand import _categories


def _post(text: str) -> float:
    detector = shipped_model().post
    assert detector is not None
    return detector.probability(grams12(grams(fold(text))))


def test_posts_read_as_posts_and_reviews_as_reviews() -> None:
    assert _post("今天和闺蜜去看电影了，开心[哈哈] @小明") > 0.9
    assert _post("转发微博 #今日话题# 好想放假啊") > 0.5
    assert _post("机器用了一周，键盘有点松") < 0.1
    assert _post("烂苹果，拿两个就烂两个。喂狗都不吃") < 0.1


def test_a_hesitant_other_stays_other_only_for_a_text_that_reads_like_a_post() -> None:
    # The primary head leans to "other", the applies head names product quality below VAGUE_ASPECT_AT: the case
    # where the model alone was right half the time on held-out domains.
    scores = {c: 0.05 for c in Category} | {Category.product_quality: 0.6, Category.other: 0.5}
    main = {c: 0.05 for c in Category} | {Category.product_quality: 0.3, Category.other: 0.4}

    def reading(post: float | None) -> Category:
        prediction = Prediction((Category.other,), scores, "complaint", {}, main=main, post=post)
        return _categories(prediction, "complaint")[0]

    assert reading(post=0.02) is Category.product_quality
    assert reading(post=0.9) is Category.other
    assert reading(post=None) is Category.other  # a model without a detector decides as before


def test_the_detector_survives_a_save_and_a_load(tmp_path: Path) -> None:
    model = shipped_model()
    model.save(tmp_path / "model.json")
    again = ComplaintModel.load(tmp_path / "model.json")
    assert isinstance(again.post, PostDetector) and again.post == model.post
    text = "蒙牛去死吧"
    assert again.predict(text, sentiment=0.1).post == model.predict(text, sentiment=0.1).post
