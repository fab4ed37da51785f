"""Review and forum pages read with per-site selectors from the config (``type: html``), incrementally.

A list page holds items (``item`` selector). With ``link`` set, each item's link is followed and the
``fields`` are read on that detail page; otherwise they are read inside the item. ``next_page`` is followed
up to ``max_pages`` list pages per start URL, only on the start URLs' hosts, and not past a page that reached
posts older than the start URL's cursor (see :class:`HtmlSpider`). Posts older than the cursor's cutoff (the
``backfill`` on a first run) are not yielded; posts without a date always are, their post id dedupes them.

Field values: a selector that ends on text or an attribute (``::text``, ``::attr(x)``, ``/text()``, ``@x``)
gives that value; one that selects elements gives their readable text. ``text`` joins every match (see
:func:`joined_text`); the others take the first. A missing ``text`` is a parse error and the item is
skipped; a date or number that cannot be read is a parse error too, but the item is kept without it.

The post id, in order of preference:

1. the ``id`` field;
2. the detail page URL (canonicalised: the same page under reordered query parameters is one post);
3. in list-only mode, the item's own ``url`` field;
4. in list-only mode without either: a digest of author, title and text. Never the list page URL or the
   item's position on it, which shift whenever a new post pushes the others down; the price is that an
   edited post is stored as a new mention.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser
from parsel import Selector, SelectorList
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from w3lib.url import canonicalize_url

from crawlers.items import MentionItem
from crawlers.pipelines.normalize import clean_text, html_to_text
from crawlers.sources import HtmlFields, HtmlSource
from crawlers.spiders.base import guarded
from crawlers.spiders.incremental import IncrementalSpider
from foundation.timeutil import utcnow

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

# -- field parsing -----------------------------------------------------------------------------------------
_NUMBER = re.compile(r"(\d[\d,，]*(?:\.\d+)?|\.\d+)\s*(万|亿|千|[kKwW](?![A-Za-z])|[mM](?![A-Za-z]))?")
_MULTIPLIERS = {"千": 1e3, "k": 1e3, "K": 1e3, "万": 1e4, "w": 1e4, "W": 1e4, "亿": 1e8, "m": 1e6, "M": 1e6}


def parse_number(text: str | None) -> float | None:
    """The first number in ``text``, leniently: ``4.5``, ``1,234``, ``1.2万``, ``3.4k``, ``评论(12)``, ``★★★★☆``.

    A comma followed by exactly three digits separates thousands; any other comma is a decimal comma.
    """
    if not text:
        return None
    match = _NUMBER.search(text)
    if match is None:
        stars = text.count("★")
        return float(stars) if stars else None
    digits, unit = match.groups()
    groups = re.split(r"[,，]", digits)
    if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]):
        number = float("".join(groups))
    elif len(groups) == 2:
        number = float(f"{groups[0]}.{groups[1]}")
    else:
        number = float(groups[0])
    return number * _MULTIPLIERS.get(unit or "", 1.0)


_CN_DATE = re.compile(
    r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"
    r"(?:\s*(\d{1,2})\s*[:：时点]\s*(\d{1,2})?(?:\s*[:：分]\s*(\d{1,2}))?)?"
)
_AGO_ZH = re.compile(r"(\d+)\s*(秒|分钟|分|小时|天|周|个月)\s*前")
_AGO_EN = re.compile(r"(\d+)\s*(second|sec|minute|min|hour|day|week)s?\s+ago", re.IGNORECASE)
_DAY_WORD = re.compile(r"^(今天|昨天|前天|today|yesterday)\s*(\d{1,2})?[:：]?(\d{2})?", re.IGNORECASE)
_UNITS = {
    "秒": "seconds", "second": "seconds", "sec": "seconds",
    "分钟": "minutes", "分": "minutes", "minute": "minutes", "min": "minutes",
    "小时": "hours", "hour": "hours",
    "天": "days", "day": "days",
    "周": "weeks", "week": "weeks",
}  # fmt: skip
_DAYS_BACK = {"今天": 0, "today": 0, "昨天": 1, "yesterday": 1, "前天": 2}


def _relative(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """Dates written relative to now, as Chinese sites do: 刚刚, 5分钟前, 昨天 12:30, 3 hours ago."""
    if text in {"刚刚", "just now"}:
        return now
    for pattern in (_AGO_ZH, _AGO_EN):
        match = pattern.search(text)
        if match:
            amount, unit = int(match.group(1)), match.group(2).lower()
            if unit == "个月":
                return now - timedelta(days=30 * amount)
            return now - timedelta(**{_UNITS[unit]: amount})
    match = _DAY_WORD.match(text)
    if match:
        local = now.astimezone(zone) - timedelta(days=_DAYS_BACK[match.group(1).lower()])
        hour, minute = int(match.group(2) or 0), int(match.group(3) or 0)
        return local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return None


def _chinese(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """``2024年3月5日 14:30``; without a year (``3月5日``), the most recent such day."""
    match = _CN_DATE.search(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) if g else None for g in match.groups())
    assert month is not None and day is not None  # the pattern requires them
    local_now = now.astimezone(zone)
    value = datetime(year or local_now.year, month, day, hour or 0, minute or 0, second or 0, tzinfo=zone)
    if year is None and value > local_now:
        value = value.replace(year=value.year - 1)
    return value


def parse_datetime(
    text: str | None, *, zone: ZoneInfo, date_format: str | None = None, now: datetime | None = None
) -> datetime | None:
    """A page's date in UTC: ``date_format`` first, then relative and Chinese forms, then dateutil.

    A date without a zone is in ``zone``. ``None`` for an empty value; ``ValueError`` when nothing reads it.
    """
    if not text or not text.strip():
        return None
    text = clean_text(text)
    now = now or utcnow()
    value: datetime | None = None
    if date_format:
        try:
            value = datetime.strptime(text, date_format)
        except ValueError:
            value = None  # fall through: a page may mix formats ("昨天 12:00" next to full dates)
    if value is None:
        value = _relative(text, now, zone) or _chinese(text, now, zone)
    if value is None:
        try:
            value = dateparser.parse(text)
        except (ValueError, OverflowError) as exc:
            raise ValueError(f"unreadable date {text!r}") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


# -- selectors ---------------------------------------------------------------------------------------------
_NEWLINES = re.compile(r"\n{2,}")


def select(node: Selector | TextResponse, selector: str) -> SelectorList[Selector]:
    """Apply a config selector (``css:EXPR`` or ``xpath:EXPR``)."""
    kind, expr = selector.split(":", 1)
    return node.css(expr) if kind == "css" else node.xpath(expr)


def values(nodes: SelectorList[Selector]) -> list[str]:
    """The readable value of each selected node: text and attributes as they are, elements as their text."""
    out = []
    for node in nodes:
        root = node.root
        value = clean_text(str(root)) if not hasattr(root, "tag") else html_to_text(node.get())
        if value:
            out.append(value)
    return out


def joined_text(nodes: SelectorList[Selector]) -> str:
    """All selected nodes as one text: elements as their readable text (a line each), text nodes as written.

    Text nodes (``.content ::text``) are concatenated with the whitespace they carry, so inline markup does not
    break a sentence into lines ("用了两周，<b>先达X5</b>拍照" stays one line) while the whitespace between
    blocks still separates them.
    """
    parts = []
    for node in nodes:
        root = node.root
        parts.append(f"\n{html_to_text(node.get())}\n" if hasattr(root, "tag") else str(root))
    return _NEWLINES.sub("\n", clean_text("".join(parts)))


def first_link(nodes: SelectorList[Selector]) -> str | None:
    """A URL from the selected nodes: an attribute or text as is, or an element's ``href``."""
    for node in nodes:
        root = node.root
        value = node.attrib.get("href", "") if hasattr(root, "tag") else str(root)
        if value.strip():
            return value.strip()
    return None


