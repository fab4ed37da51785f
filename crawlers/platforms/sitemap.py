"""Sitemaps (``<sitemapindex>``, ``<urlset>``, news sitemaps, gzipped or not) and the article pages they list.

Kinds:

``sitemapindex``
    :attr:`Page.follow` lists the child sitemaps: ``{"url", "lastmod"}``.
``urlset``
    :attr:`Page.follow` lists the pages: ``{"url", "lastmod", "published", "title", "language",
    "publication"}``, the last four from the news extension (``<news:news>``: ``news:publication_date``,
    ``news:title``, ``news:publication/news:language`` and ``news:name``), ``None`` when absent. Dates are UTC
    datetimes; a date without a zone is read in the ``zone`` given (UTC by default).
``article``
    an HTML article page, read generically into one mention (sites with a stable layout are better read with
    the source's ``fields`` selectors): title from ``og:title``, else ``<h1>``, else the sitemap entry's news
    title, else ``<title>`` (last: it usually carries the site's name too); text from the paragraphs of the
    ``<article>`` (else ``<main>``) with the most text, else from the block of ``<p>`` siblings with the most
    text outside navigation, header, footer, asides and forms; date from ``article:published_time``,
    ``itemprop=datePublished`` or the first ``<time datetime>``; post id from the page's URL (``url``, else
    its canonical link), canonicalised. The sitemap ``entry``, when given, fills the date and language the
    page does not state (:func:`complete_from_entry`).

A body that is gzipped (``.xml.gz``) is decompressed, up to the protocol's 50 MiB. Sitemaps are read with
Scrapy's :class:`scrapy.utils.sitemap.Sitemap` (streaming, entities not resolved), extended to keep the
news extension, which it flattens away. A sitemap with any XML error is a :class:`ShapeError` as a whole:
lxml recovers from a bare ``&`` or a truncated file by silently mangling or cutting URLs, and fetching
mangled URLs is worse than reading nothing from that sitemap this run.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urljoin, urlparse

from dateutil import parser as dateparser
from parsel import Selector, SelectorList
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap as ScrapySitemap
from w3lib.url import canonicalize_url

from crawlers.items import MentionItem
from crawlers.pipelines.normalize import html_to_text, normalize_line
from crawlers.platforms.base import Page, Platform, ShapeError, first
from crawlers.platforms.feed import html_selector, root_element

#: The sitemap protocol's size limit (uncompressed), also the cap on decompressing a gzipped one.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
_OUTSIDE_CONTENT = "ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside or ancestor::form"
_HTML_ROOTS = {"html", "head", "body"}  # HTML may leave out <html> and <head>
_LOCALE = re.compile(r"^([a-z]{2,3})[_-]([A-Za-z]{2})$")


class NewsSitemap(ScrapySitemap):
    """Scrapy's sitemap reader, keeping the news extension's fields under ``"news"``.

    Scrapy stores every child of ``<url>`` as its text, so ``<news:news>`` (whose data is in grandchildren)
    becomes ``""``; this reads it before Scrapy clears the element. Relies on Scrapy's per-element hook
    ``_process_sitemap_element`` (Scrapy is pinned in uv.lock; the tests cover the news fields).
    """

    def _process_sitemap_element(self, elem: Any) -> dict[str, Any] | None:  # an lxml element
        news: dict[str, str] = {}
        for child in elem:
            if self._get_tag_name(child) == "news":
                for node in child.iter():
                    name = self._get_tag_name(node)
                    if name in {"title", "publication_date", "language", "name"} and node.text:
                        news[name] = node.text.strip()
        entry = super()._process_sitemap_element(elem)
        if entry is not None:
            entry["news"] = news
        return entry


def decompress(body: bytes) -> bytes:
    """``body`` gunzipped when it is gzip data (a ``.xml.gz`` sitemap served as a file), else as it is."""
    if not body.startswith(GZIP_MAGIC):
        return body
    try:
        return gunzip(body, max_size=MAX_SITEMAP_BYTES)
    except (OSError, EOFError, ValueError, zlib.error) as exc:  # ValueError: over the size limit
        raise ShapeError("sitemap", f"a broken or oversized gzip file: {exc}") from exc


def _head(body: bytes) -> bytes:
    """The first bytes of ``body``, decompressing only as much as needed to see its root element."""
    if not body.startswith(GZIP_MAGIC):
        return body
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as unzipped:
            return unzipped.read(65536)
    except (OSError, EOFError, zlib.error) as exc:
        raise ShapeError("sitemap", f"a broken gzip file: {exc}") from exc


def parse_date(text: str | None, zone: tzinfo = UTC) -> datetime | None:
    """A W3C datetime (``2024-03-05``, ``2024-03-05T14:30:00+08:00``, ``...Z``) or another common form, in
    UTC; ``None`` when empty; ``ValueError`` when unreadable. A date without a zone is in ``zone``."""
    if not text or not text.strip():
        return None
    text = text.strip()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            value = dateparser.parse(text)
        except (ValueError, OverflowError) as exc:
            raise ValueError(f"unreadable date {text!r}") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


class Sitemap(Platform):
    name = "sitemap"
    kinds = ("sitemapindex", "urlset", "article")

    def detect(self, body: bytes) -> str:
        root = root_element(_head(body))
        if root in ("sitemapindex", "urlset"):
            return root
        if root == "html":
            return "article"
        raise ShapeError("sitemap", f"neither a sitemap nor an HTML page (first element: {root or 'none'})")

    def parse(
        self,
        kind: str,
        body: bytes,
        *,
        now: datetime | None = None,
        source: str = "",
        url: str | None = None,
        content_type: str | None = None,
        zone: tzinfo = UTC,
        entry: Mapping[str, Any] | None = None,
    ) -> Page:
        """As :meth:`Platform.parse`; ``url`` is where the body came from (relative locations, the article's
        post id), ``content_type`` its HTTP ``Content-Type``, ``zone`` the zone of dates without one, and
        ``entry`` the sitemap's entry of an article page (see :func:`complete_from_entry`)."""
        self._check_kind(kind)
        if kind == "article":
            return self._article(body, url, content_type, zone, entry or {})
        return self._sitemap(kind, decompress(body), url, zone)

    # -- sitemaps --------------------------------------------------------------------------------------------
    def _sitemap(self, kind: str, body: bytes, url: str | None, zone: tzinfo) -> Page:
        try:
            sitemap = NewsSitemap(body)
            entries = list(sitemap)
        except (SyntaxError, StopIteration) as exc:  # lxml's XMLSyntaxError is a SyntaxError
            raise ShapeError(kind, f"not XML: {exc or 'no element'}") from exc
        if sitemap.type != kind:
            raise ShapeError(kind, f"expected <{kind}>, got <{sitemap.type}>")
        errors = sitemap.xmliter.error_log.filter_from_errors()
        if errors:
            raise ShapeError(kind, f"malformed XML ({len(errors)} errors, first: {errors[0].message})")
        page = Page(kind)
        for index, entry in enumerate(entries):
            loc = urljoin(url or "", entry["loc"])
            if urlparse(loc).scheme not in ("http", "https"):
                page.problems.append(f"entry {index + 1}: not an http(s) URL: {entry['loc']!r}")
                continue
            news = entry.get("news") or {}
            try:
                lastmod = parse_date(entry.get("lastmod"), zone)
                published = parse_date(news.get("publication_date"), zone)
            except ValueError as exc:
                page.problems.append(f"entry {index + 1} ({loc}): {exc}; read without a date")
                lastmod = published = None
            if kind == "sitemapindex":
                page.follow.append({"url": loc, "lastmod": lastmod})
            else:
                page.follow.append(
                    {
                        "url": loc,
                        "lastmod": lastmod,
                        "published": published,
                        "title": normalize_line(news.get("title")),
                        "language": news.get("language") or None,
                        "publication": normalize_line(news.get("name")),
                    }
                )
        return page

    # -- articles --------------------------------------------------------------------------------------------
    def _article(
        self, body: bytes, url: str | None, content_type: str | None, zone: tzinfo, entry: Mapping[str, Any]
    ) -> Page:
        declared_html = content_type is not None and "html" in content_type.lower()
        if not declared_html and root_element(body) not in _HTML_ROOTS:
            raise ShapeError("article", "not an HTML page")
        page = Page("article")
        selector = html_selector(body, content_type)

        def meta(*names: str) -> str | None:
            for name in names:
                value = selector.xpath(f"//meta[@property='{name}' or @name='{name}']/@content").get()
                if value and value.strip():
                    return value.strip()
            return None

        address = first(url, selector.xpath("//link[@rel='canonical']/@href").get(), meta("og:url"))
        if not address:
            raise ShapeError("article", "the page has no URL (no canonical link) to identify it by")
        text = main_text(selector)
        if not text:
            page.problems.append(f"{address}: no article text found")
            return page
        published = None
        raw_date = first(
            meta("article:published_time"),
            selector.xpath("//*[@itemprop='datePublished']/@content | //*[@itemprop='datePublished']/@datetime").get(),
            selector.xpath("//time/@datetime").get(),
        )
        try:
            published = parse_date(raw_date, zone)
        except ValueError as exc:
            page.problems.append(f"{address}: published_at: {exc}; read without a date")
        author = meta("author")
        if author is None:
            author = meta("article:author")
            author = None if author and author.startswith(("http://", "https://")) else author
        page.items.append(
            MentionItem(
                platform="web",
                post_id=canonicalize_url(address, keep_fragments=False),
                text=text,
                url=address,
                author=normalize_line(author),
                # The sitemap's news title before <title>, which usually carries the site's name too.
                title=normalize_line(
                    first(
                        meta("og:title"),
                        _text(selector.xpath("//h1")),
                        entry.get("title"),
                        _text(selector.xpath("//title")),
                    )
                ),
                published_at=published,
                language=_language(first(selector.xpath("/html/@lang").get(), meta("og:locale"))),
                extra={"site": site} if (site := normalize_line(meta("og:site_name"))) else {},
            )
        )
        complete_from_entry(page.items[0], entry)
        return page


