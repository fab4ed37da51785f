"""What the complaint model reads from a text: character n-grams, aspect-lexicon hits and type cues.

Feature names carry a prefix so evidence can be shown in words: ``c:`` a character n-gram of a run of Han characters
(orders :data:`CHAR_ORDERS`) or a run of Latin letters and digits, ``a:<category>`` how many aspect words of that
category the text names (not negated; ``a:praised_<category>`` those it names to praise them, :func:`praised_aspects`),
``t:`` a cue of the text's type (a question, a proposal, the sentiment).
Values are binary except the aspect counts and the sentiment; :func:`finish` L2-normalises the n-grams the model
knows (so long and short texts weigh alike) and keeps the cue features as they are, the same way in training and
prediction. Character n-grams need no segmentation: no word list decides what an unseen domain's words are, and
reading a text costs a fraction of a jieba cut.
"""

from __future__ import annotations

import math
import re
from collections.abc import Container, Mapping
from functools import lru_cache
from operator import add, itemgetter
from typing import Any

from index.text import normalize
from tickets.enums import Category
from tickets.understanding.folding import fold
from tickets.understanding.kind import model_cues as kind_cues
from tickets.understanding.kind import names_item
from tickets.understanding.lexicon import ASPECT_WORDS, BUSINESS_WORDS, DEFECT_WORDS, VERDICT_WORDS

#: The n-gram orders of Han-character runs (chosen on whole-domain-held-out folds of the train split, see train.py).
CHAR_ORDERS: tuple[int, ...] = (1, 2, 3)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_ORDERS_123 = CHAR_ORDERS == (1, 2, 3)
_TOP = max(CHAR_ORDERS)
_LATIN = re.compile(r"[a-z0-9]+")
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
def verdict_words() -> tuple[str, ...]:
    return tuple(normalize(w) for w in VERDICT_WORDS)


@lru_cache(maxsize=1)
def business_words() -> tuple[str, ...]:
    return tuple(normalize(w) for w in BUSINESS_WORDS)


def _negated(text: str, start: int) -> bool:
    window = text[max(0, start - 4) : start]
    # The clause's part of the window is a piece of it: with no negation word in the window there is none there
    # (most matches), and the window need not be split.
    if not any(map(window.__contains__, NEGATIONS)):
        return False
    before = _CLAUSE.split(window)[-1]
    return any(neg in before for neg in NEGATIONS)


# A delivery, service or process word named to praise it ("快递很快", "包装完好无损", "服务都不错") or to clear it
# ("和物流无关") is not what the text complains about: what follows it in its clause, up to a turn ("但", "就是" …),
# says so. Such words count as ``a:praised_<category>``, not ``a:<category>``. Whole-domain-held-out folds on the
# 4,854 train rows (lenient / macro recall / type): 0.7886 / 0.5753 / 0.8096 before, 0.7919 / 0.5800 / 0.8107 with
# this; praised words left out rather than counted apart 0.7907 / 0.5796 / 0.8076; product words praised too
# ("质量很好", which praise reviews are labelled by) 0.7897 / 0.5822 / 0.8088.
_PRAISED = re.compile(
    r"不错|及时|准时|迅速|神速|给力|满意|完好|完整|周到|热情|贴心|很棒|甚佳|一流|点赞|很赞|无关|没关系|没问题|没毛病|好评|辛苦"
    r"|(?:^|很|挺|蛮|超|真|太|好|特别|非常|相当|比较|十分|超级|都|也)(?:快|好)(?!就(?!是)|[点些慢差烂久贵几像多少])"
)
_TURN = re.compile(r"[,，。.!！?？;；\s]|但|可是|就是|只是|不过|却|然而")
_NOT = re.compile(r"不|没|未")
#: A character every match of :data:`_PRAISED` holds: a text or a word's tail without one is praised nowhere.
_PRAISE_CHARS = frozenset("错及准迅神给满完周热贴棒佳流赞关题病评苦快好")


def _praised_at(folded: str, end: int) -> bool:
    """Whether praise follows ``folded[end]`` in its clause, before a turn, with no negation before it."""
    tail = folded[end : end + 12]
    if _PRAISE_CHARS.isdisjoint(tail):
        return False
    found = _PRAISED.search(tail)
    # The first praise in the tail: one after a turn ("物流很快但包装破了" read from 包装) is not this word's.
    return found is not None and not _TURN.search(tail, 0, found.start()) and not _NOT.search(tail, 0, found.start())


@lru_cache(maxsize=1)
def _word_keys() -> dict[str, str]:
    """Each aspect word as listed, normalised (as :func:`_aspect_hits` finds it in a normalised text)."""
    return {word: key for patterns in _aspect_patterns().values() for word, key, _ in patterns}


