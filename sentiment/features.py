"""From a social-media post or a review to the tokens the Chinese models count.

Two steps, shared by training (:mod:`sentiment.train`) and scoring (:mod:`sentiment.model`), so that a model
always sees text prepared exactly the way it was trained on:

1. :func:`normalize` removes what carries no opinion but varies between platforms and posts: URLs, @names,
   repost markers, zero-width characters, full-width letters, traditional characters. Emoji codes such as
   ``[允悲]`` and topics (``#话题#``, or weibo2018's escaped ``{%#话题#%}``) stay: their words carry opinion.
2. :func:`tokens` cuts the normalised text into jieba words, single characters and character bigrams
   (bigrams catch what segmentation misses, such as ``不好`` inside an unknown word), marks the words a
   negation governs (``不|满意``) and adds one token per complaint-intent cue (:data:`COMPLAINT_CUES`).
   Tokens are de-duplicated: a word said ten times is not ten times the evidence (binarised features).

jieba (jieba-rs, through ``rjieba``) loads its dictionary on the first call, once per process.
"""

from __future__ import annotations

import json
import logging
import re
from functools import cache
from operator import add
from pathlib import Path
from typing import Any, NamedTuple

from foundation.unicode import nfkc

MODELS_DIR = Path(__file__).resolve().parent / "models"

# --- normalisation ---------------------------------------------------------------------------------------

_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff]")
_URL = re.compile(r"(?:https?://|www\.)[^\s\u4e00-\u9fff]+|\b[a-z0-9.-]+\.(?:cn|com|net)/[^\s\u4e00-\u9fff]*", re.I)
# Repost chains (``转发理由//@某人:原文``) and replies (``回复@某人:``): the names go, every author's words stay,
# since reposting a complaint is itself a negative mention of the brand.
_REPOST = re.compile(r"//\s*@[^\s:：]{1,30}\s*[:：]?|回复\s*@[^\s:：]{1,30}\s*[:：]")
# A name ends where Weibo ends it: at a space or punctuation. "@小米手机太卡了" has no end, so it stays
# text rather than losing the complaint to a 30-character "name".
_AT_NAME = re.compile(r"@[\w·\-]{1,30}(?=[\s:：,，.。!！?？、)）\]】])")
# The text Weibo fills in when a user reposts without comment.
_EMPTY_REPOST = re.compile(r"^\s*(?:转发微博|轉發微博|Repost)\s*$", re.I)
# weibo2018 escapes topics, locations and video cards as {%...%}; keep their words.
_ESCAPED_CARD = re.compile(r"\{%#?(.*?)#?%\}")
_TOPIC = re.compile(r"#([^#\n]{1,40})#")
_SPACES = re.compile(r"\s+")


@cache
def _t2s_table() -> dict[int, str]:
    """Traditional → simplified characters, derived from snownlp's ``zh2hans`` table (see models/README.md)."""
    path = MODELS_DIR / "t2s.json"
    try:
        mapping: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:  # a checkout before the first training run: traditional text is still scored
        logging.getLogger(__name__).warning("%s is missing; traditional Chinese is scored unconverted", path)
        return {}
    return {ord(k): v for k, v in mapping.items()}


@cache
def _traditional() -> re.Pattern[str] | None:
    """A search for any character :func:`_t2s_table` maps (``None``: the table is empty)."""
    table = _t2s_table()
    if not table:
        return None
    return re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(table)) + "]")


def to_simplified(text: str) -> str:
    """Map traditional characters to simplified ones, character by character (鮮達 → 鲜达)."""
    # ``str.translate`` looks every character up in the table's dictionary; one regex scan finds the ~1% of
    # texts holding a traditional character at a tenth of that, and the rest are returned as they are (which
    # is what translating them gives).
    found = _traditional()
    if found is None or found.search(text) is None:
        return text
    return text.translate(_t2s_table())


def normalize(text: str) -> str:
    """Social-media text → plain simplified text with the words that carry opinion.

    >>> normalize("轉發理由很好//@某品牌客服: 已處理 https://t.cn/abc {%#新品#%}")
    '转发理由很好 已处理 新品'
    """
    text = nfkc(text)  # full-width Ａ１！ → A1!, compatibility ideographs → Han
    text = _ZERO_WIDTH.sub("", text)
    if _EMPTY_REPOST.match(text):
        return ""
    # Each pattern tried only when the text holds a character every match of it contains (most texts hold none).
    if "/" in text or "." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _REPOST.sub(" ", text)
        text = _AT_NAME.sub(" ", text)
    if "{%" in text:
        text = _ESCAPED_CARD.sub(r" \1 ", text)
    if "#" in text:
        text = _TOPIC.sub(r" \1 ", text)
    text = to_simplified(text).lower()
    return _SPACES.sub(" ", text).strip()


# --- negation and complaint intent ----------------------------------------------------------------------

#: Words that reverse the opinion of the words after them in the same clause.
NEGATORS = frozenset(
    "不 没 没有 别 无 未 非 不是 不太 不够 不怎么 并不 并没有 从不 从没 毫无 绝不 一点也不 根本不".split()
    + "不会 不能 不要 不用".split()
)
# A clause ends at punctuation; negation does not reach past it.
_CLAUSE_END = frozenset("，,。.！!？?；;：:、~～…\n ")
_NEGATION_REACH = 2  # words after a negator that it governs (不|太 满意 → both marked)

