"""Decode every text page with the encoding it is really in (see :mod:`crawlers.encoding`).

Scrapy trusts the ``Content-Type`` charset and ``<meta>`` and, failing those, falls back to codecs that decode
anything (cp1252): a GBK page with a wrong or missing charset comes out as garbage. This middleware looks at the
body first and re-labels the response when the content says otherwise; a page nothing can decode is counted in
``yuqing/decode_errors`` and ``yuqing/parse_errors`` (so the run shows as degraded, never silently ok).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from crawlers.encoding import detect_encoding
from crawlers.settings import STAT_DECODE_ERRORS, STAT_PARSE_ERRORS, redact_url

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class EncodingMiddleware:
    """Sets the encoding of text responses from their BOM, header, ``<meta>`` and content."""

    def __init__(self, stats: StatsCollector):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        # JSON answers are UTF-8 by RFC 8259 and parsed from bytes; only pages read as text are looked at.
        if not isinstance(response, TextResponse) or not response.body:
            return response
        content_type = response.headers.get(b"Content-Type")
        header = content_type.decode("latin-1") if content_type else None
        if header and "json" in header.lower():
            return response
        decision = detect_encoding(response.body, header, html=not isinstance(response, XmlResponse))
        if decision.encoding is None:
            self.stats.inc_value(STAT_DECODE_ERRORS)
            self.stats.inc_value(STAT_PARSE_ERRORS)
            logger.error("page %s cannot be decoded in any known encoding", redact_url(response.url))
            return response
        if decision.encoding != response.encoding.lower().replace("_", "-") and decision.how != "ascii":
            logger.debug(
                "page %s is %s (%s), not %s as served",
                redact_url(response.url),
                decision.encoding,
                decision.how,
                response.encoding,
            )
            kind = type(response) if isinstance(response, HtmlResponse | XmlResponse) else TextResponse
            return response.replace(cls=kind, encoding=decision.encoding)
        return response
