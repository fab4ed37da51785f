"""Real crawls of a local server answering at YouTube's feed path and the Data API's commentThreads path:
channel feeds, comment pages, an incremental second run, the API key kept out of URLs and logs, robots.txt
(for the feed, not the API), a refused key, a spent quota, disabled comments, 429 with Retry-After, 5xx then
success, and a changed shape."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from index.base import mention_id
from index.sqlite import SQLiteMentionStore

NOW = datetime.now(UTC).replace(microsecond=0)
FEED = "/feeds/videos.xml"
THREADS = "/commentThreads"
KEY = "AIzaSy-TEST-key-0123456789abcdef"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "youtube"


def reply(body: Any, status: int = 200, content_type: str = "application/json", **headers: str) -> Any:
    from tests.crawlers.local_server import Reply

    text = body if isinstance(body, str) else json.dumps(body)
    return Reply(status=status, body=text, content_type=content_type, headers=headers)


def source(server: Any, name: str = "yt", **options: Any) -> str:
    options = {"api_key": KEY, **options}
    extra = "".join(f"\n  {k}: {json.dumps(v)}" for k, v in options.items())
    return f"""
- name: {name}
  type: youtube
  brand: xianda
  base_url: {server.base}
  feed_url: {server.base}
  crawl: {{download_delay: 0}}{extra}
"""


def feed(videos: list[tuple[str, datetime]]) -> Any:
    entries = "".join(
        f"<entry><id>yt:video:{vid}</id><yt:videoId>{vid}</yt:videoId><yt:channelId>UCxd</yt:channelId>"
        f'<title>先达 video {vid}</title><link rel="alternate" href="https://www.youtube.com/watch?v={vid}"/>'
        f"<author><name>XianDa</name></author><published>{at.isoformat()}</published></entry>"
        for vid, at in videos
    )
    body = (
        '<?xml version="1.0"?><feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" '
        f'xmlns="http://www.w3.org/2005/Atom"><title>XianDa</title>{entries}</feed>'
    )
    return lambda hit: reply(body, content_type="application/atom+xml; charset=utf-8")


class DataApi:
    """Answers like commentThreads.list with order=time: newest thread first, 3 threads a page, the key in
    the X-Goog-Api-Key header."""

    PAGE = 3

    def __init__(self, threads: dict[str, list[tuple[str, datetime]]]):
        self.threads = threads  # video → (comment id, published), newest first

    def __call__(self, hit: Any) -> Any:
        if hit.headers.get("X-Goog-Api-Key") != KEY:
            return reply((FIXTURES / "error_key_invalid.json").read_text(), 400)
        video = hit.query["videoId"]
        start = int(hit.query.get("pageToken") or 0)
        chunk = self.threads[video][start : start + self.PAGE]
        items = []
        for cid, at in chunk:
            comment = {
                "id": cid,
                "snippet": {
                    "videoId": video,
                    "textOriginal": f"先达手机 comment {cid}",
                    "authorDisplayName": "@viewer",
                    "likeCount": 1,
                    "publishedAt": at.isoformat().replace("+00:00", "Z"),
                    "updatedAt": at.isoformat().replace("+00:00", "Z"),
                },
            }
            thread: dict[str, Any] = {"id": cid, "snippet": {"videoId": video, "topLevelComment": comment}}
            if cid.endswith("-r"):  # a thread with one reply, half an hour later
                later = (at + timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
                thread["replies"] = {
                    "comments": [
                        {
                            "id": f"{cid}.reply",
                            "snippet": {
                                "videoId": video,
                                "parentId": cid,
                                "textOriginal": "谢谢",
                                "publishedAt": later,
                            },
                        }
                    ]
                }
            items.append(thread)
        body: dict[str, Any] = {"kind": "youtube#commentThreadListResponse", "items": items}
        if start + self.PAGE < len(self.threads[video]):
            body["nextPageToken"] = str(start + self.PAGE)
        return reply(body)


def allow_robots(server: Any) -> None:
    server.route("/robots.txt", server.Reply(status=404, body="", content_type="text/plain"))


def test_feed_comments_pages_then_an_incremental_run(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    allow_robots(server)
    server.handle(FEED, feed([("v1", NOW - timedelta(days=2)), ("vold", NOW - timedelta(days=60))]))
    hours = [NOW - timedelta(hours=h + 1) for h in range(5)]
    api = DataApi({"v1": [("c0-r", hours[0]), *((f"c{i}", hours[i]) for i in range(1, 5))], "v2": [("d0", hours[2])]})
    server.handle(THREADS, api)
    path, _ = crawl_config(source(server, channel_ids=["UCxd"], video_ids=["v2"], store_videos=True))

    result = crawl(path, "yt")
    first = result.report
    assert first["status"] == "ok", first
    # The video v1 (stored: store_videos), its 5 comments and 1 reply, and v2's comment; vold is too old to
    # follow (video_max_age: 30 days) and to store (backfill: 7 days).
    assert first["created"] == 1 + 6 + 1
    [feed_hit] = server.hits_to(FEED)
    assert feed_hit.query == {"channel_id": "UCxd"}
    threads = server.hits_to(THREADS)
    assert sorted((h.query["videoId"], h.query.get("pageToken", "")) for h in threads) == [
        ("v1", ""),
        ("v1", "3"),
        ("v2", ""),
    ]
    assert threads[0].query["order"] == "time" and threads[0].query["part"] == "snippet,replies"
    # The key travels in a header only: never in a URL, the crawl log or the report.
    assert all(h.headers["X-Goog-Api-Key"] == KEY and "key" not in h.query for h in threads)
    assert KEY not in result.log and KEY not in json.dumps(first)
    store = SQLiteMentionStore.at(tmp_path / "mentions.sqlite3")
    try:
        reply_mention = store.get(mention_id("youtube", "c0-r.reply"))
        assert reply_mention is not None and reply_mention.parent_id == "c0-r" and reply_mention.brands == ["xianda"]
        top = store.get(mention_id("youtube", "c0-r"))
        assert top is not None and top.parent_id == "v1" and top.url == "https://www.youtube.com/watch?v=v1&lc=c0-r"
    finally:
        store.close()

    api.threads["v1"].insert(0, ("c-new", NOW - timedelta(minutes=5)))
    second = crawl(path, "yt").report
    later = server.hits_to(THREADS)[3:]
    assert sorted(h.query["videoId"] for h in later) == ["v1", "v2"]  # one page each: no pageToken
    assert all("pageToken" not in h.query for h in later)
    assert second["created"] == 1, second  # c-new; the comments at the overlap's edge are known already


@pytest.fixture(scope="module")
def runs(crawl_scenarios) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The failure scenarios, crawled concurrently, each against its own server."""
    from tests.crawlers.conftest import Scenario

    api = DataApi({"va": [("a0", NOW - timedelta(hours=1))]})
    calls: list[float] = []

    def flaky(hit: Any) -> Any:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return reply({"error": {"code": 429, "message": "slow"}}, 429, **{"Retry-After": "1"})
        if len(calls) == 2:
            return reply("<html>backend error</html>", 503, "text/html")
        return api(hit)

    def disabled_or_ok(hit: Any) -> Any:
        if hit.query["videoId"] == "voff":
            return reply((FIXTURES / "error_comments_disabled.json").read_text(), 403)
        return api(hit)

    quota = (FIXTURES / "error_quota_exceeded.json").read_text()
    scenarios = {
        # robots.txt forbids the feed, not the API; a video with comments off is skipped quietly.
        "robots": Scenario(
            {THREADS: disabled_or_ok, FEED: feed([])},
            {"channel_ids": ["UCxd"], "video_ids": ["va", "voff"]},
            disallow="Disallow: /feeds/",
        ),
        "key-refused": Scenario({THREADS: api}, {"video_ids": ["va"], "api_key": "AIzaSy-wrong"}, disallow=""),
        "quota": Scenario({THREADS: lambda hit: reply(quota, 403)}, {"video_ids": ["va"]}, disallow=""),
        "flaky": Scenario({THREADS: flaky}, {"video_ids": ["va"]}, disallow=""),
        "shape": Scenario(
            {THREADS: lambda hit: reply({"kind": "youtube#videoListResponse", "items": []})},
            {"video_ids": ["va"]},
            disallow="",
        ),
    }
    return {name: (*run, calls) for name, run in crawl_scenarios(scenarios, source).items()}