@lru_cache(maxsize=64)
def praised_aspects(folded: str) -> frozenset[str]:
    """The aspect words (as listed, product quality's aside) a normalised text names only to praise or clear them:
    every occurrence not negated is followed in its clause by praise ("物流很快") or a clearing ("和快递无关")."""
    out = []
    keys = _word_keys()
    for cat, words in _aspect_hits(folded):
        if cat is Category.product_quality:
            continue  # a praised product is what a praise review is about (labelled so): it keeps its weight
        for word in words:
            key = keys[word]
            praised = False
            at = folded.find(key)
            while at >= 0:  # each occurrence, not overlapping (as the word's pattern finds them)
                if not _negated(folded, at):
                    if not _praised_at(folded, at + len(key)):
                        break
                    praised = True
                at = folded.find(key, at + len(key))
            else:
                if praised:
                    out.append(word)
    return frozenset(out)


def aspect_hits(folded: str) -> dict[Category, list[str]]:
    """The aspect words a (normalised) text names, per category, negated ones left out."""
    return {cat: list(words) for cat, words in _aspect_hits(folded)}


_AspectEntry = tuple[int, Category, str, str, re.Pattern[str]]


def _gram_key(word: str) -> tuple[str, bool] | None:
    """How a listed word is found among a text's n-grams: (the word, True) when it is one (a Han word of an order
    in :data:`CHAR_ORDERS`: it occurs exactly when it is a gram), (its first gram of the top order, False) for a
    longer Han word (it occurs only where that gram does, and is then looked for), else None (tried one by one)."""
    if _CJK_RUN.fullmatch(word):
        if len(word) in CHAR_ORDERS:
            return word, True
        if len(word) > _TOP:
            return word[:_TOP], False
    return None


@lru_cache(maxsize=1)
def _aspect_index() -> tuple[dict[str, list[_AspectEntry]], dict[str, list[_AspectEntry]], list[_AspectEntry]]:
    """The aspect words, each with its place in the lists: by gram those that are an n-gram the model reads, by
    their first gram the longer Han words (:func:`_gram_key`), and the others (a few Latin or mixed words)."""
    by_gram: dict[str, list[_AspectEntry]] = {}
    by_prefix: dict[str, list[_AspectEntry]] = {}
    rest: list[_AspectEntry] = []
    order = 0
    for cat, patterns in _aspect_patterns().items():
        for word, key, pattern in patterns:
            entry = (order, cat, word, key, pattern)
            found = _gram_key(key)
            if found is None:
                rest.append(entry)
            else:
                (by_gram if found[1] else by_prefix).setdefault(found[0], []).append(entry)
            order += 1
    return by_gram, by_prefix, rest


@lru_cache(maxsize=64)
def _aspect_hits(folded: str) -> tuple[tuple[Category, tuple[str, ...]], ...]:
    # Cached: the features, the type decision and the evidence all ask about the same text, one after another.
    # The words are looked up among the text's n-grams (computed for the model anyway, :func:`_gram_key`); the few
    # others are tried one by one. Tried in the lists' order, the words found and their order are those of a walk
    # through every list.
    by_gram, by_prefix, rest = _aspect_index()
    listed = _listed_grams(folded)
    # The candidates are sorted below, so a set intersection (in C) may pick them.
    candidates = [entry for gram in by_gram.keys() & listed for entry in by_gram[gram]]
    candidates += [entry for gram in by_prefix.keys() & listed for entry in by_prefix[gram] if entry[3] in folded]
    candidates += [entry for entry in rest if entry[3] in folded]
    candidates.sort(key=itemgetter(0))
    out: dict[Category, list[str]] = {}
    # Every candidate occurs in the text, so without any negation word in the whole text none of its matches is
    # negated (most texts); otherwise each distinct word is checked once, though the lists repeat some words.
    maybe_negated = any(map(folded.__contains__, NEGATIONS))
    named: dict[str, bool] = {}
    for _, cat, word, key, pattern in candidates:
        if maybe_negated:
            hit = named.get(key)
            if hit is None:
                hit = named[key] = any(not _negated(folded, m.start()) for m in pattern.finditer(folded))
            if not hit:
                continue
        out.setdefault(cat, []).append(word)
    return tuple((cat, tuple(words)) for cat, words in out.items())


_WordIndex = tuple[dict[str, int], dict[str, tuple[str, ...]], tuple[str, ...]]


