"""The clustered mention index: Elasticsearch 8 or 9 through the official client.

Reads and new mentions go through the alias ``{prefix}-mentions``; an update goes to the index the mget
found the mention in, guarded by its sequence number so a concurrent writer is never overwritten blindly.

Search semantics are kept identical to :mod:`index.sqlite` on purpose: both backends match on the same
jieba-segmented fields (:func:`index.text.index_fields`), which Elasticsearch analyses with nothing but a
whitespace tokenizer and a lowercase filter, so a query finds exactly the mentions SQLite's FTS5 finds.
The search language (``MentionFilter.query``) is compiled from the same plan SQLite compiles
(:mod:`index.query`, here :mod:`index.query.elastic`). Highlighting and trend buckets are computed in Python
by the code SQLite uses too. The raw ``title`` and ``text`` are additionally analysed with the ``cjk``
analyzer for people who query the index from Kibana; Yuqing itself never searches them.

Modules, one job each:

- :mod:`~index.elastic.store`: :class:`ElasticMentionStore` (connection, describe, ping) runs the requests;
- :mod:`~index.elastic.schema`: index template, mapping, names, the stored document's shape;
- :mod:`~index.elastic.bulk`: upserts in rounds of parallel bulk requests;
- :mod:`~index.elastic.search`: filters and search requests → request bodies, hits → pages and cursors;
- :mod:`~index.elastic.aggregations`: sentiment counts, facets and trends;
- :mod:`~index.elastic.failures`: client exceptions → store errors.
"""

from index.elastic.schema import ANALYSIS, MAPPINGS, SCHEMA_VERSION, SEGMENTED_FIELDS
from index.elastic.search import FIELD_BOOSTS, PHRASE_BONUS
from index.elastic.store import ElasticMentionStore

__all__ = [
    "ANALYSIS",
    "FIELD_BOOSTS",
    "MAPPINGS",
    "PHRASE_BONUS",
    "SCHEMA_VERSION",
    "SEGMENTED_FIELDS",
    "ElasticMentionStore",
]
