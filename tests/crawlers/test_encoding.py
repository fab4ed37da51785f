"""Pages in the encoding they really are: real Chinese text served as GBK with a wrong or missing charset.

The texts are real reviews from ``../shared/data/sentiment/waimai_10k_test.csv`` and a real Tieba page from
``../shared/fixtures/tieba``; only their encoding (and the header that lies about it) is made up here.
"""

from __future__ import annotations

import csv
import html
import random
from pathlib import Path

import pytest

from crawlers.encoding import detect_encoding
from index.base import MentionFilter, SearchRequest
from index.sqlite import SQLiteMentionStore
from tests.conftest import unavailable


def _reviews(shared_dir: Path, n: int) -> list[str]:
    path = shared_dir / "data" / "sentiment" / "waimai_10k_test.csv"
    if not path.exists():
        unavailable(f"{path} is absent (the shared corpora are not mounted)")
    with path.open(encoding="utf-8") as fh:
        texts = [row["text"].strip() for row in csv.DictReader(fh)]
    # Texts GBK can hold without a character reference (a few reviews use emoji), none of them blank.
    return [t for t in texts if t and t.encode("gbk", errors="ignore").decode("gbk") == t][:n]


@pytest.mark.parametrize(
    "content_type", ["text/html; charset=utf-8", "text/html; charset=ISO-8859-1", "text/html", None]
)
def test_gbk_reviews_are_recognised_whatever_the_header_says(shared_dir: Path, content_type: str | None):
    texts = _reviews(shared_dir, 40)
    page = "<html><body>" + "".join(f"<p>{html.escape(t)}</p>" for t in texts) + "</body></html>"
    body = page.encode("gbk")
    decision = detect_encoding(body, content_type)
    assert decision.encoding == "gb18030", decision
    assert body.decode(decision.encoding) == page


def test_a_real_tieba_page_as_gbk_with_a_utf8_header(shared_dir: Path):
    path = shared_dir / "fixtures" / "tieba" / "search_keyword_notes.html"
    if not path.exists():
        unavailable(f"{path} is absent (the shared fixtures are not mounted)")
    text = path.read_text(encoding="utf-8")
    assert detect_encoding(text.encode("utf-8"), "text/html").encoding == "utf-8"
    body = text.encode("gbk", errors="xmlcharrefreplace")
    assert detect_encoding(body, "text/html; charset=utf-8").encoding == "gb18030"


def test_bom_and_true_declarations_win_and_noise_is_undecodable():
    assert detect_encoding("\ufeff先达".encode("utf-8-sig"), "text/html; charset=gbk").how == "bom"
    page = '<meta charset="gbk"><p>先达的售后电话一直打不通。</p>'.encode("gbk")
    assert detect_encoding(page, "text/html").encoding == "gb18030"  # the <meta> is right
    rng = random.Random(1)
    noise = bytes(rng.randrange(256) for _ in range(3000))
    assert detect_encoding(noise, "text/html").how == "undecodable"


SOURCE = """
- name: gbk-forum
  type: html
  start_urls: ["{url}"]
  item: "css:li.post"
  backfill: 36500d
  fields:
    id: "xpath:@data-pid"
    text: "css:p.body"
"""


def test_a_gbk_page_with_a_wrong_charset_is_crawled_into_correct_text(
    server, crawl_config, crawl, tmp_path, shared_dir: Path
):
    texts = [f"先达外卖：{t}" for t in _reviews(shared_dir, 12)]
    posts = "".join(
        f'<li class="post" data-pid="r{i}"><p class="body">{html.escape(t)}</p></li>' for i, t in enumerate(texts)
    )
    body = f"<html><head><title>论坛</title></head><body><ul>{posts}</ul></body></html>".encode("gbk")
    server.route("/robots.txt", server.Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"))
    server.route("/forum", server.Reply(body=body, content_type="text/html; charset=utf-8"))  # a lie
    path, _ = crawl_config(SOURCE.format(url=server.url("/forum")))

    report = crawl(path, "gbk-forum").report

    assert report["items_matched"] == len(texts), report
    assert report["created"] == len(texts)
    assert report["dropped"].get("no_brand", 0) == 0
    store = SQLiteMentionStore(f"sqlite:///{(tmp_path / 'mentions.sqlite3').as_posix()}")
    try:
        page = store.search(SearchRequest(filter=MentionFilter(), limit=50))
        stored = sorted(hit.mention.text for hit in page.hits)
    finally:
        store.close()
    assert stored == sorted(texts)


def test_an_undecodable_page_counts_as_an_error_of_the_run(server, crawl_config, crawl):
    rng = random.Random(7)
    noise = b"<html><body>" + bytes(rng.randrange(128, 256) for _ in range(4000)) + b"</body></html>"
    server.route("/robots.txt", server.Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"))
    server.route("/forum", server.Reply(body=noise, content_type="text/html"))
    path, _ = crawl_config(SOURCE.format(url=server.url("/forum")))

    report = crawl(path, "gbk-forum").report

    assert report["status"] != "ok", report
    assert report["parse_errors"] >= 1
    assert "could not be decoded" in (report["error"] or "")
