"""robots.txt per RFC 9309: real crawls of a local server for each outcome, and the policy rules in detail."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, TextResponse

from crawlers.middlewares.robots import RobotsBlocked, RobotsPolicy, StrictRobotsTxtMiddleware
from crawlers.settings import robots_user_agent

# A crawler obeys the one group that matches it best (RFC 9309 §2.2.1): here "*" for us, not OtherBot's.
ROBOTS_RULES = """\
User-agent: OtherBot
Disallow: /

User-agent: *
Disallow: /private/
"""

SPECIFIC_RULES = """\
User-agent: *
Disallow: /private/

User-agent: YuqingBot
Disallow: /members/
"""


def _source(name: str, *urls: str) -> str:
    listed = ", ".join(f'"{u}"' for u in urls)
    return f"""
        - name: {name}
          type: feed
          urls: [{listed}]
          backfill: 36500d  # the fixture's entries date from 2024
        """


@pytest.fixture(scope="module")
def runs(server_factory, config_writer, crawl_many, fixture_file, tmp_path_factory) -> dict[str, Any]:
    """One real crawl per robots.txt outcome, run concurrently; each test checks one of them."""
    # Only the first scenario stores a mention; the others need no index (and so load no segmenter).
    feed = fixture_file("english_rss2.xml")
    no_brand = feed.replace("XianDa", "Acme")
    scenarios: dict[str, Any] = {}
    jobs = []
    for name, robots, paths in [
        ("rules", ROBOTS_RULES, ["/feed.xml", "/private/feed.xml"]),
        ("server-error", "503", ["/feed.xml"]),
        ("missing", None, ["/feed.xml"]),
        ("unreachable", "drop", ["/feed.xml"]),
    ]:
        srv = server_factory()
        if robots == "503":
            srv.route("/robots.txt", srv.Reply(status=503, body="busy", content_type="text/plain"))
        elif robots == "drop":
            srv.route("/robots.txt", srv.Reply(drop=True))
        elif robots is not None:
            srv.route("/robots.txt", srv.Reply(body=robots, content_type="text/plain"))
        for path in paths:
            srv.route(path, srv.Reply(body=feed if name == "rules" else no_brand, content_type="application/rss+xml"))
        config_path, _ = config_writer(tmp_path_factory.mktemp(name), _source(name, *(srv.url(p) for p in paths)))
        scenarios[name] = srv
        jobs.append((config_path, name))
    results = crawl_many(jobs)
    return {name: (scenarios[name], result) for name, result in zip(scenarios, results, strict=True)}


def test_disallowed_paths_are_not_fetched_and_are_counted(runs):
    srv, result = runs["rules"]
    report = result.report
    assert srv.paths()[0] == "/robots.txt"
    assert srv.count("/robots.txt") == 1
    assert srv.count("/feed.xml") == 1
    assert srv.count("/private/feed.xml") == 0
    assert report["robots_blocked"] == 1
    assert report["status"] == "ok"  # refusals by robots.txt are by design, not a failure of the source
    assert report["created"] == 1
    assert "robots.txt forbids" in result.log


def test_robots_txt_answering_5xx_disallows_everything(runs):
    srv, result = runs["server-error"]
    report = result.report
    assert srv.count("/robots.txt") == 3  # the first try and two retries (retry_times: 2)
    assert srv.count("/feed.xml") == 0
    assert report["robots_blocked"] == 1
    assert report["status"] == "failed"
    assert "robots.txt disallowed every request" in report["error"]
    assert report["http_errors"] == {}  # robots.txt answers are not page errors
    assert "RFC 9309" in result.log


def test_missing_robots_txt_allows_the_crawl(runs):
    srv, result = runs["missing"]
    assert srv.paths() == ["/robots.txt", "/feed.xml"]
    assert result.report["robots_blocked"] == 0
    assert result.report["status"] == "ok"
    assert result.report["pages"] == 1
    assert result.report["dropped"] == {"no_brand": 2}
    assert result.report["http_errors"] == {}


def test_unreachable_robots_txt_disallows_everything(runs):
    srv, result = runs["unreachable"]
    assert srv.count("/robots.txt") == 3  # retried like any request before giving up
    assert srv.count("/feed.xml") == 0
    assert result.report["status"] == "failed"
    assert result.report["robots_blocked"] == 1


# -- the policy rules ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (200, True),
        (204, True),  # an empty robots.txt has no rules
        (401, True),
        (403, True),
        (404, True),
        (410, True),
        (429, False),
        (500, False),
        (503, False),
        (301, False),  # a redirect left over after five hops
    ],
)
def test_policy_by_status(status, allowed):
    policy = RobotsPolicy.from_response("http://h", status, b"")
    assert policy.allows("http://h/any/page", "YuqingBot") is allowed


def test_policy_parses_rules_with_a_bom_and_obeys_only_the_best_matching_group():
    body = b"\xef\xbb\xbf" + SPECIFIC_RULES.encode()
    policy = RobotsPolicy.from_response("http://h", 200, body)
    assert policy.allows("http://h/feed.xml", "YuqingBot")
    assert not policy.allows("http://h/members/x", "YuqingBot")
    # Our own group replaces the "*" group entirely; other crawlers get the "*" rules.
    assert policy.allows("http://h/private/x", "YuqingBot")
    assert not policy.allows("http://h/private/x", "OtherBot")
    assert policy.allows("http://h/members/x", "OtherBot")


def test_robots_user_agent_is_the_product_token():
    assert robots_user_agent("YuqingBot/0.1 (brand monitoring; +https://example.org)") == "YuqingBot"
    assert robots_user_agent("   ") == "*"


# -- the middleware without a reactor ---------------------------------------------------------------------
class FakeEngine:
    """Answers robots.txt requests like the engine would, counting them."""

    def __init__(self, answer: Any):
        self.answer = answer
        self.requests: list[Request] = []

    async def download_async(self, request: Request) -> TextResponse:
        self.requests.append(request)
        await asyncio.sleep(0.01)  # let concurrent requests pile up behind the first fetch
        if isinstance(self.answer, Exception):
            raise self.answer
        status, body = self.answer
        return TextResponse(request.url, status=status, body=body.encode(), request=request)


@pytest.fixture
def middleware(parse_yaml_config, crawler_for):
    def make(answer: Any) -> tuple[StrictRobotsTxtMiddleware, FakeEngine, Any]:
        config = parse_yaml_config(_source("m", "http://127.0.0.1:9/feed.xml"))
        crawler = crawler_for(config, "m")
        engine = FakeEngine(answer)
        crawler.engine = engine
        return StrictRobotsTxtMiddleware.from_crawler(crawler), engine, crawler.stats

    return make


def _outcomes(mw: StrictRobotsTxtMiddleware, urls: list[str]) -> list[str]:
    async def one(url: str) -> str:
        try:
            await mw.process_request(Request(url))
        except RobotsBlocked:
            return "blocked"
        return "allowed"

    async def all_of() -> list[str]:
        return list(await asyncio.gather(*(one(u) for u in urls)))

    return asyncio.run(all_of())


def test_concurrent_requests_share_one_robots_fetch_per_origin(middleware):
    mw, engine, stats = middleware((200, ROBOTS_RULES))
    urls = ["http://a.test/1", "http://a.test/private/2", "http://a.test/3", "http://b.test:8080/private/4"]
    assert _outcomes(mw, urls) == ["allowed", "blocked", "allowed", "blocked"]
    assert sorted(r.url for r in engine.requests) == ["http://a.test/robots.txt", "http://b.test:8080/robots.txt"]
    assert all(r.priority > 0 and r.meta["dont_obey_robotstxt"] for r in engine.requests)
    assert engine.requests[0].meta["download_maxsize"] >= 500 * 1024  # RFC 9309 §2.5
    assert stats.get_value("yuqing/robots_blocked") == 2
    assert stats.get_value("yuqing/robots/status/200") == 2


def test_network_error_disallows_and_refusals_are_logged_once_per_origin(middleware, caplog):
    mw, engine, stats = middleware(ConnectionRefusedError("refused"))
    with caplog.at_level(logging.DEBUG, logger="crawlers.middlewares.robots"):
        assert _outcomes(mw, ["http://c.test/a", "http://c.test/b"]) == ["blocked", "blocked"]
    assert len(engine.requests) == 1
    assert stats.get_value("yuqing/robots/unreachable") == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("robots.txt forbids" in w for w in warnings) == 1
    assert any("treated as disallowed" in w and "ConnectionRefusedError" in w for w in warnings)


def test_ignored_robots_request_counts_as_unreachable(middleware):
    mw, _, _ = middleware(IgnoreRequest("max redirections reached"))
    assert _outcomes(mw, ["http://d.test/a"]) == ["blocked"]


def test_files_and_opted_out_requests_skip_robots(middleware):
    mw, engine, _ = middleware((503, ""))

    async def check() -> None:
        await mw.process_request(Request("file:///srv/feeds/feed.xml"))
        await mw.process_request(Request("http://e.test/x", meta={"dont_obey_robotstxt": True}))

    asyncio.run(check())
    assert engine.requests == []


def test_credentials_in_a_url_never_reach_the_log(middleware, caplog):
    mw, engine, _ = middleware((503, ""))
    with caplog.at_level(logging.DEBUG, logger="crawlers.middlewares.robots"):
        _outcomes(mw, ["http://alice:s3cret@f.test/feed"])
    assert engine.requests[0].url == "http://f.test/robots.txt"
    messages = [r.getMessage() for r in caplog.records]
    assert any("robots.txt forbids http://f.test/feed" in m for m in messages)
    assert all("s3cret" not in m for m in messages)
