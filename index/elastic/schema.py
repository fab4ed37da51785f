"""The index template and mapping, the stored document's shape, and creating or migrating the index.

Layout: an index template ``{prefix}-mentions`` gives every ``{prefix}-mentions-*`` index the same analysis
settings and a strict mapping; the first concrete index ``{prefix}-mentions-000001`` carries the alias
``{prefix}-mentions``. The alias points at one index at a time, so a mapping change that needs a reindex
creates ``-000002``, reindexes into it and swaps the alias atomically, without callers noticing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch

from foundation.errors import StoreError
from index.base import Mention
from index.elastic.failures import Translate
from index.elastic_rollups import WORDS_FIELD, WORDS_MAPPING
from index.text import index_tokens
from index.words import content_words_of

SCHEMA_VERSION = 5  # 2: category; 3: reach; 4: words; 5: date_estimated
# Derived at write time, never part of a Mention: left out of _source when reading.
SEGMENTED_FIELDS = ("title_seg", "text_seg", "text_sub", WORDS_FIELD)
DATE_FIELDS = ("published_at", "collected_at", "updated_at")

_SEG_ANALYZER = "yuqing_seg"
_RAW_ANALYZER = "yuqing_cjk"

ANALYSIS: dict[str, Any] = {
    "analyzer": {
        # The segmented fields are already cut into words by jieba (index/text.py); splitting on spaces and
        # lower-casing keeps exactly the tokens SQLite's unicode61 tokenizer sees.
        _SEG_ANALYZER: {"type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]},
        # Raw title/text, for people searching from Kibana: CJK bigrams plus normal Latin words.
        _RAW_ANALYZER: {"type": "cjk", "stopwords": "_none_"},
    }
}

_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date", "format": "strict_date_optional_time||epoch_millis"}
_SEGMENTED = {"type": "text", "analyzer": _SEG_ANALYZER}

MAPPINGS: dict[str, Any] = {
    # Strict: a document with a field the mapping does not know is rejected instead of silently
    # guessing a type, which would make the two backends disagree about what is searchable.
    "dynamic": "strict",
    "_meta": {"yuqing_schema": SCHEMA_VERSION},
    "properties": {
        "id": _KEYWORD,
        "platform": _KEYWORD,
        "post_id": _KEYWORD,
        "source": _KEYWORD,
        "url": {"type": "keyword", "index": False, "doc_values": False},
        "author": _KEYWORD,
        "title": {"type": "text", "analyzer": _RAW_ANALYZER},
        "text": {"type": "text", "analyzer": _RAW_ANALYZER},
        "published_at": _DATE,
        "collected_at": _DATE,
        "updated_at": _DATE,
        "language": _KEYWORD,
        "rating": {"type": "float"},
        # 64-bit: a viral post's counters must never make the whole document fail to index.
        "likes": {"type": "long"},
        "reposts": {"type": "long"},
        "comments": {"type": "long"},
        "parent_id": _KEYWORD,
        "brands": _KEYWORD,
        "matched_keywords": _KEYWORD,
        # double, not float: score_min/score_max must cut at exactly the values SQLite compares (REAL is
        # a double there); a float32 field would round boundary scores differently.
        "sentiment_score": {"type": "double"},
        "sentiment_label": _KEYWORD,
        "category": _KEYWORD,
        "reach": {"type": "double"},  # double, as SQLite's REAL: a reach filter cuts alike on both
        "extra": {"type": "object", "enabled": False},  # kept in _source, never indexed (free-form)
        "date_estimated": {"type": "boolean"},  # added in place to older indices; absent there means False
        "content_hash": {"type": "keyword", "index": False},
        "title_seg": _SEGMENTED,
        "text_seg": _SEGMENTED,
        "text_sub": _SEGMENTED,
        WORDS_FIELD: WORDS_MAPPING,  # content words, for word frequencies (index.elastic_rollups)
    },
}


@dataclass(frozen=True)
class IndexNames:
    """The names one index prefix gives the template, the alias and the first concrete index."""

    prefix: str

    @property
    def alias(self) -> str:
        return f"{self.prefix}-mentions"

    @property
    def template(self) -> str:
        return f"{self.prefix}-mentions"

    @property
    def first_index(self) -> str:
        return f"{self.prefix}-mentions-000001"


def epoch_ms(value: datetime) -> int:
    """Milliseconds since the epoch: the same conversion as index/sqlite.py, so both backends cut alike."""
    return int(value.timestamp() * 1000)


def iso_ms(value: datetime) -> str:
    """ISO-8601 UTC with millisecond precision, the resolution both backends store."""
    return datetime.fromtimestamp(epoch_ms(value) / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def document(mention: Mention) -> dict[str, Any]:
    """The stored document: the mention's fields plus the segmented search fields."""
    doc = mention.model_dump(mode="python")
    for key in DATE_FIELDS:
        doc[key] = iso_ms(doc[key])
    doc["sentiment_label"] = mention.sentiment_label.value
    # Stored the way SQLite returns them (distinct, sorted), so get() answers the same on both.
    doc["brands"] = sorted(dict.fromkeys(mention.brands))
    # A JSON round trip with default=str, as SQLite stores it: no value the serializer chokes on.
    doc["extra"] = json.loads(json.dumps(mention.extra, ensure_ascii=False, default=str))
    # One cut serves the search fields and the words the aggregations count (WORDS_FIELD: the content words of
    # title and text, sorted for a stable _source).
    title, body, extra = index_tokens(mention.title, mention.text)
    doc.update(title_seg=" ".join(title), text_seg=" ".join(body), text_sub=" ".join(extra))
    doc[WORDS_FIELD] = sorted(content_words_of({*title, *body}))
    return doc


