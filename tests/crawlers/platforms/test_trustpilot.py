"""The Trustpilot parser on our own review page (no real capture exists: the shape is unverified), including
broken reviews, a company reply, pagination, a bot check and changed structures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.platforms import get_platform
from crawlers.platforms.base import ShapeError
from crawlers.platforms.trustpilot import iso_time

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "trustpilot"
TP = get_platform("trustpilot")


def page_with(props: dict[str, object]) -> bytes:
    data = json.dumps({"props": {"pageProps": props}})
    return f'<html><body><script id="__NEXT_DATA__" type="application/json">{data}</script></body></html>'.encode()


def test_own_review_page() -> None:
    page = TP.parse_any((FIXTURES / "review_xianda.example_page1.html").read_bytes())
    assert page.kind == "reviews" and page.total == 1234 and page.next == {"page": 2}
    assert [i.post_id for i in page.items] == ["65e5a1b2c3d4e5f600000001", "65e5a1b2c3d4e5f600000002"]
    assert page.problems == [
        "review 2: review 65e5a1b2c3d4e5f600000003 has no title or text",
        "review 3: review 65e5a1b2c3d4e5f600000004 has no readable dates.publishedDate",
    ]
    complaint, praise = page.items
    assert (complaint.title, complaint.rating, complaint.language) == ("充电器两周就坏了", 1.0, "zh")
    assert complaint.text == "先达X5的充电器用了两周就不能充电，客服十天才回复。"
    assert complaint.url == "https://www.trustpilot.com/reviews/65e5a1b2c3d4e5f600000001"
    assert complaint.published_at == datetime(2024, 3, 4, 8, 15, tzinfo=UTC)
    assert complaint.extra == {
        "kind": "review",
        "verified": True,
        "country": "CN",
        "consumer_reviews": 2,
        "experienced_at": "2024-03-04T00:00:00+00:00",
        "domain": "xianda.example",
        "business": "XianDa Mobile",
        "reply": {
            "text": "您好，非常抱歉给您带来不便，我们已安排更换充电器。",
            "published_at": "2024-03-04T10:02:31+00:00",
        },
    }
    assert (praise.author, praise.likes, praise.extra["verified"]) == ("Tom H.", 4, False)
    assert "reply" not in praise.extra


def test_the_last_page_has_no_next() -> None:
    review = {
        "id": "r1",
        "rating": 4,
        "title": "OK",
        "text": "Fine",
        "dates": {"publishedDate": "2024-01-01T00:00:00Z"},
    }
    pagination = {"currentPage": 3, "perPage": 20, "totalCount": 45, "totalPages": 3}
    page = TP.parse("reviews", page_with({"reviews": [review], "filters": {"pagination": pagination}}))
    assert page.next is None and page.total == 45 and [i.text for i in page.items] == ["Fine"]


def test_missing_pagination_is_reported_not_guessed() -> None:
    review = {"id": "r1", "rating": 2, "text": "Slow delivery", "dates": {"publishedDate": "2024-01-01T00:00:00Z"}}
    page = TP.parse("reviews", page_with({"reviews": [review]}))
    assert page.next is None and len(page.items) == 1
    assert page.problems == ["no props.pageProps.filters.pagination: cannot tell whether older pages follow"]
    assert TP.parse("reviews", page_with({"reviews": []})).problems == []  # a company without reviews


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ((FIXTURES / "bot_check.html").read_bytes(), 'no <script id="__NEXT_DATA__">'),
        (page_with({"businessUnit": {"displayName": "x"}}), "no 'reviews' list"),
        (b'<script id="__NEXT_DATA__">{"props": {}}</script>', r"missing \['props'\]\['pageProps'\]"),
        (b'<script id="__NEXT_DATA__">{not json</script>', "__NEXT_DATA__ is not JSON"),
        (b'{"reviews": []}', "got JSON where a review page was expected"),
    ],
)
def test_changed_shapes_are_shape_errors(body: bytes, reason: str) -> None:
    with pytest.raises(ShapeError, match=reason):
        TP.parse("reviews", body)
    with pytest.raises(ShapeError):
        TP.detect(body)


def test_iso_time() -> None:
    assert iso_time("2024-03-04T08:15:00.000Z") == datetime(2024, 3, 4, 8, 15, tzinfo=UTC)
    assert iso_time("2024-03-04T16:15:00+08:00") == datetime(2024, 3, 4, 8, 15, tzinfo=UTC)
    assert iso_time("not a date") is None and iso_time(None) is None
