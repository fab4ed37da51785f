"""Trustpilot company reviews, from the data a review page embeds for Next.js.

Kind: ``reviews``, a page ``/review/{domain}?page={n}&sort=recency&languages=all``. Its
``<script id="__NEXT_DATA__">`` holds ``props.pageProps``:

- ``reviews[]``: ``id``, ``rating``, ``title``, ``text``, ``language``, ``likes``,
  ``dates.{publishedDate,experiencedDate,updatedDate}`` (ISO 8601, UTC), ``consumer.{displayName,countryCode,
  numberOfReviews}``, ``reply.{message,publishedDate}`` (the company's answer, kept in ``extra["reply"]``),
  ``labels.verification.isVerified``;
- ``filters.pagination.{currentPage,perPage,totalCount,totalPages}``: paging. Without it the parser cannot
  tell whether older pages follow; rather than guess, it reports a problem (the run shows degraded) and
  offers no next page;
- ``businessUnit.{displayName,identifyingName}``: the company (kept in ``extra``).

**Unverified shape.** No real page was captured. These names come from scraper code and test strings
(PLATFORMS.md §2.8), a typed interface of ``pageProps`` in a public repository, and a scraper reading
``filters.pagination.totalPages``; the shape of a non-null ``reply`` is the least supported of them. The
review permalink ``https://www.trustpilot.com/reviews/{id}`` is the form links to single reviews take in public
code.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from parsel import Selector

from crawlers.items import MentionItem
from crawlers.platforms.base import Page, Platform, ShapeError, dig, to_int

REVIEW_URL = "https://www.trustpilot.com/reviews/{}"


def iso_time(value: Any) -> datetime | None:
    """A UTC datetime from ``2024-03-01T08:15:00.000Z`` (zone-less times are taken as UTC)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def next_data(body: bytes, kind: str) -> Any:
    """The JSON of a page's ``<script id="__NEXT_DATA__">``."""
    text = body.decode("utf-8", errors="replace")
    if text.lstrip()[:1] in ("{", "["):
        raise ShapeError(kind, "got JSON where a review page was expected")
    script = Selector(text=text).css("script#__NEXT_DATA__::text").get()
    if not script:
        # A bot check ("Just a moment...") or a page that no longer renders through Next.js.
        raise ShapeError(kind, 'no <script id="__NEXT_DATA__"> in the page')
    try:
        return json.loads(script)
    except json.JSONDecodeError as exc:
        raise ShapeError(kind, f"__NEXT_DATA__ is not JSON ({exc.msg})") from exc


class Trustpilot(Platform):
    name = "trustpilot"
    kinds = ("reviews",)

    def detect(self, body: bytes) -> str:
        self._page_props(body, "reviews")
        return "reviews"

    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        self._check_kind(kind)
        props = self._page_props(body, kind)
        business = props.get("businessUnit")
        if not isinstance(business, dict):
            business = {}
        company = {
            "domain": props.get("domain") or business.get("identifyingName"),
            "business": business.get("displayName"),
        }
        reviews = props["reviews"]
        page = Page(kind)
        for index, review in enumerate(reviews):
            try:
                page.items.append(self._review(review, company))
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"review {index}: {_problem(exc)}")
        pagination = dig(props, "filters", "pagination", kind=kind, required=False)
        if isinstance(pagination, dict):
            current, pages = to_int(pagination.get("currentPage")), to_int(pagination.get("totalPages"))
            page.total = to_int(pagination.get("totalCount"))
            if current is not None and pages is not None and current < pages:
                page.next = {"page": current + 1}
        elif reviews:
            page.problems.append("no props.pageProps.filters.pagination: cannot tell whether older pages follow")
        return page

    @staticmethod
    def _page_props(body: bytes, kind: str) -> dict[str, Any]:
        props = dig(next_data(body, kind), "props", "pageProps", kind=kind)
        if not isinstance(props, dict) or not isinstance(props.get("reviews"), list):
            raise ShapeError(kind, "props.pageProps has no 'reviews' list (not a company review page?)")
        return props

    @staticmethod
    def _review(review: dict[str, Any], company: dict[str, Any]) -> MentionItem:
        review_id = str(review["id"])
        title = (review.get("title") or "").strip()
        text = (review.get("text") or "").strip() or title
        if not text:
            raise ValueError(f"review {review_id} has no title or text")
        dates = review.get("dates") or {}
        published = iso_time(dates.get("publishedDate"))
        if published is None:
            raise ValueError(f"review {review_id} has no readable dates.publishedDate")
        consumer = review.get("consumer") or {}
        reply = review.get("reply") or {}
        extra: dict[str, Any] = {
            "kind": "review",
            "verified": dig(review, "labels", "verification", "isVerified", kind="reviews", required=False),
            "country": consumer.get("countryCode"),
            "consumer_reviews": to_int(consumer.get("numberOfReviews")),
            "experienced_at": _iso(iso_time(dates.get("experiencedDate"))),
            "updated_at": _iso(iso_time(dates.get("updatedDate"))),
            **company,
        }
        if isinstance(reply, dict) and (reply.get("message") or "").strip():
            extra["reply"] = {
                "text": reply["message"].strip(),
                "published_at": _iso(iso_time(reply.get("publishedDate"))),
            }
        rating = review.get("rating")
        return MentionItem(
            platform="trustpilot",
            post_id=review_id,
            text=text,
            url=REVIEW_URL.format(review_id),
            author=consumer.get("displayName") or None,
            title=title or None,
            published_at=published,
            language=review.get("language") or None,
            rating=float(rating) if isinstance(rating, int | float) and not isinstance(rating, bool) else None,
            likes=to_int(review.get("likes")),
            extra={k: v for k, v in extra.items() if v is not None},
        )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _problem(exc: Exception) -> str:
    """What was wrong with an item: a ``KeyError`` says only the key."""
    return f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
