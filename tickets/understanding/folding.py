"""Text folding shared by every part of one reading of a complaint."""

from __future__ import annotations

from functools import lru_cache

from index.text import normalize


@lru_cache(maxsize=64)
def fold(text: str) -> str:
    """:func:`index.text.normalize`, remembered for the last texts: one reading folds the same text in the
    features, the type cues, the urgency rules and the evidence, and folding costs a fifth of a reading (its NFKC
    step is :func:`foundation.unicode.nfkc`, fast for the common full-width characters)."""
    return normalize(text)
