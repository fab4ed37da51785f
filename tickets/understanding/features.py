"""What the complaint model reads from a text: jieba words, character bigrams, aspect-lexicon hits and type cues.

Feature names carry a prefix so evidence can be shown in words: ``w:`` a jieba word, ``c:`` a character bigram,
``a:<category>`` how many aspect words of that category the text names (not negated), ``t:`` a cue of the text's
type (a question, a proposal, the sentiment). Values are binary except the aspect counts and the sentiment;
:func:`finish` L2-normalises the words and bigrams the model knows (so long and short texts weigh alike) and
keeps the cue features as they are, the same way in training and prediction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Container, Mapping
from functools import lru_cache
from typing import Any

from index.text import normalize
from tickets.enums import Category
from tickets.understanding import segment
from tickets.understanding.folding import fold
from tickets.understanding.lexicon import ASPECT_WORDS, BUSINESS_WORDS

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_TOKEN = re.compile(r"[\u4e00-\u9fff]|[a-z0-9]")
# A cue right after one of these, within a few characters and no clause break, is negated ("没有异物").
NEGATIONS = ("没有", "没", "无", "未", "不是", "并非", "不会")
_CLAUSE = re.compile(r"[,，。.!！?？;；\s]")

_QUESTION = re.compile(
    r"请问|咨询|想问|问一下|问下|怎么办|怎么|如何|能否|是否|多久|什么时候|哪里|哪儿|有没有|吗\?|么\?|呢\?"
)
_PROPOSAL = re.compile(
    r"建议|希望|最好能|能不能|可不可以|可否|改进|改善|优化|应该|要是能|如果能|就好了|加个|增加|提个意见"
)
_HASHTAG = re.compile(r"#[^#\s]{1,30}#")
_EMOTE = re.compile(r"\[[\u4e00-\u9fff a-z]{1,6}\]")
_ADVICE_TO_BUYERS = re.compile(r"(建议|劝)(大家|各位|亲们|朋友|买家|想买|别|不要|慎|谨慎)")


@lru_cache(maxsize=1)
def _aspect_patterns() -> dict[Category, list[tuple[str, str, re.Pattern[str]]]]:
    """Per category: (word as listed, word normalised, its pattern)."""
    return {
        cat: [(w, normalize(w), re.compile(re.escape(normalize(w)))) for w in words]
        for cat, words in ASPECT_WORDS.items()
    }


@lru_cache(maxsize=1)
def business_words() -> tuple[str, ...]:
    return tuple(normalize(w) for w in BUSINESS_WORDS)


def _negated(text: str, start: int) -> bool:
    before = _CLAUSE.split(text[max(0, start - 4) : start])[-1]
    return any(neg in before for neg in NEGATIONS)


def aspect_hits(folded: str) -> dict[Category, list[str]]:
    """The aspect words a (normalised) text names, per category, negated ones left out."""
    return {cat: list(words) for cat, words in _aspect_hits(folded)}


_AspectEntry = tuple[int, Category, str, str, re.Pattern[str]]


@lru_cache(maxsize=1)
def _aspects_by_first_character() -> dict[str, list[_AspectEntry]]:
    """The aspect words by the first character of their normalised form, each with its place in the lists."""
    out: dict[str, list[_AspectEntry]] = {}
    order = 0
    for cat, patterns in _aspect_patterns().items():
        for word, key, pattern in patterns:
            out.setdefault(key[:1], []).append((order, cat, word, key, pattern))
            order += 1
    return out


@lru_cache(maxsize=64)
def _aspect_hits(folded: str) -> tuple[tuple[Category, tuple[str, ...]], ...]:
    # Cached: the features, the type decision and the evidence all ask about the same text, one after another.
    # Only the words starting with a character of the text can occur in it (a few dozen of some 700), tried in
    # the lists' order, so the words found and their order are those of a walk through every list.
    index = _aspects_by_first_character()
    candidates = sorted((entry for char in {*folded, ""} for entry in index.get(char, ())), key=lambda entry: entry[0])
    out: dict[Category, list[str]] = {}
    for _, cat, word, key, pattern in candidates:
        # A substring test first: most words are absent, and ``in`` is far cheaper than a regex scan.
        if key in folded and any(not _negated(folded, m.start()) for m in pattern.finditer(folded)):
            out.setdefault(cat, []).append(word)
    return tuple((cat, tuple(words)) for cat, words in out.items())


def words(folded: str) -> list[str]:
    """jieba words of a normalised text, punctuation and spaces left out."""
    # HMM=False, as the sentiment model segments: jieba's guesser of unknown words costs a quarter of the
    # segmentation, and without it the held-out-domain cross-validation on train is the same (lenient 0.70,
    # macro recall 0.44, type 0.77 vs 0.76): unknown words are covered by the character bigrams anyway.
    # Python jieba's cut, computed by jieba-rs where that gives the same words (see :mod:`.segment`).
    return [w for w in segment.cut(folded) if _TOKEN.search(w)]


@lru_cache(maxsize=1)
def _sentiment() -> Any:
    from sentiment.zh import ZhScorer

    return ZhScorer()


def sentiment_of(text: str) -> float:
    """The shipped Chinese sentiment model's probability that ``text`` is positive (0.5 when unscored)."""
    score = _sentiment().score_batch([text])[0]
    return 0.5 if score is None else float(score)


