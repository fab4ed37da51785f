"""Real crawls of a local server answering at Reddit's OAuth paths: the token, searches paged with ``after``,
comments of matching posts only, an incremental second run, the User-Agent, robots.txt not applying to the
API, refused credentials, 429 with Retry-After, 5xx then success, and a changed shape."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawlers.spiders.reddit import time_window

NOW = datetime.now(UTC).replace(microsecond=0)
TOKEN_PATH = "/api/v1/access_token"
SEARCH = "/search"
CLIENT_ID, CLIENT_SECRET, TOKEN = "app-id-123", "s3cr3t-Value-xyz", "tok-4f9a-very-secret"
USER_AGENT = "linux:yuqing-test:v0.1 (by /u/yuqing_test)"
DISALLOW_ALL = "User-agent: *\nDisallow: /\n"


def reply(body: Any, status: int = 200, content_type: str = "application/json", **headers: str) -> Any:
    from tests.crawlers.local_server import Reply

    text = body if isinstance(body, str) else json.dumps(body)
    return Reply(status=status, body=text, content_type=content_type, headers=headers)


def source(server: Any, name: str = "rd", credentials: bool = True, **options: Any) -> str:
    creds = f"\n  client_id: {CLIENT_ID}\n  client_secret: {CLIENT_SECRET}" if credentials else ""
    extra = "".join(f"\n  {k}: {json.dumps(v)}" for k, v in options.items())
    return f"""
- name: {name}
  type: reddit
  base_url: {server.base}
  auth_url: {server.url(TOKEN_PATH)}
  crawl: {{download_delay: 0, user_agent: "{USER_AGENT}"}}
  queries: [XianDa]{creds}{extra}
"""


class RedditApi:
    """Answers like Reddit: a token for the right basic auth, searches newest first in pages of 5 (Reddit
    may return fewer than ``limit``), and comment trees."""

    PAGE = 5

    def __init__(self, posts: list[tuple[str, str, datetime, int]]):
        self.posts = posts  # (id36, title, created, number of comments), newest first

    def token(self, hit: Any) -> Any:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if hit.method != "POST" or hit.headers.get("Authorization") != expected:
            return reply({"message": "Unauthorized", "error": 401}, 401)
        return reply({"access_token": TOKEN, "token_type": "bearer", "expires_in": 3600, "scope": "*"})

    def search(self, hit: Any) -> Any:
        if hit.headers.get("Authorization") != f"bearer {TOKEN}":
            return reply({"message": "Unauthorized", "error": 401}, 401)
        ids = [p[0] for p in self.posts]
        start = ids.index(hit.query["after"].removeprefix("t3_")) + 1 if hit.query.get("after") else 0
        chunk = self.posts[start : start + self.PAGE]
        children = [
            {
                "kind": "t3",
                "data": {
                    "id": pid,
                    "name": f"t3_{pid}",
                    "title": title,
                    "selftext": "",
                    "is_self": True,
                    "author": "someone",
                    "subreddit": "Android",
                    "permalink": f"/r/Android/comments/{pid}/x/",
                    "created_utc": at.timestamp(),
                    "score": 1,
                    "num_comments": comments,
                },
            }
            for pid, title, at, comments in chunk
        ]
        after = f"t3_{chunk[-1][0]}" if start + self.PAGE < len(self.posts) else None
        return reply({"kind": "Listing", "data": {"children": children, "after": after, "before": None}})

    @staticmethod
    def comments(pid: str, bodies: list[str]) -> Any:
        post = {"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"name": f"t3_{pid}", "title": "t"}}]}}
        tree = {
            "kind": "Listing",
            "data": {
                "children": [
                    {
                        "kind": "t1",
                        "data": {
                            "name": f"t1_{pid}c{i}",
                            "body": body,
                            "author": "commenter",
                            "parent_id": f"t3_{pid}",
                            "link_id": f"t3_{pid}",
                            "created_utc": NOW.timestamp() - 60,
                            "replies": "",
                        },
                    }
                    for i, body in enumerate(bodies)
                ],
                "after": None,
            },
        }
        return lambda hit: reply([post, tree])


def test_token_search_comments_then_an_incremental_run(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # robots.txt forbids everything: it does not apply to the official, authenticated API.
    server.route("/robots.txt", server.Reply(body=DISALLOW_ALL, content_type="text/plain"))
    hours = [NOW - timedelta(hours=h + 1) for h in range(8)]
    api = RedditApi(
        [
            ("p0", "XianDa X5 review", hours[0], 2),
            ("p1", "XianDa charger recall", hours[1], 0),
            ("p2", "Unrelated phone talk", hours[2], 4),  # no brand: its comments are not fetched
            *((f"p{i}", f"XianDa post {i}", hours[i], 0) for i in range(3, 8)),
        ]
    )
    server.handle(TOKEN_PATH, api.token)
    server.handle(SEARCH, api.search)
    server.handle("/comments/p0", api.comments("p0", ["XianDa support was quick", "nice photo"]))
    path, _ = crawl_config(source(server))

    result = crawl(path, "rd")
    first = result.report
    assert first["status"] == "ok", first
    # 7 posts naming the brand and both comments of the one that has comments (a reply inherits its post as
    # context for brand matching); the unrelated post is dropped.
    assert (first["created"], first["dropped"]) == (9, {"no_brand": 1})
    assert first["robots_blocked"] == 0 and server.hits_to("/robots.txt") == []
    [token] = server.hits_to(TOKEN_PATH)
    assert token.method == "POST" and token.form == {"grant_type": "client_credentials"}
    searches = server.hits_to(SEARCH)
    assert [h.query.get("after") for h in searches] == [None, "t3_p4"]
    assert searches[0].query == {
        "q": "XianDa",
        "sort": "new",
        "t": "week",
        "limit": "100",
        "type": "link",
        "raw_json": "1",
    }
    assert [h.path for h in server.hits_to("/comments/p0")] == ["/comments/p0?sort=new&raw_json=1"]
    assert server.hits_to("/comments/p2") == []
    assert {h.headers["User-Agent"] for h in server.hits} == {USER_AGENT}  # token and API calls alike
    for secret in (CLIENT_SECRET, TOKEN, base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()):
        assert secret not in result.log and secret not in json.dumps(first)

    api.posts.insert(0, ("p9", "XianDa news", NOW - timedelta(minutes=5), 0))
    second = crawl(path, "rd").report
    later = server.hits_to(SEARCH)[2:]
    assert len(later) == 1  # the first page already reaches posts seen before
    assert later[0].query["t"] == "day"  # the cursor (1 h ago, less the overlap) is within a day
    # p9 is new; p0, at the overlap's edge, is read again with its two comments: recognised, unchanged.
    assert (second["created"], second["unchanged"]) == (1, 3), second
    assert len(server.hits_to("/comments/p0")) == 2
    assert len(server.hits_to(TOKEN_PATH)) == 2  # a token per run, kept in memory only


@pytest.mark.parametrize(
    ("span", "window"),
    [
        (timedelta(minutes=30), "hour"),
        (timedelta(hours=1), "hour"),
        (timedelta(hours=1, minutes=10), "day"),
        (timedelta(days=7), "week"),
        (timedelta(days=20), "month"),
        (timedelta(days=90), "year"),
        (timedelta(days=400), "all"),
    ],
)
def test_time_window_reaches_the_cursor(span: timedelta, window: str) -> None:
    assert time_window(span) == window


@pytest.fixture(scope="module")
def runs(crawl_scenarios) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The failure scenarios, crawled concurrently, each against its own server."""
    from tests.crawlers.conftest import Scenario

    api = RedditApi([("f1", "XianDa post", NOW - timedelta(hours=1), 0)])
    calls: list[float] = []

    def flaky(hit: Any) -> Any:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return reply({"message": "Too Many Requests", "error": 429}, 429, **{"Retry-After": "1"})
        if len(calls) == 2:
            return reply("<html>oops</html>", 503, "text/html")
        return api.search(hit)

    unauthorized = reply({"message": "Unauthorized", "error": 401}, 401)
    scenarios = {
        "token-refused": Scenario({TOKEN_PATH: lambda hit: unauthorized, SEARCH: api.search}),
        "api-refused": Scenario({TOKEN_PATH: api.token, SEARCH: lambda hit: unauthorized}),
        "flaky": Scenario({TOKEN_PATH: api.token, SEARCH: flaky}),
        "shape": Scenario({TOKEN_PATH: api.token, SEARCH: lambda hit: reply({"results": [{"id": 1}]})}),
        "no-credentials": Scenario({TOKEN_PATH: api.token, SEARCH: api.search}, {"credentials": False}),
    }
    return {name: (*run, calls) for name, run in crawl_scenarios(scenarios, source).items()}