def content_id(*parts: str | None) -> str:
    """A stable post id from a post's own content (used only when the page gives no id and no URL)."""
    raw = "\x1f".join(p or "" for p in parts).encode()
    return "h:" + hashlib.blake2b(raw, digest_size=16).hexdigest()


class FieldReader:
    """Reads one mention with the configured ``fields`` selectors (``html`` pages and ``sitemap`` articles).

    Pure: problems come back as text for the spider to count, so both spiders report them the same way.
    """

    def __init__(self, fields: HtmlFields, *, zone: ZoneInfo, date_format: str | None, platform: str, source: str):
        self.fields = fields
        self.zone = zone
        self.date_format = date_format
        self.platform = platform
        self.source = source

    def read(
        self, node: Selector, response: TextResponse, *, detail_url: str | None, language: str | None
    ) -> tuple[MentionItem | None, list[str]]:
        """A mention from the fields inside ``node`` (a list item, or a whole detail page), and the problems
        met; no mention when the text is missing."""
        fields = self.fields
        text = joined_text(select(node, fields.text))
        if not text:
            return None, ["the text field is missing or empty"]
        problems: list[str] = []

        def one(selector: str | None) -> str | None:
            if selector is None:
                return None
            found = values(select(node, selector))
            return found[0] if found else None

        title, author = one(fields.title), one(fields.author)
        url = first_link(select(node, fields.url)) if fields.url else None
        url = response.urljoin(url) if url else None
        post_id = one(fields.id)
        if not post_id:
            if detail_url:
                post_id = canonicalize_url(detail_url, keep_fragments=False)
            elif url:
                post_id = canonicalize_url(url, keep_fragments=False)
            else:
                post_id = content_id(author, title, text)
        published_at = None
        raw_date = one(fields.published_at)
        if raw_date:
            try:
                published_at = parse_datetime(raw_date, zone=self.zone, date_format=self.date_format)
            except ValueError as exc:
                problems.append(f"published_at: {exc}")
        numbers: dict[str, float | None] = {}
        for name in ("rating", "likes", "comments"):
            raw = one(getattr(fields, name))
            numbers[name] = parse_number(raw)
            if raw and numbers[name] is None:
                problems.append(f"{name}: no number in {raw!r}")
        likes, comments = numbers["likes"], numbers["comments"]
        item = MentionItem(
            platform=self.platform,
            post_id=post_id,
            text=text,
            source=self.source,
            url=url or detail_url or response.url,
            author=author,
            title=title,
            published_at=published_at,
            language=language,
            rating=numbers["rating"],
            likes=None if likes is None else round(likes),
            comments=None if comments is None else round(comments),
        )
        return item, problems


