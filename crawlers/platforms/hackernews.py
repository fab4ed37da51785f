"""Hacker News through the Algolia API (``hn.algolia.com/api/v1``).

Kinds:

- ``search`` (``/search_by_date``, ``/search``): the envelope ``{hits, nbHits, page, nbPages, hitsPerPage}``. A
  hit is a story, a comment or a poll; comments keep their parent's id, so a thread can be rebuilt.
- ``item`` (``/items/{id}``): one story (or comment) with its whole thread nested in ``children``; each node has
  ``id``, ``type``, ``author``, ``title``, ``text`` (HTML), ``url``, ``points``, ``parent_id``, ``story_id``,
  ``created_at``/``created_at_i``. Every node is a mention; a deleted node (no author and no text) is not, but
  the replies under it still are (they are still on the page). No real items answer is in ../shared; the reading
  follows the Algolia API's documented shape.
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
    kinds = ("search", "item")

    def detect(self, body: bytes) -> str:
        data = load_json(body, "search")
        if isinstance(data, dict) and isinstance(data.get("hits"), list) and "nbHits" in data:
            return "search"
        if isinstance(data, dict) and "id" in data and "type" in data and isinstance(data.get("children"), list):
            return "item"
        raise ShapeError("search", "neither an Algolia search answer (hits, nbHits) nor an item (id, type, children)")

    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        self._check_kind(kind)
        data = load_json(body, kind)
        if kind == "item":
            return self._thread(data)
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

    def _thread(self, root: Any) -> Page:
        if not isinstance(root, dict) or "id" not in root or not isinstance(root.get("children"), list):
            raise ShapeError("item", "not an Algolia item (id, type, children)")
        page = Page("item")
        stack: list[tuple[str, Any]] = [("item", root)]
        nodes = 0
        while stack:  # depth-first, in the page's order; no recursion limit on deep threads
            where, node = stack.pop()
            if not isinstance(node, dict):
                page.problems.append(f"{where}: not an object")
                continue
            nodes += 1
            children = node.get("children") or []
            stack.extend((f"{where}.{i}", child) for i, child in reversed(list(enumerate(children))))
            if node.get("author") is None and node.get("text") is None and node.get("title") is None:
                continue  # deleted: nothing to read, but its replies are still there
            try:
                page.items.append(self._hit(_as_hit(node)))
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"{where} ({node.get('id')}): {exc}")
        page.total = nodes
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


def _as_hit(node: dict[str, Any]) -> dict[str, Any]:
    """An items-endpoint node in the field names of a search hit, so both are read the same way."""
    kind = str(node.get("type") or "")
    comment = kind == "comment"
    return {
        "objectID": node["id"],
        "_tags": [kind],
        "author": node.get("author"),
        "title": node.get("title"),
        "url": node.get("url"),
        "comment_text": node.get("text") if comment else None,
        "story_text": None if comment else node.get("text"),
        "points": node.get("points"),
        "num_comments": None,
        "parent_id": node.get("parent_id"),
        "story_id": node.get("story_id"),
        "created_at_i": node.get("created_at_i"),
        "created_at": node.get("created_at"),
    }