def test_a_refused_token_needs_credentials_and_is_not_retried(runs) -> None:  # type: ignore[no-untyped-def]
    srv, _, result, _ = runs["token-refused"]
    report = result.report
    assert report["status"] == "needs_credentials" and "refused the app's client_id/client_secret" in report["error"]
    assert report["finish_reason"] == "needs_credentials"
    assert len(srv.hits_to(TOKEN_PATH)) == 1 and srv.hits_to(SEARCH) == []


def test_a_401_from_the_api_needs_credentials_and_stops_the_run(runs) -> None:  # type: ignore[no-untyped-def]
    srv, _, result, _ = runs["api-refused"]
    report = result.report
    assert report["status"] == "needs_credentials" and "HTTP 401" in report["error"]
    assert report["finish_reason"] == "needs_credentials"  # stopped, not left to fail request by request
    assert len(srv.hits_to(SEARCH)) == 1 and report["http_errors"] == {"401": 1}


def test_429_retry_after_is_obeyed_and_5xx_retried(runs) -> None:  # type: ignore[no-untyped-def]
    _, _, result, calls = runs["flaky"]
    report = result.report
    assert report["status"] == "ok" and report["created"] == 1, report
    assert report["http_errors"] == {"429": 1, "503": 1}
    assert calls[1] - calls[0] >= 1.0  # waited out Retry-After


def test_changed_shape_is_counted_sampled_and_degrades(runs) -> None:  # type: ignore[no-untyped-def]
    _, folder, result, _ = runs["shape"]
    report = result.report
    assert report["status"] == "degraded" and report["shape_errors"] == 1 and report["created"] == 0
    [sample] = report["samples"]
    assert Path(sample).parent == folder / "samples" / "shape"
    assert json.loads(Path(sample).read_text()) == {"results": [{"id": 1}]}


def test_missing_credentials_fetch_nothing(runs) -> None:  # type: ignore[no-untyped-def]
    srv, _, result, _ = runs["no-credentials"]
    assert result.report["status"] == "needs_credentials" and "client_id and client_secret" in result.report["error"]
    assert srv.hits == []
