"""YouTube: channel feeds for new videos, then each video's comments from the Data API, newest first.

Per run: each channel's public feed (robots.txt applies) lists its latest videos; those published within
``video_max_age``, and every ``video_ids`` entry, have their comment threads read with ``order=time`` down to
the video's cursor (one quota unit a page).

The API key travels in the ``X-Goog-Api-Key`` header, which the Data API accepts like the ``key`` parameter:
Scrapy and our own log lines print request URLs, so a key in the URL would end up in every crawl log.

Errors (not retried: 400 and 403 are not transient):

- a refused key (``keyInvalid``, ``forbidden``, ``accessNotConfigured``, ...) ends the run as
  ``needs_credentials``;
- ``quotaExceeded`` ends the run with finish reason ``quota_exceeded``: every further call would fail the
  same way until the daily quota resets (midnight Pacific time);
- ``commentsDisabled`` skips that video quietly: nothing is wrong with the source.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from scrapy.exceptions import CloseSpider
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError

from crawlers.platforms.youtube import YouTube, api_error
from crawlers.sources import YouTubeSource
from crawlers.spiders.base import guarded
from crawlers.spiders.platform import NEEDS_CREDENTIALS, PlatformSpider

if TYPE_CHECKING:
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

#: Request meta key marking Data API requests (their errors are read as API errors).
API_REQUEST = "yuqing_youtube_api"
#: The close reason of a run stopped because the day's quota is spent.
QUOTA_EXCEEDED = "quota_exceeded"
#: Comment threads per page: the API's maximum.
PAGE_SIZE = 100


class YouTubeSpider(PlatformSpider):
    """Channel feeds first, then one comment-thread query per followed video (a cursor per video)."""

    source_type = YouTubeSource
    source: YouTubeSource
    parser = YouTube()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._followed: set[str] = set()

    def first_requests(self) -> Iterable[Request]:
        for channel in self.source.channel_ids:
            yield self.request(
                f"{self.source.feed_base()}/feeds/videos.xml?{urlencode({'channel_id': channel})}",
                self.parse_feed,
                cb_kwargs={"channel": channel},
                dont_filter=True,
            )
        for video in self.source.video_ids:
            yield from self.follow(video)

    def follow(self, video: str) -> Iterator[Request]:
        """The first comments page of ``video``, once per run (a video may be listed and in a feed)."""
        if video not in self._followed:
            self._followed.add(video)
            yield self.comments(video, None, 0)

    def comments(self, video: str, token: str | None, page: int) -> Request:
        params: dict[str, Any] = {
            "part": "snippet,replies",
            "videoId": video,
            "maxResults": PAGE_SIZE,
            "order": "time",
            "textFormat": "plainText",
        }
        if token:
            params["pageToken"] = token
        api_key = self.source.api_key
        assert api_key is not None  # missing_credentials() ran before
        return self.request(
            f"{self.source.api_base()}/commentThreads?{urlencode(params)}",
            self.parse_comments,
            headers={"X-Goog-Api-Key": api_key.get_secret_value()},
            # An official authenticated API: robots.txt does not apply.
            meta={"dont_obey_robotstxt": True, API_REQUEST: True},
            cb_kwargs={"video": video, "page": page},
            dont_filter=True,
        )

    @guarded("channel feed")
    def parse_feed(self, response: Response, channel: str) -> Iterator[Any]:
        result = self.read(response, "feed")
        if result is None:
            return
        if self.source.store_videos:
            cursor = self.cursor(f"channel:{channel}")
            kept, _ = self.keep_new(result.items, cursor)
            yield from kept
            self.finish(cursor)
        horizon = self.started - self.source.video_max_age
        for video in result.follow:
            published = video["published_at"]
            if published is None or published >= horizon:
                yield from self.follow(video["video_id"])

    @guarded("comments page")
    def parse_comments(self, response: Response, video: str, page: int) -> Iterator[Any]:
        result = self.read(response, "comments")
        if result is None:
            return
        cursor = self.cursor(f"video:{video}")
        kept, reached_old = self.keep_new(result.items, cursor)
        yield from kept
        if result.next is None or reached_old or not result.items:
            self.finish(cursor)
        elif self.page_budget_left(page + 1, cursor):
            yield self.comments(video, result.next["pageToken"], page + 1)

    def on_error(self, failure: Failure) -> None:
        """Read Data API errors: a refused key or a spent quota stops the run, disabled comments skip a video."""
        exc = failure.value
        request = getattr(failure, "request", None)
        if isinstance(exc, HttpError) and request is not None and request.meta.get(API_REQUEST):
            error = api_error(exc.response.body)
            if error is not None and error.credentials:
                self.needs_credentials(f"the YouTube Data API refused the key ({error})")
                raise CloseSpider(NEEDS_CREDENTIALS)
            if error is not None and error.comments_disabled:
                video = request.cb_kwargs.get("video")
                logger.info("source %s: comments are disabled on video %s; skipped", self.source.name, video)
                return
            if error is not None and error.quota:
                super().on_error(failure)
                logger.error(
                    "source %s: the YouTube Data API quota is spent (%s); the run stops here and resumes after "
                    "the daily reset (midnight Pacific time)",
                    self.source.name,
                    error,
                )
                raise CloseSpider(QUOTA_EXCEEDED)
        super().on_error(failure)
