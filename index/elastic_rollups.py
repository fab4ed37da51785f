"""What the Elasticsearch store adds to match the SQLite roll-ups: word frequencies, deletes, capped totals.

Elasticsearch keeps no counters of its own: its aggregations over doc values play the part of the SQLite
roll-ups. Each document carries its content words as a keyword array (``words``, the same words
:mod:`index.rollups` counts), so a ``terms`` aggregation gives the document frequency of every word of any
filter, the numbers SQLite reads from ``rollup_words``. Totals follow the rule both stores share
(:func:`index.base.exact_total`): exact without words, counted up to :data:`index.base.TOTAL_CAP` with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from elasticsearch import helpers

from index.base import TOTAL_CAP, MentionFilter, WordFrequencies, exact_total

if TYPE_CHECKING:
    from index.elastic import ElasticMentionStore

WORDS_FIELD = "words"
WORDS_MAPPING: dict[str, Any] = {"type": "keyword"}
#: Distinct words one aggregation returns, most frequent first; past this, rarer words are left out.
MAX_WORDS = 10_000


def track_total(flt: MentionFilter) -> bool | int:
    """``track_total_hits`` for a search with this filter."""
    return True if exact_total(flt) else TOTAL_CAP


def word_frequencies(store: ElasticMentionStore, flt: MentionFilter) -> WordFrequencies:
    """Document frequencies of the content words of the matching mentions, by a terms aggregation."""
    with store._translate("count mention words", query=True):
        response = store.client.search(
            index=store.alias,
            query=store._query(flt),
            size=0,
            track_total_hits=True,
            aggs={WORDS_FIELD: {"terms": {"field": WORDS_FIELD, "size": MAX_WORDS, "shard_size": MAX_WORDS}}},
        )
    body = response.body
    agg = body["aggregations"][WORDS_FIELD]
    counts = {str(b["key"]): int(b["doc_count"]) for b in agg["buckets"]}
    # Exact unless words were left out (more than MAX_WORDS) or shards' counts may be incomplete.
    exact = not agg.get("sum_other_doc_count", 0) and not agg.get("doc_count_error_upper_bound", 0)
    return WordFrequencies(total=int(body["hits"]["total"]["value"]), counts=counts, exact=exact)


def delete_mentions(store: ElasticMentionStore, mention_ids: Sequence[str]) -> list[str]:
    """Delete the stored mentions among ``mention_ids`` (one bulk request); the ids that existed."""
    existing = store._existing(list(dict.fromkeys(mention_ids))) if mention_ids else {}
    if not existing:
        return []
    actions = [{"_op_type": "delete", "_index": info["index"], "_id": i} for i, info in existing.items()]
    with store._translate("delete mentions"):
        helpers.bulk(store.client, actions, raise_on_error=False)
    return list(existing)
