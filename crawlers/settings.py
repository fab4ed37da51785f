"""The Scrapy settings of one crawl, built from the validated config of the source it crawls.

Every Yuqing component (spiders, middlewares, pipelines) is built through ``from_crawler(crawler)`` and
reads what it needs from ``crawler.settings``: the validated config objects travel there under the
``YUQING_*`` keys below, so nothing reads globals or the environment while a crawl runs.

Stats keys are defined here too, because the runner turns them into a :class:`foundation.health.RunReport`
and every component that counts something must agree with it on the names.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast
from urllib.parse import urlparse, urlsplit, urlunsplit

from scrapy.settings import BaseSettings, Settings

from foundation.errors import CrawlError

if TYPE_CHECKING:
    from crawlers.config import CrawlConfig, CrawlSettings
    from crawlers.sources import CrawlOptions, SourceConfig

# -- settings keys ---------------------------------------------------------------------------------------
#: The :class:`crawlers.sources.SourceConfig` being crawled.
SOURCE = "YUQING_SOURCE"
#: The whole validated :class:`config.models.AppConfig` (brands, sentiment thresholds, ...).
APP_CONFIG = "YUQING_APP_CONFIG"
#: The runtime :class:`config.settings.Settings` (store URLs, credentials as ``SecretStr``).
APP_SETTINGS = "YUQING_SETTINGS"
#: The source's :class:`crawlers.sources.CrawlOptions` (the ``crawl:`` defaults merged with its overrides).
CRAWL_OPTIONS = "YUQING_CRAWL_OPTIONS"
#: Optional: the :class:`crawlers.pipelines.store.SharedStore` of a process that runs many crawls (a
#: :class:`crawlers.session.CrawlSession`); without it each crawl opens the mention store and checks its schema.
MENTION_STORE = "YUQING_MENTION_STORE"
#: Retry backoff: first wait in seconds (doubles on each retry), its cap, and the longest Retry-After honoured.
RETRY_BACKOFF_BASE = "YUQING_RETRY_BACKOFF_BASE"
RETRY_BACKOFF_MAX = "YUQING_RETRY_BACKOFF_MAX"
RETRY_AFTER_MAX = "YUQING_RETRY_AFTER_MAX"

# -- stats keys ------------------------------------------------------------------------------------------
STAT_PAGES = "yuqing/pages"  # responses a spider callback parsed
STAT_PARSE_ERRORS = "yuqing/parse_errors"  # malformed items, pages or fields
STAT_DECODE_ERRORS = "yuqing/decode_errors"  # pages no character encoding decodes (counted in parse_errors too)
STAT_REQUEST_FAILED = "yuqing/request_failed"  # + "/http" | "/network": requests that failed for good
STAT_REQUEST_IGNORED = "yuqing/request_ignored"  # requests a component chose not to send (offsite, ...)
STAT_ROBOTS_BLOCKED = "yuqing/robots_blocked"  # requests refused because of robots.txt
STAT_ROBOTS_STATUS = "yuqing/robots/status"  # + "/<code>": robots.txt answers, by HTTP status
STAT_ROBOTS_UNREACHABLE = "yuqing/robots/unreachable"  # hosts whose robots.txt could not be fetched at all
STAT_HTTP_STATUS = "yuqing/http_status"  # + "/<code>": every HTTP error response (>= 400), retries included
STAT_RETRY_AFTER_TOO_LONG = "yuqing/retry/retry_after_too_long"  # gave up: Retry-After above retry_after_max
STAT_RETRY_WAITED = "yuqing/retry/waited_ms"  # total backoff slept (milliseconds), for tuning
STAT_ITEM_ERRORS = "yuqing/item_errors"  # a pipeline raised something other than DropItem (a bug)
STAT_DROPPED = "yuqing/dropped"  # + "/<reason>": empty | no_brand | duplicate
STAT_MATCHED = "yuqing/matched"  # items that matched at least one brand
STAT_BRAND = "yuqing/brand"  # + "/<brand name>": items per brand
STAT_SENTIMENT = "yuqing/sentiment"  # + "/<label>"; "/failed" when scoring raised
STAT_CATEGORY = "yuqing/category"  # + "/<category>"; "/failed" when classifying raised
STAT_STORED = "yuqing/stored"  # + "/created" | "/updated" | "/unchanged" | "/failed" | "/lost"
STAT_STORE_OUTAGES = "yuqing/store/outages"  # batch writes that raised (the batch is kept and retried)
STAT_STORE_FAILED = "yuqing/store/failed"  # set to the error message when mentions could not be stored
STAT_SHAPE_ERRORS = "yuqing/shape_errors"  # responses whose structure the parser does not know (a platform change)
STAT_SAMPLES = "yuqing/samples"  # set to the list of files where such responses were saved
STAT_CREDENTIALS = "yuqing/credentials"  # set to why the source needs (new) credentials
STAT_BLOCKED = "yuqing/blocked"  # set to the platform's captcha, rate-block or flagged-account message
STAT_CAPPED = "yuqing/capped"  # queries that hit max_pages before reaching posts already seen

#: Item pipelines in the order every item goes through them.
ITEM_PIPELINES = {
    "crawlers.pipelines.normalize.NormalizePipeline": 100,
    # Dedupe before matching and scoring: a repeated post costs nothing further.
    "crawlers.pipelines.dedupe.DedupePipeline": 200,
    "crawlers.pipelines.brands.BrandPipeline": 300,
    "crawlers.pipelines.store.StorePipeline": 500,
}
#: Setting: the stages the store pipeline runs over each batch, in order, just before writing it (each built with
#: ``from_crawler`` and given ``process_batch(items)``). Scoring a batch at once is where the models are fast —
#: one batch call for sentiment, one sparse product for the complaint reader —, and the batch is buffered there
#: anyway; Scrapy hands an item pipeline one item at a time.
SCORING_STAGES_SETTING = "YUQING_SCORING_STAGES"
SCORING_STAGES = (
    "crawlers.pipelines.sentiment.SentimentPipeline",
    "crawlers.pipelines.category.CategoryPipeline",
)

DOWNLOADER_MIDDLEWARES = {
    # Scrapy's robots middleware allows everything when robots.txt is unreachable; ours follows RFC 9309.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawlers.middlewares.robots.StrictRobotsTxtMiddleware": 100,
    # Scrapy's retry middleware retries at once; ours backs off and honours Retry-After.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.retry.BackoffRetryMiddleware": 550,
    # After decompression (590) sees the body: the encoding a page is really in, not only the one it claims.
    "crawlers.middlewares.encoding.EncodingMiddleware": 560,
}

_T = TypeVar("_T")


class Shared(Generic[_T]):
    """A config object in the Scrapy settings that every copy of the settings shares instead of copying.

    Scrapy deep-copies a crawler's settings, values included; the config objects are validated and only read, and
    the whole application config (every source, brand and rule) is large. A warm crawl child runs crawl after
    crawl, and copying it was about a third of the child's processor time in the crisis bench.
    """

    __slots__ = ("value",)

    def __init__(self, value: _T):
        self.value = value

    def __copy__(self) -> Shared[_T]:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Shared[_T]:
        return self


def required_setting(settings: BaseSettings, key: str, kind: type[_T]) -> _T:
    """A config object the runner put into the Scrapy settings; :class:`CrawlError` when it is missing.

    Components fail loudly rather than raise ``NotConfigured``: a silently disabled brand filter or store
    would corrupt a run instead of stopping it.
    """
    value: Any = settings.get(key)
    if isinstance(value, Shared):
        value = value.value
    if not isinstance(value, kind):
        got = "nothing" if value is None else type(value).__name__
        raise CrawlError(
            f"Scrapy setting {key} must hold a {kind.__name__} (got {got}); "
            "build the settings with crawlers.settings.build_settings()"
        )
    return value


def required_app_config(settings: BaseSettings) -> CrawlConfig:
    """The configuration the runner put into the Scrapy settings (see :func:`required_setting`)."""
    from crawlers.config import CrawlConfig

    value: CrawlConfig = required_setting(settings, APP_CONFIG, cast("type[Any]", CrawlConfig))
    return value


def required_app_settings(settings: BaseSettings) -> CrawlSettings:
    """The runtime settings the runner put into the Scrapy settings (see :func:`required_setting`)."""
    from crawlers.config import CrawlSettings

    value: CrawlSettings = required_setting(settings, APP_SETTINGS, cast("type[Any]", CrawlSettings))
    return value


_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


def robots_user_agent(user_agent: str) -> str:
    """The product token robots.txt groups are matched against (RFC 9309 §2.2.1): ``YuqingBot/0.1 (...)``
    gives ``YuqingBot``."""
    match = _TOKEN.match(user_agent.strip())
    return match.group(0) if match else "*"


def redact_url(url: str) -> str:
    """``url`` without ``user:password@``, for log lines and reports."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