def test_robots_applies_to_the_feed_not_the_api_and_disabled_comments_are_skipped(runs) -> None:  # type: ignore[no-untyped-def]
    srv, _, result, _ = runs["robots"]
    report = result.report
    assert report["status"] == "ok" and report["created"] == 1, report
    assert report["robots_blocked"] == 1 and srv.hits_to(FEED) == []
    assert sorted(h.query["videoId"] for h in srv.hits_to(THREADS)) == ["va", "voff"]
    assert report["http_errors"] == {"403": 1} and "comments are disabled on video voff" in result.log


def test_a_refused_key_needs_credentials_and_is_not_retried(runs) -> None:  # type: ignore[no-untyped-def]
    srv, _, result, _ = runs["key-refused"]
    report = result.report
    assert report["status"] == "needs_credentials" and "API_KEY_INVALID" in report["error"]
    assert len(srv.hits_to(THREADS)) == 1 and "AIzaSy-wrong" not in result.log


def test_a_spent_quota_stops_the_run_with_a_clear_error(runs) -> None:  # type: ignore[no-untyped-def]
    srv, _, result, _ = runs["quota"]
    report = result.report
    assert report["status"] == "failed" and report["finish_reason"] == "quota_exceeded"
    assert "stopped early: quota_exceeded" in report["error"] and "quota is spent" in result.log
    assert len(srv.hits_to(THREADS)) == 1  # not retried


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
    assert json.loads(Path(sample).read_text())["kind"] == "youtube#videoListResponse"
