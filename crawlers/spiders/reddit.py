"""Reddit through its OAuth API: an application-only token, then searches newest first, then comments.

A run first asks ``auth_url`` for a bearer token (``grant_type=client_credentials``, the app's id and secret as
HTTP basic auth) and keeps it in memory for the run; it is never logged or stored. Each search word (within
``subreddits`` when set, all of Reddit otherwise) is then searched with ``sort=new``, paging with ``after``
down to the query's cursor, with ``t`` (Reddit's time filter) just wide enough to reach it. For each new post
that mentions a brand, its comments are fetched once.

A 401, on the token or on any API call, means Reddit refuses the app's credentials: the run stops and the
source is marked ``needs_credentials``. An app-only token lasts an hour (``expires_in: 3600`` in the answers
public clients record), longer than a crawl runs (``scheduler.crawl_timeout``, 30 minutes by default), so the
token is fetched once per run and a 401 is not taken for one that expired.

These are authenticated calls to Reddit's official API, to which robots.txt does not apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote, urlencode

from scrapy.http import FormRequest, Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from w3lib.http import basic_auth_header

from crawlers.platforms.base import CredentialsRejected, ShapeError
from crawlers.platforms.reddit import Reddit, read_token
from crawlers.settings import STAT_SHAPE_ERRORS
from crawlers.sources import RedditSource
from crawlers.spiders.base import guarded
from crawlers.spiders.platform import PlatformSpider, thread_context

if TYPE_CHECKING:
    from twisted.python.failure import Failure

#: Reddit's search time filters (``t``) and how far back each reaches, narrowest first.
TIME_WINDOWS: tuple[tuple[str, timedelta], ...] = (
    ("hour", timedelta(hours=1)),
    ("day", timedelta(days=1)),
    ("week", timedelta(days=7)),
    ("month", timedelta(days=28)),
    ("year", timedelta(days=365)),
)
#: Posts per search page: the API's maximum.
PAGE_SIZE = 100


def time_window(span: timedelta) -> str:
    """The narrowest ``t`` that still reaches ``span`` back: a narrower filter lets Reddit search less."""
    for name, reach in TIME_WINDOWS:
        if span <= reach:
            return name
    return "all"


class RedditSpider(PlatformSpider):
    """One search per word (per word within ``subreddits``), then the comments of new matching posts."""

    source_type = RedditSource
    source: RedditSource
    parser = Reddit()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._token: str | None = None
        self._comments_requested: set[str] = set()

    # -- token ----------------------------------------------------------------------------------------------
    def first_requests(self) -> Iterable[Request]:
        client_id, client_secret = self.source.client_id, self.source.client_secret
        assert client_id is not None and client_secret is not None  # missing_credentials() ran before
        auth = basic_auth_header(client_id.get_secret_value(), client_secret.get_secret_value())
        yield FormRequest(
            self.source.token_url(),
            formdata={"grant_type": "client_credentials"},
            headers={"Authorization": auth},
            callback=self.parse_token,
            errback=self.on_error,
            meta={"dont_obey_robotstxt": True},  # an official authenticated API: robots.txt does not apply
            dont_filter=True,
        )

    def parse_token(self, response: Response) -> list[Request]:
        """Keep the token and start the searches.

        Not :func:`guarded`: the :class:`CloseSpider` of refused credentials must reach Scrapy. A token answer
        of unknown shape is counted but never saved as a sample, since it may hold a secret.
        """
        try:
            self._token = read_token(response.body)
        except CredentialsRejected as exc:
            self.refused(exc.reason)
        except ShapeError as exc:
            self.crawler.stats.inc_value(STAT_SHAPE_ERRORS)
            self.parse_error("token answer", f"unrecognised structure: {exc.reason}", response.url)
            return []
        path = f"/r/{'+'.join(self.source.subreddits)}/search" if self.source.subreddits else "/search"
        scope = f"r/{'+'.join(self.source.subreddits)}" if self.source.subreddits else "q"
        return [self.search(f"{scope}:{word}", path, word, None, 0) for word in self.search_words()]

    def on_error(self, failure: Failure) -> None:
        """A 401 anywhere means the credentials are refused: stop at once rather than fail every request."""
        exc = failure.value
        if isinstance(exc, HttpError) and exc.response.status == 401:
            self.refused(f"HTTP 401 from {exc.response.url.split('?', 1)[0]}")
        super().on_error(failure)

    def refused(self, reason: str) -> NoReturn:
        """Mark the source as needing credentials and stop the run (raised outside any guarded callback)."""
        self.stop_for_credentials(f"Reddit refused the app's client_id/client_secret ({reason})")

    def api_request(self, url: str, callback: Any, **kwargs: Any) -> Request:
        """A request to the API, with the run's token."""
        return self.request(
            url,
            callback,
            headers={"Authorization": f"bearer {self._token}"},
            meta={"dont_obey_robotstxt": True},  # an official authenticated API: robots.txt does not apply
            dont_filter=True,
            **kwargs,
        )

    # -- search ---------------------------------------------------------------------------------------------
    def search(self, key: str, path: str, word: str, after: str | None, page: int) -> Request:
        cursor = self.cursor(key)
        params = {
            "q": word,
            "sort": "new",
            "t": time_window(self.started - cursor.cutoff(self.started, self.source.backfill)),
            "limit": PAGE_SIZE,
            "type": "link",
            "raw_json": 1,
        }
        if self.source.subreddits:
            params["restrict_sr"] = 1
        if after:
            params["after"] = after
        return self.api_request(
            f"{self.source.api_base()}{path}?{urlencode(params)}",
            self.parse_search,
            cb_kwargs={"key": key, "path": path, "word": word, "page": page},
        )

    @guarded("search page")
    def parse_search(self, response: Response, key: str, path: str, word: str, page: int) -> Iterator[Any]:
        result = self.read(response, "search")
        if result is None:
            return
        cursor = self.cursor(key)
        kept, reached_old = self.keep_new(result.items, cursor)
        yield from kept
        if self.source.comments:
            wanted = {item.post_id: thread_context(item) for item in kept if self.mentions_brand(item)}
            for follow in result.follow:
                if follow["post"] in wanted and follow["article"] not in self._comments_requested:
                    self._comments_requested.add(follow["article"])
                    yield self.api_request(
                        f"{self.source.api_base()}/comments/{quote(follow['article'])}?sort=new&raw_json=1",
                        self.parse_comments,
                        cb_kwargs={"context": wanted[follow["post"]]},
                    )
        if result.next is None or reached_old or not result.items:
            self.finish(cursor)
        elif self.page_budget_left(page + 1, cursor):
            yield self.search(key, path, word, result.next["after"], page + 1)

    # -- comments -------------------------------------------------------------------------------------------
    @guarded("comments page")
    def parse_comments(self, response: Response, context: str) -> Iterator[Any]:
        # Every comment of a new post that mentions a brand is passed on, with the post as its context for
        # brand matching. They do not move the search cursor, which follows posts.
        result = self.read(response, "comments")
        if result is not None:
            for item in result.items:
                item.context = context
                yield item
