"""Open the mention store a URL names."""

from __future__ import annotations

from foundation.errors import ConfigError, ConfigProblem
from index.base import MentionStore
from index.config import ElasticOptions


def open_mention_store(url: str, settings: ElasticOptions | None = None) -> MentionStore:
    """``sqlite:///path`` opens the embedded store, ``http(s)://...`` Elasticsearch.

    Elasticsearch credentials and TLS options come from ``settings``.
    """
    if url.startswith("sqlite:"):
        from index.sqlite import SQLiteMentionStore

        return SQLiteMentionStore(url)
    if url.startswith(("http://", "https://")):
        from index.elastic import ElasticMentionStore

        return ElasticMentionStore.from_settings(url, settings)
    raise ConfigError(
        "settings",
        [
            ConfigProblem(
                "mention_store_url",
                f"unsupported URL {url.split('://')[0]}://...; use sqlite:///path or http(s)://host:9200",
            )
        ],
    )
