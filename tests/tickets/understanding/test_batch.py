"""The complaint reader's batch path gives the per-text answers bit for bit, on real texts of the shared corpora.

Ingest hands the reader a batch of mentions; :meth:`ModelClassifier.categories` reads each text as
:meth:`ModelClassifier.category` does and scores all of them with one sparse product
(:meth:`~tickets.understanding.model.Table.totals_many`). Equal floats, not close ones: a stored category must not
depend on the batch a mention came in.
"""

from __future__ import annotations

import math
import random

import pytest

from tests.conftest import corpus_texts
from tickets.classify import ModelClassifier
from tickets.enums import Category
from tickets.understanding.features import cues, grams
from tickets.understanding.folding import fold
from tickets.understanding.model import shipped_model

#: Texts the corpora hold few of: no Han characters, nothing at all, only marks, one character, mixed scripts.
ODD = [
    "",
    "   ",
    "!!!",
    "好",
    "The delivery was late and the box was broken.",
    "12315 @客服 #投诉# [怒]",
    "😀😀",
    "ok 好评",
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    every = [t for t in corpus_texts() if t.strip()]
    return [*random.Random(17).sample(every, 600), *ODD]


@pytest.fixture(scope="module")
def reader() -> ModelClassifier:
    return ModelClassifier()


def test_the_batch_scores_are_the_per_text_scores_bit_for_bit(texts: list[str]) -> None:
    table = shipped_model()._table
    rng = random.Random(3)
    read = [(grams(fold(t)), cues(t, fold(t), rng.random())) for t in texts]
    # Cue dicts in another order, with a name the model does not know: added in each dict's order all the same.
    read.append((("质量", "差", "zz"), {"t:sentiment": -0.5, "x:unknown": 3.0, "a:logistics": 0.25, "t:len": 0.4}))
    read.append(((), {}))
    one = [table.scores(g, c) for g, c in read]
    totals = table.totals_many([g for g, _ in read], [c for _, c in read]).tolist()
    assert [[row[lo:hi] for lo, hi in table.spans] for row in totals] == one
    assert table.totals_many([], []).shape == (0, len(table.bias))


def test_the_batch_predictions_are_the_per_text_predictions_bit_for_bit(texts: list[str]) -> None:
    """The batch's sigmoids and softmaxes (numpy around ``math.exp``) give the per-text floats, not close ones."""
    model = shipped_model()
    rng = random.Random(4)
    scores = [rng.random() for _ in texts]
    read = [(grams(fold(t)), cues(t, fold(t), s)) for t, s in zip(texts, scores, strict=True)]
    got = model.predict_read(texts, [g for g, _ in read], [c for _, c in read])
    want = [model.predict(t, evidence=0, sentiment=s) for t, s in zip(texts, scores, strict=True)]
    assert got == want
    assert [repr(p) for p in got] == [repr(p) for p in want]  # -0.0 and 0.0 compare equal; their reprs do not
    assert model.predict_read([], [], []) == []
    # A sentiment that is not a number: the per-text arithmetic for that text (NaN is not equal to itself: reprs).
    odd = [(grams(fold(t)), cues(t, fold(t), s)) for t, s in zip(texts[:20], [math.nan, 0.5] * 10, strict=True)]
    got = model.predict_read(texts[:20], [g for g, _ in odd], [c for _, c in odd])
    want = [model.predict(t, evidence=0, sentiment=s) for t, s in zip(texts[:20], [math.nan, 0.5] * 10, strict=True)]
    assert [repr(p) for p in got] == [repr(p) for p in want]


def test_a_batch_reads_each_text_as_one_text_is_read(reader: ModelClassifier, texts: list[str]) -> None:
    rng = random.Random(5)
    # Scores as the sentiment pipeline gives them, and None (scored here) for a few, as for a non-Chinese mention.
    scores = [None if i % 97 == 0 else rng.random() for i in range(len(texts))]
    want = [reader.category(t, sentiment=s) for t, s in zip(texts, scores, strict=True)]
    assert reader.categories(texts, scores) == want
    assert len(set(want)) >= 5  # the sample reaches most categories, not one answer repeated
    # Batches of any size give the same answers.
    assert [c for b in range(0, len(texts), 7) for c in reader.categories(texts[b : b + 7], scores[b : b + 7])] == want


def test_an_empty_batch_and_odd_texts(reader: ModelClassifier) -> None:
    assert reader.categories([], []) == []
    assert reader.categories(ODD, [0.5] * len(ODD)) == [reader.category(t, sentiment=0.5) for t in ODD]
    # No scores given: each text scored here, as category does without one.
    assert reader.categories(ODD[-3:]) == [reader.category(t) for t in ODD[-3:]]
    assert all(isinstance(c, Category) for c in reader.categories(ODD))


def test_a_brand_batch_reads_with_the_brand_words() -> None:
    reader = ModelClassifier(critical_words={"acme": ["爆屏"]})
    texts = ["手机用了一周就爆屏了，客服不理", "屏幕很好，物流快"]
    for brand in ("acme", None):
        assert reader.categories(texts, [0.2, 0.9], brand=brand) == [
            reader.category(t, brand, sentiment=s) for t, s in zip(texts, [0.2, 0.9], strict=True)
        ]
