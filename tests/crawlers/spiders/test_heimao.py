"""Real crawls of a local server answering at tousu.sina.com.cn's API paths and checking the signatures: the
company feed (paging, incremental), keyword search with its cookie (which the feed never gets), a refused or
missing cookie, 429 with Retry-After, 5xx then success, robots.txt and a changed response shape."""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from crawlers.state import CursorStore
from foundation.db import Database
from index.base import mention_id
from index.sqlite import SQLiteMentionStore

FEED = "/api/company/received_complaints"
SEARCH = "/api/index/s"
NOW = datetime.now(UTC).replace(microsecond=0)
SALT = "$d6eb7ff91ee257475%"
COOKIE = "SUB=heimao-secret-42; SUBP=0033"


def source(server: Any, name: str, **options: Any) -> str:
    options.setdefault("crawl", {"download_delay": 0})
    extra = "".join(f"\n  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in options.items() if v is not None)
    return f"- name: {name}\n  type: heimao\n  base_url: {server.base}{extra}\n"


def reply(body: Any, status: int = 200, **headers: str) -> Any:
    from tests.crawlers.local_server import Reply

    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return Reply(status=status, body=text, content_type="application/json;charset=UTF-8", headers=headers)


def separate(config_writer: Any, tmp_path: Path, sources: dict[str, str]) -> list[tuple[Path, str]]:
    """One config (and so one database) per source: crawls running at once must not share SQLite files."""
    jobs = []
    for name, yaml in sources.items():
        folder = tmp_path / name
        folder.mkdir()
        jobs.append((config_writer(folder, yaml)[0], name))
    return jobs


class Tousu:
    """Answers like tousu.sina.com.cn's API, newest first, refusing requests whose signature is wrong."""

    def __init__(self, count: int, prefix: str = "1735"):
        self.complaints = [(f"{prefix}{i:07d}", NOW - timedelta(hours=i + 1)) for i in range(count)]
        self.bad_signatures = 0

    def add_newer(self, sn: str, at: datetime) -> None:
        self.complaints.insert(0, (sn, at))

    def signed(self, hit: Any, *names: str) -> bool:
        q = hit.query
        expected = hashlib.sha256("".join(sorted([q["ts"], q["rs"], SALT, *(q[n] for n in names)])).encode())
        ok = (
            q["signature"] == expected.hexdigest()
            and re.fullmatch(r"\d{13}", q["ts"]) is not None
            and re.fullmatch(r"[0-9A-Za-z]{16}", q["rs"]) is not None
        )
        self.bad_signatures += not ok
        return ok

    def answer(self, hit: Any, key: str) -> Any:
        per, page = int(hit.query["page_size"]), int(hit.query["page"])
        rows = [
            {
                "main": {
                    "sn": sn if key == "complaints" else "2" + sn[1:],  # search finds other complaints
                    "title": f"先达手机投诉 {sn}" if key == "lists" else f"充电发烫 {sn}",
                    "summary": "售后拒绝保修，要求退款",
                    "appeal": "退款",
                    "cotitle": "先达手机官方旗舰店",
                    "timestamp": int(at.timestamp()),
                },
                "author": {"title": "黑猫用户"},
            }
            for sn, at in self.complaints[(page - 1) * per : page * per]
        ]
        pages = max(1, -(-len(self.complaints) // per))
        pager = {"current": page, "page_amount": pages, "item_count": len(self.complaints)}
        return reply({"result": {"status": {"code": 0, "msg": ""}, "data": {key: rows, "pager": pager}}})

    def feed(self, hit: Any) -> Any:
        if not self.signed(hit, "couid", "type", "page_size", "page") or hit.query["type"] != "1":
            return reply({"result": {"status": {"code": 2001, "msg": "signature error"}}})
        return self.answer(hit, "complaints")

    def search(self, hit: Any) -> Any:
        if not self.signed(hit, "keywords", "page_size", "page"):
            return reply({"result": {"status": {"code": 2001, "msg": "signature error"}}})
        if "SUB=heimao-secret-42" not in hit.headers.get("Cookie", ""):
            return reply({"result": {"status": {"code": -1, "msg": "请先登录"}, "data": []}})
        return self.answer(hit, "lists")

    def install(self, server: Any) -> None:
        server.route("/robots.txt", server.Reply(status=404, body="", content_type="text/plain"))
        server.handle(FEED, self.feed)
        server.handle(SEARCH, self.search)


def test_company_feed_pages_then_incremental_run(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    api = Tousu(12)
    api.install(server)
    path, _ = crawl_config(source(server, "hm", brand="xianda", company_ids=["5350527288"], page_size=5))

    first = crawl(path, "hm").report
    assert first["status"] == "ok", first
    hits = server.hits_to(FEED)
    assert [h.query["page"] for h in hits] == ["1", "2", "3"] and api.bad_signatures == 0
    assert all(h.query["couid"] == "5350527288" and h.query["page_size"] == "5" for h in hits)
    assert hits[0].headers["Referer"] == f"{server.base}/company/view/?couid=5350527288"
    assert (first["pages"], first["created"]) == (3, 12)  # the brand's own feed: no keyword needed

    store = SQLiteMentionStore.at(tmp_path / "mentions.sqlite3")
    try:
        complaint = store.get(mention_id("heimao", "17350000000"))
        assert complaint is not None and complaint.brands == ["xianda"]
        assert complaint.extra["demand"] == "退款" and complaint.extra["company"] == "先达手机官方旗舰店"
        assert complaint.url == "https://tousu.sina.com.cn/complaint/view/17350000000/"
    finally:
        store.close()

    api.add_newer("17359999999", NOW - timedelta(minutes=5))
    second = crawl(path, "hm").report
    assert [h.query["page"] for h in server.hits_to(FEED)[3:]] == ["1"]  # reached complaints already seen
    assert (second["created"], second["status"]) == (1, "ok")
    cursors = CursorStore(Database(f"sqlite:///{tmp_path / 'yuqing.sqlite3'}")).load("hm")
    assert cursors["company:5350527288"].high_water == NOW - timedelta(minutes=5)


def test_keyword_search_uses_the_cookie_and_refusals_need_credentials(  # type: ignore[no-untyped-def]
    server, config_writer, crawl_many, tmp_path
) -> None:
    api = Tousu(7)
    api.install(server)
    jobs = separate(
        config_writer,
        tmp_path,
        {
            "both": source(
                server,
                "both",
                company_ids=["5350527288"],
                keyword_search=True,
                cookie=COOKIE,
                queries=["先达手机"],
                page_size=5,
            ),
            "expired": source(server, "expired", keyword_search=True, cookie="SUB=old", queries=["露米"]),
            "nocookie": source(server, "nocookie", keyword_search=True, queries=["Lumi"]),
        },
    )
    results = crawl_many(jobs)
    both, expired, nocookie = (r.report for r in results)
    assert both["status"] == "ok", both
    searches = [h for h in server.hits_to(SEARCH) if h.query["keywords"] == "先达手机"]
    assert [h.query["page"] for h in searches] == ["1", "2"] and api.bad_signatures == 0
    assert searches[0].headers["Referer"] == f"{server.base}/index/search/?keywords={quote('先达手机')}&t=1"
    assert all("Cookie" not in h.headers for h in server.hits_to(FEED))  # the feed needs none and gets none
    # Feed complaints name no brand and this source has no brand: only the search results are kept.
    assert both["created"] == 7 and both["dropped"] == {"no_brand": 7}

    assert expired["status"] == "needs_credentials" and "login required" in expired["error"]
    assert expired["parse_errors"] == 0  # a refusal, not a layout change
    assert [h.query["keywords"] for h in server.hits_to(SEARCH)].count("露米") == 1  # not retried
    assert nocookie["status"] == "needs_credentials" and "set `cookie:`" in nocookie["error"]
    assert "Lumi" not in [h.query["keywords"] for h in server.hits_to(SEARCH)]
    assert all("heimao-secret-42" not in r.log for r in results)


def test_429_and_5xx_are_retried_and_a_changed_shape_degrades(server, config_writer, crawl_many, tmp_path) -> None:  # type: ignore[no-untyped-def]
    api = Tousu(3)
    api.install(server)
    calls: list[float] = []

    def flaky_or_changed(hit: Any) -> Any:
        if hit.query["couid"] == "999":
            return reply({"result": {"status": {"code": 0}, "data": {"items": []}}})
        calls.append(time.monotonic())
        if len(calls) == 1:
            return reply({"result": {"status": {"code": 429}}}, 429, **{"Retry-After": "1"})
        if len(calls) == 2:
            return reply("<html>503</html>", 503)
        return api.feed(hit)

    server.handle(FEED, flaky_or_changed)
    jobs = separate(
        config_writer,
        tmp_path,
        {
            "flaky": source(server, "flaky", brand="xianda", company_ids=["5350527288"]),
            "changed": source(server, "changed", brand="xianda", company_ids=["999"]),
        },
    )
    flaky, changed = (r.report for r in crawl_many(jobs))
    assert flaky["status"] == "ok" and flaky["created"] == 3
    assert flaky["http_errors"] == {"429": 1, "503": 1}
    assert calls[1] - calls[0] >= 1.0  # waited out Retry-After
    assert changed["status"] == "degraded" and changed["shape_errors"] == 1 and changed["created"] == 0
    [sample] = changed["samples"]
    assert json.loads(Path(sample).read_text()) == {"result": {"status": {"code": 0}, "data": {"items": []}}}


def test_robots_disallow_means_nothing_is_fetched(server, crawl_config, crawl) -> None:  # type: ignore[no-untyped-def]
    Tousu(3).install(server)
    server.route("/robots.txt", server.Reply(body="User-agent: *\nDisallow: /api/\n", content_type="text/plain"))
    path, _ = crawl_config(source(server, "hm", brand="xianda", company_ids=["5350527288"]))
    report = crawl(path, "hm").report
    assert report["status"] == "failed" and report["robots_blocked"] == 1
    assert server.hits_to(FEED) == []