#: Complaint intent: a customer asking for, or reporting the lack of, a remedy. These read as complaints
#: however polite ("希望尽快退款"), and product reviews rarely contain them, so the models learn little about
#: them from the corpora: the scorer caps the score of a text that matches (see ``complaint_cap``).
COMPLAINT_CUES: dict[str, re.Pattern[str]] = {
    # asking for a remedy: 希望尽快退款, 请给个说法, 要求赔偿
    "demand": re.compile(
        r"(?:希望|要求|请求?|麻烦|赶紧|尽快|马上|催|申请|必须)[^，。！？!?]{0,6}"
        r"(?:退款|退钱|退货|赔偿|赔付|补偿|处理一下|解决一下|给个说法|给个交代|给个解释|回复一下|退一下)"
    ),
    # waiting for a remedy that does not come: 退款一直没到账, 客服至今不回复
    "unresolved": re.compile(
        r"(?:退款|退货|客服|售后|快递|物流|订单|工单|投诉)[^，。！？!?]{0,8}"
        r"(?:一直|迟迟|至今|还是|始终|仍然|都)[^，。！？!?]{0,3}(?:没|未|不)(?:有)?(?:到账|退|处理|回复|回应|解决|发货|到|理)"
    ),
    # going over the brand's head: 投诉, 12315, 消协, 黑猫投诉, 维权, 举报, 曝光
    "escalation": re.compile(r"投诉|12315|消协|消费者协会|黑猫|维权|举报|曝光|工商局|市场监管"),
    # being cheated: 骗子, 虚假宣传, 欺诈
    "fraud": re.compile(r"骗子|被骗|坑人|欺诈|虚假宣传|霸王条款|套路贷|割韭菜"),
}

# "没有什么可投诉的", "不用退款了": a negated cue is not a complaint.
_NEGATED_CUE = re.compile(r"(?:没有?什么|无需|不用|不必|不需要|没必要|无可)[^，。！？!?]{0,3}$")


def complaint_cues(text: str) -> list[str]:
    """Names of the :data:`COMPLAINT_CUES` found in normalised ``text``, in table order."""
    found = []
    for name, pattern in COMPLAINT_CUES.items():
        for match in pattern.finditer(text):
            if not _NEGATED_CUE.search(text, max(0, match.start() - 8), match.start()):
                found.append(name)
                break
    return found


# --- tokens ---------------------------------------------------------------------------------------------


def _segmenter() -> Any:
    """jieba's segmenter as compiled by jieba-rs (``rjieba``), shared with the index (:mod:`index.text`).

    Without the hidden Markov model (as here) it cuts exactly as the Python ``jieba`` the models were trained
    with (2 of 33,000 corpus texts differ, in runs of a repeated character), about ten times faster.
    """
    import rjieba

    return rjieba


def _negated(words: list[str]) -> list[str]:
    """``不|word`` for each word a negator governs (:data:`NEGATORS`, up to :data:`_NEGATION_REACH` words)."""
    if NEGATORS.isdisjoint(words):
        return []  # half the chunks: one C-level pass instead of the loop below, which would mark nothing
    out = []
    reach = 0
    for word in words:
        if word in _CLAUSE_END or (len(word) == 1 and not word.isalnum()):
            reach = 0
        elif word in NEGATORS:
            reach = _NEGATION_REACH
        elif reach:
            out.append("不|" + word)
            reach -= 1
    return out


class Featurized(NamedTuple):
    """What the scorer reads off one text."""

    tokens: list[str]  # see :func:`tokens`
    cues: list[str]  # see :func:`complaint_cues`
    words: list[str]  # jieba's words in order, repeats kept (for snownlp's bundled evidence)


def analyse(text: str) -> Featurized:
    """Tokens, complaint cues and words of raw ``text``; the text is normalised and cut once."""
    norm = normalize(text)
    cues = complaint_cues(norm)
    if not norm:
        return Featurized([], cues, [])
    cut = _segmenter().cut
    out: list[str] = []
    all_words: list[str] = []
    for chunk in norm.split(" "):
        # HMM=False: the hidden Markov model that guesses unknown words halves jieba's speed, and the
        # character bigrams already cover the words it would find.
        words: list[str] = cut(chunk, False)
        all_words += words
        out += words
        out += _negated(words)
        out += chunk  # characters
        out += map(add, chunk, chunk[1:])  # bigrams: each character joined with the next, in C
    out += ["⟨" + cue + "⟩" for cue in cues]
    return Featurized(list(dict.fromkeys(out)), cues, all_words)


def featurize(text: str) -> tuple[list[str], list[str]]:
    """Tokens of raw ``text`` (see :func:`tokens`) and its complaint cues (see :func:`complaint_cues`)."""
    f = analyse(text)
    return f.tokens, f.cues


def tokens(text: str) -> list[str]:
    """The features of one text: words, characters, bigrams, negated words and complaint cues, de-duplicated."""
    return analyse(text).tokens
