"""Real crawls of a local server answering at Trustpilot's review-page path: paging to the last page, reviews
that count for the source's brand without naming it, an incremental second run, 429 with Retry-After, 5xx
then success, robots.txt, and a bot check instead of the page."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawlers.state import CursorStore
from foundation.db import Database

NOW = datetime.now(UTC).replace(microsecond=0)
DOMAIN = "xianda.example"
PAGE_PATH = f"/review/{DOMAIN}"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "trustpilot"


def reply(body: str, status: int = 200, content_type: str = "text/html; charset=utf-8", **headers: str) -> Any:
    from tests.crawlers.local_server import Reply

    return Reply(status=status, body=body, content_type=content_type, headers=headers)


def source(server: Any, name: str = "tp") -> str:
    return f"""
- name: {name}
  type: trustpilot
  brand: xianda
  base_url: {server.base}
  crawl: {{download_delay: 0}}
  domains: [{DOMAIN}]
"""


class ReviewPages:
    """Answers like trustpilot.com/review/DOMAIN?page=N&sort=recency: newest first, 4 reviews a page."""

    PER_PAGE = 4

    def __init__(self, reviews: list[tuple[str, str, datetime]]):
        self.reviews = reviews  # (id, text, published), newest first

    def __call__(self, hit: Any) -> Any:
        number = int(hit.query["page"])
        chunk = self.reviews[(number - 1) * self.PER_PAGE : number * self.PER_PAGE]
        props = {
            "domain": DOMAIN,
            "businessUnit": {"displayName": "XianDa Mobile", "identifyingName": DOMAIN},
            "reviews": [
                {
                    "id": rid,
                    "rating": 4,
                    "title": "Review",
                    "text": text,
                    "language": "en",
                    "dates": {"publishedDate": at.isoformat().replace("+00:00", ".000Z")},
                    "consumer": {"displayName": "Buyer", "countryCode": "GB"},
                    "labels": {"verification": {"isVerified": True}},
                }
                for rid, text, at in chunk
            ],
            "filters": {
                "pagination": {
                    "currentPage": number,
                    "perPage": self.PER_PAGE,
                    "totalCount": len(self.reviews),
                    "totalPages": -(-len(self.reviews) // self.PER_PAGE),
                }
            },
        }
        data = json.dumps({"props": {"pageProps": props}})
        script = f'<script id="__NEXT_DATA__" type="application/json">{data}</script>'
        return reply(f'<html><body><div id="__next"></div>{script}</body></html>')


def allow_robots(server: Any) -> None:
    server.route("/robots.txt", server.Reply(status=404, body="", content_type="text/plain"))


def test_pages_to_the_last_then_an_incremental_run(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    allow_robots(server)
    reviews = [(f"r{i}", f"Good phone, review {i}", NOW - timedelta(hours=i + 1)) for i in range(10)]
    reviews[4] = ("r4", "The shop on 先达路 was closed", reviews[4][2])  # an exclusion word of the brand
    pages = ReviewPages(reviews)
    server.handle(PAGE_PATH, pages)
    path, _ = crawl_config(source(server))

    first = crawl(path, "tp").report
    assert first["status"] == "ok", first
    # Reviews do not name the brand: brand: xianda makes each one its mention, unless an exclusion word occurs.
    assert (first["pages"], first["created"], first["dropped"]) == (3, 9, {"no_brand": 1})
    hits = server.hits_to(PAGE_PATH)
    assert [h.query for h in hits] == [{"page": str(n), "sort": "recency", "languages": "all"} for n in (1, 2, 3)]

    pages.reviews.insert(0, ("r-new", "Still great", NOW - timedelta(minutes=5)))
    second = crawl(path, "tp").report
    assert [h.query["page"] for h in server.hits_to(PAGE_PATH)[3:]] == ["1"]  # page 1 reaches reviews seen
    assert (second["created"], second["unchanged"]) == (1, 1), second  # r0 re-read at the overlap's edge
    cursors = CursorStore(Database(f"sqlite:///{tmp_path / 'yuqing.sqlite3'}")).load("tp")
    assert cursors[f"domain:{DOMAIN}"].high_water == NOW - timedelta(minutes=5)


@pytest.fixture(scope="module")
def runs(crawl_scenarios) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The failure scenarios, crawled concurrently, each against its own server."""
    from tests.crawlers.conftest import Scenario

    pages = ReviewPages([("a1", "Nice", NOW - timedelta(hours=1))])
    calls: list[float] = []

    def flaky(hit: Any) -> Any:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return reply("Too many requests", 429, "text/plain", **{"Retry-After": "1"})
        if len(calls) == 2:
            return reply("<html>Bad gateway</html>", 503)
        return pages(hit)

    bot_check = (FIXTURES / "bot_check.html").read_text()
    scenarios = {
        "flaky": Scenario({PAGE_PATH: flaky}, disallow=""),
        "robots": Scenario({PAGE_PATH: pages}, disallow="Disallow: /review/"),
        "bot-check": Scenario({PAGE_PATH: lambda hit: reply(bot_check)}, disallow=""),
    }
    return {name: (*run, calls) for name, run in crawl_scenarios(scenarios, source).items()}


def test_429_retry_after_is_obeyed_and_5xx_retried(runs) -> None:  # type: ignore[no-untyped-def]
    _, _, result, calls = runs["flaky"]
    report = result.report
    assert report["status"] == "ok" and report["created"] == 1, report
    assert report["http_errors"] == {"429": 1, "503": 1}
    assert calls[1] - calls[0] >= 1.0  # waited out Retry-After


def test_robots_disallow_means_nothing_is_fetched(runs) -> None:  # type: ignore[no-untyped-def]
    srv, _, result, _ = runs["robots"]
    assert result.report["status"] == "failed" and result.report["robots_blocked"] == 1
    assert srv.hits_to(PAGE_PATH) == []


def test_a_bot_check_is_a_shape_error_with_a_sample(runs) -> None:  # type: ignore[no-untyped-def]
    _, folder, result, _ = runs["bot-check"]
    report = result.report
    assert report["status"] == "degraded" and report["shape_errors"] == 1 and report["created"] == 0
    [sample] = report["samples"]
    assert Path(sample).parent == folder / "samples" / "bot-check" and Path(sample).suffix == ".html"
    assert "Just a moment..." in Path(sample).read_text()
