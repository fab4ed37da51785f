"""``GET /mentions`` and ``/mentions/{id}``."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.resources import Resources
from tests.api.conftest import AUTH
from tests.factories import NOW, make_mention


def seed(resources: Resources) -> list[str]:
    mentions = [
        make_mention("鲜达外卖配送太慢，申请退款没人理", label="negative", score=0.05, ago=timedelta(hours=1)),
        make_mention("鲜达外卖很好吃，送得快", label="positive", score=0.95, ago=timedelta(hours=2)),
        make_mention(
            "Lumi phone battery is <b>great</b> <script>alert(1)</script>",
            platform="reviews",
            brands=["光屿手机"],
            label="unscored",
            language="en",
            ago=timedelta(hours=3),
        ),
        make_mention("光屿手机退款流程很快", brands=["光屿手机"], label="positive", score=0.8, ago=timedelta(days=3)),
    ]
    resources.mentions.upsert(mentions)
    return [m.id for m in mentions]


def test_requires_api_key(client: TestClient) -> None:
    response = client.get("/api/v1/mentions")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/mentions", headers={"X-API-Key": "wrong-key-wrong-key"}).status_code == 401
    bearer = {"Authorization": f"Bearer {AUTH['X-API-Key']}"}
    assert client.get("/api/v1/mentions", headers=bearer).status_code == 200


def test_search_words_filters_and_highlight(client: TestClient, resources: Resources) -> None:
    ids = seed(resources)
    page = client.get("/api/v1/mentions", params={"q": "退款"}, headers=AUTH).json()
    assert {m["id"] for m in page["items"]} == {ids[0], ids[3]} and page["total"] == 2
    assert "<mark>退款</mark>" in page["items"][0]["highlight"]["text"]
    page = client.get("/api/v1/mentions", params={"q": "退款", "brand": "鲜达外卖"}, headers=AUTH).json()
    assert [m["id"] for m in page["items"]] == [ids[0]]
    page = client.get(
        "/api/v1/mentions", params={"sentiment": ["positive", "negative"], "brand": "鲜达外卖"}, headers=AUTH
    ).json()
    assert page["total"] == 2
    page = client.get("/api/v1/mentions", params={"score_max": 0.1}, headers=AUTH).json()
    assert [m["id"] for m in page["items"]] == [ids[0]]
    since = (NOW - timedelta(days=1)).isoformat()
    assert client.get("/api/v1/mentions", params={"since": since}, headers=AUTH).json()["total"] == 3
    naive = (NOW - timedelta(days=1)).replace(tzinfo=None).isoformat()
    assert client.get("/api/v1/mentions", params={"since": naive}, headers=AUTH).json()["total"] == 3


def test_english_search_escapes_hostile_text(client: TestClient, resources: Resources) -> None:
    ids = seed(resources)
    page = client.get("/api/v1/mentions", params={"q": "BATTERY great", "sort": "relevance"}, headers=AUTH).json()
    assert [m["id"] for m in page["items"]] == [ids[2]]
    fragment = page["items"][0]["highlight"]["text"]
    assert "<script>" not in fragment and "&lt;script&gt;" in fragment
    assert "<mark>battery</mark>" in fragment


def test_cursor_paging_walks_everything_once(client: TestClient, resources: Resources) -> None:
    resources.mentions.upsert([make_mention(f"鲜达 第{i}条", ago=timedelta(minutes=i)) for i in range(11)])
    seen: list[str] = []
    params: dict[str, object] = {"limit": 4}
    while True:
        page = client.get("/api/v1/mentions", params=params, headers=AUTH).json()
        seen += [m["id"] for m in page["items"]]
        if not page["next_cursor"]:
            break
        params = {"limit": 4, "cursor": page["next_cursor"]}
    assert len(seen) == len(set(seen)) == 11


def test_bad_parameters_are_4xx_with_a_reason(client: TestClient) -> None:
    cases = {
        "sentiment=angry": ("sentiment", 422),
        "score_min=2": ("score_min", 422),
        "since=2026-02-01&until=2026-01-01": ("since", 422),
        "limit=1000": ("limit", 422),
        "offset=5000": ("offset", 422),
        "brnad=x": ("brnad", 422),
        "cursor=bogus": ("cursor", 400),
        "q=%21%21%21": ("letters", 400),
        "since=yesterday": ("since", 422),
    }
    for query, (word, status) in cases.items():
        response = client.get(f"/api/v1/mentions?{query}", headers=AUTH)
        assert response.status_code == status, query
        assert word in response.json()["error"]["message"], (query, response.json())


def test_cursor_from_another_search_is_refused(client: TestClient, resources: Resources) -> None:
    resources.mentions.upsert([make_mention(f"鲜达 {i}") for i in range(3)])
    cursor = client.get("/api/v1/mentions", params={"limit": 1}, headers=AUTH).json()["next_cursor"]
    response = client.get("/api/v1/mentions", params={"limit": 1, "cursor": cursor, "brand": "x"}, headers=AUTH)
    assert response.status_code == 400 and "different search" in response.json()["error"]["message"]


def test_get_one_mention(client: TestClient, resources: Resources) -> None:
    ids = seed(resources)
    body = client.get(f"/api/v1/mentions/{ids[0]}", headers=AUTH).json()
    assert body["id"] == ids[0] and body["sentiment_label"] == "negative" and "content_hash" not in body
    for bad in ("0" * 24, "not-an-id"):
        response = client.get(f"/api/v1/mentions/{bad}", headers=AUTH)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_phone_numbers_and_e_mail_addresses_in_posts_are_masked(client: TestClient, resources: Resources) -> None:
    post = make_mention(
        "鲜达外卖退款不到账，请联系我 138 1234 5678 或 zhang.wei@example.com", title="退款 13812345678", post_id="p"
    )
    resources.mentions.upsert([post])
    hit = client.get("/api/v1/mentions", params={"q": "退款"}, headers=AUTH).json()["items"][0]
    one = client.get(f"/api/v1/mentions/{post.id}", headers=AUTH).json()
    for body in (hit, one):
        assert "1234" not in body["text"] and "*******5678" in body["text"]
        assert "zhang.wei@" not in body["text"] and "@example.com" in body["text"]
        assert body["title"] == "退款 *******5678"
    assert all("1234" not in fragment for fragment in hit["highlight"].values())
    assert "<mark>退款</mark>" in hit["highlight"]["text"]


# -- the search language ------------------------------------------------------------------------------------------
def test_q_takes_the_search_language(client: TestClient, resources: Resources) -> None:
    ids = seed(resources)

    def found(q: str) -> set[str]:
        response = client.get("/api/v1/mentions", params={"q": q}, headers=AUTH)
        assert response.status_code == 200, response.json()
        return {m["id"] for m in response.json()["items"]}

    assert found("退款 -流程") == {ids[0]}
    assert found("退款 OR battery") == {ids[0], ids[2], ids[3]}
    assert found("platform:reviews") == {ids[2]}
    assert found("sentiment:<0.1 OR lang:en") == {ids[0], ids[2]}
    assert found('"申请 退款" brand:鲜达外卖') == {ids[0]}
    assert found("-退款") == {ids[1], ids[2]}
    # Dates in q are read in the config's time zone (Asia/Shanghai): NOW is 20:00 on 20 November there.
    assert found("date:2026-11-20") == {ids[0], ids[1], ids[2]}
    assert found("date:<2026-11-20") == {ids[3]}
    page = client.get("/api/v1/mentions", params={"q": "退款 OR refun*", "sort": "relevance"}, headers=AUTH).json()
    assert "<mark>退款</mark>" in page["items"][0]["highlight"]["text"]


def test_a_query_syntax_error_is_a_400_pointing_at_the_column(client: TestClient) -> None:
    response = client.get("/api/v1/mentions", params={"q": "退款 AND (物流"}, headers=AUTH)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_query"
    assert "column 11" in error["message"] and "^" in error["message"]
    (detail,) = error["details"]
    assert detail["position"] == 11 and detail["expected"] == ["')'"]
    response = client.get("/api/v1/mentions", params={"q": "退款 AND"}, headers=AUTH)
    (detail,) = response.json()["error"]["details"]
    assert detail["position"] == 7 and "a word" in detail["expected"] and "a quoted phrase" in detail["expected"]


@pytest.mark.parametrize(
    ("q", "words"),
    [
        ("*款", "leading wildcards"),
        ("?x", "leading wildcards"),
        ("/退.*/", "regular expressions"),
        ("colour:red", "known fields: title, text, platform"),
        ("sentiment:angry", "negative, neutral, positive"),
        ("rating:[5 TO 1]", "empty"),
        ("x" * 1001, "longer than 1000"),
        (" ".join(f"w{i}" for i in range(60)), "at most 50"),
        ("(" * 9 + "x" + ")" * 9, "deeper than 8"),
        ("a NEAR/500 b", "at most NEAR/100"),
        ('"unclosed', "never closed"),
    ],
)
def test_queries_the_language_refuses_are_400s(client: TestClient, q: str, words: str) -> None:
    response = client.get("/api/v1/mentions", params={"q": q}, headers=AUTH)
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "invalid_query" and words in error["message"], error
    assert isinstance(error["details"][0]["position"], int)


def test_the_openapi_document_summarises_the_syntax(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/mentions"]["get"]
    (q,) = [p for p in operation["parameters"] if p["name"] == "q"]
    assert "NEAR/5" in q["description"] and "date:>now-7d" in q["description"]


# -- facets -------------------------------------------------------------------------------------------------------
WINDOW = {"since": (NOW - timedelta(days=1)).isoformat(), "until": NOW.isoformat()}


def seed_spike(resources: Resources) -> None:
    """The last day: a wave of 漏液 complaints about the phone; the day before: quiet."""
    now, before = timedelta(hours=2), timedelta(hours=30)
    resources.mentions.upsert(
        [
            *[
                make_mention(f"光屿手机，电池漏液，要求退货 第{i}台", brands=["光屿手机"], label="negative", score=0.1,
                             category="product_quality", ago=now)
                for i in range(5)
            ],
            make_mention("鲜达外卖配送太慢，骑手态度差", label="negative", score=0.2, category="logistics", ago=now),
            make_mention("鲜达外卖配送很快", label="positive", score=0.9, category="logistics", ago=now),
            make_mention("Lumi battery leaking", brands=["光屿手机"], platform="reddit", language="en", ago=now),
            make_mention("光屿手机，电池漏液", brands=["光屿手机"], label="negative", score=0.1, ago=before),
            make_mention("鲜达外卖配送太慢", label="negative", score=0.2, ago=before),
            make_mention("鲜达外卖配送太慢了", label="negative", score=0.2, ago=before),
        ]
    )  # fmt: skip


def test_facets_shape_counts_and_words(client: TestClient, resources: Resources) -> None:
    seed_spike(resources)
    response = client.get("/api/v1/mentions/facets", params=WINDOW, headers=AUTH)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"total", "facets", "top_words", "rising_words", "words_exact", "period"}
    assert body["total"] == 8
    assert body["words_exact"] is True  # eight mentions: every one counted
    assert set(body["facets"]) == {"platform", "brand", "sentiment", "category", "language"}
    assert body["facets"]["brand"] == [{"value": "光屿手机", "count": 6}, {"value": "鲜达外卖", "count": 2}]
    assert body["facets"]["platform"] == [{"value": "news", "count": 7}, {"value": "reddit", "count": 1}]
    assert body["facets"]["sentiment"][0] == {"value": "negative", "count": 6}
    assert body["facets"]["category"] == [
        {"value": "product_quality", "count": 5},
        {"value": "logistics", "count": 2},
    ]
    assert body["facets"]["language"] == [{"value": "zh", "count": 7}, {"value": "en", "count": 1}]
    words = {w["word"]: w["count"] for w in body["top_words"]}
    assert words["漏液"] == 5 and words["电池"] == 5 and words["配送"] == 2
    # Brand names and keywords, numbers, single characters and stop words are not words of interest.
    assert not {"光屿", "手机", "鲜达", "外卖", "lumi", "第", "太"} & set(words)
    rising = {w.pop("word"): w for w in body["rising_words"]}
    assert rising["漏液"] == {"count": 5, "previous": 1, "ratio": 3.0}
    assert rising["退货"] == {"count": 5, "previous": 0, "ratio": 6.0}  # new: rises most
    assert [w["ratio"] for w in rising.values()] == sorted((w["ratio"] for w in rising.values()), reverse=True)
    assert "配送" not in rising  # 2 now against 2 before: not rising
    assert "leaking" not in rising  # once is not a trend
    assert body["period"] == {
        "since": (NOW - timedelta(days=1)).isoformat().replace("+00:00", "Z"),
        "until": NOW.isoformat().replace("+00:00", "Z"),
        "previous_since": (NOW - timedelta(days=2)).isoformat().replace("+00:00", "Z"),
        "previous_until": (NOW - timedelta(days=1)).isoformat().replace("+00:00", "Z"),
    }


def test_facets_take_the_mention_filters(client: TestClient, resources: Resources) -> None:
    seed_spike(resources)
    params = {**WINDOW, "q": "配送 OR lang:en", "size": 1, "words": 0}
    body = client.get("/api/v1/mentions/facets", params=params, headers=AUTH).json()
    assert body["total"] == 3
    assert body["facets"]["brand"] == [{"value": "鲜达外卖", "count": 2}]
    assert body["top_words"] == [] and body["rising_words"] == []
    negative = client.get("/api/v1/mentions/facets", params={**WINDOW, "sentiment": "negative"}, headers=AUTH)
    assert negative.json()["total"] == 6
    bad = client.get("/api/v1/mentions/facets", params={**WINDOW, "q": "配送 OR"}, headers=AUTH)
    assert bad.status_code == 400 and bad.json()["error"]["details"][0]["position"] == 6
    assert client.get("/api/v1/mentions/facets", params={"size": 0}, headers=AUTH).status_code == 422
    assert client.get("/api/v1/mentions/facets", params={"sort": "time"}, headers=AUTH).status_code == 422


def test_facets_default_to_the_last_day(client: TestClient) -> None:
    body = client.get("/api/v1/mentions/facets", headers=AUTH).json()
    period = {k: datetime.fromisoformat(v) for k, v in body["period"].items()}
    assert period["until"] - period["since"] == timedelta(hours=24)
    assert period["previous_until"] == period["since"]
    assert period["since"] - period["previous_since"] == timedelta(hours=24)
    future = (NOW + timedelta(days=3650)).isoformat()
    response = client.get("/api/v1/mentions/facets", params={"since": future}, headers=AUTH)
    assert response.status_code == 400 and "since" in response.json()["error"]["message"]


def test_agents_see_only_their_brands_in_facets(client: TestClient, resources: Resources) -> None:
    seed_spike(resources)
    created = client.post(
        "/api/v1/users",
        headers=AUTH,
        json={"name": "wang", "role": "agent", "departments": ["客服部"], "brands": ["鲜达外卖"]},
    )
    agent = {"X-API-Key": created.json()["api_key"]}
    body = client.get("/api/v1/mentions/facets", params=WINDOW, headers=agent).json()
    assert body["total"] == 2
    assert body["facets"]["brand"] == [{"value": "鲜达外卖", "count": 2}]
    assert "漏液" not in {w["word"] for w in body["top_words"]}
    other = client.get("/api/v1/mentions/facets", params={**WINDOW, "brand": "光屿手机"}, headers=agent).json()
    assert other["total"] == 0 and other["facets"]["brand"] == [] and other["top_words"] == []
    searched = client.get("/api/v1/mentions", params={**WINDOW, "q": "brand:光屿手机"}, headers=agent).json()
    assert searched["total"] == 0  # a brand: condition in q cannot widen what the agent may see


_SYNTAX = [
    "(",
    ")",
    '"',
    "~",
    "*",
    "?",
    "/",
    ":",
    "-",
    "OR",
    "AND",
    "NOT",
    "NEAR/",
    "[",
    "]",
    "TO",
    "{",
    "}",
    "<",
    ">=",
]
_FIELDS = ["platform:", "brand:", "lang:", "author:", "sentiment:", "rating:", "category:", "date:", "title:", "now-"]
_queries = st.lists(st.one_of(st.sampled_from(_SYNTAX + _FIELDS), st.text(max_size=5)), max_size=16).map(" ".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.one_of(st.text(max_size=40), _queries))
def test_any_query_is_a_200_or_a_400_that_says_why(client: TestClient, q: str) -> None:
    for path, params in (("/api/v1/mentions", {"sort": "relevance"}), ("/api/v1/mentions/facets", {})):
        response = client.get(path, params={"q": q, **params}, headers=AUTH)
        assert response.status_code in (200, 400), (q, response.text)
        if response.status_code == 400:
            error = response.json()["error"]
            assert error["message"] and error["code"] in ("invalid_query", "validation_error"), error


def test_totals_of_word_searches_stop_at_the_cap(
    client: TestClient, resources: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index import sqlite as sqlite_store

    monkeypatch.setattr(sqlite_store, "TOTAL_CAP", 3)
    seed_spike(resources)
    words = client.get("/api/v1/mentions", params={"q": "漏液", "limit": 2}, headers=AUTH).json()
    assert (words["total"], words["total_exact"], len(words["items"])) == (3, False, 2)
    brand = client.get("/api/v1/mentions", params={"brand": "光屿手机"}, headers=AUTH).json()
    assert (brand["total"], brand["total_exact"]) == (7, True)
