"""The complaint reader's fast paths give the readings of the plain ones, on real texts of the shared corpora.

Ingest reads every mention, so the reader cuts with jieba-rs instead of Python jieba (:mod:`tickets.understanding
.segment`), scores its three heads in one pass (:class:`~tickets.understanding.model.JointHeads`), finds aspect
words through an index by first character, and skips the evidence when only the category is stored. Each test
puts a fast path beside the computation it replaced and asks for the same result, to the last bit.
"""

from __future__ import annotations

import random
import re

import jieba
import pytest

from tests.conftest import corpus_texts
from tickets.classify import ModelClassifier
from tickets.enums import Category
from tickets.understanding import segment
from tickets.understanding.features import _aspect_hits, _aspect_patterns, _negated
from tickets.understanding.folding import fold
from tickets.understanding.model import JointHeads, shipped_model
from tickets.understanding.understand import Understander


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Every corpus text with a long run of one character (where jieba-rs and Python jieba were seen to
    differ), all those a dozen characters or more cut character by character in part, and a random sample."""
    every = [t for t in corpus_texts() if t.strip()]
    runs = [t for t in every if re.search(r"(.)\1{19}", t)]
    rng = random.Random(17)
    return runs + rng.sample(every, 1500)


def test_the_cut_is_python_jiebas(texts: list[str]) -> None:
    assert any(re.search(r"(.)\1{39}", t) for t in texts)  # the texts where jieba-rs alone cut otherwise
    for text in texts:
        folded = fold(text)
        assert segment.cut(folded) == jieba.lcut(folded, HMM=False), text


def test_the_cut_is_python_jiebas_around_repeated_units(texts: list[str]) -> None:
    rng = random.Random(3)
    contexts = [fold(t)[:60] for t in texts[-12:]]
    for unit in ("哈", "啊", "嘻", "呵", "好的", "哈哈", "谢谢", "6", "h", "！"):
        for count in range(2, 40, 3):
            for context in contexts:
                at = rng.randrange(len(context) + 1)
                folded = context[:at] + unit * count + context[at:]
                assert segment.cut(folded) == jieba.lcut(folded, HMM=False), folded


def test_joint_heads_score_as_each_head_alone(texts: list[str]) -> None:
    model = shipped_model()
    heads = (model.applies, model.primary, model.kind)
    joint = JointHeads(heads)
    for text in texts[-400:]:
        x = model.features(text, sentiment=0.3)
        assert joint.scores(x) == [head.scores(x) for head in heads], text


def _aspects_walking_every_list(folded: str) -> tuple[tuple[Category, tuple[str, ...]], ...]:
    """The aspect words as found before the index: every list, every word, in order."""
    out: dict[Category, list[str]] = {}
    for cat, patterns in _aspect_patterns().items():
        for word, key, pattern in patterns:
            if key in folded and any(not _negated(folded, m.start()) for m in pattern.finditer(folded)):
                out.setdefault(cat, []).append(word)
    return tuple((cat, tuple(words)) for cat, words in out.items())


def test_aspect_words_found_through_the_index_are_those_of_every_list(texts: list[str]) -> None:
    found = 0
    for text in texts:
        folded = fold(text)
        hits = _aspect_hits(folded)
        assert hits == _aspects_walking_every_list(folded), text
        found += bool(hits)
    assert found > len(texts) / 3


def test_the_fast_reading_is_the_plain_one(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole reading (categories, type, grade, confidence, evidence) with the fast paths, then with Python
    jieba and each head scored alone (the computation before them)."""
    reader = Understander()
    sample = texts[-600:]
    scores = [i / len(sample) for i in range(len(sample))]
    fast = [reader.understand(t, s) for t, s in zip(sample, scores, strict=True)]
    monkeypatch.setattr(segment, "cut", lambda folded: jieba.lcut(folded, HMM=False))
    monkeypatch.setattr(JointHeads, "scores", lambda self, x: [head.scores(x) for head in self.heads])
    plain = [reader.understand(t, s) for t, s in zip(sample, scores, strict=True)]
    assert fast == plain
    assert len({u.category for u in plain}) >= 5  # the sample reads as many categories, not one


def test_the_category_alone_is_the_classifications(texts: list[str]) -> None:
    classifier = ModelClassifier(critical_words={"*": ["异物卡喉"]})
    for i, text in enumerate(texts[-300:]):
        sentiment = None if i % 10 == 0 else (i % 7) / 7
        assert classifier.category(text, sentiment=sentiment) == classifier.classify(text, sentiment=sentiment).category
