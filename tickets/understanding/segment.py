"""jieba words for the complaint model: the cut of the Python ``jieba`` package it was trained with, made fast.

The model was trained on Python jieba's cut without the hidden Markov model (``jieba.lcut(text, HMM=False)``),
which costs about 1.7 ms a text: more than everything else the complaint reader does. jieba-rs (``rjieba``)
has the same dictionary and the same dynamic programme, about thirty times faster, and gives the same words
except where two routes through a text are exactly as likely: then the last bits of the floating-point sums,
which differ between the two, pick one. On the 78,209 texts of the shared sentiment corpora that happened twice,
both in long runs of one character ("哈哈…", "啊啊…"), where routes of the same words in another order tie.

So a text is cut by jieba-rs, except each of its blocks that repeats itself (a character three times in a row, or
a unit of two to four characters twice in a row: where routes of the same words can tie), which Python jieba
cuts. jieba cuts every block (a run of Han characters, letters, digits and ``+#&._%-``) on its own, so the
words are the same as Python jieba's on the whole text: on every corpus text and on runs of 17 units × 2–39
repetitions inserted into 40 corpus texts (``tests/tickets/test_understanding_speed.py``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import jieba

# jieba logs its dictionary loading at DEBUG on its own stderr handler; a CLI table is no place for it.
jieba.setLogLevel(logging.WARNING)

#: Where routes of the same words in another order can tie: a character three times, a short unit twice.
_REPEATS = re.compile(r"(.)\1\1|(.{2,4})\2", re.S)
#: Python jieba's blocks: the text between them is cut character by character (``jieba.re_han_default``).
_BLOCK = jieba.re_han_default


def _rust() -> Any:
    import rjieba

    return rjieba


def cut(folded: str) -> list[str]:
    """``jieba.lcut(folded, HMM=False)``, computed by jieba-rs wherever that gives the same words."""
    fast = _rust().cut
    if not _REPEATS.search(folded):
        return list(fast(folded, False))
    out: list[str] = []
    for block in _BLOCK.split(folded):
        if not block:
            continue
        if _BLOCK.match(block) and _REPEATS.search(block):
            out += jieba.lcut(block, HMM=False)
        else:
            out += fast(block, False)
    return out
