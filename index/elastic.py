"""The clustered mention index: Elasticsearch 8 or 9 through the official client.

Layout: an index template ``{prefix}-mentions`` gives every ``{prefix}-mentions-*`` index the same analysis
settings and a strict mapping; the first concrete index ``{prefix}-mentions-000001`` carries the alias
``{prefix}-mentions``. Reads and new mentions go through the alias; an update goes to the index the mget
found the mention in, guarded by its sequence number so a concurrent writer is never overwritten blindly.
The alias points at one index at a time, so a mapping change that needs a reindex creates ``-000002``,
reindexes into it and swaps the alias atomically, without callers noticing.

Relevance is a sum of fixed field weights (see :data:`FIELD_BOOSTS`), not BM25, so that ``search_after``
cursors are exact and stay valid while mentions keep arriving.

Search semantics are kept identical to :mod:`index.sqlite` on purpose: both backends match on the same
jieba-segmented fields (:func:`index.text.index_fields`), which Elasticsearch analyses with nothing but a
whitespace tokenizer and a lowercase filter, so a query finds exactly the mentions SQLite's FTS5 finds.
The search language (``MentionFilter.query``) is compiled from the same plan SQLite compiles
(:mod:`index.query`). Highlighting and trend buckets are computed in Python by the code SQLite uses too.
The raw ``title`` and ``text`` are additionally analysed with the ``cjk`` analyzer for people who query the
index from Kibana; Yuqing itself never searches them.
"""

from __future__ import annotations

import json
import time
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import TransportError
from elasticsearch import (
    ApiError,
    AuthenticationException,
    AuthorizationException,
    BadRequestError,
    Elasticsearch,
    NotFoundError,
    helpers,
)

from foundation.errors import InvalidQuery, StoreError, StoreUnavailable
from foundation.vocabulary import SentimentLabel
from index.base import (
    FACET_FIELDS,
    FacetCount,
    FacetResult,
    Mention,
    MentionFilter,
    MentionStore,
    SearchHit,
    SearchPage,
    SearchRequest,
    SortOrder,
    TrendBucket,
    TrendInterval,
    WordFrequencies,
    WriteResult,
    check_facet_request,
    decode_cursor,
    encode_cursor,
    resolve_zone,
)
from index.buckets import bucket_starts
from index.config import DefaultElasticOptions, ElasticOptions
from index.elastic_rollups import (
    WORDS_FIELD,
    WORDS_MAPPING,
    delete_mentions,
    document_words,
    track_total,
    word_frequencies,
)
from index.highlight import mention_highlights
from index.query import Highlighting, highlighting, prepare
from index.query.elastic import compile_plan, is_scoring
from index.text import index_fields, query_terms

SCHEMA_VERSION = 3  # 2: category, 3: words
# Derived at write time, never part of a Mention: left out of _source when reading.
SEGMENTED_FIELDS = ("title_seg", "text_seg", "text_sub", WORDS_FIELD)
# Relevance = the sum, over the query's words, of the weights of the fields each word occurs in (the weights
# SQLite gives bm25()): a word in the title counts most, a sub-word least; words that also occur next to
# each other as a phrase add PHRASE_BONUS per field. Deliberately not BM25: these sums are exact binary
# fractions, so a cursor's score compares equal on any server (a float32/float64 rounding difference makes
# search_after repeat or skip hits), and they do not depend on corpus statistics, so a cursor stays valid
# while crawlers keep adding mentions (BM25's IDF shifts with every write) and scores agree across shards.
FIELD_BOOSTS = {"title_seg": 4.0, "text_seg": 2.0, "text_sub": 0.5}
PHRASE_BONUS = {"title_seg": 1.0, "text_seg": 1.0}
_DATE_FIELDS = ("published_at", "collected_at", "updated_at")
_BULK_CHUNK = 250  # documents per bulk request: amortises the round trip, keeps two requests in flight
_BULK_BYTES = 20 * 1024 * 1024  # far below any cluster's http.max_content_length
_BULK_THREADS = 2
_WRITE_ROUNDS = 3  # attempts for a mention that hit a conflict (another writer) or a 429 (cluster busy)
_RETRY_STATUSES = frozenset({409, 429})
_RETRY_PAUSE = 0.5  # seconds, times the round number

