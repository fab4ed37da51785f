"""Does a text really mention a brand? Platform search is fuzzy and returns posts without the keyword,
so every item is checked against each brand's keywords and exclusion words before it is kept."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.text import normalize


def _pattern(word: str) -> re.Pattern[str]:
    folded = normalize(word)
    escaped = re.escape(folded)
    # Latin words match whole words ("Lumi" must not match "illuminate"); Chinese has no word boundaries.
    if folded[:1].isascii() and folded[:1].isalnum():
        escaped = r"(?<![0-9a-z])" + escaped
    if folded[-1:].isascii() and folded[-1:].isalnum():
        escaped = escaped + r"(?![0-9a-z])"
    return re.compile(escaped)


@dataclass(frozen=True)
class BrandMatch:
    brand: str
    keywords: tuple[str, ...]


class BrandMatcher:
    """Matches texts against brands: at least one keyword and none of the exclusion words.

    Matching is case-insensitive and width-insensitive (NFKC), so ``ＸｉａｎＤａ`` matches ``XianDa``.
    """

    def __init__(self, brands: Sequence[tuple[str, Sequence[str], Sequence[str]]]):
        self._brands = [
            (name, [(k, _pattern(k)) for k in keywords], [_pattern(x) for x in exclude])
            for name, keywords, exclude in brands
        ]

    @classmethod
    def from_config(cls, brands: Sequence[object]) -> BrandMatcher:
        """From :class:`config.models.BrandConfig` objects."""
        return cls([(b.name, b.keywords, b.exclude) for b in brands])  # type: ignore[attr-defined]

    def match(self, text: str, only: Sequence[str] | None = None, owned: str | None = None) -> list[BrandMatch]:
        """The brands ``text`` mentions (restricted to ``only`` when given), with the keywords found.

        ``owned`` names the brand whose own channel the text comes from (its app's reviews, its company
        page): that brand matches without a keyword, unless an exclusion word occurs.
        """
        folded = normalize(text)
        out = []
        for name, keywords, exclude in self._brands:
            if only and name not in only and name != owned:
                continue
            found = tuple(k for k, pattern in keywords if pattern.search(folded))
            if (found or name == owned) and not any(pattern.search(folded) for pattern in exclude):
                out.append(BrandMatch(name, found))
        return out
