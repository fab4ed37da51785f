"""The App Store review-feed parser on the real JP capture (cross-checked against its JSON twin) and on our own
feed, including the app's own entry, a broken review, the JSON form and changed shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.platforms import get_platform
from crawlers.platforms.base import ShapeError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "app_store"
APPLE = get_platform("app_store")
CAPTURE = "fixtures/app_store/itunes_jp_rss_customerreviews_id1404176564"


def test_real_jp_feed(shared_dir: Path) -> None:
    page = APPLE.parse_any((shared_dir / f"{CAPTURE}.xml").read_bytes())
    assert (page.kind, len(page.items), page.problems) == ("reviews", 50, [])
    assert page.next == {"page": 2}  # rel="last" points at page 8
    first = page.items[0]
    assert (first.post_id, first.author, first.title, first.rating) == (
        "6310006838",
        "単刀直入にさきいか",
        "髪型追加してもらいたい",
        5.0,
    )
    assert first.text.startswith("いろんな髪型追加して欲しい\n片方ツインテール")  # the text content, not the HTML one
    assert first.published_at == datetime(2020, 8, 12, 11, 6, 20, tzinfo=UTC)  # -07:00 in the feed
    assert first.language == "ja"
    assert first.url == "https://apps.apple.com/jp/app/id1404176564?see-all=reviews"
    assert first.extra == {
        "kind": "review",
        "app_id": "1404176564",
        "country": "jp",
        "app_version": "3.5.0",
        "vote_sum": 0,
        "vote_count": 0,
        "author_url": "https://itunes.apple.com/jp/reviews/id945418104",
    }
    dates = [item.published_at for item in page.items if item.published_at is not None]
    assert len(dates) == 50 and dates == sorted(dates, reverse=True)  # mostrecent: newest first


def test_real_feed_agrees_with_its_json_twin(shared_dir: Path) -> None:
    """The JSON form (captured at another moment, undated) holds many of the same reviews: same fields."""
    page = APPLE.parse("reviews", (shared_dir / f"{CAPTURE}.xml").read_bytes())
    entries = json.loads((shared_dir / f"{CAPTURE}.json").read_bytes())["feed"]["entry"]
    by_id = {entry["id"]["label"]: entry for entry in entries}
    common = [item for item in page.items if item.post_id in by_id]
    assert len(common) > 30
    for item in common:
        entry = by_id[item.post_id]
        assert item.rating == float(entry["im:rating"]["label"])
        assert item.extra["app_version"] == entry["im:version"]["label"]
        assert (item.title, item.author) == (entry["title"]["label"], entry["author"]["name"]["label"])
        assert item.text == entry["content"]["label"].strip()


def test_json_form_is_refused_for_lack_of_dates(shared_dir: Path) -> None:
    with pytest.raises(ShapeError, match="no review dates"):
        APPLE.parse_any((shared_dir / f"{CAPTURE}.json").read_bytes())


def test_own_feed_with_app_entry_and_broken_review() -> None:
    page = APPLE.parse_any((FIXTURES / "customerreviews_cn_page1.xml").read_bytes())
    assert [item.post_id for item in page.items] == ["11000000003", "11000000002"]  # the app's entry is skipped
    assert len(page.problems) == 1 and "entry 3" in page.problems[0] and "'five' is not 1-5" in page.problems[0]
    crash, praise = page.items
    assert crash.text == "升级到 5.2 以后一打开就闪退，\n客服电话一直占线。" and crash.title == "更新后闪退"
    assert (crash.rating, crash.likes, crash.extra["vote_count"], crash.extra["app_version"]) == (1.0, 4, 5, "5.2.0")
    assert crash.published_at == datetime(2024, 6, 11, 1, 30, 5, tzinfo=UTC) and crash.language == "zh-cn"
    assert praise.published_at == datetime(2024, 6, 10, 9, 15, tzinfo=UTC)  # "Z"
    assert praise.url == "https://apps.apple.com/cn/app/id1550000001?see-all=reviews"
    assert page.next == {"page": 2}


def test_last_page_and_empty_feed() -> None:
    body = (FIXTURES / "customerreviews_cn_page1.xml").read_bytes()
    last = body.replace(
        b'rel="self" href="https://itunes.apple.com/cn/rss/customerreviews/page=1',
        b'rel="self" href="https://itunes.apple.com/cn/rss/customerreviews/page=3',
    )
    assert APPLE.parse("reviews", last).next is None
    empty = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns:im="http://itunes.apple.com/rss" '
        b'xmlns="http://www.w3.org/2005/Atom"><id>https://itunes.apple.com/us/rss/customerreviews/id=1/xml</id>'
        b"<title>iTunes Store: Customer Reviews</title></feed>"
    )
    page = APPLE.parse_any(empty)
    assert page.items == [] and page.next is None and page.problems == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<!DOCTYPE html><html><body>Service Unavailable</body></html>", "DOCTYPE"),
        (b"<html><body>Not found</body></html>", "not an Atom feed"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "not an Atom feed"),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>", "not XML"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><feed/>', "DOCTYPE"),
        (b"", "not XML"),
    ],
)
def test_changed_shapes_are_shape_errors(body: bytes, reason: str) -> None:
    with pytest.raises(ShapeError, match=reason):
        APPLE.parse("reviews", body)
    with pytest.raises(ShapeError):
        APPLE.detect(body)


def test_source_config_normalises_ids_and_storefronts(parse_yaml_config) -> None:  # type: ignore[no-untyped-def]
    from config.loader import ConfigError

    yaml = "- name: ios\n  type: app_store\n  brand: xianda\n  app_ids: [{ids}]\n  countries: [{countries}]\n"
    config = parse_yaml_config(yaml.format(ids="id1550000001, '987654321'", countries="CN, us"))
    source = config.source("ios")
    assert (source.app_ids, source.countries) == (["1550000001", "987654321"], ["cn", "us"])
    with pytest.raises(ConfigError, match="not an App Store id"):
        parse_yaml_config(yaml.format(ids="com.xianda.life", countries="cn"))
    with pytest.raises(ConfigError, match="two-letter storefront"):
        parse_yaml_config(yaml.format(ids="1550000001", countries="china"))
