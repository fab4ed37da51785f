"""Word statistics of a set of mentions: the most frequent words, and the words that rose most.

Both work on the jieba tokens a store's :meth:`~index.base.MentionStore.facets` samples (the newest mentions
of a filter), counting each word once per mention (document frequency), so a post repeating a word fifty
times counts once. Stop words (``index/stopwords.txt``, Chinese and English), single characters, numbers and
the words of the brands themselves are left out: they say nothing about *what* people write.

When the sample is only part of the matching mentions, counts are scaled up to the whole set, so a period
with ten thousand mentions compares fairly with one of five hundred.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import NamedTuple

from index.base import MentionFilter, MentionStore
from index.text import normalize, segment

STOPWORDS_FILE = Path(__file__).with_name("stopwords.txt")
#: A rising word needs at least this many mentions now: 0 → 1 is noise, not news.
MIN_RISING_COUNT = 3
#: Added to both counts before taking the ratio (additive smoothing): 0 → 12 rises 13×, 1 → 12 rises 6.5×.
SMOOTHING = 1.0


@dataclass(frozen=True)
class WordCount:
    word: str
    count: int


@dataclass(frozen=True)
class RisingWord:
    """A word that occurs in ``count`` mentions now against ``previous`` in the period before."""

    word: str
    count: int
    previous: int
    ratio: float


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The shipped stop words, folded like indexed tokens."""
    words = set()
    for line in STOPWORDS_FILE.read_text(encoding="utf-8").splitlines():
        word = line.strip()
        if word and not word.startswith("#"):
            words.add(normalize(word))
    return frozenset(words)


def excluded_words(phrases: Iterable[str]) -> frozenset[str]:
    """Tokens to leave out besides stop words: ``phrases`` (brand names, keywords) and their jieba tokens."""
    out: set[str] = set()
    for phrase in phrases:
        out.add(normalize(phrase))
        out.update(segment(phrase))
    return frozenset(out)


def is_content_word(token: str, exclude: frozenset[str] = frozenset()) -> bool:
    """Whether a token can say what mentions are about (not a stop word, number, single character or brand)."""
    if len(token) < 2 or token.isnumeric() or token.isdecimal():
        return False
    if any(char.isdigit() for char in token) and token.isascii() and not token.isalpha():
        return False  # "2026", "4g", "x5" carry more noise than meaning in these lists
    return token not in stopwords() and token not in exclude


@lru_cache(maxsize=200_000)
def content_word(token: str) -> bool:
    """:func:`is_content_word` without exclusions, remembered per token (ingest and facets ask for every token)."""
    return is_content_word(token)


_CONTENT: set[str] = set()
_NOT_CONTENT: set[str] = set()
_KNOWN_CAP = 200_000  # distinct tokens remembered, as content_word's cache; past it both sets start again


def content_words_of(tokens: set[str]) -> frozenset[str]:
    """The content words among ``tokens`` (:func:`content_word` of each), by set operations in C on the tokens
    already judged: ingest asks this for every mention's dozens of tokens, most of them seen before."""
    unknown = tokens - _CONTENT - _NOT_CONTENT
    if unknown:
        if len(_CONTENT) + len(_NOT_CONTENT) > _KNOWN_CAP:
            _CONTENT.clear()
            _NOT_CONTENT.clear()
            unknown = tokens
        for token in unknown:
            (_CONTENT if is_content_word(token) else _NOT_CONTENT).add(token)
    return frozenset(tokens & _CONTENT)


def document_frequencies(sample: Sequence[Sequence[str]], exclude: frozenset[str] = frozenset()) -> Counter[str]:
    """In how many of the sampled mentions each content word occurs."""
    # Every distinct token of each mention counted in C, then the vocabulary filtered once (not every token of
    # every mention): a 30-day sample of 2,000 posts holds ~60,000 tokens but ~15,000 distinct ones.
    counts: Counter[str] = Counter(chain.from_iterable(map(set, sample)))
    for token in [t for t in counts if not content_word(t) or t in exclude]:
        del counts[token]
    return counts