def mention_from_source(source: dict[str, Any]) -> Mention:
    """The mention a stored document holds (its search-only fields dropped)."""
    data = {k: v for k, v in source.items() if k not in SEGMENTED_FIELDS}
    return Mention.model_validate(data)


def ensure_schema(client: Elasticsearch, names: IndexNames, translate: Translate, describe: Callable[[], str]) -> None:
    """Create the template and the first index behind the alias, or add new fields to the live index.

    ``describe`` names the cluster (called only for the error raised when a concrete index holds the alias name).
    """
    with translate("create the index template"):
        client.indices.put_index_template(
            name=names.template,
            index_patterns=[f"{names.alias}-*"],
            priority=100,  # above any catch-all template an operator might have
            template={"settings": {"analysis": ANALYSIS}, "mappings": MAPPINGS},
            meta={"managed_by": "yuqing", "yuqing_schema": SCHEMA_VERSION},
        )
    with translate("look up the mentions alias"):
        alias_exists = bool(client.indices.exists_alias(name=names.alias))
    if alias_exists:
        # Migrate in place: new fields are added to the live index; a change Elasticsearch cannot apply
        # in place (a different type or analyzer) fails here loudly and needs a reindex.
        with translate("update the mapping of the mentions index"):
            client.indices.put_mapping(
                index=names.alias,
                dynamic=MAPPINGS["dynamic"],
                meta=MAPPINGS["_meta"],
                properties=MAPPINGS["properties"],
            )
        return
    with translate("look up the mentions index"):
        if client.indices.exists(index=names.alias):
            raise StoreError(
                f"{describe()}: {names.alias!r} is a concrete index, not an alias; move its documents to "
                f"{names.first_index!r} and replace it with an alias, or choose another YUQING_ES_INDEX_PREFIX"
            )
    try:
        with translate("create the mentions index"):
            client.indices.create(index=names.first_index, aliases={names.alias: {"is_write_index": True}})
    except StoreError as exc:
        # Another process may have created it between our check and our create: that is success.
        if "resource_already_exists" not in str(exc):
            raise
        with translate("look up the mentions alias"):
            if not client.indices.exists_alias(name=names.alias):
                raise
