"""The Elasticsearch mention store: connection, error translation, and the store API over the other modules.

:class:`ElasticMentionStore` holds the client and the index names and runs the requests; what it sends and
how it reads the answers live in :mod:`~index.elastic.schema` (template, mapping, documents),
:mod:`~index.elastic.bulk` (writes), :mod:`~index.elastic.search` (filters, pages, cursors) and
:mod:`~index.elastic.aggregations` (label counts, facets, trends).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch

from foundation.errors import StoreError
from foundation.vocabulary import SentimentLabel
from index.base import (
    REACH_PER_MENTION,
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
    check_facet_request,
)
from index.config import DefaultElasticOptions, ElasticOptions
from index.elastic import aggregations, schema
from index.elastic.bulk import BulkWriter, Stored, read_existing
from index.elastic.failures import error_reason, strip_credentials, translate_errors
from index.elastic.reach_groups import reach_group_params, read_reach_groups
from index.elastic.search import filter_query, read_page, search_params
from index.elastic_rollups import delete_mentions, word_frequencies
from index.reach_groups import ReachGroups

#: Hits per request of :meth:`ElasticMentionStore.read_many` (well under the index's 10,000 result window).
READ_BATCH = 2000


class ElasticMentionStore(MentionStore):
    """Mention store in an Elasticsearch cluster (``http(s)://host:9200``)."""

    backend = "elasticsearch"

    def __init__(self, client: Elasticsearch, index_prefix: str = "yuqing"):
        self.client = client
        self.index_prefix = index_prefix
        self._names = schema.IndexNames(index_prefix)
        self.alias = self._names.alias
        self.template_name = self._names.template
        self.first_index = self._names.first_index

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
            raise StoreError(f"invalid Elasticsearch settings for {strip_credentials(url)}: {exc}") from exc
        return cls(client, index_prefix=settings.es_index_prefix)

    def describe(self) -> str:
        nodes = ", ".join(node.base_url for node in self.client.transport.node_pool.all())
        return f"Elasticsearch {strip_credentials(nodes)} (alias {self.alias})"

    @contextmanager
    def _translate(self, action: str, *, query: bool = False) -> Iterator[None]:
        """Client exceptions inside become store errors (see :func:`~index.elastic.failures.translate_errors`)."""
        with translate_errors(self.describe, self.alias, action, query=query):
            yield

    # -- schema ---------------------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        schema.ensure_schema(self.client, self._names, self._translate, self.describe)

    # -- writes ---------------------------------------------------------------------------------------------
    def upsert(self, mentions: Sequence[Mention]) -> WriteResult:
        writer = BulkWriter(self.client, self.alias, self._translate, existing=self._existing, document=self._document)
        return writer.upsert(mentions)

    def _existing(self, ids: list[str]) -> dict[str, Stored]:
        """Hash, first-seen time and version of the stored documents among ``ids`` (one mget).

        Subclasses (tests) may override this to race another writer between the read and the write.
        """
        return read_existing(self.client, self.alias, ids, self._translate, self.describe)

    def _document(self, mention: Mention) -> dict[str, Any]:
        """The stored document: the mention's fields plus the segmented search fields.

        Subclasses (tests) may override this to send a document the mapping rejects.
        """
        return schema.document(mention)

    # -- reads ----------------------------------------------------------------------------------------------
    def get(self, mention_id: str) -> Mention | None:
        found = self.get_many([mention_id])
        return found[0] if found else None

    def get_many(self, mention_ids: Sequence[str]) -> list[Mention]:
        if not mention_ids:
            return []
        unique = list(dict.fromkeys(mention_ids))
        with self._translate("read mentions"):
            response = self.client.mget(index=self.alias, ids=unique, source_excludes=list(schema.SEGMENTED_FIELDS))
        by_id: dict[str, Mention] = {}
        for doc in response.body["docs"]:
            if "error" in doc:
                raise StoreError(
                    f"{self.describe()} could not read mention {doc.get('_id')}: {error_reason(doc['error'])}"
                )
            if doc.get("found"):
                by_id[doc["_id"]] = schema.mention_from_source(doc["_source"])
        return [by_id[i] for i in mention_ids if i in by_id]

    @staticmethod
    def _query(flt: MentionFilter) -> dict[str, Any]:
        """The Elasticsearch query for a filter (see :func:`~index.elastic.search.filter_query`)."""
        return filter_query(flt)

    def search(self, request: SearchRequest) -> SearchPage:
        params = search_params(self.alias, request, self._query(request.filter))
        with self._translate("search mentions", query=True):
            response = self.client.search(**params)
        return read_page(response.body, request, schema.mention_from_source)

    def read_many(self, flt: MentionFilter, limit: int) -> list[Mention]:
        """Batches of up to :data:`READ_BATCH` hits per request, without counting the total (a search page is
        100 hits and an exact total: a crisis's event-rule read took one round trip per 100 mentions)."""
        query = self._query(flt)
        out: list[Mention] = []
        after: list[Any] | None = None
        while len(out) < limit:
            size = min(READ_BATCH, limit - len(out))
            params: dict[str, Any] = {
                "index": self.alias,
                "query": query,
                "sort": [{"published_at": {"order": "desc"}}, {"id": {"order": "desc"}}],
                "size": size,
                "track_total_hits": False,
                "source_excludes": list(schema.SEGMENTED_FIELDS),
            }
            if after is not None:
                params["search_after"] = after
            with self._translate("read mentions", query=True):
                hits = self.client.search(**params).body["hits"]["hits"]
            out.extend(schema.mention_from_source(hit["_source"]) for hit in hits)
            if len(hits) < size:
                break
            after = hits[-1]["sort"]
        return out

    def word_frequencies(self, flt: MentionFilter) -> WordFrequencies | None:
        return word_frequencies(self, flt)

    def delete(self, mention_ids: Sequence[str]) -> list[str]:
        return delete_mentions(self, mention_ids)

    def count(self, flt: MentionFilter) -> int:
        query = self._query(flt)
        with self._translate("count mentions", query=True):
            response = self.client.count(index=self.alias, query=query)
        return int(response.body["count"])

    def reach_weighted_count(self, flt: MentionFilter) -> float:
        """One query: the count plus the sum of ``reach`` (a sum aggregation skips mentions without one)."""
        with self._translate("count mentions by reach", query=True):
            response = self.client.search(
                index=self.alias,
                query=self._query(flt),
                size=0,
                track_total_hits=True,
                aggs={"reach": {"sum": {"field": "reach"}}},
            )
        body = response.body
        total = int(body["hits"]["total"]["value"])
        return total + float(body["aggregations"]["reach"]["value"] or 0.0) / REACH_PER_MENTION

    def reach_groups(self, flt: MentionFilter, *, sources: int = 10, authors: int = 10) -> ReachGroups:
        params = reach_group_params(self.alias, self._query(flt), sources, authors)
        with self._translate("rank sources and authors by reach", query=True):
            response = self.client.search(**params)
        return read_reach_groups(response.body, sources, authors)

    def label_counts(self, flt: MentionFilter) -> dict[SentimentLabel, int]:
        params = aggregations.label_count_params(self.alias, self._query(flt))
        with self._translate("count mentions by sentiment", query=True):
            response = self.client.search(**params)
        return aggregations.read_label_counts(response.body)

    def facets(self, flt: MentionFilter, *, size: int = 10, sample: int = 0) -> FacetResult:
        check_facet_request(size, sample)
        params = aggregations.facet_params(self.alias, self._query(flt), size, sample)
        with self._translate("count mention facets", query=True):
            response = self.client.search(**params)
        return aggregations.read_facets(response.body, params)

    def trend(self, flt: MentionFilter, interval: TrendInterval, tz: str = "UTC") -> list[TrendBucket]:
        window = aggregations.trend_window(flt, interval, tz)
        params = aggregations.trend_params(self.alias, self._query(flt), window)
        with self._translate("compute the mention trend", query=True):
            response = self.client.search(**params)
        return aggregations.read_trend(response.body, window)

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
