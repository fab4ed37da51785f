"""Real crawls of a local server answering at m.weibo.cn's paths: the warm-up and cookies, search pages,
comments of matched posts, an incremental second run, refused cookies (HTTP 432, ok: -100, login redirect,
none given), 429 with Retry-After, 5xx then success, robots.txt and a changed response shape."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from crawlers.state import CursorStore
from foundation.db import Database
from index.base import MentionFilter, mention_id
from index.sqlite import SQLiteMentionStore

SEARCH = "/api/container/getIndex"
HOTFLOW = "/comments/hotflow"
NOW = datetime.now(UTC).replace(microsecond=0)
SUB = "sub-secret-0123456789"
CHINA = ZoneInfo("Asia/Shanghai")


def source(server: Any, name: str = "wb", **options: Any) -> str:
    options.setdefault("cookie", f"SUB={SUB}; SUBP=must-not-be-sent")
    options.setdefault("queries", ["先达手机"])
    options.setdefault("crawl", {"download_delay": 0})
    extra = "".join(f"\n  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in options.items() if v is not None)
    return f"- name: {name}\n  type: weibo\n  base_url: {server.base}{extra}\n"


def reply(body: Any, status: int = 200, **headers: str) -> Any:
    from tests.crawlers.local_server import Reply

    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return Reply(status=status, body=text, content_type="application/json; charset=utf-8", headers=headers)


def rfc(at: datetime) -> str:
    """The API's own date form, in China time."""
    return at.astimezone(CHINA).strftime("%a %b %d %H:%M:%S %z %Y")


class WeiboServer:
    """Answers like m.weibo.cn: a warm-up that sets cookies, realtime search (newest first, 5 per page, then
    ``ok: 0``) where every other post names the brand, and two comments per post."""

    PER_PAGE = 5

    def __init__(self, count: int):
        self.posts = [self.post(f"{4_900_000_000_000_000 + i}", NOW - timedelta(hours=i + 1), i) for i in range(count)]

    @staticmethod
    def post(mid: str, at: datetime, i: int) -> dict[str, Any]:
        text = f"先达手机第{i}天就黑屏了" if i % 2 == 0 else f"今天天气不错 {i}"
        return {
            "created_at": rfc(at),
            "mid": mid,
            "id": mid,
            "text": text,
            "user": {"id": 1, "screen_name": f"user{i}"},
            "comments_count": 2,
            "reposts_count": 0,
            "attitudes_count": i,
        }

    def add_newer(self, mid: str, at: datetime) -> None:
        self.posts.insert(0, self.post(mid, at, 0))

    def install(self, server: Any) -> None:
        server.route("/robots.txt", server.Reply(status=404, body="", content_type="text/plain"))
        server.route(
            "/",
            server.Reply(
                body="<html>m.weibo.cn</html>",
                # Two Set-Cookie headers (the test server takes a dict: the second spelling is the second header).
                headers={"Set-Cookie": "_T_WM=tw123; Path=/", "set-cookie": "XSRF-TOKEN=xsrf456; Path=/"},
            ),
        )
        server.handle(SEARCH, self.search)
        server.handle(HOTFLOW, self.hotflow)

    def search(self, hit: Any) -> Any:
        page = int(hit.query["page"])
        cards = [{"card_type": 9, "mblog": p} for p in self.posts[(page - 1) * 5 : page * 5]]
        if not cards:
            return reply({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}})
        group = {"card_type": 11, "card_group": cards[1:]}  # search nests most posts in a card_group
        info = {"containerid": hit.query["containerid"], "total": len(self.posts), "page": page + 1}
        return reply({"ok": 1, "data": {"cardlistInfo": info, "cards": [cards[0], group]}})

    @staticmethod
    def hotflow(hit: Any) -> Any:
        mid = hit.query["mid"]
        comments = [
            {"id": f"{mid}1", "rootid": f"{mid}1", "created_at": rfc(NOW), "text": "先达客服也不回我", "user": {}},
            {"id": f"{mid}2", "rootid": f"{mid}2", "created_at": rfc(NOW), "text": "同感", "user": {}},
        ]
        return reply({"ok": 1, "data": {"data": comments, "total_number": 2, "max_id": 0, "max_id_type": 0}})


