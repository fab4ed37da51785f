"""The mention index: one interface (:class:`index.base.MentionStore`), two backends.

- :mod:`index.sqlite`: SQLite with FTS5 over jieba-segmented text, WAL mode: the embedded default.
- :mod:`index.elastic`: Elasticsearch 8/9 through the official client: production.

:mod:`index.query` is the search language both compile (``MentionFilter.query``); :mod:`index.words` the word
statistics of the facets.

:func:`index.factory.open_mention_store` picks the backend from a URL; :mod:`index.config` declares the
Elasticsearch connection options it takes. Its SQLite file has its own migration tree (``index/migrations``).
"""