def _scaled(counts: Counter[str], total: int, sampled: int) -> dict[str, int]:
    scale = total / sampled if sampled and total > sampled else 1.0
    return {word: round(n * scale) for word, n in counts.items()}


def top_words(
    sample: Sequence[Sequence[str]], total: int, exclude: frozenset[str] = frozenset(), limit: int = 20
) -> list[WordCount]:
    """The ``limit`` words in most mentions, most first (ties alphabetical)."""
    return top_counted(_scaled(document_frequencies(sample, exclude), total, len(sample)), exclude, limit)


def top_counted(counts: Mapping[str, int], exclude: frozenset[str] = frozenset(), limit: int = 20) -> list[WordCount]:
    """:func:`top_words` from document frequencies already counted (a store's roll-ups)."""
    # The first ``limit`` in (count desc, word) order without sorting the whole vocabulary.
    ranked = heapq.nsmallest(limit, ((-n, w) for w, n in counts.items() if w not in exclude))
    return [WordCount(word, -n) for n, word in ranked]


def rising_words(
    current: Sequence[Sequence[str]],
    current_total: int,
    previous: Sequence[Sequence[str]],
    previous_total: int,
    exclude: frozenset[str] = frozenset(),
    limit: int = 20,
    min_count: int = MIN_RISING_COUNT,
) -> list[RisingWord]:
    """The words whose mention count rose most against the previous period: what is driving a spike.

    Ranked by the smoothed ratio ``(now + 1) / (before + 1)``, then by count now; only words in at least
    ``min_count`` mentions now that rose at all are listed.
    """
    now = _scaled(document_frequencies(current, exclude), current_total, len(current))
    before = _scaled(document_frequencies(previous, exclude), previous_total, len(previous))
    return rising_counted(now, before, exclude, limit, min_count)


def rising_counted(
    now: Mapping[str, int],
    before: Mapping[str, int],
    exclude: frozenset[str] = frozenset(),
    limit: int = 20,
    min_count: int = MIN_RISING_COUNT,
) -> list[RisingWord]:
    """:func:`rising_words` from document frequencies already counted (a store's roll-ups)."""
    keyed = []
    for word, count in now.items():
        if count < min_count or word in exclude:
            continue
        was = before.get(word, 0)
        if count <= was:
            continue
        ratio = round((count + SMOOTHING) / (was + SMOOTHING), 2)
        keyed.append((-ratio, -count, word, was))
    # The first ``limit`` in (ratio desc, count desc, word) order without sorting every candidate.
    return [RisingWord(word, -count, was, -ratio) for ratio, count, word, was in heapq.nsmallest(limit, keyed)]


class PeriodWords(NamedTuple):
    """Top and rising words of a period; ``exact``: counted from every matching mention, not estimated."""

    top: list[WordCount]
    rising: list[RisingWord]
    exact: bool


def period_words(
    store: MentionStore,
    current: MentionFilter,
    previous: MentionFilter,
    exclude: frozenset[str],
    limit: int,
    sample: int,
) -> PeriodWords:
    """Top and rising words of ``current`` against ``previous``: from the store's word counts where it keeps them
    (:meth:`~index.base.MentionStore.word_frequencies`: exact, or estimated from each day's top words on long
    ranges of large stores), else estimated from the newest ``sample`` mentions of each period."""
    now = store.word_frequencies(current)
    before = store.word_frequencies(previous) if now is not None else None
    if now is not None and before is not None:
        return PeriodWords(
            top_counted(now.counts, exclude, limit),
            rising_counted(now.counts, before.counts, exclude, limit),
            now.exact and before.exact,
        )
    cur = store.facets(current, size=0, sample=sample)
    prev = store.facets(previous, size=0, sample=sample)
    # Each sample counted once, for both lists.
    counted_now = _scaled(document_frequencies(cur.sample, exclude), cur.total, len(cur.sample))
    counted_before = _scaled(document_frequencies(prev.sample, exclude), prev.total, len(prev.sample))
    exact = len(cur.sample) == cur.total and len(prev.sample) == prev.total
    return PeriodWords(
        top_counted(counted_now, exclude, limit), rising_counted(counted_now, counted_before, exclude, limit), exact
    )