def complete_from_entry(item: MentionItem, entry: Mapping[str, Any]) -> None:
    """Fill what the article page did not say from its sitemap entry (a ``urlset`` follow entry): the news
    title, the publication date (else ``lastmod``), the news language and the publication's name."""
    item.title = item.title or entry.get("title")
    item.published_at = item.published_at or entry.get("published") or entry.get("lastmod")
    item.language = item.language or entry.get("language")
    if entry.get("publication"):
        item.extra.setdefault("publication", entry["publication"])


def main_text(selector: Selector) -> str:
    """The article's text: its paragraphs, one a line (see the module docstring for where they are taken)."""
    for container in ("//article", "//main"):
        scopes = selector.xpath(container)
        if scopes:
            best = max(scopes, key=lambda s: len(_paragraphs(s.xpath(".//p")) or _text(s)))
            return _paragraphs(best.xpath(".//p")) or _text(best)
    groups: dict[Any, list[Selector]] = {}
    for paragraph in selector.xpath(f"//body//p[not({_OUTSIDE_CONTENT})]"):
        groups.setdefault(paragraph.root.getparent(), []).append(paragraph)
    if not groups:
        return ""
    return max((_paragraphs(SelectorList(group)) for group in groups.values()), key=len)


def _paragraphs(nodes: SelectorList[Selector]) -> str:
    return "\n".join(text for node in nodes if (text := html_to_text(node.get())))


def _text(nodes: Selector | SelectorList[Selector]) -> str:
    """The readable text of a node (of the first of a list)."""
    return html_to_text(nodes.get() or "")


def _language(value: str | None) -> str | None:
    """``zh-CN`` from ``zh-CN`` or an Open Graph locale ``zh_CN``."""
    if not value or not value.strip():
        return None
    match = _LOCALE.match(value.strip())
    return f"{match.group(1)}-{match.group(2).upper()}" if match else value.strip()
