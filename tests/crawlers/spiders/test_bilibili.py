"""Real crawls of a local server answering like Bilibili: warm-up cookie, WBI keys, signed search newest first,
comments of matched videos, incremental runs, 429/5xx, blocked answers, an expired SESSDATA, robots.txt and a
changed response shape."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawlers.platforms.bilibili import wbi_sign
from index.base import mention_id
from index.sqlite import SQLiteMentionStore

SEARCH = "/x/web-interface/wbi/search/type"
COMMENTS = "/x/v2/reply/wbi/main"
NAV = "/x/web-interface/nav"
NOW = datetime.now(UTC).replace(microsecond=0)
IMG_KEY, SUB_KEY = "7cd084941338484aae1ad9425b84077c", "4932caff0ff746eab6f01bf08b70ac45"
BUVID3 = "buvid3=5F1E-TEST-BUVID3infoc"
NAV_BODY = {
    "code": -101,
    "message": "账号未登录",
    "ttl": 1,
    "data": {
        "isLogin": False,
        "wbi_img": {
            "img_url": f"https://i0.hdslb.com/bfs/wbi/{IMG_KEY}.png",
            "sub_url": f"https://i0.hdslb.com/bfs/wbi/{SUB_KEY}.png",
        },
    },
}


def reply(body: Any, status: int = 200, **headers: str) -> Any:
    from tests.crawlers.local_server import Reply

    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return Reply(status=status, body=text, content_type="application/json", headers=headers)


BLOCKED = {"code": -412, "message": "请求被拦截", "ttl": 1, "data": None}


class FakeBilibili:
    """Answers like bilibili.com: the home page sets buvid3; the API refuses (-412) requests without it, without
    a Referer under the site or with a wrong WBI signature; search is newest first, ``per_page`` a page.

    Video ``i`` names the brand unless ``i % 4 == 3`` ("先达路", an exclusion word); videos with ``i % 4 == 2``
    have no comments. Each video's comments: one naming the brand, a reply to it, and one unrelated.
    """

    def __init__(self, server: Any, count: int, per_page: int = 5):
        self.server = server
        self.per_page = per_page
        self.videos = [self.video(i, NOW - timedelta(hours=i + 1)) for i in range(count)]
        server.route("/robots.txt", server.Reply(status=404, body="", content_type="text/plain"))
        server.route("/", server.Reply(body="<html>bilibili</html>", headers={"Set-Cookie": f"{BUVID3}; Path=/"}))
        server.route(NAV, reply(NAV_BODY))
        server.handle(SEARCH, self.search)
        server.handle(COMMENTS, self.comments)

    @staticmethod
    def video(i: int, at: datetime) -> dict[str, Any]:
        title = f"先达路 美食探店 {i}" if i % 4 == 3 else f'<em class="keyword">先达</em>手机 测评 {i}'
        return {
            "type": "video",
            "aid": 7000 + i,
            "bvid": f"BV1test{i:05d}",
            "author": "up主",
            "title": title,
            "description": "",
            "review": 0 if i % 4 == 2 else 3,
            "pubdate": int(at.timestamp()),
        }

    def add_newer(self, i: int, at: datetime) -> None:
        self.videos.insert(0, self.video(i, at))

    def refusal(self, hit: Any) -> Any | None:
        params = dict(hit.query)
        w_rid, wts = params.pop("w_rid", ""), params.pop("wts", "0")
        if BUVID3 not in hit.headers.get("Cookie", "") or not hit.headers.get("Referer", "").startswith(
            self.server.base + "/"
        ):
            return reply(BLOCKED)
        if f"w_rid={w_rid}" not in wbi_sign(params, IMG_KEY, SUB_KEY, int(wts)):
            return reply({"code": 0, "message": "0", "ttl": 1, "data": {"v_voucher": "voucher_test"}})
        return None

    def search(self, hit: Any) -> Any:
        refused = self.refusal(hit)
        if refused is not None:
            return refused
        page = int(hit.query["page"])
        pages = max(1, -(-len(self.videos) // self.per_page))
        result = self.videos[(page - 1) * self.per_page : page * self.per_page]
        return reply(
            {
                "code": 0,
                "message": "0",
                "ttl": 1,
                "data": {
                    "page": page,
                    "pagesize": self.per_page,
                    "numResults": len(self.videos),
                    "numPages": pages,
                    "result": result,
                },
            }
        )

    def comments(self, hit: Any) -> Any:
        refused = self.refusal(hit)
        if refused is not None:
            return refused
        aid = int(hit.query["oid"])
        at = int(NOW.timestamp()) - 60

        def comment(rpid: int, text: str, parent: int = 0) -> dict[str, Any]:
            return {
                "rpid": rpid,
                "oid": aid,
                "root": parent,
                "parent": parent,
                "ctime": at,
                "like": 1,
                "rcount": 0,
                "member": {"uname": f"用户{rpid}"},
                "content": {"message": text},
                "replies": [],
            }

        first = comment(aid * 10 + 1, "先达的屏幕还不错")
        first["replies"] = [comment(aid * 10 + 2, "同意，先达这代进步很大", parent=aid * 10 + 1)]
        replies = [first, comment(aid * 10 + 3, "哈哈哈")]
        return reply({"code": 0, "message": "0", "ttl": 1, "data": {"cursor": {"all_count": 3}, "replies": replies}})


def source(server: Any, **options: Any) -> str:
    extra = "".join(f"\n  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in options.items())
    return f"""
