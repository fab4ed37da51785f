"""The config-driven HTML spider: field parsing, list/detail pages, list-only pages, the incremental rules, and
real crawls (details and pages up to max_pages; next_page stopping at posts already seen)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from crawlers.items import MentionItem
from crawlers.spiders.html import ListPage, content_id, parse_datetime, parse_number

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


# -- numbers and dates --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("4.5", 4.5),
        ("评分：4.5", 4.5),
        ("1,234", 1234.0),
        ("1，234，567 赞", 1234567.0),
        ("4,5", 4.5),  # a decimal comma
        ("1.2万", 12000.0),
        ("3w", 30000.0),
        ("3.4k likes", 3400.0),
        ("2亿", 2e8),
        ("评论(12)", 12.0),
        ("★★★★☆", 4.0),
        ("暂无", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_number(text, number):
    assert parse_number(text) == number


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("2024-03-05 14:30", "%Y-%m-%d %H:%M", datetime(2024, 3, 5, 6, 30, tzinfo=UTC)),
        ("2024-03-05T14:30:00+00:00", None, datetime(2024, 3, 5, 14, 30, tzinfo=UTC)),
        ("2024/03/05 14:30", None, datetime(2024, 3, 5, 6, 30, tzinfo=UTC)),
        ("Tue, 05 Mar 2024 14:30:00 GMT", None, datetime(2024, 3, 5, 14, 30, tzinfo=UTC)),
        ("2024年3月5日 14:30", None, datetime(2024, 3, 5, 6, 30, tzinfo=UTC)),
        ("2024年3月5日", None, datetime(2024, 3, 4, 16, 0, tzinfo=UTC)),
        ("3月5日 08:00", None, datetime(2024, 3, 5, 0, 0, tzinfo=UTC)),  # this year
        ("12月31日", None, datetime(2023, 12, 30, 16, 0, tzinfo=UTC)),  # would be in the future: last year
        ("刚刚", None, NOW),
        ("5分钟前", None, datetime(2024, 3, 10, 3, 55, tzinfo=UTC)),
        ("3 hours ago", None, datetime(2024, 3, 10, 1, 0, tzinfo=UTC)),
        ("昨天 12:30", None, datetime(2024, 3, 9, 4, 30, tzinfo=UTC)),
        # A configured format that does not fit falls back to the other readings.
        ("2天前", "%Y-%m-%d", datetime(2024, 3, 8, 4, 0, tzinfo=UTC)),
        ("", None, None),
    ],
)
def test_parse_datetime(text, fmt, expected):
    assert parse_datetime(text, zone=SHANGHAI, date_format=fmt, now=NOW) == expected


def test_unreadable_date_raises():
    with pytest.raises(ValueError, match="unreadable date"):
        parse_datetime("not a date at all", zone=SHANGHAI, now=NOW)


# -- list and detail pages ----------------------------------------------------------------------------------
BASE = "http://127.0.0.1:8998"

LIST_DETAIL_SOURCE = """
- name: reviews
  type: html
  platform: review-site
  start_urls: ["{base}/reviews"]
  item: "css:div.review"
  link: "css:a.title::attr(href)"
  next_page: "css:a.next::attr(href)"
  date_format: "%Y-%m-%d %H:%M"
  timezone: Asia/Shanghai
  fields:
    text: "css:div.content"
    title: "css:h1.review-title::text"
    author: "css:span.author"
    published_at: "css:span.date::text"
    rating: "css:span.rating::text"
    likes: "css:span.likes::text"
    comments: "css:span.comments::text"
  crawl:
    max_pages: 2
