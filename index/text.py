"""Word segmentation shared by both backends, so that the same query finds the same mentions.

Chinese has no spaces between words, so text is cut into words with jieba before it is indexed: the
*precise* cut keeps positions meaningful (phrases), and the extra *search* cut adds the shorter words hidden
inside long ones ("中华人民共和国" → "人民", "共和国"), so a query for a sub-word still matches. Each token is
then split on anything that is not a letter or digit and lower-cased, so that SQLite's ``unicode61``
tokenizer and Elasticsearch's ``whitespace`` tokenizer see exactly the same tokens.

The cut is jieba-rs (``rjieba``): jieba's dictionary and algorithm, compiled. Its precise cut agrees with the
Python ``jieba`` package on 99.8% of the shared corpora's texts (the rest: how its HMM joins runs of a repeated
character or digits with units, "5kg"); queries are cut the same way, so they find what was indexed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from itertools import filterfalse
from typing import Any

from foundation.unicode import REMEMBERED, nfkc

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _tokenizer() -> Any:
    """jieba's segmenter, as compiled by jieba-rs (``rjieba``): the same dictionary and algorithm as the
    Python ``jieba`` package, about ten times faster, which is most of the cost of storing a mention."""
    import rjieba

    return rjieba


@lru_cache(maxsize=1)
def _combining() -> frozenset[str]:
    """Every character with a non-zero combining class (built once: about 0.1 s). A set, not a character class:
    ``isdisjoint`` walks a text in a third of the time the regex search took."""
    return frozenset(c for c in map(chr, range(0x110000)) if unicodedata.combining(c))


#: Characters that NFKD leaves as they are and that are no combining mark: ASCII, the CJK unified ideographs and
#: the punctuation Chinese posts use most (a test checks each). A text of these only has no accent to fold.
_PLAIN = "\x00-\x7f\u00b7\u200b\u2014\u2015\u2018\u2019\u201c\u201d\u2022\u3001-\u3003\u3008-\u3011\u4e00-\u9fff"
_NOT_PLAIN = re.compile(f"[^{_PLAIN}]")


def _fold_latin_accents(text: str) -> str:
    # "café" must find "cafe" on both backends. Only marks on Latin letters go: in Japanese, NFKD would
    # split が into か + a mark that carries meaning.
    if _NOT_PLAIN.search(text) is None:
        return text  # nine Chinese posts in ten: one regex scan instead of the two walks below
    if unicodedata.is_normalized("NFKD", text) and _combining().isdisjoint(text):
        return text  # nothing decomposes and there is no mark to drop (most Chinese text): skip the walk
    out: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char) and out and out[-1] < "\u0250":
            continue
        out.append(char)
    return unicodedata.normalize("NFKC", "".join(out))


@lru_cache(maxsize=REMEMBERED)
def normalize(text: str) -> str:
    """NFKC-normalise (full-width letters and digits become ASCII), fold Latin accents, lower-case.

    Remembered (as :func:`foundation.unicode.nfkc`): the complaint reader folds a crawled post's text with this
    when its batch is scored, and the index normalises the same text when the batch is written.
    """
    return _fold_latin_accents(nfkc(text)).lower()


def _clean(tokens: Iterable[str]) -> list[str]:
    # ``str.isalnum`` holds for exactly the characters ``_WORD`` matches (checked for every code point in the
    # tests), so a token that is all letters and digits is its own match. Nearly every token jieba gives is one,
    # or punctuation with no word character: then the tokens kept are the alphanumeric ones, filtered in C at half
    # the regex pass's cost. A token mixing both ("iphone_x") sends the whole list through the regex.
    tokens = tokens if isinstance(tokens, list) else list(tokens)
    if _WORD.search(" ".join(filterfalse(str.isalnum, tokens))) is None:
        return list(filter(str.isalnum, tokens))
    # One regex pass over the joined tokens: a space is not a word character, so no match spans two tokens.
    return _WORD.findall(" ".join(tokens))


def segment(text: str) -> list[str]:
    """Precise-mode tokens of ``text``, in order (used for positions, phrases and queries)."""
    if not text:
        return []
    return _clean(_tokenizer().cut(normalize(text), True))


def sub_words(text: str, precise: Iterable[str] | None = None) -> list[str]:
    """Extra tokens from jieba's search mode that the precise cut does not already produce."""
    if not text:
        return []
    jieba = _tokenizer()
    have = set(precise if precise is not None else segment(text))
    extra = []
    for token in _clean(_search_grams(jieba.cut(normalize(text), True), jieba.has_word)):
        if token not in have:
            have.add(token)
            extra.append(token)
    return extra


