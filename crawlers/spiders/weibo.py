"""Weibo keyword search through m.weibo.cn, and the comments of the posts that mention a brand.

How a run goes (the 432 fix of dataabc/weibo-crawler PR #582, PLATFORMS.md §2.1):

1. ``GET {base}/`` with only the user's ``SUB`` cookie, so that the server sets ``_T_WM`` and ``XSRF-TOKEN``
   (Scrapy's cookie jar keeps them for the requests that follow; the token is also sent as ``X-XSRF-TOKEN``,
   as the m.weibo.cn web app does).
2. Per search word, ``api/container/getIndex?containerid=100103type={61|60|1}&q={word}&page_type=searchall
   &page={n}`` with ``Referer: {base}/``, newest first for ``realtime``, until posts already seen (the
   cursor), the backfill horizon, the last page or ``max_pages``.
3. For each new post that really mentions a brand (the same brand matching the pipeline applies) and has
   comments, ``comments/hotflow?id={mid}&mid={mid}&max_id_type=0`` with ``Referer: {base}/detail/{mid}``,
   ``comment_pages`` pages deep.

Refusals end the run as ``needs_credentials`` at once, never retried: HTTP 432 (not among the retried
statuses), a redirect to the login page, and ``ok: -100`` bodies (the parser's :class:`CredentialsRejected`).

``hot`` and ``all`` search are ordered by relevance, not time, so one old post does not end the query there:
it ends at the first page with nothing new. Comments are read once, when their post is new; later comments on
an older post are not fetched again (a known limit of reading comments per run).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from scrapy.http import Request, Response

from crawlers.items import MentionItem
from crawlers.platforms.weibo import POST_URL, Weibo
from crawlers.sources import WeiboSource
from crawlers.spiders.base import guarded
from crawlers.spiders.platform import PlatformSpider, thread_context

if TYPE_CHECKING:
    from twisted.python.failure import Failure

#: containerid ``type`` of each search mode.
SEARCH_TYPES = {"realtime": "61", "hot": "60", "all": "1"}
#: Weibo's "you are not allowed" status (since 2025 for clients without a valid login cookie).
REFUSED = 432
REDIRECTS = (301, 302, 303, 307, 308)
_LOGIN_HINTS = ("login", "signin", "passport")


class WeiboSpider(PlatformSpider):
    """One search query per word; comments of matched posts; stops for good on a refused cookie."""

    source_type = WeiboSource
    source: WeiboSource
    parser = Weibo()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.xsrf_token: str | None = None
        self.comments_requested: set[str] = set()

    # -- requests ---------------------------------------------------------------------------------------------
    def first_requests(self) -> Iterable[Request]:
        yield Request(
            f"{self.source.api_base()}/",
            callback=self.after_warmup,
            errback=self.warmup_failed,
            cookies=self._cookies(),
            meta={"dont_redirect": True, "handle_httpstatus_list": [*REDIRECTS, REFUSED]},
            dont_filter=True,
        )

    def searches(self) -> Iterator[Request]:
        for word in self.search_words():
            yield self.search(word, 1)

    def search(self, word: str, page: int) -> Request:
        containerid = f"100103type={SEARCH_TYPES[self.source.search_type]}&q={word}"
        query = urlencode({"containerid": containerid, "page_type": "searchall", "page": page})
        return self._api(
            f"{self.source.api_base()}/api/container/getIndex?{query}",
            self.parse_search,
            referer=f"{self.source.api_base()}/",
            cb_kwargs={"word": word, "page": page},
        )

    def comments(self, mid: str, page: int, context: str, position: dict[str, Any] | None = None) -> Request:
        params: dict[str, Any] = {"id": mid, "mid": mid}
        params.update(position or {"max_id_type": 0})
        return self._api(
            f"{self.source.api_base()}/comments/hotflow?{urlencode(params)}",
            self.parse_comments,
            referer=f"{self.source.api_base()}/detail/{mid}",
            cb_kwargs={"mid": mid, "page": page, "context": context},
        )

    def _api(self, url: str, callback: Any, *, referer: str, cb_kwargs: dict[str, Any]) -> Request:
        headers = {"Referer": referer, "Accept": "application/json, text/plain, */*"}
        if self.xsrf_token:
            headers["X-XSRF-TOKEN"] = self.xsrf_token
        return self.request(
            url,
            callback,
            headers=headers,
            cookies=self._cookies(),
            # 432 and login redirects must reach the callback: they mean "new cookie", not "retry".
            meta={"dont_redirect": True, "handle_httpstatus_list": [*REDIRECTS, REFUSED]},
            cb_kwargs=cb_kwargs,
            dont_filter=True,
        )

    def _cookies(self) -> dict[str | bytes, str | bytes | bool | float | int]:
        sub = self.source.sub_cookie()
        return {"SUB": sub} if sub else {}

    # -- callbacks --------------------------------------------------------------------------------------------
    @guarded("warm-up page")
    def after_warmup(self, response: Response) -> Iterator[Any]:
        refusal = self._refusal(response)
        if refusal:
            self.stop_for_credentials(refusal)
        # Any other answer (a redirect elsewhere included) still set what cookies it set: go on.
        for header in response.headers.getlist(b"Set-Cookie"):
            name, _, rest = header.decode("latin-1").partition("=")
            if name.strip() == "XSRF-TOKEN":
                self.xsrf_token = rest.split(";", 1)[0].strip() or None
        yield from self.searches()

    def warmup_failed(self, failure: Failure) -> Iterator[Request]:
        """The warm-up only collects cookies: search anyway (a real refusal shows on the API calls)."""
        self.on_error(failure)
        yield from self.searches()

    @guarded("search page")
    def parse_search(self, response: Response, word: str, page: int) -> Iterator[Any]:
        if not self._accepted(response, "search"):
            return
        result = self.read(response, "search")
        if result is None:
            return
        cursor = self.cursor(f"q:{word}")
        cutoff = cursor.cutoff(self.started, self.source.backfill)
        # Reposted originals ride along with their repost and may be years old: they must not end the query.
        hits = [i for i in result.items if "via_repost" not in i.extra]
        originals = [
            i for i in result.items if "via_repost" in i.extra and (i.published_at is None or i.published_at >= cutoff)
        ]
        kept, reached_old = self.keep_new(hits, cursor)
        for item in [*kept, *originals]:
            yield item
            if self._wants_comments(item):
                self.comments_requested.add(item.post_id)
                yield self.comments(item.post_id, 1, thread_context(item))
        chronological = self.source.search_type == "realtime"
        if result.next is None or (reached_old if chronological else not kept):
            self.finish(cursor)
        elif self.page_budget_left(page, cursor):
            yield self.search(word, page + 1)

    @guarded("comments page")
    def parse_comments(self, response: Response, mid: str, page: int, context: str) -> Iterator[Any]:
        if not self._accepted(response, "comments"):
            return
        result = self.read(response, "comments")
        if result is None:
            return
        for item in result.items:
            item.parent_id = item.parent_id or mid
            item.url = POST_URL.format(mid)  # comments have no page of their own
            item.extra["post_id"] = mid
            item.context = context
            yield item
        if result.next is not None and page < self.source.comment_pages:
            yield self.comments(mid, page + 1, context, result.next)

    # -- helpers ----------------------------------------------------------------------------------------------
    def _wants_comments(self, item: MentionItem) -> bool:
        """Comments are worth a request when the post has some and really mentions a brand (search is fuzzy)."""
        if not self.source.comments or self.source.comment_pages < 1 or not item.comments:
            return False
        if item.post_id in self.comments_requested:
            return False
        return self.mentions_brand(item)

    @staticmethod
    def _refusal(response: Response) -> str | None:
        """Why Weibo refused the session (HTTP 432, a redirect to its login page), or ``None``."""
        if response.status == REFUSED:
            return (
                "m.weibo.cn answered HTTP 432: the SUB cookie is missing, expired or throttled; log in to "
                "m.weibo.cn again and give the new SUB cookie"
            )
        location = (response.headers.get(b"Location") or b"").decode("latin-1")
        if response.status in REDIRECTS and any(hint in location.lower() for hint in _LOGIN_HINTS):
            where = urlsplit(location).netloc or location.split("?", 1)[0]
            return f"m.weibo.cn redirected to its login page ({where}): the SUB cookie expired; give a fresh one"
        return None

    def _accepted(self, response: Response, kind: str) -> bool:
        """Whether an API call answered with content; a refusal stops the run, another redirect is a change."""
        refusal = self._refusal(response)
        if refusal:
            self.stop_for_credentials(refusal)
        if response.status in REDIRECTS:
            location = (response.headers.get(b"Location") or b"").decode("latin-1")
            self.shape_error(kind, response, f"unexpected redirect (HTTP {response.status}) to {location!r}")
            return False
        return True
