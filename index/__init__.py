"""The mention index: one interface (:class:`index.base.MentionStore`), two backends.

- :mod:`index.sqlite`: SQLite with FTS5 over jieba-segmented text, WAL mode: the embedded default; its SQL
  (:mod:`index.sqlite_sql`), its batched writes (:mod:`index.sqlite_write`) and the roll-ups it keeps at ingest
  (:mod:`index.rollups`, read by :mod:`index.sqlite_rollups` and, the lean ones, :mod:`index.sqlite_lean`).
- :mod:`index.elastic`: Elasticsearch 8/9 through the official client: production; its aggregations standing in
  for the roll-ups in :mod:`index.elastic_rollups`.

:mod:`index.query` is the search language both compile (``MentionFilter.query``); :mod:`index.words` the word
statistics of the facets.

:func:`index.factory.open_mention_store` picks the backend from a URL; :mod:`index.config` declares the
Elasticsearch connection options it takes. Its SQLite file has its own migration tree (``index/migrations``).
"""
