"""Downloader middlewares that replace Scrapy's own where its behaviour is not polite or strict enough.

- :mod:`crawlers.middlewares.robots`: robots.txt per RFC 9309 (an unreachable robots.txt disallows all).
- :mod:`crawlers.middlewares.retry`: retries with exponential backoff, jitter and ``Retry-After``.

:func:`crawlers.settings.build_settings` swaps them in for Scrapy's ``RobotsTxtMiddleware`` and
``RetryMiddleware`` at the same positions.
"""
