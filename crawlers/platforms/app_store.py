"""Apple App Store customer reviews, from the per-country RSS feed in its XML (Atom) form.

Kind ``reviews``: ``itunes.apple.com/{cc}/rss/customerreviews/page={n}/id={app}/sortby=mostrecent/xml``, an
Atom feed of up to 50 ``<entry>`` reviews with Apple's ``im:`` elements (rating, app version, votes). The JSON
form of the same feed carries no review date, so only the XML is read (a JSON body is a :class:`ShapeError`
saying so). Older feeds put the app itself first as an entry without ``im:rating``; it is not a review and is
skipped. The feed's ``rel="self"`` link names the storefront, app and page; its ``rel="last"`` link the last
page (Apple serves at most 10).

The post id is Apple's review id, taken to be unique across storefronts (a review is written in one
storefront and listed only in its feed; not verified against live feeds). A review has no permalink of its
own, so ``url`` is the app's review page in that storefront. The feed carries no developer responses (none
in the 2020 capture, and app-store-scraper reads none), so there is nothing to keep for them here.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from crawlers.items import MentionItem
from crawlers.platforms.base import Page, Platform, ShapeError, looks_like, to_int

ATOM = "{http://www.w3.org/2005/Atom}"
IM = "{http://itunes.apple.com/rss}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
APP_REVIEWS_URL = "https://apps.apple.com/{country}/app/id{app_id}?see-all=reviews"
#: Apple serves pages 1 to 10 of this feed and refuses more.
MAX_PAGE = 10

_FEED_URL = re.compile(r"/(?P<country>[a-z]{2})/rss/customerreviews/(?:.*/)?id=(?P<app_id>\d+)", re.IGNORECASE)
_PAGE = re.compile(r"/page=(\d+)")


class AppStore(Platform):
    name = "app_store"
    kinds = ("reviews",)

    def detect(self, body: bytes) -> str:
        self._feed(body)
        return "reviews"

    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        self._check_kind(kind)
        feed = self._feed(body)
        links = {link.get("rel"): link.get("href") or "" for link in feed.findall(f"{ATOM}link")}
        where = _FEED_URL.search(links.get("self") or feed.findtext(f"{ATOM}id") or "")
        country, app_id = (where["country"].lower(), where["app_id"]) if where else (None, None)
        language = feed.get(XML_LANG) or None
        page = Page(kind)
        for index, entry in enumerate(feed.findall(f"{ATOM}entry")):
            if entry.find(f"{IM}rating") is None:
                continue  # the app's own entry at the head of older feeds
            try:
                page.items.append(_review(entry, country, app_id, language))
            except (TypeError, ValueError) as exc:
                page.problems.append(f"entry {index}: {exc}")
        current, last = _page_number(links.get("self")), _page_number(links.get("last"))
        if page.items and current is not None and last is not None and current < min(last, MAX_PAGE):
            page.next = {"page": current + 1}
        return page

    @staticmethod
    def _feed(body: bytes) -> ET.Element:
        head = body[:4096].lstrip()
        if head.startswith((b"{", b"[")):
            raise ShapeError("reviews", "got the JSON feed, which has no review dates; fetch the /xml form")
        if looks_like(body, [b"<!DOCTYPE", b"<!ENTITY"]):
            # Apple's feed has none; refusing them keeps entity tricks away from the XML parser.
            raise ShapeError("reviews", "an XML document with a DOCTYPE is not Apple's review feed")
        try:
            # Safe here: expat (>= 2.4) caps entity expansion, ElementTree never fetches external entities, and
            # documents with a DOCTYPE were refused above.
            root = ET.fromstring(body)  # noqa: S314
        except ET.ParseError as exc:
            raise ShapeError("reviews", f"not XML ({exc})") from exc
        if root.tag != f"{ATOM}feed":
            raise ShapeError("reviews", f"root element is {root.tag!r}, not an Atom feed")
        return root


def _review(entry: ET.Element, country: str | None, app_id: str | None, language: str | None) -> MentionItem:
    review_id = _text(entry, f"{ATOM}id")
    if not review_id:
        raise ValueError("no id")
    updated = _text(entry, f"{ATOM}updated")
    if not updated:
        raise ValueError("no updated date")
    rating = to_int(_text(entry, f"{IM}rating"))
    if rating is None or not 1 <= rating <= 5:
        raise ValueError(f"rating {_text(entry, f'{IM}rating')!r} is not 1-5")
    text = next(
        (c.text or "" for c in entry.findall(f"{ATOM}content") if c.get("type", "text") == "text"),
        "",
    )
    author = entry.find(f"{ATOM}author")
    extra: dict[str, Any] = {
        "kind": "review",
        "app_id": app_id,
        "country": country,
        "app_version": _text(entry, f"{IM}version"),
        "vote_sum": to_int(_text(entry, f"{IM}voteSum")),
        "vote_count": to_int(_text(entry, f"{IM}voteCount")),
        "author_url": _text(author, f"{ATOM}uri") if author is not None else None,
    }
    return MentionItem(
        platform="app_store",
        post_id=review_id,
        text=text,
        url=APP_REVIEWS_URL.format(country=country, app_id=app_id) if country and app_id else None,
        author=_text(author, f"{ATOM}name") if author is not None else None,
        title=_text(entry, f"{ATOM}title"),
        published_at=datetime.fromisoformat(updated.replace("Z", "+00:00")).astimezone(UTC),
        language=language,
        rating=float(rating),
        likes=to_int(_text(entry, f"{IM}voteSum")),
        extra={k: v for k, v in extra.items() if v not in (None, "")},
    )


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path)
    text = (found.text or "").strip() if found is not None else ""
    return text or None


def _page_number(url: str | None) -> int | None:
    match = _PAGE.search(url or "")
    return int(match[1]) if match else None