def test_search_comments_then_incremental_run(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    api = WeiboServer(12)
    api.install(server)
    path, _ = crawl_config(source(server))

    first = crawl(path, "wb")
    report = first.report
    assert report["status"] == "ok", report
    searches = server.hits_to(SEARCH)
    assert [int(h.query["page"]) for h in searches] == [1, 2, 3, 4]  # 5 + 5 + 2, then "这里还没有内容"
    assert searches[0].query["containerid"] == "100103type=61&q=先达手机"
    assert searches[0].query["page_type"] == "searchall"
    # Only the six posts naming the brand get their comments read; both comments of each pair are kept, the
    # one that does not name the brand because its post does (the post is its context).
    assert len(server.hits_to(HOTFLOW)) == 6
    assert (report["pages"], report["created"]) == (4 + 6, 6 + 12)

    # The warm-up came first, with SUB alone; the API calls carry the server's cookies and token too.
    assert server.hits[1].route == "/" and server.hits[1].headers["Cookie"] == f"SUB={SUB}"
    cookies = dict(c.strip().split("=", 1) for c in searches[0].headers["Cookie"].split(";"))
    assert cookies == {"SUB": SUB, "_T_WM": "tw123", "XSRF-TOKEN": "xsrf456"}
    assert {k.lower(): v for k, v in searches[0].headers.items()}["x-xsrf-token"] == "xsrf456"
    assert searches[0].headers["Referer"] == f"{server.base}/"
    comment_hit = server.hits_to(HOTFLOW)[0]
    assert comment_hit.query["max_id_type"] == "0" and comment_hit.query["id"] == comment_hit.query["mid"]
    assert comment_hit.headers["Referer"] == f"{server.base}/detail/{comment_hit.query['mid']}"
    assert SUB not in first.log  # the cookie is never logged

    store = SQLiteMentionStore.at(tmp_path / "mentions.sqlite3")
    try:
        mid = comment_hit.query["mid"]
        comment = store.get(mention_id("weibo", f"{mid}1"))
        assert comment is not None and comment.parent_id == mid
        assert comment.url == f"https://m.weibo.cn/detail/{mid}"
        post = store.get(mention_id("weibo", mid))
        assert post is not None and post.published_at.tzinfo is not None
        assert store.count(MentionFilter(platforms=["weibo"])) == 18  # 6 posts and their 12 comments
    finally:
        store.close()

    api.add_newer("4999999999999999", NOW - timedelta(minutes=5))
    second = crawl(path, "wb").report
    assert [int(h.query["page"]) for h in server.hits_to(SEARCH)[4:]] == [1]  # met posts already seen
    assert (second["created"], second["status"]) == (3, "ok")  # the new post and its two comments
    cursors = CursorStore(Database(f"sqlite:///{tmp_path / 'yuqing.sqlite3'}")).load("wb")
    assert cursors["q:先达手机"].high_water == NOW - timedelta(minutes=5)


def separate(config_writer: Any, tmp_path: Path, sources: dict[str, str]) -> list[tuple[Path, str]]:
    """One config (and so one database) per source: crawls running at once must not share SQLite files."""
    jobs = []
    for name, yaml in sources.items():
        folder = tmp_path / name
        folder.mkdir()
        jobs.append((config_writer(folder, yaml)[0], name))
    return jobs


def test_refused_cookies_stop_the_run_without_retries(server, config_writer, crawl_many, tmp_path) -> None:  # type: ignore[no-untyped-def]
    WeiboServer(0).install(server)
    login = "https://passport.weibo.cn/signin/login?entry=mweibo&r=https%3A%2F%2Fm.weibo.cn%2F"

    def refuse(hit: Any) -> Any:
        word = parse_qs(hit.query["containerid"])["q"][0]
        if word == "Lumi":
            return reply("", 432)
        if word == "露米":
            return reply({"ok": -100, "url": login})
        return reply("", 302, Location=login)

    server.handle(SEARCH, refuse)
    jobs = separate(
        config_writer,
        tmp_path,
        {
            "http432": source(server, "http432", queries=["Lumi"]),
            "expired": source(server, "expired", queries=["露米"]),
            "redirect": source(server, "redirect", queries=["XianDa"]),
            "nocookie": source(server, "nocookie", cookie=None, queries=["先达"]),
        },
    )
    results = crawl_many(jobs)
    http432, expired, redirect, nocookie = (r.report for r in results)
    for report in (http432, expired, redirect, nocookie):
        assert report["status"] == "needs_credentials", report
        assert report["created"] == 0
    assert "HTTP 432" in http432["error"] and http432["http_errors"] == {"432": 1}
    assert "login required" in expired["error"] and expired["parse_errors"] == 0  # a refusal, not a change
    assert "redirected to its login page (passport.weibo.cn)" in redirect["error"]
    assert "set `cookie:` to the SUB cookie" in nocookie["error"] and nocookie["pages"] == 0
    words = [parse_qs(h.query["containerid"])["q"][0] for h in server.hits_to(SEARCH)]
    assert sorted(words) == ["Lumi", "XianDa", "露米"]  # each asked once: never retried
    assert all(SUB not in r.log for r in results)


def test_429_and_5xx_are_retried_and_a_changed_shape_degrades(server, config_writer, crawl_many, tmp_path) -> None:  # type: ignore[no-untyped-def]
    api = WeiboServer(3)
    api.install(server)
    calls: list[float] = []

    def flaky_or_changed(hit: Any) -> Any:
        if parse_qs(hit.query["containerid"])["q"][0] == "Lumi":
            return reply({"ok": 1, "data": {"items": [{"id": 1}]}})
        calls.append(time.monotonic())
        if len(calls) == 1:
            return reply({"ok": 0, "msg": "请求过于频繁"}, 429, **{"Retry-After": "1"})
        if len(calls) == 2:
            return reply("<html>502 Bad Gateway</html>", 502)
        return api.search(hit)

    server.handle(SEARCH, flaky_or_changed)
    jobs = separate(
        config_writer,
        tmp_path,
        {"flaky": source(server, "flaky", comments=False), "changed": source(server, "changed", queries=["Lumi"])},
    )
    flaky, changed = (r.report for r in crawl_many(jobs))
    assert flaky["status"] == "ok" and flaky["created"] == 2  # posts 0 and 2 name the brand
    assert flaky["http_errors"] == {"429": 1, "502": 1}
    assert calls[1] - calls[0] >= 1.0  # waited out Retry-After
    assert changed["status"] == "degraded" and changed["shape_errors"] == 1 and changed["created"] == 0
    [sample] = changed["samples"]
    assert Path(sample).parent == tmp_path / "changed" / "samples" / "changed"
    assert json.loads(Path(sample).read_text()) == {"ok": 1, "data": {"items": [{"id": 1}]}}


def test_robots_disallow_means_no_api_call(server, crawl_config, crawl) -> None:  # type: ignore[no-untyped-def]
    WeiboServer(3).install(server)
    server.route("/robots.txt", server.Reply(body="User-agent: *\nDisallow: /api/\n", content_type="text/plain"))
    path, _ = crawl_config(source(server))
    report = crawl(path, "wb").report
    assert report["status"] == "failed" and report["robots_blocked"] == 1
    assert server.hits_to(SEARCH) == []
