"""Real crawls of a local server serving Tieba's 2024 HTML layout: search pages (newest first) with the user's
cookie, the first page of matched threads, an incremental second run, an expired cookie (security check page,
redirect to it, none given), 429 with Retry-After, 5xx then success, robots.txt and a changed layout."""

from __future__ import annotations

import html
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawlers.state import CursorStore
from foundation.db import Database
from index.base import mention_id
from index.sqlite import SQLiteMentionStore

SEARCH = "/f/search/res"
NOW = datetime.now(UTC).replace(microsecond=0)
CHINA = ZoneInfo("Asia/Shanghai")
COOKIE = "BDUSS=tieba-secret-77; STOKEN=st"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tieba"


def source(server: Any, name: str, **options: Any) -> str:
    options.setdefault("cookie", COOKIE)
    options.setdefault("queries", ["先达手机"])
    options.setdefault("crawl", {"download_delay": 0})
    extra = "".join(f"\n  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in options.items() if v is not None)
    return f"- name: {name}\n  type: tieba\n  base_url: {server.base}{extra}\n"


def page(body: str, status: int = 200, **headers: str) -> Any:
    from tests.crawlers.local_server import Reply

    return Reply(status=status, body=body, content_type="text/html; charset=utf-8", headers=headers)


def separate(config_writer: Any, tmp_path: Path, sources: dict[str, str]) -> list[tuple[Path, str]]:
    """One config (and so one database) per source: crawls running at once must not share SQLite files."""
    jobs = []
    for name, yaml in sources.items():
        folder = tmp_path / name
        folder.mkdir()
        jobs.append((config_writer(folder, yaml)[0], name))
    return jobs


def shown(at: datetime) -> str:
    """How Tieba shows a time: China wall clock, minutes."""
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


class TiebaServer:
    """Serves search results newest first, 5 a page with a "下一页" link, and a thread page per result: the
    hit as floor 1, a reply floor and a reply inside it. Without the cookie it answers Baidu's security check."""

    PER_PAGE = 5

    def __init__(self, server: Any, count: int):
        self.server = server
        self.posts: list[tuple[str, str, datetime]] = []
        for i in range(count):
            self.add(f"{9_300_000_000 + i}", f"{152_000_000_000 + i * 10}", NOW - timedelta(hours=i + 1))

    def add(self, tid: str, pid: str, at: datetime, newest: bool = False) -> None:
        self.posts.insert(0 if newest else len(self.posts), (tid, pid, at))
        self.server.handle(f"/p/{tid}", lambda hit: self.thread(hit, tid, pid, at))

    def install(self) -> None:
        self.server.route("/robots.txt", self.server.Reply(status=404, body="", content_type="text/plain"))
        self.server.handle(SEARCH, self.search)

    @staticmethod
    def cookie_ok(hit: Any) -> bool:
        return "BDUSS=tieba-secret-77" in hit.headers.get("Cookie", "")

    def search(self, hit: Any) -> Any:
        if not self.cookie_ok(hit):
            return page((FIXTURES / "security_check.html").read_text(encoding="utf-8"))
        pn = int(hit.query["pn"])
        cards = "".join(
            f'<div class="s_post"><span class="p_title"><a data-tid="{tid}" class="bluelink" '
            f'href="/p/{tid}?pid={pid}&amp;cid=0#{pid}">先达手机帖子 {tid}</a></span>'
            f'<div class="p_content">先达手机第{tid}号问题</div>'
            f'作者：<a href="/home/main?un=u{tid}">u{tid}</a><font class="p_green p_date">{shown(at)}</font></div>'
            for tid, pid, at in self.posts[(pn - 1) * self.PER_PAGE : pn * self.PER_PAGE]
        )
        more = len(self.posts) > pn * self.PER_PAGE
        pager = f'<a class="next" href="/f/search/res?qw={html.escape(hit.query["qw"])}&amp;pn={pn + 1}">下一页</a>'
        return page(
            f'<html><head><meta charset="UTF-8"><title>百度贴吧</title></head><body><div class="s_post_list">{cards}'
            f'</div><div class="pager pager-search">{pager if more else ""}</div></body></html>'
        )

    def thread(self, hit: Any, tid: str, pid: str, at: datetime) -> Any:
        if not self.cookie_ok(hit):
            return page((FIXTURES / "security_check.html").read_text(encoding="utf-8"))

        def floor(post_id: str, number: int, text: str, when: datetime, replies: str = "") -> str:
            field = json.dumps({"content": {"post_id": int(post_id), "thread_id": int(tid), "post_no": number}})
            return (
                f"<div class=\"l_post j_l_post\" data-field='{field}'>"
                f'<div class="d_post_content">{text}</div><div class="post-tail-wrap">'
                f'<span class="tail-info">{number}楼</span><span class="tail-info">{shown(when)}</span></div>'
                f"{replies}</div>"
            )

        reply_pid = str(int(pid) + 1)
        lzl = (
            f"<ul><li class=\"lzl_single_post\" data-field=\"{{'pid':'{reply_pid}','spid':'{int(pid) + 2}'}}\">"
            f'<span class="lzl_content_main">同问，先达客服不理人</span>'
            f'<span class="lzl_time">{shown(at + timedelta(minutes=2))}</span></li></ul>'
        )
        return page(
            f'<html><head><meta charset="UTF-8"><title>thread</title></head><body>'
            f'<h3 class="core_title_txt" title="先达手机帖子 {tid}">先达手机帖子 {tid}</h3>'
            + floor(pid, 1, f"先达手机第{tid}号问题", at)
            + floor(reply_pid, 2, "先达客服回复了吗", at + timedelta(minutes=1), lzl)
            + "</body></html>"
        )


def test_search_threads_then_incremental_run(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    api = TiebaServer(server, 7)
    api.install()
    path, _ = crawl_config(source(server, "tb"))

    first = crawl(path, "tb")
    report = first.report
    assert report["status"] == "ok", report
    searches = server.hits_to(SEARCH)
    assert [h.query["pn"] for h in searches] == ["1", "2"]
    assert {k: searches[0].query[k] for k in ("ie", "qw", "rn", "sm")} == {
        "ie": "utf-8",
        "qw": "先达手机",
        "rn": "20",
        "sm": "1",
    }
    threads = [h for h in server.hits if h.route.startswith("/p/")]
    assert len(threads) == 7 and all("BDUSS=tieba-secret-77" in h.headers["Cookie"] for h in threads)
    # Each thread: its first floor is the search hit (stored once), a reply floor and a reply inside it.
    assert (report["pages"], report["created"]) == (2 + 7, 7 * 3)
    assert "tieba-secret-77" not in first.log

    store = SQLiteMentionStore.at(tmp_path / "mentions.sqlite3")
    try:
        tid, pid, _ = api.posts[0]
        inner = store.get(mention_id("tieba", str(int(pid) + 2)))
        assert inner is not None and inner.parent_id == str(int(pid) + 1)
        floor = store.get(mention_id("tieba", str(int(pid) + 1)))
        assert floor is not None and floor.parent_id == pid and floor.extra["thread_id"] == tid
    finally:
        store.close()

    api.add("9399999999", "152999999990", NOW - timedelta(minutes=30), newest=True)
    second = crawl(path, "tb").report
    assert [h.query["pn"] for h in server.hits_to(SEARCH)[2:]] == ["1"]  # met posts already seen
    # The new thread, and the newest old one (re-read inside the cursor's overlap).
    assert len([h for h in server.hits if h.route.startswith("/p/")]) == 7 + 2
    assert (second["created"], second["status"]) == (3, "ok")
    cursors = CursorStore(Database(f"sqlite:///{tmp_path / 'yuqing.sqlite3'}")).load("tb")
    assert cursors["q:先达手机"].high_water == (NOW - timedelta(minutes=30)).replace(second=0)  # shown to the minute


def test_expired_or_missing_cookie_needs_credentials(server, config_writer, crawl_many, tmp_path) -> None:  # type: ignore[no-untyped-def]
    api = TiebaServer(server, 3)
    api.install()

    def search(hit: Any) -> Any:
        if hit.query["qw"] == "Lumi":
            return page("", 302, Location="https://wappass.baidu.com/static/captcha/tuxing.html?ak=1")
        return api.search(hit)

    server.handle(SEARCH, search)
    jobs = separate(
        config_writer,
        tmp_path,
        {
            "expired": source(server, "expired", cookie="BDUSS=old"),
            "captcha": source(server, "captcha", queries=["Lumi"]),
            "nocookie": source(server, "nocookie", cookie=None, queries=["露米"]),
        },
    )
    expired, captcha, nocookie = (r.report for r in crawl_many(jobs))
    assert expired["status"] == "needs_credentials" and "security check" in expired["error"]
    assert expired["parse_errors"] == 0 and expired["shape_errors"] == 0  # a refusal, not a layout change
    assert captcha["status"] == "needs_credentials" and "wappass.baidu.com" in captcha["error"]
    assert nocookie["status"] == "needs_credentials" and "set `cookie:`" in nocookie["error"]
    assert sorted(h.query["qw"] for h in server.hits_to(SEARCH)) == ["Lumi", "先达手机"]  # once each
    assert not [h for h in server.hits if h.route.startswith("/p/")]


def test_429_and_5xx_are_retried_and_a_changed_layout_degrades(server, config_writer, crawl_many, tmp_path) -> None:  # type: ignore[no-untyped-def]
    api = TiebaServer(server, 2)
    api.install()
    calls: list[float] = []

    def flaky_or_changed(hit: Any) -> Any:
        if hit.query["qw"] == "Lumi":
            return page('<html><head><title>贴吧</title></head><body><div id="app"></div></body></html>')
        calls.append(time.monotonic())
        if len(calls) == 1:
            return page("busy", 429, **{"Retry-After": "1"})
        if len(calls) == 2:
            return page("oops", 500)
        return api.search(hit)

    server.handle(SEARCH, flaky_or_changed)
    jobs = separate(
        config_writer,
        tmp_path,
        {
            "flaky": source(server, "flaky", replies=False),
            "changed": source(server, "changed", queries=["Lumi"]),
        },
    )
    flaky, changed = (r.report for r in crawl_many(jobs))
    assert flaky["status"] == "ok" and flaky["created"] == 2
    assert flaky["http_errors"] == {"429": 1, "500": 1}
    assert calls[1] - calls[0] >= 1.0  # waited out Retry-After
    assert not [h for h in server.hits if h.route.startswith("/p/")]  # replies: false
    assert changed["status"] == "degraded" and changed["shape_errors"] == 1 and changed["created"] == 0
    [sample] = changed["samples"]
    assert Path(sample).suffix == ".html" and '<div id="app">' in Path(sample).read_text()


def test_robots_disallow_means_nothing_is_fetched(server, crawl_config, crawl) -> None:  # type: ignore[no-untyped-def]
    TiebaServer(server, 2).install()
    server.route("/robots.txt", server.Reply(body="User-agent: *\nDisallow: /f/search\n", content_type="text/plain"))
    path, _ = crawl_config(source(server, "tb"))
    report = crawl(path, "tb").report
    assert report["status"] == "failed" and report["robots_blocked"] == 1
    assert server.hits_to(SEARCH) == []