@lru_cache(maxsize=4096)
def query_terms(query: str) -> tuple[str, ...]:
    """The distinct tokens of a free-text query, in order of first appearance."""
    seen: dict[str, None] = {}
    for token in segment(query):
        seen.setdefault(token, None)
    return tuple(seen)


def _search_grams(raw: Iterable[str], has_word: Callable[[str], bool]) -> Iterator[str]:
    """What jieba's search mode adds around each precise-mode word (``Tokenizer.cut_for_search``, unchanged).

    Search mode is the precise cut plus every dictionary 2- and 3-gram inside a longer word; deriving it from
    the precise words we already have saves a second segmentation of the same text.
    """
    for word in raw:
        if len(word) > 2:
            for i in range(len(word) - 1):
                if has_word(word[i : i + 2]):
                    yield word[i : i + 2]
        if len(word) > 3:
            for i in range(len(word) - 2):
                if has_word(word[i : i + 3]):
                    yield word[i : i + 3]
        yield word


def index_tokens(title: str | None, text: str) -> tuple[list[str], list[str], list[str]]:
    """The tokens of :func:`index_fields` as lists (title, text, extra sub-words): the SQLite store reads the
    content words off them for its word roll-ups instead of splitting the joined fields again."""
    jieba = _tokenizer()
    raw_title: list[str] = jieba.cut(normalize(title), True) if title else []
    raw_text: list[str] = jieba.cut(normalize(text), True) if text else []
    title_tokens = _clean(raw_title)
    text_tokens = _clean(raw_text)
    extra: list[str] = []
    # Only the 2- and 3-grams inside words longer than two characters can add a token: every token of a precise
    # word is in ``have`` already. Cleaning just those grams, in the order search mode yields them, gives the same
    # extra tokens in the same order as cleaning the whole search-mode cut, at a fraction of the work.
    long_words = [word for word in (*raw_title, *raw_text) if len(word) > 2]
    if long_words:
        have = {*title_tokens, *text_tokens}
        known = _GRAMS
        for word in long_words:
            grams = known.get(word)
            if grams is None:
                grams = _grams_of(word, jieba.has_word)
            for token in grams:
                if token not in have:
                    have.add(token)
                    extra.append(token)
    return title_tokens, text_tokens, extra


#: Long word -> its cleaned search-mode grams (:func:`_grams_of`): the same few thousand words come back in
#: every batch, and their grams are the same each time (jieba's dictionary does not change in a process).
_GRAMS: dict[str, tuple[str, ...]] = {}
_GRAMS_CAP = 200_000  # words remembered; past it the cache starts again (a few tens of MB at most)


def _grams_of(word: str, has_word: Callable[[str], bool]) -> tuple[str, ...]:
    """The cleaned tokens of the dictionary 2- and 3-grams search mode adds inside ``word``, in its order.

    ``_clean`` of a stream of tokens is the concatenation of ``_WORD.findall`` of each (no match spans two
    tokens), so cleaning each word's grams apart gives the tokens cleaning all of them at once gives. The word
    itself, which search mode yields after its grams, is left out: its tokens are the precise cut's, already
    in the caller's ``have``.
    """
    grams = tuple(_clean(list(_search_grams([word], has_word))[:-1]))
    if len(_GRAMS) >= _GRAMS_CAP:
        _GRAMS.clear()
    _GRAMS[word] = grams
    return grams


def index_fields(title: str | None, text: str) -> dict[str, str]:
    """The segmented fields stored beside a mention: space-joined tokens.

    One jieba cut per field: the sub-words are derived from those cuts (:func:`_search_grams`), which gives
    exactly what :func:`sub_words` gives on ``title + newline + text``, without cutting the text again.
    """
    title_tokens, text_tokens, extra = index_tokens(title, text)
    return {
        "title_seg": " ".join(title_tokens),
        "text_seg": " ".join(text_tokens),
        "text_sub": " ".join(extra),
    }
