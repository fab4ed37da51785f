"""Hashed character n-grams of a batch (sentiment.ngrams) against a plain-Python reference, one text at a time."""

from __future__ import annotations

import random

import pytest

from sentiment.features import normalize
from sentiment.ngrams import MAX_N, buckets
from tests.conftest import corpus_texts

BITS = 20


def reference(text: str, bits: int = BITS) -> set[int]:
    """The buckets of one text, written out loop by loop: the hash :mod:`sentiment.ngrams` documents."""
    mask = (1 << 64) - 1
    out = set()
    for chunk in text.split(" "):
        for n in range(1, MAX_N + 1):
            for i in range(len(chunk) - n + 1):
                h = 0
                for step, char in enumerate(chunk[i : i + n], start=1):
                    h = (h * 1_000_003 + ord(char) + step) & mask
                out.add(((h * 0x9E3779B97F4A7C15) & mask) >> (64 - bits))
    return out


def as_sets(texts: list[str]) -> list[set[int]]:
    owner, bucket = buckets(texts, BITS)
    out: list[set[int]] = [set() for _ in texts]
    for t, b in zip(owner.tolist(), bucket.tolist(), strict=True):
        assert b not in out[t], "a bucket appears once per text"
        out[t].add(b)
    return out


EDGE_CASES = ["", "好", "不好", "不 好", "好吃不贵好吃不贵", "𠀀𠀁x", "a  b", "", "差评!!!"]


@pytest.mark.parametrize("text", [t for t in EDGE_CASES if t])
def test_one_text_equals_the_reference(text: str) -> None:
    assert as_sets([text]) == [reference(text)]


def test_a_batch_is_each_text_alone_and_no_ngram_spans_two_texts() -> None:
    # Empty texts anywhere (first, between, last) own no n-gram and shift nobody else's.
    texts = ["", *EDGE_CASES, "最后一条"]
    assert as_sets(texts) == [reference(t) for t in texts]
    assert buckets([], BITS)[0].size == 0


def test_repeats_count_once_and_pairs_are_sorted() -> None:
    owner, bucket = buckets(["好好好好", "好"], BITS)
    assert owner.tolist() == [0, 0, 0, 1]  # 好, 好好, 好好好 in the first text; 好 in the second
    assert set(bucket[owner == 1].tolist()) <= set(bucket[owner == 0].tolist())
    keys = (owner << BITS) | bucket
    assert (keys[1:] > keys[:-1]).all()


def test_shared_corpus_texts_equal_the_reference() -> None:
    texts = [normalize(t) for t in random.Random(13).sample(corpus_texts(), 300)]
    assert as_sets(texts) == [reference(t) for t in texts]
