"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds, read with feedparser, and the HTML pages that link them.

Kinds:

``feed``
    an RSS 2.0 (or 0.9x), RSS 1.0 (RDF) or Atom document. Each entry becomes one mention:

    - ``post_id``: the entry's ``id``/``guid`` as written in the feed, else its link. Feedparser is given the
      bytes only, never the feed URL, so a relative guid is not turned into a URL that would change with the
      address the feed was fetched from. A relative link is made absolute against ``url`` when it is given.
    - ``text``: the entry's content, else its summary, with the HTML stripped; ``title`` and ``author`` likewise.
    - ``published_at``: ``published``, else ``updated``, in UTC (feedparser converts the zone).
    - ``language``: declared by the entry's content, the entry or the feed; else left for the source's hint.

    A feed that pages (RFC 5005: ``<atom:link rel="next" href=...>`` in RSS, ``<link rel="next">`` in Atom, as
    WordPress's ``?paged=N`` and paged Atom archives give) has :attr:`Page.next` ``{"url": ...}``: the page of
    the entries just older than these (resolved against ``url``).

    An entry without id and link, or without text, is a problem and skipped. A body in which feedparser finds
    no feed and no entries is a :class:`ShapeError`; a feed with recoverable errors (``bozo``) that still has
    entries is read, and an empty but well-formed feed is simply empty.
``page``
    an HTML page of a site, for feed autodiscovery: its ``<link rel="alternate">`` tags whose ``type`` is
    ``application/rss+xml``, ``application/atom+xml`` or ``application/rdf+xml`` become :attr:`Page.follow`
    entries ``{"url", "format", "title"}`` (hrefs resolved against ``<base href>`` and ``url``). Sites
    commonly offer one stream in several formats (tagesschau.de links the same news as Atom, RSS and RDF),
    so only the feeds of the most preferred format present are followed, in the order RSS 2.0, Atom, RDF;
    several feeds of that format (a blog's posts and its comments) are all followed. A page that links no
    feed is a :class:`ShapeError`: the site dropped its feed links, or the URL is not the page it was.
"""

from __future__ import annotations

import calendar
import logging
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from parsel import Selector
from w3lib.encoding import html_to_unicode
from w3lib.html import get_base_url

from crawlers.items import MentionItem
from crawlers.pipelines.normalize import html_to_text, normalize_line
from crawlers.platforms.base import Page, Platform, ShapeError, first, to_int

logger = logging.getLogger(__name__)

#: Feed MIME types of autodiscovery links, most preferred first (see the module docstring).
FEED_TYPES: dict[str, str] = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/rdf+xml": "rdf",
}
_FEED_ROOTS = {"rss", "feed", "rdf"}  # RSS 0.9x/2.0, Atom, RSS 1.0 (rdf:RDF)
_PROLOG = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>|\s+)*", re.DOTALL | re.IGNORECASE)
_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


def root_element(body: bytes) -> str | None:
    """The local name (lower case) of the first element of an XML or HTML document, skipping its prolog."""
    head = body[:65536].removeprefix(b"\xef\xbb\xbf")
    prolog = _PROLOG.match(head)
    match = _ELEMENT.match(head, prolog.end() if prolog else 0)
    return match.group(1).decode("ascii").lower() if match else None


def html_selector(body: bytes, content_type: str | None = None) -> Selector:
    """An HTML document as a parsel selector, decoded by its HTTP charset, BOM or ``<meta charset>``."""
    _, text = html_to_unicode(content_type, body)
    return Selector(text=text, type="html")


class Feed(Platform):
    name = "rss"
    kinds = ("feed", "page")

    def detect(self, body: bytes) -> str:
        root = root_element(body)
        if root in _FEED_ROOTS:
            return "feed"
        if root == "html":
            return "page"
        raise ShapeError("feed", f"neither a feed nor an HTML page (first element: {root or 'none'})")

    def parse(
        self,
        kind: str,
        body: bytes,
        *,
        now: datetime | None = None,
        source: str = "",
        url: str | None = None,
        content_type: str | None = None,
    ) -> Page:
        """As :meth:`Platform.parse`; ``url`` is where the body came from (resolves relative links) and
        ``content_type`` its HTTP ``Content-Type`` (its charset wins over the document's declaration)."""
        self._check_kind(kind)
        if kind == "page":
            return self._page(body, url, content_type)
        return self._feed(body, url, content_type)

    # -- feeds -----------------------------------------------------------------------------------------------
    def _feed(self, body: bytes, url: str | None, content_type: str | None) -> Page:
        headers = {"content-type": content_type} if content_type else {}
        # Bytes, not a str: given a str, feedparser would take it for a URL or a file name and open it.
        parsed = feedparser.parse(body, response_headers=headers)
        if not parsed.entries and (parsed.bozo or not parsed.version):
            reason = parsed.get("bozo_exception") or "no RSS, RDF or Atom root element"
            raise ShapeError("feed", f"not a feed: {reason}")
        feed = parsed.feed
        feed_language = feed.get("language") or None
        feed_title = normalize_line(feed.get("title"))
        page = Page("feed")
        if parsed.bozo:
            # Recoverable (an undeclared entity, a charset declaration the HTTP header overrides) and common in
            # real feeds: what feedparser read is kept, and the source is not marked degraded for it.
            logger.info("feed read despite errors: %s", parsed.bozo_exception)
        for index, entry in enumerate(parsed.entries):
            try:
                page.items.append(self._entry(entry, url, feed_language, feed_title))
            except ValueError as exc:
                page.problems.append(f"entry {index + 1} {exc}")
        older = next((link.get("href") for link in feed.get("links") or [] if link.get("rel") == "next"), None)
        if older and older.strip() and parsed.entries:
            page.next = {"url": urljoin(url or "", older.strip())}
        return page

    def _entry(self, entry: Any, url: str | None, feed_language: str | None, feed_title: str | None) -> MentionItem:
        link = (entry.get("link") or "").strip()
        link = urljoin(url or "", link) if link else ""
        post_id = (entry.get("id") or "").strip() or link
        if not post_id:
            raise ValueError("has neither an id/guid nor a link")
        text = _entry_text(entry)
        if not text:
            raise ValueError(f"({post_id}) has no content or summary")
        author_detail = entry.get("author_detail") or {}
        contents = entry.get("content") or [{}]
        extra: dict[str, Any] = {}
        if feed_title:
            extra["feed_title"] = feed_title
        tags = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
        if tags:
            extra["tags"] = tags
        return MentionItem(
            platform=self.name,
            post_id=post_id,
            text=text,
            url=link or None,
            author=first(author_detail.get("name"), entry.get("author")),
            title=normalize_line(html_to_text(entry.get("title") or "")),
            published_at=_entry_datetime(entry, "published_parsed") or _entry_datetime(entry, "updated_parsed"),
            language=first(contents[0].get("language"), entry.get("language"), feed_language),
            comments=to_int(entry.get("slash_comments")),
            extra=extra,
        )

    # -- autodiscovery -----------------------------------------------------------------------------------------
    def _page(self, body: bytes, url: str | None, content_type: str | None) -> Page:
        selector = html_selector(body, content_type)
        base = get_base_url(selector.get(), url or "")
        found: list[dict[str, Any]] = []
        for link in selector.xpath("//link[@href]"):
            if "alternate" not in (link.attrib.get("rel") or "").lower().split():
                continue
            mime = (link.attrib.get("type") or "").split(";")[0].strip().lower()
            href = link.attrib["href"].strip()
            if mime in FEED_TYPES and href:
                title = normalize_line(link.attrib.get("title"))
                found.append({"url": urljoin(base, href), "format": FEED_TYPES[mime], "title": title})
        if not found:
            raise ShapeError("page", 'the page links no RSS, Atom or RDF feed (<link rel="alternate" type=...>)')
        preferred = next(fmt for fmt in FEED_TYPES.values() if any(f["format"] == fmt for f in found))
        follow: dict[str, dict[str, Any]] = {}
        for feed in found:
            if feed["format"] == preferred:
                follow.setdefault(feed["url"], feed)
        return Page("page", follow=list(follow.values()))


def _entry_datetime(entry: Any, key: str) -> datetime | None:
    parsed = entry.get(key)
    if not parsed:
        return None
    try:
        # feedparser's struct_time is already UTC.
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _entry_text(entry: Any) -> str:
    """Full content when the feed has it, else the summary; HTML stripped."""
    for content in entry.get("content") or []:
        text = html_to_text(content.get("value") or "")
        if text:
            return text
    return html_to_text(entry.get("summary") or "")