def _word_index(words: tuple[str, ...]) -> _WordIndex:
    """Listed words: how often each Han n-gram among them is listed, the longer Han words by their first gram
    (:func:`_gram_key`; a word listed twice, twice), and the others."""
    by_gram: dict[str, int] = {}
    by_prefix: dict[str, tuple[str, ...]] = {}
    rest: list[str] = []
    for word in words:
        found = _gram_key(word)
        if found is None:
            rest.append(word)
        elif found[1]:
            by_gram[word] = by_gram.get(word, 0) + 1
        else:
            by_prefix[found[0]] = (*by_prefix.get(found[0], ()), word)
    return by_gram, by_prefix, tuple(rest)


@lru_cache(maxsize=1)
def _business_index() -> _WordIndex:
    return _word_index(business_words())


@lru_cache(maxsize=1)
def _verdict_index() -> _WordIndex:
    # Each list's index by a call without arguments: a cache keyed by the words hashed their whole tuple each time.
    return _word_index(verdict_words())


def _count(folded: str, index: _WordIndex) -> int:
    """How many of the words of ``index`` (:func:`_business_index` or :func:`_verdict_index`, whose grams
    :func:`_listed` holds) a normalised text contains."""
    # Looked up among the text's n-grams, read for the model anyway (:func:`_gram_key`; a set intersection, in C,
    # picks them); the others are tried one by one.
    by_gram, by_prefix, rest = index
    listed = _listed_grams(folded)
    found = sum(map(by_gram.__getitem__, by_gram.keys() & listed)) + sum(map(folded.__contains__, rest))
    for gram in by_prefix.keys() & listed:
        found += sum(map(folded.__contains__, by_prefix[gram]))
    return found


@lru_cache(maxsize=1)
def _listed() -> frozenset[str]:
    """Every gram by which an aspect, business or verdict word is looked up (:func:`_gram_key`)."""
    aspects, business, verdicts = _aspect_index(), _business_index(), _verdict_index()
    return frozenset().union(aspects[0], aspects[1], business[0], business[1], verdicts[0], verdicts[1])


@lru_cache(maxsize=64)
def _listed_grams(folded: str) -> frozenset[str]:
    """The n-grams of a normalised text by which listed words are looked up (:func:`_listed`). Cached: one pass
    over the text's hundred-odd grams for the three lists (the aspect hits, the business and the verdict counts,
    one after the other), each list then intersected with the handful found, not with every gram again."""
    return _listed().intersection(grams(folded))


@lru_cache(maxsize=64)
def business_count(folded: str) -> int:
    """How many of the listed business words (:data:`BUSINESS_WORDS`) a normalised text contains."""
    return _count(folded, _business_index())


@lru_cache(maxsize=1)
def _sentiment() -> Any:
    from sentiment.zh import ZhScorer

    return ZhScorer()


def sentiment_of(text: str) -> float:
    """The shipped Chinese sentiment model's probability that ``text`` is positive (0.5 when unscored)."""
    score = _sentiment().score_batch([text])[0]
    return 0.5 if score is None else float(score)


@lru_cache(maxsize=64)
def grams(folded: str) -> tuple[str, ...]:
    """The text features of a normalised text, without their ``c:`` prefix, each once, in the order met: the
    n-grams of every Han run, then the Latin-letter and digit runs (whole, as a word). Cached: the model, the
    aspect words and the business words read them from the same text one after another."""
    out: list[str] = []
    extend = out.extend
    top = max(CHAR_ORDERS)
    for run in _CJK_RUN.findall(folded):
        # Order n's grams are order n-1's each joined with the next character, in C (``map(add, ...)``): the
        # same grams in the same order as a slice per gram, in three quarters of the time. The characters are
        # taken out of the run once and reused by every order (iterating the run again makes each one anew).
        chars = list(run)
        if _ORDERS_123:
            # The shipped orders without the loop over them (a run is 8 characters on average: its overhead was a
            # tenth of the reading); an order with no gram (a short run) adds nothing, as in the loop.
            extend(chars)
            pairs = list(map(add, chars, chars[1:]))
            extend(pairs)
            extend(map(add, pairs, chars[2:]))
            continue
        level: list[str] = chars
        for n in range(1, min(top, len(run)) + 1):
            if n > 1:
                level = list(map(add, level, chars[n - 1 :]))
            if n in CHAR_ORDERS:
                extend(level)
    extend(_LATIN.findall(folded))
    # Tried on the 20,000 bench texts and not kept: every order's grams by a look-ahead findall over the whole text,
    # then sliced per run (35 us a text against 24 us); a set of the grams without their order (23 us against 28),
    # which the post detector cannot use, as it sums its weights in this order.
    return tuple(dict.fromkeys(out))


