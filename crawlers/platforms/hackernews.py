"""Hacker News through the Algolia search API (``hn.algolia.com/api/v1/search_by_date``).

Kinds: ``search`` (the envelope ``{hits, nbHits, page, nbPages, hitsPerPage}``). A hit is a story, a
comment or a poll; comments keep their parent's id, so a thread can be rebuilt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawlers.items import MentionItem
from crawlers.pipelines.normalize import html_to_text
from crawlers.platforms.base import Page, Platform, ShapeError, dig, epoch, first, load_json, to_int

ITEM_URL = "https://news.ycombinator.com/item?id={}"


class HackerNews(Platform):
    name = "hackernews"
    kinds = ("search",)

    def detect(self, body: bytes) -> str:
        data = load_json(body, "search")
        if isinstance(data, dict) and isinstance(data.get("hits"), list) and "nbHits" in data:
            return "search"
        raise ShapeError("search", "not an Algolia search answer (no 'hits' and 'nbHits')")

    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        self._check_kind(kind)
        data = load_json(body, kind)
        hits = dig(data, "hits", kind=kind)
        if not isinstance(hits, list):
            raise ShapeError(kind, "'hits' is not a list")
        page = Page(kind, total=to_int(data.get("nbHits")))
        for index, hit in enumerate(hits):
            try:
                page.items.append(self._hit(hit))
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"hit {index}: {exc}")
        number, pages = to_int(data.get("page")), to_int(data.get("nbPages"))
        if number is not None and pages is not None and number + 1 < pages:
            page.next = {"page": number + 1}
        return page

    @staticmethod
    def _hit(hit: dict[str, Any]) -> MentionItem:
        object_id = str(hit["objectID"])
        tags = hit.get("_tags") or []
        is_comment = "comment" in tags or hit.get("comment_text")
        published = epoch(hit.get("created_at_i"))
        if published is None and hit.get("created_at"):
            published = datetime.fromisoformat(str(hit["created_at"]).replace("Z", "+00:00"))
        if is_comment:
            text = html_to_text(hit.get("comment_text") or "")
            title = None
        else:
            title = hit.get("title") or None
            text = html_to_text(hit.get("story_text") or "") or (title or "")
        if not text:
            raise ValueError("no text")
        parent = hit.get("parent_id")
        return MentionItem(
            platform="hackernews",
            post_id=object_id,
            text=text,
            url=ITEM_URL.format(object_id),
            author=hit.get("author") or None,
            title=title,
            published_at=published,
            likes=to_int(hit.get("points")),
            comments=to_int(hit.get("num_comments")),
            parent_id=str(parent) if is_comment and parent is not None else None,
            extra={
                k: v
                for k, v in {
                    "kind": "comment" if is_comment else "story",
                    "link": first(hit.get("url"), hit.get("story_url")),
                    "story_id": hit.get("story_id"),
                    "story_title": hit.get("story_title") if is_comment else None,
                }.items()
                if v not in (None, "")
            },
        )
