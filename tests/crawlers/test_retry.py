"""Retries with backoff and Retry-After: real crawls of a local server, and the middleware's rules in detail."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from scrapy.http import Request, Response

from crawlers.middlewares.retry import BackoffRetryMiddleware, parse_retry_after

FEED = "application/rss+xml"


def _source(name: str, url: str) -> str:
    return f"""
        - name: {name}
          type: feed
          urls: ["{url}"]
        """


@pytest.fixture(scope="module")
def runs(server_factory, config_writer, crawl_many, fixture_file, tmp_path_factory) -> dict[str, Any]:
    """One real crawl per retry scenario, run concurrently; each test checks one of them.

    Backoff in these configs: 0.05 s doubling, capped at 0.2 s; two retries; Retry-After up to 5 s.
    """
    feed = fixture_file("english_rss2.xml").replace("XianDa", "Acme")  # nothing to store: no index needed
    scenarios = {
        "recovers": [
            {"status": 500, "body": "oops", "content_type": "text/plain"},
            {"status": 502, "body": "bad gateway", "content_type": "text/plain"},
            {"body": feed, "content_type": FEED},
        ],
        "retry-after": [
            {"status": 429, "body": "slow down", "content_type": "text/plain", "headers": {"Retry-After": "1"}},
            {"body": feed, "content_type": FEED},
        ],
        "gives-up": [{"status": 503, "body": "down", "content_type": "text/plain"}],
        "retry-after-too-long": [
            {"status": 503, "body": "maintenance", "content_type": "text/plain", "headers": {"Retry-After": "3600"}},
            {"body": feed, "content_type": FEED},
        ],
    }
    servers = {}
    jobs = []
    for name, replies in scenarios.items():
        srv = server_factory()
        srv.route("/feed.xml", *(srv.Reply(**r) for r in replies))
        path, _ = config_writer(tmp_path_factory.mktemp(name), _source(name, srv.url("/feed.xml")))
        servers[name] = srv
        jobs.append((path, name))
    results = crawl_many(jobs)
    return {name: (servers[name], result) for name, result in zip(servers, results, strict=True)}


def _feed_hits(srv: Any) -> list[float]:
    return [h.at for h in srv.hits if h.path == "/feed.xml"]


def test_server_errors_are_retried_with_growing_waits_until_success(runs):
    srv, result = runs["recovers"]
    hits = _feed_hits(srv)
    assert len(hits) == 3
    # Equal jitter: the first wait is 0.025–0.05 s, the second 0.05–0.1 s (never immediately).
    assert hits[1] - hits[0] >= 0.025
    assert hits[2] - hits[1] >= 0.05
    report = result.report
    assert report["status"] == "ok"  # the retries overcame the errors
    assert report["pages"] == 1
    assert report["http_errors"] == {"500": 1, "502": 1}


def test_retry_after_is_honoured(runs):
    srv, result = runs["retry-after"]
    hits = _feed_hits(srv)
    assert len(hits) == 2
    assert hits[1] - hits[0] >= 1.0
    assert result.report["status"] == "ok"
    assert result.report["http_errors"] == {"429": 1}


def test_giving_up_after_the_retries_fails_a_run_that_fetched_nothing(runs):
    srv, result = runs["gives-up"]
    assert len(_feed_hits(srv)) == 3  # one try and two retries
    report = result.report
    assert report["status"] == "failed"
    assert report["http_errors"] == {"503": 3}
    assert "nothing fetched (HTTP 503 ×3)" in report["error"]
    assert "Gave up retrying" in result.log


def test_a_retry_after_beyond_the_maximum_gives_up_at_once(runs):
    srv, result = runs["retry-after-too-long"]
    assert len(_feed_hits(srv)) == 1
    report = result.report
    assert report["status"] == "failed"
    assert "Retry-After" in report["error"]
    assert "longer than retry_after_max" in result.log


# -- Retry-After values -------------------------------------------------------------------------------------
NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (b"120", 120.0),
        (" 7 ", 7.0),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        (format_datetime(NOW - timedelta(seconds=90), usegmt=True), 0.0),  # in the past: retry now
        ("Fri, 01 Mar 2024 12:00:30", 30.0),  # a zone-less date is GMT
        ("soon", None),
        ("1.5", 1.5),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value, seconds):
    assert parse_retry_after(value, now=NOW) == seconds


# -- the middleware without a reactor ---------------------------------------------------------------------
@pytest.fixture
def middleware(parse_yaml_config, crawler_for, spider_for):
    crawl_yaml = """\