"""

DETAILS = {
    "101": {
        "lang": "zh-CN",
        "title": "先达X5 真香",
        "author": "小李",
        "date": "2024-03-05 14:30",
        "rating": "4.5",
        "likes": "1.2万",
        "comments": "38",
        "text": "<p>用了两周，<b>先达X5</b>拍照很清楚。</p><p>续航也不错！</p>",
    },
    "102": {
        "lang": "en",
        "title": "XianDa X5 disappointing",
        "author": "Sam",
        "date": "2024-03-06 09:15",
        "rating": "2",
        "likes": "1,234",
        "comments": "0",
        "text": "<p>The XianDa X5 overheats when gaming.</p>",
    },
    "104": {
        "lang": "zh-CN",
        "title": "第三页的评价",
        "author": "老王",
        "date": "2024-03-01 10:00",
        "rating": "5",
        "likes": "3",
        "comments": "1",
        "text": "<p>先达的包装很用心。</p>",
    },
}


def _page(url: str, body: str, request: Request | None = None) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=request)


def _detail_html(fixture_file, review_id: str) -> str:
    text = fixture_file("review_detail.html")
    for key, value in DETAILS[review_id].items():
        text = text.replace("{" + key + "}", value)
    return text


@pytest.fixture
def make_spider(crawler_for, tmp_path):
    """``make_spider(config, name)``: the source's spider with cursors that last one run and samples saved
    under ``tmp_path``, its clock set to :data:`NOW` (cutoff: the 7-day backfill before)."""

    def make(config: Any, name: str) -> Any:
        crawler = crawler_for(config, name)
        spider = crawler.spidercls.from_crawler(crawler, cursor_store=None, data_dir=tmp_path)
        spider.started = NOW
        return spider

    return make


@pytest.fixture
def reviews_spider(parse_yaml_config, make_spider):
    return make_spider(parse_yaml_config(LIST_DETAIL_SOURCE.format(base=BASE)), "reviews")


KEY = f"{BASE}/reviews"


def test_list_page_yields_detail_requests_and_waits_to_decide_the_next_page(reviews_spider, fixture_file):
    out = list(reviews_spider.parse_list(_page(KEY, fixture_file("reviews_list_1.html")), key=KEY, page=1))
    assert all(r.callback == reviews_spider.parse_detail for r in out)
    assert [r.url for r in out] == [f"{BASE}/reviews/101?utm=list&from=p1#top", f"{BASE}/reviews/102"]
    assert [r.cb_kwargs for r in out] == [{"key": KEY, "position": 0}, {"key": KEY, "position": 1}]
    assert all(r.errback == reviews_spider.on_error and r.meta["yuqing_cursor"] == KEY for r in out)
    # The next page is decided once the details are read (their dates say whether it is needed).
    assert reviews_spider.waiting == {KEY: ListPage(1, f"{BASE}/reviews?page=2")}
    assert reviews_spider.allowed_domains == ["127.0.0.1"]


def test_items_without_link_are_errors(reviews_spider, fixture_file):
    page = _page(f"{BASE}/reviews?page=2", fixture_file("reviews_list_2.html"))
    out = list(reviews_spider.parse_list(page, key=KEY, page=2))
    assert [r.url for r in out] == [f"{BASE}/reviews/103"]
    assert reviews_spider.crawler.stats.get_value("yuqing/parse_errors") == 1


def test_detail_page_fields(reviews_spider, fixture_file):
    url = f"{BASE}/reviews/101?utm=list&from=p1#top"
    (item,) = list(reviews_spider.parse_detail(_page(url, _detail_html(fixture_file, "101")), key=KEY, position=0))
    assert isinstance(item, MentionItem)
    # No id field: the detail URL, canonical (query sorted, fragment gone), identifies the post.
    assert item.post_id == f"{BASE}/reviews/101?from=p1&utm=list"
    assert item.platform == "review-site"
    assert item.url == url
    assert item.title == "先达X5 真香"
    assert item.author == "小李"
    assert item.text == "用了两周，先达X5拍照很清楚。\n续航也不错！"
    assert item.published_at == datetime(2024, 3, 5, 6, 30, tzinfo=UTC)
    assert item.rating == 4.5
    assert item.likes == 12000
    assert item.comments == 38
    assert item.language == "zh-CN"
    assert reviews_spider.crawler.stats.get_value("yuqing/pages") == 1


def test_details_older_than_the_cutoff_are_not_yielded_and_noted(reviews_spider, fixture_file):
    list(reviews_spider.parse_list(_page(KEY, fixture_file("reviews_list_1.html")), key=KEY, page=1))
    old = _detail_html(fixture_file, "101").replace("2024-03-05 14:30", "2024-02-01 10:00")
    assert list(reviews_spider.parse_detail(_page(f"{BASE}/reviews/101", old), key=KEY, position=1)) == []
    (kept,) = list(
        reviews_spider.parse_detail(_page(f"{BASE}/r/102", _detail_html(fixture_file, "102")), key=KEY, position=0)
    )
    assert kept.post_id == f"{BASE}/r/102"
    assert reviews_spider.waiting[KEY].dated == [(1, True), (0, False)]
    assert reviews_spider.waiting[KEY].reached_old()
    assert reviews_spider.cursor(KEY).seen_max == datetime(2024, 3, 6, 1, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("dated", "reached_old"),
    [
        ([], False),  # nothing dated: nothing tells new from old
        ([(0, False), (1, False)], False),
        ([(0, False), (1, True)], True),
        ([(0, True), (1, False), (2, False)], False),  # an old pinned post above new ones does not stop paging
        ([(2, True), (0, False)], True),  # details arrive in any order: the position counts
    ],
)
def test_a_page_reached_old_posts_when_its_last_dated_post_is_old(dated, reached_old):
    assert ListPage(1, "next", dated).reached_old() is reached_old


def test_a_refused_next_page_ends_the_pages_and_a_failed_detail_holds_the_cursor(reviews_spider):
    from twisted.python.failure import Failure

    from crawlers.middlewares.robots import RobotsBlocked

    refused = Failure(RobotsBlocked("forbidden by robots.txt"))
    refused.request = reviews_spider.list_request(f"{BASE}/reviews?page=2", KEY, 2)
    reviews_spider.on_error(refused)
    assert reviews_spider.cursor(KEY).complete and reviews_spider.failed == set()  # policy, not a failure

    lost = Failure(ConnectionRefusedError("refused"))
    lost.request = reviews_spider.request(f"{BASE}/reviews/102", reviews_spider.parse_detail, key=KEY)
    reviews_spider.on_error(lost)
    assert reviews_spider.failed == {KEY}  # this start URL's cursor stays where it was
    assert reviews_spider.crawler.stats.get_value("yuqing/request_failed") == 1


def test_text_from_descendant_text_nodes_keeps_sentences_whole(parse_yaml_config, make_spider, fixture_file):
    # The selector style of the example config: every text node under the content element.
    source = LIST_DETAIL_SOURCE.format(base=BASE).replace('text: "css:div.content"', 'text: "css:div.content ::text"')
    spider = make_spider(parse_yaml_config(source), "reviews")
    html = _detail_html(fixture_file, "101").replace("</p><p>", "</p>\n      <p>")
    (item,) = list(spider.parse_detail(_page(f"{BASE}/reviews/101", html), key=KEY, position=0))
    assert item.text == "用了两周，先达X5拍照很清楚。\n续航也不错！"


def test_detail_page_without_text_is_a_parse_error(reviews_spider, fixture_file):
    page = _page(f"{BASE}/reviews/103", fixture_file("review_deleted.html"))
    assert list(reviews_spider.parse_detail(page, key=KEY, position=0)) == []
    assert reviews_spider.crawler.stats.get_value("yuqing/parse_errors") == 1


def test_a_list_page_matching_no_items_is_a_shape_error(reviews_spider, tmp_path):
    page = _page(KEY, "<html><body><p>新版页面</p></body></html>")
    assert list(reviews_spider.parse_list(page, key=KEY, page=1)) == []
    stats = reviews_spider.crawler.stats
    assert stats.get_value("yuqing/shape_errors") == stats.get_value("yuqing/parse_errors") == 1
    [sample] = stats.get_value("yuqing/samples")
    assert sample.startswith(str(tmp_path / "samples" / "reviews"))
    assert reviews_spider.waiting == {}  # the start URL is not finished: its cursor will not advance


def test_a_non_html_response_is_a_parse_error(reviews_spider):
    from scrapy.http import Response

    assert list(reviews_spider.parse_detail(Response(f"{BASE}/x.pdf", body=b"%PDF"), key=KEY, position=0)) == []
    assert reviews_spider.crawler.stats.get_value("yuqing/parse_errors") == 1


# -- list-only pages ----------------------------------------------------------------------------------------
LIST_ONLY_SOURCE = """
- name: forum
  type: html
  start_urls: ["{base}/forum"]
  item: "css:li.post"
  timezone: Asia/Shanghai
  fields:
    id: "xpath:@data-pid"
    text: "css:p.body"
    author: "css:span.author::text"
    published_at: "xpath:(.//time/@datetime | .//time/text())[1]"
    likes: "css:span.likes::text"
