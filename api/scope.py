"""The mention store as one caller may see it.

Routers never get the raw mention store: :func:`api.deps.get_mention_store` hands them a :class:`ScopedMentions`
bound to the authenticated caller, so a router cannot forget the brand check. Reads by id drop mentions of other
brands (they do not exist for the caller); searches, counts, trends and facets have their brand filter narrowed
to the caller's :class:`~foundation.access.BrandScope`. Writes pass through (only the crawler and the erasure
write mentions, and neither goes through a router).
"""

from __future__ import annotations

from collections.abc import Sequence

from foundation.access import BrandScope
from index.base import (
    FACET_FIELDS,
    FacetResult,
    Mention,
    MentionFilter,
    MentionStore,
    SearchPage,
    SearchRequest,
    TrendBucket,
    TrendInterval,
    WordFrequencies,
    WriteResult,
)
from index.reach_groups import ReachGroups
from sentiment.base import SentimentLabel


class ScopedMentions(MentionStore):
    """``inner`` limited to ``scope``: the only mention store the routers see."""

    def __init__(self, inner: MentionStore, scope: BrandScope):
        self.inner = inner
        self.scope = scope
        self.backend = inner.backend

    def _narrow(self, flt: MentionFilter) -> MentionFilter | None:
        """``flt`` within the scope; ``None`` when nothing of it is inside."""
        if not self.scope.limited:
            return flt
        brands = self.scope.narrow(flt.brands)
        if not brands:
            return None
        return flt.model_copy(update={"brands": brands})

    # -- reads, scoped ----------------------------------------------------------------------------------------
    def get(self, mention_id: str) -> Mention | None:
        mention = self.inner.get(mention_id)
        return mention if mention is not None and self.scope.admits(mention.brands) else None

    def get_many(self, mention_ids: Sequence[str]) -> list[Mention]:
        return [m for m in self.inner.get_many(mention_ids) if self.scope.admits(m.brands)]

    def search(self, request: SearchRequest) -> SearchPage:
        flt = self._narrow(request.filter)
        if flt is None:
            return SearchPage(hits=[], total=0, next_cursor=None)
        if flt is request.filter:
            return self.inner.search(request)
        # The cursor was made for the narrowed request (the first page came through here too).
        return self.inner.search(request.model_copy(update={"filter": flt}))

    def count(self, flt: MentionFilter) -> int:
        narrowed = self._narrow(flt)
        return 0 if narrowed is None else self.inner.count(narrowed)

    def label_counts(self, flt: MentionFilter) -> dict[SentimentLabel, int]:
        narrowed = self._narrow(flt)
        if narrowed is None:
            return dict.fromkeys(SentimentLabel, 0)
        return self.inner.label_counts(narrowed)

    def trend(self, flt: MentionFilter, interval: TrendInterval, tz: str = "UTC") -> list[TrendBucket]:
        narrowed = self._narrow(flt)
        return [] if narrowed is None else self.inner.trend(narrowed, interval, tz)

    def facets(self, flt: MentionFilter, *, size: int = 10, sample: int = 0) -> FacetResult:
        narrowed = self._narrow(flt)
        if narrowed is None:
            return FacetResult(total=0, facets={name: [] for name in FACET_FIELDS})
        result = self.inner.facets(narrowed, size=size, sample=sample)
        if self.scope.brands is not None and "brand" in result.facets:
            # A mention of the caller's brand may name other brands too: those are not the caller's to count.
            result.facets["brand"] = [c for c in result.facets["brand"] if c.value in self.scope.brands]
        return result

    def reach_weighted_count(self, flt: MentionFilter) -> float:
        narrowed = self._narrow(flt)
        return 0.0 if narrowed is None else self.inner.reach_weighted_count(narrowed)

    def reach_groups(self, flt: MentionFilter, *, sources: int = 10, authors: int = 10) -> ReachGroups:
        narrowed = self._narrow(flt)
        return (
            ReachGroups() if narrowed is None else self.inner.reach_groups(narrowed, sources=sources, authors=authors)
        )

    def word_frequencies(self, flt: MentionFilter) -> WordFrequencies | None:
        narrowed = self._narrow(flt)
        if narrowed is None:
            return None  # the caller counts the (empty) sample of facets(), which answers nothing here
        return self.inner.word_frequencies(narrowed)

    # -- everything else, as the store does it ----------------------------------------------------------------
    def ensure_schema(self) -> None:
        self.inner.ensure_schema()

    def upsert(self, mentions: Sequence[Mention]) -> WriteResult:
        return self.inner.upsert(mentions)

    def refresh(self) -> None:
        self.inner.refresh()

    def ping(self) -> bool:
        return self.inner.ping()

    def close(self) -> None:
        self.inner.close()

    def describe(self) -> str:
        return self.inner.describe()
