"""Yuqing (舆情): brand public-opinion monitoring.

The top-level packages split the monitoring loop into stages:

- ``crawlers``: Scrapy spiders and pipelines that collect mentions;
- ``sentiment``: scorers that turn text into a probability of being positive;
- ``index``: the mention store (SQLite FTS5 embedded, Elasticsearch in production);
- ``alerts``: rule types evaluated over the index that open tickets;
- ``tickets``: the complaint-ticket store;
- ``api``: the FastAPI application;
- ``config``: the YAML configuration and the environment settings;
- ``yuqing``: the command line, the scheduler and the offline demo.
"""

from foundation import __version__

__all__ = ["__version__"]