"""


@pytest.fixture
def forum_spider(parse_yaml_config, make_spider):
    return make_spider(parse_yaml_config(LIST_ONLY_SOURCE.format(base=BASE)), "forum")


def test_list_only_items(forum_spider, fixture_file):
    key = f"{BASE}/forum"
    items = list(forum_spider.parse_list(_page(key, fixture_file("forum_list.html")), key=key, page=1))
    assert [i.author for i in items] == ["张三", "李四", "赵六"]  # 王五's post has no text: skipped
    first, second, third = items
    assert first.post_id == "p-1"
    assert first.text == "先达的客服态度很好，点赞！"
    assert first.published_at == datetime(2024, 3, 5, 2, 0, tzinfo=UTC)  # the datetime attribute
    assert first.likes == 1234
    assert first.url == key
    assert first.platform == "web"  # the html type's default platform
    assert first.language == "zh"
    # No id and no url: a digest of the post's own content, the same on every crawl.
    assert second.post_id == content_id("李四", None, "露米耳机降噪一般般。")
    assert second.published_at == datetime(2024, 3, 6, 4, 30, tzinfo=UTC)
    assert second.likes == 12000
    # An unreadable date is a parse error, but the post is kept without it.
    assert third.published_at is None
    assert forum_spider.crawler.stats.get_value("yuqing/parse_errors") == 2
    assert forum_spider.waiting[key] == ListPage(1, None, [(0, False), (1, False)])

    again = list(forum_spider.parse_list(_page(f"{key}?page=1", fixture_file("forum_list.html")), key=key, page=1))
    assert [i.post_id for i in again] == [i.post_id for i in items]


def test_list_only_items_older_than_the_backfill_are_left_out(forum_spider, fixture_file):
    forum_spider.started = NOW + timedelta(days=10)  # 7-day backfill: back to 2024-03-13
    key = f"{BASE}/forum"
    items = list(forum_spider.parse_list(_page(key, fixture_file("forum_list.html")), key=key, page=1))
    assert [i.author for i in items] == ["赵六"]  # undated: always kept
    assert forum_spider.waiting[key].reached_old()


def test_a_callback_never_raises(forum_spider, fixture_file, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("selector engine exploded")

    monkeypatch.setattr(forum_spider, "build_item", broken)
    page = TextResponse(f"{BASE}/forum", body=fixture_file("forum_list.html").encode(), encoding="utf-8")
    assert list(forum_spider.parse_list(page, key=f"{BASE}/forum", page=1)) == []
    assert forum_spider.crawler.stats.get_value("yuqing/parse_errors") == 1


# -- real crawls --------------------------------------------------------------------------------------------
def test_real_crawl_follows_details_and_pages_up_to_max_pages(server, crawl_config, crawl, fixture_file, tmp_path):
    server.file("/reviews", "reviews_list_1.html", "text/html; charset=utf-8")
    list_2 = fixture_file("reviews_list_2.html").replace(
        '</div>\n  <a class="next"',
        # A link to another host (here: the same server under another name) must not be followed.
        f'  <div class="review"><a class="title" href="http://localhost:{server.port}/reviews/104">x</a></div>\n'
        '  </div>\n  <a class="next"',
        1,
    )
    assert f"localhost:{server.port}/reviews/104" in list_2
    server.route("/reviews?page=2", list_2)
    server.file("/reviews?page=3", "reviews_list_3.html", "text/html; charset=utf-8")
    for review_id, path in (("101", "/reviews/101?utm=list&from=p1"), ("102", "/reviews/102"), ("104", "/reviews/104")):
        server.route(path, _detail_html(fixture_file, review_id))
    server.file("/reviews/103", "review_deleted.html", "text/html; charset=utf-8")
    # The reviews date from 2024: a backfill long enough to reach them.
    path, _ = crawl_config(LIST_DETAIL_SOURCE.format(base=server.base) + "  backfill: 36500d\n")

    report = crawl(path, "reviews").report

    fetched = server.paths()
    assert fetched[0] == "/robots.txt"
    assert "/reviews?page=3" not in fetched and "/reviews/104" not in fetched
    assert {"/reviews", "/reviews?page=2", "/reviews/101?utm=list&from=p1", "/reviews/102", "/reviews/103"} <= set(
        fetched
    )
    assert report["pages"] == 5
    assert report["parse_errors"] == 2  # the item without a link, the deleted review
    assert report["created"] == 2
    assert report["brands"] == {"xianda": 2}
    assert report["status"] == "degraded"

    from index.base import mention_id
    from index.sqlite import SQLiteMentionStore

    store = SQLiteMentionStore(f"sqlite:///{(tmp_path / 'mentions.sqlite3').as_posix()}")
    try:
        mention = store.get(mention_id("review-site", f"{server.base}/reviews/102"))
        assert mention is not None
        assert mention.rating == 2.0 and mention.likes == 1234 and mention.comments == 0
        assert mention.language == "en"
        assert mention.published_at == datetime(2024, 3, 6, 1, 15, tzinfo=UTC)
    finally:
        store.close()


class Board:
    """A forum board, newest threads first, three a page under one pinned (old) thread; threads on their own
    pages with their date."""

    PER_PAGE = 3

    def __init__(self, now: datetime):
        self.now = now
        self.pinned = ("pin", now - timedelta(days=60))
        self.threads = [(f"t{i}", now - age) for i, age in enumerate(
            [timedelta(hours=1), timedelta(hours=2), timedelta(hours=3), timedelta(hours=4), timedelta(days=10),
             timedelta(days=11), timedelta(days=12)], start=1)]  # fmt: skip

    def list_page(self, hit: Any) -> str:
        number = int(hit.query.get("page", "1"))
        shown = self.threads[(number - 1) * self.PER_PAGE : number * self.PER_PAGE]
        if number == 1:
            shown = [self.pinned, *shown]
        rows = "".join(f'<li class="thread"><a href="/t/{tid}">{tid}</a></li>' for tid, _ in shown)
        more = number * self.PER_PAGE < len(self.threads)
        nav = f'<a class="next" href="/board?page={number + 1}">下一页</a>' if more else ""
        return f'<html lang="zh-CN"><body><ul>{rows}</ul>{nav}</body></html>'

    def thread(self, hit: Any) -> str:
        tid = hit.route.rsplit("/", 1)[1]
        when = dict([self.pinned, *self.threads])[tid]
        return (
            f'<html><body><article data-id="{tid}"><time datetime="{when.isoformat()}"></time>'
            f'<div class="body">先达手机讨论帖 {tid}</div></article></body></html>'
        )


def test_next_page_stops_at_posts_already_seen(server, crawl_config, crawl):
    server.route("/robots.txt", server.Reply(status=404, body="", content_type="text/plain"))
    board = Board(datetime.now(UTC).replace(microsecond=0))
    server.handle("/board", board.list_page)
    for tid in ["pin", "t0"] + [f"t{i}" for i in range(1, 8)]:
        server.handle(f"/t/{tid}", board.thread)
    path, _ = crawl_config(
        f"""
        - name: board
          type: html
          start_urls: ["{server.url("/board")}"]
          item: "css:li.thread"
          link: "css:a::attr(href)"
          next_page: "css:a.next::attr(href)"
          fields:
            id: "css:article::attr(data-id)"
            published_at: "css:time::attr(datetime)"
            text: "css:div.body"
          crawl:
            max_pages: 5
        """
    )

    first = crawl(path, "board").report
    # Page 1: the pinned thread (old, not stored, not a reason to stop), t1-t3. Page 2: t4, then t5 and t6 are
    # older than the 7-day backfill: the board's pages stop there.
    assert first["status"] == "ok", first
    assert first["created"] == 4
    assert [h.path for h in server.hits_to("/board")] == ["/board", "/board?page=2"]

    board.threads.insert(0, ("t0", board.now - timedelta(minutes=5)))
    second = crawl(path, "board").report
    # Page 1 now: pin, t0 (new), t1 (the old high-water mark, inside the overlap), t2 (older): no page 2.
    assert second["status"] == "ok", second
    assert (second["created"], second["unchanged"]) == (1, 1)
    assert [h.path for h in server.hits_to("/board")][2:] == ["/board"]
