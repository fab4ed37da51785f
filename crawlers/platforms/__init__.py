"""Parsers of platform responses, by platform name (the ``PLATFORM`` of ``yuqing parse PLATFORM FILE``).

Each module reads one platform's responses into the common mention item; see :mod:`crawlers.platforms.base`.
The registry names each parser by dotted path and imports it on first use.
"""

from __future__ import annotations

from importlib import import_module

from crawlers.platforms.base import Page, Platform, ShapeError

#: Every platform parser: name → "module:Class". Explicit: nothing registers itself.
PLATFORMS: dict[str, str] = {
    "rss": "crawlers.platforms.feed:Feed",
    "sitemap": "crawlers.platforms.sitemap:Sitemap",
    "weibo": "crawlers.platforms.weibo:Weibo",
    "heimao": "crawlers.platforms.heimao:Heimao",
    "tieba": "crawlers.platforms.tieba:Tieba",
    "bilibili": "crawlers.platforms.bilibili:Bilibili",
    "app_store": "crawlers.platforms.app_store:AppStore",
    "google_play": "crawlers.platforms.google_play:GooglePlay",
    "google_news": "crawlers.platforms.google_news:GoogleNews",
    "hackernews": "crawlers.platforms.hackernews:HackerNews",
    "reddit": "crawlers.platforms.reddit:Reddit",
    "youtube": "crawlers.platforms.youtube:YouTube",
    "trustpilot": "crawlers.platforms.trustpilot:Trustpilot",
    "xiaohongshu": "crawlers.platforms.xiaohongshu:Xiaohongshu",
    "douyin": "crawlers.platforms.douyin:Douyin",
    "zhihu": "crawlers.platforms.zhihu:Zhihu",
    "taobao": "crawlers.platforms.taobao:Taobao",
}

_loaded: dict[str, Platform] = {}


def get_platform(name: str) -> Platform:
    """The parser of ``name``; ``KeyError`` naming the known platforms."""
    if name not in _loaded:
        try:
            module, cls = PLATFORMS[name].split(":")
        except KeyError:
            raise KeyError(f"unknown platform {name!r}; known: {', '.join(sorted(PLATFORMS))}") from None
        _loaded[name] = getattr(import_module(module), cls)()
    return _loaded[name]


__all__ = ["PLATFORMS", "Page", "Platform", "ShapeError", "get_platform"]
