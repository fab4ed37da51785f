"""Source types: the options each kind of source takes in the YAML config, and the spider that crawls it.

Light on purpose (pydantic only): the config loader imports it to validate ``sources:`` before anything runs.

Extension point: a new source type subclasses :class:`SourceConfig` (or :class:`PlatformSource` for a
platform read incrementally), fixes ``type`` with a ``Literal``, sets ``spider`` to the dotted path of its
spider and ``default_platform``, and is added to :data:`SOURCE_TYPES`.
"""

from __future__ import annotations

from crawlers.sources.app_store import AppStoreSource
from crawlers.sources.base import (
    CrawlOptions,
    CrawlOverrides,
    CrawlUrl,
    PlatformSource,
    SelectorText,
    SourceConfig,
)
from crawlers.sources.bilibili import BilibiliSource
from crawlers.sources.douyin import DouyinSource
from crawlers.sources.google_news import GoogleNewsSource, NewsEdition
from crawlers.sources.google_play import GooglePlaySource
from crawlers.sources.hackernews import HackerNewsSource
from crawlers.sources.heimao import HeimaoSource
from crawlers.sources.reddit import RedditSource
from crawlers.sources.signed import SignedSource
from crawlers.sources.taobao import TaobaoSource
from crawlers.sources.tieba import TiebaSource
from crawlers.sources.trustpilot import TrustpilotSource
from crawlers.sources.web import FeedSource, HtmlFields, HtmlSource, SitemapSource
from crawlers.sources.weibo import WeiboSource
from crawlers.sources.xiaohongshu import XiaohongshuSource
from crawlers.sources.youtube import YouTubeSource
from crawlers.sources.zhihu import ZhihuSource

#: Every source type, by the ``type`` value that selects it in YAML.
SOURCE_TYPES: dict[str, type[SourceConfig]] = {
    "feed": FeedSource,
    "html": HtmlSource,
    "sitemap": SitemapSource,
    "weibo": WeiboSource,
    "heimao": HeimaoSource,
    "tieba": TiebaSource,
    "bilibili": BilibiliSource,
    "app_store": AppStoreSource,
    "google_play": GooglePlaySource,
    "google_news": GoogleNewsSource,
    "hackernews": HackerNewsSource,
    "reddit": RedditSource,
    "youtube": YouTubeSource,
    "trustpilot": TrustpilotSource,
    "xiaohongshu": XiaohongshuSource,
    "douyin": DouyinSource,
    "zhihu": ZhihuSource,
    "taobao": TaobaoSource,
}

__all__ = [
    "SOURCE_TYPES",
    "AppStoreSource",
    "BilibiliSource",
    "CrawlOptions",
    "CrawlOverrides",
    "CrawlUrl",
    "DouyinSource",
    "FeedSource",
    "GoogleNewsSource",
    "GooglePlaySource",
    "HackerNewsSource",
    "HeimaoSource",
    "HtmlFields",
    "HtmlSource",
    "NewsEdition",
    "PlatformSource",
    "RedditSource",
    "SelectorText",
    "SignedSource",
    "SitemapSource",
    "SourceConfig",
    "TaobaoSource",
    "TiebaSource",
    "TrustpilotSource",
    "WeiboSource",
    "XiaohongshuSource",
    "YouTubeSource",
    "ZhihuSource",
]