def cues(text: str, folded: str, sentiment: float | None = None) -> dict[str, float]:
    """The aspect and type-cue features (``a:``, ``t:``) of a text and its normalised form."""
    out: dict[str, float] = {}
    praised = praised_aspects(folded)
    for cat, hits in _aspect_hits(folded):
        kept = [word for word in hits if word not in praised]
        if kept:
            out["a:" + cat.value] = min(len(kept), 4) / 4
        if len(kept) < len(hits):
            out["a:praised_" + cat.value] = min(len(hits) - len(kept), 4) / 4
        if cat is Category.product_quality:
            # A fault named (not negated) marks a complaint where the sentiment hesitates (lexicon.DEFECT_WORDS).
            # Whole-domain-held-out folds on the 4,854 train rows (lenient / macro recall / type): 0.7919 / 0.5800 /
            # 0.8107 without, 0.7915 / 0.5834 / 0.8125 with it (complaints found 2,784 -> 2,798, false praise 220
            # -> 213). Tried beside it and not kept: refund refusals (没法退, 不能退 …) as process words, 0.7886 /
            # 0.5785 / 0.8121 (a product complaint that cannot be returned is still about the product).
            defects = len(DEFECT_WORDS.intersection(hits))
            if defects:
                out["t:defect"] = min(defects, 4) / 4
    business = business_count(folded)
    if business:
        out["a:business"] = min(business, 4) / 4
    elif not out:
        out["t:no_business"] = 1.0  # names no product, shop or aspect: likely a personal post or news
    # Marks of a social post rather than a review, the same on every platform: @someone, #topic#, [表情]. With
    # ``t:no_business`` they lifted the held-out-domain folds from 0.746 / 0.485 / 0.765 to 0.760 / 0.483 / 0.785.
    if "@" in folded:
        out["t:mention"] = 1.0
    if "#" in folded and _HASHTAG.search(folded):
        out["t:hashtag"] = 1.0
    if "[" in folded and _EMOTE.search(folded):
        out["t:emote"] = 1.0
    if _QUESTION.search(folded) or folded.rstrip().endswith("?"):
        out["t:question"] = 1.0
    if _PROPOSAL.search(folded):
        out["t:proposal"] = 1.0
    if _ADVICE_TO_BUYERS.search(folded):
        out["t:advice"] = 1.0
    # The narrower cues the type decision starts from (:func:`.kind.model_cues`): a real asking form, a concrete
    # proposal to the business, a plain complaint word. As features the type head learns how far to trust them on
    # its own; whole-domain-held-out folds on the 2,759 train rows (lenient / macro recall / type), enquiry cue gate
    # 0.3: 0.765 / 0.535 / 0.785 without them, 0.767 / 0.546 / 0.781 with them (suggestion recall 0.28 -> 0.41).
    asks, proposes, complains = kind_cues(text)
    if asks:
        out["t:ask"] = 1.0
    if proposes:
        out["t:offer"] = 1.0
    if complains:
        out["t:complains"] = 1.0
    # A pointer at the item ("这本书", "该店") and a verdict on it ("不值", "失望"): weak signs that a text reviews what
    # was bought, learned as features rather than rules (the category choice also reads the pointer).
    if names_item(text):
        out["t:item"] = 1.0
    verdicts = _count(folded, _verdict_index())
    if verdicts:
        out["t:verdict"] = min(verdicts, 4) / 4
    out["t:len"] = min(math.log1p(len(folded)) / 6.0, 1.0)
    out["t:sentiment"] = 2.0 * (sentiment_of(text) if sentiment is None else sentiment) - 1.0
    return out


def extract(text: str, sentiment: float | None = None) -> dict[str, float]:
    """Raw features of one text (before :func:`finish`).

    ``sentiment``: the probability that the text is positive, when the caller already has it from the shipped
    Chinese scorer (the crawl's sentiment pipeline does); scoring again would double the cost of a text.
    """
    folded = fold(text)
    out = {"c:" + gram: 1.0 for gram in grams(folded)}
    out.update(cues(text, folded, sentiment))
    return out


def finish(raw: Mapping[str, float], known: Container[str]) -> dict[str, float]:
    """The known features of ``raw``: n-grams L2-normalised together, cue features (``a:``, ``t:``) kept."""
    text = {name: v for name, v in raw.items() if name[:2] == "c:" and name in known}
    norm = math.sqrt(sum(v * v for v in text.values())) or 1.0
    out = {name: v / norm for name, v in text.items()}
    out.update({name: v for name, v in raw.items() if name[:2] in ("a:", "t:") and name in known})
    return out