def extract(text: str, sentiment: float | None = None) -> dict[str, float]:
    """Raw features of one text (before :func:`finish`).

    ``sentiment``: the probability that the text is positive, when the caller already has it from the shipped
    Chinese scorer (the crawl's sentiment pipeline does); scoring again would double the cost of a text.
    """
    folded = fold(text)
    out: dict[str, float] = {}
    for word in words(folded):
        out["w:" + word] = 1.0
    for run in _CJK_RUN.findall(folded):
        for i in range(len(run) - 1):
            out["c:" + run[i : i + 2]] = 1.0
    for cat, hits in aspect_hits(folded).items():
        out["a:" + cat.value] = min(len(hits), 4) / 4
    business = sum(1 for word in business_words() if word in folded)
    if business:
        out["a:business"] = min(business, 4) / 4
    elif not any(name.startswith("a:") for name in out):
        out["t:no_business"] = 1.0  # names no product, shop or aspect: likely a personal post or news
    # Marks of a social post rather than a review, the same on every platform: @someone, #topic#, [表情]. With
    # ``t:no_business`` they lifted the held-out-domain folds from 0.746 / 0.485 / 0.765 to 0.760 / 0.483 / 0.785.
    if "@" in folded:
        out["t:mention"] = 1.0
    if _HASHTAG.search(folded):
        out["t:hashtag"] = 1.0
    if _EMOTE.search(folded):
        out["t:emote"] = 1.0
    if _QUESTION.search(folded) or folded.rstrip().endswith("?"):
        out["t:question"] = 1.0
    if _PROPOSAL.search(folded):
        out["t:proposal"] = 1.0
    if _ADVICE_TO_BUYERS.search(folded):
        out["t:advice"] = 1.0
    out["t:len"] = min(math.log1p(len(folded)) / 6.0, 1.0)
    out["t:sentiment"] = 2.0 * (sentiment_of(text) if sentiment is None else sentiment) - 1.0
    return out


def finish(raw: Mapping[str, float], known: Container[str]) -> dict[str, float]:
    """The known features of ``raw``: words and bigrams L2-normalised together, cue features (``a:``, ``t:``) kept."""
    text = {name: v for name, v in raw.items() if name[:2] in ("w:", "c:") and name in known}
    norm = math.sqrt(sum(v * v for v in text.values())) or 1.0
    out = {name: v / norm for name, v in text.items()}
    out.update({name: v for name, v in raw.items() if name[:2] in ("a:", "t:") and name in known})
    return out