def page_language(response: TextResponse, default: str | None) -> str | None:
    """The language the page declares (``<html lang>``), else ``default``."""
    declared = response.xpath("/html/@lang").get()
    return (declared or "").strip() or default


@dataclass
class ListPage:
    """The newest list page of one start URL, waiting for its items before the next page is decided."""

    number: int
    next_url: str | None
    #: (position on the page, older than the cutoff) of each dated item read from it so far.
    dated: list[tuple[int, bool]] = field(default_factory=list)

    def reached_old(self) -> bool:
        """Whether the page's last dated item is older than the cutoff: the pages after it are older still.

        The last, not any: forums pin old threads above new ones, and a pinned post must not stop the crawl.
        """
        return bool(self.dated) and max(self.dated)[1]


class HtmlSpider(IncrementalSpider):
    """Crawls the list (and detail) pages of a ``type: html`` source, incrementally per start URL.

    A list page's items (or, with ``link``, its detail pages) are all read before its ``next_page`` is
    decided, because with ``link`` the dates are only on the detail pages: once everything in flight is read
    (Scrapy's ``spider_idle``), each start URL whose newest list page ended on an item older than its
    cursor's cutoff is finished, and the others go on to their next page, up to ``max_pages``. Pages sorted
    newest first are assumed, as list pages of reviews and forum boards are. The price of deciding at idle is
    that the start URLs of one source page in step; they are few, and politeness delays dominate anyway.

    A start URL stopped by ``max_pages`` while its pages were still new is reported capped; one whose pages
    carry no dates at all is not (nothing could tell new from old, so ``max_pages`` is the designed stop).
    """

    source_type = HtmlSource
    source: HtmlSource

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.zone = ZoneInfo(self.source.timezone)
        self.reader = FieldReader(
            self.source.fields,
            zone=self.zone,
            date_format=self.source.date_format,
            platform=self.platform,
            source=self.source.name,
        )
        self.waiting: dict[str, ListPage] = {}  # start URL → its newest list page, until its next is decided
        self.listed: set[str] = set()  # list page URLs requested
        # Scrapy's offsite middleware keeps next_page and detail links on the hosts the source starts from.
        hosts = {urlparse(u).hostname for u in self.source.start_urls if urlparse(u).scheme in ("http", "https")}
        if hosts and all(u.startswith(("http://", "https://")) for u in self.source.start_urls):
            self.allowed_domains = sorted(h for h in hosts if h)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._turn_pages, signal=signals.spider_idle)
        return spider

    async def start(self) -> Any:
        for url in dict.fromkeys(self.source.start_urls):
            yield self.list_request(url, url, 1)

    def list_request(self, url: str, key: str, page: int) -> Request:
        self.listed.add(url)
        return self.request(url, self.parse_list, key=key, cb_kwargs={"key": key, "page": page}, dont_filter=True)

    @guarded("list page")
    def parse_list(self, response: Response, key: str, page: int = 1) -> Iterator[Any]:
        self.page_parsed(response)
        page_response = self._text_response(response)
        if page_response is None:
            return
        nodes = select(page_response, self.source.item)
        if not nodes:
            self.shape_error("list page", response, "the item selector matched nothing (has the layout changed?)")
            return
        href = first_link(select(page_response, self.source.next_page)) if self.source.next_page else None
        self.waiting[key] = ListPage(page, response.urljoin(href) if href else None)
        language = page_language(page_response, self.source.language)
        for position, node in enumerate(nodes):
            if self.source.link:
                link = first_link(select(node, self.source.link))
                if not link:
                    self.parse_error("list item", f"item {position + 1} has no link", response.url)
                    continue
                yield self.request(
                    response.urljoin(link), self.parse_detail, key=key, cb_kwargs={"key": key, "position": position}
                )
            else:
                item = self.build_item(node, page_response, detail_url=None, language=language, where=position + 1)
                if item is not None:
                    yield from self.keep(item, key, position)

    @guarded("detail page")
    def parse_detail(self, response: Response, key: str, position: int) -> Iterator[Any]:
        self.page_parsed(response)
        page_response = self._text_response(response)
        if page_response is None:
            return
        item = self.build_item(
            page_response.selector,
            page_response,
            detail_url=response.url,
            language=page_language(page_response, self.source.language),
            where=None,
        )
        if item is not None:
            yield from self.keep(item, key, position)

    def keep(self, item: MentionItem, key: str, position: int) -> list[MentionItem]:
        """``[item]`` unless it is older than the start URL's cutoff; noted for the next-page decision."""
        kept, old = self.keep_new([item], self.cursor(key))
        listed = self.waiting.get(key)
        if listed is not None and item.published_at is not None:
            listed.dated.append((position, old))
        return kept

    def _turn_pages(self, spider: Any) -> None:
        """At ``spider_idle``: decide every waiting list page's next page (see the class docstring)."""
        if spider is not self:
            return
        requests = []
        for key, listed in self.waiting.items():
            cursor = self.cursor(key)
            if listed.next_url is None or listed.next_url in self.listed or listed.reached_old():
                self.finish(cursor)  # the last page (or a "next" leading back), or older posts from here on
            elif listed.number >= self.options.max_pages and not listed.dated:
                # Nothing dated: no cursor can tell new from old here, so max_pages is the designed stop.
                self.finish(cursor)
            elif self.page_budget_left(listed.number, cursor):
                requests.append(self.list_request(listed.next_url, key, listed.number + 1))
        self.waiting.clear()
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    def on_error(self, failure: Failure) -> None:
        super().on_error(failure)
        request = getattr(failure, "request", None)
        if request is not None and isinstance(failure.value, IgnoreRequest) and request.callback == self.parse_list:
            # A next page robots.txt or the offsite rule refuses is where this start URL's pages end.
            self.finish(self.cursor(request.cb_kwargs["key"]))

    # -- items ----------------------------------------------------------------------------------------------
    def build_item(
        self,
        node: Selector,
        response: TextResponse,
        *,
        detail_url: str | None,
        language: str | None,
        where: int | None,
    ) -> MentionItem | None:
        """A mention from the fields inside ``node`` (a list item, or a whole detail page); problems counted."""
        item, problems = self.reader.read(node, response, detail_url=detail_url, language=language)
        what = "detail page" if detail_url else f"list item {where}"
        for problem in problems:
            self.parse_error(what, problem, response.url)
        return item

    def _text_response(self, response: Response) -> TextResponse | None:
        if isinstance(response, TextResponse):
            return response
        self.parse_error("page", f"not an HTML page ({response.headers.get(b'Content-Type')!r})", response.url)
        return None
