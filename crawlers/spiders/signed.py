"""The base of spiders for platforms that sign requests and want a logged-in session
(:class:`crawlers.sources.signed.SignedSource`).

**Signing.** With ``signing_url`` set, every platform request goes first to the operator's signing service::

    POST {signing_url}
    {"platform": "xiaohongshu", "method": "POST", "url": "https://edith…/search/notes", "body": "{…}",
     "cookies": {"a1": "…"}}

which answers ``{"headers": {"X-s": "…", "X-t": "…"}, "query": {"a_bogus": "…"}}`` (either part optional):
the headers are added to the request and the query parameters appended to its URL. Only the cookies the
platform's signature needs (``sign_cookies``) are sent to the service. A service that is unreachable or answers
anything else stops the run as ``needs_credentials``, naming the service: the run cannot go on unsigned.

**Cookies.** The operator's Cookie header is sent as given (``dont_merge_cookies``: Scrapy's cookie jar never
holds or changes it), and never logged.

**Refusals.** The platform's answer decides how the run ends, at once and without retries (asking again is what
gets an account flagged):

- a captcha, a rate block or a flagged account (HTTP 461/471 with ``Verifytype``; code 300011; mtop
  ``FAIL_SYS_USER_VALIDATE`` …): the run ends as ``blocked`` with the platform's own message. The scheduler then
  backs off (:mod:`crawlers.backoff`).
- a login expired or missing, or a request refused as unsigned (HTTP 401/406; code -100; mtop token expired):
  the run ends as ``needs_credentials`` with the platform's message.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any, ClassVar, NoReturn
from urllib.parse import urlencode

from scrapy.exceptions import CloseSpider
from scrapy.http import Request, Response

from crawlers.items import MentionItem
from crawlers.platforms.base import Blocked, CredentialsRejected, Page
from crawlers.settings import STAT_BLOCKED, redact_url
from crawlers.sources.signed import SignedSource
from crawlers.spiders.base import Callback, guarded
from crawlers.spiders.platform import PlatformSpider
from crawlers.state import Cursor

logger = logging.getLogger(__name__)

BLOCKED = "blocked"  # the close reason of a spider stopped by a captcha or a block
#: HTTP statuses that are answers about the session rather than failures to retry.
CAPTCHA_STATUSES = (461, 471)
LOGIN_STATUSES = (401, 406)
REFUSAL_STATUSES = (*CAPTCHA_STATUSES, *LOGIN_STATUSES, 403)


class SignedSpider(PlatformSpider):
    """Extension point: build platform requests with :meth:`api` (signed when the source has a signing service),
    read answers with :meth:`read_signed`, which handles refusals by status and by body."""

    source_type: ClassVar[type[SignedSource]] = SignedSource
    source: SignedSource

    # -- requests ----------------------------------------------------------------------------------------------
    def api(
        self,
        url: str,
        callback: Callback,
        *,
        method: str = "GET",
        body: str | None = None,
        headers: dict[str, str] | None = None,
        key: str | None = None,
        cb_kwargs: dict[str, Any] | None = None,
    ) -> Request:
        """A platform request, signed first when the source has a ``signing_url``."""
        spec = {
            "url": url,
            "method": method,
            "body": body,
            "headers": headers or {},
            "callback": callback,
            "key": key,
            "cb_kwargs": cb_kwargs or {},
        }
        if self.source.signing_url is None:
            return self._platform_request(spec, {}, {})
        pairs = self.source.cookie_pairs()
        payload = {
            "platform": self.platform,
            "method": method,
            "url": url,
            "body": body or "",
            "cookies": {name: pairs[name] for name in self.source.sign_cookies if name in pairs},
        }
        return Request(
            self.source.signing_url,
            method="POST",
            body=json.dumps(payload, ensure_ascii=False),
            headers={"Content-Type": "application/json"},
            callback=self.signed,
            errback=self.signing_failed,
            cb_kwargs={"spec": spec},
            # The operator's own service: robots.txt is not for it, and every answer is read here.
            meta={"dont_obey_robotstxt": True, "handle_httpstatus_all": True, "dont_merge_cookies": True},
            dont_filter=True,
        )

    def _platform_request(self, spec: dict[str, Any], headers: dict[str, str], query: dict[str, str]) -> Request:
        url = spec["url"]
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        all_headers = {"Accept": "application/json, text/plain, */*", **spec["headers"], **headers}
        cookie = self.source.cookie_header()
        if cookie:
            all_headers["Cookie"] = cookie
        if spec["body"] is not None:
            all_headers.setdefault("Content-Type", "application/json;charset=UTF-8")
        return self.request(
            url,
            spec["callback"],
            key=spec["key"],
            method=spec["method"],
            body=spec["body"],
            headers=all_headers,
            cb_kwargs=spec["cb_kwargs"],
            meta={"dont_merge_cookies": True, "dont_redirect": True, "handle_httpstatus_list": list(REFUSAL_STATUSES)},
            dont_filter=True,
        )

    @guarded("signing answer")
    def signed(self, response: Response, spec: dict[str, Any]) -> Any:
        where = redact_url(response.url)
        if response.status != 200:
            self.stop_for_credentials(f"the signing service at {where} answered HTTP {response.status}")
        try:
            answer = json.loads(response.body)
        except ValueError:
            self.stop_for_credentials(f"the signing service at {where} did not answer JSON")
        answer = answer if isinstance(answer, dict) else {}
        headers, query = answer.get("headers") or {}, answer.get("query") or {}
        if not isinstance(headers, dict) or not isinstance(query, dict) or not (headers or query):
            self.stop_for_credentials(f"the signing service at {where} answered no headers or query to add")
        yield self._platform_request(
            spec, {str(k): str(v) for k, v in headers.items()}, {str(k): str(v) for k, v in query.items()}
        )

    def signing_failed(self, failure: Any) -> None:
        request = getattr(failure, "request", None)
        where = redact_url(request.url) if request is not None else "?"
        self.on_error(failure)
        self.needs_credentials(f"the signing service at {where} cannot be reached: {failure.value}")
        raise CloseSpider("needs_credentials")

    # -- refreshing -----------------------------------------------------------------------------------------------
    def cutoff(self, cursor: Cursor) -> datetime:
        """As the cursor says, but never later than ``refresh`` ago: recent posts are read again each run, so
        that their counts and reach are current (see :class:`~crawlers.sources.signed.SignedSource`)."""
        base = super().cutoff(cursor)
        if self.source.refresh is None:
            return base
        return min(base, self.started - self.source.refresh)

    def is_new(self, item: MentionItem, cursor: Cursor) -> bool:
        """Whether ``item`` is newer than what earlier runs read (not a post read again to refresh its counts):
        only new posts get their comments fetched."""
        return item.published_at is None or item.published_at >= super().cutoff(cursor)

    # -- reading -------------------------------------------------------------------------------------------------
    def read_signed(self, response: Response, kind: str) -> Page | None:
        """The parsed answer; refusals by HTTP status end the run (see the module doc) before the body is read."""
        status = response.status
        if status in CAPTCHA_STATUSES:
            verify = (response.headers.get(b"Verifytype") or b"?").decode("latin-1")
            self.stop_blocked(f"{self.platform} asked for a captcha (HTTP {status}, Verifytype {verify})")
        if status in LOGIN_STATUSES:
            why = "unsigned or wrongly signed request" if status == 406 else "login required"
            self.stop_for_credentials(f"{self.platform} answered HTTP {status} ({why}): {_snippet(response)}")
        return self.read(response, kind)

    def credentials_rejected(self, kind: str, response: Response, exc: CredentialsRejected) -> None:
        if isinstance(exc, Blocked):
            self.stop_blocked(f"{self.platform}: {exc.reason}")
        self.stop_for_credentials(f"{self.platform} refused the session: {exc.reason}")

    def stop_blocked(self, reason: str) -> NoReturn:
        """End the run as ``blocked``: every further request would meet the same captcha or block, and would
        make the platform surer that this is a bot."""
        self.crawler.stats.set_value(STAT_BLOCKED, reason)
        logger.error("source %s is blocked: %s", self.source.name, reason)
        raise CloseSpider(BLOCKED)


def _snippet(response: Response) -> str:
    return response.body[:200].decode("utf-8", "replace").replace("\n", " ") or "(empty body)"
