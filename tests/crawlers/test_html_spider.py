"""The config-driven HTML spider: field parsing, list/detail pages, list-only pages, and a real crawl."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from crawlers.items import MentionItem
from crawlers.spiders.html import content_id, parse_datetime, parse_number

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
def reviews_spider(parse_yaml_config, spider_for):
    config = parse_yaml_config(LIST_DETAIL_SOURCE.format(base=BASE))
    return spider_for(config, "reviews")


def test_list_page_yields_detail_requests_and_the_next_page(reviews_spider, fixture_file):
    out = list(reviews_spider.parse_list(_page(f"{BASE}/reviews", fixture_file("reviews_list_1.html")), page=1))
    assert all(isinstance(r, Request) for r in out)
    details = [r for r in out if r.callback == reviews_spider.parse_detail]
    assert [r.url for r in details] == [f"{BASE}/reviews/101?utm=list&from=p1#top", f"{BASE}/reviews/102"]
    assert all(r.errback == reviews_spider.on_error for r in out)
    (next_page,) = [r for r in out if r.callback == reviews_spider.parse_list]
    assert next_page.url == f"{BASE}/reviews?page=2"
    assert next_page.cb_kwargs == {"page": 2}
    assert reviews_spider.allowed_domains == ["127.0.0.1"]


def test_next_page_stops_at_max_pages_and_items_without_link_are_errors(reviews_spider, fixture_file):
    out = list(reviews_spider.parse_list(_page(f"{BASE}/reviews?page=2", fixture_file("reviews_list_2.html")), page=2))
    assert [r.url for r in out] == [f"{BASE}/reviews/103"]  # no page 3: max_pages is 2
    assert reviews_spider.crawler.stats.get_value("yuqing/parse_errors") == 1


def test_detail_page_fields(reviews_spider, fixture_file):
    url = f"{BASE}/reviews/101?utm=list&from=p1#top"
    (item,) = list(reviews_spider.parse_detail(_page(url, _detail_html(fixture_file, "101"))))
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


def test_text_from_descendant_text_nodes_keeps_sentences_whole(parse_yaml_config, spider_for, fixture_file):
    # The selector style of the example config: every text node under the content element.
    source = LIST_DETAIL_SOURCE.format(base=BASE).replace('text: "css:div.content"', 'text: "css:div.content ::text"')
    spider = spider_for(parse_yaml_config(source), "reviews")
    html = _detail_html(fixture_file, "101").replace("</p><p>", "</p>\n      <p>")
    (item,) = list(spider.parse_detail(_page(f"{BASE}/reviews/101", html)))
    assert item.text == "用了两周，先达X5拍照很清楚。\n续航也不错！"


def test_detail_page_without_text_is_a_parse_error(reviews_spider, fixture_file):
    assert list(reviews_spider.parse_detail(_page(f"{BASE}/reviews/103", fixture_file("review_deleted.html")))) == []
    assert reviews_spider.crawler.stats.get_value("yuqing/parse_errors") == 1


def test_a_list_page_matching_no_items_is_a_parse_error(reviews_spider):
    page = _page(f"{BASE}/reviews", "<html><body><p>新版页面</p></body></html>")
    assert list(reviews_spider.parse_list(page, page=1)) == []
    assert reviews_spider.crawler.stats.get_value("yuqing/parse_errors") == 1


def test_a_non_html_response_is_a_parse_error(reviews_spider):
    from scrapy.http import Response

    assert list(reviews_spider.parse_detail(Response(f"{BASE}/x.pdf", body=b"%PDF"))) == []
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
def forum_spider(parse_yaml_config, spider_for):
    return spider_for(parse_yaml_config(LIST_ONLY_SOURCE.format(base=BASE)), "forum")


def test_list_only_items(forum_spider, fixture_file):
    page = _page(f"{BASE}/forum", fixture_file("forum_list.html"))
    items = list(forum_spider.parse_list(page, page=1))
    assert [i.author for i in items] == ["张三", "李四", "赵六"]  # 王五's post has no text: skipped
    first, second, third = items
    assert first.post_id == "p-1"
    assert first.text == "先达的客服态度很好，点赞！"
    assert first.published_at == datetime(2024, 3, 5, 2, 0, tzinfo=UTC)  # the datetime attribute
    assert first.likes == 1234
    assert first.url == f"{BASE}/forum"
    assert first.platform == "web"  # the html type's default platform
    assert first.language == "zh"
    # No id and no url: a digest of the post's own content, the same on every crawl.
    assert second.post_id == content_id("李四", None, "露米耳机降噪一般般。")
    assert second.published_at == datetime(2024, 3, 6, 4, 30, tzinfo=UTC)
    assert second.likes == 12000
    # An unreadable date is a parse error, but the post is kept without it.
    assert third.published_at is None
    assert forum_spider.crawler.stats.get_value("yuqing/parse_errors") == 2

    again = list(forum_spider.parse_list(_page(f"{BASE}/forum?page=1", fixture_file("forum_list.html")), page=1))
    assert [i.post_id for i in again] == [i.post_id for i in items]


def test_a_callback_never_raises(forum_spider, fixture_file, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("selector engine exploded")

    monkeypatch.setattr(forum_spider, "build_item", broken)
    page = TextResponse(f"{BASE}/forum", body=fixture_file("forum_list.html").encode(), encoding="utf-8")
    assert list(forum_spider.parse_list(page, page=1)) == []
    assert forum_spider.crawler.stats.get_value("yuqing/parse_errors") == 1


# -- a real crawl -------------------------------------------------------------------------------------------
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
    path, _ = crawl_config(LIST_DETAIL_SOURCE.format(base=server.base))

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
