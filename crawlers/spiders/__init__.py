"""Spiders, one per source type: each turns a source's pages into :class:`~crawlers.items.MentionItem` objects.

- :mod:`crawlers.spiders.base`: :class:`~crawlers.spiders.base.SourceSpider`, the base with the source config
  and parse-error accounting.
- :mod:`crawlers.spiders.feed`: RSS 2.0, RSS 1.0 (RDF) and Atom feeds.
- :mod:`crawlers.spiders.html`: list/detail pages read with selectors from the config.

A source type names its spider by dotted path (:attr:`crawlers.sources.SourceConfig.spider`).
"""