_USERINFO = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@")


def redact(text: str) -> str:
    """``text`` (an error message) with the ``user:password@`` of any URL in it removed."""
    return _USERINFO.sub(r"\1", text)


def build_settings(app_config: CrawlConfig, settings: CrawlSettings, source: SourceConfig) -> Settings:
    """Scrapy settings for crawling ``source``: politeness from its crawl options, our components, and the
    config objects the components read in ``from_crawler``."""
    options: CrawlOptions = source.crawl_options(app_config.crawl)
    out = Settings()
    values = {
        "BOT_NAME": "yuqing",
        "SPIDER_MODULES": [],
        # Politeness.
        "USER_AGENT": options.user_agent,
        "ROBOTSTXT_OBEY": True,
        "ROBOTSTXT_USER_AGENT": robots_user_agent(options.user_agent),
        "DOWNLOAD_DELAY": options.download_delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": options.concurrent_requests_per_domain,
        "AUTOTHROTTLE_ENABLED": options.autothrottle,
        "AUTOTHROTTLE_START_DELAY": options.autothrottle_start_delay,
        "AUTOTHROTTLE_MAX_DELAY": options.autothrottle_max_delay,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        # Failures.
        "RETRY_ENABLED": True,
        "RETRY_TIMES": options.retry_times,
        RETRY_BACKOFF_BASE: options.retry_backoff_base,
        RETRY_BACKOFF_MAX: options.retry_backoff_max,
        RETRY_AFTER_MAX: options.retry_after_max,
        "DOWNLOAD_TIMEOUT": options.timeout_seconds,
        "DOWNLOAD_MAXSIZE": options.response_max_bytes,
        "DOWNLOAD_WARNSIZE": max(1, options.response_max_bytes // 2),
        # Components.
        "DOWNLOADER_MIDDLEWARES": dict(DOWNLOADER_MIDDLEWARES),
        "ITEM_PIPELINES": dict(ITEM_PIPELINES),
        SCORING_STAGES_SETTING: list(SCORING_STAGES),
        # Our middlewares and pipelines await asyncio futures; this is Scrapy's default, fixed here on purpose.
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        # Dropping items that mention no brand is the normal case; each drop is counted in the stats instead.
        "DEFAULT_DROPITEM_LOG_LEVEL": "DEBUG",
        # A crawl process is unattended: no telnet console or remote-code HTTP server listening on a port.
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        # Not even loaded: they would only find themselves disabled (remote control imports aiohttp).
        "EXTENSIONS": {
            "scrapy.extensions.telnet.TelnetConsole": None,
            "scrapy.extensions.remote_control.RemoteControl": None,
        },
        "CLOSESPIDER_TIMEOUT": graceful_timeout(app_config.scheduler.crawl_timeout.total_seconds(), options),
        # Logging: to stderr of the crawl process, each line naming the source.
        "LOG_ENABLED": True,
        "LOG_LEVEL": settings.log_level,
        "LOG_FORMAT": f"%(asctime)s [{source.name}] [%(name)s] %(levelname)s: %(message)s",
        "LOG_STDOUT": False,
        "STATS_DUMP": True,
        # The validated config, for from_crawler().
        SOURCE: Shared(source),
        APP_CONFIG: Shared(app_config),
        APP_SETTINGS: Shared(settings),
        CRAWL_OPTIONS: Shared(options),
    }
    if any(urlparse(url).scheme == "file" for url in start_urls(source)):
        # Local files have no host to be polite to (and no robots.txt, which the middleware skips): Scrapy puts
        # them all in the download slot with the empty key, so no delay there.
        values["DOWNLOAD_SLOTS"] = {"": {"delay": 0.0, "concurrency": options.concurrent_requests_per_domain}}
    out.setdict(values, priority="project")
    return out


def graceful_timeout(crawl_timeout: float, options: CrawlOptions) -> float:
    """When to start closing a crawl the scheduler kills after ``crawl_timeout`` seconds.

    Closing waits for requests in flight, including one sleeping out a Retry-After, and then flushes the
    buffered mentions and records the run; starting that early enough means a slow site ends a run as
    "stopped early" with its mentions stored, rather than as a killed process.
    """
    margin = options.retry_after_max + options.timeout_seconds + 30.0
    return max(1.0, crawl_timeout - min(margin, crawl_timeout / 2))


def start_urls(source: SourceConfig) -> list[str]:
    """The URLs a source starts from, whatever its type calls them."""
    for attr in ("urls", "start_urls"):
        urls = getattr(source, attr, None)
        if urls:
            return list(urls)
    return []