- name: bili
  type: bilibili
  base_url: {server.base}
  site_url: {server.base}
  queries: [先达]
  crawl: {{download_delay: 0}}{extra}
"""


def test_search_with_comments_then_incremental_run(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    fake = FakeBilibili(server, 12)
    path, _ = crawl_config(source(server))

    first = crawl(path, "bili").report
    assert first["status"] == "ok", first
    routes = [h.route for h in server.hits]
    assert routes.index("/") < routes.index(NAV) < routes.index(SEARCH)  # the warm-up visit comes first
    assert [int(h.query["page"]) for h in server.hits_to(SEARCH)] == [1, 2, 3]  # 5 + 5 + 2
    assert {h.query["order"] for h in server.hits_to(SEARCH)} == {"pubdate"}
    # Comments only of videos that name the brand (not "先达路") and have comments.
    commented = sorted(int(h.query["oid"]) for h in server.hits_to(COMMENTS))
    assert commented == [7000 + i for i in range(12) if i % 4 in (0, 1)]
    assert all(
        h.headers["Referer"] == f"{server.base}/video/BV1test{int(h.query['oid']) - 7000:05d}"
        for h in server.hits_to(COMMENTS)
    )
    # 9 videos naming the brand, and all 3 comments of each commented video: a comment that does not name the
    # brand is still about the video that does (it inherits the video as its context).
    assert first["created"] == 9 + 3 * 6 and first["dropped"] == {"no_brand": 3}

    store = SQLiteMentionStore.at(tmp_path / "mentions.sqlite3")
    try:
        video = store.get(mention_id("bilibili", "BV1test00000"))
        assert video is not None and video.title == "先达手机 测评 0" and video.comments == 3
        top = store.get(mention_id("bilibili", "70001"))
        nested = store.get(mention_id("bilibili", "70002"))
        assert top is not None and top.parent_id == "BV1test00000" and top.extra["video"] == "BV1test00000"
        assert nested is not None and nested.parent_id == "70001"
    finally:
        store.close()

    fake.add_newer(12, NOW - timedelta(minutes=5))
    searches, comments = len(server.hits_to(SEARCH)), len(server.hits_to(COMMENTS))
    second = crawl(path, "bili").report
    assert second["status"] == "ok", second
    assert len(server.hits_to(SEARCH)) == searches + 1  # one page holds everything newer than the cursor
    # The new video, and the newest old one: re-read within the cursor's overlap, known by id.
    assert {int(h.query["oid"]) for h in server.hits_to(COMMENTS)[comments:]} == {7012, 7000}
    assert (second["created"], second["updated"] + second["unchanged"]) == (1 + 3, 1 + 3)


def test_429_retry_after_is_obeyed_and_5xx_retried(server, crawl_config, crawl) -> None:  # type: ignore[no-untyped-def]
    fake = FakeBilibili(server, 2)
    calls: list[float] = []

    def flaky(hit: Any) -> Any:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return reply({"code": -799, "message": "请求过于频繁"}, 429, **{"Retry-After": "1"})
        if len(calls) == 2:
            return reply("upstream error", 502)
        return fake.search(hit)

    server.handle(SEARCH, flaky)
    path, _ = crawl_config(source(server, comments=False))
    report = crawl(path, "bili").report
    assert report["status"] == "ok" and report["created"] == 2, report
    assert report["http_errors"] == {"429": 1, "502": 1}
    assert calls[1] - calls[0] >= 1.0  # waited out Retry-After
    assert server.hits_to(COMMENTS) == []


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (reply(BLOCKED), "intercepted by risk control"),
        (reply("<html>precondition failed</html>", 412), "HTTP 412"),
    ],
)
def test_blocked_search_stops_the_run_for_credentials(server, crawl_config, crawl, answer, reason) -> None:  # type: ignore[no-untyped-def]
    FakeBilibili(server, 3)
    server.handle(SEARCH, lambda hit: answer)
    path, _ = crawl_config(source(server, queries=["先达", "XianDa", "露米"]))
    report = crawl(path, "bili").report
    assert report["status"] == "needs_credentials" and reason in report["error"], report
    assert report["created"] == 0 and report["samples"] == [] and report["parse_errors"] == 0
    # Stopped: no retry, no second page. (Requests already handed to the downloader still go out; here all
    # three queries do, since nothing delays them.)
    assert [h.query["page"] for h in server.hits_to(SEARCH)] == ["1"] * 3


def test_expired_sessdata_needs_credentials_and_stays_secret(server, crawl_config, crawl) -> None:  # type: ignore[no-untyped-def]
    FakeBilibili(server, 3)
    path, _ = crawl_config(source(server, sessdata="s3cr3t-SESSDATA-value"))
    result = crawl(path, "bili")
    assert result.report["status"] == "needs_credentials", result.report
    assert "SESSDATA" in result.report["error"]
    assert "SESSDATA=s3cr3t-SESSDATA-value" in server.hits_to(NAV)[0].headers["Cookie"]
    assert server.hits_to(SEARCH) == []
    assert "s3cr3t" not in result.log and "s3cr3t" not in json.dumps(result.report)


def test_robots_disallow_means_no_api_request(server, crawl_config, crawl) -> None:  # type: ignore[no-untyped-def]
    FakeBilibili(server, 3)
    server.route("/robots.txt", server.Reply(body="User-agent: *\nDisallow: /x/\n", content_type="text/plain"))
    path, _ = crawl_config(source(server))
    report = crawl(path, "bili").report
    assert report["status"] == "failed" and report["robots_blocked"] == 1, report
    assert server.hits_to(NAV) == [] and server.hits_to(SEARCH) == []


def test_changed_shape_is_counted_sampled_and_degrades(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    FakeBilibili(server, 3)
    changed = {"code": 0, "message": "0", "data": {"items": [{"bvid": "BV1x"}]}}
    server.handle(SEARCH, lambda hit: reply(changed))
    path, _ = crawl_config(source(server))
    report = crawl(path, "bili").report
    assert report["status"] == "degraded" and report["shape_errors"] == 1 and report["created"] == 0, report
    [sample] = report["samples"]
    assert Path(sample).parent == tmp_path / "samples" / "bili"
    assert json.loads(Path(sample).read_text()) == changed
