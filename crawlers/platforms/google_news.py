"""Google News search RSS (``news.google.com/rss/search?q=&hl=&gl=&ceid=``).

Kinds: ``search`` (an RSS 2.0 channel; generator ``NFE/5.0`` in the real capture). Each ``<item>`` is an
article as Google News lists it:

- ``<title>`` is "headline - Publisher": the publisher (also in ``<source>``) is cut off the headline and kept
  as the author, its site (``<source url=>``) in ``extra["site"]``.
- ``<link>`` is a ``news.google.com/rss/articles/CBM…`` redirect, not the article; ``<guid>`` is the same id
  without the host, so it is the post id (stable across runs and editions). Resolving the redirect would cost
  a request per article to Google, so the redirect is stored as the URL.
- ``<description>`` is HTML: a link and a ``<font>`` publisher for a single article, or an ``<ol>`` of such
  for a cluster of articles on the same story. The other articles of a cluster are kept in
  ``extra["related"]`` and their headlines added to the text (they are what Google matched the query
  against as much as the lead headline).
- ``<pubDate>`` is RFC 822 in GMT.

The feed has no paging: it always holds the latest hundred or so articles for the query.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any

import feedparser
from parsel import Selector

from crawlers.items import MentionItem
from crawlers.pipelines.normalize import clean_text, html_to_text
from crawlers.platforms.base import Page, Platform, ShapeError, join_text

ARTICLE_PATH = "/rss/articles/"


def struct_to_utc(value: Any) -> datetime | None:
    """A UTC datetime from feedparser's ``*_parsed`` struct_time (which feedparser already put in UTC)."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, TypeError, ValueError):
        return None


def split_title(title: str, publisher: str | None) -> tuple[str, str | None]:
    """``("headline", "Publisher")`` from Google's "headline - Publisher".

    With the ``<source>`` name known, only that exact suffix is cut (a headline may itself contain " - ");
    without it, the last " - " separates them, as Google always appends the publisher.
    """
    title = clean_text(title)
    if publisher:
        suffix = f" - {publisher.strip()}"
        if title.endswith(suffix) and len(title) > len(suffix):
            return title[: -len(suffix)].strip(), publisher.strip()
        return title, publisher.strip()
    head, sep, tail = title.rpartition(" - ")
    if sep and head.strip() and tail.strip():
        return head.strip(), tail.strip()
    return title, None


def cluster(description: str) -> list[dict[str, str]]:
    """The articles a ``<description>`` lists: each link with its ``<font>`` publisher.

    Links without a publisher (Google's "View full coverage" entry) are not articles and are left out.
    """
    if not description.strip():
        return []
    articles = []
    for link in Selector(text=description).css("a"):
        title = clean_text(" ".join(link.css("::text").getall()))
        publisher = clean_text(" ".join(link.xpath("following-sibling::font[1]//text()").getall()))
        if title and publisher:
            articles.append({"title": title, "publisher": publisher, "url": link.attrib.get("href", "")})
    return articles


class GoogleNews(Platform):
    name = "google_news"
    kinds = ("search",)

    def detect(self, body: bytes) -> str:
        self._feed(body, "search")
        return "search"

    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        self._check_kind(kind)
        parsed = self._feed(body, kind)
        language = parsed.feed.get("language") or None
        page = Page(kind, total=len(parsed.entries))
        for index, entry in enumerate(parsed.entries):
            try:
                page.items.append(self._article(entry, language))
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"item {index}: {_problem(exc)}")
        return page

    @staticmethod
    def _feed(body: bytes, kind: str) -> Any:
        # Bytes, never a str: given a str, feedparser would take it for a URL or a file name and open it.
        parsed = feedparser.parse(body)
        version = parsed.get("version") or ""
        if not version.startswith("rss"):
            head = body[:200].lstrip().lower()
            if head.startswith((b"<!doctype html", b"<html")):
                # A consent or "unusual traffic" page instead of the feed.
                raise ShapeError(kind, "got an HTML page where the RSS feed was expected")
            raise ShapeError(kind, f"not an RSS feed (feedparser read it as {version or 'nothing it knows'!r})")
        return parsed

    @staticmethod
    def _article(entry: Any, language: str | None) -> MentionItem:
        link = entry.get("link") or ""
        guid = entry.get("id") or ""
        if not guid and ARTICLE_PATH in link:
            guid = link.split(ARTICLE_PATH, 1)[1].split("?", 1)[0]
        if not guid:
            raise ValueError("no guid and no article link")
        source = entry.get("source") or {}
        headline, publisher = split_title(entry.get("title") or "", source.get("title"))
        if not headline:
            raise ValueError("no title")
        articles = cluster(entry.get("summary") or "")
        related = [a for a in articles if a["title"] != headline]
        if not articles and entry.get("summary"):
            # Not the link-and-publisher markup Google writes: keep whatever text it has.
            text = join_text(headline, html_to_text(entry["summary"]))
        else:
            text = join_text(headline, *(f"{a['title']} ({a['publisher']})" for a in related))
        extra: dict[str, Any] = {}
        if source.get("href"):
            extra["site"] = source["href"]
        if related:
            extra["related"] = related
        return MentionItem(
            platform="google_news",
            post_id=str(guid),
            text=text,
            url=link or None,
            author=publisher,
            title=headline,
            published_at=struct_to_utc(entry.get("published_parsed") or entry.get("updated_parsed")),
            language=language,
            extra=extra,
        )


def _problem(exc: Exception) -> str:
    """What was wrong with an item: a ``KeyError`` says only the key."""
    return f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