crawl:
  retry_times: 3
  retry_backoff_base: 0.01
  retry_backoff_max: 0.03
  retry_after_max: 0.5
"""
    config = parse_yaml_config(_source("m", "http://127.0.0.1:9/feed.xml"), crawl_yaml)
    crawler = crawler_for(config, "m")
    crawler.spider = crawler.spidercls.from_crawler(crawler)
    mw = BackoffRetryMiddleware.from_crawler(crawler)
    mw._rng = random.Random(7)
    return mw


def _response(request: Request, status: int, **headers: str) -> Response:
    return Response(request.url, status=status, headers=headers, request=request)


def test_backoff_doubles_up_to_the_cap_with_jitter(middleware):
    waits = [middleware.backoff(Request("http://h/x", meta={"retry_times": n})) for n in range(5)]
    ceilings = [0.01, 0.02, 0.03, 0.03, 0.03]
    for wait, ceiling in zip(waits, ceilings, strict=True):
        assert ceiling / 2 <= wait <= ceiling


def test_retryable_status_returns_a_retry_request_and_counts_the_status(middleware):
    request = Request("http://h/x")
    out = asyncio.run(middleware.process_response(request, _response(request, 503)))
    assert isinstance(out, Request)
    assert out.meta["retry_times"] == 1
    assert out.dont_filter
    stats = middleware.stats
    assert stats.get_value("yuqing/http_status/503") == 1
    assert stats.get_value("retry/count") == 1
    assert stats.get_value("yuqing/retry/waited_ms") >= 5


def test_retries_stop_at_retry_times(middleware):
    request = Request("http://h/x", meta={"retry_times": 3})
    response = _response(request, 500)
    assert asyncio.run(middleware.process_response(request, response)) is response
    assert middleware.stats.get_value("retry/max_reached") == 1


def test_client_errors_are_counted_but_not_retried(middleware):
    request = Request("http://h/x")
    response = _response(request, 404)
    assert asyncio.run(middleware.process_response(request, response)) is response
    assert middleware.stats.get_value("yuqing/http_status/404") == 1
    assert middleware.stats.get_value("retry/count") is None


def test_dont_retry_and_robots_requests_are_left_alone(middleware):
    request = Request("http://h/x", meta={"dont_retry": True})
    response = _response(request, 500)
    assert asyncio.run(middleware.process_response(request, response)) is response
    robots = Request("http://h/robots.txt", meta={"yuqing_robots_txt": True})
    asyncio.run(middleware.process_response(robots, _response(robots, 404)))
    assert middleware.stats.get_value("yuqing/http_status/404") is None


def test_retry_after_pauses_every_request_to_the_host(middleware):
    async def scenario() -> tuple[float, float, float, float]:
        loop = asyncio.get_running_loop()
        first = Request("http://slow.test/a")
        asked_at = loop.time()
        answered = asyncio.ensure_future(
            middleware.process_response(first, _response(first, 429, **{"Retry-After": "0.3"}))
        )
        await asyncio.sleep(0.01)
        # Issued while the host's pause runs: another request to it waits, one to another host does not.
        await middleware.process_request(Request("http://slow.test/b"))
        same_host_at = loop.time()
        free_started = loop.time()
        await middleware.process_request(Request("http://fast.test/c"))
        other_host = loop.time() - free_started
        assert isinstance(await answered, Request)
        return asked_at, loop.time(), same_host_at, other_host

    asked_at, retried_at, same_host_at, other_host = asyncio.run(scenario())
    assert retried_at - asked_at >= 0.3
    assert same_host_at - asked_at >= 0.3
    assert other_host < 0.05


def test_network_errors_are_retried_and_others_are_not(middleware):
    from twisted.internet.error import ConnectionRefusedError as Refused

    request = Request("http://h/x")
    assert isinstance(asyncio.run(middleware.process_exception(request, Refused())), Request)
    assert asyncio.run(middleware.process_exception(request, ValueError("bug"))) is None