_FACET_SOURCES = {
    "platform": "platform",
    "brand": "brands",
    "sentiment": "sentiment_label",
    "category": "category",
    "language": "language",
}
_FACET_SHARD_SIZE = 1000

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
        "extra": {"type": "object", "enabled": False},  # kept in _source, never indexed (free-form)
        "content_hash": {"type": "keyword", "index": False},
        "title_seg": _SEGMENTED,
        "text_seg": _SEGMENTED,
        "text_sub": _SEGMENTED,
        WORDS_FIELD: WORDS_MAPPING,  # content words, for word frequencies (index.elastic_rollups)
    },
}


def _ms(value: datetime) -> int:
    # Same conversion as index/sqlite.py, so both backends cut timestamps to the same millisecond.
    return int(value.timestamp() * 1000)


def _iso_ms(value: datetime) -> str:
    """ISO-8601 UTC with millisecond precision, the resolution both backends store."""
    return datetime.fromtimestamp(_ms(value) / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error_reason(error: Any) -> str:
    """``type: reason`` of an Elasticsearch error object (bulk item or response body)."""
    if isinstance(error, dict):
        kind = error.get("type", "error")
        reason = error.get("reason", "")
        caused = error.get("caused_by")
        text = f"{kind}: {reason}" if reason else str(kind)
        if isinstance(caused, dict) and caused.get("reason"):
            text += f" ({caused.get('type')}: {caused['reason']})"
        return text
    return str(error)


def _api_reason(exc: ApiError) -> str:
    body = exc.body
    if isinstance(body, dict) and "error" in body:
        root = body["error"]
        if isinstance(root, dict) and root.get("root_cause"):
            return _error_reason(root["root_cause"][0])
        return _error_reason(root)
    return str(exc.message)


class ElasticMentionStore(MentionStore):
    """Mention store in an Elasticsearch cluster (``http(s)://host:9200``)."""

    backend = "elasticsearch"

    def __init__(self, client: Elasticsearch, index_prefix: str = "yuqing"):
        self.client = client
        self.index_prefix = index_prefix
        self.alias = f"{index_prefix}-mentions"
        self.template_name = f"{index_prefix}-mentions"
        self.first_index = f"{index_prefix}-mentions-000001"

    @classmethod
    def from_settings(cls, url: str, settings: ElasticOptions | None = None) -> ElasticMentionStore:
        """A store for ``url`` with the credentials, TLS options and timeout from ``settings``."""
        if settings is None:
            settings = DefaultElasticOptions()
        kwargs: dict[str, Any] = {
            "request_timeout": settings.es_timeout_seconds,
            "retry_on_timeout": True,
            "max_retries": 2,
        }
        if settings.es_api_key is not None:
            kwargs["api_key"] = settings.es_api_key.get_secret_value()
        elif settings.es_username:
            password = settings.es_password.get_secret_value() if settings.es_password else ""
            kwargs["basic_auth"] = (settings.es_username, password)
        # The client refuses TLS options on plain-HTTP URLs, so they are passed for https only.
        if url.startswith("https://"):
            kwargs["verify_certs"] = settings.es_verify_certs
            if settings.es_ca_certs is not None:
                kwargs["ca_certs"] = str(settings.es_ca_certs)
        try:
            client = Elasticsearch(url, **kwargs)
        except ValueError as exc:
            raise StoreError(f"invalid Elasticsearch settings for {_strip_credentials(url)}: {exc}") from exc
        return cls(client, index_prefix=settings.es_index_prefix)

    def describe(self) -> str:
        nodes = ", ".join(node.base_url for node in self.client.transport.node_pool.all())
        return f"Elasticsearch {_strip_credentials(nodes)} (alias {self.alias})"

    @contextmanager
    def _translate(self, action: str, *, query: bool = False) -> Iterator[None]:
        """Turn client exceptions into Yuqing's store errors, with a message an operator can act on.

        Credentials travel in headers, never in the node URL, so none of these messages can leak them.
        ``query=True`` marks requests whose body came from a caller: a 400 there is the caller's mistake.
        """
        try:
            yield
        except (AuthenticationException, AuthorizationException) as exc:
            raise StoreUnavailable(
                f"{self.describe()} refused the credentials while trying to {action} (HTTP {exc.meta.status}); "
                "check YUQING_ES_API_KEY or YUQING_ES_USERNAME/YUQING_ES_PASSWORD and the role's privileges"
            ) from exc
        except NotFoundError as exc:
            reason = _api_reason(exc)
            if "index_not_found" in reason:
                raise StoreError(
                    f"{self.describe()} has no index behind alias {self.alias}; run ensure_schema() first"
                ) from exc
            raise StoreError(f"{self.describe()} could not {action}: {reason}") from exc
        except BadRequestError as exc:
            reason = _api_reason(exc)
            if query:
                raise InvalidQuery(f"cannot {action}: {reason}") from exc
            raise StoreError(f"{self.describe()} rejected the request to {action}: {reason}") from exc
        except ApiError as exc:
            reason = _api_reason(exc)
            if exc.meta.status in {429, 502, 503, 504}:
                raise StoreUnavailable(
                    f"{self.describe()} is unavailable (HTTP {exc.meta.status}) while trying to {action}: {reason}"
                ) from exc
            raise StoreError(f"{self.describe()} failed to {action} (HTTP {exc.meta.status}): {reason}") from exc
        except TransportConnectionError as exc:  # also covers timeouts and TLS failures
            raise StoreUnavailable(
                f"{self.describe()} cannot be reached while trying to {action}: {type(exc).__name__}: {exc}"
            ) from exc
        except TransportError as exc:
            raise StoreError(f"{self.describe()} failed to {action}: {type(exc).__name__}: {exc}") from exc

    # -- schema ---------------------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        with self._translate("create the index template"):
            self.client.indices.put_index_template(
                name=self.template_name,
                index_patterns=[f"{self.alias}-*"],
                priority=100,  # above any catch-all template an operator might have
                template={"settings": {"analysis": ANALYSIS}, "mappings": MAPPINGS},
                meta={"managed_by": "yuqing", "yuqing_schema": SCHEMA_VERSION},
            )
        with self._translate("look up the mentions alias"):
            alias_exists = bool(self.client.indices.exists_alias(name=self.alias))
        if alias_exists:
            # Migrate in place: new fields are added to the live index; a change Elasticsearch cannot apply
            # in place (a different type or analyzer) fails here loudly and needs a reindex.
            with self._translate("update the mapping of the mentions index"):
                self.client.indices.put_mapping(
                    index=self.alias,
                    dynamic=MAPPINGS["dynamic"],
                    meta=MAPPINGS["_meta"],
                    properties=MAPPINGS["properties"],
                )
            return
        with self._translate("look up the mentions index"):
            if self.client.indices.exists(index=self.alias):
                raise StoreError(
                    f"{self.describe()}: {self.alias!r} is a concrete index, not an alias; move its documents to "
                    f"{self.first_index!r} and replace it with an alias, or choose another YUQING_ES_INDEX_PREFIX"
                )
        try:
            with self._translate("create the mentions index"):
                self.client.indices.create(index=self.first_index, aliases={self.alias: {"is_write_index": True}})
        except StoreError as exc:
            # Another process may have created it between our check and our create: that is success.
            if "resource_already_exists" not in str(exc):
                raise
            with self._translate("look up the mentions alias"):
                if not self.client.indices.exists_alias(name=self.alias):
                    raise

    # -- writes ---------------------------------------------------------------------------------------------
    def upsert(self, mentions: Sequence[Mention]) -> WriteResult:
        batch: dict[str, Mention] = {}
        for mention in mentions:
            batch[mention.id] = mention  # the last version of a post in a batch wins
        result = WriteResult()
        pending = list(batch.values())
        for attempt in range(_WRITE_ROUNDS):
            if not pending:
                break
            retry, throttled = self._write(pending, result, last_round=attempt == _WRITE_ROUNDS - 1)
            pending = [batch[i] for i in retry]
            if throttled:
                time.sleep(_RETRY_PAUSE * (attempt + 1))  # the cluster is shedding load: give it a moment
        return result

    def _write(self, mentions: list[Mention], result: WriteResult, *, last_round: bool) -> tuple[list[str], bool]:
        """Write one round.

        Returns the ids worth another round (changed by someone else meanwhile, or refused with a 429) and
        whether any was a 429.
        """
        existing = self._existing([m.id for m in mentions])
        outcome: dict[str, str] = {}
        to_write: list[Mention] = []
        for mention in mentions:
            stored = existing.get(mention.id)
            if stored is not None and stored["content_hash"] == mention.content_hash:
                result.unchanged.append(mention.id)
            else:
                to_write.append(mention)
                outcome[mention.id] = "created" if stored is None else "updated"
        if not to_write:
            return [], False
        retry: list[str] = []
        throttled = False
        with self._translate("write mentions"):
            # Actions are built lazily, so segmenting the next chunk (CPU, here) overlaps with the cluster
            # indexing the previous one (its CPU, in flight on another thread).
            for ok, item in helpers.parallel_bulk(
                self.client,
                (self._action(m, existing.get(m.id)) for m in to_write),
                thread_count=_BULK_THREADS,
                queue_size=_BULK_THREADS,
                chunk_size=_BULK_CHUNK,
                max_chunk_bytes=_BULK_BYTES,
                raise_on_error=False,  # a rejected document is reported; the rest of the batch lands
                raise_on_exception=True,  # a dead connection is not a per-document problem
            ):
                info = next(iter(item.values()))
                doc_id = str(info.get("_id"))
                if ok:
                    (result.created if outcome[doc_id] == "created" else result.updated).append(doc_id)
                elif info.get("status") in _RETRY_STATUSES and not last_round:
                    retry.append(doc_id)
                    throttled = throttled or info.get("status") == 429
                else:
                    result.failed[doc_id] = _error_reason(info.get("error"))
        return retry, throttled

    def _action(self, mention: Mention, stored: dict[str, Any] | None) -> dict[str, Any]:
        """The bulk action writing ``mention``, given what the store holds for its id (``None``: nothing)."""
        doc = self._document(mention)
        if stored is None:
            # "create", not "index": if another writer creates the same id meanwhile we get a conflict and
            # retry as an update, instead of overwriting its collected_at.
            return {"_op_type": "create", "_index": self.alias, "_id": mention.id, "_source": doc}
        doc["collected_at"] = stored["collected_at"]  # first seen stays first seen
        action: dict[str, Any] = {"_op_type": "index", "_index": stored["index"], "_id": mention.id, "_source": doc}
        if stored["seq_no"] is not None and stored["primary_term"] is not None:
            # Only overwrite the version we compared against (a concurrent edit gives a 409).
            action["if_seq_no"] = stored["seq_no"]
            action["if_primary_term"] = stored["primary_term"]
        return action

    def _existing(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Hash, first-seen time and version of the stored documents among ``ids`` (one mget)."""
        with self._translate("read existing mentions"):
            response = self.client.mget(index=self.alias, ids=ids, source_includes=["content_hash", "collected_at"])
        found: dict[str, dict[str, Any]] = {}
        for doc in response.body["docs"]:
            if "error" in doc:
                raise StoreError(
                    f"{self.describe()} could not read mention {doc.get('_id')}: {_error_reason(doc['error'])}"
                )
            if doc.get("found"):
                source = doc.get("_source", {})
                found[doc["_id"]] = {
                    "content_hash": source.get("content_hash"),
                    "collected_at": source.get("collected_at"),
                    "index": doc["_index"],
                    "seq_no": doc.get("_seq_no"),
                    "primary_term": doc.get("_primary_term"),
                }
        return found

    def _document(self, mention: Mention) -> dict[str, Any]:
        """The stored document: the mention's fields plus the segmented search fields.

        Subclasses (tests) may override this to send a document the mapping rejects.
        """
        doc = mention.model_dump(mode="python")
        for key in _DATE_FIELDS:
            doc[key] = _iso_ms(doc[key])
        doc["sentiment_label"] = mention.sentiment_label.value
        # Stored the way SQLite returns them (distinct, sorted), so get() answers the same on both.
        doc["brands"] = sorted(dict.fromkeys(mention.brands))
        # A JSON round trip with default=str, as SQLite stores it: no value the serializer chokes on.
        doc["extra"] = json.loads(json.dumps(mention.extra, ensure_ascii=False, default=str))
        doc.update(index_fields(mention.title, mention.text))
        doc[WORDS_FIELD] = document_words(doc)
        return doc

    @staticmethod
    def _mention(source: dict[str, Any]) -> Mention:
        data = {k: v for k, v in source.items() if k not in SEGMENTED_FIELDS}
        return Mention.model_validate(data)

    # -- reads ----------------------------------------------------------------------------------------------
    def get(self, mention_id: str) -> Mention | None:
        found = self.get_many([mention_id])
        return found[0] if found else None

    def get_many(self, mention_ids: Sequence[str]) -> list[Mention]:
        if not mention_ids:
            return []
        unique = list(dict.fromkeys(mention_ids))
        with self._translate("read mentions"):
            response = self.client.mget(index=self.alias, ids=unique, source_excludes=list(SEGMENTED_FIELDS))
        by_id: dict[str, Mention] = {}
        for doc in response.body["docs"]:
            if "error" in doc:
                raise StoreError(
                    f"{self.describe()} could not read mention {doc.get('_id')}: {_error_reason(doc['error'])}"
                )
            if doc.get("found"):
                by_id[doc["_id"]] = self._mention(doc["_source"])
        return [by_id[i] for i in mention_ids if i in by_id]

    @staticmethod
    def _query(flt: MentionFilter) -> dict[str, Any]:
        """The Elasticsearch query for a filter; the same conditions as ``SQLiteMentionStore._where``."""
        must: list[dict[str, Any]] = []
        should: list[dict[str, Any]] = []
        filters: list[dict[str, Any]] = []
        planned = prepare(None, flt.query, flt.query_tz, flt.query_now)
        if planned is not None:
            # Words outside any NOT score (must); a query of field conditions only filters.
            (must if is_scoring(planned) else filters).append(compile_plan(planned, FIELD_BOOSTS))
        if flt.text:
            terms = query_terms(flt.text)
            if not terms:
                raise InvalidQuery("the search words contain no letters or digits")
            # Every word must occur in at least one segmented field (FTS5's implicit AND across columns).
            # Words go into match queries on whitespace-analysed fields, so query syntax in user input
            # ("-", "*", "OR", quotes, "field:") has no meaning and is matched literally.
            for term in terms:
                must.append(
                    {
                        "bool": {
                            "should": [
                                {"constant_score": {"filter": {"match": {field: term}}, "boost": boost}}
                                for field, boost in FIELD_BOOSTS.items()
                            ],
                            "minimum_should_match": 1,
                        }
                    }
                )
            if len(terms) > 1:
                # Optional (should beside must): ranks "申请 退款" written together above scattered words.
                phrase = " ".join(terms)
                should.extend(
                    {"constant_score": {"filter": {"match_phrase": {field: phrase}}, "boost": boost}}
                    for field, boost in PHRASE_BONUS.items()
                )
        for field, values in (
            ("brands", flt.brands),
            ("platform", flt.platforms),
            ("source", flt.sources),
            ("language", flt.languages),
            ("sentiment_label", [label.value for label in flt.labels]),
        ):
            if values:
                filters.append({"terms": {field: list(values)}})
        score: dict[str, float] = {}
        if flt.score_min is not None:
            score["gte"] = flt.score_min
        if flt.score_max is not None:
            score["lte"] = flt.score_max
        if score:
            filters.append({"range": {"sentiment_score": score}})
        published: dict[str, Any] = {}
        if flt.since is not None:
            published["gte"] = _ms(flt.since)  # since is inclusive
        if flt.until is not None:
            published["lt"] = _ms(flt.until)  # until is exclusive
        if published:
            filters.append({"range": {"published_at": {**published, "format": "epoch_millis"}}})
        updated: dict[str, Any] = {}
        if flt.updated_since is not None:
            updated["gte"] = _ms(flt.updated_since)
        if flt.updated_until is not None:
            updated["lt"] = _ms(flt.updated_until)
        if updated:
            filters.append({"range": {"updated_at": {**updated, "format": "epoch_millis"}}})
        if not must and not filters:
            return {"match_all": {}}
        query: dict[str, Any] = {}
        if must:
            query["must"] = must
        if should:
            query["should"] = should
            query["minimum_should_match"] = 0  # bonus only: never narrows what matches
        if filters:
            query["filter"] = filters  # filter context: no scoring, cacheable
        return {"bool": query}

    @staticmethod
    def _search_after(values: list[Any], sort: SortOrder) -> list[Any]:
        """Check a decoded cursor's values have the types this sort produces (a forged one gets a 400)."""
        first, last_id = values
        if not isinstance(last_id, str) or isinstance(first, bool):
            raise InvalidQuery("the cursor is malformed; use the next_cursor of a previous page")
        if sort is SortOrder.time and not isinstance(first, int):
            raise InvalidQuery("the cursor is malformed; use the next_cursor of a previous page")
        if sort is SortOrder.relevance and not isinstance(first, int | float):
            raise InvalidQuery("the cursor is malformed; use the next_cursor of a previous page")
        return [first, last_id]

    def search(self, request: SearchRequest) -> SearchPage:
        flt = request.filter
        query = self._query(flt)
        sort = request.effective_sort()
        after = decode_cursor(request)
        if sort is SortOrder.relevance:
            order: list[dict[str, Any]] = [{"_score": {"order": "desc"}}, {"id": {"order": "asc"}}]
        else:
            order = [{"published_at": {"order": "desc"}}, {"id": {"order": "desc"}}]
        params: dict[str, Any] = {
            "index": self.alias,
            "query": query,
            "sort": order,
            "size": request.limit + 1,  # one extra hit tells whether a next page exists
            "track_total_hits": track_total(flt),  # exact, or capped as SQLite caps them
            "source_excludes": list(SEGMENTED_FIELDS),
        }
        if after is not None:
            params["search_after"] = self._search_after(after, sort)
        elif request.offset:
            params["from_"] = request.offset
        with self._translate("search mentions", query=True):
            response = self.client.search(**params)
        body = response.body
        raw_hits = body["hits"]["hits"]
        total = int(body["hits"]["total"]["value"])
        more = len(raw_hits) > request.limit
        raw_hits = raw_hits[: request.limit]
        marks = (
            highlighting(prepare(flt.text, flt.query, flt.query_tz, flt.query_now))
            if request.highlight
            else Highlighting()
        )
        hits: list[SearchHit] = []
        for raw in raw_hits:
            mention = self._mention(raw["_source"])
            score = raw.get("_score") if sort is SortOrder.relevance else None
            hit = SearchHit(mention=mention, score=float(score) if score is not None else None)
            if marks:
                hit.highlights = mention_highlights(mention.title, mention.text, marks)
            hits.append(hit)
        next_cursor = None
        if more and raw_hits:
            next_cursor = encode_cursor(request, list(raw_hits[-1]["sort"]))
        exact = body["hits"]["total"].get("relation", "eq") == "eq"
        return SearchPage(hits=hits, total=total, next_cursor=next_cursor, total_exact=exact)

    def word_frequencies(self, flt: MentionFilter) -> WordFrequencies | None:
        return word_frequencies(self, flt)

    def delete(self, mention_ids: Sequence[str]) -> list[str]:
        return delete_mentions(self, mention_ids)

    def count(self, flt: MentionFilter) -> int:
        query = self._query(flt)
        with self._translate("count mentions", query=True):
            response = self.client.count(index=self.alias, query=query)
        return int(response.body["count"])

    def label_counts(self, flt: MentionFilter) -> dict[SentimentLabel, int]:
        query = self._query(flt)
        with self._translate("count mentions by sentiment", query=True):
            response = self.client.search(
                index=self.alias,
                query=query,
                size=0,
                track_total_hits=False,
                aggs={"labels": {"terms": {"field": "sentiment_label", "size": len(SentimentLabel) + 10}}},
            )
        counts = dict.fromkeys(SentimentLabel, 0)
        for bucket in response.body["aggregations"]["labels"]["buckets"]:
            try:
                label = SentimentLabel(bucket["key"])
            except ValueError:  # a label written by something else; not one the API knows
                continue
            counts[label] = int(bucket["doc_count"])
        return counts

    def facets(self, flt: MentionFilter, *, size: int = 10, sample: int = 0) -> FacetResult:
        check_facet_request(size, sample)
        query = self._query(flt)
        aggs: dict[str, Any] = {}
        if size:
            for name, stored in _FACET_SOURCES.items():
                aggs[name] = {
                    "terms": {
                        "field": stored,
                        "size": size,
                        # Exact while a shard holds at most shard_size values (platforms, brands, labels: dozens),
                        # in SQLite's order: most frequent, then by value.
                        "shard_size": max(size, _FACET_SHARD_SIZE),
                        "order": [{"_count": "desc"}, {"_key": "asc"}],
                    }
                }
        params: dict[str, Any] = {
            "index": self.alias,
            "query": query,
            "size": sample,
            "track_total_hits": True,
        }
        if aggs:
            params["aggs"] = aggs
        if sample:
            params["sort"] = [{"published_at": {"order": "desc"}}, {"id": {"order": "desc"}}]
            params["source_includes"] = ["title_seg", "text_seg"]
        with self._translate("count mention facets", query=True):
            response = self.client.search(**params)
        body = response.body
        counts: dict[str, list[FacetCount]] = {name: [] for name in FACET_FIELDS}
        for name in aggs:
            counts[name] = [
                FacetCount(str(bucket["key"]), int(bucket["doc_count"]))
                for bucket in body["aggregations"][name]["buckets"]
            ]
        tokens = [
            f"{raw['_source'].get('title_seg') or ''} {raw['_source'].get('text_seg') or ''}".split()
            for raw in body["hits"]["hits"]
        ]
        return FacetResult(total=int(body["hits"]["total"]["value"]), facets=counts, sample=tokens)

    def trend(self, flt: MentionFilter, interval: TrendInterval, tz: str = "UTC") -> list[TrendBucket]:
        if flt.since is None or flt.until is None:
            raise InvalidQuery("a trend needs both 'since' and 'until'")
        zone = resolve_zone(tz)
        try:
            starts = bucket_starts(flt.since, flt.until, interval, zone)
        except ValueError as exc:
            raise InvalidQuery(str(exc)) from exc
        query = self._query(flt)
        histogram = {
            "field": "published_at",
            "calendar_interval": "1h" if interval == "hour" else "1d",
            "time_zone": zone.key,
            "min_doc_count": 0,
            "extended_bounds": {"min": _ms(flt.since), "max": _ms(flt.until) - 1},
        }
        with self._translate("compute the mention trend", query=True):
            response = self.client.search(
                index=self.alias,
                query=query,
                size=0,
                track_total_hits=False,
                aggs={
                    "trend": {
                        "date_histogram": histogram,
                        "aggs": {"negative": {"filter": {"term": {"sentiment_label": "negative"}}}},
                    }
                },
            )
        # Elasticsearch's buckets start at the same local hours/days as bucket_starts(); placing each by its
        # start (not by position) keeps the result exact even if the server adds empty edge buckets.
        edges = [_ms(s) for s in starts]
        buckets = [TrendBucket(start=s, count=0, negative=0) for s in starts]
        for raw in response.body["aggregations"]["trend"]["buckets"]:
            if not raw["doc_count"]:
                continue
            index = bisect_right(edges, int(raw["key"])) - 1
            if 0 <= index < len(buckets):
                buckets[index].count += int(raw["doc_count"])
                buckets[index].negative += int(raw["negative"]["doc_count"])
        return buckets

    def refresh(self) -> None:
        with self._translate("refresh the mentions index"):
            self.client.indices.refresh(index=self.alias)

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except (TransportError, ApiError):
            return False

    def close(self) -> None:
        self.client.close()


def _strip_credentials(url: str) -> str:
    """``https://user:secret@host:9200`` → ``https://host:9200``, for messages and logs."""
    out = []
    for part in url.split(", "):
        scheme, sep, rest = part.partition("://")
        if sep and "@" in rest.split("/", 1)[0]:
            rest = rest.split("@", 1)[1]
        out.append(f"{scheme}{sep}{rest}")
    return ", ".join(out)
